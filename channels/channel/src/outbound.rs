//! What the daemon hands an adapter to send, and how the adapter reports the result.

use async_trait::async_trait;

use crate::envelope::ChannelKind;

/// Where a reply goes, resolved by the daemon from the conversation's customer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recipient {
    pub customer_id: String,
    pub app_user_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
}

/// One committed agent reply to be delivered over its conversation's channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbound {
    /// The outbox row this delivery attempt belongs to.
    pub outbox_id: i64,
    pub channel: ChannelKind,
    pub conversation_id: String,
    pub message_id: String,
    /// The customer-visible sequence number of the message.
    pub seq: i64,
    pub recipient: Recipient,
    /// The conversation subject (email threading uses it).
    pub subject: Option<String>,
    /// The conversation's public reference (`[#K3F9Q2]` in an email subject).
    pub reference: String,
    /// The adapter's account the conversation came in on (an email mailbox's name).
    pub account: Option<String>,
    /// More recipients the agent added (email `Cc`).
    pub cc: Vec<String>,
    /// Written by the system, not by an agent (an acknowledgement): email marks it
    /// `Auto-Submitted: auto-replied`.
    pub automatic: bool,
    /// Plain text to send.
    pub text: String,
    /// Display name of the agent who wrote it.
    pub author_name: String,
    /// External ids of the conversation's earlier messages, oldest first (email `References`).
    pub thread_refs: Vec<String>,
    /// How many times delivery was tried before this attempt.
    pub attempt: u32,
}

/// What a successful delivery reports back, shown to the agent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// The id the far side gave the message (an email Message-ID), if any.
    pub external_id: Option<String>,
    /// A short human-readable result (`250 2.0.0 Ok: queued`).
    pub detail: String,
}

/// Why a delivery failed. Transient failures are retried with backoff; permanent ones are
/// shown to the agent and never retried.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("transient delivery failure: {0}")]
    Transient(String),
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

/// The sending half of a channel adapter.
#[async_trait]
pub trait OutboundChannel: Send + Sync {
    /// The channel this adapter serves.
    fn kind(&self) -> ChannelKind;

    /// Delivers one message. Must finish within the adapter's own network timeouts.
    async fn deliver(&self, message: &Outbound) -> Result<DeliveryReceipt, DeliveryError>;

    /// Whether the adapter can currently reach its far side (for `/readyz`), with a reason
    /// when it cannot.
    async fn ready(&self) -> Result<(), String>;
}
