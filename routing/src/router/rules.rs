//! The time-dependent rules of a waiting conversation: language and preferred skills relaxing,
//! stickiness ending, nearing and breaching the first-response target, and overflow. Each
//! conversation has one `Deadline::Rule` at the next instant any of them changes, so every rule
//! takes effect exactly then, not on the next event.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::state::Waiting;
use super::{Carried, Router};
use crate::action::{Action, MoveReason, RevokeReason};
use crate::config::{LanguageRule, QueueConfig};
use crate::conversation::{Priority, QueueEntry};
use crate::deadline::Deadline;
use crate::ids::{AgentId, ConversationId, OfferId};
use crate::millis::Millis;
use crate::skills::{Skills, require, spell};

/// What applies to a waiting conversation at one instant.
pub(super) struct InForce {
    pub(super) needs: Skills,
    pub(super) sticky: Option<AgentId>,
    pub(super) near: bool,
    /// The next instant after this one at which something changes.
    pub(super) next: Option<Millis>,
}

/// The rules of `queue` for `waiting` at `at`.
pub(super) fn in_force(queue: &QueueConfig, waiting: &Waiting, at: Millis) -> InForce {
    let since = waiting.entry.waiting_since;
    let mut next: Option<Millis> = None;
    let mut until = |instant: Millis| {
        let future = instant > at;
        if future {
            next = Some(next.map_or(instant, |next| next.min(instant)));
        }
        future
    };
    let mut needs = waiting.required.clone();
    if let (LanguageRule::Required { relax_after }, Some(language)) = (queue.language, &waiting.entry.language)
        && relax_after.is_none_or(|after| until(since + after))
    {
        require(&mut needs, language, 1);
    }
    for preferred in &queue.preferred {
        if until(since + preferred.relax_after) {
            require(&mut needs, &preferred.skill, preferred.level);
        }
    }
    let sticky = match &waiting.entry.sticky {
        Some(agent) if !waiting.sticky_ended && !queue.sticky_wait.is_zero() && until(since + queue.sticky_wait) => {
            Some(agent.clone())
        }
        _ => None,
    };
    // Only before the target is settled: once breached, the raised priority stands alone.
    let near = match waiting.due {
        Some(due) if !queue.near_breach.is_zero() && !waiting.sla_settled => !until(due.minus(queue.near_breach)),
        _ => false,
    };
    if let Some(due) = waiting.due.filter(|_| !waiting.sla_settled) {
        until(due);
    }
    if let Some(overflow) = queue.overflow.as_ref().filter(|overflow| !overflow.after.is_zero()) {
        until(waiting.queued_at + overflow.after);
    }
    InForce { needs, sticky, near, next }
}

/// The priority a breach raises a waiting conversation to: one level above its entry's.
fn breached(waiting: &Waiting) -> Option<Priority> {
    Some(waiting.entry.priority.raised()).max(waiting.raised)
}

/// The first-response due time of an entry in `queue`: `waiting_since` plus the target for its
/// priority, counting only open time when the clock pauses outside hours.
pub(super) fn due_for(queue: &QueueConfig, entry: &QueueEntry) -> Option<Millis> {
    let target = *queue.first_response.get(&entry.priority)?;
    match &queue.hours {
        Some(hours) if queue.sla_pauses_outside_hours => hours.add_open_time(entry.waiting_since, target),
        _ => Some(entry.waiting_since + target),
    }
}

/// The priority the line is ordered by: the entry's, one level up near its due time, and
/// never below what a breach raised it to.
fn effective(base: Priority, raised: Option<Priority>, near: bool) -> Priority {
    let base = if near { base.raised() } else { base };
    raised.map_or(base, |raised| raised.max(base))
}

