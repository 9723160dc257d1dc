//! The engine: queues, agents and offers, the read-only queries over them, and the bookkeeping
//! every event shares. The events themselves live in the submodules.

mod events;
mod matching;
mod positions;
mod restore;

use std::collections::{BTreeMap, BTreeSet};

use crate::action::{Action, QueuePosition, RevokeReason};
use crate::agent::{Agent, AgentLoad, Presence};
use crate::config::RoutingConfig;
use crate::conversation::{Assignment, OrderKey, QueueEntry, Routed, Waiting, WaitingConversation};
use crate::deadline::{Deadline, Deadlines};
use crate::error::ConfigError;
use crate::estimate::HandlingTimes;
use crate::ids::{AgentId, ConversationId, OfferId, QueueName};
use crate::millis::Millis;
use crate::offer::{ClosedOffers, Offer, OfferIds, OfferOutcome};

/// The routing decision engine. Owned by one driver task; see the crate documentation.
#[derive(Debug)]
pub struct Router {
    config: RoutingConfig,
    /// Required skills per configured queue; also the set of valid queue names.
    queue_skills: BTreeMap<QueueName, BTreeSet<String>>,
    conversations: BTreeMap<ConversationId, Routed>,
    /// Every waiting conversation, most urgent then longest waiting first.
    order: BTreeSet<OrderKey>,
    /// Agents online or within their grace period; an agent past it is forgotten.
    agents: BTreeMap<AgentId, Agent>,
    offers: BTreeMap<OfferId, Offer>,
    closed_offers: ClosedOffers,
    offer_ids: OfferIds,
    deadlines: Deadlines,
    handling: HandlingTimes,
    /// The positions last reported, so only changes are sent to customers.
    positions: BTreeMap<ConversationId, QueuePosition>,
}

impl Router {
    /// An empty engine. `started` (normally the current time) makes offer ids unique across
    /// restarts.
    pub fn new(config: RoutingConfig, started: Millis) -> Result<Self, ConfigError> {
        let queue_skills = config.queue_skills()?;
        Ok(Self {
            handling: HandlingTimes::new(config.handling_samples, config.default_handling_time),
            config,
            queue_skills,
            conversations: BTreeMap::new(),
            order: BTreeSet::new(),
            agents: BTreeMap::new(),
            offers: BTreeMap::new(),
            closed_offers: ClosedOffers::default(),
            offer_ids: OfferIds::new(started),
            deadlines: Deadlines::default(),
            positions: BTreeMap::new(),
        })
    }

    /// The queue for conversations nothing more specific applies to.
    pub fn default_queue(&self) -> &QueueName {
        &self.config.default_queue
    }

