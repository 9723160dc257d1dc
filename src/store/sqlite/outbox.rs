//! Outbox claims and delivery results.

use std::time::Duration;

use rusqlite::{Connection, Row, params};
use switchboard_channel::{ChannelKind, EmailDetails, Outbound, Recipient};

use super::queries::{self, execute};
use crate::domain::{Actor, AuthorRole, Direction, Millis};
use crate::store::{Bounced, ClaimedDelivery, DeliveryOutcome, StoreError};

pub fn claim(conn: &Connection, now: Millis, lease: Duration, limit: u32) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let sql = "SELECT o.id, o.channel, o.attempts, o.created_at, o.conversation_id, m.id, m.seq, m.text, \
                m.author_name, c.subject, c.customer_id, cu.name, \
                (SELECT value FROM customer_identities WHERE customer_id = c.customer_id AND kind = 'app_user' ORDER BY created_at LIMIT 1), \
                (SELECT value FROM customer_identities WHERE customer_id = c.customer_id AND kind = 'email' ORDER BY created_at LIMIT 1), \
                (SELECT value FROM customer_identities WHERE customer_id = c.customer_id AND kind = 'phone' ORDER BY created_at LIMIT 1), \
                c.reference, c.account, m.email, m.author_role, c.channel \
         FROM outbox o JOIN messages m ON m.id = o.message_id JOIN conversations c ON c.id = o.conversation_id \
         JOIN customers cu ON cu.id = c.customer_id \
         WHERE o.state = 'pending' AND o.next_attempt_at <= ?1 ORDER BY o.next_attempt_at, o.id LIMIT ?2";
    let mut claimed = queries::all(conn, sql, params![now.0, limit], delivery)?;
    let lease_until = now.plus(lease);
    for c in &mut claimed {
        let out = &mut c.outbound;
        execute(
            conn,
            "UPDATE outbox SET next_attempt_at = ?1, updated_at = ?2 WHERE id = ?3",
            params![lease_until.0, now.0, out.outbox_id],
        )?;
        // Only email threads by earlier message ids. Start from the conversation's messages
        // (an index walk of one conversation), not from the keys of the whole channel.
        if out.channel == ChannelKind::Email {
            let sql = "SELECT k.key FROM messages m CROSS JOIN message_keys k ON k.message_id = m.id \
                       WHERE m.conversation_id = ?1 AND k.channel = ?2 ORDER BY m.rowid, k.key";
            out.thread_refs =
                queries::all(conn, sql, params![out.conversation_id, out.channel.as_str()], queries::first)?;
        }
    }
    Ok(claimed)
}

/// One row of the claim query, without thread references.
fn delivery(row: &Row<'_>) -> Result<ClaimedDelivery, StoreError> {
    let channel: String = row.get(1)?;
    let conversation_channel: String = row.get(19)?;
    Ok(ClaimedDelivery {
        created_at: Millis(row.get(3)?),
        conversation_channel: conversation_channel
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("conversations.channel: {e}")))?,
        outbound: Outbound {
            outbox_id: row.get(0)?,
            channel: channel.parse().map_err(|e| StoreError::Corrupt(format!("outbox.channel: {e}")))?,
            conversation_id: row.get(4)?,
            message_id: row.get(5)?,
            seq: row.get::<_, Option<i64>>(6)?.unwrap_or_default(),
            recipient: Recipient {
                customer_id: row.get(10)?,
                app_user_id: row.get(12)?,
                email: row.get(13)?,
                phone: row.get(14)?,
                name: row.get(11)?,
            },
            subject: row.get(9)?,
            reference: match row.get::<_, Option<String>>(15)? {
                Some(reference) => reference,
                None => crate::domain::reference::reference(&crate::domain::ConversationId(row.get(4)?)),
            },
            account: row.get(16)?,
            cc: match row.get::<_, Option<String>>(17)? {
                Some(json) => {
                    serde_json::from_str::<EmailDetails>(&json)
                        .map_err(|e| StoreError::Corrupt(format!("messages.email: {e}")))?
                        .cc
                }
                None => Vec::new(),
            },
            automatic: row.get::<_, String>(18)? == AuthorRole::System.as_str(),
            text: row.get(7)?,
            author_name: row.get(8)?,
            thread_refs: Vec::new(),
            attempt: row.get(2)?,
        },
    })
}

