//! The playbook's tables: account actions and their queue, identity verifications, and the
//! transaction details taken in from customers.

use std::time::Duration;

use rusqlite::{Connection, Row, params};

use super::queries::{self, execute};
use crate::domain::{
    AccountAction, ActionId, ActionOutcome, ActionState, Actor, ConversationId, IdentityVerification, IntakeFields,
    Millis, NewAction,
};
use crate::store::StoreError;

const ACTION_COLUMNS: &str = "id, action, conversation_id, customer_id, app_user_id, actor, agent_login, reason, \
                              state, attempts, detail, created_at, updated_at";

fn action(row: &Row<'_>) -> Result<AccountAction, StoreError> {
    let state: String = row.get(8)?;
    Ok(AccountAction {
        id: ActionId(row.get(0)?),
        action: row.get(1)?,
        conversation_id: ConversationId(row.get(2)?),
        customer_id: crate::domain::CustomerId(row.get(3)?),
        app_user_id: row.get(4)?,
        actor: row.get(5)?,
        agent_login: row.get(6)?,
        reason: row.get(7)?,
        state: state.parse().map_err(|e| StoreError::Corrupt(format!("account_actions.state: {e}")))?,
        attempts: row.get(9)?,
        detail: row.get(10)?,
        created_at: Millis(row.get(11)?),
        updated_at: Millis(row.get(12)?),
    })
}

fn by_sql(conn: &Connection, filter: &str, value: &str) -> Result<Option<AccountAction>, StoreError> {
    let sql = format!("SELECT {ACTION_COLUMNS} FROM account_actions WHERE {filter}");
    queries::optional(conn, &sql, [value], action)
}

/// The audit row of an action's step.
fn audit(conn: &Connection, a: &AccountAction, actor: &Actor, now: Millis) -> Result<(), StoreError> {
    let detail = serde_json::json!({
        "id": a.id, "action": a.action, "state": a.state.as_str(), "app_user_id": a.app_user_id,
        "reason": a.reason, "attempts": a.attempts, "detail": a.detail,
    });
    queries::audit(conn, &a.conversation_id, actor, "account_action", detail, now)
}

/// Commits a new action, or returns the one its request key or a pending action of the same
/// kind on the same account already stands for (`false`: nothing was written).
pub fn request(conn: &Connection, new: &NewAction) -> Result<(AccountAction, bool), StoreError> {
    if let Some(existing) = by_sql(conn, "request_key = ?1", &new.request_key)? {
        return Ok((existing, false));
    }
    let pending = format!(
        "SELECT {ACTION_COLUMNS} FROM account_actions WHERE app_user_id = ?1 AND action = ?2 AND state = 'pending'"
    );
    if let Some(existing) = queries::optional(conn, &pending, [&new.app_user_id, &new.action], action)? {
        return Ok((existing, false));
    }
    queries::existing_conversation(conn, &new.conversation_id)?;
    execute(
        conn,
        "INSERT INTO account_actions (id, request_key, conversation_id, customer_id, app_user_id, action, actor, \
         agent_login, reason, state, attempts, next_attempt_at, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', 0, ?10, ?10, ?10)",
        params![
            new.id.as_str(),
            new.request_key,
            new.conversation_id.as_str(),
            new.customer_id.as_str(),
            new.app_user_id,
            new.action,
            new.actor.as_audit_string(),
            new.agent_login,
            new.reason,
            new.now.0,
        ],
    )?;
    let stored = by_sql(conn, "id = ?1", new.id.as_str())?.ok_or_else(|| StoreError::NotFound(new.id.to_string()))?;
    audit(conn, &stored, &new.actor, new.now)?;
    Ok((stored, true))
}

/// Leases up to `limit` pending actions that are due until `now + lease`.
pub fn claim(conn: &Connection, now: Millis, lease: Duration, limit: u32) -> Result<Vec<AccountAction>, StoreError> {
    let sql = format!(
        "SELECT {ACTION_COLUMNS} FROM account_actions WHERE state = 'pending' AND next_attempt_at <= ?1 \
         ORDER BY next_attempt_at, id LIMIT ?2"
    );
    let claimed = queries::all(conn, &sql, params![now.0, limit], action)?;
    let until = now.plus(lease);
    for a in &claimed {
        execute(
            conn,
            "UPDATE account_actions SET next_attempt_at = ?1 WHERE id = ?2",
            params![until.0, a.id.as_str()],
        )?;
    }
    Ok(claimed)
}

