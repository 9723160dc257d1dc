//! Outbox claims and delivery results.

use std::time::Duration;

use sqlx::{Row, SqliteConnection};
use switchboard_channel::{ChannelKind, Outbound, Recipient};

use crate::domain::Millis;
use crate::store::{ClaimedDelivery, DeliveryOutcome, StoreError};

pub async fn claim(
    conn: &mut SqliteConnection,
    now: Millis,
    lease: Duration,
    limit: u32,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let rows = sqlx::query(
        "SELECT o.id, o.channel, o.attempts, o.created_at, o.conversation_id, m.id AS message_id, m.seq, m.text, \
                m.author_name, c.subject, c.customer_id, cu.name AS customer_name, \
                (SELECT value FROM customer_identities WHERE customer_id = c.customer_id AND kind = 'app_user' ORDER BY created_at LIMIT 1) AS app_user_id, \
                (SELECT value FROM customer_identities WHERE customer_id = c.customer_id AND kind = 'email' ORDER BY created_at LIMIT 1) AS email, \
                (SELECT value FROM customer_identities WHERE customer_id = c.customer_id AND kind = 'phone' ORDER BY created_at LIMIT 1) AS phone \
         FROM outbox o JOIN messages m ON m.id = o.message_id JOIN conversations c ON c.id = o.conversation_id \
         JOIN customers cu ON cu.id = c.customer_id \
         WHERE o.state = 'pending' AND o.next_attempt_at <= $1 ORDER BY o.next_attempt_at, o.id LIMIT $2",
    )
    .bind(now.0)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let lease_until = now.plus(lease);
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        sqlx::query("UPDATE outbox SET next_attempt_at = $1, updated_at = $2 WHERE id = $3")
            .bind(lease_until.0)
            .bind(now.0)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        let conversation_id: String = row.try_get("conversation_id")?;
        let channel: String = row.try_get("channel")?;
        // Only email threads by earlier message ids. Start from the conversation's messages
        // (an index walk of one conversation), not from the keys of the whole channel.
        let refs: Vec<(String,)> = if channel == ChannelKind::Email.as_str() {
            sqlx::query_as(
                "SELECT k.key FROM messages m CROSS JOIN message_keys k ON k.message_id = m.id \
                 WHERE m.conversation_id = $1 AND k.channel = $2 ORDER BY m.rowid, k.key",
            )
            .bind(&conversation_id)
            .bind(&channel)
            .fetch_all(&mut *conn)
            .await?
        } else {
            Vec::new()
        };
        claimed.push(ClaimedDelivery {
            created_at: Millis(row.try_get("created_at")?),
            outbound: Outbound {
                outbox_id: id,
                channel: channel.parse().map_err(|e| StoreError::Corrupt(format!("outbox.channel: {e}")))?,
                conversation_id,
                message_id: row.try_get("message_id")?,
                seq: row.try_get::<Option<i64>, _>("seq")?.unwrap_or_default(),
                recipient: Recipient {
                    customer_id: row.try_get("customer_id")?,
                    app_user_id: row.try_get("app_user_id")?,
                    email: row.try_get("email")?,
                    phone: row.try_get("phone")?,
                    name: row.try_get("customer_name")?,
                },
                subject: row.try_get("subject")?,
                text: row.try_get("text")?,
                author_name: row.try_get("author_name")?,
                thread_refs: refs.into_iter().map(|(k,)| k).collect(),
                attempt: row.try_get::<i64, _>("attempts")? as u32,
            },
        });
    }
    Ok(claimed)
}

pub async fn record(
    conn: &mut SqliteConnection,
    id: i64,
    outcome: DeliveryOutcome,
    now: Millis,
) -> Result<(), StoreError> {
    let (state, next, error, detail) = match &outcome {
        DeliveryOutcome::Sent { detail, .. } => ("sent", now, None, Some(detail.as_str())),
        DeliveryOutcome::RetryAt { at, error } => ("pending", *at, Some(error.as_str()), None),
        DeliveryOutcome::Failed { error } => ("failed", now, Some(error.as_str()), None),
    };
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE outbox SET state = $1, attempts = attempts + 1, next_attempt_at = $2, last_error = COALESCE($3, last_error), \
         detail = COALESCE($4, detail), updated_at = $5 WHERE id = $6 AND state = 'pending' RETURNING message_id, channel",
    )
    .bind(state)
    .bind(next.0)
    .bind(error)
    .bind(detail)
    .bind(now.0)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((message_id, channel)) = row else {
        return Err(StoreError::NotFound(format!("pending outbox entry {id}")));
    };
    // The far side's id for the reply lets the customer's answer to it thread correctly.
    if let DeliveryOutcome::Sent { external_id: Some(external), .. } = outcome {
        sqlx::query("INSERT INTO message_keys (channel, key, message_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(&channel)
            .bind(&external)
            .bind(&message_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE messages SET external_id = $1 WHERE id = $2")
            .bind(&external)
            .bind(&message_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
