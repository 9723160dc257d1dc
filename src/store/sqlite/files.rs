//! Bytes kept beside messages: attachments and raw originals as blobs stored once each by
//! their SHA-256, the attachment rows that name them, and the quarantine of messages an
//! adapter could not read.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use switchboard_channel::Attachment;

use super::queries::{self, execute};
use crate::domain::{Message, Millis, StoredAttachment};
use crate::store::{QuarantineItem, StoreError};

/// Stores bytes once, however many messages carry them; returns their id.
pub fn put_blob(conn: &Connection, content: &[u8], now: Millis) -> Result<String, StoreError> {
    let id = data_encoding::HEXLOWER.encode(&Sha256::digest(content));
    execute(
        conn,
        "INSERT INTO blobs (id, size, content, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
        params![id, content.len() as i64, content, now.0],
    )?;
    Ok(id)
}

/// Stores a message's files: their bytes once each, a row per attachment, and the listing
/// on the message (which must already be written).
pub fn attach(conn: &Connection, message: &mut Message, files: &[Attachment], now: Millis) -> Result<(), StoreError> {
    if files.is_empty() {
        return Ok(());
    }
    for (n, file) in files.iter().enumerate() {
        let blob = put_blob(conn, &file.content, now)?;
        let stored = StoredAttachment {
            id: format!("{}.{n}", message.id),
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            size: file.size,
        };
        execute(
            conn,
            "INSERT INTO attachments (id, message_id, blob_id, filename, content_type, size) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![stored.id, message.id.as_str(), blob, stored.filename, stored.content_type, stored.size as i64],
        )?;
        message.attachments.push(stored);
    }
    let listing = serde_json::to_string(&message.attachments).expect("attachment lists serialize");
    execute(conn, "UPDATE messages SET attachments = ?1 WHERE id = ?2", [&listing, message.id.as_str()])?;
    Ok(())
}

/// An attachment's listing, its conversation and its bytes.
pub fn attachment(
    conn: &Connection,
    id: &str,
) -> Result<Option<(StoredAttachment, crate::domain::ConversationId, Vec<u8>)>, StoreError> {
    let sql = "SELECT a.filename, a.content_type, a.size, m.conversation_id, b.content FROM attachments a \
               JOIN messages m ON m.id = a.message_id JOIN blobs b ON b.id = a.blob_id WHERE a.id = ?1";
    let row = conn
        .query_row(sql, [id], |r| {
            Ok((
                StoredAttachment {
                    id: id.to_owned(),
                    filename: r.get(0)?,
                    content_type: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                },
                crate::domain::ConversationId(r.get(3)?),
                r.get(4)?,
            ))
        })
        .optional()?;
    Ok(row)
}

/// A message's raw original and its conversation.
pub fn original(
    conn: &Connection,
    message_id: &str,
) -> Result<Option<(crate::domain::ConversationId, Vec<u8>)>, StoreError> {
    let sql = "SELECT m.conversation_id, b.content FROM messages m JOIN blobs b ON b.id = m.original_blob \
               WHERE m.id = ?1";
    Ok(conn.query_row(sql, [message_id], |r| Ok((crate::domain::ConversationId(r.get(0)?), r.get(1)?))).optional()?)
}

pub fn quarantine(
    conn: &Connection,
    channel: &str,
    account: Option<&str>,
    reason: &str,
    raw: &[u8],
    now: Millis,
) -> Result<i64, StoreError> {
    let blob = put_blob(conn, raw, now)?;
    execute(
        conn,
        "INSERT INTO quarantine (channel, account, reason, blob_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![channel, account, reason, blob, now.0],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The newest quarantined messages first.
pub fn quarantined(conn: &Connection, limit: u32) -> Result<Vec<QuarantineItem>, StoreError> {
    let sql = "SELECT q.id, q.channel, q.account, q.reason, b.size, q.created_at FROM quarantine q \
               JOIN blobs b ON b.id = q.blob_id ORDER BY q.id DESC LIMIT ?1";
    queries::all(conn, sql, [limit], |r| {
        Ok(QuarantineItem {
            id: r.get(0)?,
            channel: r.get(1)?,
            account: r.get(2)?,
            reason: r.get(3)?,
            size: r.get::<_, i64>(4)? as u64,
            at: Millis(r.get(5)?),
        })
    })
}
