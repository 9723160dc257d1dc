//! The events the driver feeds in. Each returns the actions to execute, in order.
//!
//! Events that return a plain list first fire every deadline already due, so a late `tick` never
//! changes the outcome. Events that can be refused (`accept`, `decline`, `transfer_to_agent`,
//! `release`, `set_status`, `enqueue`) validate first and change nothing when they refuse; an offer
//! whose `expires_at` is not after `now` counts as expired even before `tick` has revoked it.

use super::{Carried, Router};
use crate::action::{Action, RevokeReason, UnassignReason};
use crate::agent::{Agent, AgentProfile, Presence, Status};
use crate::conversation::QueueEntry;
use crate::deadline::Deadline;
use crate::error::RoutingError;
use crate::ids::{AgentId, ConversationId, OfferId};
use crate::millis::Millis;
use crate::offer::OfferOutcome;
use crate::router::state::Routed;

impl Router {
    /// A conversation enters a queue: new, reopened, transferred to a queue, or re-triaged.
    ///
    /// A conversation already waiting is updated in place (its outstanding offer survives if the
    /// agent still fits). An assigned one is taken from its agent (`Unassigned` `requeued`, then
    /// `Requeued`), and that agent is skipped like a decliner. `waiting_since` is the caller's:
    /// pass the original one to keep the customer's place. A new conversation entering a queue
    /// outside its hours gets `OutsideHours`.
    pub fn enqueue(&mut self, now: Millis, entry: QueueEntry) -> Result<Vec<Action>, RoutingError> {
        let Some(&queue) = self.queue_index.get(&entry.queue) else {
            return Err(RoutingError::UnknownQueue(entry.queue));
        };
        let mut out = Vec::new();
        self.fire_due(now, &mut out);
        let id = entry.conversation.clone();
        match self.conversations.get(&id) {
            Some(Routed::Waiting(_)) => {
                self.update_waiting(now, entry, &mut out);
                self.explain_enqueued(&id, now, &mut out);
            }
            Some(Routed::Assigned(_)) => {
                if let Some(Routed::Assigned(assignment)) = self.remove_routed(&id) {
                    out.push(Action::Unassigned {
                        conversation: id.clone(),
                        agent: assignment.agent.clone(),
                        reason: UnassignReason::Requeued,
                    });
                    let carried = Carried { raised: assignment.raised, sla_settled: true, queued_at: now };
                    let because = format!("it was put back in a queue while {} held it", assignment.agent);
                    self.requeue(now, entry, carried, (&assignment.agent, &because, true), &mut out);
                }
            }
            None => {
                let carried = Carried { raised: None, sla_settled: entry.sla_settled, queued_at: entry.waiting_since };
                self.insert_waiting(now, entry, carried, &mut out);
                self.explain_enqueued(&id, now, &mut out);
                let hours = &self.queue_config(queue).hours;
                if let Some(hours) = hours.as_ref().filter(|hours| !hours.is_open(now)) {
                    out.push(Action::OutsideHours {
                        conversation: id.clone(),
                        queue: self.queue_config(queue).name.clone(),
                        opens_at: hours.next_open(now),
                    });
                }
            }
        }
        self.settle(now, &mut out);
        Ok(out)
    }

    /// A conversation leaves routing: resolved or closed by someone, or withdrawn by the customer.
    /// Its offer is withdrawn; its agent, if any, is told `closed`. Unknown ids are ignored, so a
    /// repeated event is harmless.
    #[must_use]
    pub fn remove(&mut self, now: Millis, conversation: &ConversationId) -> Vec<Action> {
        self.take_out(now, conversation, UnassignReason::Closed)
    }

    /// A conversation leaves routing until it is enqueued again (a callback whose next
    /// attempt is later): like [`Router::remove`], but its agent is told `rescheduled`.
    #[must_use]
    pub fn set_aside(&mut self, now: Millis, conversation: &ConversationId) -> Vec<Action> {
        self.take_out(now, conversation, UnassignReason::Rescheduled)
    }

