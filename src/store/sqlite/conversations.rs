//! The write transactions of the conversation model: ingest, outbound messages, status
//! changes and triage. Each runs inside one group-commit savepoint.

use serde_json::json;
use sqlx::SqliteConnection;
use switchboard_channel::SenderIdentity;

use super::queries::{self, existing_conversation};
use super::rows::{self, CONVERSATION_COLUMNS};
use crate::domain::{
    AuthorRole, Conversation, ConversationId, ConversationStatus, CustomerId, Direction, Message, MessageId, Millis,
    Priority, TriageResult,
};
use crate::store::{
    Actor, Appended, Ingested, NewInbound, NewOutbound, OutboundAuthor, StatusChange, StoreError, Threading,
};

/// The pseudo-channel that scopes outbound idempotency keys, so an agent reusing a client id
/// on another conversation still gets the original back.
const OUTBOUND_KEYS: &str = "outbound";

pub async fn ingest(conn: &mut SqliteConnection, m: NewInbound) -> Result<Ingested, StoreError> {
    let channel = m.channel.as_str();
    if let Some(message) = queries::message_by_key(conn, channel, &m.external_id).await? {
        let conversation = existing_conversation(conn, &message.conversation_id).await?;
        return Ok(Ingested { conversation, message, duplicate: true, opened: false, reopened: false });
    }
    let now = m.received_at;
    let customer = match &m.customer {
        Some(known) => known.clone(),
        None => resolve_customer(conn, &m.sender, now).await?,
    };
    let found = match &m.threading {
        Threading::ByReferences(refs) => {
            let mut found = None;
            for key in refs {
                if let Some(earlier) = queries::message_by_key(conn, channel, key).await? {
                    found = queries::conversation(conn, &earlier.conversation_id).await?;
                    break;
                }
            }
            found
        }
        Threading::LatestOpen => {
            let sql = format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE customer_id = $1 AND channel = $2 \
                 AND status != 'closed' ORDER BY created_at DESC LIMIT 1"
            );
            let row = sqlx::query(&sql).bind(customer.as_str()).bind(channel).fetch_optional(&mut *conn).await?;
            row.as_ref().map(rows::conversation).transpose()?
        }
        Threading::New => None,
    };
    let (mut conversation, opened, reopened) = match found {
        Some(c) if c.status != ConversationStatus::Closed => {
            let reopened = c.status == ConversationStatus::Resolved;
            let next = match c.status {
                ConversationStatus::Resolved => Some(ConversationStatus::Reopened),
                // The customer answered: the ball is back with the agent.
                ConversationStatus::WaitingOnCustomer => Some(ConversationStatus::Assigned),
                _ => None,
            };
            let c = match next {
                Some(to) => {
                    let assignee = reopened.then_some(None);
                    let change = StatusChange {
                        to,
                        assignee,
                        queue: None,
                        actor: Actor::Customer,
                        reason: "customer_message".into(),
                        now,
                    };
                    apply_status(conn, c, change).await?
                }
                None => c,
            };
            (c, false, reopened)
        }
        _ => (open_conversation(conn, &customer, &m, now).await?, true, false),
    };
    let seq = conversation.last_seq + 1;
    let message = Message {
        id: MessageId::generate(),
        conversation_id: conversation.id.clone(),
        seq: Some(seq),
        direction: Direction::Inbound,
        author_role: AuthorRole::Customer,
        author_agent: None,
        author_name: m.sender.name.clone().unwrap_or_default(),
        channel: m.channel,
        internal: false,
        external_id: Some(m.external_id.clone()),
        text: m.text,
        created_at: now,
    };
    queries::insert_message(conn, &message).await?;
    queries::insert_key(conn, channel, &m.external_id, &message).await?;
    sqlx::query(
        "UPDATE conversations SET last_seq = $1, last_customer_message_at = $2, updated_at = $2, \
         secrets_redacted = secrets_redacted OR $3, subject = COALESCE(subject, $4) WHERE id = $5",
    )
    .bind(seq)
    .bind(now.0)
    .bind(m.secrets_redacted)
    .bind(m.subject.as_deref())
    .bind(conversation.id.as_str())
    .execute(&mut *conn)
    .await?;
    if m.secrets_redacted {
        queries::audit(conn, &conversation.id, &Actor::Customer, "redacted", json!({ "message": message.id }), now)
            .await?;
    }
    conversation.last_seq = seq;
    conversation.last_customer_message_at = Some(now);
    conversation.updated_at = now;
    conversation.secrets_redacted |= m.secrets_redacted;
    if conversation.subject.is_none() {
        conversation.subject = m.subject;
    }
    Ok(Ingested { conversation, message, duplicate: false, opened, reopened })
}

