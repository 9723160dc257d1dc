//! The embedded SQLite store: WAL mode, one group-commit writer connection, a small pool of
//! readers. Migrations are compiled into the binary.

mod conversations;
mod outbox;
mod queries;
mod rows;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use switchboard_channel::ChannelKind;

use self::rows::{AGENT_COLUMNS, CONVERSATION_COLUMNS, MESSAGE_COLUMNS};
use self::writer::Writer;
use super::{
    Appended, AuditEvent, ClaimedDelivery, DeliveryOutcome, Ingested, NewInbound, NewOutbound, OutboxCounts,
    StatusChange, Store, StoreError,
};
use crate::config::{StoreConfig, Synchronous};
use crate::domain::{
    Agent, AgentId, Conversation, ConversationId, Customer, CustomerId, Message, Millis, NewAgent, TriageResult,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    writer: Writer,
    readers: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database a `sqlite://PATH` URL names and migrates it.
    pub async fn open(url: &str, config: &StoreConfig) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match config.synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            // Savepoint journals stay in memory instead of spilling to temporary files.
            .pragma("temp_store", "memory")
            .busy_timeout(Duration::from_millis(config.busy_timeout_ms))
            // Statement text is logged at debug level only; our logs carry ids, never text.
            .log_statements(tracing::log::LevelFilter::Trace);
        let mut conn = options.connect().await?;
        MIGRATOR.run(&mut conn).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(config.read_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { writer: Writer::start(conn, config.write_batch), readers })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    async fn ingest(&self, message: NewInbound) -> Result<Ingested, StoreError> {
        self.writer.write(move |c| Box::pin(conversations::ingest(c, message))).await
    }

    async fn append_outbound(&self, message: NewOutbound) -> Result<Appended, StoreError> {
        self.writer.write(move |c| Box::pin(conversations::append_outbound(c, message))).await
    }

    async fn set_triage(
        &self,
        id: &ConversationId,
        triage: &TriageResult,
        now: Millis,
    ) -> Result<Conversation, StoreError> {
        let (id, triage) = (id.clone(), triage.clone());
        self.writer.write(move |c| Box::pin(conversations::set_triage(c, id, triage, now))).await
    }

    async fn change_status(&self, id: &ConversationId, change: StatusChange) -> Result<Conversation, StoreError> {
        let id = id.clone();
        self.writer.write(move |c| Box::pin(conversations::change_status(c, id, change))).await
    }

    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
        let mut conn = self.readers.acquire().await?;
        queries::conversation(&mut conn, id).await
    }

    async fn open_conversations(&self) -> Result<Vec<Conversation>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE status NOT IN ('resolved', 'closed') ORDER BY created_at"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.readers).await?;
        rows.iter().map(rows::conversation).collect()
    }

    async fn latest_conversation(
        &self,
        customer: &CustomerId,
        channel: ChannelKind,
    ) -> Result<Option<Conversation>, StoreError> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE customer_id = $1 AND channel = $2 \
             AND status != 'closed' ORDER BY created_at DESC LIMIT 1"
        );
        let row =
            sqlx::query(&sql).bind(customer.as_str()).bind(channel.as_str()).fetch_optional(&self.readers).await?;
        row.as_ref().map(rows::conversation).transpose()
    }

    async fn messages(
        &self,
        id: &ConversationId,
        after_seq: i64,
        include_internal: bool,
    ) -> Result<Vec<Message>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND (seq > $2 OR (seq IS NULL AND $3)) \
             ORDER BY rowid"
        );
        let rows =
            sqlx::query(&sql).bind(id.as_str()).bind(after_seq).bind(include_internal).fetch_all(&self.readers).await?;
        rows.iter().map(rows::message).collect()
    }

    async fn resolve_customer(
        &self,
        sender: &switchboard_channel::SenderIdentity,
        now: Millis,
    ) -> Result<CustomerId, StoreError> {
        let sender = sender.clone();
        self.writer
            .write(move |c| Box::pin(async move { conversations::resolve_customer(c, &sender, now).await }))
            .await
    }

    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, StoreError> {
        let row: Option<(String, Option<String>, Option<String>, i64)> =
            sqlx::query_as("SELECT id, name, lang, created_at FROM customers WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.readers)
                .await?;
        let Some((id, name, lang, created_at)) = row else {
            return Ok(None);
        };
        let identities: Vec<(String, String)> = sqlx::query_as(
            "SELECT kind, value FROM customer_identities WHERE customer_id = $1 ORDER BY created_at, value",
        )
        .bind(&id)
        .fetch_all(&self.readers)
        .await?;
        let of_kind =
            |k: &str| identities.iter().filter(|(kind, _)| kind == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
        Ok(Some(Customer {
            id: CustomerId(id),
            name,
            app_user_id: of_kind("app_user").into_iter().next(),
            emails: of_kind("email"),
            phones: of_kind("phone"),
            lang,
            created_at: Millis(created_at),
        }))
    }

    async fn customer_by_app_user(&self, app_user_id: &str) -> Result<Option<Customer>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT customer_id FROM customer_identities WHERE kind = 'app_user' AND value = $1")
                .bind(app_user_id)
                .fetch_optional(&self.readers)
                .await?;
        match row {
            Some((id,)) => self.customer(&CustomerId(id)).await,
            None => Ok(None),
        }
    }

    async fn claim_outbox(&self, now: Millis, lease: Duration, limit: u32) -> Result<Vec<ClaimedDelivery>, StoreError> {
        self.writer.write(move |c| Box::pin(outbox::claim(c, now, lease, limit))).await
    }

    async fn record_delivery(&self, outbox_id: i64, outcome: DeliveryOutcome, now: Millis) -> Result<(), StoreError> {
        self.writer.write(move |c| Box::pin(outbox::record(c, outbox_id, outcome, now))).await
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let (pending, failed): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'failed'), 0) FROM outbox WHERE state != 'sent'",
        )
        .fetch_one(&self.readers)
        .await?;
        Ok(OutboxCounts { pending, failed })
    }

    async fn next_outbox_due(&self) -> Result<Option<Millis>, StoreError> {
        let (due,): (Option<i64>,) = sqlx::query_as("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'")
            .fetch_one(&self.readers)
            .await?;
        Ok(due.map(Millis))
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
            created_at: Millis::now(),
        };
        let row = created.clone();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let taken: Option<(String,)> = sqlx::query_as("SELECT id FROM agents WHERE login = $1")
                        .bind(&row.login)
                        .fetch_optional(&mut *c)
                        .await?;
                    if taken.is_some() {
                        return Err(StoreError::Conflict(format!("login {:?} is taken", row.login)));
                    }
                    sqlx::query(
                        "INSERT INTO agents (id, login, name, password_hash, skills, supervisor, disabled, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
                    )
                    .bind(row.id.as_str())
                    .bind(&row.login)
                    .bind(&row.name)
                    .bind(&row.password_hash)
                    .bind(row.skills.join(","))
                    .bind(row.supervisor)
                    .bind(row.created_at.0)
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await?;
        Ok(created)
    }

    async fn agents(&self) -> Result<Vec<Agent>, StoreError> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents ORDER BY login");
        let rows = sqlx::query(&sql).fetch_all(&self.readers).await?;
        rows.iter().map(rows::agent).collect()
    }

    async fn agent_by_login(&self, login: &str) -> Result<Option<Agent>, StoreError> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents WHERE login = $1");
        let row = sqlx::query(&sql).bind(login).fetch_optional(&self.readers).await?;
        row.as_ref().map(rows::agent).transpose()
    }

    async fn agent(&self, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents WHERE id = $1");
        let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(&self.readers).await?;
        row.as_ref().map(rows::agent).transpose()
    }

    async fn set_agent_disabled(&self, login: &str, disabled: bool) -> Result<Agent, StoreError> {
        let login = login.to_owned();
        let lookup = login.clone();
        let changed = self
            .writer
            .write(move |c| {
                Box::pin(async move {
                    let done = sqlx::query("UPDATE agents SET disabled = $1 WHERE login = $2")
                        .bind(disabled)
                        .bind(&login)
                        .execute(&mut *c)
                        .await?;
                    Ok(done.rows_affected())
                })
            })
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("agent {lookup:?}")));
        }
        self.agent_by_login(&lookup).await?.ok_or_else(|| StoreError::NotFound(format!("agent {lookup:?}")))
    }

    async fn audit_events(&self, id: &ConversationId) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, actor, kind, detail, at FROM events WHERE conversation_id = $1 ORDER BY id",
        )
        .bind(id.as_str())
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(rows::audit_event).collect()
    }
}
