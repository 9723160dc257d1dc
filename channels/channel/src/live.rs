//! The live side, for channels that can reach a connected customer at once (live chat): the
//! daemon tells the adapter what happened in channel-neutral events, and the adapter turns
//! them into its own frames for the customer's open connections.

use std::fmt;

use serde::Serialize;

/// A live connection of an adapter, unique among that adapter's connections for the life of
/// the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u64);

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A customer-visible message, as the customer's side shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CustomerMessage {
    pub conversation_id: String,
    pub seq: i64,
    /// `customer`, `agent` or `system`.
    pub author_role: &'static str,
    pub author_name: String,
    pub text: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
}

/// Something the customer's open connections should hear of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomerEvent {
    Message(CustomerMessage),
    /// The conversation's place in line while it waits for an agent.
    Queue {
        conversation_id: String,
        position: u32,
        estimated_wait_s: u32,
    },
    /// An agent took the conversation.
    Assigned {
        conversation_id: String,
        agent_name: String,
    },
    /// The agent is typing, or stopped.
    Typing {
        conversation_id: String,
        on: bool,
    },
    Resolved {
        conversation_id: String,
    },
}

/// The pushing half of a live channel.
pub trait LivePush: Send + Sync + 'static {
    /// Sends an event to every open connection of the customer but `except`. Never waits: a
    /// connection that cannot take it is disconnected and catches up when it comes back.
    fn push(&self, customer_id: &str, event: &CustomerEvent, except: Option<ConnectionId>);

    /// Whether the customer has an open connection other than `except`.
    fn online(&self, customer_id: &str, except: Option<ConnectionId>) -> bool;

    /// How a reply pushed now reaches the customer, as the agent is told (it reached their
    /// open connections, or waits for them to reconnect).
    fn delivered(&self, customer_id: &str) -> String;
}
