//! Messages the daemon itself writes to customers (the safety notice, an email's
//! acknowledgement, the answer outside business hours): each committed once per key,
//! published to the consoles, and handed to the outbox for delivery.

use std::sync::Arc;

use switchboard_channel::SharedClock;
use tokio::sync::Notify;

use crate::domain::{ConversationId, Message};
use crate::events::{Event, EventBus};
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
    /// written now (not before).
    pub async fn send(&self, conversation_id: &ConversationId, key: String, text: &str) -> Result<bool, StoreError> {
        let written = self.write(conversation_id, key, text, true).await?;
        if written.is_some() {
            self.outbox_wake.notify_one();
        }
        Ok(written.is_some())
    }

    /// Commits `text` to the customer's history without delivering it over the
    /// conversation's channel (a callback's, which has no written channel: the caller tells
    /// the customer where they are); once per `key`. The message, when it was written now.
    pub async fn record(
        &self,
        conversation_id: &ConversationId,
        key: String,
        text: &str,
    ) -> Result<Option<Message>, StoreError> {
        self.write(conversation_id, key, text, false).await
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