async fn open_conversation(
    conn: &mut SqliteConnection,
    customer: &CustomerId,
    m: &NewInbound,
    now: Millis,
) -> Result<Conversation, StoreError> {
    let conversation = Conversation {
        id: ConversationId::generate(),
        customer_id: customer.clone(),
        channel: m.channel,
        status: ConversationStatus::Queued,
        subject: None,
        category: None,
        priority: Priority::Normal,
        language: m.sender.lang.clone(),
        queue: None,
        assignee: None,
        last_seq: 0,
        secrets_redacted: false,
        created_at: now,
        first_response_at: None,
        last_customer_message_at: None,
        waiting_since: now,
        updated_at: now,
    };
    sqlx::query(
        "INSERT INTO conversations (id, customer_id, channel, status, priority, language, created_at, waiting_since, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)",
    )
    .bind(conversation.id.as_str())
    .bind(customer.as_str())
    .bind(m.channel.as_str())
    .bind(conversation.status.as_str())
    .bind(conversation.priority.as_str())
    .bind(conversation.language.as_deref())
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    queries::audit(conn, &conversation.id, &Actor::Customer, "opened", json!({ "channel": m.channel }), now).await?;
    Ok(conversation)
}

/// Finds the customer the sender is (by app user id when there is one, else by email, then
/// phone), or creates one, and records identities not yet known. An identity already tied to
/// another customer stays with that customer: merging customers is an agent's call.
pub async fn resolve_customer(
    conn: &mut SqliteConnection,
    sender: &SenderIdentity,
    now: Millis,
) -> Result<CustomerId, StoreError> {
    let identities: Vec<(&str, &str)> =
        [("app_user", &sender.app_user_id), ("email", &sender.email), ("phone", &sender.phone)]
            .into_iter()
            .filter_map(|(kind, value)| value.as_deref().map(|v| (kind, v)))
            .collect();
    // An app user id is proof of who wrote (the app signed it); an email or phone number in
    // its token is only a claim. So an app user is found by that id alone: matching it on a
    // claimed email could hand another customer's conversations to whoever claims it.
    let lookup: &[(&str, &str)] = match identities.first() {
        Some(first @ ("app_user", _)) => std::slice::from_ref(first),
        _ => &identities,
    };
    let mut found = None;
    for (kind, value) in lookup {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT customer_id FROM customer_identities WHERE kind = $1 AND value = $2")
                .bind(kind)
                .bind(value)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((id,)) = row {
            found = Some(CustomerId(id));
            break;
        }
    }
    let customer = match found {
        Some(id) => {
            sqlx::query("UPDATE customers SET name = COALESCE(name, $1), lang = COALESCE(lang, $2) WHERE id = $3")
                .bind(sender.name.as_deref())
                .bind(sender.lang.as_deref())
                .bind(id.as_str())
                .execute(&mut *conn)
                .await?;
            id
        }
        None => {
            let id = CustomerId::generate();
            sqlx::query("INSERT INTO customers (id, name, lang, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id.as_str())
                .bind(sender.name.as_deref())
                .bind(sender.lang.as_deref())
                .bind(now.0)
                .execute(&mut *conn)
                .await?;
            id
        }
    };
    for (kind, value) in identities {
        sqlx::query(
            "INSERT INTO customer_identities (kind, value, customer_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, value) DO NOTHING",
        )
        .bind(kind)
        .bind(value)
        .bind(customer.as_str())
        .bind(now.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(customer)
}

pub async fn append_outbound(conn: &mut SqliteConnection, m: NewOutbound) -> Result<Appended, StoreError> {
    if let Some(key) = &m.idempotency_key
        && let Some(message) = queries::message_by_key(conn, OUTBOUND_KEYS, key).await?
    {
        let conversation = existing_conversation(conn, &message.conversation_id).await?;
        let outbox_id: Option<(i64,)> = sqlx::query_as("SELECT id FROM outbox WHERE message_id = $1")
            .bind(message.id.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        return Ok(Appended { conversation, message, duplicate: true, outbox_id: outbox_id.map(|(id,)| id) });
    }
    let mut conversation = existing_conversation(conn, &m.conversation_id).await?;
    if conversation.status == ConversationStatus::Closed {
        return Err(StoreError::Conflict(format!("conversation {} is closed", conversation.id)));
    }
    let now = m.now;
    let seq = (!m.internal).then_some(conversation.last_seq + 1);
    let (role, agent, name) = match &m.author {
        OutboundAuthor::Agent { id, name } => (AuthorRole::Agent, Some(id.clone()), name.clone()),
        OutboundAuthor::System => (AuthorRole::System, None, String::new()),
    };
    let message = Message {
        id: MessageId::generate(),
        conversation_id: conversation.id.clone(),
        seq,
        direction: Direction::Outbound,
        author_role: role,
        author_agent: agent.clone(),
        author_name: name,
        channel: conversation.channel,
        internal: m.internal,
        external_id: None,
        text: m.text,
        created_at: now,
    };
    queries::insert_message(conn, &message).await?;
    if let Some(key) = &m.idempotency_key {
        queries::insert_key(conn, OUTBOUND_KEYS, key, &message).await?;
    }
    let agent_answered = role == AuthorRole::Agent && !m.internal;
    if let Some(seq) = seq {
        conversation.last_seq = seq;
    }
    if agent_answered && conversation.first_response_at.is_none() {
        conversation.first_response_at = Some(now);
    }
    conversation.updated_at = now;
    sqlx::query("UPDATE conversations SET last_seq = $1, first_response_at = $2, updated_at = $3 WHERE id = $4")
        .bind(conversation.last_seq)
        .bind(conversation.first_response_at.map(|t| t.0))
        .bind(now.0)
        .bind(conversation.id.as_str())
        .execute(&mut *conn)
        .await?;
    if agent_answered && conversation.status == ConversationStatus::Assigned {
        let actor = agent.map(Actor::Agent).unwrap_or(Actor::System);
        let change = StatusChange {
            to: ConversationStatus::WaitingOnCustomer,
            assignee: None,
            queue: None,
            actor,
            reason: "agent_replied".into(),
            now,
        };
        conversation = apply_status(conn, conversation, change).await?;
    }
    let outbox_id = if m.deliver && !m.internal {
        let row: (i64,) = sqlx::query_as(
            "INSERT INTO outbox (message_id, conversation_id, channel, state, next_attempt_at, created_at, updated_at) \
             VALUES ($1, $2, $3, 'pending', $4, $4, $4) RETURNING id",
        )
        .bind(message.id.as_str())
        .bind(conversation.id.as_str())
        .bind(conversation.channel.as_str())
        .bind(now.0)
        .fetch_one(&mut *conn)
        .await?;
        Some(row.0)
    } else {
        None
    };
    Ok(Appended { conversation, message, duplicate: false, outbox_id })
}

pub async fn change_status(
    conn: &mut SqliteConnection,
    id: ConversationId,
    change: StatusChange,
) -> Result<Conversation, StoreError> {
    let conversation = existing_conversation(conn, &id).await?;
    apply_status(conn, conversation, change).await
}

/// Applies a checked status change to a loaded conversation and records it in the audit log.
async fn apply_status(
    conn: &mut SqliteConnection,
    mut c: Conversation,
    change: StatusChange,
) -> Result<Conversation, StoreError> {
    let from = c.status;
    c.status = from.transition(change.to)?;
    if let Some(assignee) = change.assignee {
        c.assignee = assignee;
    }
    if let Some(queue) = change.queue {
        c.queue = Some(queue);
    }
    // Waiting time starts when a conversation starts waiting for an agent again.
    if c.status.is_waiting_for_agent() && !from.is_waiting_for_agent() {
        c.waiting_since = change.now;
    }
    c.updated_at = change.now;
    sqlx::query("UPDATE conversations SET status = $1, assignee = $2, queue = $3, waiting_since = $4, updated_at = $5 WHERE id = $6")
        .bind(c.status.as_str())
        .bind(c.assignee.as_ref().map(|a| a.as_str()))
        .bind(c.queue.as_deref())
        .bind(c.waiting_since.0)
        .bind(c.updated_at.0)
        .bind(c.id.as_str())
        .execute(&mut *conn)
        .await?;
    let detail = json!({
        "from": from, "to": c.status, "assignee": c.assignee, "queue": c.queue, "reason": change.reason,
    });
    queries::audit(conn, &c.id, &change.actor, "status", detail, change.now).await?;
    Ok(c)
}

pub async fn set_triage(
    conn: &mut SqliteConnection,
    id: ConversationId,
    t: TriageResult,
    now: Millis,
) -> Result<Conversation, StoreError> {
    let mut c = existing_conversation(conn, &id).await?;
    sqlx::query("UPDATE conversations SET category = $1, priority = $2, language = $3, queue = $4, updated_at = $5 WHERE id = $6")
        .bind(&t.category)
        .bind(t.priority.as_str())
        .bind(&t.language)
        .bind(&t.queue)
        .bind(now.0)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    let detail = json!({
        "category": t.category, "priority": t.priority, "language": t.language,
        "confidence": t.confidence, "queue": t.queue,
    });
    queries::audit(conn, &id, &Actor::System, "triage", detail, now).await?;
    c.category = Some(t.category);
    c.priority = t.priority;
    c.language = Some(t.language);
    c.queue = Some(t.queue);
    c.updated_at = now;
    Ok(c)
}
