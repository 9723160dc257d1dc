//! Reaching customers at once: the live sides of the channels that have one, by channel. A
//! conversation's customer hears of it only through the live side of the conversation's own
//! channel, so an email reply never shows in the app as chat.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use switchboard_channel::{ChannelKind, ConnectionId, CustomerEvent, CustomerMessage, LivePush};

use crate::domain::{CustomerId, Message, to_rfc3339};

/// The live sides of the channels, set once the adapters have started.
#[derive(Default)]
pub struct LiveCustomers {
    channels: OnceLock<HashMap<ChannelKind, Arc<dyn LivePush>>>,
}

impl LiveCustomers {
    /// Records the live sides; before this, nobody can be connected and nothing is pushed.
    pub fn set(&self, channels: HashMap<ChannelKind, Arc<dyn LivePush>>) {
        let _ = self.channels.set(channels);
    }

    fn channel(&self, channel: ChannelKind) -> Option<&Arc<dyn LivePush>> {
        self.channels.get().and_then(|c| c.get(&channel))
    }

    /// Whether a channel reaches its customers live.
    pub fn is_live(&self, channel: ChannelKind) -> bool {
        self.channel(channel).is_some()
    }

    /// Pushes an event to the customer's open connections on the channel, but `except`.
    pub fn push(
        &self,
        channel: ChannelKind,
        customer: &CustomerId,
        event: &CustomerEvent,
        except: Option<ConnectionId>,
    ) {
        if let Some(live) = self.channel(channel) {
            live.push(customer.as_str(), event, except);
        }
    }

    /// How a reply pushed now reaches the customer, when the channel is live.
    pub fn delivered(&self, channel: ChannelKind, customer: &CustomerId) -> Option<String> {
        self.channel(channel).map(|live| live.delivered(customer.as_str()))
    }

    /// Whether the customer has an open connection on the channel other than `except`.
    pub fn online(&self, channel: ChannelKind, customer: &CustomerId, except: Option<ConnectionId>) -> bool {
        self.channel(channel).is_some_and(|live| live.online(customer.as_str(), except))
    }
}

/// A customer-visible message as the customer's side shows it. Internal notes have no `seq`
/// and are never passed here.
pub fn customer_message(m: &Message) -> CustomerMessage {
    CustomerMessage {
        conversation_id: m.conversation_id.to_string(),
        seq: m.seq.unwrap_or_default(),
        author_role: m.author_role.as_str(),
        author_name: m.author_name.clone(),
        text: m.text.clone(),
        sent_at: to_rfc3339(m.created_at),
    }
}
