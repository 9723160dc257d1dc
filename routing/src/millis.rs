//! Instants as Unix milliseconds, always passed in by the caller so every decision is reproducible.

use std::ops::Add;
use std::time::Duration;

/// An instant in Unix milliseconds. The engine never reads a clock: the driver passes `now` in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Millis(pub i64);

impl Millis {
    /// Time from `earlier` to `self`; zero when `earlier` is later, because a wall clock may step back.
    pub fn since(self, earlier: Millis) -> Duration {
        let elapsed = self.0.saturating_sub(earlier.0);
        Duration::from_millis(u64::try_from(elapsed).unwrap_or(0))
    }

    /// `d` before `self`, saturating like `+`.
    pub(crate) fn minus(self, d: Duration) -> Millis {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Millis(self.0.saturating_sub(ms))
    }
}

impl Add<Duration> for Millis {
    type Output = Millis;

    /// Saturates instead of overflowing: a configured duration of years must not panic the daemon.
    fn add(self, rhs: Duration) -> Millis {
        let ms = i64::try_from(rhs.as_millis()).unwrap_or(i64::MAX);
        Millis(self.0.saturating_add(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_and_measures() {
        let t = Millis(1_000);
        assert_eq!(t + Duration::from_secs(2), Millis(3_000));
        assert_eq!(Millis(3_500).since(t), Duration::from_millis(2_500));
        assert_eq!(t.since(Millis(3_500)), Duration::ZERO);
        assert_eq!(Millis(i64::MAX - 1) + Duration::from_secs(10), Millis(i64::MAX));
    }
}
