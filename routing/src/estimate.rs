//! Estimated waiting time shown to customers.
//!
//! For the conversation at position `p` of a queue:
//!
//! ```text
//! wait = max(0, p - ready) × H / C
//! ```
//!
//! * `H`: mean handling time (assignment to resolution) of the last `handling_samples`
//!   conversations, or `default_handling_time` before any has been handled;
//! * `C`: total capacity of the available agents having the queue's skills (at least 1, so a
//!   queue nobody is serving still gets a finite, pessimistic figure);
//! * `ready`: their free slots plus the queue's outstanding offers: that many conversations at the
//!   head of the queue are being served now.
//!
//! Slots free at a rate of `C / H`, so the conversation waits for `p - ready` of them. The
//! conversation's own extra skills are ignored: the figure is a customer-facing hint, not a
//! promise. It is rounded up to 10 s below a minute and to whole minutes above, so customers are
//! not sent a new figure for every second of drift.

use std::collections::VecDeque;
use std::time::Duration;

/// The most recent handling times.
#[derive(Debug)]
pub(crate) struct HandlingTimes {
    recent: VecDeque<Duration>,
    keep: usize,
    assumed: Duration,
}

impl HandlingTimes {
    pub(crate) fn new(keep: usize, assumed: Duration) -> Self {
        Self { recent: VecDeque::with_capacity(keep), keep, assumed }
    }

    pub(crate) fn record(&mut self, took: Duration) {
        if self.keep == 0 {
            return;
        }
        if self.recent.len() == self.keep {
            self.recent.pop_front();
        }
        self.recent.push_back(took);
    }

    pub(crate) fn mean(&self) -> Duration {
        if self.recent.is_empty() {
            return self.assumed;
        }
        // Summed in u128 milliseconds: no sample count or length can overflow it.
        let total: u128 = self.recent.iter().map(Duration::as_millis).sum();
        let mean = total / self.recent.len() as u128;
        Duration::from_millis(u64::try_from(mean).unwrap_or(u64::MAX))
    }
}

/// The module formula, in whole seconds, rounded for display.
pub(crate) fn estimated_wait_s(position: usize, ready: usize, slots: usize, mean: Duration) -> u32 {
    let behind = position.saturating_sub(ready) as u64;
    // u64 holds any realistic product; the division is the hot part of reporting positions.
    let mean_ms = u64::try_from(mean.as_millis()).unwrap_or(u64::MAX);
    let wait_ms = mean_ms.saturating_mul(behind) / slots.max(1) as u64;
    let seconds = wait_ms.div_ceil(1000);
    let rounded = if seconds <= 60 { seconds.div_ceil(10) * 10 } else { seconds.div_ceil(60) * 60 };
    u32::try_from(rounded).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_recent_samples() {
        let mut times = HandlingTimes::new(2, Duration::from_secs(300));
        assert_eq!(times.mean(), Duration::from_secs(300));
        times.record(Duration::from_secs(100));
        times.record(Duration::from_secs(200));
        times.record(Duration::from_secs(400));
        assert_eq!(times.mean(), Duration::from_secs(300));
        times.record(Duration::from_secs(0));
        assert_eq!(times.mean(), Duration::from_secs(200));
    }

    #[test]
    fn no_samples_kept_means_the_assumed_time() {
        let mut times = HandlingTimes::new(0, Duration::from_secs(60));
        times.record(Duration::from_secs(1));
        assert_eq!(times.mean(), Duration::from_secs(60));
    }

    #[test]
    fn formula_and_rounding() {
        let five_min = Duration::from_secs(300);
        // Served now: nothing to wait for.
        assert_eq!(estimated_wait_s(2, 2, 4, five_min), 0);
        // One slot must free among 4: 75 s, shown as 2 min.
        assert_eq!(estimated_wait_s(3, 2, 4, five_min), 120);
        // 3 behind among 10 slots: 90 s → 2 min; 1 behind: 30 s.
        assert_eq!(estimated_wait_s(3, 0, 10, five_min), 120);
        assert_eq!(estimated_wait_s(1, 0, 10, five_min), 30);
        // 7 s rounds up to 10 s.
        assert_eq!(estimated_wait_s(1, 0, 1, Duration::from_secs(7)), 10);
        // Nobody serving: counted as one slot.
        assert_eq!(estimated_wait_s(2, 0, 0, five_min), 600);
    }
}
