//! Adapter-level tests: the router served on a loopback port, with a desk and a sink that
//! keep what they are given in memory (test doubles of the daemon, whose own end-to-end
//! tests cover the real ones).

mod api;
mod webhook;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::future::BoxFuture;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;
use switchboard_channel::customer_token::TokenVerifier;
use switchboard_channel::{
    Accepted, CallEvent, CallEventRefused, CallbackDesk, CallbackRecord, CallbackRequest, CallbackStatus,
    ChannelContext, ChannelKind, ChannelMetrics, Clock, ConnectionId, CustomerMessage, CustomerSignal, Inbound,
    InboundSink, ManualClock, Millis, Origin, Quarantined, Refused, SenderIdentity, SessionStart,
};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::{CallbackChannel, CallbackConfig};
use switchboard_channel::Adapter;

pub const JWT_SECRET: &[u8] = b"jwt-secret-jwt-secret-jwt-secret";

/// Requests kept by (owner, record), as the daemon's desk keeps them.
#[derive(Default)]
pub struct TestDesk {
    pub records: Mutex<HashMap<String, (String, CallbackRecord)>>,
    pub requests: Mutex<Vec<CallbackRequest>>,
    pub events: Mutex<Vec<(String, CallEvent)>>,
    /// Refuse the next call event as too busy.
    pub busy_once: AtomicBool,
}

#[async_trait]
impl CallbackDesk for TestDesk {
    async fn request(&self, request: CallbackRequest) -> Result<(CallbackRecord, bool), Refused> {
        let owner = request.sender.app_user_id.clone().ok_or(Refused::Anonymous)?;
        self.requests.lock().unwrap().push(request.clone());
        let mut records = self.records.lock().unwrap();
        if let Some((_, open)) =
            records.values().find(|(o, r)| *o == owner && r.phone == request.phone && !r.status.is_final())
        {
            return Ok((open.clone(), false));
        }
        let n = records.len() + 1;
        let record = CallbackRecord {
            id: format!("cb-{n}"),
            conversation_id: format!("c-{n}"),
            customer_id: format!("cu-{owner}"),
            phone: request.phone,
            zone: request.zone,
            window: request.window,
            status: CallbackStatus::Queued,
            attempts: 0,
            outcome: None,
            failure: None,
            next_attempt_at: None,
            unverified_phone: request.unverified_phone,
            created_at: Millis(1_795_335_300_000),
            updated_at: Millis(1_795_335_300_000),
        };
        records.insert(record.id.clone(), (owner, record.clone()));
        Ok((record, true))
    }

    async fn find(&self, id: &str, app_user_id: &str) -> Result<Option<CallbackRecord>, Refused> {
        let records = self.records.lock().unwrap();
        Ok(records.get(id).filter(|(o, _)| o == app_user_id).map(|(_, r)| r.clone()))
    }

    async fn cancel(&self, id: &str, app_user_id: &str) -> Result<Option<CallbackRecord>, Refused> {
        let mut records = self.records.lock().unwrap();
        let Some((_, record)) = records.get_mut(id).filter(|(o, _)| o == app_user_id) else { return Ok(None) };
        if !record.status.is_final() {
            record.status = CallbackStatus::Cancelled;
        }
        Ok(Some(record.clone()))
    }

    async fn call_event(&self, id: &str, event: CallEvent) -> Result<CallbackRecord, CallEventRefused> {
        if self.busy_once.swap(false, Ordering::SeqCst) {
            return Err(CallEventRefused::Refused(Refused::Busy));
        }
        let mut records = self.records.lock().unwrap();
        let (_, record) = records.get_mut(id).ok_or(CallEventRefused::NotFound)?;
        if record.status.is_final() {
            return Err(CallEventRefused::Conflict("the request has ended".into()));
        }
        record.status = CallbackStatus::InProgress;
        self.events.lock().unwrap().push((id.to_owned(), event));
        Ok(record.clone())
    }
}

/// A sink that keeps the adapter's state; nothing else is asked of it by this channel.
#[derive(Default)]
pub struct TestSink {
    pub state: Mutex<HashMap<String, String>>,
}

#[async_trait]
impl InboundSink for TestSink {
    fn submit(&self, _inbound: Inbound, _origin: Origin) -> BoxFuture<'static, Result<Accepted, Refused>> {
        Box::pin(async { Err(Refused::Unavailable) })
    }
    async fn begin(&self, _sender: &SenderIdentity) -> Result<SessionStart, Refused> {
        Err(Refused::Unavailable)
    }
    async fn replay(&self, _c: &str, _after: i64, _limit: usize) -> Result<Vec<CustomerMessage>, Refused> {
        Err(Refused::Unavailable)
    }
    fn signal(&self, _conversation_id: &str, _signal: CustomerSignal, _from: ConnectionId) {}
    async fn load_state(&self, key: &str) -> Result<Option<String>, Refused> {
        Ok(self.state.lock().unwrap().get(key).cloned())
    }
    async fn save_state(&self, key: &str, value: &str) -> Result<(), Refused> {
        self.state.lock().unwrap().insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    async fn quarantine(&self, _item: Quarantined) -> Result<(), Refused> {
        Err(Refused::Unavailable)
    }
    async fn delivery_failed(&self, _external_id: &str, _reason: &str) -> Result<Option<String>, Refused> {
        Err(Refused::Unavailable)
    }
    async fn acknowledge(&self, _conversation_id: &str, _text: &str) -> Result<(), Refused> {
        Err(Refused::Unavailable)
    }
}

/// The channel, served on a loopback port.
pub struct Served {
    pub base: String,
    pub desk: Arc<TestDesk>,
    pub sink: Arc<TestSink>,
    pub clock: ManualClock,
    pub channel: Arc<CallbackChannel>,
    pub http: reqwest::Client,
}

pub async fn serve(config: CallbackConfig) -> Served {
    let desk = Arc::new(TestDesk::default());
    let sink = Arc::new(TestSink::default());
    let clock = ManualClock::new(Millis::wall());
    let ctx = ChannelContext {
        kind: ChannelKind::Callback,
        config,
        sink: sink.clone(),
        shutdown: CancellationToken::new(),
        tasks: TaskTracker::new(),
        clock: Arc::new(clock.clone()),
        metrics: ChannelMetrics { channel: "callback" },
    };
    let channel = CallbackChannel::start(ctx, desk.clone(), TokenVerifier::hs256(JWT_SECRET)).unwrap();
    let router = channel.routes().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    Served { base, desk, sink, clock, channel, http: reqwest::Client::new() }
}

impl Served {
    pub fn now(&self) -> Millis {
        self.clock.now()
    }
}

/// A customer token for `sub`, vouching for `phone` when given.
pub fn token(sub: &str, phone: Option<&str>) -> String {
    let exp = Millis::wall().0 / 1000 + 600;
    let claims = json!({ "sub": sub, "exp": exp, "phone": phone, "name": "Li Wei", "lang": "zh", "tier": "vip" });
    encode(&Header::default(), &claims, &EncodingKey::from_secret(JWT_SECRET)).unwrap()
}
