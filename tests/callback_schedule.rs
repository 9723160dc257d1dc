//! The callback schedule on paused time: the daemon's desk, store, routing and the callback
//! channel's rules wired as the daemon wires them, on a manual clock, so a test can move time
//! by hours and see each request come up exactly when its rules say.

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard::callbacks::{CallbackParts, Callbacks, RoutingNotices};
use switchboard::config::Config;
use switchboard::events::EventBus;
use switchboard::hub::Hub;
use switchboard::inbound::ChannelSink;
use switchboard::ingest::{IngestParts, Ingestor};
use switchboard::playbook::{Playbook, PlaybookParts};
use switchboard::routing::{self, RoutingParts};
use switchboard::store::Store;
use switchboard::system_messages::SystemMessages;
use switchboard::triage::Triager;
use switchboard_callback::CallbackChannel;
use switchboard_channel::customer_token::TokenVerifier;
use switchboard_channel::{
    Adapter, CallEvent, CallWindow, CallbackDesk, CallbackRecord, CallbackRequest, CallbackStatus, ChannelContext,
    ChannelKind, ChannelMetrics, Clock, ManualClock, Millis, SenderIdentity, SharedClock,
};
use tempfile::TempDir;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Monday 2026-12-07 08:00 UTC.
const MONDAY_8AM: Millis = Millis(1_796_630_400_000);
const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

/// The daemon's callback desk on a manual clock.
struct World {
    _dir: TempDir,
    store: Arc<dyn Store>,
    clock: ManualClock,
    desk: Callbacks,
    cancel: CancellationToken,
}

impl World {
    /// `callback` is the `[callback]` section's TOML.
    async fn new(callback: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("switchboard.toml");
        std::fs::write(&file, callback).unwrap();
        let env = [("SWITCHBOARD__CHAT__JWT_SECRET".to_owned(), "0123456789abcdef0123456789abcdef".to_owned())];
        let config = Config::load_with_env(Some(&file), env).expect("the configuration loads");
        let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
        let store = switchboard::store::open(&url, &config.store).await.expect("the store opens");
        let manual = ManualClock::new(MONDAY_8AM);
        let clock: SharedClock = Arc::new(manual.clone());
        let hub = Arc::new(Hub::new(4096));
        let events = EventBus::new(hub.clone(), Default::default());
        let tasks = TaskTracker::new();
        let cancel = CancellationToken::new();
        let system = SystemMessages {
            store: store.clone(),
            events: events.clone(),
            outbox_wake: Arc::new(Notify::new()),
            clock: clock.clone(),
        };
        let (notices, routing_notices) = RoutingNotices::channel();
        let parts = RoutingParts {
            store: store.clone(),
            hub: hub.clone(),
            events: events.clone(),
            clock: clock.clone(),
            system: system.clone(),
            callbacks: notices,
        };
        let routing = routing::start(parts, &config.routing, cancel.clone(), &tasks).await.expect("routing starts");
        let playbook = Playbook::new(PlaybookParts {
            store: store.clone(),
            hub: hub.clone(),
            system: system.clone(),
            clock: clock.clone(),
            tasks: tasks.clone(),
            config: config.playbook.clone(),
            actions: config.actions.clone(),
        });
        let ingestor = Ingestor::new(IngestParts {
            store: store.clone(),
            events: events.clone(),
            routing: routing.clone(),
            triage: Arc::new(Triager::new(&config).expect("triage loads")),
            system: system.clone(),
            playbook,
            sticky: false,
            max_text_chars: 10_000,
            clock: clock.clone(),
            tasks: tasks.clone(),
        });
        let desk = Callbacks::new(CallbackParts {
            store: store.clone(),
            ingestor: ingestor.clone(),
            routing,
            events,
            hub: hub.clone(),
            system,
            clock: clock.clone(),
            tasks: tasks.clone(),
        });
        let sink = ChannelSink {
            channel: ChannelKind::Callback,
            ingestor,
            store: store.clone(),
            hub,
            clock: clock.clone(),
            routing: Arc::new(config.routing.clone()),
        };
        let context = ChannelContext {
            kind: ChannelKind::Callback,
            config: config.callback.clone(),
            sink: Arc::new(sink),
            shutdown: cancel.clone(),
            tasks,
            clock,
            metrics: ChannelMetrics { channel: "callback" },
        };
        let channel = CallbackChannel::start(context, Arc::new(desk.clone()), TokenVerifier::hs256(b""))
            .expect("the callback channel starts");
        let service = channel.callbacks().expect("the channel has its rules");
        desk.start(service, routing_notices, cancel.clone()).await.expect("the desk starts");
        Self { _dir: dir, store, clock: manual, desk, cancel }
    }

    async fn request(&self, user: &str, window: Option<CallWindow>) -> CallbackRecord {
        let request = CallbackRequest {
            sender: SenderIdentity { app_user_id: Some(user.to_owned()), ..SenderIdentity::default() },
            phone: "+8613800138000".into(),
            zone: "UTC".into(),
            reason: "please call me about my transfer".into(),
            window,
            unverified_phone: false,
        };
        let (record, created) = self.desk.request(request).await.expect("the request is taken");
        assert!(created);
        record
    }

