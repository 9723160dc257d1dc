//! The supervisors' `stats` feed: who subscribed, the agents' names and how many
//! conversations each resolved today, and when the next frame is due (every few seconds,
//! and soon after a change).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use switchboard_routing::{Presence, Router};

use super::convert::{domain_agent_id, millis};
use crate::agent_wire::frames::ConsoleFrame;
use crate::agent_wire::stats::{AgentStats, QueueStats, Stats};
use crate::domain::{Agent, AgentId, Millis, to_rfc3339};
use crate::hub::Frame;
use crate::store::Store;

/// A frame at least this often while anyone subscribes.
const EVERY: Duration = Duration::from_secs(5);
/// At most one frame this often, however much changes.
const MIN_GAP: Duration = Duration::from_secs(1);
const DAY_MS: i64 = 86_400_000;

pub(super) struct StatsFeed {
    subscribers: BTreeSet<AgentId>,
    names: HashMap<AgentId, String>,
    /// Conversations resolved per agent on `day` (days since the Unix epoch, UTC).
    handled: HashMap<AgentId, u32>,
    day: i64,
    last_push: Millis,
    /// Something changed since the last frame.
    changed: bool,
}

impl StatsFeed {
    pub(super) fn new(now: Millis) -> Self {
        Self {
            subscribers: BTreeSet::new(),
            names: HashMap::new(),
            handled: HashMap::new(),
            day: now.0.div_euclid(DAY_MS),
            last_push: now,
            changed: false,
        }
    }

    /// Counts today's resolutions from the store, so a restart does not reset them.
    pub(super) async fn restore(&mut self, store: &dyn Store, now: Millis) {
        let midnight = Millis(now.0.div_euclid(DAY_MS) * DAY_MS);
        match store.resolved_since(midnight).await {
            Ok(counts) => self.handled = counts.into_iter().collect(),
            Err(e) => tracing::warn!(error = %e, "Today's resolutions not counted"),
        }
        for agent in store.agents().await.unwrap_or_default() {
            self.names.insert(agent.id, agent.name);
        }
    }

    pub(super) fn named(&mut self, agent: &Agent) {
        self.names.insert(agent.id.clone(), agent.name.clone());
    }

    /// An agent's name, as customers are told it.
    pub(super) fn name_of(&self, agent: &AgentId) -> Option<&str> {
        self.names.get(agent).map(String::as_str)
    }

    pub(super) fn subscribe(&mut self, agent: AgentId) {
        self.subscribers.insert(agent);
        // The first frame comes at once.
        self.changed = true;
        self.last_push = Millis(0);
    }

    pub(super) fn unsubscribe(&mut self, agent: &AgentId) {
        self.subscribers.remove(agent);
    }

    pub(super) fn subscribers(&self) -> impl Iterator<Item = &AgentId> {
        self.subscribers.iter()
    }

    pub(super) fn handled(&mut self, agent: &AgentId, now: Millis) {
        let day = now.0.div_euclid(DAY_MS);
        if day != self.day {
            self.handled.clear();
            self.day = day;
        }
        *self.handled.entry(agent.clone()).or_default() += 1;
    }

    /// Routing changed something supervisors see.
    pub(super) fn changed(&mut self) {
        self.changed = true;
    }

    /// When the next frame is due; `None` while nobody subscribes.
    pub(super) fn next_push(&self) -> Option<Millis> {
        if self.subscribers.is_empty() {
            return None;
        }
        let gap = if self.changed { MIN_GAP } else { EVERY };
        Some(self.last_push.plus(gap))
    }

    pub(super) fn pushed(&mut self, now: Millis) {
        self.last_push = now;
        self.changed = false;
    }

    pub(super) fn frame(&self, router: &Router, now: Millis) -> Frame {
        let at = millis(now);
        let queues = router
            .queue_stats(at)
            .into_iter()
            .map(|q| QueueStats {
                queue: q.queue.as_str().to_owned(),
                waiting: q.waiting,
                longest_wait_s: q.longest_wait.as_secs(),
                sla_breaches: q.breached,
                agents_serving: q.agents_serving,
                open: q.open,
            })
            .collect();
        let today = if now.0.div_euclid(DAY_MS) == self.day { Some(&self.handled) } else { None };
        let agents = router
            .agents()
            .into_iter()
            .map(|a| {
                let id = domain_agent_id(&a.agent);
                let mut capacity: BTreeMap<String, u32> =
                    a.capacity.per_channel.iter().map(|(c, n)| (c.as_str().to_owned(), *n)).collect();
                capacity.insert("total".into(), a.capacity.total);
                AgentStats {
                    name: self.names.get(&id).cloned().unwrap_or_default(),
                    handled_today: today.and_then(|h| h.get(&id)).copied().unwrap_or(0),
                    id: id.to_string(),
                    status: match a.presence {
                        Presence::Available => "available",
                        Presence::Away => "away",
                        Presence::Disconnected { .. } => "disconnected",
                    },
                    load: a.per_channel.iter().map(|(c, n)| (c.as_str().to_owned(), *n)).collect(),
                    capacity,
                }
            })
            .collect();
        let stats = Stats { at: to_rfc3339(now), queues, agents };
        Arc::from(ConsoleFrame::Stats(stats).to_json())
    }
}
