//! Messages the daemon itself writes to customers (the safety notice, an email's
//! acknowledgement, the answer outside business hours, what a callback customer is told):
//! each committed once per key, published to the consoles, and handed to the outbox for
//! delivery.

use std::sync::Arc;

use switchboard_channel::{ChannelKind, CustomerEvent, SharedClock};
use tokio::sync::Notify;

use crate::domain::{ConversationId, Message};
use crate::events::{Event, EventBus};
use crate::live::customer_message;
use crate::store::{NewOutbound, OutboundAuthor, Store, StoreError};

#[derive(Clone)]
pub struct SystemMessages {
    pub store: Arc<dyn Store>,
    pub events: EventBus,
    /// Wakes the dispatcher to deliver them.
    pub outbox_wake: Arc<Notify>,
    pub clock: SharedClock,
}

impl SystemMessages {
    /// Commits `text` to the customer and has it delivered; once per `key`. True when it was
    /// written now (not before). A callback has no written channel: its message is kept in
    /// its history and shown on the customer's open chat connections, where a callback
    /// customer may be reading.
    pub async fn send(&self, conversation_id: &ConversationId, key: String, text: &str) -> Result<bool, StoreError> {
        let conversation = self.store.conversation(conversation_id).await?;
        let callback = conversation.as_ref().filter(|c| c.channel == ChannelKind::Callback);
        let written = self.write(conversation_id, key, text, callback.is_none()).await?;
        match (&written, callback) {
            (Some(message), Some(c)) => {
                let event = CustomerEvent::Message(customer_message(message));
                self.events.live().push(ChannelKind::Chat, &c.customer_id, &event, None);
            }
            (Some(_), None) => self.outbox_wake.notify_one(),
            (None, _) => {}
        }
        Ok(written.is_some())
    }

    async fn write(
        &self,
        conversation_id: &ConversationId,
        key: String,
        text: &str,
        deliver: bool,
    ) -> Result<Option<Message>, StoreError> {
        let message = NewOutbound {
            conversation_id: conversation_id.clone(),
            author: OutboundAuthor::System,
            idempotency_key: Some(key),
            text: text.to_owned(),
            internal: false,
            deliver,
            assignee_only: None,
            // Rare enough to leave to the dispatcher, whatever the channel.
            delivered_live: None,
            cc: Vec::new(),
            also_by: None,
            now: self.clock.now(),
        };
        let appended = self.store.append_outbound(message).await?;
        if appended.duplicate {
            return Ok(None);
        }
        self.events.publish(Event::Message {
            conversation: appended.conversation,
            message: appended.message.clone(),
            origin: None,
        });
        Ok(Some(appended.message))
    }
}
