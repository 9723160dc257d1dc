//! The outbox dispatcher against the real SQLite store and a scripted channel adapter:
//! transient failures are retried with growing backoff until they succeed, permanent ones and
//! those past the retry horizon are marked failed and reported to agents, a channel without
//! an adapter fails at once, and work left pending by a previous process is delivered.
//!
//! The dispatcher runs on a manual clock that the test moves forward in small steps, so every
//! wait it keeps (backoff, lease, retry horizon) is checked exactly in the clock's time, and
//! whether anything is left to deliver is read from the outbox, never waited out.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use switchboard::config::{OutboxConfig, StoreConfig};
use switchboard::dispatcher::{Adapters, Dispatcher};
use switchboard::domain::{AgentId, ConversationId, Millis};
use switchboard::events::{DeliveryState, EventBus};
use switchboard::hub::{Hub, Registration};
use switchboard::live::LiveCustomers;
use switchboard::store::{NewInbound, NewOutbound, OutboundAuthor, OutboxCounts, Store, Threading};
use switchboard_channel::{
    ChannelKind, Clock, DeliveryError, DeliveryReceipt, ManualClock, Outbound, OutboundChannel, SenderIdentity,
};
use tempfile::TempDir;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Longest any test waits (in real time) for the dispatcher to report a delivery.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How far the test clock moves at each step, and how often (in real time) it steps.
const CLOCK_STEP: Duration = Duration::from_millis(10);
const STEP_EVERY: Duration = Duration::from_millis(1);

type Outcome = Result<DeliveryReceipt, DeliveryError>;

/// One call the dispatcher made to the adapter.
#[derive(Clone, Debug)]
struct Attempt {
    outbox_id: i64,
    /// `Outbound::attempt`: how many attempts the dispatcher says came before.
    previous: u32,
    /// The test clock's time when the dispatcher called.
    at: Millis,
}

/// An adapter that answers from a script, then with a fixed outcome, and remembers every call.
struct ScriptedChannel {
    kind: ChannelKind,
    clock: ManualClock,
    script: Mutex<VecDeque<Outcome>>,
    then: Outcome,
    attempts: Mutex<Vec<Attempt>>,
}

impl ScriptedChannel {
    fn new(db: &Database, kind: ChannelKind, script: Vec<Outcome>, then: Outcome) -> Arc<Self> {
        Arc::new(Self {
            kind,
            clock: db.clock.clone(),
            script: Mutex::new(script.into()),
            then,
            attempts: Mutex::new(Vec::new()),
        })
    }

    fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().unwrap().clone()
    }
}

#[async_trait]
impl OutboundChannel for ScriptedChannel {
    fn kind(&self) -> ChannelKind {
        self.kind
    }

    async fn deliver(&self, message: &Outbound) -> Result<DeliveryReceipt, DeliveryError> {
        self.attempts.lock().unwrap().push(Attempt {
            outbox_id: message.outbox_id,
            previous: message.attempt,
            at: self.clock.now(),
        });
        let next = self.script.lock().unwrap().pop_front();
        next.unwrap_or_else(|| self.then.clone())
    }

    async fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}

fn sent(detail: &str, external_id: Option<&str>) -> Outcome {
    Ok(DeliveryReceipt { detail: detail.to_owned(), external_id: external_id.map(str::to_owned) })
}

fn transient(why: &str) -> Outcome {
    Err(DeliveryError::Transient(why.to_owned()))
}

fn adapters(channels: &[&Arc<ScriptedChannel>]) -> Adapters {
    channels.iter().map(|c| (c.kind, Arc::clone(c) as Arc<dyn OutboundChannel>)).collect()
}

fn outbox(initial_backoff_ms: u64, max_backoff_ms: u64, retry_horizon_s: u64) -> OutboxConfig {
    OutboxConfig { initial_backoff_ms, max_backoff_ms, retry_horizon_s, lease_s: 60, ..OutboxConfig::default() }
}

/// A SQLite database in a temporary directory, reopenable as a later process would.
/// A database, and an agent connection following its conversations (as a supervisor who
/// opened them would) to see the delivery reports agents see.
struct Database {
    dir: TempDir,
    clock: ManualClock,
    hub: Arc<Hub>,
    watcher: tokio::sync::Mutex<Registration>,
}

/// The agent whose connection receives delivery reports.
const WATCHER: &str = "ag_supervisor";

