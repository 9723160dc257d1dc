//! The write transactions of the conversation model: ingest, outbound messages, status
//! changes and triage. Each runs inside one group-commit savepoint; what it writes is what
//! the rules in [`crate::domain`] decide about the rows it read.

use rusqlite::{Connection, params};
use serde_json::json;
use switchboard_channel::{Authentication, EmailDetails, SenderIdentity, ThreadKey};

use super::files;
use super::queries::{self, execute, existing_conversation};
use crate::domain::reply::{self, Delivery, Reply};
use crate::domain::threading::{self, Join, Placement, Threading};
use crate::domain::{
    Actor, AuthorRole, Conversation, ConversationId, CustomerId, Direction, Message, MessageId, Millis, StatusChange,
    TriageResult, identity, permissions, triage_merge,
};
use crate::store::{Appended, Ingested, NewInbound, NewOutbound, OutboundAuthor, RoutingNote, StoreError};

/// The pseudo-channel that scopes outbound idempotency keys, so an agent reusing a client id
/// on another conversation still gets the original back.
const OUTBOUND_KEYS: &str = "outbound";

pub fn ingest(conn: &Connection, m: &NewInbound) -> Result<Ingested, StoreError> {
    let channel = m.channel.as_str();
    let scope = m.key_scope.as_deref().unwrap_or_default();
    if let Some(message) = queries::message_by_key(conn, channel, scope, &m.external_id)? {
        let conversation = existing_conversation(conn, &message.conversation_id)?;
        return Ok(Ingested { conversation, message, duplicate: true, opened: false, reopened: false, triaged: false });
    }
    let now = m.received_at;
    let forged = m.email.as_ref().is_some_and(|e| matches!(e.authentication, Authentication::Fail(_)));
    let customer = match &m.customer {
        Some(known) => known.clone(),
        None => resolve_sender(conn, &m.sender, forged, now)?,
    };
    let found = find_conversation(conn, m, &customer)?;
    let (mut conversation, opened, reopened) = match threading::join(found, m.join, now) {
        Placement::Join(Join { conversation, change: Some(change), reopened }) => {
            (apply_status(conn, conversation, &change)?, false, reopened)
        }
        Placement::Join(Join { conversation, change: None, reopened }) => (conversation, false, reopened),
        Placement::Open { follows } => {
            let mut new =
                threading::opened(ConversationId::generate(), customer, m.channel, m.sender.lang.clone(), now);
            new.account = m.account.clone();
            (open_conversation(conn, new, follows.as_ref())?, true, false)
        }
    };
    let seq = conversation.next_seq();
    let mut message = Message {
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
        text: m.text.clone(),
        created_at: now,
        email: m.email.clone(),
        attachments: Vec::new(),
        has_original: m.full_text.is_some(),
    };
    queries::insert_message(conn, &message)?;
    files::attach(conn, &mut message, &m.attachments, now)?;
    if let Some(original) = &m.full_text {
        let blob = files::put_blob(conn, original.as_bytes(), now)?;
        execute(conn, "UPDATE messages SET original_blob = ?1 WHERE id = ?2", [&blob, message.id.as_str()])?;
    }
    queries::insert_key(conn, channel, scope, &m.external_id, &message)?;
    threading::customer_wrote(&mut conversation, seq, m.subject.as_deref(), m.secrets_redacted, now);
    let c = &conversation;
    execute(
        conn,
        "UPDATE conversations SET last_seq = ?1, last_customer_message_at = ?2, updated_at = ?3, \
         secrets_redacted = ?4, subject = ?5 WHERE id = ?6",
        params![
            c.last_seq,
            c.last_customer_message_at.map(|t| t.0),
            c.updated_at.0,
            c.secrets_redacted,
            c.subject,
            c.id.as_str()
        ],
    )?;
    if m.secrets_redacted {
        queries::audit(conn, &conversation.id, &Actor::Customer, "redacted", json!({ "message": message.id }), now)?;
    }
    let triaged = match &m.triage {
        Some(t) => apply_triage(conn, &mut conversation, t, opened || reopened, now)?,
        None => false,
    };
    Ok(Ingested { conversation, message, duplicate: false, opened, reopened, triaged })
}

