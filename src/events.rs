//! The in-process event bus: what happened after a commit, for the parts that push it to
//! connected people (websocket sessions) without polling the store.

use tokio::sync::broadcast;

use crate::domain::{Conversation, Message};

/// Something committed that connected clients may need to hear about.
#[derive(Clone, Debug)]
pub enum Event {
    /// A message was committed to a conversation.
    /// `origin` is the connection that sent it, already answered with its `ack` and
    /// `message` in that order, so the fan-out skips it.
    Message { conversation: Conversation, message: Message, origin: Option<crate::hub::ConnId> },
    /// A conversation's status, assignee, queue or triage changed.
    Conversation(Conversation),
    /// The outcome of delivering an agent reply over its channel.
    Delivery { conversation_id: String, seq: i64, state: DeliveryState, detail: String },
}

/// Where a delivery ended up, as agents see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    Sent,
    Failed,
}

impl DeliveryState {
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
        }
    }
}

/// A broadcast bus. Slow subscribers lose the oldest events and are told so by `Lagged`;
/// they recover from the store, which is the source of truth.
#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        Self { tx: broadcast::channel(capacity).0 }
    }

    pub fn publish(&self, event: Event) {
        // No subscriber is fine: nobody is connected to hear it.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}
