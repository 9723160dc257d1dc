//! The daemon's side of the inbound contract: what each channel adapter submits its messages
//! to and asks of the daemon, one sink per channel.

use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use switchboard_channel::{
    Accepted, ChannelKind, ConnectionId, CustomerMessage, CustomerSignal, Inbound, InboundSink, Origin, Quarantined,
    Refused, SenderIdentity, SessionStart, SharedClock,
};

use crate::agent_wire::frames::ConsoleFrame;
use crate::config::RoutingConfig;
use crate::domain::{ConversationId, CustomerId};
use crate::hub::Hub;
use crate::ingest::{Ingestor, Source, refused};
use crate::live::customer_message;
use crate::routing::expected_response;
use crate::store::Store;
use crate::telemetry::names;

/// The placeholder an acknowledgement's text may hold for the expected response time.
const RESPONSE_TIME: &str = "{response_time}";

/// The inbound sink of one channel.
pub struct ChannelSink {
    pub channel: ChannelKind,
    pub ingestor: Ingestor,
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    pub clock: SharedClock,
    /// The queues' first-response targets, which an acknowledgement can state.
    pub routing: Arc<RoutingConfig>,
}

/// A store failure as an adapter is told of it; overload is counted, anything else logged.
#[async_trait]
impl InboundSink for ChannelSink {
    fn submit(&self, inbound: Inbound, origin: Origin) -> BoxFuture<'static, Result<Accepted, Refused>> {
        let source = Source {
            connection: origin.connection.map(crate::events::Origin::Customer),
            customer: origin.customer.map(CustomerId),
        };
        let committing = self.ingestor.ingest(inbound, source);
        Box::pin(async move {
            let done = committing.await?;
            Ok(Accepted {
                conversation_id: done.conversation.id.to_string(),
                reference: done.conversation.reference.clone(),
                message: customer_message(&done.message),
                duplicate: done.duplicate,
            })
        })
    }

    async fn begin(&self, sender: &SenderIdentity) -> Result<SessionStart, Refused> {
        let customer = self.store.resolve_customer(sender, self.clock.now()).await.map_err(refused)?;
        let latest = self.store.latest_conversation(&customer, self.channel).await.map_err(refused)?;
        Ok(SessionStart { customer_id: customer.0, conversation: latest.map(|c| (c.id.0, c.last_seq)) })
    }

    async fn replay(
        &self,
        conversation_id: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<CustomerMessage>, Refused> {
        let id = ConversationId(conversation_id.to_owned());
        let page = self.store.messages_page(&id, after_seq, limit).await.map_err(refused)?;
        Ok(page.iter().map(customer_message).collect())
    }

    fn signal(&self, conversation_id: &str, signal: CustomerSignal, _from: ConnectionId) {
        let conversation_id = conversation_id.to_owned();
        let frame = match signal {
            CustomerSignal::Typing { on } => ConsoleFrame::Typing { conversation_id: conversation_id.clone(), on },
            CustomerSignal::Read { seq } => ConsoleFrame::Read { conversation_id: conversation_id.clone(), seq },
        };
        self.hub.to_conversation_agents(&ConversationId(conversation_id), Arc::from(frame.to_json()), None, None);
    }

    async fn load_state(&self, key: &str) -> Result<Option<String>, Refused> {
        self.store.load_state(self.channel, key).await.map_err(refused)
    }

    async fn save_state(&self, key: &str, value: &str) -> Result<(), Refused> {
        self.store.save_state(self.channel, key, value, self.clock.now()).await.map_err(refused)
    }

    async fn quarantine(&self, item: Quarantined) -> Result<(), Refused> {
        let now = self.clock.now();
        let id = self
            .store
            .quarantine(self.channel, item.account.as_deref(), &item.reason, &item.raw, now)
            .await
            .map_err(refused)?;
        metrics::counter!(names::QUARANTINED, "channel" => self.channel.as_str()).increment(1);
        tracing::warn!(quarantine_id = id, channel = %self.channel, account = item.account, reason = item.reason, "Message quarantined");
        Ok(())
    }

    async fn delivery_failed(&self, external_id: &str, reason: &str) -> Result<Option<String>, Refused> {
        let now = self.clock.now();
        let bounced = self.store.delivery_failed(self.channel, external_id, reason, now).await.map_err(refused)?;
        Ok(bounced.map(|b| {
            tracing::info!(conversation_id = %b.conversation_id, seq = b.seq, "Reply bounced");
            self.ingestor.delivery_failed(&b.conversation_id, b.seq, reason);
            b.conversation_id.0
        }))
    }

    async fn acknowledge(&self, conversation_id: &str, text: &str) -> Result<(), Refused> {
        let id = ConversationId(conversation_id.to_owned());
        let c = self.store.conversation(&id).await.map_err(refused)?;
        let expected = c.as_ref().map(|c| expected_response(&self.routing, c)).unwrap_or_default();
        let mut text = text.replace(RESPONSE_TIME, &expected);
        // Nobody waits live by email: the intake questions come with the acknowledgement.
        if let Some(c) = &c
            && let Some(questions) = self.ingestor.playbook().questions(c).await
        {
            text = format!("{text}\n\n{questions}");
        }
        // One acknowledgement per conversation, however often the adapter asks.
        self.ingestor.system().send(&id, format!("acknowledgement:{conversation_id}"), &text).await.map_err(refused)?;
        Ok(())
    }
}
