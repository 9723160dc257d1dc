//! Small queries the write transactions and the read side share.

use sqlx::SqliteConnection;

use super::rows::{self, CONVERSATION_COLUMNS, MESSAGE_COLUMNS};
use crate::domain::{Conversation, ConversationId, Message, Millis};
use crate::store::{Actor, StoreError};

pub async fn conversation(
    conn: &mut SqliteConnection,
    id: &ConversationId,
) -> Result<Option<Conversation>, StoreError> {
    let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(rows::conversation).transpose()
}

pub async fn existing_conversation(
    conn: &mut SqliteConnection,
    id: &ConversationId,
) -> Result<Conversation, StoreError> {
    conversation(conn, id).await?.ok_or_else(|| StoreError::NotFound(format!("conversation {id}")))
}

/// The message an idempotency or threading key names on a channel.
pub async fn message_by_key(
    conn: &mut SqliteConnection,
    channel: &str,
    key: &str,
) -> Result<Option<Message>, StoreError> {
    let sql = format!(
        "SELECT {} FROM message_keys k JOIN messages m ON m.id = k.message_id WHERE k.channel = $1 AND k.key = $2",
        MESSAGE_COLUMNS.split(", ").map(|c| format!("m.{c}")).collect::<Vec<_>>().join(", ")
    );
    let row = sqlx::query(&sql).bind(channel).bind(key).fetch_optional(conn).await?;
    row.as_ref().map(rows::message).transpose()
}

pub async fn insert_message(conn: &mut SqliteConnection, m: &Message) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, seq, direction, author_role, author_agent, author_name, channel, \
         internal, external_id, text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(m.id.as_str())
    .bind(m.conversation_id.as_str())
    .bind(m.seq)
    .bind(m.direction.as_str())
    .bind(m.author_role.as_str())
    .bind(m.author_agent.as_ref().map(|a| a.as_str()))
    .bind(&m.author_name)
    .bind(m.channel.as_str())
    .bind(m.internal)
    .bind(m.external_id.as_deref())
    .bind(&m.text)
    .bind(m.created_at.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_key(
    conn: &mut SqliteConnection,
    channel: &str,
    key: &str,
    message: &Message,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO message_keys (channel, key, message_id) VALUES ($1, $2, $3)")
        .bind(channel)
        .bind(key)
        .bind(message.id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends one audit row.
pub async fn audit(
    conn: &mut SqliteConnection,
    conversation: &ConversationId,
    actor: &Actor,
    kind: &str,
    detail: serde_json::Value,
    at: Millis,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO events (conversation_id, actor, kind, detail, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(conversation.as_str())
        .bind(actor.as_audit_string())
        .bind(kind)
        .bind(detail.to_string())
        .bind(at.0)
        .execute(conn)
        .await?;
    Ok(())
}
