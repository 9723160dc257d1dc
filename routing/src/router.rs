//! The engine: queues, agents and offers, the read-only queries over them, and the bookkeeping
//! every event shares. The events themselves live in the submodules.

mod events;
mod explain;
mod index;
mod matching;
mod positions;
mod presence;
mod restore;
mod rules;
mod state;
mod stats;

use std::collections::{BTreeMap, BTreeSet};

use crate::action::{Action, QueuePosition, RevokeReason};
use crate::agent::{Agent, AgentLoad};
use crate::config::{QueueConfig, RoutingConfig};
use crate::conversation::{Priority, QueueEntry, WaitingConversation};
use crate::deadline::{Deadline, Deadlines};
use crate::error::ConfigError;
use crate::estimate::HandlingTimes;
use crate::ids::{AgentId, ChannelName, ConversationId, OfferId, QueueName};
use crate::millis::Millis;
use crate::offer::{ClosedOffers, Offer, OfferIds, OfferOutcome};
use crate::skills::{Skills, meets, require};

use state::{Assignment, Line, LineKey, PoolKey, Ready, Routed, Waiting};

pub use stats::QueueStats;

/// The routing decision engine. Owned by one driver task; see the crate documentation.
#[derive(Debug)]
pub struct Router {
    config: RoutingConfig,
    /// Each queue's position in `config.queues`; also the set of valid queue names.
    queue_index: BTreeMap<QueueName, usize>,
    /// One line per configured queue, in configuration order.
    lines: Vec<Line>,
    conversations: BTreeMap<ConversationId, Routed>,
    /// Waiting conversations without an offer, by what they need, in line order.
    pools: BTreeMap<PoolKey, BTreeSet<LineKey>>,
    /// Waiting conversations without an offer reserved for their sticky agent.
    sticky: BTreeMap<AgentId, BTreeSet<LineKey>>,
    /// Agents online or within their grace period; an agent past it is forgotten.
    agents: BTreeMap<AgentId, Agent>,
    /// Channels conversations have arrived on; each has a ranking in `ready`.
    channels: BTreeSet<ChannelName>,
    ready: Ready,
    available: BTreeSet<AgentId>,
    unavailable: BTreeSet<AgentId>,
    offers: BTreeMap<OfferId, Offer>,
    closed_offers: ClosedOffers,
    offer_ids: OfferIds,
    deadlines: Deadlines,
    handling: HandlingTimes,
    /// Conversations that may have become offerable during the current event.
    to_place: BTreeSet<ConversationId>,
    /// Agents who may have gained room or eligibility during the current event.
    to_fill: BTreeSet<AgentId>,
    /// Conversations whose own position must be reported even beyond the head of the line.
    touched: BTreeSet<ConversationId>,
    /// The `Deadline::Positions` pending, if any; set to fire by `fire_due`.
    tail_refresh: Option<Millis>,
    refresh_tails: bool,
}

/// What a conversation keeps when it enters a queue again.
#[derive(Debug, Clone, Copy)]
struct Carried {
    raised: Option<Priority>,
    sla_settled: bool,
    queued_at: Millis,
}