impl Database {
    fn new() -> Self {
        let hub = Arc::new(Hub::new(4096));
        let (watcher, _) = hub.register_agent(&AgentId::from(WATCHER));
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
            clock: ManualClock::new(Millis(1_800_000_000_000)),
            hub,
            watcher: tokio::sync::Mutex::new(watcher),
        }
    }

    /// The next delivery report: conversation id, seq, state, detail.
    async fn next_delivery(&self) -> (String, i64, DeliveryState, String) {
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        let mut watcher = self.watcher.lock().await;
        loop {
            let frame = tokio::time::timeout_at(deadline, watcher.queue.frames.recv())
                .await
                .unwrap_or_else(|_| panic!("no delivery reported within {EVENT_TIMEOUT:?}"))
                .expect("the watching connection is open");
            let f: serde_json::Value = serde_json::from_str(&frame).expect("frames are JSON");
            if f["type"] == "delivery" {
                let state = match f["state"].as_str() {
                    Some("sent") => DeliveryState::Sent,
                    Some("failed") => DeliveryState::Failed,
                    other => panic!("unknown delivery state {other:?}"),
                };
                let text = |k: &str| f[k].as_str().expect("a string field").to_owned();
                return (text("conversation_id"), f["seq"].as_i64().expect("a seq"), state, text("detail"));
            }
        }
    }

    async fn open(&self) -> Arc<dyn Store> {
        let url = format!("sqlite://{}", self.dir.path().join("outbox.db").display());
        switchboard::store::open(&url, &StoreConfig::default()).await.expect("the store opens")
    }
}

/// A running dispatcher, and the task that moves the test clock while it runs.
struct Running {
    wake: Arc<Notify>,
    cancel: CancellationToken,
    task: JoinHandle<()>,
    ticker: JoinHandle<()>,
}

impl Running {
    fn start(db: &Database, store: &Arc<dyn Store>, adapters: Adapters, config: &OutboxConfig) -> Self {
        let live = Arc::new(LiveCustomers::default());
        let events = EventBus::new(db.hub.clone(), live.clone());
        let dispatcher = Dispatcher::new(store.clone(), adapters, config, events, Arc::new(db.clock.clone()), live);
        let wake = dispatcher.waker();
        let cancel = CancellationToken::new();
        let task = tokio::spawn(dispatcher.run(cancel.clone()));
        let clock = db.clock.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(STEP_EVERY);
            loop {
                every.tick().await;
                clock.advance(CLOCK_STEP);
            }
        });
        Self { wake, cancel, task, ticker }
    }

    async fn stop(self) {
        self.ticker.abort();
        self.cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the dispatcher stops when cancelled")
            .expect("the dispatcher task did not panic");
    }
}

/// Opens a conversation on `channel` with one customer message; the watching agent follows it.
async fn conversation(db: &Database, store: &Arc<dyn Store>, channel: ChannelKind) -> ConversationId {
    let sender = SenderIdentity {
        app_user_id: Some("u-li".to_owned()),
        email: Some("li@example.com".to_owned()),
        ..SenderIdentity::default()
    };
    let threading = match channel {
        ChannelKind::Email => Threading::ByReferences(Vec::new()),
        ChannelKind::Chat => Threading::LatestOpen,
        ChannelKind::Callback => Threading::New,
    };
    let opened = store
        .ingest(NewInbound {
            channel,
            external_id: format!("<first-{channel}@mail>"),
            key_scope: None,
            threading,
            sender,
            customer: None,
            subject: Some("Refund".to_owned()),
            text: "where is my refund?".to_owned(),
            secrets_redacted: false,
            triage: None,
            received_at: db.clock.now(),
            account: None,
            join: Default::default(),
            email: None,
            attachments: Vec::new(),
            full_text: None,
        })
        .await
        .expect("ingest")
        .conversation;
    db.hub.watch(&opened, &AgentId::from(WATCHER));
    opened.id
}

/// Commits an agent reply to be delivered, as the agent console does, and returns its seq.
async fn reply(db: &Database, store: &Arc<dyn Store>, conversation: &ConversationId, key: &str) -> i64 {
    let written = store
        .append_outbound(NewOutbound {
            conversation_id: conversation.clone(),
            author: OutboundAuthor::Agent { id: AgentId::from("ag_mei"), name: "Mei".to_owned() },
            idempotency_key: Some(format!("agent:ag_mei:{key}")),
            text: format!("reply {key}"),
            internal: false,
            deliver: true,
            assignee_only: None,
            delivered_live: None,
            cc: Vec::new(),
            also_by: None,
            now: db.clock.now(),
        })
        .await
        .expect("reply committed");
    assert!(written.outbox_id.is_some());
    written.message.seq.expect("a reply has a seq")
}

