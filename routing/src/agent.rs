//! Agents as routing sees them: skills, capacity per channel, presence and the work they hold.

use std::collections::BTreeMap;

use crate::ids::{AgentId, ChannelName, ConversationId, OfferId};
use crate::millis::Millis;
use crate::skills::{Skills, add_spelled};

/// The status an agent chooses on the console (or the engine sets after missed offers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Takes new offers.
    Available,
    /// Keeps working assigned conversations but is offered nothing new.
    Away,
}

/// Where an agent stands, including the state the engine imposes on a lost connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Available,
    Away,
    /// No session open; the assigned conversations are kept until `until`, then requeued.
    Disconnected {
        until: Millis,
    },
}

impl From<Status> for Presence {
    fn from(status: Status) -> Self {
        match status {
            Status::Available => Presence::Available,
            Status::Away => Presence::Away,
        }
    }
}

/// How many conversations (assigned plus offered) an agent holds at once: `total` overall and,
/// for the channels listed, at most that many on the channel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capacity {
    pub total: u32,
    pub per_channel: BTreeMap<ChannelName, u32>,
}

impl Capacity {
    /// `total` overall, no per-channel limits.
    pub fn new(total: u32) -> Self {
        Self { total, per_channel: BTreeMap::new() }
    }

    /// The limit on `channel`, if it has its own.
    pub fn on(&self, channel: &ChannelName) -> Option<u32> {
        self.per_channel.get(channel).copied()
    }
}

/// What the daemon knows about an agent when a session opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfile {
    pub id: AgentId,
    /// Languages and specialities with levels, e.g. `zh`, `en`, `refund:2`.
    pub skills: Skills,
    pub capacity: Capacity,
}

impl AgentProfile {
    /// An agent without skills holding at most `total` conversations, on any channels.
    pub fn new(id: impl Into<AgentId>, total: u32) -> Self {
        Self { id: id.into(), skills: Skills::new(), capacity: Capacity::new(total) }
    }

    /// The same agent with `skills` added (`refund` or `refund:2`).
    pub fn with_skills<S: Into<String>>(mut self, skills: impl IntoIterator<Item = S>) -> Self {
        add_spelled(&mut self.skills, skills);
        self
    }

    /// The same agent holding at most `limit` conversations on `channel`.
    pub fn with_channel_capacity(mut self, channel: impl Into<ChannelName>, limit: u32) -> Self {
        self.capacity.per_channel.insert(channel.into(), limit);
        self
    }
}

/// A read-only snapshot of one agent, for metrics and the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLoad {
    pub agent: AgentId,
    pub presence: Presence,
    pub capacity: Capacity,
    pub skills: Skills,
    pub assigned: Vec<ConversationId>,
    /// Outstanding offers; they count toward the load so nobody is offered past capacity.
    pub offers: Vec<OfferId>,
    /// Assigned plus offered, per channel.
    pub per_channel: BTreeMap<ChannelName, usize>,
    /// When the agent was last assigned a conversation (or first seen).
    pub idle_since: Millis,
    /// When the agent was last offered a conversation (or connected); older wins ties.
    pub last_offer_at: Millis,
    /// Offers let time out since the last accept or decline.
    pub missed_in_a_row: u32,
}

impl AgentLoad {
    /// Assigned conversations plus outstanding offers.
    pub fn load(&self) -> usize {
        self.assigned.len() + self.offers.len()
    }
}

/// The engine's record of an agent that is online or within its grace period.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub(crate) skills: Skills,
    pub(crate) capacity: Capacity,
    pub(crate) presence: Presence,
    /// Each held conversation and offer with its channel, so the load per channel is exact.
    pub(crate) assigned: BTreeMap<ConversationId, ChannelName>,
    pub(crate) offers: BTreeMap<OfferId, ChannelName>,
    pub(crate) channel_load: BTreeMap<ChannelName, usize>,
    pub(crate) idle_since: Millis,
    pub(crate) last_offer_at: Millis,
    pub(crate) missed_in_a_row: u32,
    /// The queues (by position in the configuration) whose required skills the agent has.
    pub(crate) serves: Vec<usize>,
}

impl Agent {
    /// An agent first seen at `now`, taking nothing until its profile and status are set.
    pub(crate) fn new(now: Millis) -> Self {
        Self {
            skills: Skills::new(),
            capacity: Capacity::default(),
            presence: Presence::Away,
            assigned: BTreeMap::new(),
            offers: BTreeMap::new(),
            channel_load: BTreeMap::new(),
            idle_since: now,
            last_offer_at: now,
            missed_in_a_row: 0,
            serves: Vec::new(),
        }
    }

    pub(crate) fn load(&self) -> usize {
        self.assigned.len() + self.offers.len()
    }

    pub(crate) fn load_on(&self, channel: &ChannelName) -> usize {
        self.channel_load.get(channel).copied().unwrap_or(0)
    }

    /// Room overall, ignoring channels.
    pub(crate) fn spare_total(&self) -> usize {
        (self.capacity.total as usize).saturating_sub(self.load())
    }

    /// Room for one more conversation on `channel`, overall and on the channel: the spare the
    /// choice ranks by (the channel's own limit where it has one, otherwise the total), or
    /// `None` when it is full either way.
    pub(crate) fn spare_on(&self, channel: &ChannelName) -> Option<usize> {
        let total = self.spare_total();
        let spare = match self.capacity.on(channel) {
            Some(limit) => (limit as usize).saturating_sub(self.load_on(channel)),
            None => total,
        };
        (total > 0 && spare > 0).then_some(spare)
    }

    /// Room for one more assigned conversation on `channel` once offers are withdrawn: what a
    /// transfer needs.
    pub(crate) fn can_be_assigned(&self, channel: &ChannelName) -> bool {
        let on_channel = self.assigned.values().filter(|held| *held == channel).count();
        self.assigned.len() < self.capacity.total as usize
            && self.capacity.on(channel).is_none_or(|limit| on_channel < limit as usize)
    }

    pub(crate) fn is_available(&self) -> bool {
        self.presence == Presence::Available
    }

    pub(crate) fn is_disconnected(&self) -> bool {
        matches!(self.presence, Presence::Disconnected { .. })
    }

    pub(crate) fn hold(&mut self, channel: &ChannelName) {
        *self.channel_load.entry(channel.clone()).or_insert(0) += 1;
    }

    pub(crate) fn let_go(&mut self, channel: &ChannelName) {
        if let Some(load) = self.channel_load.get_mut(channel) {
            *load = load.saturating_sub(1);
            if *load == 0 {
                self.channel_load.remove(channel);
            }
        }
    }

    pub(crate) fn snapshot(&self, id: &AgentId) -> AgentLoad {
        AgentLoad {
            agent: id.clone(),
            presence: self.presence,
            capacity: self.capacity.clone(),
            skills: self.skills.clone(),
            assigned: self.assigned.keys().cloned().collect(),
            offers: self.offers.keys().cloned().collect(),
            per_channel: self.channel_load.clone(),
            idle_since: self.idle_since,
            last_offer_at: self.last_offer_at,
            missed_in_a_row: self.missed_in_a_row,
        }
    }
}
