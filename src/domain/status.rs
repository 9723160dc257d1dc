//! The conversation status machine. Every status change goes through [`ConversationStatus::transition`],
//! which refuses illegal moves, so no code path can, say, assign a closed conversation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Actor, AgentId, Conversation, Millis};

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Waiting in a queue for an agent.
    Queued,
    /// Offered to an agent who has not yet accepted.
    Offered,
    /// An agent owns it and the customer is waiting on the agent.
    Assigned,
    /// The agent answered; the ball is with the customer.
    WaitingOnCustomer,
    /// Done; a new customer message reopens it.
    Resolved,
    /// A resolved conversation the customer wrote to again; waits for routing like `Queued`.
    Reopened,
    /// Final; a new customer message starts a new conversation.
    Closed,
}

/// A status change the machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} conversation cannot become {to}")]
pub struct IllegalTransition {
    pub from: ConversationStatus,
    pub to: ConversationStatus,
}

impl ConversationStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Offered => "offered",
            Self::Assigned => "assigned",
            Self::WaitingOnCustomer => "waiting_on_customer",
            Self::Resolved => "resolved",
            Self::Reopened => "reopened",
            Self::Closed => "closed",
        }
    }

    /// True while the conversation still needs work (anything but resolved or closed).
    pub const fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Closed)
    }

    /// True while the conversation waits for an agent to take it.
    pub const fn is_waiting_for_agent(self) -> bool {
        matches!(self, Self::Queued | Self::Offered | Self::Reopened)
    }

    /// Checks a move and returns the new status, or why it is refused. Moving to the same
    /// status is allowed only where it means something (re-assignment by transfer).
    pub fn transition(self, to: Self) -> Result<Self, IllegalTransition> {
        use ConversationStatus::*;
        let allowed = match self {
            Queued | Reopened => matches!(to, Queued | Offered | Assigned | Resolved | Closed),
            Offered => matches!(to, Queued | Assigned | Resolved | Closed),
            Assigned => matches!(to, Assigned | WaitingOnCustomer | Queued | Resolved | Closed),
            WaitingOnCustomer => matches!(to, Assigned | Queued | Resolved | Closed),
            Resolved => matches!(to, Reopened | Closed),
            Closed => false,
        };
        if allowed { Ok(to) } else { Err(IllegalTransition { from: self, to }) }
    }
}

/// A status move with what changes alongside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub to: ConversationStatus,
    /// `Some(Some(a))` assigns to `a`, `Some(None)` clears the assignee, `None` keeps it.
    pub assignee: Option<Option<AgentId>>,
    /// A new queue, when the move also transfers it.
    pub queue: Option<String>,
    pub actor: Actor,
    /// Why, in a word or two (`offer_timeout`, `transfer`, `agent_offline`), for the audit log.
    pub reason: String,
    pub now: Millis,
}

impl StatusChange {
    /// The conversation after this move, or why the machine refuses it (and then nothing of
    /// the move applies, neither the assignee nor the queue).
    pub fn apply_to(&self, mut c: Conversation) -> Result<Conversation, IllegalTransition> {
        let from = c.status;
        c.status = from.transition(self.to)?;
        if let Some(assignee) = &self.assignee {
            c.assignee = assignee.clone();
        }
        if let Some(queue) = &self.queue {
            c.queue = Some(queue.clone());
        }
        // Waiting time starts when a conversation starts waiting for an agent again.
        if c.status.is_waiting_for_agent() && !from.is_waiting_for_agent() {
            c.waiting_since = self.now;
        }
        c.touch(self.now);
        Ok(c)
    }
}

