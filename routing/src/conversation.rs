//! Conversations as routing sees them: what they need, how urgent they are, and where they stand.

use std::collections::BTreeMap;

use crate::ids::{AgentId, ChannelName, ConversationId, OfferId, QueueName};
use crate::millis::Millis;
use crate::skills::{Skills, add_spelled};

/// How urgent a conversation is; the derived order is least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    /// One level more urgent; `Urgent` stays `Urgent`.
    pub fn raised(self) -> Self {
        match self {
            Self::Low => Self::Normal,
            Self::Normal => Self::High,
            Self::High | Self::Urgent => Self::Urgent,
        }
    }

    /// `low`, `normal`, `high`, `urgent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
}

/// A conversation handed to routing: new, reopened, transferred to a queue, or restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub conversation: ConversationId,
    pub queue: QueueName,
    pub priority: Priority,
    /// Skills (with levels) the agent needs on top of the queue's own; they never relax.
    pub skills: Skills,
    /// When the customer started waiting; kept across requeues so nobody is sent to the back.
    pub waiting_since: Millis,
    /// What the conversation arrived on; capacity is counted per channel.
    pub channel: ChannelName,
    /// The customer's language, a skill while the queue's `LanguageRule` requires it.
    pub language: Option<String>,
    /// The agent who served this customer before, offered it first for the queue's `sticky_wait`.
    pub sticky: Option<AgentId>,
    /// Its first-response target is settled already (it breached, or an agent answered, before
    /// a restart): it breaches no more.
    pub sla_settled: bool,
}

impl QueueEntry {
    /// A chat entry needing no skills beyond its queue's, without language or sticky agent.
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
            skills: Skills::new(),
            waiting_since,
            channel: ChannelName::from("chat"),
            language: None,
            sticky: None,
            sla_settled: false,
        }
    }

    /// The same entry, also needing `skills` (`refund` or `refund:2`).
    pub fn with_skills<S: Into<String>>(mut self, skills: impl IntoIterator<Item = S>) -> Self {
        add_spelled(&mut self.skills, skills);
        self
    }

    /// The same entry on `channel`.
    pub fn on_channel(mut self, channel: impl Into<ChannelName>) -> Self {
        self.channel = channel.into();
        self
    }

    /// The same entry in `language` (lowercased, like skill names).
    pub fn in_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into().to_lowercase());
        self
    }

    /// The same entry, its first-response target already settled.
    pub fn settled(mut self) -> Self {
        self.sla_settled = true;
        self
    }

    /// The same entry, offered first to `agent`.
    pub fn sticky_to(mut self, agent: impl Into<AgentId>) -> Self {
        self.sticky = Some(agent.into());
        self
    }
}

/// A read-only view of a waiting conversation, for the console and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingConversation {
    pub entry: QueueEntry,
    /// The priority it is ordered by: one above the entry's near or past its due time.
    pub priority: Priority,
    /// The first-response due time, if its queue has a target for it.
    pub due: Option<Millis>,
    /// The skills an agent needs now: required ones plus the language and preferences still in
    /// force.
    pub needs: Skills,
    /// The only agent it may be offered to now, while stickiness is in force.
    pub sticky: Option<AgentId>,
    /// The outstanding offer and the agent it went to.
    pub offer: Option<(OfferId, AgentId)>,
    /// Agents who declined or let an offer lapse, with the instant from which they may be
    /// offered this conversation again (and then only if nobody else can take it).
    pub skipped: BTreeMap<AgentId, Millis>,
}