    /// When `tick` must next be called, if anything is pending.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.deadlines.next()
    }

    /// The position last reported for a waiting conversation.
    pub fn position(&self, conversation: &ConversationId) -> Option<QueuePosition> {
        self.positions.get(conversation).cloned()
    }

    /// The agent a conversation is assigned to.
    pub fn assignee(&self, conversation: &ConversationId) -> Option<&AgentId> {
        match self.conversations.get(conversation) {
            Some(Routed::Assigned(assignment)) => Some(&assignment.agent),
            _ => None,
        }
    }

    /// One agent's presence and load, if online or within the grace period.
    pub fn agent(&self, agent: &AgentId) -> Option<AgentLoad> {
        self.agents.get(agent).map(|state| state.snapshot(agent))
    }

    /// Every agent online or within the grace period, by id.
    pub fn agents(&self) -> Vec<AgentLoad> {
        self.agents.iter().map(|(id, state)| state.snapshot(id)).collect()
    }

    /// The conversations waiting in `queue`, first in line first.
    pub fn waiting(&self, queue: &QueueName) -> Vec<WaitingConversation> {
        self.order
            .iter()
            .filter_map(|(_, _, id)| match self.conversations.get(id) {
                Some(Routed::Waiting(waiting)) if waiting.entry.queue == *queue => Some(self.view(waiting)),
                _ => None,
            })
            .collect()
    }

    fn view(&self, waiting: &Waiting) -> WaitingConversation {
        WaitingConversation {
            entry: waiting.entry.clone(),
            offer: waiting
                .offer
                .as_ref()
                .and_then(|id| self.offers.get(id).map(|offer| (id.clone(), offer.agent.clone()))),
            skipped: waiting.skipped.clone(),
        }
    }

    /// The queue's skills plus the entry's own.
    fn required_skills(&self, entry: &QueueEntry) -> BTreeSet<String> {
        let mut required = self.queue_skills.get(&entry.queue).cloned().unwrap_or_default();
        required.extend(entry.skills.iter().cloned());
        required
    }

    /// Puts a conversation in line, with nobody skipped and no offer yet.
    fn insert_waiting(&mut self, entry: QueueEntry) {
        let required = self.required_skills(&entry);
        self.order.insert(entry.order_key());
        self.conversations.insert(
            entry.conversation.clone(),
            Routed::Waiting(Waiting { entry, required, offer: None, skipped: BTreeMap::new() }),
        );
    }

    /// Replaces a waiting conversation's queue, priority, skills or `waiting_since`, keeping who
    /// was skipped and the outstanding offer while its agent still has the skills.
    fn update_waiting(&mut self, entry: QueueEntry, out: &mut Vec<Action>) {
        let required = self.required_skills(&entry);
        let Some(Routed::Waiting(waiting)) = self.conversations.get_mut(&entry.conversation) else {
            return;
        };
        self.order.remove(&waiting.entry.order_key());
        self.order.insert(entry.order_key());
        waiting.entry = entry;
        waiting.required = required;
        let offered_to =
            waiting.offer.as_ref().and_then(|offer| self.offers.get(offer)).map(|offer| offer.agent.clone());
        if let Some(agent) = offered_to {
            self.withdraw_unfit_offers(&agent, 0, out);
        }
    }

    /// Takes a conversation out of routing, undoing its place in line, its re-offer wake-ups and
    /// its agent's hold on it. An outstanding offer is left for the caller to revoke with the
    /// right reason.
    fn remove_routed(&mut self, id: &ConversationId) -> Option<Routed> {
        let routed = self.conversations.remove(id)?;
        match &routed {
            Routed::Waiting(waiting) => {
                self.order.remove(&waiting.entry.order_key());
                for (agent, at) in &waiting.skipped {
                    self.deadlines.cancel(*at, Deadline::Reoffer(id.clone(), agent.clone()));
                }
            }
            Routed::Assigned(assignment) => {
                if let Some(agent) = self.agents.get_mut(&assignment.agent) {
                    agent.assigned.remove(id);
                }
            }
        }
        Some(routed)
    }

    /// Assigns a conversation that is no longer waiting.
    fn assign(&mut self, now: Millis, entry: QueueEntry, agent: &AgentId, out: &mut Vec<Action>) {
        if let Some(state) = self.agents.get_mut(agent) {
            state.assigned.insert(entry.conversation.clone());
            state.idle_since = now;
        }
        out.push(Action::Assigned { conversation: entry.conversation.clone(), agent: agent.clone() });
        self.conversations.insert(
            entry.conversation.clone(),
            Routed::Assigned(Assignment { entry, agent: agent.clone(), assigned_at: Some(now) }),
        );
    }

    /// Closes an outstanding offer everywhere it is referenced and remembers how it ended.
    fn close_offer(&mut self, id: &OfferId, outcome: OfferOutcome) -> Option<Offer> {
        let offer = self.offers.remove(id)?;
        self.deadlines.cancel(offer.expires_at, Deadline::OfferExpiry(id.clone()));
        if let Some(agent) = self.agents.get_mut(&offer.agent) {
            agent.offers.remove(id);
        }
        if let Some(Routed::Waiting(waiting)) = self.conversations.get_mut(&offer.conversation)
            && waiting.offer.as_ref() == Some(id)
        {
            waiting.offer = None;
        }
        self.closed_offers.record(id.clone(), offer.agent.clone(), outcome);
        Some(offer)
    }

    fn revoke_offer(&mut self, id: &OfferId, reason: RevokeReason, out: &mut Vec<Action>) {
        if let Some(offer) = self.close_offer(id, OfferOutcome::Revoked(reason)) {
            out.push(Action::RevokeOffer {
                offer_id: id.clone(),
                agent: offer.agent,
                conversation: offer.conversation,
                reason,
            });
        }
    }

    /// Withdraws the agent's offers that no longer fit: all of them unless available, those whose
    /// conversation needs skills the agent lacks, and the newest ones beyond capacity once
    /// `reserve` slots are kept free.
    fn withdraw_unfit_offers(&mut self, agent: &AgentId, reserve: usize, out: &mut Vec<Action>) {
        let Some(state) = self.agents.get(agent) else {
            return;
        };
        let available = state.presence == Presence::Available;
        let mut unfit = Vec::new();
        let mut kept = Vec::new();
        for id in &state.offers {
            let Some(offer) = self.offers.get(id) else {
                continue;
            };
            let skilled = matches!(
                self.conversations.get(&offer.conversation),
                Some(Routed::Waiting(waiting)) if state.skills.is_superset(&waiting.required)
            );
            if available && skilled {
                kept.push((offer.expires_at, id.clone()));
            } else {
                unfit.push(id.clone());
            }
        }
        kept.sort();
        let room = (state.capacity as usize).saturating_sub(state.assigned.len()).saturating_sub(reserve);
        while kept.len() > room {
            if let Some((_, newest)) = kept.pop() {
                unfit.push(newest);
            }
        }
        for id in unfit {
            self.revoke_offer(&id, RevokeReason::Withdrawn, out);
        }
    }

    /// Keeps `agent` from being offered `conversation` again until `from + reoffer_after`.
    fn skip_agent(&mut self, conversation: &ConversationId, agent: &AgentId, from: Millis) {
        let at = from + self.config.reoffer_after;
        if let Some(Routed::Waiting(waiting)) = self.conversations.get_mut(conversation) {
            if let Some(before) = waiting.skipped.insert(agent.clone(), at) {
                self.deadlines.cancel(before, Deadline::Reoffer(conversation.clone(), agent.clone()));
            }
            self.deadlines.schedule(at, Deadline::Reoffer(conversation.clone(), agent.clone()));
        }
    }

    /// What every event ends with: fire what is due, offer waiting work to free agents, and
    /// report changed queue positions.
    fn settle(&mut self, now: Millis, out: &mut Vec<Action>) {
        self.fire_due(now, out);
        self.match_waiting(now, out);
        self.report_positions(out);
    }
}
