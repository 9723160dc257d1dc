//! The embedded SQLite store: WAL mode, one group-commit writer thread with a sync thread and
//! a checkpoint thread beside it, and a small pool of read connections. Migrations are
//! compiled into the binary.

#[macro_use]
mod rows;
mod callbacks;
mod canned;
mod checkpointer;
mod conversations;
mod error;
mod files;
mod outbox;
mod playbook;
mod queries;
mod schema;
mod syncer;
mod writer;

use std::time::Duration;

use async_trait::async_trait;
use deadpool_sqlite::{Hook, HookError, Pool, Runtime};
use futures::future::BoxFuture;
use rusqlite::{Connection, params};
use switchboard_channel::{CallbackRecord, ChannelKind};

use self::checkpointer::Checkpointer;
use self::queries::execute;
use self::syncer::Syncer;
use self::writer::Writer;
use super::{
    Appended, AuditEvent, Bounced, CallbackChange, CallbackOpened, ClaimedDelivery, DeliveryOutcome, Ingested,
    NewCallback, NewInbound, NewOutbound, OutboxCounts, QuarantineItem, ReplyDelivery, RoutingNote, StatusChange,
    Store, StoreError,
};
use crate::config::{StoreConfig, Synchronous};
use crate::domain::{
    AccountAction, ActionId, ActionOutcome, Agent, AgentId, CannedResponse, Capacity, Conversation, ConversationId,
    Customer, CustomerId, IdentityVerification, IntakeFields, Message, Millis, NewAction, NewAgent, StoredAttachment,
};

pub struct SqliteStore {
    writer: Writer,
    readers: Pool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database a `sqlite://PATH` URL names and migrates it.
    pub async fn open(url: &str, config: &StoreConfig) -> Result<Self, StoreError> {
        let path = schema::path_of(url)?;
        let (synchronous, busy_timeout) = (config.synchronous, config.busy_timeout_ms);
        let open_path = path.clone();
        let (conn, checkpoints) = tokio::task::spawn_blocking(move || {
            let writer = schema::open_writer(&open_path, busy_timeout)?;
            let checkpoints = schema::open_checkpointer(&open_path, busy_timeout)?;
            Ok::<_, StoreError>((writer, checkpoints))
        })
        .await
        .map_err(unavailable)??;
        let checkpointer = Checkpointer::start(checkpoints, &path).map_err(unavailable)?;
        let durable = match synchronous {
            Synchronous::Full => Some(Syncer::start(&path).map_err(unavailable)?),
            Synchronous::Normal => None,
        };
        let writer = Writer::start(conn, config.write_batch, checkpointer, durable).map_err(unavailable)?;
        let readers = deadpool_sqlite::Config::new(path)
            .builder(Runtime::Tokio1)
            .map_err(unavailable)?
            .max_size(config.read_connections as usize)
            .wait_timeout(Some(Duration::from_secs(10)))
            .post_create(Hook::async_fn(move |conn, _| {
                Box::pin(async move {
                    conn.interact(move |c| schema::configure_reader(c, busy_timeout))
                        .await
                        .map_err(|e| HookError::message(e.to_string()))?
                        .map_err(HookError::Backend)
                })
            }))
            .build()
            .map_err(unavailable)?;
        Ok(Self { writer, readers })
    }

