//! Keeping the indexes right: every change to an agent or a waiting conversation goes through
//! these, so rankings, pools, lines and per-queue figures never drift from the records.

use std::cmp::Reverse;

use super::Router;
use super::state::{Place, PoolKey, ReadyKey, Reported};
use crate::agent::Agent;
use crate::ids::{AgentId, ChannelName, ConversationId};
use crate::skills::{Skills, meets};

/// Where `agent` ranks on `channel`: only an available agent with room there is ranked.
fn ready_key(agent: &Agent, id: &AgentId, channel: &ChannelName) -> Option<ReadyKey> {
    let spare = agent.spare_on(channel).filter(|_| agent.is_available())?;
    Some((Reverse(spare), agent.last_offer_at, id.clone()))
}

impl Router {
    /// Changes an agent and re-indexes them. An agent who gained room or became available is
    /// noted, so matching looks for work for them.
    pub(super) fn with_agent<R>(&mut self, id: &AgentId, change: impl FnOnce(&mut Agent) -> R) -> Option<R> {
        let (load, available) = self.agents.get(id).map(|agent| (agent.load(), agent.is_available()))?;
        self.index_agent(id, false, false);
        let agent = self.agents.get_mut(id)?;
        let result = change(agent);
        let now_available = agent.is_available();
        let gained = agent.load() < load || (now_available && !available);
        if now_available != available {
            self.index_presence(id, available, false);
        }
        self.index_agent(id, true, now_available != available);
        if gained {
            self.to_fill.insert(id.clone());
        }
        Some(result)
    }

    /// Adds the agent to (or removes them from) the channel rankings, the figures of the queues
    /// they serve and, with `presence`, the presence sets, exactly as their current state says.
    pub(super) fn index_agent(&mut self, id: &AgentId, add: bool, presence: bool) {
        let Some(agent) = self.agents.get(id) else {
            return;
        };
        for channel in &self.channels {
            if let Some(key) = ready_key(agent, id, channel)
                && let Some(ranking) = self.ready.get_mut(channel)
            {
                if add {
                    ranking.insert(&agent.skills, key);
                } else {
                    ranking.remove(&agent.skills, &key);
                }
            }
        }
        let available = agent.is_available();
        if presence {
            self.index_presence(id, available, add);
        }
        let Some(agent) = self.agents.get(id) else {
            return;
        };
        let (slots, free) = (agent.capacity.total as usize, agent.spare_total());
        for &queue in &agent.serves {
            let line = &mut self.lines[queue];
            let connected = usize::from(!agent.is_disconnected());
            let (slots, free) = if agent.is_available() { (slots, free) } else { (0, 0) };
            if add {
                line.serving += connected;
                line.slots += slots;
                line.free += free;
            } else {
                line.serving -= connected;
                line.slots -= slots;
                line.free -= free;
            }
        }
    }

    /// Adds the agent to (or removes them from) the set of available or of unavailable agents.
    fn index_presence(&mut self, id: &AgentId, available: bool, add: bool) {
        let set = if available { &mut self.available } else { &mut self.unavailable };
        if add {
            set.insert(id.clone());
        } else {
            set.remove(id);
        }
    }

    /// The queues whose required skills `skills` meet.
    pub(super) fn served_by(&self, skills: &Skills) -> Vec<usize> {
        (0..self.config.queues.len()).filter(|&queue| meets(skills, &self.queue_config(queue).skills)).collect()
    }

    /// Starts ranking agents on a channel the first time a conversation arrives on it.
    pub(super) fn ensure_channel(&mut self, channel: &ChannelName) {
        if !self.channels.insert(channel.clone()) {
            return;
        }
        let ranking = self.ready.entry(channel.clone()).or_default();
        for (id, agent) in &self.agents {
            if let Some(key) = ready_key(agent, id, channel) {
                ranking.insert(&agent.skills, key);
            }
        }
    }

    /// The agent's key in the ranking of `channel`, if they are in it.
    pub(super) fn ready_key(&self, id: &AgentId, channel: &ChannelName) -> Option<ReadyKey> {
        ready_key(self.agents.get(id)?, id, channel)
    }

    /// Puts a waiting conversation in its queue's line under its current key.
    pub(super) fn line(&mut self, id: &ConversationId, reported: Option<Reported>) {
        let Some(waiting) = self.waiting_mut(id) else {
            return;
        };
        waiting.key = waiting.line_key();
        let (queue, key) = (waiting.queue, waiting.key.clone());
        let line = &mut self.lines[queue];
        line.entries.insert(key, reported);
        line.reshuffled = true;
        self.touched.insert(id.clone());
    }

    /// Takes a waiting conversation out of its line, returning what was last reported to it.
    pub(super) fn unline(&mut self, id: &ConversationId) -> Option<Reported> {
        let waiting = match self.conversations.get(id) {
            Some(super::Routed::Waiting(waiting)) => waiting,
            _ => return None,
        };
        let line = &mut self.lines[waiting.queue];
        line.reshuffled = true;
        line.entries.remove(&waiting.key).flatten()
    }

    /// Indexes a waiting conversation without an offer for matching.
    pub(super) fn pool(&mut self, id: &ConversationId) {
        let Some(waiting) = self.waiting_mut(id) else {
            return;
        };
        if waiting.offer.is_some() || waiting.place.is_some() {
            return;
        }
        let place = match &waiting.sticky {
            Some(agent) => Place::Sticky(agent.clone()),
            None => Place::Pool(PoolKey {
                queue: waiting.queue,
                channel: waiting.entry.channel.clone(),
                needs: waiting.needs.clone(),
            }),
        };
        waiting.place = Some(place.clone());
        let key = waiting.key.clone();
        match place {
            Place::Pool(pool) => self.pools.entry(pool).or_default().insert(key),
            Place::Sticky(agent) => self.sticky.entry(agent).or_default().insert(key),
        };
    }

    /// Takes a waiting conversation out of the matching index.
    pub(super) fn unpool(&mut self, id: &ConversationId) {
        let Some(waiting) = self.waiting_mut(id) else {
            return;
        };
        let Some(place) = waiting.place.take() else {
            return;
        };
        let key = waiting.key.clone();
        match place {
            Place::Pool(pool) => {
                if let Some(keys) = self.pools.get_mut(&pool) {
                    keys.remove(&key);
                    if keys.is_empty() {
                        self.pools.remove(&pool);
                    }
                }
            }
            Place::Sticky(agent) => {
                if let Some(keys) = self.sticky.get_mut(&agent) {
                    keys.remove(&key);
                    if keys.is_empty() {
                        self.sticky.remove(&agent);
                    }
                }
            }
        }
    }

    /// Changes a waiting conversation and re-indexes it: line, pool, and matching.
    pub(super) fn rekey(&mut self, id: &ConversationId, change: impl FnOnce(&mut super::Waiting)) {
        let reported = self.unline(id);
        self.unpool(id);
        if let Some(waiting) = self.waiting_mut(id) {
            change(waiting);
        }
        self.line(id, reported);
        self.pool(id);
        self.to_place.insert(id.clone());
    }
}
