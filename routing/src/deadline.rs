//! The instants at which the engine must act without an event: offer expiry, end of a grace
//! period, the moment a declining agent may be offered a conversation again, the next change of
//! a waiting conversation's rules, and the lazy refresh of queue positions.

use std::collections::BTreeSet;

use crate::ids::{AgentId, ConversationId, OfferId};
use crate::millis::Millis;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Deadline {
    OfferExpiry(OfferId),
    Grace(AgentId),
    /// The skipped agent may be offered the conversation again; matching reconsiders it.
    Reoffer(ConversationId, AgentId),
    /// A rule of a waiting conversation changes: a language or preference relaxes, stickiness
    /// ends, it nears or reaches its due time, or it overflows.
    Rule(ConversationId),
    /// Positions beyond the head of a long queue are reported.
    Positions,
}

/// Deadlines ordered by instant. Cancelled eagerly so `next` never wakes the driver for nothing.
#[derive(Debug, Default)]
pub(crate) struct Deadlines {
    pending: BTreeSet<(Millis, Deadline)>,
}

impl Deadlines {
    pub(crate) fn schedule(&mut self, at: Millis, deadline: Deadline) {
        self.pending.insert((at, deadline));
    }

    pub(crate) fn cancel(&mut self, at: Millis, deadline: Deadline) {
        self.pending.remove(&(at, deadline));
    }

    pub(crate) fn next(&self) -> Option<Millis> {
        self.pending.first().map(|(at, _)| *at)
    }

    /// The earliest deadline at or before `now`, removed.
    pub(crate) fn pop_due(&mut self, now: Millis) -> Option<(Millis, Deadline)> {
        if self.next()? <= now { self.pending.pop_first() } else { None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_only_when_due() {
        let mut deadlines = Deadlines::default();
        deadlines.schedule(Millis(20), Deadline::Grace("b".into()));
        deadlines.schedule(Millis(10), Deadline::Grace("a".into()));
        deadlines.schedule(Millis(30), Deadline::Grace("c".into()));
        deadlines.cancel(Millis(30), Deadline::Grace("c".into()));
        assert_eq!(deadlines.next(), Some(Millis(10)));
        assert_eq!(deadlines.pop_due(Millis(5)), None);
        assert_eq!(deadlines.pop_due(Millis(25)), Some((Millis(10), Deadline::Grace("a".into()))));
        assert_eq!(deadlines.pop_due(Millis(25)), Some((Millis(20), Deadline::Grace("b".into()))));
        assert_eq!(deadlines.pop_due(Millis(100)), None);
        assert_eq!(deadlines.next(), None);
    }
}
