//! Addresses that hard-bounced get no more mail for a while: sending to them again only harms
//! the mailbox's reputation. Kept in the daemon's adapter state, so a restart remembers them.

use std::sync::Arc;
use std::time::Duration;

use switchboard_channel::{Clock, InboundSink, Millis, Refused};

/// The suppression list of the email channel.
#[derive(Clone)]
pub struct Suppression {
    pub sink: Arc<dyn InboundSink>,
    pub clock: Arc<dyn Clock>,
    pub period: Duration,
}

impl Suppression {
    fn key(address: &str) -> String {
        format!("suppressed:{}", address.to_lowercase())
    }

    /// Stops mail to `address` for the period, saying why.
    pub async fn suppress(&self, address: &str, reason: &str) -> Result<(), Refused> {
        let until = self.clock.now().plus(self.period);
        tracing::info!(until = until.0, "Address suppressed after a hard bounce");
        self.sink.save_state(&Self::key(address), &format!("{}:{reason}", until.0)).await
    }

    /// Why mail to `address` is held back, when it is.
    pub async fn why_suppressed(&self, address: &str) -> Result<Option<String>, Refused> {
        let Some(value) = self.sink.load_state(&Self::key(address)).await? else { return Ok(None) };
        let (until, reason) = value.split_once(':').unwrap_or((&value, ""));
        let until = Millis(until.parse().unwrap_or_default());
        Ok((until > self.clock.now()).then(|| {
            format!(
                "{address} is suppressed until {} after a hard bounce ({reason})",
                switchboard_channel::to_rfc3339(until)
            )
        }))
    }
}
