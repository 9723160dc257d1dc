//! Explanations of decisions, in sentences a supervisor reads. The costly one, why an offer went
//! to this agent and not the others, looks only at the agents with room on the conversation's
//! channel (already ranked) and counts the rest from the presence sets, so explaining an offer
//! costs about as much as choosing it.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::time::Duration;

use super::Router;
use super::state::{ReadyKey, Waiting};
use crate::action::{Action, MoveReason};
use crate::config::LanguageRule;
use crate::decision::{Decision, DecisionKind};
use crate::ids::{AgentId, ChannelName, ConversationId};
use crate::millis::Millis;
use crate::skills::{describe, first_missing, spell};

/// Example ids shown per reason.
const EXAMPLES: usize = 3;
/// Agents looked at to find examples of a reason that is only counted.
const EXAMPLE_SCAN: usize = 64;

/// Why an agent was not chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reason<'a> {
    Reserved(&'a AgentId),
    Lack(&'a str, u8),
    Declined,
    RankedLower,
    AtCapacity,
    Away,
}

/// Agents not chosen, counted by reason, with a few example ids each.
#[derive(Default)]
struct NotChosen<'a> {
    reasons: BTreeMap<Reason<'a>, (usize, Vec<&'a AgentId>)>,
}

impl<'a> NotChosen<'a> {
    /// Counts `count` agents for `reason`, taking examples from `examples` until there are enough.
    fn add(&mut self, reason: Reason<'a>, count: usize, examples: impl IntoIterator<Item = &'a AgentId>) {
        if count == 0 {
            return;
        }
        let (total, shown) = self.reasons.entry(reason).or_default();
        *total += count;
        shown.extend(examples.into_iter().take(EXAMPLES.saturating_sub(shown.len())));
    }

    fn count(&self) -> usize {
        self.reasons.values().map(|(count, _)| count).sum()
    }

    /// `7 lack zh (bob, cy, dan…), 4 at chat capacity`, most frequent first.
    fn summary(&self, channel: &ChannelName, chosen: &AgentId) -> String {
        let mut reasons: Vec<_> = self.reasons.iter().collect();
        reasons.sort_by_key(|(reason, (count, _))| (Reverse(*count), **reason));
        let parts: Vec<String> = reasons
            .into_iter()
            .map(|(reason, (count, examples))| {
                let reason = match reason {
                    Reason::Reserved(sticky) => format!("held back for sticky agent {sticky}"),
                    Reason::Lack(skill, level) => format!("lack {}", spell(skill, *level)),
                    Reason::Declined => "declined or let it lapse before".to_owned(),
                    Reason::RankedLower => {
                        format!("rank after {chosen} on spare {channel} capacity or time since their last offer")
                    }
                    Reason::AtCapacity => format!("at {channel} capacity"),
                    Reason::Away => "away or disconnected".to_owned(),
                };
                let names: Vec<&str> = examples.iter().map(|id| id.as_str()).collect();
                let more = if *count > examples.len() { "…" } else { "" };
                if names.is_empty() {
                    format!("{count} {reason}")
                } else {
                    format!("{count} {reason} ({}{more})", names.join(", "))
                }
            })
            .collect();
        parts.join(", ")
    }
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs())
}

impl Router {
    pub(super) fn decision(
        &self,
        conversation: Option<&ConversationId>,
        agent: Option<&AgentId>,
        kind: DecisionKind,
        text: String,
    ) -> Decision {
        Decision { conversation: conversation.cloned(), agent: agent.cloned(), kind, text }
    }