async fn counts(store: &Arc<dyn Store>) -> OutboxCounts {
    store.outbox_counts().await.expect("outbox counts")
}

/// Asserts that no delivery is left to attempt, ever: the outbox holds nothing pending.
async fn nothing_left_to_deliver(store: &Arc<dyn Store>) {
    assert_eq!(store.next_outbox_due().await.expect("next due"), None, "a delivery is still scheduled");
}

#[tokio::test]
async fn transient_failures_are_retried_with_growing_backoff_until_sent() {
    let db = Database::new();
    let store = db.open().await;
    let email = ScriptedChannel::new(
        &db,
        ChannelKind::Email,
        vec![transient("421 busy"), transient("421 busy"), transient("timeout")],
        sent("250 2.0.0 Ok: queued", Some("<reply-1@switchboard>")),
    );
    let initial_ms = 40;
    let running = Running::start(&db, &store, adapters(&[&email]), &outbox(initial_ms, 1_000, 60));
    let id = conversation(&db, &store, ChannelKind::Email).await;
    let seq = reply(&db, &store, &id, "r1").await;
    running.wake.notify_one();

    // Retries are silent; the first report is the success.
    let (reported, reported_seq, state, detail) = db.next_delivery().await;
    assert_eq!((reported.as_str(), reported_seq), (id.as_str(), seq));
    assert_eq!(state, DeliveryState::Sent);
    assert_eq!(detail, "250 2.0.0 Ok: queued");

    let attempts = email.attempts();
    let previous: Vec<u32> = attempts.iter().map(|a| a.previous).collect();
    assert_eq!(previous, [0, 1, 2, 3], "four attempts, each counting those before");
    // Each wait is at least half its ceiling, and the ceiling doubles: 40, 80, 160 ms.
    for (k, pair) in attempts.windows(2).enumerate() {
        let waited = Duration::from_millis((pair[1].at.0 - pair[0].at.0) as u64);
        let floor = Duration::from_millis(initial_ms << k) / 2;
        assert!(waited >= floor, "retry {} came after {waited:?}, before its backoff of at least {floor:?}", k + 1);
    }
    assert_eq!(counts(&store).await, OutboxCounts { pending: 0, failed: 0 });
    // Sent is final: nothing is delivered twice.
    nothing_left_to_deliver(&store).await;
    assert_eq!(email.attempts().len(), 4);
    running.stop().await;
}

#[tokio::test]
async fn a_permanent_failure_is_marked_failed_and_reported() {
    let db = Database::new();
    let store = db.open().await;
    let email = ScriptedChannel::new(
        &db,
        ChannelKind::Email,
        Vec::new(),
        Err(DeliveryError::Permanent("550 5.1.1 <li@example.com>: Recipient address rejected".to_owned())),
    );
    let running = Running::start(&db, &store, adapters(&[&email]), &outbox(20, 100, 60));
    let id = conversation(&db, &store, ChannelKind::Email).await;
    let seq = reply(&db, &store, &id, "r1").await;
    running.wake.notify_one();

    let (reported, reported_seq, state, detail) = db.next_delivery().await;
    assert_eq!((reported.as_str(), reported_seq), (id.as_str(), seq));
    assert_eq!(state, DeliveryState::Failed);
    assert!(detail.contains("550 5.1.1"), "the agent sees why: {detail:?}");
    assert_eq!(counts(&store).await, OutboxCounts { pending: 0, failed: 1 });
    // Never retried.
    nothing_left_to_deliver(&store).await;
    assert_eq!(email.attempts().len(), 1);
    running.stop().await;
}

