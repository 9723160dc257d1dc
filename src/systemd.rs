//! systemd integration: READY once the listener serves, STOPPING on shutdown, and watchdog
//! pings while the store answers, so a wedged daemon is restarted. Outside systemd
//! (`NOTIFY_SOCKET` unset) every call does nothing.

use std::sync::Arc;
use std::time::Duration;

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

use crate::store::Store;

pub fn ready() {
    let _ = sd_notify::notify(false, &[NotifyState::Ready]);
}

pub fn stopping() {
    let _ = sd_notify::notify(false, &[NotifyState::Stopping]);
}

/// Pings the watchdog at half its interval while the store answers a ping.
pub async fn watchdog(store: Arc<dyn Store>, cancel: CancellationToken) {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return;
    }
    let every = Duration::from_micros(usec) / 2;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        match tokio::time::timeout(every, store.ping()).await {
            Ok(Ok(())) => {
                let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
            }
            _ => tracing::warn!("Store did not answer; withholding the watchdog ping"),
        }
    }
}
