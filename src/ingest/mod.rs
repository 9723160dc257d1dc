//! The inbound path every channel shares: check, redact secrets, commit in one transaction,
//! count, and tell the rest of the daemon. Callers acknowledge to the sender only after
//! `ingest` returns `Ok`; triage, routing and the safety notice follow the commit.

mod clean;

use std::sync::Arc;
use std::time::Instant;

use switchboard_channel::SharedClock;
use switchboard_channel::{ChannelKind, Inbound, Refused};
use tokio_util::task::TaskTracker;

use crate::domain::CustomerId;
use crate::domain::threading::JoinRules;
use crate::events::{Event, EventBus, Origin};
use crate::playbook::{Arrival, Playbook};
use crate::routing::RoutingHandle;
use crate::store::{CallbackOpened, Ingested, NewCallback, NewInbound, Store, StoreError};
use crate::system_messages::SystemMessages;
use crate::telemetry::names;
use crate::triage::{Message, Triager, redact, safety_notice};
use clean::clean;

/// Why a store failure stops a message or a session: overload (try again shortly) is
/// counted, anything else logged; the sender hears neither detail.
pub fn refused(e: StoreError) -> Refused {
    if matches!(e, StoreError::Busy) {
        metrics::counter!(names::STORE_BUSY).increment(1);
        Refused::Busy
    } else {
        tracing::error!(error = %e, "Store failed");
        Refused::Unavailable
    }
}

/// Where an inbound message came from, as far as the daemon already knows.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// The connection that sent it, which answers for itself (the fan-out skips it).
    pub connection: Option<Origin>,
    /// The customer, when the channel already resolved the sender.
    pub customer: Option<CustomerId>,
}

/// A message ready for the store, the language of the safety notice its commit is followed
/// by when a secret was redacted from it, and what the playbook makes of its arrival.
struct Prepared {
    message: NewInbound,
    notice_language: Option<String>,
    arrival: Arrival,
}

/// What the inbound path needs.
pub struct IngestParts {
    pub store: Arc<dyn Store>,
    pub events: EventBus,
    pub routing: RoutingHandle,
    pub triage: Arc<Triager>,
    /// Writes the safety notice.
    pub system: SystemMessages,
    /// Freezes a stolen account automatically and takes in transaction details.
    pub playbook: Playbook,
    /// Whether a queue sends returning customers back to their last agent, which is then
    /// looked up for every new or reopened conversation.
    pub sticky: bool,
    /// Longest text any channel may hand in; each adapter enforces its own, lower limit.
    pub max_text_chars: usize,
    pub clock: SharedClock,
    /// Tracks what follows a commit (routing, the safety notice), so shutdown waits for it.
    pub tasks: TaskTracker,
}

#[derive(Clone)]
pub struct Ingestor {
    parts: Arc<IngestParts>,
}

impl Ingestor {
    pub fn new(parts: IngestParts) -> Self {
        Self { parts: Arc::new(parts) }
    }

