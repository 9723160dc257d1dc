//! The inbound path every channel shares: check, commit in one transaction, count, and tell
//! the rest of the daemon. Callers acknowledge to the sender only after this returns `Ok`.

use std::sync::Arc;
use std::time::Instant;

use switchboard_channel::{ChannelKind, Inbound};

use crate::domain::{CustomerId, Millis};
use crate::events::{Event, EventBus};
use crate::hub::ConnId;
use crate::routing::RoutingHandle;
use crate::store::{Ingested, NewInbound, Store, StoreError, Threading};
use crate::telemetry::names;

/// Why an inbound message was not taken.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("message text is empty")]
    Empty,
    #[error("message text is longer than {0} characters")]
    TooLong(usize),
    #[error("sender has no identity")]
    Anonymous,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where an inbound message came from, as far as the daemon already knows.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// The connection that sent it, which answers for itself (the fan-out skips it).
    pub connection: Option<ConnId>,
    /// The customer, when the channel already resolved the sender.
    pub customer: Option<CustomerId>,
}

#[derive(Clone)]
pub struct Ingestor {
    store: Arc<dyn Store>,
    events: EventBus,
    routing: RoutingHandle,
    max_text_chars: usize,
}

impl Ingestor {
    pub fn new(store: Arc<dyn Store>, events: EventBus, routing: RoutingHandle, max_text_chars: usize) -> Self {
        Self { store, events, routing, max_text_chars }
    }

    /// Commits one inbound message (or finds it already committed) and publishes it. A
    /// conversation the message opened or reopened is then handed to routing, after the caller
    /// has its answer.
    pub async fn ingest(&self, inbound: Inbound, source: Source) -> Result<Ingested, IngestError> {
        let started = Instant::now();
        if inbound.text.trim().is_empty() {
            return Err(IngestError::Empty);
        }
        if inbound.text.chars().count() > self.max_text_chars {
            return Err(IngestError::TooLong(self.max_text_chars));
        }
        if inbound.sender.is_anonymous() {
            return Err(IngestError::Anonymous);
        }
        let channel = inbound.channel;
        let threading = match channel {
            ChannelKind::Email => Threading::ByReferences(inbound.thread_hints),
            ChannelKind::Chat => Threading::LatestOpen,
            ChannelKind::Callback => Threading::New,
        };
        let ingested = self
            .store
            .ingest(NewInbound {
                channel,
                external_id: inbound.external_id,
                threading,
                sender: inbound.sender,
                customer: source.customer,
                subject: inbound.subject,
                text: inbound.text,
                secrets_redacted: false,
                received_at: Millis::now(),
            })
            .await?;
        if !ingested.duplicate {
            metrics::counter!(names::MESSAGES_IN, "channel" => channel.as_str()).increment(1);
            metrics::histogram!(names::INGEST_SECONDS, "channel" => channel.as_str())
                .record(started.elapsed().as_secs_f64());
            tracing::debug!(conversation_id = %ingested.conversation.id, message_id = %ingested.message.id, seq = ?ingested.message.seq, "Message committed");
            self.events.publish(Event::Message {
                conversation: ingested.conversation.clone(),
                message: ingested.message.clone(),
                origin: source.connection,
            });
            if ingested.opened || ingested.reopened {
                let routing = self.routing.clone();
                let conversation = ingested.conversation.clone();
                tokio::spawn(async move {
                    // Lost only if the process dies now; routing is rebuilt from the store at start.
                    let _ = routing.enqueue(conversation).await;
                });
            }
        }
        Ok(ingested)
    }
}
