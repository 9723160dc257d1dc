//! The in-process event bus: what happened after a commit, for the parts that push it to
//! connected people (websocket sessions) without polling the store.

use std::sync::Arc;

use crate::domain::{Conversation, Message};
use crate::hub::Hub;

/// Something committed that connected clients may need to hear about.
#[derive(Clone, Debug)]
pub enum Event {
    /// A message was committed to a conversation.
    /// `origin` is the connection that sent it, already answered with its `ack` and
    /// `message` in that order, so the fan-out skips it.
    Message { conversation: Conversation, message: Message, origin: Option<crate::hub::ConnId> },
    /// A conversation's status, assignee, queue or triage changed.
    Conversation(Conversation),
    /// The outcome of delivering an agent reply over its channel. `origin` is the connection
    /// already told (it gets the report with its `ack`), which the fan-out skips.
    Delivery {
        conversation_id: String,
        seq: i64,
        state: DeliveryState,
        detail: String,
        origin: Option<crate::hub::ConnId>,
    },
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

/// Publishes events to the connections that follow them. Delivery happens in the publishing
/// task, into each connection's bounded queue: nothing is buffered in between, so no event is
/// dropped for a subscriber falling behind, and the work spreads over every task that commits.
#[derive(Clone)]
pub struct EventBus {
    hub: Arc<Hub>,
}

impl EventBus {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }

    pub fn publish(&self, event: Event) {
        crate::fanout::deliver(&self.hub, event);
    }
}