/// The conversation the message's threading names, if any.
fn find_conversation(
    conn: &Connection,
    m: &NewInbound,
    customer: &CustomerId,
) -> Result<Option<Conversation>, StoreError> {
    let channel = m.channel.as_str();
    let refs = match &m.threading {
        Threading::ByReferences(refs) => refs,
        Threading::LatestOpen => return queries::latest_conversation(conn, customer.as_str(), channel),
        Threading::New => return Ok(None),
    };
    for key in refs {
        let conversation = match key {
            // Vouched for by the adapter, but only ever the sender's own: a mail forwarded
            // to someone else must not let them write into it.
            ThreadKey::Conversation(id) => {
                queries::conversation(conn, &ConversationId(id.clone()))?.filter(|c| &c.customer_id == customer)
            }
            ThreadKey::Message(key) => match queries::message_by_key(conn, channel, "", key)? {
                Some(earlier) => queries::conversation(conn, &earlier.conversation_id)?,
                None => None,
            },
            ThreadKey::Reference(reference) => queries::conversation_by_reference(conn, reference, customer)?,
        };
        if conversation.is_some() {
            return Ok(conversation);
        }
    }
    Ok(None)
}

/// Stores a conversation just opened, and records that it was (and which one it follows).
fn open_conversation(
    conn: &Connection,
    c: Conversation,
    follows: Option<&ConversationId>,
) -> Result<Conversation, StoreError> {
    let sql = concat!(
        "INSERT INTO conversations (",
        conversation_columns!(),
        ", follows) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
         ?20, ?21, ?22, ?23)"
    );
    execute(
        conn,
        sql,
        params![
            c.id.as_str(),
            c.customer_id.as_str(),
            c.channel.as_str(),
            c.status.as_str(),
            c.subject,
            c.category,
            c.priority.as_str(),
            c.language,
            c.queue,
            c.assignee.as_ref().map(|a| a.as_str()),
            c.last_seq,
            c.secrets_redacted,
            c.created_at.0,
            c.first_response_at.map(|t| t.0),
            c.last_customer_message_at.map(|t| t.0),
            c.waiting_since.0,
            c.updated_at.0,
            c.triage_signal,
            c.reference,
            c.account,
            c.sla_breached,
            c.held_until.map(|t| t.0),
            follows.map(|f| f.as_str()),
        ],
    )?;
    let detail = json!({ "channel": c.channel, "account": c.account, "follows": follows });
    queries::audit(conn, &c.id, &Actor::Customer, "opened", detail, c.created_at)?;
    Ok(c)
}

/// Finds the customer the sender is (by the identities [`identity::lookup`] names), or creates
/// one, and records identities not yet known; one already tied to another customer stays
/// with that customer.
pub fn resolve_customer(conn: &Connection, sender: &SenderIdentity, now: Millis) -> Result<CustomerId, StoreError> {
    resolve_sender(conn, sender, false, now)
}

/// [`resolve_customer`] for a message whose sender may have `failed_authentication`, which
/// [`identity::may_file_under`] keeps away from customers of the app.
fn resolve_sender(
    conn: &Connection,
    sender: &SenderIdentity,
    failed_authentication: bool,
    now: Millis,
) -> Result<CustomerId, StoreError> {
    let identities = identity::identities(sender);
    let mut found = None;
    for (kind, value) in identity::lookup(&identities) {
        let sql = "SELECT customer_id FROM customer_identities WHERE kind = ?1 AND value = ?2";
        if let Some(id) = queries::optional(conn, sql, [kind.as_str(), value], queries::first)? {
            found = Some(CustomerId(id));
            break;
        }
    }
    // Only mail that failed authentication needs to know (one query less on every other).
    if failed_authentication && let Some(id) = &found {
        let sql = "SELECT EXISTS (SELECT 1 FROM customer_identities WHERE customer_id = ?1 AND kind = 'app_user')";
        let uses_the_app: bool = queries::optional(conn, sql, [id.as_str()], queries::first)?.unwrap_or(false);
        if !identity::may_file_under(failed_authentication, uses_the_app) {
            found = None;
        }
    }
    let customer = match found {
        Some(id) => {
            execute(
                conn,
                "UPDATE customers SET name = COALESCE(name, ?1), lang = COALESCE(lang, ?2) WHERE id = ?3",
                params![sender.name, sender.lang, id.as_str()],
            )?;
            id
        }
        None => {
            let id = CustomerId::generate();
            execute(
                conn,
                "INSERT INTO customers (id, name, lang, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id.as_str(), sender.name, sender.lang, now.0],
            )?;
            id
        }
    };
    for (kind, value) in identities {
        execute(
            conn,
            "INSERT INTO customer_identities (kind, value, customer_id, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (kind, value) DO NOTHING",
            params![kind.as_str(), value, customer.as_str(), now.0],
        )?;
    }
    Ok(customer)
}