    fn take_out(&mut self, now: Millis, conversation: &ConversationId, reason: UnassignReason) -> Vec<Action> {
        let mut out = Vec::new();
        self.fire_due(now, &mut out);
        match self.remove_routed(conversation) {
            Some(Routed::Waiting(waiting)) => {
                if let Some(offer) = waiting.offer {
                    self.revoke_offer(&offer, RevokeReason::Withdrawn, &mut out);
                }
            }
            Some(Routed::Assigned(assignment)) => {
                out.push(Action::Unassigned { conversation: conversation.clone(), agent: assignment.agent, reason })
            }
            None => {}
        }
        self.settle(now, &mut out);
        out
    }

    /// An agent's session opened, or their profile changed. An agent back within the grace period
    /// keeps their conversations; one whose grace has run out starts afresh. With several
    /// sessions per agent, call it for each `hello` and `agent_disconnected` for the last close.
    /// A capacity below what the agent already holds keeps the assignments but withdraws offers
    /// and makes no new ones until they are back under it.
    #[must_use]
    pub fn agent_connected(&mut self, now: Millis, profile: AgentProfile, status: Status) -> Vec<Action> {
        let mut out = Vec::new();
        // A grace period that ran out before this call has already requeued the conversations.
        self.fire_due(now, &mut out);
        if !self.agents.contains_key(&profile.id) {
            self.agents.insert(profile.id.clone(), Agent::new(now));
            self.index_agent(&profile.id, true, true);
        }
        let serves = self.served_by(&profile.skills);
        let before = self.agents.get(&profile.id).map(|agent| agent.presence);
        if let Some(Presence::Disconnected { until }) = before {
            self.deadlines.cancel(until, Deadline::Grace(profile.id.clone()));
        }
        self.with_agent(&profile.id, |agent| {
            agent.skills = profile.skills;
            agent.capacity = profile.capacity;
            agent.serves = serves;
            agent.presence = status.into();
        });
        self.to_fill.insert(profile.id.clone());
        self.withdraw_unfit_offers(&profile.id, None, &mut out);
        if status == Status::Away && before != Some(Presence::Away) {
            self.give_back(now, &profile.id, &mut out);
        }
        self.settle(now, &mut out);
        out
    }

    /// An online agent chose `available` or `away`. Going away withdraws outstanding offers and
    /// gives back the conversations of queues whose away policy says so.
    pub fn set_status(&mut self, now: Millis, agent: &AgentId, status: Status) -> Result<Vec<Action>, RoutingError> {
        let state = self.agents.get(agent).ok_or_else(|| RoutingError::UnknownAgent(agent.clone()))?;
        if state.is_disconnected() {
            return Err(RoutingError::AgentOffline(agent.clone()));
        }
        let before = state.presence;
        let mut out = Vec::new();
        self.fire_due(now, &mut out);
        self.with_agent(agent, |state| state.presence = status.into());
        self.withdraw_unfit_offers(agent, None, &mut out);
        if status == Status::Away && before != Presence::Away {
            self.give_back(now, agent, &mut out);
        }
        self.settle(now, &mut out);
        Ok(out)
    }

    /// The agent's last session closed; repeats are ignored. Offers are withdrawn at once (nobody
    /// is there to accept them); assigned conversations are kept until `now + grace`.
    #[must_use]
    pub fn agent_disconnected(&mut self, now: Millis, agent: &AgentId) -> Vec<Action> {
        let mut out = Vec::new();
        self.fire_due(now, &mut out);
        if self.agents.get(agent).is_some_and(|state| !state.is_disconnected()) {
            let until = now + self.config.grace;
            self.with_agent(agent, |state| state.presence = Presence::Disconnected { until });
            self.deadlines.schedule(until, Deadline::Grace(agent.clone()));
            self.withdraw_unfit_offers(agent, None, &mut out);
        }
        self.settle(now, &mut out);
        out
    }

