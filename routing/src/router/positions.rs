//! Queue positions and wait estimates for waiting customers, reported only when they change.

use std::collections::BTreeMap;

use super::Router;
use crate::action::{Action, QueuePosition};
use crate::agent::Presence;
use crate::conversation::Routed;
use crate::estimate::estimated_wait_s;
use crate::ids::QueueName;

/// Who serves a queue right now, for the estimate in `crate::estimate`.
#[derive(Default)]
struct Serving {
    /// Total capacity of the available agents having the queue's skills.
    slots: usize,
    /// Their free slots plus the queue's outstanding offers.
    ready: usize,
    /// Conversations counted so far while walking the line.
    seen: usize,
}

impl Router {
    /// Emits `QueuePositions` for every waiting conversation whose position or estimate changed,
    /// in line order, and remembers what was reported.
    pub(super) fn report_positions(&mut self, out: &mut Vec<Action>) {
        let current = self.current_positions();
        let changed: Vec<QueuePosition> = current
            .iter()
            .filter(|position| self.positions.get(&position.conversation) != Some(position))
            .cloned()
            .collect();
        self.positions = current.into_iter().map(|position| (position.conversation.clone(), position)).collect();
        if !changed.is_empty() {
            out.push(Action::QueuePositions(changed));
        }
    }

    fn current_positions(&self) -> Vec<QueuePosition> {
        let mut serving: BTreeMap<&QueueName, Serving> = self
            .queue_skills
            .iter()
            .map(|(queue, skills)| {
                let mut load = Serving::default();
                for agent in self.agents.values() {
                    if agent.presence == Presence::Available && agent.skills.is_superset(skills) {
                        load.slots += agent.capacity as usize;
                        load.ready += (agent.capacity as usize).saturating_sub(agent.load());
                    }
                }
                (queue, load)
            })
            .collect();
        for offer in self.offers.values() {
            if let Some(Routed::Waiting(waiting)) = self.conversations.get(&offer.conversation)
                && let Some(load) = serving.get_mut(&waiting.entry.queue)
            {
                load.ready += 1;
            }
        }
        let mean = self.handling.mean();
        let mut positions = Vec::with_capacity(self.order.len());
        for (_, _, id) in &self.order {
            let Some(Routed::Waiting(waiting)) = self.conversations.get(id) else {
                continue;
            };
            let Some(load) = serving.get_mut(&waiting.entry.queue) else {
                continue;
            };
            load.seen += 1;
            positions.push(QueuePosition {
                conversation: id.clone(),
                queue: waiting.entry.queue.clone(),
                position: u32::try_from(load.seen).unwrap_or(u32::MAX),
                estimated_wait_s: estimated_wait_s(load.seen, load.ready, load.slots, mean),
            });
        }
        positions
    }
}