impl Router {
    /// Puts a conversation in line with nobody skipped and no offer yet, and applies its rules at
    /// `now` (a conversation already past its due time breaches at once).
    pub(super) fn insert_waiting(&mut self, now: Millis, entry: QueueEntry, carried: Carried, out: &mut Vec<Action>) {
        let Some(&queue) = self.queue_index.get(&entry.queue) else {
            return;
        };
        self.ensure_channel(&entry.channel);
        let id = entry.conversation.clone();
        let mut waiting = Waiting {
            required: self.required_skills(queue, &entry),
            due: due_for(self.queue_config(queue), &entry),
            queue,
            needs: Skills::new(),
            sticky: None,
            sticky_ended: false,
            priority: entry.priority,
            raised: carried.raised,
            sla_settled: carried.sla_settled,
            queued_at: carried.queued_at,
            rule_at: None,
            offer: None,
            skipped: BTreeMap::new(),
            key: (Reverse(entry.priority), Millis(0), Millis(0), id.clone()),
            place: None,
            entry,
        };
        let state = in_force(self.queue_config(queue), &waiting, now);
        waiting.needs = state.needs;
        waiting.sticky = state.sticky;
        waiting.priority = effective(waiting.entry.priority, waiting.raised, state.near);
        self.conversations.insert(id.clone(), super::Routed::Waiting(Box::new(waiting)));
        self.line(&id, None);
        self.pool(&id);
        self.to_place.insert(id.clone());
        self.evaluate(&id, now, out);
    }

    /// Applies the rules in force at `at`: relaxations (explained), the priority raised near the
    /// due time, a breach, an overflow; then schedules the next change.
    pub(super) fn evaluate(&mut self, id: &ConversationId, at: Millis, out: &mut Vec<Action>) {
        loop {
            let Some(waiting) = self.waiting_ref(id) else {
                return;
            };
            let queue = self.queue_config(waiting.queue);
            let state = in_force(queue, waiting, at);
            let breach = !waiting.sla_settled && waiting.due.is_some_and(|due| due <= at);
            let raised = if breach { breached(waiting) } else { waiting.raised };
            let priority = effective(waiting.entry.priority, raised, state.near);
            let dropped: Vec<String> = waiting
                .needs
                .iter()
                .filter(|(name, level)| state.needs.get(*name).is_none_or(|now| now < level))
                .map(|(name, level)| spell(name, *level))
                .collect();
            let overflow = queue.overflow.clone();
            let overflow_due =
                overflow.as_ref().is_some_and(|o| !o.after.is_zero() && at >= waiting.queued_at + o.after);
            if waiting.needs != state.needs || waiting.sticky != state.sticky || waiting.priority != priority {
                let (needs, sticky) = (state.needs, state.sticky);
                self.rekey(id, |waiting| {
                    waiting.needs = needs;
                    waiting.sticky = sticky;
                    waiting.priority = priority;
                });
            }
            if !dropped.is_empty() {
                out.push(Action::Explain(self.explain_relaxed(id, &dropped, at)));
            }
            if breach {
                self.breach(id, at, out);
            }
            let target = overflow.filter(|_| breach || overflow_due);
            match target.and_then(|o| self.queue_index.get(&o.queue).copied()) {
                Some(to) => {
                    let reason = if breach { MoveReason::SlaBreach } else { MoveReason::Overflow };
                    self.move_to(id, to, reason, at, out);
                }
                None => {
                    self.schedule_rule(id, state.next);
                    return;
                }
            }
        }
    }

    fn breach(&mut self, id: &ConversationId, at: Millis, out: &mut Vec<Action>) {
        let Some(waiting) = self.waiting_mut(id) else {
            return;
        };
        waiting.raised = breached(waiting);
        waiting.sla_settled = true;
        let (queue, priority) = (waiting.entry.queue.clone(), waiting.priority);
        out.push(Action::Explain(self.explain_breached(id, at)));
        out.push(Action::SlaBreached { conversation: id.clone(), queue, priority });
    }