#[tokio::test]
async fn transient_failures_are_given_up_at_the_retry_horizon() {
    let db = Database::new();
    let store = db.open().await;
    let email = ScriptedChannel::new(&db, ChannelKind::Email, Vec::new(), transient("421 4.3.2 busy"));
    let (max_backoff_ms, horizon) = (200, Duration::from_secs(1));
    let running = Running::start(&db, &store, adapters(&[&email]), &outbox(50, max_backoff_ms, horizon.as_secs()));
    let id = conversation(&db, &store, ChannelKind::Email).await;
    let written = db.clock.now();
    reply(&db, &store, &id, "r1").await;
    running.wake.notify_one();

    let (reported, _, state, detail) = db.next_delivery().await;
    let gave_up_after = Duration::from_millis((db.clock.now().0 - written.0) as u64);
    assert_eq!(reported, id.as_str());
    assert_eq!(state, DeliveryState::Failed);
    assert!(
        detail.contains("gave up") && detail.contains("421 4.3.2 busy"),
        "the agent sees that it was given up and why: {detail:?}"
    );
    // It kept trying until the next retry would fall past the horizon, and then stopped.
    let attempts = email.attempts();
    assert!(attempts.len() >= 3, "only {} attempts", attempts.len());
    let previous: Vec<u32> = attempts.iter().map(|a| a.previous).collect();
    assert_eq!(previous, (0..attempts.len() as u32).collect::<Vec<_>>());
    assert!(
        gave_up_after >= horizon - Duration::from_millis(max_backoff_ms),
        "gave up after {gave_up_after:?}, well before the {horizon:?} horizon"
    );
    assert_eq!(counts(&store).await, OutboxCounts { pending: 0, failed: 1 });
    nothing_left_to_deliver(&store).await;
    assert_eq!(email.attempts().len(), attempts.len(), "retried after giving up");
    running.stop().await;
}

#[tokio::test]
async fn a_channel_without_an_adapter_fails_permanently() {
    let db = Database::new();
    let store = db.open().await;
    let email = ScriptedChannel::new(&db, ChannelKind::Email, Vec::new(), sent("250 ok", None));
    let running = Running::start(&db, &store, adapters(&[&email]), &outbox(20, 100, 60));
    let id = conversation(&db, &store, ChannelKind::Chat).await;
    let seq = reply(&db, &store, &id, "r1").await;
    running.wake.notify_one();

    let (reported, reported_seq, state, detail) = db.next_delivery().await;
    assert_eq!((reported.as_str(), reported_seq), (id.as_str(), seq));
    assert_eq!(state, DeliveryState::Failed);
    assert!(detail.contains("chat"), "the detail names the channel: {detail:?}");
    assert!(email.attempts().is_empty(), "handed to another channel's adapter");
    assert_eq!(counts(&store).await, OutboxCounts { pending: 0, failed: 1 });
    running.stop().await;
}

#[tokio::test]
async fn deliveries_left_pending_by_a_previous_process_are_delivered() {
    let db = Database::new();
    // The previous process: three replies committed, one of them claimed by a dispatcher
    // that died before reporting, none delivered.
    let lease = Duration::from_secs(1);
    let (id, seqs, claimed_at, leased_id) = {
        let store = db.open().await;
        let id = conversation(&db, &store, ChannelKind::Email).await;
        let mut seqs = Vec::new();
        for key in ["r1", "r2", "r3"] {
            seqs.push(reply(&db, &store, &id, key).await);
        }
        let claimed_at = db.clock.now();
        let claimed = store.claim_outbox(claimed_at, lease, 1).await.expect("claim");
        assert_eq!(claimed.len(), 1);
        (id, seqs, claimed_at, claimed[0].outbound.outbox_id)
    };

    // The next process: a new store over the same file and a new dispatcher.
    let store = db.open().await;
    assert_eq!(counts(&store).await, OutboxCounts { pending: 3, failed: 0 });
    let email = ScriptedChannel::new(&db, ChannelKind::Email, Vec::new(), sent("250 ok", None));
    let running = Running::start(&db, &store, adapters(&[&email]), &outbox(20, 100, 60));
    let mut delivered = Vec::new();
    for _ in 0..3 {
        let (reported, seq, state, _) = db.next_delivery().await;
        assert_eq!(reported, id.as_str());
        assert_eq!(state, DeliveryState::Sent);
        delivered.push(seq);
    }
    delivered.sort_unstable();
    assert_eq!(delivered, seqs);
    assert_eq!(counts(&store).await, OutboxCounts { pending: 0, failed: 0 });

    // Each exactly once; the one the dead dispatcher held waited for its lease to run out.
    let attempts = email.attempts();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    let leased = attempts.iter().find(|a| a.outbox_id == leased_id).expect("the leased delivery was retried");
    assert!(
        leased.at >= claimed_at.plus(lease),
        "a leased delivery was retried {} ms after its claim, before the {lease:?} lease ended",
        leased.at.0 - claimed_at.0
    );
    running.stop().await;
}
