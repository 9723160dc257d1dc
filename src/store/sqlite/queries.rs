//! Small queries the write transactions and the read side share, and the helpers every query
//! runs through: cached prepared statements and row mapping that reports bad rows.

use rusqlite::{Connection, Params, Row, params};

use super::rows;
use crate::domain::{AgentId, Conversation, ConversationId, CustomerId, Message, Millis};
use crate::store::{Actor, StoreError};

/// Maps one row to a value.
pub type MapRow<T> = fn(&Row<'_>) -> Result<T, StoreError>;

/// The first row a query returns, if any.
pub fn optional<T>(conn: &Connection, sql: &str, params: impl Params, map: MapRow<T>) -> Result<Option<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(params)?;
    rows.next()?.map(map).transpose()
}

/// Every row a query returns, in order.
pub fn all<T>(conn: &Connection, sql: &str, params: impl Params, map: MapRow<T>) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}

/// Runs a statement; returns how many rows it changed.
pub fn execute(conn: &Connection, sql: &str, params: impl Params) -> Result<usize, StoreError> {
    Ok(conn.prepare_cached(sql)?.execute(params)?)
}

/// The first column of a row, for single-value queries.
pub fn first<T: rusqlite::types::FromSql>(row: &Row<'_>) -> Result<T, StoreError> {
    Ok(row.get(0)?)
}

pub fn conversation(conn: &Connection, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
    let sql = concat!("SELECT ", conversation_columns!(), " FROM conversations WHERE id = ?1");
    optional(conn, sql, [id.as_str()], rows::conversation)
}

pub fn existing_conversation(conn: &Connection, id: &ConversationId) -> Result<Conversation, StoreError> {
    conversation(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("conversation {id}")))
}

/// How many conversations the customer opened at or after `since`, on any channel, other than
/// `except` (the one a message is being filed into).
pub fn conversations_opened_since(
    conn: &Connection,
    customer: &CustomerId,
    since: Millis,
    except: &ConversationId,
) -> Result<u32, StoreError> {
    let sql = "SELECT COUNT(*) FROM conversations WHERE customer_id = ?1 AND created_at >= ?2 AND id != ?3";
    let count = optional(conn, sql, params![customer.as_str(), since.0, except.as_str()], first)?;
    Ok(count.unwrap_or_default())
}

/// The customer's newest conversation on a channel that is not closed.
pub fn latest_conversation(
    conn: &Connection,
    customer: &str,
    channel: &str,
) -> Result<Option<Conversation>, StoreError> {
    let sql = concat!(
        "SELECT ",
        conversation_columns!(),
        " FROM conversations WHERE customer_id = ?1 AND channel = ?2 AND status != 'closed' \
         ORDER BY created_at DESC LIMIT 1"
    );
    optional(conn, sql, [customer, channel], rows::conversation)
}

/// Resolutions per agent since `since`.
pub fn resolved_since(conn: &Connection, since: Millis) -> Result<Vec<(AgentId, u32)>, StoreError> {
    let sql = "SELECT substr(actor, 7), count(*) FROM events \
               WHERE at >= ?1 AND kind = 'status' AND actor LIKE 'agent:%' \
               AND json_extract(detail, '$.to') = 'resolved' GROUP BY actor ORDER BY actor";
    all(conn, sql, [since.0], |row| Ok((AgentId(row.get(0)?), row.get(1)?)))
}

/// The agent a conversation of `customer` was last assigned to, from the audit log: a
/// reopened conversation has no assignee any more, but its history remembers one.
pub fn last_assignee(conn: &Connection, customer: &CustomerId) -> Result<Option<AgentId>, StoreError> {
    let sql = "SELECT json_extract(e.detail, '$.assignee') FROM events e \
               JOIN conversations c ON c.id = e.conversation_id \
               WHERE c.customer_id = ?1 AND e.kind = 'status' AND json_extract(e.detail, '$.to') = 'assigned' \
               ORDER BY e.id DESC LIMIT 1";
    let found: Option<Option<String>> = optional(conn, sql, [customer.as_str()], |row| Ok(row.get(0)?))?;
    Ok(found.flatten().map(AgentId))
}

/// The newest conversation of `customer` with this public reference (references are typed by
/// people, so only the customer's own count).
pub fn conversation_by_reference(
    conn: &Connection,
    reference: &str,
    customer: &CustomerId,
) -> Result<Option<Conversation>, StoreError> {
    let sql = concat!(
        "SELECT ",
        conversation_columns!(),
        " FROM conversations WHERE reference = ?1 AND customer_id = ?2 ORDER BY created_at DESC LIMIT 1"
    );
    optional(conn, sql, [reference, customer.as_str()], rows::conversation)
}

/// The message an idempotency or threading key names on a channel, within a sender's scope
/// (`""` for keys unique across the channel).
pub fn message_by_key(conn: &Connection, channel: &str, scope: &str, key: &str) -> Result<Option<Message>, StoreError> {
    let sql = concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages WHERE id = (SELECT message_id FROM message_keys WHERE channel = ?1 AND scope = ?2 AND key = ?3)"
    );
    optional(conn, sql, [channel, scope, key], rows::message)
}

pub fn insert_message(conn: &Connection, m: &Message) -> Result<(), StoreError> {
    execute(
        conn,
        "INSERT INTO messages (id, conversation_id, seq, direction, author_role, author_agent, author_name, channel, \
         internal, external_id, text, created_at, email, attachments) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        rusqlite::params![
            m.id.as_str(),
            m.conversation_id.as_str(),
            m.seq,
            m.direction.as_str(),
            m.author_role.as_str(),
            m.author_agent.as_ref().map(|a| a.as_str()),
            m.author_name,
            m.channel.as_str(),
            m.internal,
            m.external_id,
            m.text,
            m.created_at.0,
            m.email.as_ref().map(|e| serde_json::to_string(e).expect("email details serialize")),
            (!m.attachments.is_empty())
                .then(|| serde_json::to_string(&m.attachments).expect("attachment lists serialize")),
        ],
    )?;
    Ok(())
}

pub fn insert_key(
    conn: &Connection,
    channel: &str,
    scope: &str,
    key: &str,
    message: &Message,
) -> Result<(), StoreError> {
    execute(
        conn,
        "INSERT INTO message_keys (channel, scope, key, message_id) VALUES (?1, ?2, ?3, ?4)",
        [channel, scope, key, message.id.as_str()],
    )?;
    Ok(())
}

/// Appends one audit row.
pub fn audit(
    conn: &Connection,
    conversation: &ConversationId,
    actor: &Actor,
    kind: &str,
    detail: serde_json::Value,
    at: Millis,
) -> Result<(), StoreError> {
    execute(
        conn,
        "INSERT INTO events (conversation_id, actor, kind, detail, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![conversation.as_str(), actor.as_audit_string(), kind, detail.to_string(), at.0],
    )?;
    Ok(())
}
