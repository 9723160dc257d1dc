//! The routing task against the real SQLite store, on a manual clock: an unanswered offer
//! lapses exactly at its timeout and goes to the next agent, a disconnected agent keeps their
//! conversations through the reconnect grace and loses them after it, and a restart rebuilds
//! the queue and the assignments from the store. Time moves only when a test moves it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use switchboard::callbacks::RoutingNotices;
use switchboard::config::{RoutingConfig, StoreConfig};
use switchboard::domain::{Agent, ConversationId, ConversationStatus, Millis, NewAgent};
use switchboard::events::EventBus;
use switchboard::hub::{Hub, Registration};
use switchboard::routing::{self, AgentStatus, RoutingHandle, RoutingParts};
use switchboard::store::{NewInbound, Store, Threading};
use switchboard::system_messages::SystemMessages;
use switchboard_channel::{ChannelKind, Clock, ManualClock, SenderIdentity, SharedClock};
use tempfile::TempDir;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Longest any test waits (in real time) for a frame the routing task must send.
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);
const OFFER_TIMEOUT: Duration = Duration::from_secs(30);
const GRACE: Duration = Duration::from_secs(60);

fn config() -> RoutingConfig {
    RoutingConfig {
        offer_timeout_s: OFFER_TIMEOUT.as_secs(),
        reconnect_grace_s: GRACE.as_secs(),
        ..RoutingConfig::default()
    }
}

/// A store in a temporary directory, a hub, and the manual clock routing runs on.
struct World {
    dir: TempDir,
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    clock: ManualClock,
}

impl World {
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open(&dir).await;
        Self { dir, store, hub: Arc::new(Hub::new(4096)), clock: ManualClock::new(Millis(1_800_000_000_000)) }
    }

    /// The same database as a restarted daemon sees it: a new store, a new hub.
    async fn restarted(self) -> Self {
        let store = open(&self.dir).await;
        Self { store, hub: Arc::new(Hub::new(4096)), ..self }
    }

    /// Starts the routing task; it stops when `cancel` fires.
    async fn routing(&self, cancel: &CancellationToken) -> RoutingHandle {
        let events = EventBus::new(self.hub.clone(), Default::default());
        let tasks = TaskTracker::new();
        let clock: SharedClock = Arc::new(self.clock.clone());
        let system = SystemMessages {
            store: self.store.clone(),
            events: events.clone(),
            outbox_wake: Arc::new(Notify::new()),
            clock: clock.clone(),
        };
        // These conversations are chats: nothing listens for callback notices.
        let (callbacks, _) = RoutingNotices::channel();
        let parts = RoutingParts { store: self.store.clone(), hub: self.hub.clone(), events, clock, system, callbacks };
        routing::start(parts, &config(), cancel.clone(), &tasks).await.expect("routing starts")
    }

    async fn agent(&self, login: &str) -> Agent {
        let new = NewAgent {
            login: login.to_owned(),
            name: login.to_owned(),
            password_hash: String::new(),
            skills: Vec::new(),
            supervisor: false,
            capacity: Default::default(),
        };
        self.store.add_agent(new).await.expect("agent added")
    }

    /// A customer's first chat message: a new conversation, waiting.
    async fn conversation(&self, customer: &str) -> ConversationId {
        let sender = SenderIdentity { app_user_id: Some(customer.to_owned()), ..SenderIdentity::default() };
        self.store
            .ingest(NewInbound {
                channel: ChannelKind::Chat,
                external_id: format!("{customer}-1"),
                key_scope: Some(customer.to_owned()),
                threading: Threading::New,
                sender,
                customer: None,
                subject: None,
                text: "my transfer has not arrived".to_owned(),
                secrets_redacted: false,
                triage: None,
                received_at: self.clock.now(),
                account: None,
                join: Default::default(),
                email: None,
                attachments: Vec::new(),
                full_text: None,
            })
            .await
            .expect("ingest")
            .conversation
            .id
    }

    async fn status(&self, id: &ConversationId) -> (ConversationStatus, Option<String>) {
        let c = self.store.conversation(id).await.expect("read").expect("the conversation exists");
        (c.status, c.assignee.map(|a| a.to_string()))
    }
}

async fn open(dir: &TempDir) -> Arc<dyn Store> {
    let url = format!("sqlite://{}", dir.path().join("routing.db").display());
    switchboard::store::open(&url, &StoreConfig::default()).await.expect("the store opens")
}

/// An agent's console connection as routing sees it: registered in the hub, online, available.
struct Console {
    agent: Agent,
    registration: Registration,
}

impl Console {
    async fn online(world: &World, routing: &RoutingHandle, agent: &Agent) -> Self {
        let (registration, _) = world.hub.register_agent(&agent.id);
        routing.connected(agent.clone()).await.expect("routing answers");
        routing.set_status(agent.id.clone(), AgentStatus::Available).await.expect("available");
        Self { agent: agent.clone(), registration }
    }

