//! The dialer: with `manual`, agents dial themselves; with `webhook`, each call is asked of
//! the telephone system by a signed `POST` of `{"callback_id","conversation_id",
//! "customer_phone","agent","attempt","order"}` to `callback.webhook.url`, transient failures
//! retried with backoff and jitter up to `callback.webhook.retries` times.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rand::Rng;
use serde_json::json;
use switchboard_channel::webhook::{Posted, SignedWebhook};
use switchboard_channel::{DeliveryError, Dial, DialOrder, SharedClock};
use tokio_util::sync::CancellationToken;

use crate::config::{WebhookConfig, WebhookOrder};

/// The first retry's wait; each later one doubles, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Dials in a row that failed (after their retries) before `/readyz` reports the dialer.
const FAILURES_NOT_READY: u32 = 3;

/// Who places the calls.
pub enum Dialer {
    Manual,
    Webhook(Box<WebhookDialer>),
}

impl Dialer {
    pub fn order(&self) -> DialOrder {
        match self {
            Self::Manual => DialOrder::Manual,
            Self::Webhook(w) => match w.order {
                WebhookOrder::AgentFirst => DialOrder::AgentFirst,
                WebhookOrder::CustomerFirst => DialOrder::CustomerFirst,
            },
        }
    }

    pub async fn dial(&self, call: &Dial) -> Result<(), DeliveryError> {
        match self {
            // The agent dials: there is nothing to ask of anybody.
            Self::Manual => Ok(()),
            Self::Webhook(w) => w.dial(call).await,
        }
    }

    /// Whether the dialer is working, as far as its last calls tell.
    pub fn ready(&self) -> Result<(), String> {
        match self {
            Self::Manual => Ok(()),
            Self::Webhook(w) => w.ready(),
        }
    }
}

/// The `webhook` dialer.
pub struct WebhookDialer {
    webhook: SignedWebhook,
    order: WebhookOrder,
    retries: u32,
    shutdown: CancellationToken,
    health: Mutex<Health>,
}

/// How the last dials went.
#[derive(Default)]
struct Health {
    failures_in_a_row: u32,
    last_failure: String,
}

impl WebhookDialer {
    /// From a configuration [`WebhookConfig::validate`] has passed.
    pub fn new(config: &WebhookConfig, clock: SharedClock, shutdown: CancellationToken) -> Result<Self, String> {
        let timeout = Duration::from_secs(config.timeout_s);
        let webhook = SignedWebhook::new(&config.url, config.secret.clone(), timeout, clock, "the telephone system")
            .map_err(|e| format!("callback.webhook: {e}"))?;
        Ok(Self {
            webhook,
            order: config.order,
            retries: config.retries,
            shutdown,
            health: Mutex::new(Health::default()),
        })
    }

    async fn dial(&self, call: &Dial) -> Result<(), DeliveryError> {
        let body = json!({
            "callback_id": call.callback_id,
            "conversation_id": call.conversation_id,
            "customer_phone": call.customer_phone,
            "agent": call.agent,
            "attempt": call.attempt,
            "order": self.order.as_str(),
        });
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let key = format!("{}:{}", call.callback_id, call.attempt);
        let mut wait = FIRST_BACKOFF;
        let mut tries = 0;
        let result = loop {
            tries += 1;
            match self.webhook.post(&body, &key).await {
                Posted::Done => break Ok(()),
                Posted::Permanent(why) => break Err(DeliveryError::Permanent(why)),
                Posted::Transient(why) if tries > self.retries => break Err(DeliveryError::Transient(why)),
                Posted::Transient(why) => {
                    tracing::debug!(callback_id = %call.callback_id, attempt = call.attempt, tries, reason = %why, "Dial retried");
                    // Full jitter over the upper half: retries of many calls spread out.
                    let jittered = wait.mul_f64(rand::rng().random_range(0.5..=1.0));
                    tokio::select! {
                        () = tokio::time::sleep(jittered) => {}
                        () = self.shutdown.cancelled() => break Err(DeliveryError::Transient("shutting down".into())),
                    }
                    wait = (wait * 2).min(MAX_BACKOFF);
                }
            }
        };
        self.record(call, &result, tries);
        result
    }

    fn record(&self, call: &Dial, result: &Result<(), DeliveryError>, tries: u32) {
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(()) => {
                health.failures_in_a_row = 0;
                metrics::counter!("switchboard_callback_dials_total", "result" => "ok").increment(1);
                tracing::info!(callback_id = %call.callback_id, attempt = call.attempt, tries, "Call asked of the telephone system");
            }
            Err(e) => {
                health.failures_in_a_row += 1;
                health.last_failure = e.to_string();
                let kind = if matches!(e, DeliveryError::Permanent(_)) { "permanent" } else { "transient" };
                metrics::counter!("switchboard_callback_dials_total", "result" => kind).increment(1);
                tracing::warn!(callback_id = %call.callback_id, attempt = call.attempt, tries, error = %e, "Dial failed");
            }
        }
    }

    fn ready(&self) -> Result<(), String> {
        let health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        if health.failures_in_a_row >= FAILURES_NOT_READY {
            return Err(format!("the last {} dials failed: {}", health.failures_in_a_row, health.last_failure));
        }
        Ok(())
    }
}
