//! What every websocket of the daemon shares: close codes, error codes and the rate limiter.

use std::time::{Duration, Instant};

/// Websocket close codes of the wire contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    /// The server is shutting down.
    GoingAway,
    /// Frames that are not valid JSON frames, too many times.
    Malformed,
    /// Bad or missing credentials, a first frame that is not `hello`, an expired session.
    Unauthorized,
    /// No `hello` within the time allowed.
    HelloTimeout,
    /// A frame over the size limit.
    TooLarge,
    /// Rate limited beyond tolerance.
    RateLimited,
    /// The client reads too slowly and its queue of frames is full.
    SlowConsumer,
    /// The store failed while the session started; the client reconnects shortly.
    Unavailable,
}

impl CloseCode {
    pub const fn code(self) -> u16 {
        match self {
            CloseCode::GoingAway => 1001,
            CloseCode::Malformed => 4400,
            CloseCode::Unauthorized => 4401,
            CloseCode::HelloTimeout => 4408,
            CloseCode::TooLarge => 4413,
            CloseCode::RateLimited => 4429,
            // 1008 "policy violation": the contract names no code for it, and this standard one
            // tells the client not to expect the frames it missed (it resumes with resume_after).
            CloseCode::SlowConsumer => 1008,
            // 1013 "try again later": standard, and unlike 1001 it does not claim a shutdown.
            CloseCode::Unavailable => 1013,
        }
    }

    pub const fn reason(self) -> &'static str {
        match self {
            CloseCode::GoingAway => "server shutting down",
            CloseCode::Malformed => "malformed frames",
            CloseCode::Unauthorized => "unauthorized",
            CloseCode::HelloTimeout => "no hello in time",
            CloseCode::TooLarge => "frame too large",
            CloseCode::RateLimited => "rate limited",
            CloseCode::SlowConsumer => "client reads too slowly",
            CloseCode::Unavailable => "try again later",
        }
    }
}

/// Error codes of `error` frames and HTTP error bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    TooLarge,
    RateLimited,
    InvalidPhone,
    Conflict,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InvalidPhone => "invalid_phone",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

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
