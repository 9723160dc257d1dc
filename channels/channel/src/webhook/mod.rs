//! Signed webhooks: the HMAC signature they carry ([`signature`]) and the client that posts
//! one request at a time ([`SignedWebhook`]), saying whether a failure is worth retrying.
//! Retries are the caller's: the dialer retries in memory, account actions from a durable
//! queue.

pub mod signature;

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use crate::{Secret, SharedClock};
pub use signature::{SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, sign, verify};

/// The header that carries a request's idempotency key: the receiver does what a key asks
/// at most once, however often it arrives.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Most bytes of a refusal's body kept as its reason.
const MAX_REASON_BYTES: usize = 500;

/// What one try of a request came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Posted {
    Done,
    /// Worth trying again: no connection, a timeout, a 5xx or 429.
    Transient(String),
    /// Refused for good (any other 4xx), with what the far side said when it said something.
    Permanent(String),
}

/// A client that signs and posts JSON bodies to one URL.
pub struct SignedWebhook {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: Secret,
    clock: SharedClock,
    /// Who the far side is, in the reasons given (`the telephone system`).
    peer: &'static str,
}

impl SignedWebhook {
    /// A client for `url`; each request may take `timeout`. Refuses an empty secret: nothing
    /// is ever posted unsigned.
    pub fn new(
        url: &str,
        secret: Secret,
        timeout: Duration,
        clock: SharedClock,
        peer: &'static str,
    ) -> Result<Self, String> {
        if secret.is_empty() {
            return Err("no secret is set to sign requests with".into());
        }
        let url = reqwest::Url::parse(url).map_err(|e| format!("url: {e}"))?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A signed request is meant for the one URL configured, not wherever it points on.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("no HTTP client ({e})"))?;
        Ok(Self { client, url, secret, clock, peer })
    }

    /// Posts `body` once, signed with the current time, under `idempotency_key`.
    pub async fn post(&self, body: &[u8], idempotency_key: &str) -> Posted {
        let peer = self.peer;
        let timestamp = self.clock.now().0.div_euclid(1000);
        let signed = sign(self.secret.expose().as_bytes(), timestamp, body);
        let request = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signed)
            .header(IDEMPOTENCY_HEADER, idempotency_key)
            .body(body.to_vec());
        match request.send().await {
            Ok(response) => match response.status() {
                s if s.is_success() => Posted::Done,
                s if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error() => {
                    Posted::Transient(format!("{peer} answered {s}"))
                }
                s => match reason(response).await {
                    Some(why) => Posted::Permanent(format!("{peer} refused: {s}: {why}")),
                    None => Posted::Permanent(format!("{peer} refused: {s}")),
                },
            },
            Err(e) if e.is_timeout() => Posted::Transient(format!("{peer} did not answer in time")),
            Err(e) if e.is_connect() => Posted::Transient(format!("{peer} could not be reached")),
            Err(e) => Posted::Transient(format!("the request to {peer} failed: {e}")),
        }
    }
}

/// What a refusal's body says: its `reason`, `message` or `error` field when it is JSON,
/// else its text; bounded, on one line.
async fn reason(mut response: reqwest::Response) -> Option<String> {
    let mut body = Vec::new();
    // Read no more than we keep: a refusal may be a large HTML page.
    while body.len() < MAX_REASON_BYTES {
        match tokio::time::timeout(Duration::from_secs(2), response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_REASON_BYTES);
    let text = String::from_utf8_lossy(&body);
    let field = |v: &serde_json::Value| {
        ["reason", "message", "error"].iter().find_map(|k| v.get(*k).and_then(|f| f.as_str()).map(str::to_owned))
    };
    let said = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| field(&v))
        .unwrap_or_else(|| text.into_owned());
    let said: String =
        said.split_whitespace().collect::<Vec<_>>().join(" ").chars().filter(|c| !c.is_control()).collect();
    (!said.is_empty()).then_some(said)
}
