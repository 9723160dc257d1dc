//! Callback requests: opened with their conversation in one transaction, at most one open per
//! customer and number, and moved through their states with their conversation's moves.

use rusqlite::{Connection, Row, params};
use serde_json::json;
use switchboard_channel::{CallWindow, CallbackRecord, CallbackStatus};

use super::conversations::{self, apply_status};
use super::queries::{self, all, execute, existing_conversation, optional};
use crate::domain::{Conversation, ConversationId, CustomerId, Millis};
use crate::store::{CallbackChange, CallbackOpened, NewCallback, StoreError};

/// The column list every callback query selects, in the order [`record`] reads.
const COLUMNS: &str = "id, conversation_id, customer_id, phone, zone, window_start, window_end, status, attempts, \
                       outcome, failure, next_attempt_at, unverified_phone, created_at, updated_at";

/// The states a request is open in, as SQL.
const OPEN: &str = "('queued', 'scheduled', 'in_progress')";

pub fn request(conn: &Connection, new: &NewCallback) -> Result<CallbackOpened, StoreError> {
    let now = new.message.received_at;
    let customer = match &new.message.customer {
        Some(known) => known.clone(),
        None => conversations::resolve_customer(conn, &new.message.sender, now)?,
    };
    let sql =
        format!("SELECT {COLUMNS} FROM callback_requests WHERE customer_id = ?1 AND phone = ?2 AND status IN {OPEN}");
    if let Some(open) = optional(conn, &sql, params![customer.as_str(), new.phone], record)? {
        return Ok(CallbackOpened { callback: open, ingested: None });
    }
    let mut message = new.message.clone();
    message.customer = Some(customer.clone());
    let mut ingested = conversations::ingest(conn, &message)?;
    let held_until = held(new.status, new.next_attempt_at);
    if held_until.is_some() {
        execute(
            conn,
            "UPDATE conversations SET held_until = ?1 WHERE id = ?2",
            params![held_until.map(|t| t.0), ingested.conversation.id.as_str()],
        )?;
        ingested.conversation.held_until = held_until;
    }
    let callback = CallbackRecord {
        id: new.id.clone(),
        conversation_id: ingested.conversation.id.to_string(),
        customer_id: customer.0,
        phone: new.phone.clone(),
        zone: new.zone.clone(),
        window: new.window,
        status: new.status,
        attempts: 0,
        outcome: None,
        failure: None,
        next_attempt_at: new.next_attempt_at,
        unverified_phone: new.unverified_phone,
        created_at: now,
        updated_at: now,
    };
    execute(
        conn,
        &format!(
            "INSERT INTO callback_requests ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        ),
        params![
            callback.id,
            callback.conversation_id,
            callback.customer_id,
            callback.phone,
            callback.zone,
            callback.window.map(|w| w.start.0),
            callback.window.map(|w| w.end.0),
            callback.status.as_str(),
            callback.attempts,
            callback.outcome.map(|o| o.as_str()),
            callback.failure,
            callback.next_attempt_at.map(|t| t.0),
            callback.unverified_phone,
            now.0,
            now.0,
        ],
    )?;
    let detail = json!({ "callback": callback.id, "status": callback.status.as_str(), "next_attempt_at": callback.next_attempt_at });
    queries::audit(conn, &ingested.conversation.id, &crate::domain::Actor::Customer, "callback", detail, now)?;
    Ok(CallbackOpened { callback, ingested: Some(ingested) })
}

pub fn update(
    conn: &Connection,
    id: &str,
    change: &CallbackChange,
) -> Result<(CallbackRecord, Conversation), StoreError> {
    let mut callback = by_id(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("callback {id}")))?;
    if !change.from.contains(&callback.status) {
        return Err(StoreError::Conflict(format!("callback {id} is {}", callback.status)));
    }
    let conversation_id = ConversationId(callback.conversation_id.clone());
    let mut conversation = existing_conversation(conn, &conversation_id)?;
    if let Some(step) = &change.conversation {
        conversation = apply_status(conn, conversation, step)?;
    }
    let from = callback.status;
    callback.status = change.status;
    callback.attempts += u32::from(change.attempted);
    if change.outcome.is_some() {
        callback.outcome = change.outcome;
    }
    callback.failure = change.failure.clone().or(callback.failure);
    callback.next_attempt_at = change.next_attempt_at;
    callback.updated_at = callback.updated_at.max(change.now);
    execute(
        conn,
        "UPDATE callback_requests SET status = ?1, attempts = ?2, outcome = ?3, failure = ?4, next_attempt_at = ?5, \
         updated_at = ?6 WHERE id = ?7",
        params![
            callback.status.as_str(),
            callback.attempts,
            callback.outcome.map(|o| o.as_str()),
            callback.failure,
            callback.next_attempt_at.map(|t| t.0),
            callback.updated_at.0,
            callback.id,
        ],
    )?;
    let held_until = held(callback.status, callback.next_attempt_at);
    if conversation.held_until != held_until {
        conversation.held_until = held_until;
        execute(
            conn,
            "UPDATE conversations SET held_until = ?1 WHERE id = ?2",
            params![held_until.map(|t| t.0), conversation.id.as_str()],
        )?;
    }
    let detail = json!({
        "callback": callback.id, "from": from.as_str(), "to": callback.status.as_str(), "reason": change.reason,
        "attempts": callback.attempts, "outcome": callback.outcome.map(|o| o.as_str()), "failure": callback.failure,
        "next_attempt_at": callback.next_attempt_at,
    });
    queries::audit(conn, &conversation.id, &change.actor, "callback", detail, change.now)?;
    Ok((callback, conversation))
}

