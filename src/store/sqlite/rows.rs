//! Turning SQLite rows into domain values. A value that does not parse is reported as a
//! corrupt row instead of being guessed at.

use std::str::FromStr;

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::domain::{Agent, AgentId, Conversation, ConversationId, CustomerId, Message, MessageId, Millis};
use crate::store::{AuditEvent, StoreError};

/// The column list every conversation query selects, in the order [`conversation`] reads.
pub const CONVERSATION_COLUMNS: &str = "id, customer_id, channel, status, subject, category, priority, language, queue, \
     assignee, last_seq, secrets_redacted, created_at, first_response_at, last_customer_message_at, \
     waiting_since, updated_at";

/// The column list every message query selects.
pub const MESSAGE_COLUMNS: &str = "id, conversation_id, seq, direction, author_role, author_agent, author_name, channel, \
     internal, external_id, text, created_at";

pub const AGENT_COLUMNS: &str = "id, login, name, password_hash, skills, supervisor, disabled, created_at";

fn parse<T: FromStr>(row: &SqliteRow, column: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.try_get(column)?;
    text.parse().map_err(|e: T::Err| StoreError::Corrupt(format!("{column}: {e}")))
}

fn millis(row: &SqliteRow, column: &str) -> Result<Millis, StoreError> {
    Ok(Millis(row.try_get(column)?))
}

fn opt_millis(row: &SqliteRow, column: &str) -> Result<Option<Millis>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(Millis))
}

pub fn conversation(row: &SqliteRow) -> Result<Conversation, StoreError> {
    Ok(Conversation {
        id: ConversationId(row.try_get("id")?),
        customer_id: CustomerId(row.try_get("customer_id")?),
        channel: parse(row, "channel")?,
        status: parse(row, "status")?,
        subject: row.try_get("subject")?,
        category: row.try_get("category")?,
        priority: parse(row, "priority")?,
        language: row.try_get("language")?,
        queue: row.try_get("queue")?,
        assignee: row.try_get::<Option<String>, _>("assignee")?.map(AgentId),
        last_seq: row.try_get("last_seq")?,
        secrets_redacted: row.try_get("secrets_redacted")?,
        created_at: millis(row, "created_at")?,
        first_response_at: opt_millis(row, "first_response_at")?,
        last_customer_message_at: opt_millis(row, "last_customer_message_at")?,
        waiting_since: millis(row, "waiting_since")?,
        updated_at: millis(row, "updated_at")?,
    })
}

pub fn message(row: &SqliteRow) -> Result<Message, StoreError> {
    Ok(Message {
        id: MessageId(row.try_get("id")?),
        conversation_id: ConversationId(row.try_get("conversation_id")?),
        seq: row.try_get("seq")?,
        direction: parse(row, "direction")?,
        author_role: parse(row, "author_role")?,
        author_agent: row.try_get::<Option<String>, _>("author_agent")?.map(AgentId),
        author_name: row.try_get("author_name")?,
        channel: parse(row, "channel")?,
        internal: row.try_get("internal")?,
        external_id: row.try_get("external_id")?,
        text: row.try_get("text")?,
        created_at: millis(row, "created_at")?,
    })
}

pub fn agent(row: &SqliteRow) -> Result<Agent, StoreError> {
    let skills: String = row.try_get("skills")?;
    Ok(Agent {
        id: AgentId(row.try_get("id")?),
        login: row.try_get("login")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        skills: skills.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        supervisor: row.try_get("supervisor")?,
        disabled: row.try_get("disabled")?,
        created_at: millis(row, "created_at")?,
    })
}

pub fn audit_event(row: &SqliteRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        id: row.try_get("id")?,
        conversation_id: ConversationId(row.try_get("conversation_id")?),
        actor: row.try_get("actor")?,
        kind: row.try_get("kind")?,
        detail: row.try_get("detail")?,
        at: millis(row, "at")?,
    })
}