/// Records one call's result; `NotFound` unless the action is pending.
pub fn record(
    conn: &Connection,
    id: &ActionId,
    outcome: &ActionOutcome,
    now: Millis,
) -> Result<AccountAction, StoreError> {
    let (state, next, detail) = match outcome {
        ActionOutcome::Done { detail } => (ActionState::Done, now, detail),
        ActionOutcome::RetryAt { at, error } => (ActionState::Pending, *at, error),
        ActionOutcome::Failed { error } => (ActionState::Failed, now, error),
    };
    let changed = execute(
        conn,
        "UPDATE account_actions SET state = ?1, attempts = attempts + 1, next_attempt_at = ?2, detail = ?3, \
         updated_at = ?4 WHERE id = ?5 AND state = 'pending'",
        params![state.as_str(), next.0, detail, now.0, id.as_str()],
    )?;
    let stored = by_sql(conn, "id = ?1", id.as_str())?;
    let (1, Some(stored)) = (changed, stored) else {
        return Err(StoreError::NotFound(format!("pending account action {id}")));
    };
    if stored.state != ActionState::Pending {
        audit(conn, &stored, &Actor::System, now)?;
    }
    Ok(stored)
}

pub fn of_conversation(conn: &Connection, id: &ConversationId) -> Result<Vec<AccountAction>, StoreError> {
    let sql =
        format!("SELECT {ACTION_COLUMNS} FROM account_actions WHERE conversation_id = ?1 ORDER BY created_at, id");
    queries::all(conn, &sql, [id.as_str()], action)
}

pub fn verify(conn: &Connection, v: &IdentityVerification) -> Result<(), StoreError> {
    queries::existing_conversation(conn, &v.conversation_id)?;
    let checks = serde_json::to_string(&v.checks).map_err(|e| StoreError::Backend(e.to_string()))?;
    execute(
        conn,
        "INSERT INTO identity_verifications (conversation_id, agent_id, agent_name, checks, verified_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![v.conversation_id.as_str(), v.agent.as_str(), v.agent_name, checks, v.verified_at.0],
    )?;
    let detail = serde_json::json!({ "checks": v.checks, "by": v.agent_name });
    queries::audit(conn, &v.conversation_id, &Actor::Agent(v.agent.clone()), "identity_verified", detail, v.verified_at)
}

pub fn verification(conn: &Connection, id: &ConversationId) -> Result<Option<IdentityVerification>, StoreError> {
    let sql = "SELECT conversation_id, agent_id, agent_name, checks, verified_at FROM identity_verifications \
               WHERE conversation_id = ?1 ORDER BY id DESC LIMIT 1";
    queries::optional(conn, sql, [id.as_str()], |row| {
        let checks: String = row.get(3)?;
        Ok(IdentityVerification {
            conversation_id: ConversationId(row.get(0)?),
            agent: crate::domain::AgentId(row.get(1)?),
            agent_name: row.get(2)?,
            checks: serde_json::from_str(&checks)
                .map_err(|e| StoreError::Corrupt(format!("identity_verifications.checks: {e}")))?,
            verified_at: Millis(row.get(4)?),
        })
    })
}

/// Merges `fields` into what the conversation's intake holds; returns the result.
pub fn save_intake(
    conn: &Connection,
    id: &ConversationId,
    fields: &IntakeFields,
    now: Millis,
) -> Result<IntakeFields, StoreError> {
    queries::existing_conversation(conn, id)?;
    let merged = intake(conn, id)?.unwrap_or_default().merged(fields);
    let json = serde_json::to_string(&merged).map_err(|e| StoreError::Backend(e.to_string()))?;
    execute(
        conn,
        "INSERT INTO conversation_intake (conversation_id, fields, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (conversation_id) DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at",
        params![id.as_str(), json, now.0],
    )?;
    Ok(merged)
}

pub fn intake(conn: &Connection, id: &ConversationId) -> Result<Option<IntakeFields>, StoreError> {
    let json = queries::optional(
        conn,
        "SELECT fields FROM conversation_intake WHERE conversation_id = ?1",
        [id.as_str()],
        queries::first::<String>,
    )?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(format!("conversation_intake.fields: {e}"))))
        .transpose()
}
