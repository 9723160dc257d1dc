//! The per-connection rate limiter every websocket session runs its client's frames through.

use std::time::{Duration, Instant};

/// What the limiter says about one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Over the limit: answer `rate_limited` and drop the frame.
    Reject,
    /// Over the limit more often than tolerated: close with 4429.
    Close,
}

/// A token bucket per connection: `rate` frames a second on average, bursts of `burst`, and
/// `tolerance` rejected frames before the connection is closed. The rejections are forgiven
/// once the bucket is full again (the client kept within the rate for a whole burst's worth
/// of time), so a long session is not closed for a few bursts hours apart. One connection's
/// limiter is touched only by its own task, so it needs no lock.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    tolerance: u32,
    rejected: u32,
}

impl RateLimiter {
    pub fn new(rate_per_s: u32, burst: u32, tolerance: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        Self { rate: f64::from(rate_per_s.max(1)), burst, tokens: burst, last: now, tolerance, rejected: 0 }
    }

    /// Takes one token for a frame arriving at `now`.
    pub fn check(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.last);
        self.last = now;
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.rate).min(self.burst);
        if self.tokens >= self.burst {
            self.rejected = 0;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Verdict::Allow;
        }
        self.rejected += 1;
        if self.rejected > self.tolerance { Verdict::Close } else { Verdict::Reject }
    }

    /// How long until the next frame would be allowed.
    pub fn retry_after(&self) -> Duration {
        Duration::from_secs_f64(((1.0 - self.tokens) / self.rate).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_rejects_then_closes() {
        let t0 = Instant::now();
        let mut l = RateLimiter::new(10, 5, 2, t0);
        for _ in 0..5 {
            assert_eq!(l.check(t0), Verdict::Allow);
        }
        assert_eq!(l.check(t0), Verdict::Reject);
        assert_eq!(l.check(t0), Verdict::Reject);
        assert_eq!(l.check(t0), Verdict::Close);
    }

    #[test]
    fn rejections_are_forgiven_once_the_client_keeps_within_the_rate() {
        let t0 = Instant::now();
        let mut l = RateLimiter::new(10, 5, 2, t0);
        let drain = |l: &mut RateLimiter, at| (0..5).for_each(|_| assert_eq!(l.check(at), Verdict::Allow));
        drain(&mut l, t0);
        assert_eq!(l.check(t0), Verdict::Reject);
        assert_eq!(l.check(t0), Verdict::Reject);
        // Half a second refills the bucket: the two rejections no longer count.
        let t1 = t0 + Duration::from_millis(500);
        drain(&mut l, t1);
        assert_eq!(l.check(t1), Verdict::Reject);
        assert_eq!(l.check(t1), Verdict::Reject);
        assert_eq!(l.check(t1), Verdict::Close);
    }

    #[test]
    fn refills_at_the_rate() {
        let t0 = Instant::now();
        let mut l = RateLimiter::new(10, 1, 5, t0);
        assert_eq!(l.check(t0), Verdict::Allow);
        assert_eq!(l.check(t0), Verdict::Reject);
        assert!(l.retry_after() <= Duration::from_millis(100));
        assert_eq!(l.check(t0 + Duration::from_millis(101)), Verdict::Allow);
    }
}
