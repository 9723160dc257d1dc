//! The wallet playbook: account actions asked of the company's backend from the console
//! (freeze a stolen account at once; unfreeze once identity is verified), the automatic
//! freeze, the identity checklist agents tick, and the transaction details taken in from a
//! customer while they wait.
//!
//! - `policy`: who may ask for what.
//! - `actions`: the durable queue of actions and the worker that calls the backend.
//! - `intake`: the questions asked while the customer waits, and their answers as fields.
//! - `notices`: what the customer is told once an action is done.

mod actions;
mod intake;
mod notices;
mod policy;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use switchboard_channel::webhook::SignedWebhook;
use switchboard_channel::{ChannelKind, ErrorCode, SharedClock};
use tokio::sync::Notify;
use tokio_util::task::TaskTracker;

use crate::agent_wire::frames::ConsoleFrame;
use crate::config::{ActionConfig, ActionPermission, PlaybookConfig};
use crate::domain::{
    AccountAction, ActionId, Actor, Agent, Conversation, IdentityVerification, NewAction, RetryPolicy,
};
use crate::hub::{ConnId, Hub};
use crate::store::{Ingested, Store, StoreError};
use crate::system_messages::SystemMessages;

pub use policy::NotAllowed;

/// How long retries of one action may go on at most, whatever its backoff; its `retries`
/// bound it well before.
const RETRY_HORIZON: Duration = Duration::from_secs(7 * 86_400);

/// Why an account action or a verification is refused; what the agent is told.
#[derive(Debug, thiserror::Error)]
pub enum PlaybookRefusal {
    #[error("unknown action {0:?}; configured: {1}")]
    UnknownAction(String, String),
    #[error("{action} is unavailable: {why}")]
    Unavailable { action: String, why: String },
    #[error(
        "this customer has no app account (no app_user_id, e.g. an email-only contact): {0} it in the wallet's own tools"
    )]
    NoAppAccount(String),
    #[error(transparent)]
    NotAllowed(#[from] NotAllowed),
    #[error("{0}")]
    BadChecks(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PlaybookRefusal {
    /// The wire code of a refusal other than a store failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnknownAction(..) | Self::BadChecks(_) => ErrorCode::BadRequest,
            Self::Unavailable { .. } | Self::Store(_) => ErrorCode::Unavailable,
            Self::NoAppAccount(_) => ErrorCode::Conflict,
            Self::NotAllowed(_) => ErrorCode::Forbidden,
        }
    }
}

/// What the playbook needs of the daemon.
pub struct PlaybookParts {
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    /// Writes the customer's notices and the intake questions.
    pub system: SystemMessages,
    pub clock: SharedClock,
    /// What follows a commit (the automatic freeze, the intake), so shutdown waits for it.
    pub tasks: TaskTracker,
    pub config: PlaybookConfig,
    pub actions: BTreeMap<String, ActionConfig>,
}

/// One configured action's backend.
struct Backend {
    webhook: SignedWebhook,
    retries: u32,
    retry: RetryPolicy,
}

struct Inner {
    parts: PlaybookParts,
    /// Each configured action's backend, or why it is unavailable.
    backends: BTreeMap<String, Result<Backend, String>>,
    /// How long a claimed action is leased: the longest call, and some.
    lease: Duration,
    /// Wakes the worker after an action is committed.
    wake: Notify,
}

/// The playbook; cheap to clone.
#[derive(Clone)]
pub struct Playbook(Arc<Inner>);

/// What a message's arrival tells the playbook beyond the stored message.
#[derive(Clone, Debug)]
pub struct Arrival {
    /// The app user the channel authenticated the sender as (by a chat or callback token);
    /// `None` for a sender known only by what anyone can type (an email address).
    pub authenticated_app_user: Option<String>,
    /// The compromise detector fired on this message.
    pub compromise: bool,
}

impl Arrival {
    /// What a message about to be stored tells.
    pub fn of(message: &crate::store::NewInbound) -> Self {
        let authenticated_app_user = match message.channel {
            // Anyone can put any address in From: a mail never vouches for an app account.
            ChannelKind::Email => None,
            ChannelKind::Chat | ChannelKind::Callback => message.sender.app_user_id.clone(),
        };
        Self { authenticated_app_user, compromise: message.triage.as_ref().is_some_and(|t| t.signal.is_some()) }
    }
}

