//! Figures for supervisors, per queue.

use std::time::Duration;

use super::Router;
use crate::ids::QueueName;
use crate::millis::Millis;

/// One queue at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStats {
    pub queue: QueueName,
    pub waiting: usize,
    /// The longest any of them has waited (from `waiting_since`).
    pub longest_wait: Duration,
    /// Waiting conversations past their due time.
    pub breached: usize,
    /// Connected agents having the queue's required skills.
    pub agents_serving: usize,
    /// Within business hours (always, for a queue without hours).
    pub open: bool,
}

impl Router {
    /// Every configured queue, in configuration order. Walks each line once: a query for a
    /// dashboard, not part of any decision.
    pub fn queue_stats(&self, now: Millis) -> Vec<QueueStats> {
        self.lines
            .iter()
            .zip(&self.config.queues)
            .map(|(line, config)| {
                let waiting = line.entries.keys().filter_map(|(_, _, _, id)| self.waiting_ref(id));
                let (mut longest_wait, mut breached) = (Duration::ZERO, 0);
                for waiting in waiting {
                    longest_wait = longest_wait.max(now.since(waiting.entry.waiting_since));
                    breached += usize::from(waiting.due.is_some_and(|due| due <= now));
                }
                QueueStats {
                    queue: config.name.clone(),
                    waiting: line.entries.len(),
                    longest_wait,
                    breached,
                    agents_serving: line.serving,
                    open: config.is_open(now),
                }
            })
            .collect()
    }
}