pub fn record(conn: &Connection, id: i64, outcome: &DeliveryOutcome, now: Millis) -> Result<(), StoreError> {
    let (state, next, error, detail) = match outcome {
        DeliveryOutcome::Sent { detail, .. } => ("sent", now, None, Some(detail.as_str())),
        DeliveryOutcome::RetryAt { at, error } => ("pending", *at, Some(error.as_str()), None),
        DeliveryOutcome::Failed { error } => ("failed", now, Some(error.as_str()), None),
        DeliveryOutcome::Skipped { detail } => ("skipped", now, None, Some(detail.as_str())),
    };
    let sql = "UPDATE outbox SET state = ?1, attempts = attempts + 1, next_attempt_at = ?2, \
               last_error = COALESCE(?3, last_error), detail = COALESCE(?4, detail), updated_at = ?5 \
               WHERE id = ?6 AND state = 'pending' RETURNING message_id, channel";
    let params = params![state, next.0, error, detail, now.0, id];
    let row = queries::optional(conn, sql, params, |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    let Some((message_id, channel)) = row else {
        return Err(StoreError::NotFound(format!("pending outbox entry {id}")));
    };
    // The far side's id for the reply lets the customer's answer to it thread correctly.
    if let DeliveryOutcome::Sent { external_id: Some(external), .. } = outcome {
        execute(
            conn,
            "INSERT INTO message_keys (channel, scope, key, message_id) VALUES (?1, '', ?2, ?3) ON CONFLICT DO NOTHING",
            [&channel, external, &message_id],
        )?;
        execute(conn, "UPDATE messages SET external_id = ?1 WHERE id = ?2", [external, &message_id])?;
    }
    Ok(())
}

/// Marks the reply sent under `external_id` failed after the fact (a bounce).
pub fn bounced(
    conn: &Connection,
    channel: ChannelKind,
    external_id: &str,
    reason: &str,
    now: Millis,
) -> Result<Option<Bounced>, StoreError> {
    let Some(message) = queries::message_by_key(conn, channel.as_str(), "", external_id)? else {
        return Ok(None);
    };
    if message.direction != Direction::Outbound {
        return Ok(None);
    }
    execute(
        conn,
        "UPDATE outbox SET state = 'failed', last_error = ?1, updated_at = ?2 WHERE message_id = ?3 AND channel = ?4",
        params![reason, now.0, message.id.as_str(), channel.as_str()],
    )?;
    let detail = serde_json::json!({ "message": message.id, "reason": reason });
    queries::audit(conn, &message.conversation_id, &Actor::System, "bounced", detail, now)?;
    Ok(Some(Bounced { conversation_id: message.conversation_id, seq: message.seq.unwrap_or_default() }))
}

/// Where each agent reply of a conversation stands, by `seq`.
pub fn reply_deliveries(
    conn: &Connection,
    id: &crate::domain::ConversationId,
) -> Result<Vec<crate::store::ReplyDelivery>, StoreError> {
    let sql = "SELECT m.seq, o.state, CASE o.state WHEN 'sent' THEN o.detail ELSE o.last_error END \
               FROM outbox o JOIN messages m ON m.id = o.message_id \
               WHERE o.conversation_id = ?1 AND m.seq IS NOT NULL ORDER BY m.seq";
    queries::all(conn, sql, [id.as_str()], |row| {
        let state = match row.get::<_, String>(1)?.as_str() {
            "sent" => "sent",
            "failed" => "failed",
            _ => "sending",
        };
        Ok(crate::store::ReplyDelivery { seq: row.get(0)?, state, detail: row.get(2)? })
    })
}