    /// The agent accepts an offer: the conversation is assigned to them. Accepting the same offer
    /// again changes nothing (the frame may arrive twice).
    pub fn accept(&mut self, now: Millis, agent: &AgentId, offer: &OfferId) -> Result<Vec<Action>, RoutingError> {
        let repeated = match self.check_answer(now, agent, offer)? {
            Some(OfferOutcome::Accepted) => true,
            Some(_) => return Err(RoutingError::OfferAnswered(offer.clone())),
            None => false,
        };
        let mut out = Vec::new();
        if !repeated
            && let Some(closed) = self.close_offer(offer, OfferOutcome::Accepted)
            && let Some(Routed::Waiting(waiting)) = self.remove_routed(&closed.conversation)
        {
            self.with_agent(agent, |state| state.missed_in_a_row = 0);
            self.assign(now, waiting.entry, agent, waiting.raised, &mut out);
            // The offer became the assignment: the agent has exactly the room they had, in which
            // nothing was waiting for them.
            self.to_fill.remove(agent);
        }
        self.settle(now, &mut out);
        Ok(out)
    }

    /// The agent declines an offer: it goes to the next eligible agent, and this agent is skipped
    /// for `reoffer_after`. Declining the same offer again changes nothing.
    pub fn decline(&mut self, now: Millis, agent: &AgentId, offer: &OfferId) -> Result<Vec<Action>, RoutingError> {
        let repeated = match self.check_answer(now, agent, offer)? {
            Some(OfferOutcome::Declined) => true,
            Some(_) => return Err(RoutingError::OfferAnswered(offer.clone())),
            None => false,
        };
        let mut out = Vec::new();
        if !repeated && let Some(closed) = self.close_offer(offer, OfferOutcome::Declined) {
            self.with_agent(agent, |state| state.missed_in_a_row = 0);
            self.skip_agent(&closed.conversation, agent, now, &mut out);
        }
        self.settle(now, &mut out);
        Ok(out)
    }

    /// Assigns a waiting or assigned conversation directly to an online agent (a human decision,
    /// so skills are not checked and an away agent may receive it). Refused for an unknown or
    /// disconnected agent and for one whose assigned conversations fill their capacity, overall
    /// or on the conversation's channel; the agent's newest offers are withdrawn if needed to make
    /// room.
    pub fn transfer_to_agent(
        &mut self,
        now: Millis,
        conversation: &ConversationId,
        agent: &AgentId,
    ) -> Result<Vec<Action>, RoutingError> {
        let target = self.agents.get(agent).ok_or_else(|| RoutingError::UnknownAgent(agent.clone()))?;
        if target.is_disconnected() {
            return Err(RoutingError::AgentOffline(agent.clone()));
        }
        if self.assignee(conversation) == Some(agent) {
            let mut out = Vec::new();
            self.settle(now, &mut out);
            return Ok(out);
        }
        let channel = match self.conversations.get(conversation) {
            Some(Routed::Waiting(waiting)) => waiting.entry.channel.clone(),
            Some(Routed::Assigned(assignment)) => assignment.entry.channel.clone(),
            None => return Err(RoutingError::UnknownConversation(conversation.clone())),
        };
        if !target.can_be_assigned(&channel) {
            return Err(RoutingError::AgentAtCapacity(agent.clone()));
        }
        let mut out = Vec::new();
        let (entry, raised) = match self.remove_routed(conversation) {
            Some(Routed::Waiting(waiting)) => {
                if let Some(offer) = &waiting.offer {
                    self.revoke_offer(offer, RevokeReason::Taken, &mut out);
                }
                (waiting.entry, waiting.raised)
            }
            Some(Routed::Assigned(assignment)) => {
                out.push(Action::Unassigned {
                    conversation: conversation.clone(),
                    agent: assignment.agent,
                    reason: UnassignReason::Transferred,
                });
                (assignment.entry, assignment.raised)
            }
            None => return Err(RoutingError::UnknownConversation(conversation.clone())),
        };
        self.withdraw_unfit_offers(agent, Some(&channel), &mut out);
        self.assign(now, entry, agent, raised, &mut out);
        self.settle(now, &mut out);
        Ok(out)
    }

