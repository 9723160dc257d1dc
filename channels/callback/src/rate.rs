//! Keyed rate limits with bounded memory: at most `limit` requests per key over a sliding
//! period. Each key keeps one time, when its count will have decayed to zero; every request
//! moves it on by one share of the period (the period divided by the limit), and a request
//! fits while that time stays within one period from now (GCRA, as the console's login
//! limits count failures).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use switchboard_channel::Millis;

/// Most keys with a count still running at once. A flood that fills the book is refused for
/// new keys until counts decay, rather than evicting (and so forgiving) others' counts.
const MAX_KEYS: usize = 100_000;
/// The book is swept for decayed keys when it grows past twice its size at the last sweep,
/// and never below this many keys: sweeping stays amortised O(1) per request.
const MIN_SWEEP: usize = 1024;

/// One limit, over any number of keys.
pub struct KeyedLimit<K> {
    share_us: i64,
    period_us: i64,
    book: Mutex<Book<K>>,
}

struct Book<K> {
    clear_at: HashMap<K, i64>,
    sweep_at: usize,
}

impl<K: Hash + Eq> KeyedLimit<K> {
    pub fn new(limit: u32, period: Duration) -> Self {
        let period_us = i64::try_from(period.as_micros()).unwrap_or(i64::MAX);
        Self {
            share_us: period_us / i64::from(limit.max(1)),
            period_us,
            book: Mutex::new(Book { clear_at: HashMap::new(), sweep_at: MIN_SWEEP }),
        }
    }

    /// Counts one request for `key` at `now`; `Err` with how long until one would fit when
    /// the key is over its limit (nothing is counted then).
    pub fn check(&self, key: K, now: Millis) -> Result<(), Duration> {
        let now_us = now.0.saturating_mul(1000);
        // A poisoned lock only means a panic elsewhere mid-update of plain numbers.
        let mut book = self.book.lock().unwrap_or_else(PoisonError::into_inner);
        if book.clear_at.len() >= book.sweep_at {
            book.clear_at.retain(|_, clear| *clear > now_us);
            book.sweep_at = (book.clear_at.len() * 2).max(MIN_SWEEP);
        }
        let full = book.clear_at.len() >= MAX_KEYS;
        let clear = match book.clear_at.get(&key) {
            Some(clear) => (*clear).max(now_us),
            None if full => return Err(Duration::from_secs(1)),
            None => now_us,
        };
        let next = clear.saturating_add(self.share_us);
        if next - now_us > self.period_us {
            let wait_us = next - now_us - self.period_us;
            return Err(Duration::from_micros(wait_us.unsigned_abs()));
        }
        book.clear_at.insert(key, next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_refuses_until_a_share_has_passed() {
        let l = KeyedLimit::new(5, Duration::from_secs(3600));
        let t0 = Millis(1_000_000);
        for _ in 0..5 {
            l.check("+8613800138000", t0).unwrap();
        }
        let wait = l.check("+8613800138000", t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(720), "one fifth of the hour");
        l.check("+12025550143", t0).expect("another key has its own count");
        assert!(l.check("+8613800138000", t0.plus(Duration::from_secs(719))).is_err());
        l.check("+8613800138000", t0.plus(Duration::from_secs(720))).unwrap();
    }
}
