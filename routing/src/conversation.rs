//! Conversations as routing sees them: what they need, how urgent they are, and where they stand.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::ids::{AgentId, ConversationId, OfferId, QueueName};
use crate::millis::Millis;

/// How urgent a conversation is; the derived order is least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

/// A conversation handed to routing: new, reopened, transferred to a queue, or restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub conversation: ConversationId,
    pub queue: QueueName,
    pub priority: Priority,
    /// Skills the agent needs on top of the queue's own, e.g. the customer's language.
    pub skills: BTreeSet<String>,
    /// When the customer started waiting; kept across requeues so nobody is sent to the back.
    pub waiting_since: Millis,
}

impl QueueEntry {
    /// An entry needing no skills beyond its queue's.
    pub fn new(
        conversation: impl Into<ConversationId>,
        queue: impl Into<QueueName>,
        priority: Priority,
        waiting_since: Millis,
    ) -> Self {
        Self {
            conversation: conversation.into(),
            queue: queue.into(),
            priority,
            skills: BTreeSet::new(),
            waiting_since,
        }
    }

    /// The same entry, also needing `skills`.
    pub fn with_skills<S: Into<String>>(mut self, skills: impl IntoIterator<Item = S>) -> Self {
        self.skills.extend(skills.into_iter().map(Into::into));
        self
    }

    /// Sorts most urgent first, then longest waiting; the id only makes the order total.
    pub(crate) fn order_key(&self) -> OrderKey {
        (Reverse(self.priority), self.waiting_since, self.conversation.clone())
    }
}

/// Position in the one global waiting order (see `QueueEntry::order_key`).
pub(crate) type OrderKey = (Reverse<Priority>, Millis, ConversationId);

/// A read-only view of a waiting conversation, for the console and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingConversation {
    pub entry: QueueEntry,
    /// The outstanding offer and the agent it went to.
    pub offer: Option<(OfferId, AgentId)>,
    /// Agents who declined or let an offer lapse, with the instant from which they may be
    /// offered this conversation again (and then only if nobody else can take it).
    pub skipped: BTreeMap<AgentId, Millis>,
}

/// The engine's record of a waiting conversation.
#[derive(Debug, Clone)]
pub(crate) struct Waiting {
    pub(crate) entry: QueueEntry,
    /// The queue's skills plus the entry's own, computed once.
    pub(crate) required: BTreeSet<String>,
    pub(crate) offer: Option<OfferId>,
    pub(crate) skipped: BTreeMap<AgentId, Millis>,
}

/// The engine's record of an assigned conversation.
#[derive(Debug, Clone)]
pub(crate) struct Assignment {
    /// Kept so the conversation can go back to its queue with its original `waiting_since`.
    pub(crate) entry: QueueEntry,
    pub(crate) agent: AgentId,
    /// Unknown for assignments restored after a restart; those give no handling-time sample.
    pub(crate) assigned_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub(crate) enum Routed {
    Waiting(Waiting),
    Assigned(Assignment),
}
