//! Explanations: why the engine took a decision, in a sentence a supervisor reads.

use crate::ids::{AgentId, ConversationId};

/// The reason for the decision that follows it in the action list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub conversation: Option<ConversationId>,
    pub agent: Option<AgentId>,
    pub kind: DecisionKind,
    /// An English sentence: what was decided and why.
    pub text: String,
}

/// What kind of decision is explained; `as_str` is its wire spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecisionKind {
    /// A conversation entered a queue.
    Enqueued,
    /// A conversation was offered to an agent.
    Offered,
    /// A language or preferred-skill requirement stopped applying.
    Relaxed,
    /// A conversation moved to another queue.
    Moved,
    /// A conversation breached its first-response target.
    Breached,
    /// The engine changed an agent's status.
    Status,
    /// An assigned conversation went back to a queue.
    Requeued,
}

impl DecisionKind {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enqueued => "enqueued",
            Self::Offered => "offered",
            Self::Relaxed => "relaxed",
            Self::Moved => "moved",
            Self::Breached => "breached",
            Self::Status => "status",
            Self::Requeued => "requeued",
        }
    }
}
