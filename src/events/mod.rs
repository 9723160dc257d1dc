//! The in-process event bus: what happened after a commit, for the parts that push it to
//! connected people (websocket sessions) without polling the store.

mod fanout;

use std::sync::Arc;

use switchboard_channel::ConnectionId;

use crate::domain::{Conversation, Message};
use crate::hub::{ConnId, Hub};
use crate::live::LiveCustomers;

/// The connection an event came from, which already answered for itself (the fan-out skips
/// it): a customer's, of a live channel, or an agent's console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Customer(ConnectionId),
    Agent(ConnId),
}

impl Origin {
    pub fn customer(self) -> Option<ConnectionId> {
        match self {
            Origin::Customer(c) => Some(c),
            Origin::Agent(_) => None,
        }
    }

    pub fn agent(self) -> Option<ConnId> {
        match self {
            Origin::Agent(a) => Some(a),
            Origin::Customer(_) => None,
        }
    }
}

/// Something committed that connected clients may need to hear about.
#[derive(Clone, Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "an event is moved a few times and dropped; a box would add an allocation per message"
)]
pub enum Event {
    /// A message was committed to a conversation.
    /// `origin` is the connection that sent it, already answered with its `ack` and
    /// `message` in that order, so the fan-out skips it.
    Message { conversation: Conversation, message: Message, origin: Option<Origin> },
    /// A conversation's status, assignee, queue or triage changed.
    Conversation(Conversation),
    /// The outcome of delivering an agent reply over its channel. `origin` is the connection
    /// already told (it gets the report with its `ack`), which the fan-out skips.
    Delivery { conversation_id: String, seq: i64, state: DeliveryState, detail: String, origin: Option<Origin> },
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
    live: Arc<LiveCustomers>,
}

impl EventBus {
    pub fn new(hub: Arc<Hub>, live: Arc<LiveCustomers>) -> Self {
        Self { hub, live }
    }

    pub fn publish(&self, event: Event) {
        fanout::deliver(&self.hub, &self.live, event);
    }

    /// The live sides of the channels, for what reaches customers outside a commit (typing,
    /// queue positions, assignments).
    pub fn live(&self) -> &LiveCustomers {
        &self.live
    }
}
