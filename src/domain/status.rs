//! The conversation status machine. Every status change goes through [`ConversationStatus::transition`],
//! which refuses illegal moves, so no code path can, say, assign a closed conversation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
}