pub fn append_outbound(conn: &Connection, m: &NewOutbound) -> Result<Appended, StoreError> {
    if let Some(key) = &m.idempotency_key
        && let Some(message) = queries::message_by_key(conn, OUTBOUND_KEYS, "", key)?
    {
        let conversation = existing_conversation(conn, &message.conversation_id)?;
        let sql = "SELECT o.id FROM outbox o JOIN messages m ON m.id = o.message_id \
                   WHERE o.message_id = ?1 AND o.channel = m.channel";
        let outbox_id = queries::optional(conn, sql, [message.id.as_str()], queries::first)?;
        return Ok(Appended { conversation, message, duplicate: true, outbox_id, delivered_live: None });
    }
    let conversation = existing_conversation(conn, &m.conversation_id)?;
    permissions::may_write(&conversation, m.assignee_only.as_ref())?;
    let now = m.now;
    let (role, agent, name) = match &m.author {
        OutboundAuthor::Agent { id, name } => (AuthorRole::Agent, Some(id.clone()), name.clone()),
        OutboundAuthor::System => (AuthorRole::System, None, String::new()),
    };
    let Reply { mut conversation, seq, change } = reply::reply(conversation, agent.as_ref(), m.internal, now);
    let message = Message {
        id: MessageId::generate(),
        conversation_id: conversation.id.clone(),
        seq,
        direction: Direction::Outbound,
        author_role: role,
        author_agent: agent,
        author_name: name,
        channel: conversation.channel,
        internal: m.internal,
        external_id: None,
        text: m.text.clone(),
        created_at: now,
        email: (!m.cc.is_empty()).then(|| EmailDetails { cc: m.cc.clone(), ..EmailDetails::default() }),
        attachments: Vec::new(),
        has_original: false,
    };
    queries::insert_message(conn, &message)?;
    if let Some(key) = &m.idempotency_key {
        queries::insert_key(conn, OUTBOUND_KEYS, "", key, &message)?;
    }
    let c = &conversation;
    execute(
        conn,
        "UPDATE conversations SET last_seq = ?1, first_response_at = ?2, updated_at = ?3 WHERE id = ?4",
        params![c.last_seq, c.first_response_at.map(|t| t.0), c.updated_at.0, c.id.as_str()],
    )?;
    if let Some(change) = change {
        conversation = apply_status(conn, conversation, &change)?;
    }
    let (outbox_id, delivered_live) = match reply::delivery(m.deliver, m.internal, m.delivered_live.clone()) {
        Some(delivery) => {
            let (state, attempts, live) = match delivery {
                Delivery::Dispatch => ("pending", 0, None),
                Delivery::Live(detail) => ("sent", 1, Some(detail)),
            };
            execute(
                conn,
                "INSERT INTO outbox (message_id, conversation_id, channel, state, attempts, next_attempt_at, \
                     detail, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?6)",
                params![
                    message.id.as_str(),
                    conversation.id.as_str(),
                    conversation.channel.as_str(),
                    state,
                    attempts,
                    now.0,
                    live,
                ],
            )?;
            let outbox_id = conn.last_insert_rowid();
            if let Some((channel, at)) = m.also_by {
                also_by(conn, &message, &conversation, channel, at)?;
            }
            (Some(outbox_id), live)
        }
        None => (None, None),
    };
    Ok(Appended { conversation, message, duplicate: false, outbox_id, delivered_live })
}