/// Until when a request in `status` holds its conversation out of routing: a scheduled one
/// until its time, and one in progress while the telephone system calls the customer first.
fn held(status: CallbackStatus, next_attempt_at: Option<Millis>) -> Option<Millis> {
    matches!(status, CallbackStatus::Scheduled | CallbackStatus::InProgress).then_some(next_attempt_at).flatten()
}

pub fn by_id(conn: &Connection, id: &str) -> Result<Option<CallbackRecord>, StoreError> {
    optional(conn, &format!("SELECT {COLUMNS} FROM callback_requests WHERE id = ?1"), [id], record)
}

pub fn of_conversation(conn: &Connection, id: &ConversationId) -> Result<Option<CallbackRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM callback_requests WHERE conversation_id = ?1");
    optional(conn, &sql, [id.as_str()], record)
}

pub fn open(conn: &Connection) -> Result<Vec<CallbackRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM callback_requests WHERE status IN {OPEN} ORDER BY created_at, id");
    all(conn, &sql, [], record)
}

pub fn of_customer(conn: &Connection, customer: &CustomerId, limit: u32) -> Result<Vec<Conversation>, StoreError> {
    let sql = concat!(
        "SELECT ",
        conversation_columns!(),
        " FROM conversations WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2"
    );
    all(conn, sql, params![customer.as_str(), limit], super::rows::conversation)
}

fn record(row: &Row<'_>) -> Result<CallbackRecord, StoreError> {
    let window = match (row.get::<_, Option<i64>>(5)?, row.get::<_, Option<i64>>(6)?) {
        (Some(start), Some(end)) => Some(CallWindow { start: Millis(start), end: Millis(end) }),
        _ => None,
    };
    let corrupt = |column: &str, e: String| StoreError::Corrupt(format!("callback_requests.{column}: {e}"));
    Ok(CallbackRecord {
        id: row.get(0)?,
        conversation_id: row.get(1)?,
        customer_id: row.get(2)?,
        phone: row.get(3)?,
        zone: row.get(4)?,
        window,
        status: row.get::<_, String>(7)?.parse().map_err(|e| corrupt("status", e))?,
        attempts: row.get(8)?,
        outcome: match row.get::<_, Option<String>>(9)? {
            Some(o) => Some(o.parse().map_err(|e| corrupt("outcome", e))?),
            None => None,
        },
        failure: row.get(10)?,
        next_attempt_at: row.get::<_, Option<i64>>(11)?.map(Millis),
        unverified_phone: row.get(12)?,
        created_at: Millis(row.get(13)?),
        updated_at: Millis(row.get(14)?),
    })
}
