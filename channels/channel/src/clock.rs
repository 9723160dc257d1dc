//! Where time comes from. Everything that reads the time or waits for one takes a [`Clock`],
//! so the dispatcher, routing and the sessions can be tested on manual time: a test moves a
//! [`ManualClock`] forward and whatever waited for that moment wakes, without sleeping.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;

use crate::time::Millis;

/// The time now, and a way to wait for a later one.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Millis;

    /// Resolves once [`Clock::now`] has reached `at` (at once when it already has).
    fn sleep_until(&self, at: Millis) -> BoxFuture<'static, ()>;

    /// Resolves once `d` has passed on this clock.
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        self.sleep_until(self.now().plus(d))
    }
}

/// A shared clock, as the daemon hands it around.
pub type SharedClock = Arc<dyn Clock>;

/// The wall clock, waiting with the runtime's timers.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        Millis::wall()
    }

    fn sleep_until(&self, at: Millis) -> BoxFuture<'static, ()> {
        let wait = Duration::from_millis((at.0 - self.now().0).max(0) as u64);
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that moves only when told to, for tests.
#[derive(Clone, Debug)]
pub struct ManualClock {
    now: Arc<watch::Sender<i64>>,
}

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        Self { now: Arc::new(watch::Sender::new(start.0)) }
    }

    /// Moves the clock forward, waking whatever waits for a time now reached.
    pub fn advance(&self, d: Duration) {
        let step = Millis(0).plus(d).0;
        self.now.send_modify(|now| *now = now.saturating_add(step));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        Millis(*self.now.borrow())
    }

    fn sleep_until(&self, at: Millis) -> BoxFuture<'static, ()> {
        let mut now = self.now.subscribe();
        Box::pin(async move {
            // The sender lives as long as the clock; a dropped clock never reaches `at`.
            if now.wait_for(|t| *t >= at.0).await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_when_it_reaches_their_time() {
        let clock = ManualClock::new(Millis(1_000));
        let sleeper = tokio::spawn(clock.sleep(Duration::from_secs(30)));
        clock.advance(Duration::from_secs(29));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "29 s is not 30 s");
        clock.advance(Duration::from_secs(1));
        sleeper.await.expect("the sleeper wakes at 30 s");
        assert_eq!(clock.now(), Millis(31_000));
    }
}