    /// The next frame of type `kind`, skipping others (queue positions, conversation updates).
    async fn next(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.registration.queue.frames.recv())
                .await
                .unwrap_or_else(|_| panic!("{} got no {kind} frame within {FRAME_TIMEOUT:?}", self.agent.login))
                .expect("the connection is open");
            let f: Value = serde_json::from_str(&frame).expect("frames are JSON");
            if f["type"] == kind {
                return f;
            }
        }
    }

    /// Whether a frame of type `kind` is waiting, without waiting for one.
    fn has_pending(&mut self, kind: &str) -> bool {
        while let Ok(frame) = self.registration.queue.frames.try_recv() {
            let f: Value = serde_json::from_str(&frame).expect("frames are JSON");
            if f["type"] == kind {
                return true;
            }
        }
        false
    }
}

/// Lets the routing task finish whatever it was handed (commands like `disconnected` are
/// not answered): two requests answered in turn mean every command sent before them was
/// handled. `agent` is online and keeps `status`.
async fn settle(routing: &RoutingHandle, agent: &Agent, status: AgentStatus) {
    for _ in 0..2 {
        routing.set_status(agent.id.clone(), status).await.expect("routing answers");
    }
}

fn offered_conversation(offer: &Value) -> &str {
    offer["conversation"]["id"].as_str().expect("an offer names its conversation")
}

#[tokio::test]
async fn an_unanswered_offer_lapses_at_its_timeout_and_goes_to_the_next_agent() {
    let world = World::new().await;
    let cancel = CancellationToken::new();
    let routing = world.routing(&cancel).await;
    let (mei, li) = (world.agent("mei").await, world.agent("li").await);
    let mut first = Console::online(&world, &routing, &mei).await;
    let id = world.conversation("cust-1").await;
    routing.enqueue(world.store.conversation(&id).await.unwrap().unwrap()).await.unwrap();

    let offer = first.next("offer").await;
    assert_eq!(offered_conversation(&offer), id.as_str());
    assert_eq!(offer["expires_in_s"], OFFER_TIMEOUT.as_secs());
    assert_eq!(world.status(&id).await.0, ConversationStatus::Offered);
    let mut second = Console::online(&world, &routing, &li).await;

    // A millisecond before the timeout the offer still stands.
    world.clock.advance(OFFER_TIMEOUT - Duration::from_millis(1));
    settle(&routing, &li, AgentStatus::Available).await;
    assert!(!first.has_pending("offer_revoked"), "the offer was withdrawn before its timeout");
    assert!(!second.has_pending("offer"), "offered to a second agent while the first offer stood");

    world.clock.advance(Duration::from_millis(1));
    let revoked = first.next("offer_revoked").await;
    assert_eq!(revoked["offer_id"], offer["offer_id"]);
    let next = second.next("offer").await;
    assert_eq!(offered_conversation(&next), id.as_str(), "the lapsed offer goes to the next agent");

    routing.accept(li.id.clone(), next["offer_id"].as_str().unwrap().to_owned()).await.expect("accepted");
    let assigned = second.next("assigned").await;
    assert_eq!(assigned["conversation"]["id"], id.as_str());
    assert_eq!(world.status(&id).await, (ConversationStatus::Assigned, Some(li.id.to_string())));
    cancel.cancel();
}

#[tokio::test]
async fn a_disconnected_agent_keeps_conversations_through_the_grace_and_loses_them_after() {
    let world = World::new().await;
    let cancel = CancellationToken::new();
    let routing = world.routing(&cancel).await;
    let (mei, li) = (world.agent("mei").await, world.agent("li").await);
    let mut console = Console::online(&world, &routing, &mei).await;
    let (kept, lost) = (world.conversation("cust-1").await, world.conversation("cust-2").await);
    for id in [&kept, &lost] {
        routing.enqueue(world.store.conversation(id).await.unwrap().unwrap()).await.unwrap();
        let offer = console.next("offer").await;
        routing.accept(mei.id.clone(), offer["offer_id"].as_str().unwrap().to_owned()).await.expect("accepted");
        console.next("assigned").await;
    }
    let mut other = Console::online(&world, &routing, &li).await;
    routing.set_status(li.id.clone(), AgentStatus::Away).await.unwrap();

    // Mei's connection drops and comes back within the grace: she keeps both.
    world.hub.unregister_agent(&mei.id, console.registration.id);
    routing.disconnected(mei.id.clone()).await.unwrap();
    settle(&routing, &li, AgentStatus::Away).await;
    world.clock.advance(GRACE - Duration::from_secs(1));
    let mut console = Console::online(&world, &routing, &mei).await;
    world.clock.advance(Duration::from_secs(10));
    settle(&routing, &mei, AgentStatus::Available).await;
    let mine = (ConversationStatus::Assigned, Some(mei.id.to_string()));
    assert_eq!(world.status(&kept).await, mine);
    assert_eq!(world.status(&lost).await, mine);
    assert!(!console.has_pending("unassigned"), "a conversation was taken away within the grace");

    // It drops again and she stays away: at the end of the grace both go back to the queue,
    // and the next available agent is offered them.
    world.hub.unregister_agent(&mei.id, console.registration.id);
    routing.disconnected(mei.id.clone()).await.unwrap();
    settle(&routing, &li, AgentStatus::Away).await;
    world.clock.advance(GRACE - Duration::from_millis(1));
    settle(&routing, &li, AgentStatus::Away).await;
    assert_eq!(world.status(&kept).await, mine, "requeued before the grace ended");
    world.clock.advance(Duration::from_millis(1));
    routing.set_status(li.id.clone(), AgentStatus::Available).await.unwrap();
    let mut offered = vec![
        offered_conversation(&other.next("offer").await).to_owned(),
        offered_conversation(&other.next("offer").await).to_owned(),
    ];
    offered.sort();
    let mut expected = vec![kept.to_string(), lost.to_string()];
    expected.sort();
    assert_eq!(offered, expected);
    for id in [&kept, &lost] {
        let (status, assignee) = world.status(id).await;
        assert_eq!((status, assignee), (ConversationStatus::Offered, None), "Mei still holds {id}");
    }
    cancel.cancel();
}

