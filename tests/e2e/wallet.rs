//! A wallet backend for the tests: takes account actions over HTTP, checks each request's
//! signature independently of the daemon's code, applies each idempotency key once, and
//! answers as a test scripts it (fail a few times, refuse, or accept).

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::client::webhook_signature;

/// The HMAC key the test daemons and this backend share.
pub const WALLET_SECRET: &str = "wallet-secret-wallet-secret-wallet-0001";
/// How long a test waits for the backend to hear of something.
const WAIT: Duration = Duration::from_secs(20);

/// One request as the backend received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The signature matched the body and timestamp under [`WALLET_SECRET`].
    pub signed: bool,
    pub idempotency_key: String,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Answers to give before accepting: a status and a body.
    script: VecDeque<(u16, String)>,
    /// Keys whose action was carried out: each at most once.
    applied: BTreeSet<String>,
}

#[derive(Clone, Default)]
pub struct Wallet(Arc<Mutex<Inner>>);

impl Wallet {
    /// The next requests get these answers, in order, before the backend accepts again.
    pub fn answer_first(&self, answers: &[(u16, &str)]) {
        self.0.lock().unwrap().script.extend(answers.iter().map(|(s, b)| (*s, (*b).to_owned())));
    }

    pub fn received(&self) -> Vec<Received> {
        self.0.lock().unwrap().received.clone()
    }

    /// Keys whose action was carried out.
    pub fn applied(&self) -> BTreeSet<String> {
        self.0.lock().unwrap().applied.clone()
    }

    /// Waits until at least `n` requests came in; fails the test after a while.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(start.elapsed() < WAIT, "the wallet backend got {} requests, not {n}", received.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn take(State(wallet): State<Wallet>, headers: HeaderMap, body: String) -> (StatusCode, String) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let signed = header("x-switchboard-signature")
        == webhook_signature(WALLET_SECRET, &header("x-switchboard-timestamp"), &body);
    let key = header("idempotency-key");
    let mut inner = wallet.0.lock().unwrap();
    inner.received.push(Received {
        signed,
        idempotency_key: key.clone(),
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    });
    if !signed {
        return (StatusCode::UNAUTHORIZED, "bad signature".into());
    }
    if let Some((status, body)) = inner.script.pop_front() {
        return (StatusCode::from_u16(status).unwrap(), body);
    }
    inner.applied.insert(key);
    (StatusCode::OK, "{\"ok\":true}".into())
}

/// Starts a wallet backend on `address` (port 0: any free one); returns it and its URL.
pub async fn start_wallet_at(address: SocketAddr) -> (Wallet, String) {
    let wallet = Wallet::default();
    let app = axum::Router::new().route("/actions", axum::routing::post(take)).with_state(wallet.clone());
    let listener = tokio::net::TcpListener::bind(address).await.expect("the wallet backend binds");
    let url = format!("http://{}/actions", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (wallet, url)
}

pub async fn start_wallet() -> (Wallet, String) {
    start_wallet_at(SocketAddr::from(([127, 0, 0, 1], 0))).await
}
