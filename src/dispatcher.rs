//! The outbox dispatcher: hands committed agent replies to their channel adapters, records
//! each result, retries transient failures with backoff and jitter until the retry horizon,
//! and marks permanent failures. State lives in the outbox table, so pending work resumes
//! after a restart and a delivery cut off by a crash is retried once its lease runs out.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use switchboard_channel::SharedClock;
use switchboard_channel::{ChannelKind, DeliveryError, OutboundChannel};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::OutboxConfig;
use crate::domain::{CustomerId, RetryPolicy};
use crate::events::{DeliveryState, Event, EventBus};
use crate::live::LiveCustomers;
use crate::store::{ClaimedDelivery, DeliveryOutcome, Store};
use crate::telemetry::names;

/// Longest a single delivery may take, whatever the adapter's own timeouts say.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest the dispatcher sleeps without looking at the outbox, in case a wake-up was missed
/// (a row written by another process sharing the database).
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Deliveries in flight at once.
const CONCURRENCY: usize = 16;

/// The channel adapters, by channel.
pub type Adapters = HashMap<ChannelKind, Arc<dyn OutboundChannel>>;

pub struct Dispatcher {
    store: Arc<dyn Store>,
    adapters: Adapters,
    policy: RetryPolicy,
    lease: Duration,
    batch: u32,
    wake: Arc<Notify>,
    events: EventBus,
    clock: SharedClock,
    /// Who is connected on the live channels.
    presence: Arc<LiveCustomers>,
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn Store>,
        adapters: Adapters,
        config: &OutboxConfig,
        events: EventBus,
        clock: SharedClock,
        presence: Arc<LiveCustomers>,
    ) -> Self {
        Self {
            store,
            adapters,
            policy: RetryPolicy {
                initial_backoff: Duration::from_millis(config.initial_backoff_ms),
                max_backoff: Duration::from_millis(config.max_backoff_ms),
                horizon: Duration::from_secs(config.retry_horizon_s),
            },
            lease: Duration::from_secs(config.lease_s),
            batch: config.batch,
            wake: Arc::new(Notify::new()),
            events,
            clock,
            presence,
        }
    }

    /// Wakes on `wake` instead of a notifier of its own, so what commits replies can be built
    /// before the dispatcher is.
    pub fn waking_on(mut self, wake: Arc<Notify>) -> Self {
        self.wake = wake;
        self
    }

    /// A handle that wakes the dispatcher at once (after a reply is committed).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs until `cancel` fires. A delivery in progress at cancellation is finished or left to
    /// its lease; nothing is lost either way.
    pub async fn run(self, cancel: CancellationToken) {
        loop {
            let now = self.clock.now();
            let claimed = match self.store.claim_outbox(now, self.lease, self.batch).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "Outbox claim failed");
                    Vec::new()
                }
            };
            let full_batch = claimed.len() as u32 == self.batch;
            futures::stream::iter(claimed).for_each_concurrent(CONCURRENCY, |d| self.deliver(d)).await;
            self.report_counts().await;
            if full_batch {
                continue;
            }
            let poll = self.clock.now().plus(IDLE_POLL);
            let wake_at = match self.store.next_outbox_due().await {
                Ok(Some(due)) => due.min(poll),
                _ => poll,
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = self.clock.sleep_until(wake_at) => {}
            }
        }
    }

    async fn deliver(&self, claimed: ClaimedDelivery) {
        let out = &claimed.outbound;
        let attempts = out.attempt + 1;
        // A second delivery over another channel is for a customer who left the live one: if
        // they are back, they have the reply there.
        let back = claimed.conversation_channel != out.channel
            && self.presence.online(claimed.conversation_channel, &CustomerId(out.recipient.customer_id.clone()), None);
        if back {
            let detail =
                format!("the customer is back on {}; not sent by {}", claimed.conversation_channel, out.channel);
            if let Err(e) =
                self.store.record_delivery(out.outbox_id, DeliveryOutcome::Skipped { detail }, self.clock.now()).await
            {
                tracing::error!(outbox_id = out.outbox_id, error = %e, "Delivery result not recorded");
            }
            return;
        }
        let result = match self.adapters.get(&out.channel) {
            Some(adapter) => match tokio::time::timeout(DELIVERY_TIMEOUT, adapter.deliver(out)).await {
                Ok(result) => result,
                Err(_) => Err(DeliveryError::Transient(format!("no answer within {}s", DELIVERY_TIMEOUT.as_secs()))),
            },
            None => Err(DeliveryError::Permanent(format!("no {} channel is configured", out.channel))),
        };
        let now = self.clock.now();
        let outcome = match result {
            Ok(receipt) => DeliveryOutcome::Sent { detail: receipt.detail, external_id: receipt.external_id },
            Err(DeliveryError::Permanent(error)) => DeliveryOutcome::Failed { error },
            Err(DeliveryError::Transient(error)) => {
                match self.policy.next_attempt(claimed.created_at, now, attempts, rand::random::<f64>()) {
                    Some(at) => DeliveryOutcome::RetryAt { at, error },
                    None => DeliveryOutcome::Failed { error: format!("gave up after {attempts} attempts: {error}") },
                }
            }
        };
        let (result_label, report) = match &outcome {
            DeliveryOutcome::Sent { detail, .. } => ("sent", Some((DeliveryState::Sent, detail.clone()))),
            DeliveryOutcome::RetryAt { .. } => ("retry", None),
            DeliveryOutcome::Failed { error } => ("failed", Some((DeliveryState::Failed, error.clone()))),
            DeliveryOutcome::Skipped { .. } => ("skipped", None),
        };
        metrics::counter!(names::MESSAGES_OUT, "channel" => out.channel.as_str(), "result" => result_label)
            .increment(1);
        match self.store.record_delivery(out.outbox_id, outcome, now).await {
            Ok(()) => {
                tracing::info!(outbox_id = out.outbox_id, conversation_id = %out.conversation_id, attempts, result = result_label, "Delivery attempted");
                if let Some((state, detail)) = report {
                    self.events.publish(Event::Delivery {
                        conversation_id: out.conversation_id.clone(),
                        seq: out.seq,
                        state,
                        detail,
                        origin: None,
                    });
                }
            }
            // The lease runs out and the delivery is tried again: at least once, never lost.
            Err(e) => {
                tracing::error!(outbox_id = out.outbox_id, error = %e, "Delivery result not recorded")
            }
        }
    }

    async fn report_counts(&self) {
        if let Ok(counts) = self.store.outbox_counts().await {
            metrics::gauge!(names::OUTBOX_PENDING).set(counts.pending as f64);
            metrics::gauge!(names::OUTBOX_FAILED).set(counts.failed as f64);
        }
    }
}
