//! Durable storage behind one trait, with one implementation per backend. Every write that
//! must be atomic (a message with its outbox and audit rows) is one call, so no caller can
//! leave half a change behind. The trait holds data operations and the checks that must be
//! atomic with them; what a write does to a conversation is decided by the rules in
//! [`crate::domain`], which every backend applies inside its transaction rather than
//! restating them.

mod error;
mod records;
pub mod sqlite;

use async_trait::async_trait;
use futures::future::BoxFuture;

use switchboard_channel::ChannelKind;

use switchboard_channel::CallbackRecord;

use crate::domain::{
    AccountAction, ActionId, ActionOutcome, Agent, AgentId, CannedResponse, Capacity, Conversation, ConversationId,
    Customer, CustomerId, IdentityVerification, IntakeFields, Message, Millis, NewAction, NewAgent, StoredAttachment,
};
// Arguments of store calls that the domain's rules take too, so they are defined there.
pub use crate::domain::threading::Threading;
pub use crate::domain::{Actor, StatusChange};
pub use error::StoreError;
pub use records::{
    Appended, AuditEvent, Bounced, CallbackChange, CallbackOpened, ClaimedDelivery, DeliveryOutcome, Ingested,
    NewCallback, NewInbound, NewOutbound, OutboundAuthor, OutboxCounts, QuarantineItem, ReplyDelivery, RoutingNote,
};

/// Opens the store a URL names: `sqlite://PATH` (created if missing). Migrations are applied.
pub async fn open(url: &str, options: &crate::config::StoreConfig) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(sqlite::SqliteStore::open(url, options).await?))
    } else {
        Err(StoreError::Unsupported(format!("store.url: only sqlite:// is supported by this build, got {url:?}")))
    }
}