    /// Runs a read on one of the read connections, off the async threads.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.readers.get().await.map_err(unavailable)?;
        conn.interact(move |c| f(c)).await.map_err(unavailable)?
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| queries::optional(c, "SELECT 1", [], queries::first::<i64>)).await?;
        Ok(())
    }

    fn ingest(&self, message: NewInbound) -> BoxFuture<'static, Result<Ingested, StoreError>> {
        Box::pin(self.writer.submit(move |c| conversations::ingest(c, &message)))
    }

    fn append_outbound(&self, message: NewOutbound) -> BoxFuture<'static, Result<Appended, StoreError>> {
        Box::pin(self.writer.submit(move |c| conversations::append_outbound(c, &message)))
    }

    fn change_status(
        &self,
        id: &ConversationId,
        change: StatusChange,
    ) -> BoxFuture<'static, Result<Conversation, StoreError>> {
        let id = id.clone();
        Box::pin(self.writer.submit(move |c| conversations::change_status(c, &id, &change)))
    }

    fn record_routing(
        &self,
        id: &ConversationId,
        note: RoutingNote,
    ) -> BoxFuture<'static, Result<Conversation, StoreError>> {
        let id = id.clone();
        Box::pin(self.writer.submit(move |c| conversations::record_routing(c, &id, &note)))
    }

    fn request_callback(&self, callback: NewCallback) -> BoxFuture<'static, Result<CallbackOpened, StoreError>> {
        Box::pin(self.writer.submit(move |c| callbacks::request(c, &callback)))
    }

    fn update_callback(
        &self,
        id: &str,
        change: CallbackChange,
    ) -> BoxFuture<'static, Result<(CallbackRecord, Conversation), StoreError>> {
        let id = id.to_owned();
        Box::pin(self.writer.submit(move |c| callbacks::update(c, &id, &change)))
    }

    async fn callback(&self, id: &str) -> Result<Option<CallbackRecord>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| callbacks::by_id(c, &id)).await
    }

    async fn callback_of(&self, conversation: &ConversationId) -> Result<Option<CallbackRecord>, StoreError> {
        let id = conversation.clone();
        self.read(move |c| callbacks::of_conversation(c, &id)).await
    }

    async fn open_callbacks(&self) -> Result<Vec<CallbackRecord>, StoreError> {
        self.read(callbacks::open).await
    }

    async fn customer_conversations(&self, customer: &CustomerId, limit: u32) -> Result<Vec<Conversation>, StoreError> {
        let customer = customer.clone();
        self.read(move |c| callbacks::of_customer(c, &customer, limit)).await
    }

    async fn resolved_since(&self, since: Millis) -> Result<Vec<(AgentId, u32)>, StoreError> {
        self.read(move |c| queries::resolved_since(c, since)).await
    }

    async fn last_assignee(&self, customer: &CustomerId) -> Result<Option<AgentId>, StoreError> {
        let customer = customer.clone();
        self.read(move |c| queries::last_assignee(c, &customer)).await
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
        let id = id.clone();
        self.read(move |c| queries::conversation(c, &id)).await
    }

    async fn open_conversations(&self) -> Result<Vec<Conversation>, StoreError> {
        let sql = concat!(
            "SELECT ",
            conversation_columns!(),
            " FROM conversations WHERE status NOT IN ('resolved', 'closed') ORDER BY created_at"
        );
        self.read(move |c| queries::all(c, sql, [], rows::conversation)).await
    }

    async fn latest_conversation(
        &self,
        customer: &CustomerId,
        channel: ChannelKind,
    ) -> Result<Option<Conversation>, StoreError> {
        let customer = customer.clone();
        self.read(move |c| queries::latest_conversation(c, customer.as_str(), channel.as_str())).await
    }

    async fn messages(
        &self,
        id: &ConversationId,
        after_seq: i64,
        include_internal: bool,
    ) -> Result<Vec<Message>, StoreError> {
        let sql = concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE conversation_id = ?1 AND (seq > ?2 OR (seq IS NULL AND ?3)) ORDER BY rowid"
        );
        let id = id.clone();
        self.read(move |c| queries::all(c, sql, params![id.as_str(), after_seq, include_internal], rows::message)).await
    }

    async fn messages_page(
        &self,
        id: &ConversationId,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let sql = concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
        );
        let (id, limit) = (id.clone(), limit.min(i64::MAX as usize) as i64);
        self.read(move |c| queries::all(c, sql, params![id.as_str(), after_seq, limit], rows::message)).await
    }

    async fn resolve_customer(
        &self,
        sender: &switchboard_channel::SenderIdentity,
        now: Millis,
    ) -> Result<CustomerId, StoreError> {
        let sender = sender.clone();
        self.writer.write(move |c| conversations::resolve_customer(c, &sender, now)).await
    }

    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, StoreError> {
        let id = id.clone();
        self.read(move |c| customer(c, &id)).await
    }

    async fn customer_by_app_user(&self, app_user_id: &str) -> Result<Option<Customer>, StoreError> {
        let app_user_id = app_user_id.to_owned();
        self.read(move |c| {
            let sql = "SELECT customer_id FROM customer_identities WHERE kind = 'app_user' AND value = ?1";
            match queries::optional(c, sql, [&app_user_id], queries::first)? {
                Some(id) => customer(c, &CustomerId(id)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn claim_outbox(&self, now: Millis, lease: Duration, limit: u32) -> Result<Vec<ClaimedDelivery>, StoreError> {
        self.writer.write(move |c| outbox::claim(c, now, lease, limit)).await
    }

    async fn record_delivery(&self, outbox_id: i64, outcome: DeliveryOutcome, now: Millis) -> Result<(), StoreError> {
        self.writer.write(move |c| outbox::record(c, outbox_id, &outcome, now)).await
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let sql = "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'failed'), 0) FROM outbox \
                   WHERE state != 'sent'";
        self.read(move |c| {
            let counts = |row: &rusqlite::Row<'_>| Ok(OutboxCounts { pending: row.get(0)?, failed: row.get(1)? });
            Ok(queries::optional(c, sql, [], counts)?.unwrap_or_default())
        })
        .await
    }

    async fn next_outbox_due(&self) -> Result<Option<Millis>, StoreError> {
        let sql = "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'";
        let due = self.read(move |c| queries::optional(c, sql, [], queries::first::<Option<i64>>)).await?;
        Ok(due.flatten().map(Millis))
    }

    async fn add_agent(&self, agent: NewAgent) -> Result<Agent, StoreError> {
        let created = Agent {
            id: AgentId::generate(),
            login: agent.login,
            name: agent.name,
            password_hash: agent.password_hash,
            skills: agent.skills,
            supervisor: agent.supervisor,
            disabled: false,
            created_at: Millis::wall(),
            capacity: agent.capacity,
        };
        let row = created.clone();
        self.writer
            .write(move |c| {
                let taken = queries::optional(c, "SELECT id FROM agents WHERE login = ?1", [&row.login], |_| Ok(()))?;
                if taken.is_some() {
                    return Err(StoreError::Conflict(format!("login {:?} is taken", row.login)));
                }
                execute(
                    c,
                    "INSERT INTO agents (id, login, name, password_hash, skills, supervisor, disabled, created_at, \
                     capacity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
                    params![
                        row.id.as_str(),
                        row.login,
                        row.name,
                        row.password_hash,
                        row.skills.join(","),
                        row.supervisor,
                        row.created_at.0,
                        serde_json::to_string(&row.capacity).unwrap_or_else(|_| "{}".into()),
                    ],
                )?;
                Ok(())
            })
            .await?;
        Ok(created)
    }

    async fn agents(&self) -> Result<Vec<Agent>, StoreError> {
        let sql = concat!("SELECT ", agent_columns!(), " FROM agents ORDER BY login");
        self.read(move |c| queries::all(c, sql, [], rows::agent)).await
    }

    async fn agent_by_login(&self, login: &str) -> Result<Option<Agent>, StoreError> {
        let sql = concat!("SELECT ", agent_columns!(), " FROM agents WHERE login = ?1");
        let login = login.to_owned();
        self.read(move |c| queries::optional(c, sql, [&login], rows::agent)).await
    }

    async fn agent(&self, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        let sql = concat!("SELECT ", agent_columns!(), " FROM agents WHERE id = ?1");
        let id = id.clone();
        self.read(move |c| queries::optional(c, sql, [id.as_str()], rows::agent)).await
    }

    async fn set_agent_disabled(&self, login: &str, disabled: bool) -> Result<Agent, StoreError> {
        let sql = concat!("UPDATE agents SET disabled = ?1 WHERE login = ?2 RETURNING ", agent_columns!());
        let login = login.to_owned();
        self.writer
            .write(move |c| {
                queries::optional(c, sql, params![disabled, login], rows::agent)?
                    .ok_or_else(|| StoreError::NotFound(format!("agent {login:?}")))
            })
            .await
    }

    async fn set_agent_routing(
        &self,
        login: &str,
        skills: Option<Vec<String>>,
        capacity: Option<Capacity>,
    ) -> Result<Agent, StoreError> {
        let sql = concat!(
            "UPDATE agents SET skills = coalesce(?1, skills), capacity = coalesce(?2, capacity) WHERE login = ?3 \
             RETURNING ",
            agent_columns!()
        );
        let login = login.to_owned();
        let skills = skills.map(|s| s.join(","));
        let capacity = capacity.map(|c| serde_json::to_string(&c).unwrap_or_else(|_| "{}".into()));
        self.writer
            .write(move |c| {
                queries::optional(c, sql, params![skills, capacity, login], rows::agent)?
                    .ok_or_else(|| StoreError::NotFound(format!("agent {login:?}")))
            })
            .await
    }

    async fn audit_events(&self, id: &ConversationId) -> Result<Vec<AuditEvent>, StoreError> {
        let sql = concat!("SELECT ", audit_columns!(), " FROM events WHERE conversation_id = ?1 ORDER BY id");
        let id = id.clone();
        self.read(move |c| queries::all(c, sql, [id.as_str()], rows::audit_event)).await
    }

    async fn load_state(&self, channel: ChannelKind, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        let sql = "SELECT value FROM channel_state WHERE channel = ?1 AND key = ?2";
        self.read(move |c| queries::optional(c, sql, [channel.as_str(), &key], queries::first)).await
    }

    async fn save_state(&self, channel: ChannelKind, key: &str, value: &str, now: Millis) -> Result<(), StoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        let sql = "INSERT INTO channel_state (channel, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) \
                   ON CONFLICT (channel, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
        self.writer.write(move |c| execute(c, sql, params![channel.as_str(), key, value, now.0]).map(drop)).await
    }

    async fn quarantine(
        &self,
        channel: ChannelKind,
        account: Option<&str>,
        reason: &str,
        raw: &[u8],
        now: Millis,
    ) -> Result<i64, StoreError> {
        let (account, reason, raw) = (account.map(str::to_owned), reason.to_owned(), raw.to_vec());
        self.writer.write(move |c| files::quarantine(c, channel.as_str(), account.as_deref(), &reason, &raw, now)).await
    }

    async fn quarantined(&self, limit: u32) -> Result<Vec<QuarantineItem>, StoreError> {
        self.read(move |c| files::quarantined(c, limit)).await
    }

    async fn quarantined_raw(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let sql = "SELECT b.content FROM quarantine q JOIN blobs b ON b.id = q.blob_id WHERE q.id = ?1";
        self.read(move |c| queries::optional(c, sql, [id], queries::first)).await
    }

    async fn attachment(&self, id: &str) -> Result<Option<(StoredAttachment, ConversationId, Vec<u8>)>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| files::attachment(c, &id)).await
    }

    async fn original(&self, message_id: &str) -> Result<Option<(ConversationId, Vec<u8>)>, StoreError> {
        let id = message_id.to_owned();
        self.read(move |c| files::original(c, &id)).await
    }

    async fn canned_responses(&self) -> Result<Vec<CannedResponse>, StoreError> {
        self.read(|c| queries::all(c, canned::LIST, [], canned::row)).await
    }

    async fn add_canned(&self, response: CannedResponse, max: usize) -> Result<(), StoreError> {
        self.writer.write(move |c| canned::add(c, &response, max)).await
    }

    async fn update_canned(&self, response: CannedResponse) -> Result<(), StoreError> {
        self.writer.write(move |c| canned::update(c, &response)).await
    }

    async fn delete_canned(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.writer.write(move |c| canned::delete(c, &id)).await
    }

    async fn reply_deliveries(&self, id: &ConversationId) -> Result<Vec<ReplyDelivery>, StoreError> {
        let id = id.clone();
        self.read(move |c| outbox::reply_deliveries(c, &id)).await
    }

    async fn delivery_failed(
        &self,
        channel: ChannelKind,
        external_id: &str,
        reason: &str,
        now: Millis,
    ) -> Result<Option<Bounced>, StoreError> {
        let (external_id, reason) = (external_id.to_owned(), reason.to_owned());
        self.writer.write(move |c| outbox::bounced(c, channel, &external_id, &reason, now)).await
    }

    async fn request_action(&self, action: NewAction) -> Result<(AccountAction, bool), StoreError> {
        self.writer.write(move |c| playbook::request(c, &action)).await
    }

    async fn claim_actions(&self, now: Millis, lease: Duration, limit: u32) -> Result<Vec<AccountAction>, StoreError> {
        self.writer.write(move |c| playbook::claim(c, now, lease, limit)).await
    }

    async fn record_action(
        &self,
        id: &ActionId,
        outcome: ActionOutcome,
        now: Millis,
    ) -> Result<AccountAction, StoreError> {
        let id = id.clone();
        self.writer.write(move |c| playbook::record(c, &id, &outcome, now)).await
    }

    async fn conversation_actions(&self, id: &ConversationId) -> Result<Vec<AccountAction>, StoreError> {
        let id = id.clone();
        self.read(move |c| playbook::of_conversation(c, &id)).await
    }

    async fn verify_identity(&self, verification: IdentityVerification) -> Result<(), StoreError> {
        self.writer.write(move |c| playbook::verify(c, &verification)).await
    }

    async fn identity_verification(&self, id: &ConversationId) -> Result<Option<IdentityVerification>, StoreError> {
        let id = id.clone();
        self.read(move |c| playbook::verification(c, &id)).await
    }

    async fn save_intake(
        &self,
        id: &ConversationId,
        fields: IntakeFields,
        now: Millis,
    ) -> Result<IntakeFields, StoreError> {
        let id = id.clone();
        self.writer.write(move |c| playbook::save_intake(c, &id, &fields, now)).await
    }

    async fn intake(&self, id: &ConversationId) -> Result<Option<IntakeFields>, StoreError> {
        let id = id.clone();
        self.read(move |c| playbook::intake(c, &id)).await
    }
}

/// A connection, thread or pool that could not be had, as a store error.
fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// A customer with every identity they are known by.
fn customer(conn: &Connection, id: &CustomerId) -> Result<Option<Customer>, StoreError> {
    let sql = "SELECT id, name, lang, created_at FROM customers WHERE id = ?1";
    let found = queries::optional(conn, sql, [id.as_str()], |row| {
        Ok(Customer {
            id: CustomerId(row.get(0)?),
            name: row.get(1)?,
            app_user_id: None,
            emails: Vec::new(),
            phones: Vec::new(),
            lang: row.get(2)?,
            created_at: Millis(row.get(3)?),
        })
    })?;
    let Some(mut customer) = found else {
        return Ok(None);
    };
    let sql = "SELECT kind, value FROM customer_identities WHERE customer_id = ?1 ORDER BY created_at, value";
    let identities = queries::all(conn, sql, [id.as_str()], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?;
    for (kind, value) in identities {
        match kind.as_str() {
            "app_user" if customer.app_user_id.is_none() => customer.app_user_id = Some(value),
            "email" => customer.emails.push(value),
            "phone" => customer.phones.push(value),
            _ => {}
        }
    }
    Ok(Some(customer))
}
