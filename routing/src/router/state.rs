//! The engine's records of routed conversations and queues, and the keys they are indexed by.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::conversation::{Priority, QueueEntry};
use crate::ids::{AgentId, ChannelName, ConversationId, OfferId};
use crate::millis::Millis;
use crate::skills::Skills;

/// Line order: most urgent (effective priority) first, then earliest due (none last), then
/// longest waiting; the id only makes the order total.
pub(crate) type LineKey = (Reverse<Priority>, Millis, Millis, ConversationId);

/// Waiting conversations without an offer that need the same thing: one queue, one channel, one
/// set of skills in force. An agent looks only at the pools they can serve, head first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PoolKey {
    pub(crate) queue: usize,
    pub(crate) channel: ChannelName,
    pub(crate) needs: Skills,
}

/// Where a waiting conversation without an offer is indexed for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    Pool(PoolKey),
    /// Reserved for its sticky agent.
    Sticky(AgentId),
}

/// The engine's record of a waiting conversation.
#[derive(Debug, Clone)]
pub(crate) struct Waiting {
    pub(crate) entry: QueueEntry,
    /// The queue's position in the configuration.
    pub(crate) queue: usize,
    /// The queue's skills plus the entry's own; they never relax.
    pub(crate) required: Skills,
    /// `required` plus the language and preferences in force.
    pub(crate) needs: Skills,
    /// The sticky agent while stickiness is in force.
    pub(crate) sticky: Option<AgentId>,
    /// The sticky agent declined or let an offer lapse.
    pub(crate) sticky_ended: bool,
    /// Effective priority, the one the line is ordered by.
    pub(crate) priority: Priority,
    /// Breached once: the priority it was raised to, which it keeps for good (however its
    /// entry's own priority is given later).
    pub(crate) raised: Option<Priority>,
    /// Breached, or assigned before: no (further) breach.
    pub(crate) sla_settled: bool,
    pub(crate) due: Option<Millis>,
    /// When it entered its current queue; overflow counts from here.
    pub(crate) queued_at: Millis,
    /// The pending `Deadline::Rule`.
    pub(crate) rule_at: Option<Millis>,
    pub(crate) offer: Option<OfferId>,
    pub(crate) skipped: BTreeMap<AgentId, Millis>,
    /// Its key in its queue's line, as inserted.
    pub(crate) key: LineKey,
    /// Where it is indexed for matching; `None` while offered.
    pub(crate) place: Option<Place>,
}

impl Waiting {
    pub(crate) fn line_key(&self) -> LineKey {
        (
            Reverse(self.priority),
            self.due.unwrap_or(Millis(i64::MAX)),
            self.entry.waiting_since,
            self.entry.conversation.clone(),
        )
    }
}

/// The engine's record of an assigned conversation.
#[derive(Debug, Clone)]
pub(crate) struct Assignment {
    /// Kept so the conversation can go back to its queue with its original `waiting_since`.
    pub(crate) entry: QueueEntry,
    pub(crate) agent: AgentId,
    /// Unknown for assignments restored after a restart; those give no handling-time sample.
    pub(crate) assigned_at: Option<Millis>,
    /// It breached while waiting, so it keeps the raised priority if requeued.
    pub(crate) raised: Option<Priority>,
}

#[derive(Debug, Clone)]
pub(crate) enum Routed {
    Waiting(Box<Waiting>),
    Assigned(Assignment),
}

/// The position and estimate last reported to a waiting customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reported {
    pub(crate) position: u32,
    pub(crate) estimated_wait_s: u32,
}

/// One queue's line and the figures its wait estimates come from, kept up to date by every
/// change so nothing needs a scan of all agents or offers.
#[derive(Debug, Default)]
pub(crate) struct Line {
    pub(crate) entries: BTreeMap<LineKey, Option<Reported>>,
    /// Its waiting conversations with an outstanding offer.
    pub(crate) offers: usize,
    /// Total capacity of the available agents having the queue's skills.
    pub(crate) slots: usize,
    /// Their free slots.
    pub(crate) free: usize,
    /// Connected agents having the queue's skills.
    pub(crate) serving: usize,
    /// The order changed since positions were last reported.
    pub(crate) reshuffled: bool,
    /// (ready, slots, mean handling time) when positions were last reported.
    pub(crate) basis: Option<(usize, usize, Duration)>,
    /// Positions beyond the reported head may be out of date.
    pub(crate) stale_tail: bool,
}

/// An agent's place in the ranking of one channel: most spare capacity there, then longest
/// since their last offer, then id.
pub(crate) type ReadyKey = (Reverse<usize>, Millis, AgentId);

/// The available agents with room (overall and on one channel), grouped by their skills so a
/// conversation looks only at the groups meeting its needs, and ranked within each group.
#[derive(Debug, Default)]
pub(crate) struct Ranking {
    pub(crate) by_skills: BTreeMap<Skills, BTreeSet<ReadyKey>>,
    pub(crate) len: usize,
}

impl Ranking {
    pub(crate) fn insert(&mut self, skills: &Skills, key: ReadyKey) {
        let group = match self.by_skills.get_mut(skills) {
            Some(group) => group,
            None => self.by_skills.entry(skills.clone()).or_default(),
        };
        if group.insert(key) {
            self.len += 1;
        }
    }

    /// Groups are kept when they empty: agents come back with the same skills.
    pub(crate) fn remove(&mut self, skills: &Skills, key: &ReadyKey) {
        if self.by_skills.get_mut(skills).is_some_and(|group| group.remove(key)) {
            self.len -= 1;
        }
    }
}

/// A ranking per channel conversations have arrived on.
pub(crate) type Ready = BTreeMap<ChannelName, Ranking>;
