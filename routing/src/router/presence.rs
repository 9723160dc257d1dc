//! What follows from an agent's presence: offers let lapse (and going away after too many in a
//! row), and conversations given back when an agent goes away or hands one back to a queue.

use super::{Carried, Router};
use crate::action::{Action, RevokeReason, StatusReason, UnassignReason};
use crate::agent::{Presence, Status};
use crate::config::AwayPolicy;
use crate::conversation::QueueEntry;
use crate::decision::DecisionKind;
use crate::ids::{AgentId, ConversationId, OfferId};
use crate::millis::Millis;
use crate::offer::OfferOutcome;
use crate::router::state::Routed;

impl Router {
    /// An offer lapsed at `at`: revoked, its agent skipped, and an agent who has now let
    /// `offers_missed_before_away` lapse in a row is set away.
    pub(super) fn expire_offer(&mut self, id: &OfferId, at: Millis, out: &mut Vec<Action>) {
        let reason = RevokeReason::Timeout;
        let Some(offer) = self.close_offer(id, OfferOutcome::Revoked(reason)) else {
            return;
        };
        out.push(Action::RevokeOffer {
            offer_id: id.clone(),
            agent: offer.agent.clone(),
            conversation: offer.conversation.clone(),
            reason,
        });
        self.skip_agent(&offer.conversation, &offer.agent, at, out);
        let missed = self.with_agent(&offer.agent, |agent| {
            agent.missed_in_a_row += 1;
            agent.missed_in_a_row
        });
        let limit = self.config.offers_missed_before_away;
        let available = self.agents.get(&offer.agent).is_some_and(|agent| agent.is_available());
        if let Some(missed) = missed.filter(|missed| limit > 0 && *missed >= limit && available) {
            let text = format!("{} is set away: {missed} offers in a row timed out", offer.agent);
            out.push(Action::Explain(self.decision(None, Some(&offer.agent), DecisionKind::Status, text)));
            out.push(Action::StatusChanged {
                agent: offer.agent.clone(),
                status: Status::Away,
                reason: StatusReason::MissedOffers(missed),
            });
            self.with_agent(&offer.agent, |agent| {
                agent.presence = Presence::Away;
                agent.missed_in_a_row = 0;
            });
            self.withdraw_unfit_offers(&offer.agent, None, out);
            self.give_back(at, &offer.agent, out);
        }
    }

    /// The agent went away: their conversations from queues with `AwayPolicy::GiveBack` return
    /// to their queue with their original `waiting_since`.
    pub(super) fn give_back(&mut self, now: Millis, agent: &AgentId, out: &mut Vec<Action>) {
        let Some(state) = self.agents.get(agent) else {
            return;
        };
        let returned: Vec<ConversationId> = state
            .assigned
            .keys()
            .filter(|id| match self.conversations.get(*id) {
                Some(Routed::Assigned(assignment)) => self
                    .queue_index
                    .get(&assignment.entry.queue)
                    .is_some_and(|&queue| self.queue_config(queue).away == AwayPolicy::GiveBack),
                _ => false,
            })
            .cloned()
            .collect();
        for id in returned {
            if let Some(Routed::Assigned(assignment)) = self.remove_routed(&id) {
                out.push(Action::Unassigned {
                    conversation: id.clone(),
                    agent: agent.clone(),
                    reason: UnassignReason::AgentAway,
                });
                let carried = Carried { raised: assignment.raised, sla_settled: true, queued_at: now };
                let because = format!("{agent} went away and {} gives conversations back", assignment.entry.queue);
                self.requeue(now, assignment.entry, carried, (agent, &because, true), out);
            }
        }
    }

    /// Puts a conversation taken from an agent back in line (explained, then `Requeued`).
    /// `taken` is the agent, why, and whether they are skipped like a decliner.
    pub(super) fn requeue(
        &mut self,
        now: Millis,
        entry: QueueEntry,
        carried: Carried,
        taken: (&AgentId, &str, bool),
        out: &mut Vec<Action>,
    ) {
        let (agent, because, skip) = taken;
        let id = entry.conversation.clone();
        let queue = entry.queue.clone();
        let text = format!(
            "{id} goes back to {queue} because {because}, keeping its place in line from {}",
            self.clock(entry.waiting_since, self.queue_index.get(&queue).copied())
        );
        out.push(Action::Explain(self.decision(Some(&id), Some(agent), DecisionKind::Requeued, text)));
        out.push(Action::Requeued { conversation: id.clone(), queue });
        self.insert_waiting(now, entry, carried, out);
        if skip {
            self.skip_agent(&id, agent, now, out);
        }
    }
}
