//! Customers and conversations.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use switchboard_channel::ChannelKind;

use super::{AgentId, ConversationId, ConversationStatus, CustomerId, Millis};

/// A person who contacts support, with every identity we know them by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub name: Option<String>,
    /// The app's user id, when they wrote from the app.
    pub app_user_id: Option<String>,
    /// Known email addresses, first seen first.
    pub emails: Vec<String>,
    /// Known phone numbers (E.164), first seen first.
    pub phones: Vec<String>,
    /// Preferred language (`zh`, `en`, …), when known.
    pub lang: Option<String>,
    pub created_at: Millis,
}

/// How urgently a conversation needs a human.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

/// A priority name that is none of `urgent`, `high`, `normal`, `low`.
#[derive(Debug, thiserror::Error)]
#[error("unknown priority {0:?}")]
pub struct UnknownPriority(pub String);

impl Priority {
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = UnknownPriority;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "low" => Ok(Priority::Low),
            "normal" => Ok(Priority::Normal),
            "high" => Ok(Priority::High),
            "urgent" => Ok(Priority::Urgent),
            other => Err(UnknownPriority(other.to_owned())),
        }
    }
}

/// What triage decided about a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct TriageResult {
    pub category: String,
    pub priority: Priority,
    pub language: String,
    pub confidence: f32,
    /// The queue the conversation is routed to.
    pub queue: String,
    /// Why that queue, in words (`category refund, language zh`).
    pub queue_reason: String,
    /// What the compromise detector found, when it filed the message as a stolen account.
    pub signal: Option<String>,
    /// The priority a repeated contact gets instead, when it would differ.
    pub repeat: Option<RepeatRule>,
}

/// How a customer who keeps coming back is triaged: when they opened at least `at_least`
/// other conversations since `since`, the conversation takes `priority`. Only the store can
/// count them, in the transaction that files the message.
#[derive(Clone, Debug, PartialEq)]
pub struct RepeatRule {
    pub since: Millis,
    pub at_least: u32,
    pub priority: Priority,
}

/// One thread of messages with a customer on one channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub id: ConversationId,
    pub customer_id: CustomerId,
    /// The channel it came in on; replies go back the same way.
    pub channel: ChannelKind,
    pub status: ConversationStatus,
    pub subject: Option<String>,
    /// Triage category; `None` until triage ran.
    pub category: Option<String>,
    pub priority: Priority,
    pub language: Option<String>,
    /// The queue it is routed to; `None` until triage ran.
    pub queue: Option<String>,
    pub assignee: Option<AgentId>,
    /// The highest customer-visible `seq` committed so far (0 when there is none).
    pub last_seq: i64,
    /// True once a secret was redacted from one of its messages.
    pub secrets_redacted: bool,
    pub created_at: Millis,
    /// When an agent first answered (SLA: time to first response).
    pub first_response_at: Option<Millis>,
    /// When the customer last wrote (SLA: waiting time).
    pub last_customer_message_at: Option<Millis>,
    /// Since when the conversation has waited for an agent's attention.
    pub waiting_since: Millis,
    pub updated_at: Millis,
    /// Why triage filed it as an emergency, for the agent; `None` for every other triage.
    pub triage_signal: Option<String>,
    /// Its public reference ([`super::reference::reference`]).
    pub reference: String,
    /// The channel account it came in on (an email mailbox), which replies leave through.
    pub account: Option<String>,
    /// It breached its first-response target once (and its priority was raised then).
    pub sla_breached: bool,
    /// Until when it waits invisible to agents (a callback scheduled for later): routing
    /// leaves it out of every queue before then.
    pub held_until: Option<Millis>,
}

impl Conversation {
    /// Records a write at `now`. `updated_at` never moves back, even when the writer read its
    /// clock before a write that committed first: whoever orders states by it (the hub,
    /// other nodes) must see the later write as the later state.
    pub fn touch(&mut self, now: Millis) {
        self.updated_at = self.updated_at.max(now);
    }

    /// The `seq` of its next customer-visible message: customer-visible messages are numbered
    /// 1, 2, 3 … per conversation with no gaps, so a client resuming after one it has misses
    /// none.
    pub const fn next_seq(&self) -> i64 {
        self.last_seq + 1
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::ConversationStatus;
    use crate::domain::fixtures::{at, conversation};

    #[test]
    fn a_write_stamped_before_an_earlier_commit_does_not_move_updated_at_back() {
        let mut c = conversation(ConversationStatus::Queued);
        c.touch(at(10));
        c.touch(at(7));
        assert_eq!(c.updated_at, at(10));
        c.touch(at(11));
        assert_eq!(c.updated_at, at(11));
    }
}