/// Everything the daemon keeps. Each method is atomic: it happens whole or not at all, and
/// what it reads and checks cannot change under it before it writes.
///
/// Order is promised per conversation, not across calls: the customer-visible messages of a
/// conversation get consecutive `seq`s (1, 2, 3 … with no gaps), and those one caller submits
/// through [`Store::ingest`] and [`Store::append_outbound`] get them in the order it submitted
/// them. Writes from different callers, or to different conversations, may commit in any
/// order relative to each other.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks that the backend answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Commits one inbound customer message in one transaction: dedupe on (channel, key scope,
    /// external id), find or create the customer, find the conversation the message's
    /// [`Threading`] names and do what [`threading::join`] decides (join, reopen or open
    /// one), append the message with the conversation's next `seq`, merge its triage
    /// ([`triage_merge::merge`]) and record the audit rows. The dedupe is atomic with the
    /// write: a repeated key, even from concurrent calls, changes nothing and returns the
    /// original with `duplicate: true`. Concurrent first messages of one sender threaded to
    /// their latest open conversation open one conversation between them.
    ///
    /// The call takes its place when it is made, not when the future is first polled:
    /// messages one caller ingests one after another get their `seq` in that order, even when
    /// it awaits none of them before ingesting the next. `Busy` when the store is too far
    /// behind to take it.
    ///
    /// [`threading::join`]: crate::domain::threading::join
    /// [`triage_merge::merge`]: crate::domain::triage_merge::merge
    fn ingest(&self, message: NewInbound) -> BoxFuture<'static, Result<Ingested, StoreError>>;

    /// Commits an agent reply, internal note or system message, with its outbox row when it
    /// must be delivered, in one transaction: [`permissions::may_write`] is checked in it, and
    /// [`reply::reply`] and [`reply::delivery`] decide the `seq`, the status move and the
    /// outbox row. Idempotent on `idempotency_key`, atomically like the dedupe of
    /// [`Store::ingest`]. Takes its place when called, like [`Store::ingest`], so one caller's
    /// messages keep their order.
    ///
    /// [`permissions::may_write`]: crate::domain::permissions::may_write
    /// [`reply::reply`]: crate::domain::reply::reply
    /// [`reply::delivery`]: crate::domain::reply::delivery
    fn append_outbound(&self, message: NewOutbound) -> BoxFuture<'static, Result<Appended, StoreError>>;

    /// Moves a conversation as [`StatusChange::apply_to`] decides (refusing illegal moves, and
    /// then changing nothing) and appends an audit row, in one transaction. `NotFound` for an
    /// unknown conversation.
    ///
    /// Takes its place when called, like [`Store::ingest`]: a caller may make several moves
    /// and await them together, and they share one commit.
    fn change_status(
        &self,
        id: &ConversationId,
        change: StatusChange,
    ) -> BoxFuture<'static, Result<Conversation, StoreError>>;

    /// Records a routing decision in the audit log (`kind`, `detail`), changing the
    /// conversation's priority or queue with it when the note carries one, in one
    /// transaction. `NotFound` for an unknown conversation. Takes its place when called.
    fn record_routing(
        &self,
        id: &ConversationId,
        note: RoutingNote,
    ) -> BoxFuture<'static, Result<Conversation, StoreError>>;

    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError>;

    /// Opens a callback request in one transaction: finds or creates the customer, and when
    /// they have no open request (queued, scheduled or in progress) for the number, ingests
    /// the reason as the first message of a new conversation (as [`Store::ingest`] does,
    /// held out of routing until `next_attempt_at` when scheduled) and records the request.
    /// With an open request for the number, nothing is written and that one is returned: at
    /// most one is ever open per customer and number, even under concurrent calls.
    fn request_callback(&self, callback: NewCallback) -> BoxFuture<'static, Result<CallbackOpened, StoreError>>;

    /// Moves a callback request as `change` says, with its conversation's move, in one
    /// transaction; `Conflict` (and no change) unless it stands in one of `change.from`.
    /// The conversation is held out of routing until `next_attempt_at` while the request is
    /// scheduled (or in progress with the customer called first), and released otherwise.
    fn update_callback(
        &self,
        id: &str,
        change: CallbackChange,
    ) -> BoxFuture<'static, Result<(CallbackRecord, Conversation), StoreError>>;

    async fn callback(&self, id: &str) -> Result<Option<CallbackRecord>, StoreError>;

    /// The callback request a conversation was opened for.
    async fn callback_of(&self, conversation: &ConversationId) -> Result<Option<CallbackRecord>, StoreError>;

    /// Requests that are queued, scheduled or in progress, oldest first.
    async fn open_callbacks(&self) -> Result<Vec<CallbackRecord>, StoreError>;

    /// A customer's newest conversations on every channel, at most `limit`.
    async fn customer_conversations(&self, customer: &CustomerId, limit: u32) -> Result<Vec<Conversation>, StoreError>;

    /// Conversations that are not resolved or closed, oldest first (to rebuild routing state).
    async fn open_conversations(&self) -> Result<Vec<Conversation>, StoreError>;

    /// The customer's newest conversation on a channel that is not closed.
    async fn latest_conversation(
        &self,
        customer: &CustomerId,
        channel: switchboard_channel::ChannelKind,
    ) -> Result<Option<Conversation>, StoreError>;

    /// The agent one of the customer's conversations was last assigned to: who a returning
    /// customer goes back to.
    async fn last_assignee(&self, customer: &CustomerId) -> Result<Option<AgentId>, StoreError>;

    /// How many conversations each agent resolved since `since`, from the audit log.
    async fn resolved_since(&self, since: Millis) -> Result<Vec<(AgentId, u32)>, StoreError>;

    /// Messages of a conversation, oldest first: customer-visible ones with `seq > after_seq`,
    /// in `seq` order, plus internal notes when `include_internal`.
    async fn messages(
        &self,
        id: &ConversationId,
        after_seq: i64,
        include_internal: bool,
    ) -> Result<Vec<Message>, StoreError>;

    /// At most `limit` customer-visible messages with `seq > after_seq`, in `seq` order: a
    /// page of a replay.
    async fn messages_page(
        &self,
        id: &ConversationId,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError>;

    /// The customer the sender's identities belong to (found by those [`identity::lookup`]
    /// names), created when there is none yet. Identities not yet known are recorded for
    /// that customer; one already tied to another customer stays with that one.
    ///
    /// [`identity::lookup`]: crate::domain::identity::lookup
    async fn resolve_customer(
        &self,
        sender: &switchboard_channel::SenderIdentity,
        now: Millis,
    ) -> Result<CustomerId, StoreError>;

    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, StoreError>;

    /// The customer an app user id belongs to, if they ever wrote.
    async fn customer_by_app_user(&self, app_user_id: &str) -> Result<Option<Customer>, StoreError>;

    /// Takes up to `limit` pending outbox entries whose time has come, earliest due first, and
    /// leases them until `now + lease`, so a dispatcher that dies mid-delivery leaves them to
    /// be retried; an attempt that never reported a result is not counted. An email entry
    /// carries the ids of its conversation's messages, to thread the reply by.
    async fn claim_outbox(
        &self,
        now: Millis,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;

    /// Records the result of one delivery attempt. `NotFound` unless the entry is pending (a
    /// late result for a delivery already finished changes nothing). The far side's id for a
    /// sent message threads the customer's answer to it into its conversation.
    async fn record_delivery(&self, outbox_id: i64, outcome: DeliveryOutcome, now: Millis) -> Result<(), StoreError>;

    /// How many outbox entries are pending and failed (for metrics).
    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError>;

    /// The earliest time a pending outbox entry is due, if any.
    async fn next_outbox_due(&self) -> Result<Option<Millis>, StoreError>;

    /// `Conflict` when the login is taken.
    async fn add_agent(&self, agent: NewAgent) -> Result<Agent, StoreError>;
    /// Every agent, by login.
    async fn agents(&self) -> Result<Vec<Agent>, StoreError>;
    async fn agent_by_login(&self, login: &str) -> Result<Option<Agent>, StoreError>;
    async fn agent(&self, id: &crate::domain::AgentId) -> Result<Option<Agent>, StoreError>;
    /// Disables or re-enables an agent; `NotFound` for an unknown login.
    async fn set_agent_disabled(&self, login: &str, disabled: bool) -> Result<Agent, StoreError>;

    /// Replaces an agent's skills or own capacity (what is `None` stays); `NotFound` for an
    /// unknown login. Routing reads them when the agent's next session opens.
    async fn set_agent_routing(
        &self,
        login: &str,
        skills: Option<Vec<String>>,
        capacity: Option<Capacity>,
    ) -> Result<Agent, StoreError>;

    /// The audit log of a conversation, oldest first.
    async fn audit_events(&self, id: &ConversationId) -> Result<Vec<AuditEvent>, StoreError>;

    /// What a channel adapter saved under `key` (its cursors, its suppressed addresses).
    async fn load_state(&self, channel: ChannelKind, key: &str) -> Result<Option<String>, StoreError>;

    /// Saves an adapter's value under `key`, replacing what was there.
    async fn save_state(&self, channel: ChannelKind, key: &str, value: &str, now: Millis) -> Result<(), StoreError>;

    /// Keeps a message an adapter could not read; returns its quarantine id.
    async fn quarantine(
        &self,
        channel: ChannelKind,
        account: Option<&str>,
        reason: &str,
        raw: &[u8],
        now: Millis,
    ) -> Result<i64, StoreError>;

    /// The newest quarantined messages, at most `limit`.
    async fn quarantined(&self, limit: u32) -> Result<Vec<QuarantineItem>, StoreError>;

    /// A quarantined message's raw bytes.
    async fn quarantined_raw(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError>;

    /// An attachment's listing, the conversation it belongs to, and its bytes.
    async fn attachment(&self, id: &str) -> Result<Option<(StoredAttachment, ConversationId, Vec<u8>)>, StoreError>;

    /// The whole of a message as it arrived (an email's text with its quoted history,
    /// redacted), and its conversation.
    async fn original(&self, message_id: &str) -> Result<Option<(ConversationId, Vec<u8>)>, StoreError>;

    /// Every canned response, by language then title.
    async fn canned_responses(&self) -> Result<Vec<CannedResponse>, StoreError>;
    /// Adds a canned response; `Conflict` (and no change) when its language and title are
    /// taken or `max` are kept already.
    async fn add_canned(&self, canned: CannedResponse, max: usize) -> Result<(), StoreError>;
    /// Replaces the canned response with its id; `NotFound` for an unknown one, `Conflict`
    /// when another has its language and title.
    async fn update_canned(&self, canned: CannedResponse) -> Result<(), StoreError>;
    /// `NotFound` for an unknown id.
    async fn delete_canned(&self, id: &str) -> Result<(), StoreError>;
    /// Where the delivery of each agent reply of a conversation stands, by `seq`.
    async fn reply_deliveries(&self, id: &ConversationId) -> Result<Vec<ReplyDelivery>, StoreError>;

    /// Marks the reply a channel sent under `external_id` failed with `reason` (a bounce that
    /// came back after it was accepted) and records it in the audit log; `None` when no reply
    /// of ours has that id.
    async fn delivery_failed(
        &self,
        channel: ChannelKind,
        external_id: &str,
        reason: &str,
        now: Millis,
    ) -> Result<Option<Bounced>, StoreError>;

    /// Commits an account action and its audit row, unless one with its request key, or a
    /// pending one of the same kind on the same account, exists: then that one, and `false`.
    /// `NotFound` for an unknown conversation.
    async fn request_action(&self, action: NewAction) -> Result<(AccountAction, bool), StoreError>;

    /// Takes up to `limit` pending account actions whose time has come and leases them until
    /// `now + lease`, as [`Store::claim_outbox`] does.
    async fn claim_actions(
        &self,
        now: Millis,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<AccountAction>, StoreError>;

    /// Records one call's result for a pending action (an audit row when it ends); `NotFound`
    /// unless it is pending.
    async fn record_action(
        &self,
        id: &ActionId,
        outcome: ActionOutcome,
        now: Millis,
    ) -> Result<AccountAction, StoreError>;

    /// A conversation's account actions, oldest first.
    async fn conversation_actions(&self, id: &ConversationId) -> Result<Vec<AccountAction>, StoreError>;

    /// Records that an agent verified the customer's identity, with an audit row.
    async fn verify_identity(&self, verification: IdentityVerification) -> Result<(), StoreError>;

    /// The latest identity verification on a conversation.
    async fn identity_verification(&self, id: &ConversationId) -> Result<Option<IdentityVerification>, StoreError>;

    /// Merges transaction details into a conversation's intake ([`IntakeFields::merged`]);
    /// returns what it holds now. `NotFound` for an unknown conversation.
    async fn save_intake(
        &self,
        id: &ConversationId,
        fields: IntakeFields,
        now: Millis,
    ) -> Result<IntakeFields, StoreError>;

    async fn intake(&self, id: &ConversationId) -> Result<Option<IntakeFields>, StoreError>;
}
