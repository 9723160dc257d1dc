//! Turning SQLite rows into domain values. A value that does not parse is reported as a
//! corrupt row instead of being guessed at.

use std::str::FromStr;

use rusqlite::Row;

use crate::domain::{Agent, AgentId, Conversation, ConversationId, CustomerId, Message, MessageId, Millis};
use crate::store::{AuditEvent, StoreError};

/// The column list every conversation query selects, in the order [`conversation`] reads.
/// Macros rather than constants, so queries are put together with `concat!` at compile time.
macro_rules! conversation_columns {
    () => {
        "id, customer_id, channel, status, subject, category, priority, language, queue, assignee, last_seq, \
         secrets_redacted, created_at, first_response_at, last_customer_message_at, waiting_since, updated_at, \
         triage_signal, reference, account, sla_breached, held_until"
    };
}

/// The column list every message query selects, in the order [`message`] reads.
macro_rules! message_columns {
    () => {
        "id, conversation_id, seq, direction, author_role, author_agent, author_name, channel, internal, \
         external_id, text, created_at, email, attachments, original_blob IS NOT NULL"
    };
}

/// The column list every agent query selects, in the order [`agent`] reads.
macro_rules! agent_columns {
    () => {
        "id, login, name, password_hash, skills, supervisor, disabled, created_at, capacity"
    };
}

/// The column list audit queries select, in the order [`audit_event`] reads.
macro_rules! audit_columns {
    () => {
        "id, conversation_id, actor, kind, detail, at"
    };
}

fn parse<T: FromStr>(row: &Row<'_>, index: usize, column: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.get(index)?;
    text.parse().map_err(|e: T::Err| StoreError::Corrupt(format!("{column}: {e}")))
}

fn opt_millis(row: &Row<'_>, index: usize) -> Result<Option<Millis>, StoreError> {
    Ok(row.get::<_, Option<i64>>(index)?.map(Millis))
}

pub fn conversation(row: &Row<'_>) -> Result<Conversation, StoreError> {
    Ok(Conversation {
        id: ConversationId(row.get(0)?),
        customer_id: CustomerId(row.get(1)?),
        channel: parse(row, 2, "channel")?,
        status: parse(row, 3, "status")?,
        subject: row.get(4)?,
        category: row.get(5)?,
        priority: parse(row, 6, "priority")?,
        language: row.get(7)?,
        queue: row.get(8)?,
        assignee: row.get::<_, Option<String>>(9)?.map(AgentId),
        last_seq: row.get(10)?,
        secrets_redacted: row.get(11)?,
        created_at: Millis(row.get(12)?),
        first_response_at: opt_millis(row, 13)?,
        last_customer_message_at: opt_millis(row, 14)?,
        waiting_since: Millis(row.get(15)?),
        updated_at: Millis(row.get(16)?),
        triage_signal: row.get(17)?,
        sla_breached: row.get(20)?,
        // Conversations opened before references were stored get theirs from the id.
        reference: match row.get::<_, Option<String>>(18)? {
            Some(reference) => reference,
            None => crate::domain::reference::reference(&ConversationId(row.get(0)?)),
        },
        account: row.get(19)?,
        held_until: opt_millis(row, 21)?,
    })
}

pub fn message(row: &Row<'_>) -> Result<Message, StoreError> {
    Ok(Message {
        id: MessageId(row.get(0)?),
        conversation_id: ConversationId(row.get(1)?),
        seq: row.get(2)?,
        direction: parse(row, 3, "direction")?,
        author_role: parse(row, 4, "author_role")?,
        author_agent: row.get::<_, Option<String>>(5)?.map(AgentId),
        author_name: row.get(6)?,
        channel: parse(row, 7, "channel")?,
        internal: row.get(8)?,
        external_id: row.get(9)?,
        text: row.get(10)?,
        created_at: Millis(row.get(11)?),
        email: json_column(row, 12, "messages.email")?,
        attachments: json_column(row, 13, "messages.attachments")?.unwrap_or_default(),
        has_original: row.get(14)?,
    })
}

/// A JSON column read into its type; NULL is `None`.
fn json_column<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    index: usize,
    column: &str,
) -> Result<Option<T>, StoreError> {
    match row.get::<_, Option<String>>(index)? {
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| StoreError::Corrupt(format!("{column}: {e}"))),
        None => Ok(None),
    }
}

pub fn agent(row: &Row<'_>) -> Result<Agent, StoreError> {
    let skills: String = row.get(4)?;
    Ok(Agent {
        id: AgentId(row.get(0)?),
        login: row.get(1)?,
        name: row.get(2)?,
        password_hash: row.get(3)?,
        skills: skills.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        supervisor: row.get(5)?,
        disabled: row.get(6)?,
        created_at: Millis(row.get(7)?),
        capacity: json_column(row, 8, "agents.capacity")?.unwrap_or_default(),
    })
}

pub fn audit_event(row: &Row<'_>) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        id: row.get(0)?,
        conversation_id: ConversationId(row.get(1)?),
        actor: row.get(2)?,
        kind: row.get(3)?,
        detail: row.get(4)?,
        at: Millis(row.get(5)?),
    })
}
