//! Outbox entries and the retry schedule for delivering agent replies.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use switchboard_channel::ChannelKind;

use super::{ConversationId, MessageId, Millis};

/// Where an outbox entry stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting for its next attempt.
    Pending,
    /// Delivered; the adapter's receipt is recorded.
    Sent,
    /// Given up: a permanent failure, or transient failures past the retry horizon.
    Failed,
}

impl OutboxState {
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }
}

impl fmt::Display for OutboxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutboxState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(OutboxState::Pending),
            "sent" => Ok(OutboxState::Sent),
            "failed" => Ok(OutboxState::Failed),
            other => Err(format!("unknown outbox state {other:?}")),
        }
    }
}

/// One message waiting to be (or already) delivered over its channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub channel: ChannelKind,
    pub state: OutboxState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (pending entries only).
    pub next_attempt_at: Millis,
    pub last_error: Option<String>,
    pub created_at: Millis,
}

/// How transient delivery failures are retried: exponential backoff with full jitter, capped,
/// and given up once the entry is older than the horizon so nothing loops forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// How long after the first attempt transient failures are still retried.
    pub horizon: Duration,
}

impl RetryPolicy {
    /// The backoff ceiling before attempt `attempts + 1`: initial × 2^(attempts-1), capped.
    pub fn backoff_ceiling(&self, attempts: u32) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        self.initial_backoff.saturating_mul(1 << exp).min(self.max_backoff)
    }

    /// When to try again after `attempts` failed attempts, or `None` to give up. `jitter` in
    /// [0, 1) picks the point between half the ceiling and the ceiling, so many entries that
    /// failed together do not retry together.
    pub fn next_attempt(&self, created_at: Millis, now: Millis, attempts: u32, jitter: f64) -> Option<Millis> {
        let ceiling = self.backoff_ceiling(attempts);
        let delay = ceiling.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let at = now.plus(delay);
        (at <= created_at.plus(self.horizon)).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            horizon: Duration::from_secs(600),
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = policy();
        let ceilings: Vec<u64> = (1..=9).map(|a| p.backoff_ceiling(a).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn jitter_stays_between_half_and_full_ceiling() {
        let p = policy();
        let now = Millis(1_000_000);
        assert_eq!(p.next_attempt(now, now, 3, 0.0), Some(Millis(1_002_000)));
        assert_eq!(p.next_attempt(now, now, 3, 0.999_999).map(|m| m.0 / 10), Some(100_399));
    }

    #[test]
    fn gives_up_past_the_horizon() {
        let p = policy();
        let created = Millis(0);
        assert!(p.next_attempt(created, Millis(500_000), 10, 0.0).is_some());
        assert_eq!(p.next_attempt(created, Millis(590_000), 10, 0.0), None);
    }
}
