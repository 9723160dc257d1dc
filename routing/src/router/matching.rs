//! Matching, driven by what the event changed: a conversation that became offerable looks for
//! the fairest eligible agent; an agent who gained room looks through the pools they can serve,
//! head first. Neither scans everything waiting or every agent, so no eligible agent with room
//! idles while work waits, at a cost proportional to what changed.

use std::collections::BTreeSet;

use super::Router;
use super::state::{LineKey, ReadyKey};
use crate::action::Action;
use crate::agent::Agent;
use crate::deadline::Deadline;
use crate::ids::{AgentId, ConversationId};
use crate::millis::Millis;
use crate::offer::Offer;
use crate::skills::meets;

impl Router {
    /// Offers what the event made offerable. Agents who gained room go first, each taking the
    /// head of what they can serve, so line order holds even when a newcomer arrives in the same
    /// event; then the conversations noted, in line order, look for an agent.
    pub(super) fn match_pending(&mut self, now: Millis, out: &mut Vec<Action>) {
        while let Some(agent) = self.to_fill.pop_first() {
            while let Some(conversation) = self.find_work(now, &agent) {
                // Usually this agent; another only when they rank higher for it.
                let Some(to) = self.pick_agent(now, &conversation) else {
                    break;
                };
                self.make_offer(now, &conversation, &to, out);
            }
        }
        let mut pending: Vec<(LineKey, ConversationId)> = std::mem::take(&mut self.to_place)
            .into_iter()
            .filter_map(|id| self.waiting_ref(&id).filter(|w| w.offer.is_none()).map(|w| (w.key.clone(), id)))
            .collect();
        pending.sort();
        for (_, conversation) in pending {
            if let Some(agent) = self.pick_agent(now, &conversation) {
                self.make_offer(now, &conversation, &agent, out);
            }
        }
    }

    /// The first conversation in line order across everything `agent` could be offered now:
    /// the pools whose channel they have room on and whose needs they meet, and the
    /// conversations reserved for them; one they were skipped for is passed over until their
    /// back-off ends.
    fn find_work(&self, now: Millis, id: &AgentId) -> Option<ConversationId> {
        let agent = self.agents.get(id).filter(|agent| agent.is_available() && agent.spare_total() > 0)?;
        let mut best: Option<&LineKey> = None;
        for (pool, keys) in &self.pools {
            if agent.spare_on(&pool.channel).is_some() && meets(&agent.skills, &pool.needs) {
                best = self.first_takeable(now, id, agent, keys, best, false);
            }
        }
        if let Some(keys) = self.sticky.get(id) {
            best = self.first_takeable(now, id, agent, keys, best, true);
        }
        best.map(|(_, _, _, conversation)| conversation.clone())
    }

    /// The first key of `keys` ahead of `best` that `agent` may take; `check` re-checks channel
    /// and needs for keys not already grouped by them.
    fn first_takeable<'a>(
        &self,
        now: Millis,
        id: &AgentId,
        agent: &Agent,
        keys: &'a BTreeSet<LineKey>,
        best: Option<&'a LineKey>,
        check: bool,
    ) -> Option<&'a LineKey> {
        for key in keys {
            if best.is_some_and(|best| key >= best) {
                break;
            }
            let Some(waiting) = self.waiting_ref(&key.3) else {
                continue;
            };
            if waiting.skipped.get(id).is_some_and(|from| *from > now) {
                continue;
            }
            if check && (agent.spare_on(&waiting.entry.channel).is_none() || !meets(&agent.skills, &waiting.needs)) {
                continue;
            }
            return Some(key);
        }
        best
    }

    /// The fairest agent for a waiting conversation: available, with room overall and on its
    /// channel, the skills in force, the sticky agent while stickiness holds; then most spare
    /// capacity on the channel, longest since their last offer, and id. Agents who declined or let
    /// the offer lapse are chosen only when nobody else qualifies, and only once their
    /// `reoffer_after` has passed.
    pub(super) fn pick_agent(&self, now: Millis, conversation: &ConversationId) -> Option<AgentId> {
        let waiting = self.waiting_ref(conversation)?;
        if let Some(sticky) = &waiting.sticky {
            let takes = self.agents.get(sticky).is_some_and(|agent| {
                agent.is_available()
                    && agent.spare_on(&waiting.entry.channel).is_some()
                    && meets(&agent.skills, &waiting.needs)
                    && waiting.skipped.get(sticky).is_none_or(|from| *from <= now)
            });
            return takes.then(|| sticky.clone());
        }
        // The best fresh agent, else the best one asked before, across the groups meeting the
        // needs; within a group only agents in their back-off are passed over.
        let (mut fresh, mut again): (Option<&ReadyKey>, Option<&ReadyKey>) = (None, None);
        for (skills, group) in &self.ready.get(&waiting.entry.channel)?.by_skills {
            if !meets(skills, &waiting.needs) {
                continue;
            }
            for key in group {
                match waiting.skipped.get(&key.2) {
                    None => {
                        if fresh.is_none_or(|best| key < best) {
                            fresh = Some(key);
                        }
                        break;
                    }
                    Some(from) if *from <= now => {
                        if again.is_none_or(|best| key < best) {
                            again = Some(key);
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        fresh.or(again).map(|(_, _, id)| id.clone())
    }

    fn make_offer(&mut self, now: Millis, conversation: &ConversationId, agent: &AgentId, out: &mut Vec<Action>) {
        let decision = self.explain_offer(now, conversation, agent);
        let offer_id = self.offer_ids.next_id();
        let expires_at = now + self.config.offer_timeout;
        self.unpool(conversation);
        let Some(waiting) = self.waiting_mut(conversation) else {
            return;
        };
        waiting.offer = Some(offer_id.clone());
        let (queue, channel) = (waiting.queue, waiting.entry.channel.clone());
        self.lines[queue].offers += 1;
        self.with_agent(agent, |state| {
            state.offers.insert(offer_id.clone(), channel.clone());
            state.hold(&channel);
            state.last_offer_at = now;
        });
        self.deadlines.schedule(expires_at, Deadline::OfferExpiry(offer_id.clone()));
        self.offers
            .insert(offer_id.clone(), Offer { conversation: conversation.clone(), agent: agent.clone(), expires_at });
        out.push(Action::Explain(decision));
        out.push(Action::Offer { offer_id, conversation: conversation.clone(), agent: agent.clone(), expires_at });
    }
}
