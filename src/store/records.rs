//! The arguments and results of store calls.

use switchboard_channel::{
    Attachment, CallWindow, CallbackOutcome, CallbackRecord, CallbackStatus, ChannelKind, EmailDetails, SenderIdentity,
};

use crate::domain::threading::{JoinRules, Threading};
use crate::domain::{Actor, AgentId, Conversation, ConversationId, Message, Millis, StatusChange, TriageResult};

/// An inbound customer message, already redacted.
#[derive(Clone, Debug)]
pub struct NewInbound {
    pub channel: ChannelKind,
    /// Idempotency key, unique per channel and `key_scope`.
    pub external_id: String,
    /// The sender the key is unique for; `None` for keys unique across the channel.
    pub key_scope: Option<String>,
    pub threading: Threading,
    pub sender: SenderIdentity,
    /// The customer, when the channel already resolved the sender (a chat session did at
    /// `hello`); otherwise the store finds or creates them from `sender`.
    pub customer: Option<crate::domain::CustomerId>,
    pub subject: Option<String>,
    /// Redacted text.
    pub text: String,
    /// True when redaction removed a secret from `text`.
    pub secrets_redacted: bool,
    /// What triage made of this message, merged into the conversation in the same
    /// transaction as [`crate::domain::triage_merge::merge`] decides.
    pub triage: Option<TriageResult>,
    pub received_at: Millis,
    /// The channel account it came in on; a conversation it opens keeps it for replies.
    pub account: Option<String>,
    /// What the sender and the channel allow when the message finds a conversation.
    pub join: JoinRules,
    pub email: Option<EmailDetails>,
    /// Kept with the message, their bytes stored once each.
    pub attachments: Vec<Attachment>,
    /// The whole message, redacted, when `text` is only its new part.
    pub full_text: Option<String>,
}

/// What `ingest` did.
#[derive(Clone, Debug)]
pub struct Ingested {
    pub conversation: Conversation,
    pub message: Message,
    /// True when the external id was seen before: nothing was written.
    pub duplicate: bool,
    /// True when this message opened a new conversation.
    pub opened: bool,
    /// True when this message reopened a resolved conversation.
    pub reopened: bool,
    /// True when the message's triage changed the conversation's category, priority,
    /// language or queue.
    pub triaged: bool,
}

/// Who writes an outbound message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboundAuthor {
    Agent {
        id: AgentId,
        name: String,
    },
    /// An automatic message (a safety notice); shown to the customer as from the system.
    System,
}

/// An agent reply, internal note or system message to commit.
#[derive(Clone, Debug)]
pub struct NewOutbound {
    pub conversation_id: ConversationId,
    pub author: OutboundAuthor,
    /// Idempotency key scoped to the sender (e.g. `agent:<id>:<client_id>`); the same key
    /// again returns the original.
    pub idempotency_key: Option<String>,
    pub text: String,
    /// Internal notes get no `seq` and never reach the customer.
    pub internal: bool,
    /// Whether the conversation's channel adapter must deliver it (an outbox row is written).
    pub deliver: bool,
    /// When set, refused with `Forbidden` unless the conversation is assigned to this agent:
    /// checked in the same transaction as the write, so a reassignment cannot slip between.
    pub assignee_only: Option<AgentId>,
    /// For a conversation on a live channel (chat): the caller delivers the reply itself the
    /// moment it is committed, to the customer's open connections, and this says how it went
    /// (`None` leaves the delivery to the dispatcher). Its outbox row is then recorded as
    /// sent in the same transaction, with this as the detail, and never dispatched.
    pub delivered_live: Option<String>,
    /// More recipients of an email reply.
    pub cc: Vec<String>,
    /// Also deliver the reply over this channel at this time, when the customer is known there
    /// (a chat reply by email, for a customer who may have left the app).
    pub also_by: Option<(ChannelKind, Millis)>,
    pub now: Millis,
}

impl NewOutbound {
    /// An internal note of an agent's, written by the daemon on their behalf (a transfer's
    /// reason, a call's note): never delivered, no idempotency key.
    pub fn agent_note(conversation_id: ConversationId, id: AgentId, name: String, text: String, now: Millis) -> Self {
        Self {
            conversation_id,
            author: OutboundAuthor::Agent { id, name },
            idempotency_key: None,
            text,
            internal: true,
            deliver: false,
            assignee_only: None,
            delivered_live: None,
            cc: Vec::new(),
            also_by: None,
            now,
        }
    }
}