    /// `12:05:00 UTC`, in the zone of the queue's hours when it has them.
    pub(super) fn clock(&self, at: Millis, queue: Option<usize>) -> String {
        let zone = queue
            .and_then(|queue| self.queue_config(queue).hours.as_ref())
            .and_then(|hours| jiff::tz::TimeZone::get(hours.zone_name()).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        match jiff::Timestamp::from_millisecond(at.0) {
            Ok(instant) => instant.to_zoned_datetime(zone).strftime("%H:%M:%S %Z").to_string(),
            Err(_) => format!("{} ms", at.0),
        }
    }

    /// What a waiting conversation needs now and until when, e.g. `an agent with zh (relaxes
    /// after 60 s), refund:2 preferred (relaxes after 30 s)`.
    fn needs_text(&self, waiting: &Waiting) -> String {
        let queue = self.queue_config(waiting.queue);
        let mut parts: Vec<String> = waiting.required.iter().map(|(name, level)| spell(name, *level)).collect();
        if let (LanguageRule::Required { relax_after }, Some(language)) = (queue.language, &waiting.entry.language)
            && waiting.needs.contains_key(language)
            && !waiting.required.contains_key(language)
        {
            parts.push(match relax_after {
                Some(after) => format!("{language} (relaxes after {})", seconds(after)),
                None => format!("{language} (never relaxes)"),
            });
        }
        for preferred in &queue.preferred {
            if waiting.needs.get(&preferred.skill).is_some_and(|level| *level >= preferred.level)
                && waiting.required.get(&preferred.skill).is_none_or(|level| *level < preferred.level)
            {
                parts.push(format!(
                    "{} preferred (relaxes after {})",
                    spell(&preferred.skill, preferred.level),
                    seconds(preferred.relax_after)
                ));
            }
        }
        if parts.is_empty() { "any agent".to_owned() } else { format!("an agent with {}", parts.join(", ")) }
    }

    /// `due 12:05:00 UTC`, or that there is no target.
    fn due_text(&self, waiting: &Waiting) -> String {
        match waiting.due {
            Some(due) => format!("due {}", self.clock(due, Some(waiting.queue))),
            None => format!("no first-response target for {} priority", waiting.entry.priority.as_str()),
        }
    }

    pub(super) fn explain_enqueued(&self, id: &ConversationId, now: Millis, out: &mut Vec<Action>) {
        let Some(waiting) = self.waiting_ref(id) else {
            return;
        };
        let queue = self.queue_config(waiting.queue);
        let mut text = format!(
            "{id} waits in {} ({} priority, {}) for {}; {}",
            queue.name,
            waiting.priority.as_str(),
            waiting.entry.channel,
            self.needs_text(waiting),
            self.due_text(waiting)
        );
        if waiting.priority != waiting.entry.priority {
            text.push_str(&format!("; counts as {} near or past its due time", waiting.priority.as_str()));
        }
        if let Some(sticky) = &waiting.sticky {
            let until = waiting.entry.waiting_since + queue.sticky_wait;
            text.push_str(&format!("; offered only to {sticky} until {}", self.clock(until, Some(waiting.queue))));
        }
        if !queue.is_open(now) {
            text.push_str(&format!("; {} is outside its hours, agents present still serve it", queue.name));
        }
        out.push(Action::Explain(self.decision(Some(id), None, DecisionKind::Enqueued, text)));
    }

    /// Why `chosen` gets `id`: the skills matched, spare capacity on the channel, the tie-break,
    /// stickiness, the relaxations that apply; and why not the others, by reason. Works on the
    /// skill groups of the channel's ranking, so it costs about as much as the choice itself.
    pub(super) fn explain_offer(&self, now: Millis, id: &ConversationId, chosen: &AgentId) -> Decision {
        let (Some(waiting), Some(agent)) = (self.waiting_ref(id), self.agents.get(chosen)) else {
            return self.decision(Some(id), Some(chosen), DecisionKind::Offered, format!("{id} offered to {chosen}"));
        };
        let channel = &waiting.entry.channel;
        let spare = agent.spare_on(channel).unwrap_or(0);
        let mut others = NotChosen::default();
        // The best of the other eligible agents, to tell which tie-break decided.
        let mut runner_up: Option<&ReadyKey> = None;
        let ranking = self.ready.get(channel);
        let groups = ranking.into_iter().flat_map(|ranking| &ranking.by_skills);
        let chosen_key = self.ready_key(chosen, channel);
        for (skills, group) in groups {
            let others_in_group = group.iter().filter(|key| key.2 != *chosen);
            let count = group.len() - usize::from(chosen_key.as_ref().is_some_and(|key| group.contains(key)));
            if let Some(sticky) = waiting.sticky.as_ref().filter(|sticky| *sticky != chosen) {
                others.add(Reason::Reserved(sticky), count, others_in_group.map(|key| &key.2));
            } else if let Some((skill, level)) = first_missing(skills, &waiting.needs) {
                others.add(Reason::Lack(skill, level), count, others_in_group.map(|key| &key.2));
            } else {
                let declined: Vec<&AgentId> = waiting
                    .skipped
                    .keys()
                    .filter(|other| *other != chosen)
                    .filter(|other| self.ready_key(other, channel).is_some_and(|key| group.contains(&key)))
                    .collect();
                let lower = others_in_group.filter(|key| !declined.contains(&&key.2));
                let mut lower = lower.peekable();
                if let Some(first) = lower.peek()
                    && runner_up.is_none_or(|best| *first < best)
                {
                    runner_up = Some(*first);
                }
                others.add(Reason::Declined, declined.len(), declined.iter().copied());
                others.add(Reason::RankedLower, count - declined.len(), lower.map(|key| &key.2));
            }
        }
        let with_room = ranking.map_or(0, |ranking| ranking.len);
        let full = self
            .available
            .iter()
            .take(EXAMPLE_SCAN)
            .filter(|other| self.agents.get(*other).is_some_and(|state| state.spare_on(channel).is_none()));
        others.add(Reason::AtCapacity, self.available.len().saturating_sub(with_room), full);
        others.add(Reason::Away, self.unavailable.len(), &self.unavailable);

        let mut why = Vec::new();
        if waiting.sticky.as_ref() == Some(chosen) {
            why.push("the customer's sticky agent".to_owned());
        }
        if !waiting.needs.is_empty() {
            why.push(format!("has {}", describe(&waiting.needs)));
        }
        if waiting.skipped.contains_key(chosen) {
            why.push("declined before, asked again as nobody else can take it".to_owned());
        }
        why.push(match runner_up {
            Some((Reverse(second), last_offer, _)) if *second == spare => {
                let mut tie = format!(
                    "as much spare {channel} capacity as anyone ({spare} free) and longest since last offer ({})",
                    self.clock(agent.last_offer_at, Some(waiting.queue))
                );
                if *last_offer == agent.last_offer_at {
                    tie.push_str(", first by id");
                }
                tie
            }
            _ => format!("most spare {channel} capacity ({spare} free)"),
        });
        why.extend(self.relaxations(waiting, now));
        let mut text = format!("{id} offered to {chosen}: {}", why.join("; "));
        if others.count() > 0 {
            text.push_str(&format!("; not {} others: {}", others.count(), others.summary(channel, chosen)));
        }
        self.decision(Some(id), Some(chosen), DecisionKind::Offered, text)
    }

    /// The language and preferences no longer in force for `waiting` at `now`.
    fn relaxations(&self, waiting: &Waiting, now: Millis) -> Vec<String> {
        let queue = self.queue_config(waiting.queue);
        let waited = seconds(now.since(waiting.entry.waiting_since));
        let mut relaxed = Vec::new();
        if let (LanguageRule::Required { relax_after: Some(_) }, Some(language)) =
            (queue.language, &waiting.entry.language)
            && !waiting.needs.contains_key(language)
        {
            relaxed.push(format!("{language} no longer required (waited {waited})"));
        }
        for preferred in &queue.preferred {
            if waiting.needs.get(&preferred.skill).is_none_or(|level| *level < preferred.level) {
                relaxed.push(format!("{} no longer preferred", spell(&preferred.skill, preferred.level)));
            }
        }
        relaxed
    }

    pub(super) fn explain_relaxed(&self, id: &ConversationId, dropped: &[String], at: Millis) -> Decision {
        let text = match self.waiting_ref(id) {
            Some(waiting) => format!(
                "{id} has waited {}: {} no longer needed; it now waits for {}",
                seconds(at.since(waiting.entry.waiting_since)),
                dropped.join(", "),
                self.needs_text(waiting)
            ),
            None => format!("{id}: {} no longer needed", dropped.join(", ")),
        };
        self.decision(Some(id), None, DecisionKind::Relaxed, text)
    }

    pub(super) fn explain_breached(&self, id: &ConversationId, at: Millis) -> Decision {
        let text = match self.waiting_ref(id) {
            Some(waiting) => format!(
                "{id} was still waiting in {} at its first-response due time {}: it counts as {} priority from now",
                waiting.entry.queue,
                self.clock(waiting.due.unwrap_or(at), Some(waiting.queue)),
                waiting.priority.as_str()
            ),
            None => format!("{id} breached its first-response target"),
        };
        self.decision(Some(id), None, DecisionKind::Breached, text)
    }

    /// Explains a move just made from queue `from` (by position) to where the conversation now
    /// waits.
    pub(super) fn explain_moved(&self, id: &ConversationId, from: usize, reason: MoveReason) -> Decision {
        let from_queue = self.queue_config(from);
        let text = match self.waiting_ref(id) {
            Some(waiting) => {
                let because = match (reason, &from_queue.overflow) {
                    (MoveReason::Overflow, Some(overflow)) => format!("it waited {} there", seconds(overflow.after)),
                    _ => "it breached its first-response target there".to_owned(),
                };
                format!(
                    "{id} moves from {} to {} because {because}; it now waits for {}; {}",
                    from_queue.name,
                    waiting.entry.queue,
                    self.needs_text(waiting),
                    self.due_text(waiting)
                )
            }
            None => format!("{id} moves from {}", from_queue.name),
        };
        self.decision(Some(id), None, DecisionKind::Moved, text)
    }
}
