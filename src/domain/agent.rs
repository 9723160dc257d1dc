//! Support agents as the store knows them.

use super::{AgentId, Millis};

/// An agent account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    pub id: AgentId,
    /// The name they log in with; unique.
    pub login: String,
    /// The name customers and colleagues see.
    pub name: String,
    /// An argon2 PHC string; never the password itself.
    pub password_hash: String,
    /// Skills routing matches against (`zh`, `en`, `refund`, …).
    pub skills: Vec<String>,
    /// Supervisors see and act on every conversation.
    pub supervisor: bool,
    /// A disabled agent cannot log in and is offered nothing.
    pub disabled: bool,
    pub created_at: Millis,
    /// The agent's own limits (`total`, and per channel), over the configured ones.
    pub capacity: Capacity,
}

/// Conversations an agent takes at once: `total` and channel names to counts. What is not
/// set comes from the configuration.
pub type Capacity = std::collections::BTreeMap<String, u32>;

/// What `agent add` stores.
#[derive(Clone, Debug)]
pub struct NewAgent {
    pub login: String,
    pub name: String,
    pub password_hash: String,
    pub skills: Vec<String>,
    pub supervisor: bool,
    pub capacity: Capacity,
}