    /// The agent resolved a conversation assigned to them: it leaves routing and frees capacity.
    pub fn release(
        &mut self,
        now: Millis,
        agent: &AgentId,
        conversation: &ConversationId,
    ) -> Result<Vec<Action>, RoutingError> {
        if self.assignee(conversation) != Some(agent) {
            return Err(RoutingError::NotAssigned { conversation: conversation.clone(), agent: agent.clone() });
        }
        if let Some(Routed::Assigned(assignment)) = self.remove_routed(conversation)
            && let Some(assigned_at) = assignment.assigned_at
        {
            self.handling.record(now.since(assigned_at));
        }
        let mut out = Vec::new();
        self.settle(now, &mut out);
        Ok(out)
    }

    /// Time passed: fire every deadline due at `now`, then re-match.
    #[must_use]
    pub fn tick(&mut self, now: Millis) -> Vec<Action> {
        let mut out = Vec::new();
        self.settle(now, &mut out);
        out
    }

    /// Whether `agent` may answer `offer` at `now`: `None` if it is open, the earlier answer if
    /// this agent already gave one, otherwise why not.
    fn check_answer(
        &self,
        now: Millis,
        agent: &AgentId,
        offer: &OfferId,
    ) -> Result<Option<OfferOutcome>, RoutingError> {
        if let Some(open) = self.offers.get(offer) {
            // Another agent's offer is "not found": ids reveal nothing across agents.
            if open.agent != *agent {
                return Err(RoutingError::OfferNotFound(offer.clone()));
            }
            if open.expires_at <= now {
                return Err(RoutingError::OfferExpired(offer.clone()));
            }
            return Ok(None);
        }
        match self.closed_offers.get(offer) {
            Some((owner, outcome)) if owner == agent => match *outcome {
                OfferOutcome::Revoked(RevokeReason::Timeout) => Err(RoutingError::OfferExpired(offer.clone())),
                OfferOutcome::Revoked(reason) => Err(RoutingError::OfferRevoked { offer: offer.clone(), reason }),
                answered => Ok(Some(answered)),
            },
            _ => Err(RoutingError::OfferNotFound(offer.clone())),
        }
    }

    /// Fires every deadline at or before `now`, earliest first, each at its own instant.
    pub(super) fn fire_due(&mut self, now: Millis, out: &mut Vec<Action>) {
        while let Some((at, deadline)) = self.deadlines.pop_due(now) {
            match deadline {
                Deadline::OfferExpiry(id) => self.expire_offer(&id, at, out),
                Deadline::Grace(agent) => self.expire_grace(at, &agent, out),
                Deadline::Reoffer(conversation, _) => {
                    self.to_place.insert(conversation);
                }
                Deadline::Rule(conversation) => {
                    if let Some(waiting) = self.waiting_mut(&conversation) {
                        waiting.rule_at = None;
                    }
                    self.evaluate(&conversation, at, out);
                }
                Deadline::Positions => {
                    self.tail_refresh = None;
                    self.refresh_tails = true;
                }
            }
        }
    }

    /// The agent stayed away too long: their conversations go back to their queues in their
    /// original place, and the agent is forgotten.
    fn expire_grace(&mut self, now: Millis, agent: &AgentId, out: &mut Vec<Action>) {
        let Some(state) = self.agents.get(agent) else {
            return;
        };
        let offers: Vec<OfferId> = state.offers.keys().cloned().collect();
        let assigned: Vec<ConversationId> = state.assigned.keys().cloned().collect();
        // Normally none, as offers are withdrawn on disconnect; closing any left keeps every offer
        // pointing at a known agent.
        for offer in &offers {
            self.revoke_offer(offer, RevokeReason::Withdrawn, out);
        }
        for conversation in assigned {
            if let Some(Routed::Assigned(assignment)) = self.remove_routed(&conversation) {
                out.push(Action::Unassigned {
                    conversation: conversation.clone(),
                    agent: agent.clone(),
                    reason: UnassignReason::AgentOffline,
                });
                let carried = Carried { raised: assignment.raised, sla_settled: true, queued_at: now };
                let because = format!("{agent} stayed disconnected past the grace period");
                self.requeue(now, assignment.entry, carried, (agent, &because, false), out);
            }
        }
        self.index_agent(agent, false, true);
        self.agents.remove(agent);
        self.to_fill.remove(agent);
    }
}