impl Router {
    /// An empty engine. `started` (normally the current time) makes offer ids unique across
    /// restarts.
    pub fn new(config: RoutingConfig, started: Millis) -> Result<Self, ConfigError> {
        let queue_index = config.queue_index()?;
        Ok(Self {
            handling: HandlingTimes::new(config.handling_samples, config.default_handling_time),
            lines: config.queues.iter().map(|_| Line::default()).collect(),
            config,
            queue_index,
            conversations: BTreeMap::new(),
            pools: BTreeMap::new(),
            sticky: BTreeMap::new(),
            agents: BTreeMap::new(),
            channels: BTreeSet::new(),
            ready: Ready::new(),
            available: BTreeSet::new(),
            unavailable: BTreeSet::new(),
            offers: BTreeMap::new(),
            closed_offers: ClosedOffers::default(),
            offer_ids: OfferIds::new(started),
            deadlines: Deadlines::default(),
            to_place: BTreeSet::new(),
            to_fill: BTreeSet::new(),
            touched: BTreeSet::new(),
            tail_refresh: None,
            refresh_tails: false,
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
        let waiting = self.waiting_ref(conversation)?;
        let reported = (*self.lines[waiting.queue].entries.get(&waiting.key)?)?;
        Some(QueuePosition {
            conversation: conversation.clone(),
            queue: waiting.entry.queue.clone(),
            position: reported.position,
            estimated_wait_s: reported.estimated_wait_s,
        })
    }

    /// The agent a conversation is assigned to.
    pub fn assignee(&self, conversation: &ConversationId) -> Option<&AgentId> {
        match self.conversations.get(conversation) {
            Some(Routed::Assigned(assignment)) => Some(&assignment.agent),
            _ => None,
        }
    }

    /// The first-response due time of a waiting conversation, if its queue has a target for its
    /// priority (and, with the clock paused outside hours, the hours open again).
    pub fn sla_due(&self, conversation: &ConversationId) -> Option<Millis> {
        self.waiting_ref(conversation)?.due
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
        let Some(&index) = self.queue_index.get(queue) else {
            return Vec::new();
        };
        self.lines[index]
            .entries
            .keys()
            .filter_map(|(_, _, _, id)| self.waiting_ref(id))
            .map(|w| self.view(w))
            .collect()
    }

    fn view(&self, waiting: &Waiting) -> WaitingConversation {
        WaitingConversation {
            entry: waiting.entry.clone(),
            priority: waiting.priority,
            due: waiting.due,
            needs: waiting.needs.clone(),
            sticky: waiting.sticky.clone(),
            offer: waiting
                .offer
                .as_ref()
                .and_then(|id| self.offers.get(id).map(|offer| (id.clone(), offer.agent.clone()))),
            skipped: waiting.skipped.clone(),
        }
    }

    fn waiting_ref(&self, id: &ConversationId) -> Option<&Waiting> {
        match self.conversations.get(id) {
            Some(Routed::Waiting(waiting)) => Some(waiting),
            _ => None,
        }
    }

    fn waiting_mut(&mut self, id: &ConversationId) -> Option<&mut Waiting> {
        match self.conversations.get_mut(id) {
            Some(Routed::Waiting(waiting)) => Some(waiting),
            _ => None,
        }
    }

    fn queue_config(&self, index: usize) -> &QueueConfig {
        &self.config.queues[index]
    }

    /// The queue's skills plus the entry's own.
    fn required_skills(&self, queue: usize, entry: &QueueEntry) -> Skills {
        let mut required = self.queue_config(queue).skills.clone();
        for (name, level) in &entry.skills {
            require(&mut required, name, *level);
        }
        required
    }

    /// Takes a conversation out of routing, undoing its place in line, its wake-ups and its
    /// agent's hold on it. An outstanding offer is left for the caller to revoke with the right
    /// reason.
    fn remove_routed(&mut self, id: &ConversationId) -> Option<Routed> {
        if let Some(waiting) = self.waiting_ref(id) {
            let (queue, offered) = (waiting.queue, waiting.offer.is_some());
            self.unline(id);
            self.unpool(id);
            if offered {
                self.lines[queue].offers -= 1;
            }
        }
        let routed = self.conversations.remove(id)?;
        match &routed {
            Routed::Waiting(waiting) => {
                for (agent, at) in &waiting.skipped {
                    self.deadlines.cancel(*at, Deadline::Reoffer(id.clone(), agent.clone()));
                }
                if let Some(at) = waiting.rule_at {
                    self.deadlines.cancel(at, Deadline::Rule(id.clone()));
                }
            }
            Routed::Assigned(assignment) => {
                self.with_agent(&assignment.agent, |agent| {
                    if let Some(channel) = agent.assigned.remove(id) {
                        agent.let_go(&channel);
                    }
                });
            }
        }
        Some(routed)
    }

    /// Assigns a conversation that is no longer waiting.
    fn assign(
        &mut self,
        now: Millis,
        entry: QueueEntry,
        agent: &AgentId,
        raised: Option<Priority>,
        out: &mut Vec<Action>,
    ) {
        self.with_agent(agent, |state| {
            state.assigned.insert(entry.conversation.clone(), entry.channel.clone());
            state.hold(&entry.channel);
            state.idle_since = now;
        });
        out.push(Action::Assigned { conversation: entry.conversation.clone(), agent: agent.clone() });
        self.conversations.insert(
            entry.conversation.clone(),
            Routed::Assigned(Assignment { entry, agent: agent.clone(), assigned_at: Some(now), raised }),
        );
    }

    /// Closes an outstanding offer everywhere it is referenced and remembers how it ended. A
    /// conversation still waiting becomes offerable again.
    fn close_offer(&mut self, id: &OfferId, outcome: OfferOutcome) -> Option<Offer> {
        let offer = self.offers.remove(id)?;
        self.deadlines.cancel(offer.expires_at, Deadline::OfferExpiry(id.clone()));
        self.with_agent(&offer.agent, |agent| {
            if let Some(channel) = agent.offers.remove(id) {
                agent.let_go(&channel);
            }
        });
        if let Some(waiting) = self.waiting_mut(&offer.conversation)
            && waiting.offer.as_ref() == Some(id)
        {
            waiting.offer = None;
            let queue = waiting.queue;
            self.lines[queue].offers -= 1;
            self.pool(&offer.conversation);
            self.to_place.insert(offer.conversation.clone());
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

    /// Whether `agent` may hold an offer of `waiting` as far as presence and requirements go
    /// (capacity is the caller's concern).
    fn fits(&self, waiting: &Waiting, agent: &AgentId) -> bool {
        self.agents.get(agent).is_some_and(|state| {
            state.is_available()
                && meets(&state.skills, &waiting.needs)
                && waiting.sticky.as_ref().is_none_or(|sticky| sticky == agent)
        })
    }

    /// Withdraws the agent's offers that no longer fit: all of them unless available, those whose
    /// conversation needs what the agent lacks, and the newest ones beyond capacity (overall and
    /// per channel) once a slot on `reserve` is kept free.
    fn withdraw_unfit_offers(&mut self, agent: &AgentId, reserve: Option<&ChannelName>, out: &mut Vec<Action>) {
        let Some(state) = self.agents.get(agent) else {
            return;
        };
        let mut unfit = Vec::new();
        let mut kept = Vec::new();
        for (id, channel) in &state.offers {
            let fitting = self.offers.get(id).is_some_and(|offer| {
                self.waiting_ref(&offer.conversation).is_some_and(|waiting| self.fits(waiting, agent))
            });
            match self.offers.get(id) {
                Some(offer) if fitting => kept.push((offer.expires_at, id.clone(), channel.clone())),
                _ => unfit.push(id.clone()),
            }
        }
        kept.sort();
        let mut held: BTreeMap<&ChannelName, usize> = BTreeMap::new();
        for channel in state.assigned.values().chain(reserve) {
            *held.entry(channel).or_insert(0) += 1;
        }
        let mut total = state.assigned.len() + usize::from(reserve.is_some());
        for (_, id, channel) in &kept {
            let on_channel = held.get(channel).copied().unwrap_or(0);
            let room_total = total < state.capacity.total as usize;
            let room_channel = state.capacity.on(channel).is_none_or(|limit| on_channel < limit as usize);
            if room_total && room_channel {
                total += 1;
                *held.entry(channel).or_insert(0) += 1;
            } else {
                unfit.push(id.clone());
            }
        }
        for id in unfit {
            self.revoke_offer(&id, RevokeReason::Withdrawn, out);
        }
    }

    /// Keeps `agent` from being offered `conversation` again until `from + reoffer_after`. A
    /// sticky agent passing on it ends the stickiness.
    fn skip_agent(&mut self, conversation: &ConversationId, agent: &AgentId, from: Millis, out: &mut Vec<Action>) {
        let at = from + self.config.reoffer_after;
        let Some(waiting) = self.waiting_mut(conversation) else {
            return;
        };
        let before = waiting.skipped.insert(agent.clone(), at);
        let sticky_ends = waiting.entry.sticky.as_ref() == Some(agent) && !waiting.sticky_ended;
        waiting.sticky_ended |= sticky_ends;
        if let Some(before) = before {
            self.deadlines.cancel(before, Deadline::Reoffer(conversation.clone(), agent.clone()));
        }
        self.deadlines.schedule(at, Deadline::Reoffer(conversation.clone(), agent.clone()));
        if sticky_ends {
            self.evaluate(conversation, from, out);
        }
    }

    /// What every event ends with: fire what is due, offer waiting work to free agents, and
    /// report changed queue positions.
    fn settle(&mut self, now: Millis, out: &mut Vec<Action>) {
        self.fire_due(now, out);
        self.match_pending(now, out);
        self.report_positions(now, out);
    }
}
