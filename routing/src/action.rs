//! What the engine asks the driver to do: send frames to agents and customers, and write the store.

use std::fmt;

use crate::agent::Status;
use crate::conversation::Priority;
use crate::decision::Decision;
use crate::ids::{AgentId, ConversationId, OfferId, QueueName};
use crate::millis::Millis;

/// One instruction for the driver. A returned list is executed in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send `offer` to `agent`; it lapses at `expires_at` unless accepted.
    Offer { offer_id: OfferId, conversation: ConversationId, agent: AgentId, expires_at: Millis },
    /// Send `offer_revoked` to `agent`: the offer can no longer be accepted.
    RevokeOffer { offer_id: OfferId, agent: AgentId, conversation: ConversationId, reason: RevokeReason },
    /// Record the assignment and send `assigned` to the agent and to the customer.
    Assigned { conversation: ConversationId, agent: AgentId },
    /// Record that `agent` no longer holds `conversation` and send them `unassigned`.
    Unassigned { conversation: ConversationId, agent: AgentId, reason: UnassignReason },
    /// A conversation that was assigned is waiting in `queue` again; record it as waiting.
    Requeued { conversation: ConversationId, queue: QueueName },
    /// Waiting conversations whose position or estimated wait changed; send each customer `queue`.
    QueuePositions(Vec<QueuePosition>),
    /// A waiting conversation now waits in another queue; record its queue.
    Moved { conversation: ConversationId, from: QueueName, to: QueueName, reason: MoveReason },
    /// A conversation was still waiting at its first-response due time; it now counts as
    /// `priority` (one level up).
    SlaBreached { conversation: ConversationId, queue: QueueName, priority: Priority },
    /// The engine changed an agent's status; tell the agent's console.
    StatusChanged { agent: AgentId, status: Status, reason: StatusReason },
    /// A new conversation entered a queue outside its business hours; tell the customer when it
    /// opens (`None`: not in the foreseeable future). It is still offered to agents present.
    OutsideHours { conversation: ConversationId, queue: QueueName, opens_at: Option<Millis> },
    /// Why the next decision was taken, for supervisors and the audit log.
    Explain(Decision),
}

/// Why a waiting conversation changed queues; `as_str` is the wire spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MoveReason {
    /// It waited the queue's `overflow.after`.
    Overflow,
    /// It breached its first-response target.
    SlaBreach,
}

impl MoveReason {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overflow => "overflow",
            Self::SlaBreach => "sla_breach",
        }
    }
}

/// Why the engine changed an agent's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusReason {
    /// This many offers in a row timed out.
    MissedOffers(u32),
}

/// Why an offer was revoked; `as_str` is the protocol's `offer_revoked` reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RevokeReason {
    /// The agent did not accept in time.
    Timeout,
    /// The conversation was assigned by other means (a transfer).
    Taken,
    /// The offer no longer makes sense: the conversation closed or moved, or the agent left.
    Withdrawn,
}

impl RevokeReason {
    /// The protocol's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Taken => "taken",
            Self::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for RevokeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an agent lost a conversation; `as_str` is the `unassigned` frame's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnassignReason {
    /// Transferred directly to another agent.
    Transferred,
    /// Put back into a queue (a transfer to a queue, or a reopen into a queue).
    Requeued,
    /// The agent stayed disconnected past the grace period.
    AgentOffline,
    /// Closed or resolved by someone other than the agent.
    Closed,
    /// The agent went away and the queue gives their conversations back.
    AgentAway,
    /// Set aside until later (a callback whose next attempt is scheduled).
    Rescheduled,
}

impl UnassignReason {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transferred => "transferred",
            Self::Requeued => "requeued",
            Self::AgentOffline => "agent_offline",
            Self::Closed => "closed",
            Self::AgentAway => "agent_away",
            Self::Rescheduled => "rescheduled",
        }
    }
}

impl fmt::Display for UnassignReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a waiting conversation stands in its queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePosition {
    pub conversation: ConversationId,
    pub queue: QueueName,
    /// 1 is next in line.
    pub position: u32,
    /// Rounded up to 10 s under a minute and to whole minutes above; see `estimate`.
    pub estimated_wait_s: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spellings() {
        assert_eq!(RevokeReason::Timeout.to_string(), "timeout");
        assert_eq!(RevokeReason::Taken.as_str(), "taken");
        assert_eq!(RevokeReason::Withdrawn.as_str(), "withdrawn");
        assert_eq!(UnassignReason::Transferred.as_str(), "transferred");
        assert_eq!(UnassignReason::Requeued.as_str(), "requeued");
        assert_eq!(UnassignReason::AgentOffline.to_string(), "agent_offline");
        assert_eq!(UnassignReason::Closed.as_str(), "closed");
        assert_eq!(UnassignReason::AgentAway.as_str(), "agent_away");
        assert_eq!(MoveReason::Overflow.as_str(), "overflow");
        assert_eq!(MoveReason::SlaBreach.as_str(), "sla_breach");
    }
}