    /// Commits one inbound message with its triage (or finds it already committed) and
    /// publishes it. Then, after the caller has its answer: routing (a new or reopened
    /// conversation, or one the message made more urgent), and a safety notice when a secret
    /// was redacted.
    ///
    /// The message is checked, redacted, triaged and queued for commit when this is called,
    /// so a sender's messages keep their order even when the caller awaits several at once.
    pub fn ingest(
        &self,
        inbound: Inbound,
        source: Source,
    ) -> impl Future<Output = Result<Ingested, Refused>> + Send + 'static {
        let started = Instant::now();
        let channel = inbound.channel;
        let queued = self
            .prepare(inbound, source.customer)
            .map(|p| (self.parts.store.ingest(p.message), p.notice_language, p.arrival));
        let this = self.clone();
        async move {
            let (commit, notice_language, arrival) = queued?;
            let ingested = commit.await.map_err(refused)?;
            if !ingested.duplicate {
                this.committed(&ingested, channel, started, source.connection, notice_language, arrival);
            }
            Ok(ingested)
        }
    }

    /// Opens a callback request whose reason is `inbound`, checked, redacted and triaged like
    /// any message (`callback` makes the request of the message the store will keep), or
    /// finds the customer's open one for the number. A request opened now is published and
    /// routed like a new conversation (routing leaves it out while it is held).
    pub async fn request_callback(
        &self,
        inbound: Inbound,
        callback: impl FnOnce(NewInbound) -> NewCallback,
    ) -> Result<CallbackOpened, Refused> {
        let started = Instant::now();
        let channel = inbound.channel;
        let prepared = self.prepare(inbound, None)?;
        let arrival = prepared.arrival;
        let opened = self.parts.store.request_callback(callback(prepared.message)).await.map_err(refused)?;
        if let Some(ingested) = &opened.ingested {
            self.committed(ingested, channel, started, None, prepared.notice_language, arrival);
        }
        Ok(opened)
    }

    /// Checks a message, redacts it into what the store keeps and triages it.
    fn prepare(&self, mut inbound: Inbound, customer: Option<CustomerId>) -> Result<Prepared, Refused> {
        let p = &self.parts;
        // What the customer wrote is shown to agents: no control character reaches a console.
        inbound.text = clean(inbound.text);
        inbound.subject = inbound.subject.map(clean);
        inbound.sender.name = inbound.sender.name.map(clean);
        if inbound.text.trim().is_empty() {
            return Err(Refused::Empty);
        }
        if inbound.text.chars().count() > p.max_text_chars {
            return Err(Refused::TooLong(p.max_text_chars));
        }
        if inbound.sender.is_anonymous() {
            return Err(Refused::Anonymous);
        }
        let channel = inbound.channel;
        // Nothing below this line sees the secrets: not the store, not a log, not an agent.
        let text = redact(&inbound.text);
        let subject = inbound.subject.map(|s| redact(&s));
        let secrets = text.any() || subject.as_ref().is_some_and(|s| s.any());
        let subject = subject.map(|s| s.text);
        let full_text = inbound.full_text.map(|full| redact(&clean(full)).text);
        let received_at = p.clock.now();
        let read =
            Message { channel, subject: subject.as_deref(), body: &text.text, tier: inbound.sender.tier.as_deref() };
        let triage = p.triage.decide(&read, received_at);
        let notice_language = secrets.then(|| triage.language.clone());
        let message = NewInbound {
            channel,
            external_id: inbound.external_id,
            key_scope: inbound.key_scope,
            threading: inbound.threading,
            sender: inbound.sender,
            customer,
            subject,
            text: text.text,
            secrets_redacted: secrets,
            triage: Some(triage),
            received_at,
            account: inbound.account,
            join: JoinRules { automatic: inbound.automatic, reopen_within: inbound.reopen_within },
            email: inbound.email,
            attachments: inbound.attachments,
            full_text,
        };
        let arrival = Arrival::of(&message);
        Ok(Prepared { message, notice_language, arrival })
    }

    /// Counts and publishes a newly committed message, and starts what follows the commit.
    fn committed(
        &self,
        ingested: &Ingested,
        channel: ChannelKind,
        started: Instant,
        origin: Option<Origin>,
        notice_language: Option<String>,
        arrival: Arrival,
    ) {
        metrics::counter!(names::MESSAGES_IN, "channel" => channel.as_str()).increment(1);
        metrics::histogram!(names::INGEST_SECONDS, "channel" => channel.as_str())
            .record(started.elapsed().as_secs_f64());
        tracing::debug!(conversation_id = %ingested.conversation.id, message_id = %ingested.message.id, seq = ?ingested.message.seq, secrets = notice_language.is_some(), "Message committed");
        self.parts.events.publish(Event::Message {
            conversation: ingested.conversation.clone(),
            message: ingested.message.clone(),
            origin,
        });
        self.parts.playbook.after_ingest(ingested, arrival);
        if ingested.triaged || notice_language.is_some() {
            // Lost only if the process dies now: routing is rebuilt from the store at start.
            self.parts.tasks.spawn(self.clone().after_commit(ingested.clone(), notice_language));
        }
    }

    async fn after_commit(self, ingested: Ingested, notice_language: Option<String>) {
        let p = &self.parts;
        let c = &ingested.conversation;
        if ingested.triaged {
            let (category, priority, queue) = (c.category.as_deref(), c.priority, c.queue.as_deref());
            tracing::info!(conversation_id = %c.id, category, priority = %priority, queue, "Triaged");
            p.events.publish(Event::Conversation(c.clone()));
            // Waiting conversations take their (new) place in line; one an agent holds stays
            // with the agent, who sees the new priority.
            if c.status.is_waiting_for_agent() {
                let returning = if p.sticky && (ingested.opened || ingested.reopened) {
                    p.store.last_assignee(&c.customer_id).await.unwrap_or_else(|e| {
                        tracing::warn!(conversation_id = %c.id, error = %e, "Last agent not looked up");
                        None
                    })
                } else {
                    None
                };
                let _ = p.routing.enqueue_returning(c.clone(), returning).await;
            }
        }
        if let Some(language) = notice_language {
            self.send_safety_notice(c, &ingested, &language).await;
        }
    }

    /// Tells the customer we never ask for secrets, and what to do if they shared one.
    async fn send_safety_notice(&self, c: &crate::domain::Conversation, ingested: &Ingested, language: &str) {
        // One notice per message that carried a secret, however often it is retried.
        let key = format!("safety-notice:{}", ingested.message.id);
        match self.parts.system.send(&c.id, key, safety_notice(language)).await {
            Ok(true) => tracing::info!(conversation_id = %c.id, "Safety notice sent"),
            Ok(false) => {}
            Err(e) => tracing::error!(conversation_id = %c.id, error = %e, "Safety notice not recorded"),
        }
    }

    /// The daemon's own messages to customers.
    pub fn system(&self) -> &SystemMessages {
        &self.parts.system
    }

    /// Account actions, identity verification and intake.
    pub fn playbook(&self) -> &Playbook {
        &self.parts.playbook
    }

    /// Tells the agents that a reply sent earlier failed after all (a bounce).
    pub fn delivery_failed(&self, conversation_id: &crate::domain::ConversationId, seq: i64, reason: &str) {
        self.parts.events.publish(Event::Delivery {
            conversation_id: conversation_id.to_string(),
            seq,
            state: crate::events::DeliveryState::Failed,
            detail: reason.to_owned(),
            origin: None,
        });
    }
}
