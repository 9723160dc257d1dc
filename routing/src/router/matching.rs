//! Matching: waiting conversations, most urgent then longest waiting first, are offered to the
//! fairest eligible agent. Runs after every event, so no eligible agent idles while work waits.

use super::Router;
use crate::action::Action;
use crate::conversation::Routed;
use crate::deadline::Deadline;
use crate::ids::{AgentId, ConversationId};
use crate::millis::Millis;
use crate::offer::Offer;

impl Router {
    /// Offers every waiting conversation without an outstanding offer to an eligible agent, in
    /// line order. Loads only grow during the pass, so a conversation left without an offer has
    /// no eligible agent with room when the pass ends.
    pub(super) fn match_waiting(&mut self, now: Millis, out: &mut Vec<Action>) {
        // The common overloaded case (many waiting, nobody free) costs one scan of the agents.
        if !self.agents.values().any(|agent| agent.takes_offers()) {
            return;
        }
        let unoffered: Vec<ConversationId> = self
            .order
            .iter()
            .map(|(_, _, id)| id)
            .filter(|id| matches!(self.conversations.get(*id), Some(Routed::Waiting(w)) if w.offer.is_none()))
            .cloned()
            .collect();
        for conversation in unoffered {
            if !self.agents.values().any(|agent| agent.takes_offers()) {
                break;
            }
            if let Some(agent) = self.pick_agent(now, &conversation) {
                self.make_offer(now, conversation, agent, out);
            }
        }
    }

    /// The fairest agent for a waiting conversation: available, with room and the skills; least
    /// loaded, then idle longest, then by id so the choice is reproducible. Agents who declined
    /// or let the offer lapse are chosen only when nobody else qualifies, and only once their
    /// `reoffer_after` has passed — a conversation whose only capable agent declined is offered
    /// to them again after that back-off rather than waiting forever.
    fn pick_agent(&self, now: Millis, conversation: &ConversationId) -> Option<AgentId> {
        let Some(Routed::Waiting(waiting)) = self.conversations.get(conversation) else {
            return None;
        };
        let mut fresh = None;
        let mut again = None;
        for (id, agent) in &self.agents {
            if !agent.takes_offers() || !agent.skills.is_superset(&waiting.required) {
                continue;
            }
            let best = match waiting.skipped.get(id) {
                None => &mut fresh,
                Some(from) if *from <= now => &mut again,
                Some(_) => continue,
            };
            let rank = (agent.load(), agent.idle_since, id);
            if best.is_none_or(|current| rank < current) {
                *best = Some(rank);
            }
        }
        fresh.or(again).map(|(_, _, id)| id.clone())
    }

    fn make_offer(&mut self, now: Millis, conversation: ConversationId, agent: AgentId, out: &mut Vec<Action>) {
        let offer_id = self.offer_ids.next_id();
        let expires_at = now + self.config.offer_timeout;
        if let Some(Routed::Waiting(waiting)) = self.conversations.get_mut(&conversation) {
            waiting.offer = Some(offer_id.clone());
        }
        if let Some(state) = self.agents.get_mut(&agent) {
            state.offers.insert(offer_id.clone());
        }
        self.deadlines.schedule(expires_at, Deadline::OfferExpiry(offer_id.clone()));
        self.offers
            .insert(offer_id.clone(), Offer { conversation: conversation.clone(), agent: agent.clone(), expires_at });
        out.push(Action::Offer { offer_id, conversation, agent, expires_at });
    }
}