/// What `append_outbound` did.
#[derive(Clone, Debug)]
pub struct Appended {
    pub conversation: Conversation,
    pub message: Message,
    pub duplicate: bool,
    /// The outbox row written, when the message is to be delivered.
    pub outbox_id: Option<i64>,
    /// Set when the outbox row was recorded as delivered live (see
    /// [`NewOutbound::delivered_live`]): the detail it was recorded with.
    pub delivered_live: Option<String>,
}

/// An outbox entry handed to the dispatcher, with what it needs to decide on retries.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub outbound: switchboard_channel::Outbound,
    pub created_at: Millis,
    /// The channel of the conversation; another than the delivery's when the reply also goes
    /// another way (a chat reply by email).
    pub conversation_channel: ChannelKind,
}

/// The result of one delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        detail: String,
        external_id: Option<String>,
    },
    /// A transient failure; try again at the given time.
    RetryAt {
        at: Millis,
        error: String,
    },
    /// Given up: a permanent failure or the retry horizon passed.
    Failed {
        error: String,
    },
    /// Not needed any more: a second delivery of a reply the customer has had by now (they
    /// came back to the app before it was due).
    Skipped {
        detail: String,
    },
}

/// Outbox totals for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub failed: i64,
}

/// One row of the append-only audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    pub conversation_id: ConversationId,
    /// `system`, `customer` or `agent:<id>`.
    pub actor: String,
    /// What happened: `opened`, `reopened`, `status`, `triage`, `redacted`, …
    pub kind: String,
    /// Details as JSON text (from/to status, reason, queue).
    pub detail: String,
    pub at: Millis,
}

/// A routing decision for the audit log, and what it changes of the conversation.
#[derive(Clone, Debug)]
pub struct RoutingNote {
    /// Routing itself, or the agent who transferred.
    pub actor: crate::domain::Actor,
    /// What was decided: `enqueued`, `offered`, `relaxed`, `moved`, `breached`, …
    pub kind: String,
    /// The decision's particulars; its `text` says it in words.
    pub detail: serde_json::Value,
    /// A raised priority (an SLA breach).
    pub priority: Option<crate::domain::Priority>,
    /// A new queue (overflow).
    pub queue: Option<String>,
    /// The decision is a breach of the first-response target: the conversation keeps that.
    pub breached: bool,
    pub now: Millis,
}

/// A message an adapter could not read, as operators list them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuarantineItem {
    pub id: i64,
    pub channel: String,
    pub account: Option<String>,
    pub reason: String,
    /// Bytes of the raw message.
    pub size: u64,
    pub at: Millis,
}

/// A reply the far side reported undeliverable after it was sent (a bounce).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounced {
    pub conversation_id: ConversationId,
    /// The reply's `seq`.
    pub seq: i64,
}

/// A callback request to open: its conversation's first message is the reason.
#[derive(Clone, Debug)]
pub struct NewCallback {
    pub id: String,
    /// The reason, threaded into a new conversation, its idempotency key the request's id.
    pub message: NewInbound,
    /// E.164.
    pub phone: String,
    pub zone: String,
    pub window: Option<CallWindow>,
    /// `Queued`, or `Scheduled` for a request not to be called before `next_attempt_at`.
    pub status: CallbackStatus,
    pub next_attempt_at: Option<Millis>,
    pub unverified_phone: bool,
}

/// What `request_callback` did: the request, and the message it opened it with, unless the
/// customer already had an open request for the number (then nothing was written).
#[derive(Clone, Debug)]
pub struct CallbackOpened {
    pub callback: CallbackRecord,
    pub ingested: Option<Ingested>,
}

/// A step in a callback request's life, with the move of its conversation it comes with.
#[derive(Clone, Debug)]
pub struct CallbackChange {
    /// Taken only while the request stands in one of these; otherwise `Conflict`, and nothing
    /// changes.
    pub from: Vec<CallbackStatus>,
    pub status: CallbackStatus,
    /// One more call was made.
    pub attempted: bool,
    /// How the call went, when one was made.
    pub outcome: Option<CallbackOutcome>,
    /// Why the request failed, when it did.
    pub failure: Option<String>,
    /// When a scheduled request comes up, or until when the customer is being called first;
    /// its conversation is held out of routing until then.
    pub next_attempt_at: Option<Millis>,
    /// The move of its conversation, in the same transaction.
    pub conversation: Option<StatusChange>,
    pub actor: Actor,
    /// Why, in a word (`window_opened`, `no_answer`, `cancelled`), for the audit log.
    pub reason: String,
    pub now: Millis,
}

/// Where the delivery of one agent reply stands, as its outbox row says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyDelivery {
    pub seq: i64,
    /// `sending` (still pending, retries included), `sent` or `failed`.
    pub state: &'static str,
    /// The channel's answer when sent, the error when failed or being retried.
    pub detail: Option<String>,
}
