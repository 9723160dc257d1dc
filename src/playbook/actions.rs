//! The worker that carries committed account actions to the wallet's backend: it claims due
//! actions under a lease, posts each signed with its id as the idempotency key, retries
//! transient failures with backoff and jitter up to the action's `retries`, gives up on a
//! refusal with the backend's reason, and tells the agents (and, once done, the customer).
//! State lives in the store, so pending actions resume after a restart, and an action cut
//! off by a crash is called again, under the same key, once its lease runs out.

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use switchboard_channel::webhook::Posted;
use tokio_util::sync::CancellationToken;

use super::{Playbook, notices};
use crate::domain::{AccountAction, ActionOutcome, ActionState, Millis};
use crate::telemetry::names;

/// Longest the worker sleeps without looking at the queue (a row another node committed).
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Actions claimed, and called at once, per round.
const BATCH: u32 = 16;

impl Playbook {
    /// Runs until `cancel` fires. An action being called at cancellation is left to its
    /// lease; nothing is lost either way.
    pub async fn run(self, cancel: CancellationToken) {
        let clock = self.parts().clock.clone();
        loop {
            let now = clock.now();
            let claimed = match self.parts().store.claim_actions(now, self.0.lease, BATCH).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "Account action claim failed");
                    Vec::new()
                }
            };
            let full = claimed.len() as u32 == BATCH;
            let retries: Vec<Option<Millis>> =
                futures::stream::iter(claimed).map(|a| self.call(a)).buffer_unordered(BATCH as usize).collect().await;
            if full {
                continue;
            }
            let wake_at = retries.into_iter().flatten().fold(clock.now().plus(IDLE_POLL), Millis::min);
            tokio::select! {
                () = cancel.cancelled() => return,
                () = self.0.wake.notified() => {}
                () = clock.sleep_until(wake_at) => {}
            }
        }
    }

    /// Calls the backend once for `a` and records how it went; returns when to call again.
    async fn call(&self, a: AccountAction) -> Option<Millis> {
        let outcome = match self.backend(&a.action) {
            Err(refusal) => ActionOutcome::Failed { error: refusal.to_string() },
            Ok(backend) => {
                let body = json!({
                    "action": a.action,
                    "app_user_id": a.app_user_id,
                    "conversation_id": a.conversation_id,
                    "agent": a.agent_login,
                    "reason": a.reason,
                    "idempotency_key": a.id,
                });
                let body = serde_json::to_vec(&body).unwrap_or_default();
                let posted = backend.webhook.post(&body, a.id.as_str()).await;
                let now = self.parts().clock.now();
                let calls = a.attempts + 1;
                match posted {
                    Posted::Done => ActionOutcome::Done { detail: "confirmed by the wallet backend".into() },
                    Posted::Permanent(error) => ActionOutcome::Failed { error },
                    Posted::Transient(error) if calls > backend.retries => {
                        ActionOutcome::Failed { error: format!("gave up after {calls} calls: {error}") }
                    }
                    Posted::Transient(error) => {
                        match backend.retry.next_attempt(a.created_at, now, calls, rand::random::<f64>()) {
                            Some(at) => ActionOutcome::RetryAt { at, error },
                            None => ActionOutcome::Failed { error: format!("gave up after {calls} calls: {error}") },
                        }
                    }
                }
            }
        };
        let retry_at = match &outcome {
            ActionOutcome::RetryAt { at, .. } => Some(*at),
            _ => None,
        };
        let recorded = self.parts().store.record_action(&a.id, outcome, self.parts().clock.now()).await;
        let a = match recorded {
            Ok(a) => a,
            // The lease runs out and the action is called again under its key: at least once.
            Err(e) => {
                tracing::error!(action_id = %a.id, error = %e, "Account action result not recorded");
                return None;
            }
        };
        let result = a.state.as_str();
        metrics::counter!(names::ACCOUNT_ACTIONS, "action" => a.action.clone(), "result" => result).increment(1);
        tracing::info!(action_id = %a.id, conversation_id = %a.conversation_id, attempts = a.attempts, result, "Account action called");
        self.announce(&a, None);
        if a.state == ActionState::Done {
            self.tell_customer(&a).await;
        }
        retry_at
    }

    async fn tell_customer(&self, a: &AccountAction) {
        let Ok(Some(c)) = self.parts().store.conversation(&a.conversation_id).await else { return };
        let Some(text) = notices::action_done(&a.action, self.speaks_chinese(&c).await) else { return };
        if let Err(e) = self.parts().system.send(&c.id, format!("account-action:{}", a.id), text).await {
            tracing::warn!(action_id = %a.id, error = %e, "Account action notice not recorded");
        }
    }
}