/// What the console is told of the playbook at `welcome`: the actions it may offer and the
/// identity checklists.
#[derive(Clone, Debug, Serialize)]
pub struct PlaybookInfo {
    /// Configured actions: name, who may ask, and why one cannot be asked now.
    pub actions: Vec<ActionInfo>,
    /// Check ids to their labels.
    pub checks: BTreeMap<String, String>,
    /// Category (or `default`) to the checks that verify identity on it.
    pub verification: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionInfo {
    pub name: String,
    pub allowed: ActionPermission,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl Playbook {
    pub fn new(parts: PlaybookParts) -> Self {
        let backends = parts
            .actions
            .iter()
            .map(|(name, a)| {
                let backend = match a.unavailable() {
                    Some(why) => Err(why.to_owned()),
                    None => SignedWebhook::new(
                        &a.url,
                        a.secret.clone(),
                        Duration::from_secs(a.timeout_s),
                        parts.clock.clone(),
                        "the wallet backend",
                    )
                    .map(|webhook| Backend {
                        webhook,
                        retries: a.retries,
                        retry: RetryPolicy {
                            initial_backoff: Duration::from_millis(a.initial_backoff_ms),
                            max_backoff: Duration::from_millis(a.max_backoff_ms),
                            horizon: RETRY_HORIZON,
                        },
                    }),
                };
                (name.clone(), backend)
            })
            .collect();
        let longest = parts.actions.values().map(|a| a.timeout_s).max().unwrap_or(0);
        let lease = Duration::from_secs(longest + 5);
        Self(Arc::new(Inner { parts, backends, lease, wake: Notify::new() }))
    }

    fn parts(&self) -> &PlaybookParts {
        &self.0.parts
    }

    /// What the console offers, for `welcome`.
    pub fn info(&self) -> PlaybookInfo {
        let p = self.parts();
        PlaybookInfo {
            actions: p
                .actions
                .iter()
                .map(|(name, a)| ActionInfo {
                    name: name.clone(),
                    allowed: a.allowed,
                    unavailable: self.0.backends.get(name).and_then(|b| b.as_ref().err().cloned()),
                })
                .collect(),
            checks: p.config.checks.clone(),
            verification: p.config.verification.clone(),
        }
    }

    /// The backend of `action`, if it is configured and can be called.
    fn backend(&self, action: &str) -> Result<&Backend, PlaybookRefusal> {
        match self.0.backends.get(action) {
            Some(Ok(backend)) => Ok(backend),
            Some(Err(why)) => Err(PlaybookRefusal::Unavailable { action: action.to_owned(), why: why.clone() }),
            None => {
                let known: Vec<&str> = self.0.backends.keys().map(String::as_str).collect();
                Err(PlaybookRefusal::UnknownAction(action.to_owned(), known.join(", ")))
            }
        }
    }

    /// An agent asks for `action` on the customer of `c` (one they may act on): checked,
    /// committed (or joined to the same action already pending) and queued for the backend.
    pub async fn request(
        &self,
        agent: &Agent,
        c: &Conversation,
        action: &str,
        reason: String,
    ) -> Result<AccountAction, PlaybookRefusal> {
        self.backend(action)?;
        let store = &self.parts().store;
        let app_user_id = store
            .customer(&c.customer_id)
            .await?
            .and_then(|cu| cu.app_user_id)
            .ok_or_else(|| PlaybookRefusal::NoAppAccount(action.to_owned()))?;
        let allowed = self.parts().actions.get(action).map(|a| a.allowed).unwrap_or_default();
        let verified = store.identity_verification(&c.id).await?.is_some();
        policy::may_ask(allowed, agent.supervisor, verified)?;
        let id = ActionId::generate();
        self.commit(NewAction {
            request_key: id.to_string(),
            id,
            action: action.to_owned(),
            conversation_id: c.id.clone(),
            customer_id: c.customer_id.clone(),
            app_user_id,
            actor: Actor::Agent(agent.id.clone()),
            agent_login: Some(agent.login.clone()),
            reason,
            now: self.parts().clock.now(),
        })
        .await
    }

    async fn commit(&self, action: NewAction) -> Result<AccountAction, PlaybookRefusal> {
        let (stored, new) = self.parts().store.request_action(action).await?;
        if new {
            tracing::info!(action_id = %stored.id, conversation_id = %stored.conversation_id, action = stored.action, actor = stored.actor, "Account action requested");
            self.0.wake.notify_one();
        }
        Ok(stored)
    }

    /// Tells the agents of an action's conversation where it stands, but the connection that
    /// asked (it has its answer).
    pub fn announce(&self, a: &AccountAction, except: Option<ConnId>) {
        let frame = action_frame(a);
        self.parts().hub.to_conversation_agents(&a.conversation_id, Arc::from(frame.to_json()), except, None);
    }

    /// Records that `agent` verified the customer's identity on `c` by `checks`, which must
    /// be every check its category's checklist holds.
    pub async fn verify(
        &self,
        agent: &Agent,
        c: &Conversation,
        mut checks: Vec<String>,
    ) -> Result<IdentityVerification, PlaybookRefusal> {
        let required = self.parts().config.checks_for(c.category.as_deref());
        if required.is_empty() {
            return Err(PlaybookRefusal::BadChecks("no identity checks are configured for this conversation".into()));
        }
        if let Some(unknown) = checks.iter().find(|id| !required.contains(id)) {
            return Err(PlaybookRefusal::BadChecks(format!(
                "{unknown:?} is not a check of this conversation's checklist ({})",
                required.join(", ")
            )));
        }
        let missing: Vec<&str> = required.iter().filter(|id| !checks.contains(id)).map(String::as_str).collect();
        if !missing.is_empty() {
            return Err(PlaybookRefusal::BadChecks(format!("not verified yet: {} must match too", missing.join(", "))));
        }
        checks.sort();
        checks.dedup();
        let verification = IdentityVerification {
            conversation_id: c.id.clone(),
            agent: agent.id.clone(),
            agent_name: agent.name.clone(),
            checks,
            verified_at: self.parts().clock.now(),
        };
        self.parts().store.verify_identity(verification.clone()).await?;
        tracing::info!(conversation_id = %c.id, agent_id = %agent.id, "Identity verified");
        Ok(verification)
    }

    /// After a customer message is committed: the automatic freeze when it calls for one,
    /// and the intake of its conversation's category.
    pub fn after_ingest(&self, ingested: &Ingested, arrival: Arrival) {
        let p = self.parts();
        let app_user = arrival.authenticated_app_user.filter(|_| p.config.auto_freeze && arrival.compromise);
        let intake = ingested.conversation.category.as_ref().is_some_and(|c| p.config.intake.contains_key(c));
        if app_user.is_none() && !intake {
            return;
        }
        let this = self.clone();
        let ingested = ingested.clone();
        p.tasks.spawn(async move {
            if let Some(app_user_id) = app_user {
                this.auto_freeze(&ingested, app_user_id).await;
            }
            if intake {
                this.take_in(&ingested).await;
            }
        });
    }

    /// Freezes the account of an app user whose message the compromise detector flagged, once
    /// per conversation.
    async fn auto_freeze(&self, ingested: &Ingested, app_user_id: String) {
        let c = &ingested.conversation;
        if let Err(e) = self.backend("freeze") {
            tracing::warn!(conversation_id = %c.id, reason = %e, "Automatic freeze not possible");
            return;
        }
        let reason = match &c.triage_signal {
            Some(signal) => format!("automatic: {signal}"),
            None => "automatic: the compromise detector fired".to_owned(),
        };
        let action = NewAction {
            id: ActionId::generate(),
            request_key: format!("auto:freeze:{}", c.id),
            action: "freeze".to_owned(),
            conversation_id: c.id.clone(),
            customer_id: c.customer_id.clone(),
            app_user_id,
            actor: Actor::System,
            agent_login: None,
            reason,
            now: self.parts().clock.now(),
        };
        match self.commit(action).await {
            Ok(a) => self.announce(&a, None),
            Err(e) => tracing::error!(conversation_id = %c.id, error = %e, "Automatic freeze not recorded"),
        }
    }

    /// Whether the customer of `c` writes Chinese, by the conversation's language or their own.
    async fn speaks_chinese(&self, c: &Conversation) -> bool {
        let lang = match &c.language {
            Some(lang) => Some(lang.clone()),
            None => self.parts().store.customer(&c.customer_id).await.ok().flatten().and_then(|cu| cu.lang),
        };
        lang.is_some_and(|l| l.starts_with("zh"))
    }

    /// Whether a conversation's channel is one the customer reads live (the intake asks only
    /// there: an email customer gets the questions with the acknowledgement).
    fn asks_on(channel: ChannelKind) -> bool {
        channel == ChannelKind::Chat
    }
}

/// The `account_action` frame of an action.
pub fn action_frame(a: &AccountAction) -> ConsoleFrame {
    ConsoleFrame::AccountAction(crate::agent_wire::view::action_view(a))
}

#[cfg(test)]
mod tests {
    use switchboard_channel::{ChannelKind, SenderIdentity};

    use super::Arrival;
    use crate::domain::threading::JoinRules;
    use crate::domain::{Millis, Priority, TriageResult};
    use crate::store::{NewInbound, Threading};

    fn message(channel: ChannelKind, signal: Option<&str>) -> NewInbound {
        NewInbound {
            channel,
            external_id: "m1".into(),
            key_scope: None,
            threading: Threading::New,
            // Even a sender that names an app account: only the channel can vouch for it.
            sender: SenderIdentity { app_user_id: Some("u1".into()), ..SenderIdentity::default() },
            customer: None,
            subject: None,
            text: "text".into(),
            secrets_redacted: false,
            triage: Some(TriageResult {
                category: "account_compromised".into(),
                priority: Priority::Urgent,
                language: "en".into(),
                confidence: 1.0,
                queue: "security".into(),
                queue_reason: String::new(),
                signal: signal.map(str::to_owned),
                repeat: None,
            }),
            received_at: Millis(0),
            account: None,
            join: JoinRules::default(),
            email: None,
            attachments: Vec::new(),
            full_text: None,
        }
    }

    #[test]
    fn only_a_channel_that_authenticates_app_users_vouches_for_the_account() {
        for channel in [ChannelKind::Chat, ChannelKind::Callback] {
            let arrival = Arrival::of(&message(channel, Some("someone else acting")));
            assert_eq!(arrival.authenticated_app_user.as_deref(), Some("u1"), "{channel}");
            assert!(arrival.compromise);
        }
        let mail = Arrival::of(&message(ChannelKind::Email, Some("someone else acting")));
        assert_eq!(mail.authenticated_app_user, None, "a mail never vouches for an app account");
        assert!(!Arrival::of(&message(ChannelKind::Chat, None)).compromise);
    }
}
