//! The inbound side: what an adapter hands the daemon and may ask of it. An adapter submits
//! each message and answers its far side (a chat `ack`, an IMAP `\Seen`, an HTTP 201) only
//! once the daemon says the message is committed, so nothing acknowledged is ever lost.

use async_trait::async_trait;
use futures::future::BoxFuture;

use crate::envelope::{Inbound, SenderIdentity};
use crate::live::{ConnectionId, CustomerMessage};

/// Who sent a message, as far as the adapter already knows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The live connection that sent it, which answers for itself: the daemon's fan-out
    /// skips it.
    pub connection: Option<ConnectionId>,
    /// The customer, when the adapter already resolved the sender (see [`InboundSink::begin`]).
    pub customer: Option<String>,
}

/// A committed message, or the one committed before under the same idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub conversation_id: String,
    /// The conversation's public reference (`K3F9Q2MX`), for the customer to quote.
    pub reference: String,
    /// The message as the customer sees it (its `seq` included).
    pub message: CustomerMessage,
    /// True when the key was seen before: nothing new was written.
    pub duplicate: bool,
}

/// Why a message was not taken. Nothing was stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("message text is empty")]
    Empty,
    #[error("message text is longer than {0} characters")]
    TooLong(usize),
    #[error("sender has no identity")]
    Anonymous,
    /// The store has too many writes waiting: try again shortly.
    #[error("too busy; try again shortly")]
    Busy,
    /// The store failed or is shutting down: try again later.
    #[error("not saved; try again later")]
    Unavailable,
}

/// Where a customer stands when a live session starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionStart {
    pub customer_id: String,
    /// The customer's open conversation on the channel, with its highest `seq`.
    pub conversation: Option<(String, i64)>,
}

/// Something a connected customer does that is not a message: shown to the agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerSignal {
    Typing {
        on: bool,
    },
    /// The customer has seen the conversation up to `seq`.
    Read {
        seq: i64,
    },
}

/// What the daemon offers every adapter. Implemented by the daemon; adapters hold it as
/// `Arc<dyn InboundSink>` from their context.
#[async_trait]
pub trait InboundSink: Send + Sync + 'static {
    /// Commits one customer message (or finds it committed before under its idempotency key).
    /// The message is checked and queued when this is called, so messages one adapter submits
    /// for one conversation commit in the order submitted, even when it awaits several at once.
    fn submit(&self, inbound: Inbound, origin: Origin) -> BoxFuture<'static, Result<Accepted, Refused>>;

    /// Resolves a live session's customer (created on first contact) and finds their open
    /// conversation on the adapter's channel.
    async fn begin(&self, sender: &SenderIdentity) -> Result<SessionStart, Refused>;

    /// Customer-visible messages of a conversation with `seq > after_seq`, oldest first, at
    /// most `limit` of them: a replay is read page by page.
    async fn replay(
        &self,
        conversation_id: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<CustomerMessage>, Refused>;

    /// Passes a connected customer's signal on to the agents of the conversation.
    fn signal(&self, conversation_id: &str, signal: CustomerSignal, from: ConnectionId);

    /// A value the adapter saved under `key` (its own namespace: an IMAP folder's cursor).
    async fn load_state(&self, key: &str) -> Result<Option<String>, Refused>;

    /// Saves a value under `key`, durably, replacing what was there.
    async fn save_state(&self, key: &str, value: &str) -> Result<(), Refused>;

    /// Keeps a message that could not be read (raw, with why) where operators list it,
    /// instead of ingesting it. Durable when this returns.
    async fn quarantine(&self, item: Quarantined) -> Result<(), Refused>;

    /// What the far side later reported about a delivered reply, found by the id the adapter
    /// gave it (a bounce naming one of our Message-IDs): the reply is marked failed with the
    /// reason and its agent told. The conversation, when the id was ours.
    async fn delivery_failed(&self, external_id: &str, reason: &str) -> Result<Option<String>, Refused>;

    /// Sends the customer an automatic message in a conversation (an acknowledgement of their
    /// mail), committed and delivered like an agent's reply but written by the system; once
    /// per conversation, however often it is asked.
    async fn acknowledge(&self, conversation_id: &str, text: &str) -> Result<(), Refused>;
}

/// A message an adapter could not read, kept raw for an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantined {
    /// The adapter's account it came from (a mailbox).
    pub account: Option<String>,
    /// Why it could not be read.
    pub reason: String,
    pub raw: std::sync::Arc<[u8]>,
}
