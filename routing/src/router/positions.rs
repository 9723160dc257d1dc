//! Queue positions and wait estimates for waiting customers, reported only when they change.
//!
//! A queue whose order or serving figures changed has its first [`HEAD_REPORTED`] positions
//! recomputed at once, as has the own position of every conversation that entered or moved in
//! line within [`RANK_SCAN`] places of either end; positions further back are refreshed by a
//! `Deadline::Positions` at most [`TAIL_REFRESH`] later. So an event costs at most about
//! `HEAD_REPORTED` positions per queue it changed plus `2 × RANK_SCAN` steps per conversation it
//! moved, however long the queue.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Router;
use super::state::{LineKey, Reported};
use crate::action::{Action, QueuePosition};
use crate::deadline::Deadline;
use crate::estimate::estimated_wait_s;
use crate::millis::Millis;

/// Positions recomputed at once at the head of a changed queue.
pub(crate) const HEAD_REPORTED: usize = 100;
/// How late a position beyond the head may be reported.
pub(crate) const TAIL_REFRESH: Duration = Duration::from_secs(10);
/// How far from either end of its line a moved conversation's own position is counted at once.
pub(crate) const RANK_SCAN: usize = 500;

/// The 1-based position of `key`, counted from whichever end is nearer, if within `RANK_SCAN`.
fn rank<V>(entries: &BTreeMap<LineKey, V>, key: &LineKey) -> Option<usize> {
    let mut from_front = entries.keys();
    let mut from_back = entries.keys().rev();
    for step in 0..RANK_SCAN.min(entries.len()) {
        if from_front.next() == Some(key) {
            return Some(step + 1);
        }
        if from_back.next() == Some(key) {
            return Some(entries.len() - step);
        }
    }
    None
}

impl Router {
    /// Emits `QueuePositions` for the waiting conversations whose position or estimate changed,
    /// queue by queue in configuration order and in line order within each.
    pub(super) fn report_positions(&mut self, now: Millis, out: &mut Vec<Action>) {
        let mean = self.handling.mean();
        let refresh_tails = std::mem::take(&mut self.refresh_tails);
        let mut changed = Vec::new();
        let mut refreshed = vec![false; self.lines.len()];
        for (index, line) in self.lines.iter_mut().enumerate() {
            let (ready, slots) = (line.free + line.offers, line.slots);
            let whole = refresh_tails && line.stale_tail;
            if !line.reshuffled && line.basis == Some((ready, slots, mean)) && !whole {
                continue;
            }
            let limit = if whole { usize::MAX } else { HEAD_REPORTED };
            let queue = &self.config.queues[index].name;
            for (at, (key, reported)) in line.entries.iter_mut().enumerate().take(limit) {
                let position = at + 1;
                let now_reported = Reported {
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    estimated_wait_s: estimated_wait_s(position, ready, slots, mean),
                };
                if *reported != Some(now_reported) {
                    *reported = Some(now_reported);
                    changed.push(QueuePosition {
                        conversation: key.3.clone(),
                        queue: queue.clone(),
                        position: now_reported.position,
                        estimated_wait_s: now_reported.estimated_wait_s,
                    });
                }
            }
            line.stale_tail = line.entries.len() > limit;
            line.reshuffled = false;
            line.basis = Some((ready, slots, mean));
            refreshed[index] = whole;
        }
        for id in std::mem::take(&mut self.touched) {
            let Some(waiting) = self.waiting_ref(&id) else {
                continue;
            };
            let (index, key) = (waiting.queue, waiting.key.clone());
            let line = &mut self.lines[index];
            if refreshed[index] {
                continue;
            }
            let Some(position) = rank(&line.entries, &key).filter(|position| *position > HEAD_REPORTED) else {
                continue;
            };
            let now_reported = Reported {
                position: u32::try_from(position).unwrap_or(u32::MAX),
                estimated_wait_s: estimated_wait_s(position, line.free + line.offers, line.slots, mean),
            };
            if let Some(reported) = line.entries.get_mut(&key)
                && *reported != Some(now_reported)
            {
                *reported = Some(now_reported);
                changed.push(QueuePosition {
                    conversation: id,
                    queue: self.config.queues[index].name.clone(),
                    position: now_reported.position,
                    estimated_wait_s: now_reported.estimated_wait_s,
                });
            }
        }
        if self.tail_refresh.is_none() && self.lines.iter().any(|line| line.stale_tail) {
            let at = now + TAIL_REFRESH;
            self.deadlines.schedule(at, Deadline::Positions);
            self.tail_refresh = Some(at);
        }
        if !changed.is_empty() {
            out.push(Action::QueuePositions(changed));
        }
    }
}
