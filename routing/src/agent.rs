//! Agents as routing sees them: skills, capacity, presence and the work they hold.

use std::collections::BTreeSet;

use crate::ids::{AgentId, ConversationId, OfferId};
use crate::millis::Millis;

/// The status an agent chooses on the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Takes new offers.
    Available,
    /// Keeps working assigned conversations but is offered nothing new.
    Away,
}

/// Where an agent stands, including the state the engine imposes on a lost connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Available,
    Away,
    /// No session open; the assigned conversations are kept until `until`, then requeued.
    Disconnected {
        until: Millis,
    },
}

impl From<Status> for Presence {
    fn from(status: Status) -> Self {
        match status {
            Status::Available => Presence::Available,
            Status::Away => Presence::Away,
        }
    }
}

/// What the daemon knows about an agent when a session opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfile {
    pub id: AgentId,
    /// Languages and specialities, e.g. `zh`, `en`, `refund`.
    pub skills: BTreeSet<String>,
    /// Most conversations assigned or offered to this agent at once.
    pub capacity: u32,
}

impl AgentProfile {
    /// An agent without skills.
    pub fn new(id: impl Into<AgentId>, capacity: u32) -> Self {
        Self { id: id.into(), skills: BTreeSet::new(), capacity }
    }

    /// The same agent with `skills` added.
    pub fn with_skills<S: Into<String>>(mut self, skills: impl IntoIterator<Item = S>) -> Self {
        self.skills.extend(skills.into_iter().map(Into::into));
        self
    }
}

/// A read-only snapshot of one agent, for metrics and the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLoad {
    pub agent: AgentId,
    pub presence: Presence,
    pub capacity: u32,
    pub skills: BTreeSet<String>,
    pub assigned: Vec<ConversationId>,
    /// Outstanding offers; they count toward the load so nobody is offered past capacity.
    pub offers: Vec<OfferId>,
    /// When the agent was last assigned a conversation (or first seen); older wins ties.
    pub idle_since: Millis,
}

impl AgentLoad {
    /// Assigned conversations plus outstanding offers.
    pub fn load(&self) -> usize {
        self.assigned.len() + self.offers.len()
    }
}

/// The engine's record of an agent that is online or within its grace period.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub(crate) skills: BTreeSet<String>,
    pub(crate) capacity: u32,
    pub(crate) presence: Presence,
    pub(crate) assigned: BTreeSet<ConversationId>,
    pub(crate) offers: BTreeSet<OfferId>,
    pub(crate) idle_since: Millis,
}

impl Agent {
    /// An agent first seen at `now`, taking nothing until its profile and status are set.
    pub(crate) fn new(now: Millis) -> Self {
        Self {
            skills: BTreeSet::new(),
            capacity: 0,
            presence: Presence::Away,
            assigned: BTreeSet::new(),
            offers: BTreeSet::new(),
            idle_since: now,
        }
    }

    pub(crate) fn load(&self) -> usize {
        self.assigned.len() + self.offers.len()
    }

    /// Available with room for one more conversation.
    pub(crate) fn takes_offers(&self) -> bool {
        self.presence == Presence::Available && self.load() < self.capacity as usize
    }

    pub(crate) fn is_disconnected(&self) -> bool {
        matches!(self.presence, Presence::Disconnected { .. })
    }

    pub(crate) fn snapshot(&self, id: &AgentId) -> AgentLoad {
        AgentLoad {
            agent: id.clone(),
            presence: self.presence,
            capacity: self.capacity,
            skills: self.skills.clone(),
            assigned: self.assigned.iter().cloned().collect(),
            offers: self.offers.iter().cloned().collect(),
            idle_since: self.idle_since,
        }
    }
}