/// A second delivery of a reply over another channel, due at `at`, when the customer can be
/// reached there (a chat reply sent by email to a customer with a known address).
fn also_by(
    conn: &Connection,
    message: &Message,
    c: &Conversation,
    channel: switchboard_channel::ChannelKind,
    at: Millis,
) -> Result<(), StoreError> {
    let identity = match channel {
        switchboard_channel::ChannelKind::Email => "email",
        switchboard_channel::ChannelKind::Callback => "phone",
        switchboard_channel::ChannelKind::Chat => "app_user",
    };
    execute(
        conn,
        "INSERT INTO outbox (message_id, conversation_id, channel, state, attempts, next_attempt_at, created_at, \
             updated_at) SELECT ?1, ?2, ?3, 'pending', 0, ?4, ?5, ?5 \
         WHERE EXISTS (SELECT 1 FROM customer_identities WHERE customer_id = ?6 AND kind = ?7)",
        params![
            message.id.as_str(),
            c.id.as_str(),
            channel.as_str(),
            at.0,
            message.created_at.0,
            c.customer_id.as_str(),
            identity
        ],
    )?;
    Ok(())
}

pub fn change_status(
    conn: &Connection,
    id: &ConversationId,
    change: &StatusChange,
) -> Result<Conversation, StoreError> {
    let conversation = existing_conversation(conn, id)?;
    apply_status(conn, conversation, change)
}

/// Writes a routing decision to the audit log with the priority or queue it changes.
pub fn record_routing(conn: &Connection, id: &ConversationId, note: &RoutingNote) -> Result<Conversation, StoreError> {
    let mut c = existing_conversation(conn, id)?;
    if note.priority.is_some() || note.queue.is_some() || note.breached {
        if let Some(priority) = note.priority {
            c.priority = priority;
        }
        if let Some(queue) = &note.queue {
            c.queue = Some(queue.clone());
        }
        c.sla_breached |= note.breached;
        c.touch(note.now);
        execute(
            conn,
            "UPDATE conversations SET priority = ?1, queue = ?2, sla_breached = ?3, updated_at = ?4 WHERE id = ?5",
            params![c.priority.as_str(), c.queue, c.sla_breached, c.updated_at.0, c.id.as_str()],
        )?;
    }
    queries::audit(conn, &c.id, &note.actor, &note.kind, note.detail.clone(), note.now)?;
    Ok(c)
}

/// Applies a status change to a loaded conversation and records it in the audit log.
pub(super) fn apply_status(
    conn: &Connection,
    c: Conversation,
    change: &StatusChange,
) -> Result<Conversation, StoreError> {
    let from = c.status;
    let c = change.apply_to(c)?;
    execute(
        conn,
        "UPDATE conversations SET status = ?1, assignee = ?2, queue = ?3, waiting_since = ?4, updated_at = ?5 \
         WHERE id = ?6",
        params![
            c.status.as_str(),
            c.assignee.as_ref().map(|a| a.as_str()),
            c.queue,
            c.waiting_since.0,
            c.updated_at.0,
            c.id.as_str(),
        ],
    )?;
    let detail = json!({
        "from": from, "to": c.status, "assignee": c.assignee, "queue": c.queue, "reason": change.reason,
    });
    queries::audit(conn, &c.id, &change.actor, "status", detail, change.now)?;
    Ok(c)
}

/// Merges a message's triage into its conversation as [`triage_merge::merge`] decides, and
/// records it when taken. Returns whether it was.
fn apply_triage(
    conn: &Connection,
    c: &mut Conversation,
    t: &TriageResult,
    fresh: bool,
    now: Millis,
) -> Result<bool, StoreError> {
    let prior_contacts = match &t.repeat {
        Some(rule) => queries::conversations_opened_since(conn, &c.customer_id, rule.since, &c.id)?,
        None => 0,
    };
    if !triage_merge::merge(c, t, fresh, prior_contacts, now) {
        return Ok(false);
    }
    execute(
        conn,
        "UPDATE conversations SET category = ?1, priority = ?2, language = ?3, queue = ?4, updated_at = ?5, \
         triage_signal = ?6 WHERE id = ?7",
        params![c.category, c.priority.as_str(), c.language, c.queue, c.updated_at.0, c.triage_signal, c.id.as_str()],
    )?;
    let detail = json!({
        "category": t.category, "priority": c.priority, "language": t.language,
        "confidence": t.confidence, "queue": t.queue, "queue_reason": t.queue_reason, "signal": t.signal, "prior_contacts": prior_contacts,
    });
    queries::audit(conn, &c.id, &Actor::System, "triage", detail, now)?;
    Ok(true)
}