#[tokio::test]
async fn a_restart_rebuilds_the_queue_and_the_assignments_from_the_store() {
    let world = World::new().await;
    let (mei, li) = (world.agent("mei").await, world.agent("li").await);
    let (assigned, offered, waiting) = {
        // The first process: one conversation assigned to Mei, one offered to her when the
        // process died, and one waiting because nobody was available.
        let cancel = CancellationToken::new();
        let routing = world.routing(&cancel).await;
        let mut console = Console::online(&world, &routing, &mei).await;
        let assigned = world.conversation("cust-1").await;
        routing.enqueue(world.store.conversation(&assigned).await.unwrap().unwrap()).await.unwrap();
        let offer = console.next("offer").await;
        routing.accept(mei.id.clone(), offer["offer_id"].as_str().unwrap().to_owned()).await.unwrap();
        console.next("assigned").await;
        let offered = world.conversation("cust-2").await;
        routing.enqueue(world.store.conversation(&offered).await.unwrap().unwrap()).await.unwrap();
        assert_eq!(offered_conversation(&console.next("offer").await), offered.as_str());
        let waiting = world.conversation("cust-3").await;
        cancel.cancel();
        (assigned, offered, waiting)
    };
    assert_eq!(world.status(&offered).await.0, ConversationStatus::Offered);
    let world = world.restarted().await;
    let cancel = CancellationToken::new();
    let routing = world.routing(&cancel).await;

    // Offers do not survive a restart; the assignment does, and Mei gets the grace to return.
    assert_eq!(world.status(&offered).await.0, ConversationStatus::Queued);
    assert_eq!(world.status(&assigned).await, (ConversationStatus::Assigned, Some(mei.id.to_string())));
    let mut console = Console::online(&world, &routing, &li).await;
    let mut got = vec![
        offered_conversation(&console.next("offer").await).to_owned(),
        offered_conversation(&console.next("offer").await).to_owned(),
    ];
    got.sort();
    let mut expected = vec![waiting.to_string(), offered.to_string()];
    expected.sort();
    assert_eq!(got, expected, "the waiting conversations are offered after the restart");

    // Mei never comes back: her conversation goes back to the queue when the grace ends.
    world.clock.advance(GRACE);
    let again = console.next("offer").await;
    assert_eq!(offered_conversation(&again), assigned.as_str());
    cancel.cancel();
}

#[tokio::test]
async fn a_breach_raises_the_priority_once_and_a_restart_does_not_breach_again() {
    let world = World::new().await;
    let id = world.conversation("cust-1").await;
    let breaches =
        |events: Vec<switchboard::store::AuditEvent>| events.iter().filter(|e| e.kind == "sla_breached").count();
    {
        let cancel = CancellationToken::new();
        let routing = world.routing(&cancel).await;
        routing.enqueue(world.store.conversation(&id).await.unwrap().unwrap()).await.unwrap();
        // Nobody is online; the normal-priority target of the default queue is an hour.
        world.clock.advance(Duration::from_secs(3600));
        let store = world.store.clone();
        let raised = async {
            loop {
                let c = store.conversation(&id).await.unwrap().unwrap();
                if c.sla_breached {
                    return c;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        let c = tokio::time::timeout(FRAME_TIMEOUT, raised).await.expect("the breach is recorded");
        assert_eq!(c.priority, switchboard::domain::Priority::High, "a breach raises the priority one step");
        cancel.cancel();
    }
    let world = world.restarted().await;
    world.clock.advance(Duration::from_secs(3600));
    let cancel = CancellationToken::new();
    let routing = world.routing(&cancel).await;
    let li = world.agent("li").await;
    let mut console = Console::online(&world, &routing, &li).await;
    assert_eq!(offered_conversation(&console.next("offer").await), id.as_str());
    let c = world.store.conversation(&id).await.unwrap().unwrap();
    assert_eq!(c.priority, switchboard::domain::Priority::High, "not raised again after the restart");
    assert_eq!(breaches(world.store.audit_events(&id).await.unwrap()), 1);
    cancel.cancel();
}