impl fmt::Display for ConversationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConversationStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        use ConversationStatus::*;
        [Queued, Offered, Assigned, WaitingOnCustomer, Resolved, Reopened, Closed]
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown conversation status {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::ConversationStatus::*;
    use super::*;
    use crate::domain::fixtures::{T0, at, conversation};

    #[test]
    fn the_normal_life_of_a_conversation_is_allowed() {
        let path = [
            Queued,
            Offered,
            Assigned,
            WaitingOnCustomer,
            Assigned,
            Resolved,
            Reopened,
            Queued,
            Assigned,
            Resolved,
            Closed,
        ];
        let mut st = path[0];
        for next in &path[1..] {
            st = st.transition(*next).unwrap();
        }
        assert_eq!(st, Closed);
    }

    #[test]
    fn closed_is_final_and_resolved_only_reopens_or_closes() {
        for to in [Queued, Offered, Assigned, WaitingOnCustomer, Resolved, Reopened, Closed] {
            assert_eq!(Closed.transition(to), Err(IllegalTransition { from: Closed, to }));
        }
        assert!(Resolved.transition(Assigned).is_err());
        assert!(Resolved.transition(Queued).is_err());
        assert!(Queued.transition(WaitingOnCustomer).is_err());
        assert!(Offered.transition(Offered).is_err());
    }

    #[test]
    fn names_round_trip() {
        for st in [Queued, Offered, Assigned, WaitingOnCustomer, Resolved, Reopened, Closed] {
            assert_eq!(st.as_str().parse::<ConversationStatus>().unwrap(), st);
        }
        assert!("open".parse::<ConversationStatus>().is_err());
    }

    fn move_to(to: ConversationStatus, now: Millis) -> StatusChange {
        StatusChange { to, assignee: None, queue: None, actor: Actor::System, reason: "test".into(), now }
    }

    #[test]
    fn a_move_sets_the_assignee_and_queue_it_names_and_keeps_the_rest() {
        let mei = AgentId::from("ag_mei");
        let mut assign = move_to(Assigned, at(10));
        assign.assignee = Some(Some(mei.clone()));
        assign.queue = Some("payments".into());
        let assigned = assign.apply_to(conversation(Offered)).unwrap();
        assert_eq!((assigned.status, assigned.assignee.as_ref()), (Assigned, Some(&mei)));
        assert_eq!(assigned.queue.as_deref(), Some("payments"));
        assert_eq!(assigned.updated_at, at(10));

        let kept = move_to(WaitingOnCustomer, at(20)).apply_to(assigned.clone()).unwrap();
        assert_eq!((kept.assignee.as_ref(), kept.queue.as_deref()), (Some(&mei), Some("payments")));

        let cleared = StatusChange { assignee: Some(None), ..move_to(Queued, at(30)) }.apply_to(kept).unwrap();
        assert_eq!(cleared.assignee, None);
    }

    #[test]
    fn waiting_for_an_agent_starts_when_a_conversation_goes_back_to_routing() {
        // Already waiting: the clock keeps running from when it started.
        let offered = move_to(Offered, at(10)).apply_to(conversation(Queued)).unwrap();
        assert_eq!(offered.waiting_since, T0);
        let requeued = move_to(Queued, at(20)).apply_to(offered).unwrap();
        assert_eq!(requeued.waiting_since, T0);
        // Back from an agent: the wait starts over.
        let requeued = move_to(Queued, at(30)).apply_to(conversation(Assigned)).unwrap();
        assert_eq!(requeued.waiting_since, at(30));
        let reopened = move_to(Reopened, at(40)).apply_to(conversation(Resolved)).unwrap();
        assert_eq!(reopened.waiting_since, at(40));
        let assigned = move_to(Assigned, at(50)).apply_to(conversation(Queued)).unwrap();
        assert_eq!(assigned.waiting_since, T0);
    }

    #[test]
    fn a_refused_move_applies_nothing() {
        let mut bad = move_to(WaitingOnCustomer, at(10));
        bad.assignee = Some(Some(AgentId::from("ag_mei")));
        bad.queue = Some("payments".into());
        assert_eq!(bad.apply_to(conversation(Queued)), Err(IllegalTransition { from: Queued, to: WaitingOnCustomer }));
        assert!(move_to(Queued, at(10)).apply_to(conversation(Closed)).is_err());
    }
}