    /// Moves the clock on and waits (in real time, briefly) for the request to get to `status`.
    async fn after(&self, d: Duration, id: &str, status: CallbackStatus) -> CallbackRecord {
        self.clock.advance(d);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let r = self.store.callback(id).await.unwrap().expect("the request is kept");
            if r.status == status {
                return r;
            }
            assert!(Instant::now() < deadline, "still {} at {:?}, not {status}", r.status, self.clock.now());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// What the request is after `d` more, when nothing is expected to happen.
    async fn still_after(&self, d: Duration, id: &str) -> CallbackRecord {
        self.clock.advance(d);
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.store.callback(id).await.unwrap().expect("the request is kept")
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Calling hours every day but the given `mon` (TOML value).
fn calling_hours(mon: &str) -> String {
    let rest = ["tue", "wed", "thu", "fri", "sat", "sun"].map(|d| format!("{d} = {mon}")).join("\n");
    format!("[callback.calling_hours]\nmon = {mon}\n{rest}\n")
}

#[tokio::test]
async fn a_missed_call_is_retried_on_schedule_and_stops_at_the_maximum() {
    // Customers are called first by a telephone system that cannot be reached here: each
    // attempt starts with the request in progress and its outcome comes as an event.
    let world = World::new(&format!(
        "[callback]\nmax_attempts = 3\nretry_backoff_s = [600, 1800]\ndialer = \"webhook\"\n\
         [callback.webhook]\nurl = \"http://127.0.0.1:9/dial\"\nsecret = \"a-webhook-secret-a-webhook-secret-xx\"\n\
         order = \"customer_first\"\nretries = 0\ntimeout_s = 1\n{}",
        calling_hours("\"00:00-24:00\"")
    ))
    .await;
    let r = world.request("u-1", None).await;
    assert_eq!(r.status, CallbackStatus::InProgress, "called at once: {r:?}");

    let missed = world.desk.call_event(&r.id, CallEvent::NoAnswer).await.unwrap();
    assert_eq!((missed.status, missed.attempts), (CallbackStatus::Scheduled, 1));
    assert_eq!(missed.next_attempt_at, Some(MONDAY_8AM.plus(10 * MINUTE)));
    assert_eq!(world.still_after(9 * MINUTE, &r.id).await.status, CallbackStatus::Scheduled, "not before its time");
    world.after(MINUTE, &r.id, CallbackStatus::InProgress).await;

    let missed = world.desk.call_event(&r.id, CallEvent::Busy).await.unwrap();
    assert_eq!((missed.status, missed.attempts), (CallbackStatus::Scheduled, 2));
    assert_eq!(missed.next_attempt_at, Some(MONDAY_8AM.plus(10 * MINUTE + 30 * MINUTE)), "the second backoff");
    world.after(30 * MINUTE, &r.id, CallbackStatus::InProgress).await;

    let ended = world.desk.call_event(&r.id, CallEvent::Voicemail).await.unwrap();
    assert_eq!((ended.status, ended.attempts), (CallbackStatus::Failed, 3));
    assert_eq!(ended.failure.as_deref(), Some("attempts_exhausted"));
    assert_eq!(world.still_after(24 * HOUR, &r.id).await.status, CallbackStatus::Failed, "nothing redials");
    let conversation = world.store.conversation(&switchboard::domain::ConversationId(r.conversation_id)).await.unwrap();
    assert!(!conversation.unwrap().status.is_open(), "its conversation ended with it");
}

#[tokio::test]
async fn a_request_outside_calling_hours_waits_for_them_and_stands_aside_when_they_close() {
    let world = World::new(&format!("[callback]\n{}", calling_hours("\"09:00-10:00\""))).await;
    let r = world.request("u-1", None).await;
    assert_eq!((r.status, r.next_attempt_at), (CallbackStatus::Scheduled, Some(MONDAY_8AM.plus(HOUR))));
    assert_eq!(world.still_after(59 * MINUTE, &r.id).await.status, CallbackStatus::Scheduled);
    world.after(MINUTE, &r.id, CallbackStatus::Queued).await;
    // Nobody called before calling hours closed: it waits for tomorrow's.
    let aside = world.after(HOUR, &r.id, CallbackStatus::Scheduled).await;
    assert_eq!(aside.next_attempt_at, Some(MONDAY_8AM.plus(25 * HOUR)));
    world.after(23 * HOUR, &r.id, CallbackStatus::Queued).await;
}

#[tokio::test]
async fn a_window_that_closes_before_a_call_ends_the_request_failed() {
    let world = World::new(&format!("[callback]\n{}", calling_hours("\"00:00-24:00\""))).await;
    let window = CallWindow { start: MONDAY_8AM.plus(2 * HOUR), end: MONDAY_8AM.plus(2 * HOUR + 30 * MINUTE) };
    let r = world.request("u-1", Some(window)).await;
    assert_eq!((r.status, r.next_attempt_at), (CallbackStatus::Scheduled, Some(window.start)));
    world.after(2 * HOUR, &r.id, CallbackStatus::Queued).await;
    let failed = world.after(30 * MINUTE, &r.id, CallbackStatus::Failed).await;
    assert_eq!(failed.failure.as_deref(), Some("window_closed"));
}
