//! Delivery of agent replies to chat customers. A reply reaches every connected device of the
//! customer the moment it is committed, and a device that was offline replays it on
//! reconnect, so delivery only reports which of the two happened.

use std::sync::Arc;

use switchboard_channel::{ChannelKind, DeliveryError, DeliveryReceipt, LivePush, Outbound, OutboundChannel};

use crate::connections::Connections;

/// How a chat reply was delivered, as agents are told.
pub fn delivery_detail(customer_online: bool) -> &'static str {
    if customer_online { "delivered to the app" } else { "customer offline; the app receives it on reconnect" }
}

pub struct ChatDelivery {
    pub connections: Arc<Connections>,
}

#[async_trait::async_trait]
impl OutboundChannel for ChatDelivery {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Chat
    }

    async fn deliver(&self, message: &Outbound) -> Result<DeliveryReceipt, DeliveryError> {
        let online = self.connections.online(&message.recipient.customer_id, None);
        Ok(DeliveryReceipt { external_id: None, detail: delivery_detail(online).into() })
    }

    async fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}