    /// Moves a waiting conversation to queue `to` with its `waiting_since`, keeping its offer
    /// only if the agent still fits the new queue's requirements.
    fn move_to(&mut self, id: &ConversationId, to: usize, reason: MoveReason, at: Millis, out: &mut Vec<Action>) {
        let Some(waiting) = self.waiting_ref(id) else {
            return;
        };
        let from = waiting.queue;
        let mut entry = waiting.entry.clone();
        entry.queue = self.queue_config(to).name.clone();
        let offered = self.replace_entry(entry, at, at);
        out.push(Action::Explain(self.explain_moved(id, from, reason)));
        let (from, to) = (self.queue_config(from).name.clone(), self.queue_config(to).name.clone());
        out.push(Action::Moved { conversation: id.clone(), from, to, reason });
        self.recheck_offer(offered, true, out);
    }

    /// Gives a waiting conversation a new entry (queue, priority, skills, channel…) and the rules
    /// in force for it at `at`, keeping who was skipped and, within the same queue, its reported
    /// position. Returns the outstanding offer, for the caller to check against the new entry.
    fn replace_entry(&mut self, entry: QueueEntry, queued_at: Millis, at: Millis) -> Option<OfferId> {
        let to = *self.queue_index.get(&entry.queue)?;
        let id = entry.conversation.clone();
        let waiting = self.waiting_ref(&id)?;
        let (from, offered) = (waiting.queue, waiting.offer.clone());
        let required = self.required_skills(to, &entry);
        let due = if waiting.sla_settled { waiting.due } else { due_for(self.queue_config(to), &entry) };
        self.ensure_channel(&entry.channel);
        let reported = self.unline(&id);
        self.unpool(&id);
        if offered.is_some() {
            self.lines[from].offers -= 1;
            self.lines[to].offers += 1;
        }
        if let Some(waiting) = self.waiting_mut(&id) {
            waiting.entry = entry;
            waiting.queue = to;
            waiting.required = required;
            waiting.due = due;
            waiting.queued_at = queued_at;
        }
        if let Some(waiting) = self.waiting_ref(&id) {
            let state = in_force(self.queue_config(to), waiting, at);
            let priority = effective(waiting.entry.priority, waiting.raised, state.near);
            if let Some(waiting) = self.waiting_mut(&id) {
                waiting.needs = state.needs;
                waiting.sticky = state.sticky;
                waiting.priority = priority;
            }
        }
        // A position in another line means nothing in this one.
        self.line(&id, reported.filter(|_| from == to));
        self.pool(&id);
        self.to_place.insert(id);
        offered
    }

    /// Keeps an offer whose conversation changed only if its agent still fits it (and has room,
    /// when the channel is the same); otherwise withdraws it.
    fn recheck_offer(&mut self, offer: Option<OfferId>, same_channel: bool, out: &mut Vec<Action>) {
        let Some(offer) = offer else {
            return;
        };
        match self.offers.get(&offer).map(|open| open.agent.clone()) {
            Some(agent) if same_channel => self.withdraw_unfit_offers(&agent, None, out),
            Some(_) => self.revoke_offer(&offer, RevokeReason::Withdrawn, out),
            None => {}
        }
    }

    fn schedule_rule(&mut self, id: &ConversationId, next: Option<Millis>) {
        let Some(waiting) = self.waiting_mut(id) else {
            return;
        };
        let before = std::mem::replace(&mut waiting.rule_at, next);
        if before == next {
            return;
        }
        if let Some(before) = before {
            self.deadlines.cancel(before, Deadline::Rule(id.clone()));
        }
        if let Some(next) = next {
            self.deadlines.schedule(next, Deadline::Rule(id.clone()));
        }
    }

    /// Replaces a waiting conversation's entry (re-triage, or a transfer to a queue while still
    /// waiting), keeping who was skipped and the outstanding offer while its agent still fits.
    pub(super) fn update_waiting(&mut self, now: Millis, entry: QueueEntry, out: &mut Vec<Action>) {
        let id = entry.conversation.clone();
        let Some(waiting) = self.waiting_ref(&id) else {
            return;
        };
        let same_queue = waiting.entry.queue == entry.queue;
        let same_channel = waiting.entry.channel == entry.channel;
        let queued_at = if same_queue { waiting.queued_at } else { now };
        let offered = self.replace_entry(entry, queued_at, now);
        self.evaluate(&id, now, out);
        self.recheck_offer(offered, same_channel, out);
    }
}
