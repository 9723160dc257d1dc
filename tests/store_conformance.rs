//! The store conformance suite: what every `Store` backend must do, written once against the
//! trait and run for each backend by `conformance_suite!` at the bottom. A new backend adds
//! one line there (and a function that opens a fresh, empty store).
//!
//! Times are explicit `Millis` values, never the clock, so leases and retry schedules are
//! checked to the millisecond without sleeping.

use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use switchboard::config::StoreConfig;
use switchboard::domain::{
    ActionId, ActionOutcome, ActionState, AgentId, AuthorRole, CannedResponse, ConversationId, ConversationStatus,
    IdentityVerification, IllegalTransition, IntakeFields, Millis, NewAction, NewAgent, Priority, RepeatRule,
    TriageResult,
};
use switchboard::store::{
    Actor, CallbackChange, DeliveryOutcome, Ingested, NewCallback, NewInbound, NewOutbound, OutboundAuthor,
    OutboxCounts, RoutingNote, StatusChange, Store, StoreError, Threading,
};
use switchboard_channel::{
    Attachment, Authentication, CallbackOutcome, CallbackStatus, ChannelKind, EmailDetails, SenderIdentity, ThreadKey,
};

/// 2026-11-22T08:15:00Z: every test's time starts here.
const T0: Millis = Millis(1_795_335_300_000);

fn at(offset_ms: i64) -> Millis {
    Millis(T0.0 + offset_ms)
}

/// A fresh, empty store and whatever must live as long as it (a temporary directory, a
/// database server).
struct Backend {
    store: Arc<dyn Store>,
    _keep: Box<dyn Any + Send>,
}

async fn open_sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("conformance.db").display());
    let store = switchboard::store::open(&url, &StoreConfig::default()).await.expect("a fresh SQLite store opens");
    Backend { store, _keep: Box::new(dir) }
}

// ---------------------------------------------------------------------------------------------
// Building inputs.

fn app_user(user: &str) -> SenderIdentity {
    SenderIdentity { app_user_id: Some(user.to_owned()), ..SenderIdentity::default() }
}

fn email_sender(address: &str) -> SenderIdentity {
    SenderIdentity { email: Some(address.to_owned()), ..SenderIdentity::default() }
}

/// A live-chat message from an app user; the external id is the client id, scoped to the sender.
fn chat(user: &str, client_id: &str, now: Millis) -> NewInbound {
    NewInbound {
        channel: ChannelKind::Chat,
        external_id: client_id.to_owned(),
        key_scope: Some(user.to_owned()),
        threading: Threading::LatestOpen,
        sender: app_user(user),
        customer: None,
        subject: None,
        text: format!("chat message {client_id}"),
        secrets_redacted: false,
        triage: None,
        received_at: now,
        account: None,
        join: Default::default(),
        email: None,
        attachments: Vec::new(),
        full_text: None,
    }
}

/// An email with its Message-ID and the ids it refers to.
fn email(from: &str, message_id: &str, references: &[&str], now: Millis) -> NewInbound {
    NewInbound {
        channel: ChannelKind::Email,
        external_id: message_id.to_owned(),
        key_scope: None,
        threading: Threading::ByReferences(references.iter().map(|r| ThreadKey::Message(r.to_string())).collect()),
        sender: email_sender(from),
        customer: None,
        subject: Some("Transfer has not arrived".to_owned()),
        text: format!("email {message_id}"),
        secrets_redacted: false,
        triage: None,
        received_at: now,
        account: None,
        join: Default::default(),
        email: None,
        attachments: Vec::new(),
        full_text: None,
    }
}

/// An agent reply to be delivered, idempotent on `key`.
fn reply(conversation: &ConversationId, agent: &AgentId, key: &str, now: Millis) -> NewOutbound {
    NewOutbound {
        conversation_id: conversation.clone(),
        author: OutboundAuthor::Agent { id: agent.clone(), name: "Mei".to_owned() },
        idempotency_key: Some(format!("agent:{agent}:{key}")),
        text: format!("reply {key}"),
        internal: false,
        deliver: true,
        assignee_only: None,
        delivered_live: None,
        cc: Vec::new(),
        also_by: None,
        now,
    }
}

/// An internal note; `deliver` is set to show that a note is never delivered anyway.
fn note(conversation: &ConversationId, agent: &AgentId, key: &str, now: Millis) -> NewOutbound {
    NewOutbound { internal: true, text: format!("note {key}"), ..reply(conversation, agent, key, now) }
}

fn move_to(to: ConversationStatus, actor: Actor, now: Millis) -> StatusChange {
    StatusChange { to, assignee: None, queue: None, actor, reason: "test".to_owned(), now }
}

async fn add_agent(store: &Arc<dyn Store>, login: &str) -> AgentId {
    store
        .add_agent(NewAgent {
            login: login.to_owned(),
            name: "Mei".to_owned(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            skills: vec!["zh".to_owned(), "refund".to_owned()],
            supervisor: false,
            capacity: Default::default(),
        })
        .await
        .expect("agent added")
        .id
}

async fn ingest(store: &Arc<dyn Store>, message: NewInbound) -> Ingested {
    store.ingest(message).await.expect("ingest commits")
}

async fn audit_count(store: &Arc<dyn Store>, id: &ConversationId) -> usize {
    store.audit_events(id).await.expect("audit log").len()
}

const LEASE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Ingest: dedupe, seq, customers, threading.

async fn a_repeated_external_id_writes_nothing_and_returns_the_original(store: Arc<dyn Store>) {
    let first = ingest(&store, email("li@example.com", "<m1@mail>", &[], at(0))).await;
    assert!(first.opened && !first.duplicate);
    let events_before = audit_count(&store, &first.conversation.id).await;

    let mut again = email("li@example.com", "<m1@mail>", &[], at(5_000));
    again.text = "a different body that must not be stored".to_owned();
    let again = ingest(&store, again).await;
    assert!(again.duplicate, "a repeated Message-ID is a duplicate");
    assert!(!again.opened && !again.reopened);
    assert_eq!(again.message, first.message, "the original comes back");
    assert_eq!(again.conversation.id, first.conversation.id);

    let stored = store.messages(&first.conversation.id, 0, true).await.unwrap();
    assert_eq!(stored.len(), 1, "nothing new was written");
    assert_eq!(stored[0].text, "email <m1@mail>");
    let conversation = store.conversation(&first.conversation.id).await.unwrap().unwrap();
    assert_eq!(conversation.last_seq, 1);
    assert_eq!(conversation.last_customer_message_at, Some(at(0)));
    assert_eq!(audit_count(&store, &first.conversation.id).await, events_before);

    // Even after the conversation is closed, the duplicate is the original, not a new thread.
    store
        .change_status(&first.conversation.id, move_to(ConversationStatus::Resolved, Actor::System, at(6_000)))
        .await
        .unwrap();
    store
        .change_status(&first.conversation.id, move_to(ConversationStatus::Closed, Actor::System, at(7_000)))
        .await
        .unwrap();
    let late = ingest(&store, email("li@example.com", "<m1@mail>", &[], at(8_000))).await;
    assert!(late.duplicate && !late.opened);
    assert_eq!(late.message.id, first.message.id);
    assert!(store.open_conversations().await.unwrap().is_empty());

    // Idempotency is per channel: the same id on another channel is another message.
    let mut on_chat = chat("u-li", "x", at(9_000));
    on_chat.external_id = "<m1@mail>".to_owned();
    let on_chat = ingest(&store, on_chat).await;
    assert!(!on_chat.duplicate && on_chat.opened);
}

async fn idempotency_keys_of_different_senders_never_collide(store: Arc<dyn Store>) {
    // Sender and key both may hold the separator a concatenated key would have used.
    let a = ingest(&store, chat("cust-A", "x:y", at(0))).await;
    let b = ingest(&store, chat("cust-A:x", "y", at(1_000))).await;
    assert!(!b.duplicate, "another sender's key is another message");
    assert_ne!(a.conversation.id, b.conversation.id, "each sender has their own conversation");
    assert_eq!(b.message.text, "chat message y");
    let again = ingest(&store, chat("cust-A:x", "y", at(2_000))).await;
    assert!(again.duplicate && again.message.id == b.message.id, "the same sender's key is the same message");
}

async fn replays_come_in_pages_of_customer_visible_messages(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "pager").await;
    let first = ingest(&store, chat("u-pages", "c0", at(0))).await;
    let id = first.conversation.id.clone();
    store.append_outbound(note(&id, &agent, "n", at(1))).await.unwrap();
    for i in 1..5 {
        ingest(&store, chat("u-pages", &format!("c{i}"), at(10 * i))).await;
    }
    let page = store.messages_page(&id, 1, 2).await.unwrap();
    assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), [Some(2), Some(3)], "no notes, in seq order");
    let rest = store.messages_page(&id, 3, 10).await.unwrap();
    assert_eq!(rest.iter().map(|m| m.seq).collect::<Vec<_>>(), [Some(4), Some(5)]);
}

/// What one concurrent writer got back.
struct Written {
    message_id: String,
    seq: Option<i64>,
    internal: bool,
}

async fn seq_is_gapless_under_concurrent_appends(store: Arc<dyn Store>) {
    const TASKS: usize = 64;
    const PER_TASK: usize = 20;
    let agent = add_agent(&store, "mei").await;
    let first = ingest(&store, chat("u1", "c0", at(0))).await;
    let conversation = first.conversation.id.clone();
    assert_eq!(first.message.seq, Some(1));

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (store, agent, conversation) = (store.clone(), agent.clone(), conversation.clone());
        tasks.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..PER_TASK {
                let key = format!("t{task}-{i}");
                // Each writer reads its own clock: times interleave in any order with commits.
                let now = at(1 + (task * PER_TASK + i) as i64 % 977);
                let w = match (task + i) % 4 {
                    0 | 1 => {
                        let got = store.ingest(chat("u1", &key, now)).await.unwrap();
                        assert!(!got.duplicate && !got.opened);
                        assert_eq!(got.conversation.id, conversation);
                        Written { message_id: got.message.id.0, seq: got.message.seq, internal: false }
                    }
                    2 => {
                        let got = store.append_outbound(reply(&conversation, &agent, &key, now)).await.unwrap();
                        Written { message_id: got.message.id.0, seq: got.message.seq, internal: false }
                    }
                    _ => {
                        let got = store.append_outbound(note(&conversation, &agent, &key, now)).await.unwrap();
                        Written { message_id: got.message.id.0, seq: got.message.seq, internal: true }
                    }
                };
                written.push(w);
            }
            written
        }));
    }
    let mut written = Vec::new();
    for task in tasks {
        written.extend(task.await.expect("writer task"));
    }

    let notes = written.iter().filter(|w| w.internal).count();
    let visible = 1 + written.len() - notes;
    assert!(notes > 0 && visible > TASKS);
    // What each writer was acknowledged: every seq once, no gaps, notes none.
    let mut acked: Vec<i64> = written.iter().filter_map(|w| w.seq).collect();
    acked.push(1);
    acked.sort_unstable();
    assert_eq!(acked, (1..=visible as i64).collect::<Vec<_>>());
    assert!(written.iter().filter(|w| w.internal).all(|w| w.seq.is_none()));

    // What is stored agrees with what was acknowledged.
    let all = store.messages(&conversation, 0, true).await.unwrap();
    assert_eq!(all.len(), 1 + written.len());
    let stored_seq: HashMap<&str, Option<i64>> = all.iter().map(|m| (m.id.as_str(), m.seq)).collect();
    for w in &written {
        assert_eq!(stored_seq[w.message_id.as_str()], w.seq, "{}", w.message_id);
    }
    assert!(all.iter().filter(|m| m.internal).all(|m| m.seq.is_none()));

    // Customer-visible messages come back in seq order, as a chat client replays them: a
    // client that got seq 12 before 11 and lost its connection would resume after 12 and
    // never see 11.
    let shown = store.messages(&conversation, 0, false).await.unwrap();
    assert!(shown.iter().all(|m| !m.internal));
    let seqs: Vec<i64> = shown.iter().map(|m| m.seq.expect("visible has seq")).collect();
    assert_consecutive(&seqs, 1, visible as i64);
    let resumed = store.messages(&conversation, 10, false).await.unwrap();
    let seqs: Vec<i64> = resumed.iter().filter_map(|m| m.seq).collect();
    assert_consecutive(&seqs, 11, visible as i64);

    let c = store.conversation(&conversation).await.unwrap().unwrap();
    assert_eq!(c.last_seq, visible as i64);
}

async fn concurrent_first_messages_open_one_conversation(store: Arc<dyn Store>) {
    // A new customer writing from two devices at once: one customer, one conversation.
    const WRITERS: usize = 16;
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.ingest(chat("u-new", &format!("c{i}"), at(i as i64))).await }));
    }
    let mut conversations = BTreeSet::new();
    let mut customers = BTreeSet::new();
    let mut seqs = Vec::new();
    let mut opened = 0;
    for task in tasks {
        let got = task.await.expect("writer task").expect("ingest commits");
        conversations.insert(got.conversation.id.clone());
        customers.insert(got.conversation.customer_id.clone());
        seqs.push(got.message.seq.expect("a customer message has a seq"));
        opened += usize::from(got.opened);
    }
    assert_eq!(customers.len(), 1, "one customer, not {customers:?}");
    assert_eq!(conversations.len(), 1, "one conversation, not {conversations:?}");
    assert_eq!(opened, 1, "exactly one message opened it");
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=WRITERS as i64).collect::<Vec<_>>());
}

/// Checks that `seqs` is exactly `first..=last` in order, naming the first place it is not.
fn assert_consecutive(seqs: &[i64], first: i64, last: i64) {
    let expected: Vec<i64> = (first..=last).collect();
    if let Some(i) = (0..seqs.len().min(expected.len())).find(|&i| seqs[i] != expected[i]) {
        let around = &seqs[i.saturating_sub(2)..(i + 3).min(seqs.len())];
        panic!(
            "messages are not in seq order: position {i} holds seq {} where {} belongs \
             (around it: {around:?})",
            seqs[i], expected[i]
        );
    }
    assert_eq!(seqs.len(), expected.len(), "expected seq {first}..={last}, got {} messages", seqs.len());
}

async fn customer_identities_resolve_to_one_customer(store: Arc<dyn Store>) {
    let mut first = chat("u-zhang", "a", at(0));
    first.sender.email = Some("zhang@example.com".to_owned());
    first.sender.name = Some("Zhang Wei".to_owned());
    first.sender.lang = Some("zh".to_owned());
    let first = ingest(&store, first).await;
    let customer = first.conversation.customer_id.clone();

    // The same app user from another device, now with a phone number: same customer, and
    // the new identity is remembered.
    let mut second = chat("u-zhang", "b", at(1_000));
    second.sender.phone = Some("+8613800138000".to_owned());
    let second = ingest(&store, second).await;
    assert_eq!(second.conversation.customer_id, customer);

    // An email from a known address belongs to the same customer, on its own conversation.
    let mail = ingest(&store, email("zhang@example.com", "<z1@mail>", &[], at(2_000))).await;
    assert_eq!(mail.conversation.customer_id, customer);
    assert_ne!(mail.conversation.id, first.conversation.id);

    let known = store.customer(&customer).await.unwrap().expect("customer stored");
    assert_eq!(known.app_user_id.as_deref(), Some("u-zhang"));
    assert_eq!(known.emails, ["zhang@example.com"]);
    assert_eq!(known.phones, ["+8613800138000"]);
    assert_eq!(known.name.as_deref(), Some("Zhang Wei"));
    assert_eq!(known.lang.as_deref(), Some("zh"));
    assert_eq!(store.customer_by_app_user("u-zhang").await.unwrap().map(|c| c.id), Some(customer.clone()));
    assert!(store.customer_by_app_user("u-nobody").await.unwrap().is_none());

    // Resolving a sender without a message (a chat `hello`) finds the same customer, and
    // creates a stranger once.
    assert_eq!(store.resolve_customer(&app_user("u-zhang"), at(3_000)).await.unwrap(), customer);
    let stranger = store.resolve_customer(&app_user("u-new"), at(3_000)).await.unwrap();
    assert_ne!(stranger, customer);
    assert_eq!(store.resolve_customer(&app_user("u-new"), at(3_500)).await.unwrap(), stranger);
    assert_eq!(store.customer_by_app_user("u-new").await.unwrap().map(|c| c.id), Some(stranger.clone()));
    // A channel that resolved its sender already (a chat session at `hello`) files the message
    // under that customer.
    let mut resolved = chat("u-new", "a", at(3_600));
    resolved.customer = Some(stranger.clone());
    assert_eq!(ingest(&store, resolved).await.conversation.customer_id, stranger);

    // Another app user is another customer, even claiming a known address: an identity stays
    // with the customer it belongs to, so nobody takes over another's email by typing it.
    let mut other = chat("u-mallory", "a", at(4_000));
    other.sender.email = Some("zhang@example.com".to_owned());
    let other = ingest(&store, other).await;
    assert_ne!(
        other.conversation.customer_id, customer,
        "an app user claiming the email of a customer with another app user id was filed as \
         that customer, into their chat conversation"
    );
    assert_ne!(other.conversation.id, first.conversation.id);
    let mallory = store.customer(&other.conversation.customer_id).await.unwrap().unwrap();
    assert!(mallory.emails.is_empty(), "{:?}", mallory.emails);
    let zhang = store.customer(&customer).await.unwrap().unwrap();
    assert_eq!(zhang.emails, ["zhang@example.com"]);
}

async fn a_conversation_key_files_into_the_senders_own_conversation_only(store: Arc<dyn Store>) {
    let first = ingest(&store, email("li@example.com", "<k1@mail>", &[], at(0))).await;
    let id = first.conversation.id.clone();
    let by_key = |from: &str, message_id: &str, conversation: &str, t| NewInbound {
        threading: Threading::ByReferences(vec![ThreadKey::Conversation(conversation.to_owned())]),
        ..email(from, message_id, &[], at(t))
    };
    // The adapter vouches for the key (a signed plus-address): no message reference needed.
    let answer = ingest(&store, by_key("li@example.com", "<k2@mail>", id.as_str(), 1_000)).await;
    assert_eq!((answer.opened, &answer.conversation.id), (false, &id));
    // Someone else holding the key (a forwarded mail) gets a conversation of their own.
    let stranger = ingest(&store, by_key("wang@example.com", "<k3@mail>", id.as_str(), 2_000)).await;
    assert!(stranger.opened);
    assert_ne!(stranger.conversation.id, id);
    // A key naming no conversation is passed over for the next reference.
    let mut unknown = by_key("li@example.com", "<k4@mail>", "cv_gone", 3_000);
    if let Threading::ByReferences(keys) = &mut unknown.threading {
        keys.push(ThreadKey::Message("<k1@mail>".to_owned()));
    }
    assert_eq!(ingest(&store, unknown).await.conversation.id, id);
}

async fn email_threads_by_references(store: Arc<dyn Store>) {
    let first = ingest(&store, email("li@example.com", "<m1@mail>", &[], at(0))).await;
    assert!(first.opened);
    // A reply naming the first message (newest reference first) joins its conversation.
    let answer =
        ingest(&store, email("li@example.com", "<m2@mail>", &["<unknown@mail>", "<m1@mail>"], at(1_000))).await;
    assert!(!answer.opened);
    assert_eq!(answer.conversation.id, first.conversation.id);
    assert_eq!(answer.message.seq, Some(2));
    assert_eq!(answer.conversation.last_customer_message_at, Some(at(1_000)));
    // References to nothing known, or none at all, start a new conversation.
    let stray = ingest(&store, email("li@example.com", "<m3@mail>", &["<x@y>"], at(2_000))).await;
    assert!(stray.opened);
    assert_ne!(stray.conversation.id, first.conversation.id);
    assert_eq!(stray.message.seq, Some(1));
    let fresh = ingest(&store, email("li@example.com", "<m4@mail>", &[], at(3_000))).await;
    assert!(fresh.opened);
    assert_ne!(fresh.conversation.id, stray.conversation.id);
    // The newest open conversation on the channel is the one just opened.
    let latest = store
        .latest_conversation(&first.conversation.customer_id, ChannelKind::Email)
        .await
        .unwrap()
        .expect("an open email conversation");
    assert_eq!(latest.id, fresh.conversation.id);
    assert_eq!(store.open_conversations().await.unwrap().len(), 3);
}

async fn chat_threads_to_the_latest_open_conversation(store: Arc<dyn Store>) {
    let first = ingest(&store, chat("u1", "a", at(0))).await;
    let second = ingest(&store, chat("u1", "b", at(1_000))).await;
    assert!(first.opened && !second.opened);
    assert_eq!(second.conversation.id, first.conversation.id);
    assert_eq!(second.message.seq, Some(2));
    let other = ingest(&store, chat("u2", "a", at(2_000))).await;
    assert!(other.opened);
    assert_ne!(other.conversation.id, first.conversation.id);
    // A callback request is always a conversation of its own.
    let mut callback = chat("u1", "cb-1", at(3_000));
    callback.channel = ChannelKind::Callback;
    callback.threading = Threading::New;
    let callback = ingest(&store, callback).await;
    assert!(callback.opened);
    let mut again = chat("u1", "cb-2", at(4_000));
    again.channel = ChannelKind::Callback;
    again.threading = Threading::New;
    let again = ingest(&store, again).await;
    assert!(again.opened);
    assert_ne!(again.conversation.id, callback.conversation.id);
    assert_eq!(again.conversation.channel, ChannelKind::Callback);
}

async fn a_resolved_conversation_reopens_and_a_closed_one_stays_closed(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let first = ingest(&store, chat("u1", "a", at(0))).await;
    let id = first.conversation.id.clone();
    let mut assign = move_to(ConversationStatus::Assigned, Actor::Agent(agent.clone()), at(1_000));
    assign.assignee = Some(Some(agent.clone()));
    store.change_status(&id, assign).await.unwrap();
    store.change_status(&id, move_to(ConversationStatus::Resolved, Actor::Agent(agent), at(2_000))).await.unwrap();
    assert!(store.open_conversations().await.unwrap().is_empty());

    // The customer writes again: the same conversation reopens, back to waiting for routing.
    let back = ingest(&store, chat("u1", "b", at(3_000))).await;
    assert!(back.reopened && !back.opened);
    assert_eq!(back.conversation.id, id);
    assert_eq!(back.conversation.status, ConversationStatus::Reopened);
    assert_eq!(back.conversation.assignee, None, "a reopened conversation is routed afresh");
    assert_eq!(back.conversation.waiting_since, at(3_000));
    assert_eq!(back.message.seq, Some(2));
    let stored = store.conversation(&id).await.unwrap().unwrap();
    assert_eq!(stored.status, ConversationStatus::Reopened);
    assert_eq!(store.open_conversations().await.unwrap().len(), 1);

    // Resolved and then closed: the next message starts a new conversation at seq 1.
    store.change_status(&id, move_to(ConversationStatus::Resolved, Actor::System, at(4_000))).await.unwrap();
    store.change_status(&id, move_to(ConversationStatus::Closed, Actor::System, at(5_000))).await.unwrap();
    let new = ingest(&store, chat("u1", "c", at(6_000))).await;
    assert!(new.opened && !new.reopened);
    assert_ne!(new.conversation.id, id);
    assert_eq!(new.message.seq, Some(1));
    let closed = store.conversation(&id).await.unwrap().unwrap();
    assert_eq!(closed.status, ConversationStatus::Closed);
    assert_eq!(closed.last_seq, 2);

    // The same holds for email threads: a reference into a closed conversation opens a new one.
    let mail = ingest(&store, email("li@example.com", "<m1@mail>", &[], at(7_000))).await;
    for (to, t) in [(ConversationStatus::Resolved, 8_000), (ConversationStatus::Closed, 9_000)] {
        store.change_status(&mail.conversation.id, move_to(to, Actor::System, at(t))).await.unwrap();
    }
    let answer = ingest(&store, email("li@example.com", "<m2@mail>", &["<m1@mail>"], at(10_000))).await;
    assert!(answer.opened);
    assert_ne!(answer.conversation.id, mail.conversation.id);
}

async fn a_customer_who_keeps_coming_back_is_triaged_as_a_repeated_contact(store: Arc<dyn Store>) {
    // A refund is normal, unless the customer opened two other conversations since `since`.
    let since = at(0);
    let repeat = |since| TriageResult {
        repeat: Some(RepeatRule { since, at_least: 2, priority: Priority::High }),
        ..triage("refund", Priority::Normal, "payments")
    };
    let first = ingest(&store, NewInbound { triage: Some(repeat(since)), ..chat("u-back", "a", at(0)) }).await;
    assert_eq!(first.conversation.priority, Priority::Normal, "nothing before the first");
    let customer = first.conversation.customer_id.clone();

    // Any channel counts; a message into a conversation already open opens nothing.
    let again = ingest(&store, NewInbound { triage: Some(repeat(since)), ..chat("u-back", "b", at(1_000)) }).await;
    assert!(!again.opened);
    let mut mail = email("back@example.com", "<b1@mail>", &[], at(2_000));
    (mail.customer, mail.triage) = (Some(customer.clone()), Some(repeat(since)));
    let mail = ingest(&store, mail).await;
    assert_eq!((mail.opened, mail.conversation.priority), (true, Priority::Normal), "one other is not enough");
    // A conversation counts by when it was opened, whatever became of it since.
    for (to, t) in [(ConversationStatus::Resolved, 2_500), (ConversationStatus::Closed, 2_600)] {
        store.change_status(&mail.conversation.id, move_to(to, Actor::System, at(t))).await.unwrap();
    }
    let callback = |key: &str, since, now| {
        let mut c = chat("u-back", key, now);
        (c.channel, c.threading, c.triage) = (ChannelKind::Callback, Threading::New, Some(repeat(since)));
        c
    };
    let third = ingest(&store, callback("cb-1", since, at(3_000))).await;
    assert_eq!(third.conversation.priority, Priority::High, "two others make a repeated contact");
    // Conversations opened before the window do not count.
    let fourth = ingest(&store, callback("cb-2", at(2_000), at(4_000))).await;
    assert_eq!(fourth.conversation.priority, Priority::High, "the mail and the first callback are in the window");
    let fifth = ingest(&store, callback("cb-3", at(3_500), at(5_000))).await;
    assert_eq!(fifth.conversation.priority, Priority::Normal, "only one other since 3.5 s");

    // Only this customer's conversations count.
    let other = ingest(&store, NewInbound { triage: Some(repeat(since)), ..chat("u-other", "a", at(6_000)) }).await;
    assert_eq!(other.conversation.priority, Priority::Normal);
}

async fn the_reason_a_conversation_is_an_emergency_is_kept(store: Arc<dyn Store>) {
    let why = "a login from a device the customer does not have";
    let stolen =
        TriageResult { signal: Some(why.to_owned()), ..triage("account_compromised", Priority::Urgent, "security") };
    let opened = ingest(&store, triaged("a", stolen, at(0))).await;
    assert_eq!(opened.conversation.triage_signal.as_deref(), Some(why));
    let read = store.conversation(&opened.conversation.id).await.unwrap().expect("stored");
    assert_eq!(read.triage_signal.as_deref(), Some(why));
}

// ---------------------------------------------------------------------------------------------
// The status machine.

async fn illegal_status_moves_are_refused_and_change_nothing(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let id = ingest(&store, chat("u1", "a", at(0))).await.conversation.id;

    let refused = |from, to| {
        move |result: Result<_, StoreError>| match result {
            Err(StoreError::IllegalTransition(e)) => assert_eq!(e, IllegalTransition { from, to }),
            other => panic!("{from} -> {to} was not refused: {other:?}"),
        }
    };
    // An illegal move that would also assign and transfer does none of it.
    let before = store.conversation(&id).await.unwrap().unwrap();
    let events = audit_count(&store, &id).await;
    let mut bad = move_to(ConversationStatus::WaitingOnCustomer, Actor::System, at(1_000));
    bad.assignee = Some(Some(agent.clone()));
    bad.queue = Some("payments".to_owned());
    refused(ConversationStatus::Queued, ConversationStatus::WaitingOnCustomer)(store.change_status(&id, bad).await);
    assert_eq!(store.conversation(&id).await.unwrap().unwrap(), before);
    assert_eq!(audit_count(&store, &id).await, events);

    // A legal move applies with its assignee and queue, and is audited.
    let mut offer = move_to(ConversationStatus::Offered, Actor::System, at(2_000));
    offer.assignee = Some(Some(agent.clone()));
    offer.queue = Some("payments".to_owned());
    let offered = store.change_status(&id, offer).await.unwrap();
    assert_eq!(offered.status, ConversationStatus::Offered);
    assert_eq!(offered.assignee.as_ref(), Some(&agent));
    assert_eq!(offered.queue.as_deref(), Some("payments"));
    assert_eq!(store.conversation(&id).await.unwrap().unwrap(), offered);
    assert_eq!(audit_count(&store, &id).await, events + 1);
    refused(ConversationStatus::Offered, ConversationStatus::Offered)(
        store.change_status(&id, move_to(ConversationStatus::Offered, Actor::System, at(3_000))).await,
    );

    // Closed is final.
    for (to, t) in [(ConversationStatus::Resolved, 4_000), (ConversationStatus::Closed, 5_000)] {
        store.change_status(&id, move_to(to, Actor::System, at(t))).await.unwrap();
    }
    let closed = store.conversation(&id).await.unwrap().unwrap();
    let events = audit_count(&store, &id).await;
    for to in [
        ConversationStatus::Queued,
        ConversationStatus::Assigned,
        ConversationStatus::Reopened,
        ConversationStatus::Resolved,
        ConversationStatus::Closed,
    ] {
        refused(ConversationStatus::Closed, to)(store.change_status(&id, move_to(to, Actor::System, at(6_000))).await);
    }
    assert_eq!(store.conversation(&id).await.unwrap().unwrap(), closed);
    assert_eq!(audit_count(&store, &id).await, events);
    // Nobody can write into a closed conversation either.
    let late = store.append_outbound(reply(&id, &agent, "late", at(7_000))).await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    assert_eq!(store.conversation(&id).await.unwrap().unwrap(), closed);

    let missing = ConversationId::from("cv_missing");
    let result = store.change_status(&missing, move_to(ConversationStatus::Resolved, Actor::System, at(0))).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
}

// ---------------------------------------------------------------------------------------------
// The outbox.

fn counts(pending: i64, failed: i64) -> OutboxCounts {
    OutboxCounts { pending, failed }
}

async fn outbox_claims_lease_retry_and_send(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let inbound = ingest(&store, email("li@example.com", "<m1@mail>", &[], at(0))).await;
    let id = inbound.conversation.id.clone();
    let written = store.append_outbound(reply(&id, &agent, "r1", at(1_000))).await.unwrap();
    let outbox_id = written.outbox_id.expect("a delivered reply has an outbox row");
    assert_eq!(written.message.seq, Some(2));
    assert_eq!(store.outbox_counts().await.unwrap(), counts(1, 0));
    assert_eq!(store.next_outbox_due().await.unwrap(), Some(at(1_000)));

    assert!(store.claim_outbox(at(999), LEASE, 10).await.unwrap().is_empty(), "not due yet");
    let claimed = store.claim_outbox(at(1_000), LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let delivery = &claimed[0];
    let out = &delivery.outbound;
    assert_eq!(out.outbox_id, outbox_id);
    assert_eq!(out.channel, ChannelKind::Email);
    assert_eq!(out.conversation_id, id.0);
    assert_eq!(out.message_id, written.message.id.0);
    assert_eq!(out.seq, 2);
    assert_eq!(out.text, "reply r1");
    assert_eq!(out.author_name, "Mei");
    assert_eq!(out.subject.as_deref(), Some("Transfer has not arrived"));
    assert_eq!(out.recipient.customer_id, inbound.conversation.customer_id.0);
    assert_eq!(out.recipient.email.as_deref(), Some("li@example.com"));
    assert_eq!(out.thread_refs, ["<m1@mail>"]);
    assert_eq!(out.attempt, 0);
    assert_eq!(delivery.created_at, at(1_000));

    // Leased: nobody else gets it until the lease ends.
    assert!(store.claim_outbox(at(1_000), LEASE, 10).await.unwrap().is_empty());
    assert!(store.claim_outbox(at(60_999), LEASE, 10).await.unwrap().is_empty());

    // A transient failure: not claimable before its retry time, claimable at it.
    store
        .record_delivery(
            outbox_id,
            DeliveryOutcome::RetryAt { at: at(11_000), error: "421 try again later".to_owned() },
            at(2_000),
        )
        .await
        .unwrap();
    assert_eq!(store.outbox_counts().await.unwrap(), counts(1, 0));
    assert_eq!(store.next_outbox_due().await.unwrap(), Some(at(11_000)));
    assert!(store.claim_outbox(at(10_999), LEASE, 10).await.unwrap().is_empty());
    let retried = store.claim_outbox(at(11_000), LEASE, 10).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].outbound.outbox_id, outbox_id);
    assert_eq!(retried[0].outbound.attempt, 1, "the failed attempt is counted");

    store
        .record_delivery(
            outbox_id,
            DeliveryOutcome::Sent {
                detail: "250 2.0.0 Ok: queued".to_owned(),
                external_id: Some("<reply-r1@switchboard>".to_owned()),
            },
            at(11_500),
        )
        .await
        .unwrap();
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 0));
    assert_eq!(store.next_outbox_due().await.unwrap(), None);
    assert!(store.claim_outbox(at(10_000_000), LEASE, 10).await.unwrap().is_empty());
    // A late result for a finished delivery (an attempt whose lease had run out) is refused
    // and does not undo it.
    let late = store.record_delivery(outbox_id, DeliveryOutcome::Failed { error: "late".to_owned() }, at(12_000)).await;
    assert!(late.is_err(), "a finished delivery took another result");
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 0));

    // The customer's answer to the delivered reply threads into the conversation through the
    // id the channel reported.
    let answer = ingest(&store, email("li@example.com", "<m2@mail>", &["<reply-r1@switchboard>"], at(20_000))).await;
    assert!(!answer.opened);
    assert_eq!(answer.conversation.id, id);
    assert_eq!(answer.message.seq, Some(3));
}

async fn a_failed_delivery_is_final(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let id = ingest(&store, email("li@example.com", "<m1@mail>", &[], at(0))).await.conversation.id;
    let outbox_id = store.append_outbound(reply(&id, &agent, "r1", at(1_000))).await.unwrap().outbox_id.unwrap();
    assert_eq!(store.claim_outbox(at(1_000), LEASE, 10).await.unwrap().len(), 1);
    store
        .record_delivery(outbox_id, DeliveryOutcome::Failed { error: "550 5.1.1 no such user".to_owned() }, at(1_500))
        .await
        .unwrap();
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 1));
    assert!(store.claim_outbox(at(10_000_000), LEASE, 10).await.unwrap().is_empty());
    let late = store
        .record_delivery(outbox_id, DeliveryOutcome::Sent { detail: "250 ok".to_owned(), external_id: None }, at(2_000))
        .await;
    assert!(late.is_err(), "a failed delivery took another result");
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 1));
}

async fn an_expired_lease_makes_a_claim_claimable_again(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let id = ingest(&store, chat("u1", "a", at(0))).await.conversation.id;
    let first = store.append_outbound(reply(&id, &agent, "r1", at(1_000))).await.unwrap();
    let second = store.append_outbound(reply(&id, &agent, "r2", at(2_000))).await.unwrap();
    let lease = Duration::from_secs(30);

    // `limit` bounds a claim; the earliest due goes first.
    let claimed = store.claim_outbox(at(2_000), lease, 1).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(Some(claimed[0].outbound.outbox_id), first.outbox_id);
    // The lease hides only what was claimed.
    let claimed = store.claim_outbox(at(2_000), lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(Some(claimed[0].outbound.outbox_id), second.outbox_id);

    // The claimant died without a result: once the lease ends, the delivery is claimable
    // again, and the attempt that never reported is not counted.
    assert!(store.claim_outbox(at(31_999), lease, 10).await.unwrap().is_empty());
    let again = store.claim_outbox(at(32_000), lease, 10).await.unwrap();
    let ids: BTreeSet<i64> = again.iter().map(|d| d.outbound.outbox_id).collect();
    assert_eq!(ids, BTreeSet::from([first.outbox_id.unwrap(), second.outbox_id.unwrap()]));
    assert!(again.iter().all(|d| d.outbound.attempt == 0));
    for d in &again {
        store
            .record_delivery(
                d.outbound.outbox_id,
                DeliveryOutcome::Sent { detail: "delivered".to_owned(), external_id: None },
                at(33_000),
            )
            .await
            .unwrap();
    }
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 0));
}

async fn a_repeated_outbound_key_returns_the_original(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let id = ingest(&store, chat("u1", "a", at(0))).await.conversation.id;
    let original = store.append_outbound(reply(&id, &agent, "k1", at(1_000))).await.unwrap();
    assert!(!original.duplicate);

    let mut retry = reply(&id, &agent, "k1", at(5_000));
    retry.text = "typed again after a lost ack".to_owned();
    let retry = store.append_outbound(retry).await.unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.message, original.message);
    assert_eq!(retry.outbox_id, original.outbox_id);
    assert_eq!(store.messages(&id, 0, true).await.unwrap().len(), 2);
    assert_eq!(store.conversation(&id).await.unwrap().unwrap().last_seq, 2);
    assert_eq!(store.outbox_counts().await.unwrap(), counts(1, 0));

    // Notes are idempotent the same way.
    let n = store.append_outbound(note(&id, &agent, "n1", at(6_000))).await.unwrap();
    let n_again = store.append_outbound(note(&id, &agent, "n1", at(7_000))).await.unwrap();
    assert!(n_again.duplicate);
    assert_eq!(n_again.message.id, n.message.id);

    // The key belongs to its sender: another agent's identical client id is another message.
    let other = add_agent(&store, "li").await;
    let theirs = store.append_outbound(reply(&id, &other, "k1", at(8_000))).await.unwrap();
    assert!(!theirs.duplicate);
    assert_eq!(theirs.message.seq, Some(3));
}

/// Agents `mei` and `li`, and a chat conversation of one message assigned to `mei`.
async fn assigned_to_mei(store: &Arc<dyn Store>) -> (AgentId, AgentId, ConversationId) {
    let (mei, li) = (add_agent(store, "mei").await, add_agent(store, "li").await);
    let id = ingest(store, chat("u1", "a", at(0))).await.conversation.id;
    let to_mei = StatusChange {
        assignee: Some(Some(mei.clone())),
        ..move_to(ConversationStatus::Assigned, Actor::System, at(500))
    };
    store.change_status(&id, to_mei).await.unwrap();
    (mei, li, id)
}

async fn a_write_limited_to_the_assignee_is_refused_for_anyone_else(store: Arc<dyn Store>) {
    let (mei, li, id) = assigned_to_mei(&store).await;

    let mut theirs = reply(&id, &li, "k1", at(1_000));
    theirs.assignee_only = Some(li.clone());
    let refused = store.append_outbound(theirs).await;
    assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{refused:?}");
    assert_eq!(store.messages(&id, 0, true).await.unwrap().len(), 1, "nothing was written");
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 0));

    let mut hers = reply(&id, &mei, "k2", at(2_000));
    hers.assignee_only = Some(mei.clone());
    assert_eq!(store.append_outbound(hers).await.unwrap().message.seq, Some(2));
}

async fn a_failing_write_rolls_back_alone_among_writes_committed_with_it(store: Arc<dyn Store>) {
    let (mei, li, id) = assigned_to_mei(&store).await;

    // Queued back to back, so a backend that commits writes together commits these with the
    // write that fails.
    let mut before: Vec<_> = (1..=20).map(|i| store.ingest(chat("u1", &format!("c{i}"), at(10 + i)))).collect();
    let mut theirs = reply(&id, &li, "refused", at(40));
    theirs.assignee_only = Some(li.clone());
    let refused = store.append_outbound(theirs);
    let mut hers = reply(&id, &mei, "kept", at(41));
    hers.assignee_only = Some(mei.clone());
    let kept = store.append_outbound(hers);
    before.extend((21..=40).map(|i| store.ingest(chat("u1", &format!("c{i}"), at(50 + i)))));

    let refused = refused.await;
    assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{refused:?}");
    let kept = kept.await.expect("a write beside a failing one commits");
    let mut seqs = Vec::new();
    for p in before {
        seqs.push(p.await.expect("a write beside a failing one commits").message.seq.unwrap());
    }
    seqs.push(kept.message.seq.unwrap());
    seqs.sort_unstable();
    assert_eq!(seqs, (2..=42).collect::<Vec<i64>>(), "one gapless seq each, none for the refused write");
    let texts: Vec<String> = store.messages(&id, 0, true).await.unwrap().into_iter().map(|m| m.text).collect();
    assert_eq!(texts.len(), 42);
    assert!(!texts.iter().any(|t| t == "reply refused"), "the refused reply left nothing behind");
    assert_eq!(store.outbox_counts().await.unwrap(), counts(1, 0), "only the kept reply waits for delivery");
}

async fn a_reply_delivered_live_is_recorded_sent_and_never_dispatched(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let detail = || Some("delivered to the app".to_owned());
    let chat_id = ingest(&store, chat("u1", "a", at(0))).await.conversation.id;
    let live = NewOutbound { delivered_live: detail(), ..reply(&chat_id, &agent, "r1", at(1_000)) };
    let written = store.append_outbound(live).await.unwrap();
    assert!(written.outbox_id.is_some(), "the delivery is still recorded");
    assert_eq!(written.delivered_live, detail());
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 0));
    assert!(store.claim_outbox(at(10_000_000), LEASE, 10).await.unwrap().is_empty(), "nothing left to dispatch");

    // A reply nothing delivered live (email has no live side) is handed to the dispatcher.
    let email_id = ingest(&store, email("li@example.com", "<m1@mail>", &[], at(0))).await.conversation.id;
    let not_live = NewOutbound { delivered_live: None, ..reply(&email_id, &agent, "r2", at(2_000)) };
    let written = store.append_outbound(not_live).await.unwrap();
    assert_eq!(written.delivered_live, None);
    assert_eq!(store.outbox_counts().await.unwrap(), counts(1, 0));
    let claimed = store.claim_outbox(at(2_000), LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].outbound.channel, ChannelKind::Email);
}

async fn each_replys_delivery_is_listed_by_seq(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let id = ingest(&store, email("li@example.com", "<m1@mail>", &[], at(0))).await.conversation.id;
    let sent = store.append_outbound(reply(&id, &agent, "r1", at(1_000))).await.unwrap().outbox_id.unwrap();
    let failed = store.append_outbound(reply(&id, &agent, "r2", at(1_001))).await.unwrap().outbox_id.unwrap();
    store.append_outbound(reply(&id, &agent, "r3", at(1_002))).await.unwrap();
    store.append_outbound(note(&id, &agent, "n1", at(1_003))).await.unwrap();
    assert_eq!(store.claim_outbox(at(2_000), LEASE, 2).await.unwrap().len(), 2);
    let ok = DeliveryOutcome::Sent { detail: "250 2.0.0 Ok".to_owned(), external_id: None };
    store.record_delivery(sent, ok, at(2_100)).await.unwrap();
    let refused = DeliveryOutcome::Failed { error: "550 5.1.1 no such user".to_owned() };
    store.record_delivery(failed, refused, at(2_200)).await.unwrap();
    let listed: Vec<(i64, &str, Option<String>)> =
        store.reply_deliveries(&id).await.unwrap().into_iter().map(|d| (d.seq, d.state, d.detail)).collect();
    assert_eq!(
        listed,
        [
            (2, "sent", Some("250 2.0.0 Ok".to_owned())),
            (3, "failed", Some("550 5.1.1 no such user".to_owned())),
            (4, "sending", None)
        ]
    );
}

async fn messages_queued_back_to_back_commit_in_call_order(store: Arc<dyn Store>) {
    let first = ingest(&store, chat("u1", "c0", at(0))).await;
    // Queued one after another without waiting for any: the seqs follow the calls.
    let pending: Vec<_> = (1..=50).map(|i| store.ingest(chat("u1", &format!("c{i}"), at(i)))).collect();
    let mut seqs = Vec::new();
    for p in pending {
        seqs.push(p.await.unwrap().message.seq.unwrap());
    }
    assert_eq!(seqs, (2..=51).collect::<Vec<i64>>());
    let texts: Vec<String> =
        store.messages(&first.conversation.id, 1, false).await.unwrap().into_iter().map(|m| m.text).collect();
    let expected: Vec<String> = (1..=50).map(|i| chat("u1", &format!("c{i}"), at(i)).text).collect();
    assert_eq!(texts, expected);
}

async fn internal_notes_are_never_delivered_and_never_shown(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let id = ingest(&store, chat("u1", "a", at(0))).await.conversation.id;
    let written = store.append_outbound(note(&id, &agent, "n1", at(1_000))).await.unwrap();
    assert_eq!(written.message.seq, None);
    assert!(written.message.internal);
    assert_eq!(written.outbox_id, None, "a note must never reach the customer");
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 0));
    assert!(store.claim_outbox(at(10_000_000), LEASE, 10).await.unwrap().is_empty());
    let shown = store.messages(&id, 0, false).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].author_role, AuthorRole::Customer);
    let all = store.messages(&id, 0, true).await.unwrap();
    assert_eq!(all.len(), 2);
    // A note is not an answer: the customer still waits for a first response.
    let c = store.conversation(&id).await.unwrap().unwrap();
    assert_eq!(c.first_response_at, None);
    assert_eq!(c.last_seq, 1);
}

// ---------------------------------------------------------------------------------------------
// The audit log and the rest.

fn triage(category: &str, priority: Priority, queue: &str) -> TriageResult {
    TriageResult {
        category: category.to_owned(),
        priority,
        language: "zh".to_owned(),
        confidence: 0.93,
        queue: queue.to_owned(),
        queue_reason: format!("category {category}"),
        signal: None,
        repeat: None,
    }
}

/// A chat message from `u1` with what triage made of it.
fn triaged(client_id: &str, t: TriageResult, now: Millis) -> NewInbound {
    NewInbound { triage: Some(t), ..chat("u1", client_id, now) }
}

async fn triage_sets_a_new_conversation_and_only_raises_an_open_one(store: Arc<dyn Store>) {
    let first = ingest(&store, triaged("a", triage("feedback", Priority::Low, "general"), at(0))).await;
    assert!(first.triaged);
    let id = first.conversation.id.clone();
    assert_eq!(
        (first.conversation.category.as_deref(), first.conversation.priority),
        (Some("feedback"), Priority::Low)
    );

    // Later messages change it only when they are more urgent.
    let calmer = ingest(&store, triaged("b", triage("how_to", Priority::Low, "general"), at(1_000))).await;
    assert!(!calmer.triaged);
    assert_eq!(calmer.conversation.category.as_deref(), Some("feedback"));
    let stolen = triage("account_compromised", Priority::Urgent, "security");
    let stolen = ingest(&store, triaged("c", stolen, at(2_000))).await;
    assert!(stolen.triaged);
    assert_eq!(stolen.conversation.priority, Priority::Urgent);
    assert_eq!(stolen.conversation.queue.as_deref(), Some("security"));
    let after = ingest(&store, triaged("d", triage("feedback", Priority::Low, "general"), at(3_000))).await;
    assert!(!after.triaged, "a calmer message does not undo an escalation");
    let stored = store.conversation(&id).await.unwrap().unwrap();
    assert_eq!((stored.category.as_deref(), stored.priority), (Some("account_compromised"), Priority::Urgent));
    assert_eq!(stored, after.conversation);

    // A reopened conversation is triaged afresh.
    store.change_status(&id, move_to(ConversationStatus::Resolved, Actor::System, at(4_000))).await.unwrap();
    let reopened = ingest(&store, triaged("e", triage("refund", Priority::Normal, "payments"), at(5_000))).await;
    assert!(reopened.reopened && reopened.triaged);
    let c = &reopened.conversation;
    assert_eq!((c.category.as_deref(), c.priority), (Some("refund"), Priority::Normal));
    // A message without a triage leaves the conversation as it is.
    let plain = ingest(&store, chat("u1", "f", at(6_000))).await;
    assert!(!plain.triaged);
    assert_eq!(plain.conversation.category.as_deref(), Some("refund"));
}

async fn the_audit_log_records_what_happened(store: Arc<dyn Store>) {
    let agent = add_agent(&store, "mei").await;
    let mut first = chat("u1", "a", at(0));
    first.text = "my card is [redacted card number]".to_owned();
    first.secrets_redacted = true;
    first.triage = Some(triage("account_compromised", Priority::Urgent, "security"));
    let triaged = ingest(&store, first).await.conversation;
    let id = triaged.id.clone();
    assert!(triaged.secrets_redacted);
    assert_eq!(triaged.category.as_deref(), Some("account_compromised"));
    assert_eq!(triaged.priority, Priority::Urgent);
    assert_eq!(triaged.queue.as_deref(), Some("security"));
    assert_eq!(triaged.language.as_deref(), Some("zh"));
    assert_eq!(store.conversation(&id).await.unwrap().unwrap(), triaged);

    let mut offer = move_to(ConversationStatus::Offered, Actor::Agent(agent.clone()), at(2_000));
    offer.reason = "offer".to_owned();
    store.change_status(&id, offer).await.unwrap();

    let log = store.audit_events(&id).await.unwrap();
    let kinds: Vec<&str> = log.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "redacted", "triage", "status"]);
    let actors: Vec<&str> = log.iter().map(|e| e.actor.as_str()).collect();
    assert_eq!(actors, ["customer", "customer", "system", &format!("agent:{agent}")]);
    let times: Vec<Millis> = log.iter().map(|e| e.at).collect();
    assert_eq!(times, [at(0), at(0), at(0), at(2_000)]);
    assert!(log.iter().all(|e| e.conversation_id == id));
    let detail =
        |i: usize| -> serde_json::Value { serde_json::from_str(&log[i].detail).expect("audit detail is JSON") };
    assert_eq!(detail(2)["category"], "account_compromised");
    assert_eq!(detail(2)["priority"], "urgent");
    assert_eq!(detail(3)["from"], "queued");
    assert_eq!(detail(3)["to"], "offered");
    assert_eq!(detail(3)["reason"], "offer");
    // The log carries ids and decisions, never what the customer wrote.
    assert!(log.iter().all(|e| !e.detail.contains("card")));
    // Ids increase: the log is in the order things happened.
    assert!(log.windows(2).all(|w| w[0].id < w[1].id));
}

async fn agents_are_added_listed_and_disabled(store: Arc<dyn Store>) {
    let mei = add_agent(&store, "mei").await;
    let li = add_agent(&store, "li").await;
    let logins: Vec<String> = store.agents().await.unwrap().into_iter().map(|a| a.login).collect();
    assert_eq!(logins, ["li", "mei"]);
    let found = store.agent_by_login("mei").await.unwrap().expect("mei");
    assert_eq!(found.id, mei);
    assert_eq!(found.skills, ["zh", "refund"]);
    assert!(!found.disabled && !found.supervisor);
    assert_eq!(store.agent(&li).await.unwrap().map(|a| a.login).as_deref(), Some("li"));
    assert!(store.agent_by_login("nobody").await.unwrap().is_none());

    let taken = store
        .add_agent(NewAgent {
            login: "mei".to_owned(),
            name: "Another Mei".to_owned(),
            password_hash: "x".to_owned(),
            skills: Vec::new(),
            supervisor: true,
            capacity: [("total".to_owned(), 10), ("chat".to_owned(), 3)].into(),
        })
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert_eq!(store.agents().await.unwrap().len(), 2);

    assert!(store.set_agent_disabled("mei", true).await.unwrap().disabled);
    assert!(store.agent(&mei).await.unwrap().unwrap().disabled);
    assert!(!store.set_agent_disabled("mei", false).await.unwrap().disabled);
    let missing = store.set_agent_disabled("nobody", true).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");

    // Skills and capacity change; what is not given stays.
    assert!(found.capacity.is_empty(), "the configured capacity unless set");
    let capacity: switchboard::domain::Capacity = [("total".to_owned(), 10), ("chat".to_owned(), 3)].into();
    let set = store.set_agent_routing("mei", None, Some(capacity.clone())).await.unwrap();
    assert_eq!((set.skills.as_slice(), &set.capacity), (["zh".to_owned(), "refund".to_owned()].as_slice(), &capacity));
    let set = store.set_agent_routing("mei", Some(vec!["en".into(), "refund:2".into()]), None).await.unwrap();
    assert_eq!(
        (set.skills.as_slice(), &set.capacity),
        (["en".to_owned(), "refund:2".to_owned()].as_slice(), &capacity)
    );
    assert_eq!(store.agent(&mei).await.unwrap().unwrap().capacity, capacity);
    let missing = store.set_agent_routing("nobody", None, None).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    store.ping().await.expect("the store answers");
}

// ---------------------------------------------------------------------------------------------
// What the email channel needs: references, attachments, adapter state, quarantine, bounces,
// automatic mail and old conversations, and a second delivery over another channel.

async fn a_typed_reference_counts_only_for_the_conversations_own_customer(store: Arc<dyn Store>) {
    let first = ingest(&store, email("li@example.com", "<r1@mail>", &[], at(0))).await;
    let reference = first.conversation.reference.clone();
    assert_eq!(reference.len(), 8);
    let typed = |from: &str, id: &str| NewInbound {
        threading: Threading::ByReferences(vec![ThreadKey::Reference(reference.clone())]),
        ..email(from, id, &[], at(1_000))
    };
    let own = ingest(&store, typed("li@example.com", "<r2@mail>")).await;
    assert_eq!(own.conversation.id, first.conversation.id, "the customer's own reference threads");
    let stranger = ingest(&store, typed("mallory@example.com", "<r3@mail>")).await;
    assert!(stranger.opened, "someone else typing the reference gets a conversation of their own");
}

async fn attachments_and_the_full_text_are_kept_with_the_message(store: Arc<dyn Store>) {
    let screenshot: Arc<[u8]> = Arc::from(&b"\x89PNG\r\n\x1a\n pretend image"[..]);
    let mail = NewInbound {
        attachments: vec![
            Attachment {
                filename: "截图.png".into(),
                content_type: "image/png".into(),
                size: 23,
                content: screenshot.clone(),
            },
            // The same bytes twice are stored once, listed twice.
            Attachment {
                filename: "again.png".into(),
                content_type: "image/png".into(),
                size: 23,
                content: screenshot.clone(),
            },
        ],
        full_text: Some("New part\n\n> quoted history".into()),
        ..email("li@example.com", "<a1@mail>", &[], at(0))
    };
    let stored = ingest(&store, mail).await;
    let listed = &stored.message.attachments;
    assert_eq!(listed.iter().map(|a| a.filename.as_str()).collect::<Vec<_>>(), ["截图.png", "again.png"]);
    let (file, conversation, bytes) = store.attachment(&listed[0].id).await.unwrap().expect("the attachment is kept");
    assert_eq!(
        (file.content_type.as_str(), conversation, &bytes[..]),
        ("image/png", stored.conversation.id.clone(), &screenshot[..])
    );
    let read = store.messages(&stored.conversation.id, 0, false).await.unwrap();
    assert_eq!(read[0].attachments, *listed, "the listing is read back with the message");
    assert!(read[0].has_original);
    let (_, original) = store.original(stored.message.id.as_str()).await.unwrap().expect("the full text is kept");
    assert_eq!(original, b"New part\n\n> quoted history");
    assert!(store.attachment("msg_nope.0").await.unwrap().is_none());
}

async fn adapter_state_is_kept_per_channel_and_replaced(store: Arc<dyn Store>) {
    assert_eq!(store.load_state(ChannelKind::Email, "imap-cursor:support:INBOX").await.unwrap(), None);
    store.save_state(ChannelKind::Email, "imap-cursor:support:INBOX", "7:10", at(0)).await.unwrap();
    store.save_state(ChannelKind::Email, "imap-cursor:support:INBOX", "7:42", at(1)).await.unwrap();
    assert_eq!(
        store.load_state(ChannelKind::Email, "imap-cursor:support:INBOX").await.unwrap().as_deref(),
        Some("7:42")
    );
    assert_eq!(store.load_state(ChannelKind::Chat, "imap-cursor:support:INBOX").await.unwrap(), None, "per channel");
}

async fn a_quarantined_message_is_listed_and_kept_raw(store: Arc<dyn Store>) {
    let id = store.quarantine(ChannelKind::Email, Some("support"), "no From", b"garbage\r\n", at(5)).await.unwrap();
    let listed = store.quarantined(10).await.unwrap();
    assert_eq!(listed.len(), 1);
    let q = &listed[0];
    assert_eq!(
        (q.id, q.channel.as_str(), q.account.as_deref(), q.reason.as_str(), q.size, q.at),
        (id, "email", Some("support"), "no From", 9, at(5))
    );
    assert_eq!(store.quarantined_raw(id).await.unwrap().as_deref(), Some(&b"garbage\r\n"[..]));
    assert_eq!(store.quarantined_raw(id + 1).await.unwrap(), None);
}

async fn a_bounce_marks_the_sent_reply_failed(store: Arc<dyn Store>) {
    let first = ingest(&store, email("li@example.com", "<b1@mail>", &[], at(0))).await;
    let agent = add_agent(&store, "mei").await;
    let appended = store.append_outbound(reply(&first.conversation.id, &agent, "r1", at(1))).await.unwrap();
    let claimed = store.claim_outbox(at(2), Duration::from_secs(30), 10).await.unwrap();
    let sent = DeliveryOutcome::Sent { detail: "250 ok".into(), external_id: Some("ours-1@wallet.test".into()) };
    store.record_delivery(claimed[0].outbound.outbox_id, sent, at(3)).await.unwrap();
    let bounced =
        store.delivery_failed(ChannelKind::Email, "ours-1@wallet.test", "5.1.1 no such user", at(4)).await.unwrap();
    let bounced = bounced.expect("our reply is found by the id it went out with");
    assert_eq!((bounced.conversation_id, Some(bounced.seq)), (first.conversation.id.clone(), appended.message.seq));
    assert_eq!(store.outbox_counts().await.unwrap(), counts(0, 1), "the reply now counts as failed");
    // A customer's own Message-ID is not a reply of ours.
    assert!(store.delivery_failed(ChannelKind::Email, "<b1@mail>", "x", at(5)).await.unwrap().is_none());
    assert!(store.delivery_failed(ChannelKind::Email, "unknown@x", "x", at(5)).await.unwrap().is_none());
}

async fn automatic_mail_and_old_conversations_do_not_reopen(store: Arc<dyn Store>) {
    let first = ingest(&store, email("li@example.com", "<o1@mail>", &[], at(0))).await;
    store
        .change_status(&first.conversation.id, move_to(ConversationStatus::Resolved, Actor::System, at(1_000)))
        .await
        .unwrap();
    let rules = |automatic: bool| switchboard::domain::threading::JoinRules {
        automatic,
        reopen_within: Some(Duration::from_secs(60)),
    };
    let auto = NewInbound { join: rules(true), ..email("li@example.com", "<o2@mail>", &["<o1@mail>"], at(2_000)) };
    let auto = ingest(&store, auto).await;
    assert_eq!(auto.conversation.id, first.conversation.id);
    assert_eq!(auto.conversation.status, ConversationStatus::Resolved, "an auto-reply does not reopen");
    let late = NewInbound { join: rules(false), ..email("li@example.com", "<o3@mail>", &["<o1@mail>"], at(120_000)) };
    let late = ingest(&store, late).await;
    assert!(late.opened, "resolved over a minute ago: a new conversation follows it");
    let opened = store.audit_events(&late.conversation.id).await.unwrap();
    assert!(opened[0].detail.contains(first.conversation.id.as_str()), "{}", opened[0].detail);
}

async fn forged_mail_is_never_filed_under_a_customer_of_the_app(store: Arc<dyn Store>) {
    let app = NewInbound {
        sender: SenderIdentity { email: Some("li@example.com".into()), ..app_user("u1") },
        ..chat("u1", "c1", at(0))
    };
    let app_customer = ingest(&store, app).await.conversation.customer_id;
    let forged_details =
        EmailDetails { authentication: Authentication::Fail("DMARC fail".into()), ..EmailDetails::default() };
    let forged = NewInbound { email: Some(forged_details), ..email("li@example.com", "<f1@mail>", &[], at(1)) };
    let forged = ingest(&store, forged).await;
    assert_ne!(forged.conversation.customer_id, app_customer, "kept apart from the wallet customer");
    let genuine = ingest(&store, email("li@example.com", "<f2@mail>", &[], at(2))).await;
    assert_eq!(genuine.conversation.customer_id, app_customer, "mail that did not fail joins them");
}

async fn a_reply_also_goes_by_another_channel_where_the_customer_is_known_there(store: Arc<dyn Store>) {
    let known = NewInbound {
        sender: SenderIdentity { email: Some("u1@example.com".into()), ..app_user("u1") },
        ..chat("u1", "c1", at(0))
    };
    let c = ingest(&store, known).await.conversation.id;
    let unknown = ingest(&store, chat("u2", "c1", at(0))).await.conversation.id;
    let agent = add_agent(&store, "mei").await;
    for (id, key) in [(&c, "r1"), (&unknown, "r2")] {
        let out = NewOutbound { also_by: Some((ChannelKind::Email, at(60_000))), ..reply(id, &agent, key, at(1)) };
        store.append_outbound(out).await.unwrap();
    }
    let now = store.claim_outbox(at(2), Duration::from_secs(30), 10).await.unwrap();
    assert!(now.iter().all(|d| d.outbound.channel == ChannelKind::Chat), "the chat deliveries first");
    let later = store.claim_outbox(at(60_000), Duration::from_secs(30), 10).await.unwrap();
    let by_email: Vec<_> = later.iter().filter(|d| d.outbound.channel == ChannelKind::Email).collect();
    assert_eq!(by_email.len(), 1, "only the customer with an address gets the email");
    let d = by_email[0];
    assert_eq!((d.outbound.conversation_id.as_str(), d.conversation_channel), (c.as_str(), ChannelKind::Chat));
    assert_eq!(d.outbound.recipient.email.as_deref(), Some("u1@example.com"));
    let skipped = DeliveryOutcome::Skipped { detail: "back in the app".into() };
    store.record_delivery(d.outbound.outbox_id, skipped, at(60_001)).await.unwrap();
}

async fn a_routing_decision_is_audited_with_the_priority_and_queue_it_changes(store: Arc<dyn Store>) {
    let id = ingest(&store, triaged("a", triage("refund", Priority::Normal, "payments"), at(0))).await.conversation.id;
    let note = |kind: &str, priority, queue: Option<&str>, t| RoutingNote {
        actor: Actor::System,
        kind: kind.to_owned(),
        detail: serde_json::json!({ "text": format!("{kind} at {t}") }),
        priority,
        queue: queue.map(str::to_owned),
        breached: kind == "breached",
        now: at(t),
    };
    let explained = store.record_routing(&id, note("offered", None, None, 1_000)).await.unwrap();
    assert_eq!((explained.priority, explained.queue.as_deref()), (Priority::Normal, Some("payments")));
    let breached =
        store.record_routing(&id, note("breached", Some(Priority::High), Some("overflow"), 2_000)).await.unwrap();
    assert_eq!((breached.priority, breached.queue.as_deref()), (Priority::High, Some("overflow")));
    assert_eq!(breached.status, ConversationStatus::Queued, "a routing note moves no status");
    assert!(!explained.sla_breached && breached.sla_breached);
    let stored = store.conversation(&id).await.unwrap().unwrap();
    assert_eq!(
        (stored.priority, stored.queue.as_deref(), stored.updated_at),
        (Priority::High, Some("overflow"), at(2_000))
    );
    assert!(stored.sla_breached, "a breach is kept, so a restart does not breach it again");
    let kinds: Vec<(String, String)> = store
        .audit_events(&id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "offered" || e.kind == "breached")
        .map(|e| (e.kind, serde_json::from_str::<serde_json::Value>(&e.detail).unwrap()["text"].to_string()))
        .collect();
    assert_eq!(
        kinds,
        [("offered".into(), "\"offered at 1000\"".into()), ("breached".into(), "\"breached at 2000\"".into())]
    );
    let missing = store.record_routing(&ConversationId("cv_missing".into()), note("offered", None, None, 3_000)).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
}

async fn a_returning_customer_is_known_by_the_agent_last_assigned(store: Arc<dyn Store>) {
    let first = ingest(&store, chat("u-back", "a", at(0))).await;
    assert_eq!(store.last_assignee(&first.conversation.customer_id).await.unwrap(), None);
    let (mei, li) = (add_agent(&store, "mei").await, add_agent(&store, "li").await);
    let id = first.conversation.id.clone();
    for (agent, t) in [(&mei, 1_000), (&li, 2_000)] {
        let assign = StatusChange {
            assignee: Some(Some(agent.clone())),
            ..move_to(ConversationStatus::Assigned, Actor::System, at(t))
        };
        store.change_status(&id, assign).await.unwrap();
        if agent == &mei {
            store.change_status(&id, move_to(ConversationStatus::Queued, Actor::System, at(t + 1))).await.unwrap();
        }
    }
    store.change_status(&id, move_to(ConversationStatus::Resolved, Actor::Agent(li.clone()), at(3_000))).await.unwrap();
    assert_eq!(store.resolved_since(at(2_500)).await.unwrap(), [(li.clone(), 1)]);
    assert_eq!(store.resolved_since(at(3_001)).await.unwrap(), []);
    // Reopened, the conversation has no assignee, but the customer's last agent is known.
    let back = ingest(&store, chat("u-back", "b", at(4_000))).await;
    assert_eq!(back.conversation.assignee, None);
    assert_eq!(store.last_assignee(&back.conversation.customer_id).await.unwrap(), Some(li));
    let other = ingest(&store, chat("u-other", "c", at(5_000))).await;
    assert_eq!(store.last_assignee(&other.conversation.customer_id).await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// One module of tests per backend.

// ---------------------------------------------------------------------------------------------
// Callback requests.

fn callback(
    user: &str,
    id: &str,
    phone: &str,
    status: CallbackStatus,
    next: Option<Millis>,
    now: Millis,
) -> NewCallback {
    let message = NewInbound {
        channel: ChannelKind::Callback,
        external_id: id.to_owned(),
        key_scope: None,
        threading: Threading::New,
        text: format!("please call me ({id})"),
        ..chat(user, id, now)
    };
    NewCallback {
        id: id.to_owned(),
        message,
        phone: phone.to_owned(),
        zone: "Asia/Shanghai".into(),
        window: None,
        status,
        next_attempt_at: next,
        unverified_phone: false,
    }
}

fn callback_step(from: &[CallbackStatus], to: CallbackStatus, now: Millis) -> CallbackChange {
    CallbackChange {
        from: from.to_vec(),
        status: to,
        attempted: false,
        outcome: None,
        failure: None,
        next_attempt_at: None,
        conversation: None,
        actor: Actor::System,
        reason: "test".into(),
        now,
    }
}

async fn one_open_callback_per_customer_and_number_even_under_concurrent_requests(store: Arc<dyn Store>) {
    let asks: Vec<_> = (0..8)
        .map(|i| {
            store.request_callback(callback(
                "u-1",
                &format!("cb_{i}"),
                "+8613800138000",
                CallbackStatus::Queued,
                None,
                at(i),
            ))
        })
        .collect();
    let opened = futures::future::join_all(asks).await.into_iter().map(|r| r.expect("taken")).collect::<Vec<_>>();
    let ids: BTreeSet<_> = opened.iter().map(|o| o.callback.id.clone()).collect();
    assert_eq!(ids.len(), 1, "one request between them: {ids:?}");
    assert_eq!(opened.iter().filter(|o| o.ingested.is_some()).count(), 1, "one conversation opened");
    let first = &opened.iter().find(|o| o.ingested.is_some()).unwrap().callback;
    let conversation = store.conversation(&ConversationId(first.conversation_id.clone())).await.unwrap().unwrap();
    assert_eq!((conversation.channel, conversation.last_seq), (ChannelKind::Callback, 1));
    assert_eq!(
        store.messages(&conversation.id, 0, false).await.unwrap()[0].text,
        format!("please call me ({})", first.id)
    );
    // Another number, or another customer, is another request.
    let other = store
        .request_callback(callback("u-1", "cb_x", "+8613900139000", CallbackStatus::Queued, None, at(9)))
        .await
        .unwrap();
    assert!(other.ingested.is_some());
    let theirs = store
        .request_callback(callback("u-2", "cb_y", "+8613800138000", CallbackStatus::Queued, None, at(9)))
        .await
        .unwrap();
    assert!(theirs.ingested.is_some());
    assert_eq!(store.open_callbacks().await.unwrap().len(), 3);
    // Once it has ended, the number is free for a new request.
    let (ended, _) = store
        .update_callback(&first.id, callback_step(&[CallbackStatus::Queued], CallbackStatus::Cancelled, at(10)))
        .await
        .unwrap();
    assert_eq!(ended.status, CallbackStatus::Cancelled);
    let again = store
        .request_callback(callback("u-1", "cb_z", "+8613800138000", CallbackStatus::Queued, None, at(11)))
        .await
        .unwrap();
    assert_eq!((again.callback.id.as_str(), again.ingested.is_some()), ("cb_z", true));
}

async fn a_callback_moves_only_from_where_it_stands_and_holds_its_conversation_while_scheduled(store: Arc<dyn Store>) {
    let opened = store
        .request_callback(callback("u-1", "cb_1", "+8613800138000", CallbackStatus::Scheduled, Some(at(60_000)), T0))
        .await
        .unwrap();
    let id = ConversationId(opened.callback.conversation_id.clone());
    assert_eq!(store.conversation(&id).await.unwrap().unwrap().held_until, Some(at(60_000)));
    assert_eq!(store.callback_of(&id).await.unwrap().unwrap().id, "cb_1");
    // Its time comes: queued, held no longer.
    let (queued, c) = store
        .update_callback("cb_1", callback_step(&[CallbackStatus::Scheduled], CallbackStatus::Queued, at(60_000)))
        .await
        .unwrap();
    assert_eq!((queued.status, c.held_until), (CallbackStatus::Queued, None));
    // A step from a state it is not in changes nothing.
    let stale = store
        .update_callback("cb_1", callback_step(&[CallbackStatus::Scheduled], CallbackStatus::Failed, at(60_001)))
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert_eq!(store.callback("cb_1").await.unwrap().unwrap().status, CallbackStatus::Queued);
    // A missed call: counted, scheduled again, its conversation moved with it.
    let mut missed = callback_step(&[CallbackStatus::Queued], CallbackStatus::Scheduled, at(70_000));
    missed.attempted = true;
    missed.outcome = Some(CallbackOutcome::NoAnswer);
    missed.next_attempt_at = Some(at(670_000));
    missed.conversation = Some(move_to(ConversationStatus::Resolved, Actor::System, at(70_000)));
    let (scheduled, c) = store.update_callback("cb_1", missed).await.unwrap();
    assert_eq!(
        (scheduled.attempts, scheduled.outcome, scheduled.next_attempt_at),
        (1, Some(CallbackOutcome::NoAnswer), Some(at(670_000)))
    );
    assert_eq!((c.status, c.held_until), (ConversationStatus::Resolved, Some(at(670_000))));
    let stored = store.callback("cb_1").await.unwrap().unwrap();
    assert_eq!(stored, scheduled, "what was returned is what is stored");
    // An illegal move of the conversation takes the whole step back.
    let mut bad = callback_step(&[CallbackStatus::Scheduled], CallbackStatus::Queued, at(80_000));
    bad.conversation = Some(move_to(ConversationStatus::Assigned, Actor::System, at(80_000)));
    assert!(store.update_callback("cb_1", bad).await.is_err());
    assert_eq!(store.callback("cb_1").await.unwrap().unwrap().status, CallbackStatus::Scheduled);
    assert!(
        store
            .update_callback("cb_missing", callback_step(&[CallbackStatus::Queued], CallbackStatus::Failed, T0))
            .await
            .is_err()
    );
    // The customer's history lists the conversation.
    let history = store.customer_conversations(&c.customer_id, 10).await.unwrap();
    assert_eq!(history.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), vec![c.id]);
}

// ---------------------------------------------------------------------------------------------
// The playbook: account actions, identity verification, intake.

fn freeze(conversation: &Ingested, key: &str, now: Millis) -> NewAction {
    NewAction {
        id: ActionId::generate(),
        request_key: key.to_owned(),
        action: "freeze".to_owned(),
        conversation_id: conversation.conversation.id.clone(),
        customer_id: conversation.conversation.customer_id.clone(),
        app_user_id: "u1".to_owned(),
        actor: Actor::Agent(AgentId::from("ag_mei")),
        agent_login: Some("mei".to_owned()),
        reason: "customer reports the account stolen".to_owned(),
        now,
    }
}

async fn an_account_action_is_committed_once_and_claimed_under_a_lease(store: Arc<dyn Store>) {
    let c = ingest(&store, chat("u1", "a", at(0))).await;
    let (first, new) = store.request_action(freeze(&c, "k1", at(1_000))).await.unwrap();
    assert!(new);
    assert_eq!((first.state, first.attempts, first.app_user_id.as_str()), (ActionState::Pending, 0, "u1"));
    assert_eq!(first.agent(), Some(AgentId::from("ag_mei")));
    // The same request again, and another freeze of the same account while one is pending,
    // are the first one.
    let (again, new) = store.request_action(freeze(&c, "k1", at(1_100))).await.unwrap();
    assert_eq!((again.id.clone(), new), (first.id.clone(), false));
    let (other, new) = store.request_action(freeze(&c, "k2", at(1_200))).await.unwrap();
    assert_eq!((other.id.clone(), new), (first.id.clone(), false));
    assert_eq!(store.conversation_actions(&c.conversation.id).await.unwrap().len(), 1);

    // Claimed once under its lease; claimable again once the lease ends without a result.
    let claimed = store.claim_actions(at(1_000), LEASE, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|a| a.id.clone()).collect::<Vec<_>>(), vec![first.id.clone()]);
    assert!(store.claim_actions(at(60_999), LEASE, 10).await.unwrap().is_empty());
    assert_eq!(store.claim_actions(at(61_000), LEASE, 10).await.unwrap().len(), 1);

    // A retry waits for its time; done is final and audited.
    let retry = ActionOutcome::RetryAt { at: at(70_000), error: "503".to_owned() };
    let pending = store.record_action(&first.id, retry, at(62_000)).await.unwrap();
    assert_eq!((pending.state, pending.attempts), (ActionState::Pending, 1));
    assert!(store.claim_actions(at(69_999), LEASE, 10).await.unwrap().is_empty());
    assert_eq!(store.claim_actions(at(70_000), LEASE, 10).await.unwrap().len(), 1);
    let done = ActionOutcome::Done { detail: "frozen".to_owned() };
    let done = store.record_action(&first.id, done, at(71_000)).await.unwrap();
    assert_eq!((done.state, done.attempts, done.detail.as_deref()), (ActionState::Done, 2, Some("frozen")));
    let late = store.record_action(&first.id, ActionOutcome::Failed { error: "x".to_owned() }, at(72_000)).await;
    assert!(matches!(late, Err(StoreError::NotFound(_))), "a finished action took another result");
    assert!(store.claim_actions(at(10_000_000), LEASE, 10).await.unwrap().is_empty());
    let audited: Vec<String> = store
        .audit_events(&c.conversation.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "account_action")
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).unwrap()["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(audited, ["pending", "done"]);

    // Once the first is done, a new request is a new action; an unknown conversation is refused.
    let (next, new) = store.request_action(freeze(&c, "k3", at(80_000))).await.unwrap();
    assert!(new && next.id != first.id);
    let mut unknown = freeze(&c, "k4", at(80_000));
    unknown.conversation_id = ConversationId::from("cv_nope");
    unknown.app_user_id = "u2".to_owned();
    assert!(matches!(store.request_action(unknown).await, Err(StoreError::NotFound(_))));
}

async fn identity_verification_and_intake_are_kept_per_conversation(store: Arc<dyn Store>) {
    let c = ingest(&store, chat("u1", "a", at(0))).await.conversation.id;
    assert_eq!(store.identity_verification(&c).await.unwrap(), None);
    let verification = IdentityVerification {
        conversation_id: c.clone(),
        agent: AgentId::from("ag_mei"),
        agent_name: "Mei".to_owned(),
        checks: vec!["registered_phone".to_owned(), "id_last_four".to_owned()],
        verified_at: at(1_000),
    };
    store.verify_identity(verification.clone()).await.unwrap();
    assert_eq!(store.identity_verification(&c).await.unwrap(), Some(verification));
    let audit = store.audit_events(&c).await.unwrap();
    assert!(audit.iter().any(|e| e.kind == "identity_verified" && e.actor == "agent:ag_mei"));

    assert_eq!(store.intake(&c).await.unwrap(), None);
    let first = IntakeFields { amount: Some("500".into()), currency: Some("CNY".into()), ..IntakeFields::default() };
    store.save_intake(&c, first, at(2_000)).await.unwrap();
    let answer = IntakeFields { counterparty: Some("Zhang Wei".into()), ..IntakeFields::default() };
    let merged = store.save_intake(&c, answer, at(3_000)).await.unwrap();
    assert_eq!(store.intake(&c).await.unwrap().as_ref(), Some(&merged));
    assert_eq!((merged.amount.as_deref(), merged.counterparty.as_deref()), (Some("500"), Some("Zhang Wei")));
    let unknown = ConversationId::from("cv_nope");
    assert!(matches!(store.save_intake(&unknown, merged, at(4_000)).await, Err(StoreError::NotFound(_))));
}

async fn canned_responses_are_kept_one_per_language_and_title(store: Arc<dyn Store>) {
    let canned = |id: &str, lang: &str, title: &str, text: &str| CannedResponse {
        id: id.into(),
        lang: lang.into(),
        title: title.into(),
        text: text.into(),
        updated_by: "Mei".into(),
        updated_at: T0,
    };
    store.add_canned(canned("cr_1", "en", "Greeting", "Hello {customer_name}"), 3).await.unwrap();
    store.add_canned(canned("cr_2", "zh", "Greeting", "您好 {customer_name}"), 3).await.unwrap();
    // One title per language: a second English "Greeting" is refused, by add and by update.
    let taken = store.add_canned(canned("cr_3", "en", "Greeting", "Hi"), 3).await.unwrap_err();
    assert!(matches!(taken, StoreError::Conflict(_)), "{taken:?}");
    let renamed = store.update_canned(canned("cr_2", "en", "Greeting", "Hi")).await.unwrap_err();
    assert!(matches!(renamed, StoreError::Conflict(_)), "{renamed:?}");
    store.update_canned(canned("cr_1", "en", "Greeting", "Hello again")).await.unwrap();
    let unknown = store.update_canned(canned("cr_9", "en", "Other", "x")).await.unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound(_)), "{unknown:?}");
    store.add_canned(canned("cr_3", "en", "Bye", "Goodbye"), 3).await.unwrap();
    let full = store.add_canned(canned("cr_4", "en", "More", "x"), 3).await.unwrap_err();
    assert!(matches!(full, StoreError::Conflict(_)), "{full:?}");

    let listed = store.canned_responses().await.unwrap();
    let shown: Vec<(&str, &str, &str)> =
        listed.iter().map(|c| (c.lang.as_str(), c.title.as_str(), c.text.as_str())).collect();
    assert_eq!(
        shown,
        [("en", "Bye", "Goodbye"), ("en", "Greeting", "Hello again"), ("zh", "Greeting", "您好 {customer_name}")]
    );

    store.delete_canned("cr_1").await.unwrap();
    assert!(matches!(store.delete_canned("cr_1").await, Err(StoreError::NotFound(_))));
    let ids: Vec<String> = store.canned_responses().await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["cr_3", "cr_2"]);
}

macro_rules! conformance_suite {
    ($backend:ident, $open:ident) => {
        mod $backend {
            conformance_suite!(@cases $open;
                a_repeated_external_id_writes_nothing_and_returns_the_original,
                idempotency_keys_of_different_senders_never_collide,
                a_conversation_key_files_into_the_senders_own_conversation_only,
                replays_come_in_pages_of_customer_visible_messages,
                seq_is_gapless_under_concurrent_appends,
                concurrent_first_messages_open_one_conversation,
                customer_identities_resolve_to_one_customer,
                email_threads_by_references,
                chat_threads_to_the_latest_open_conversation,
                a_resolved_conversation_reopens_and_a_closed_one_stays_closed,
                a_customer_who_keeps_coming_back_is_triaged_as_a_repeated_contact,
                the_reason_a_conversation_is_an_emergency_is_kept,
                illegal_status_moves_are_refused_and_change_nothing,
                outbox_claims_lease_retry_and_send,
                a_failed_delivery_is_final,
                an_expired_lease_makes_a_claim_claimable_again,
                a_repeated_outbound_key_returns_the_original,
                internal_notes_are_never_delivered_and_never_shown,
                a_write_limited_to_the_assignee_is_refused_for_anyone_else,
                messages_queued_back_to_back_commit_in_call_order,
                a_failing_write_rolls_back_alone_among_writes_committed_with_it,
                a_reply_delivered_live_is_recorded_sent_and_never_dispatched,
                triage_sets_a_new_conversation_and_only_raises_an_open_one,
                the_audit_log_records_what_happened,
                agents_are_added_listed_and_disabled,
                a_typed_reference_counts_only_for_the_conversations_own_customer,
                attachments_and_the_full_text_are_kept_with_the_message,
                adapter_state_is_kept_per_channel_and_replaced,
                a_quarantined_message_is_listed_and_kept_raw,
                a_bounce_marks_the_sent_reply_failed,
                automatic_mail_and_old_conversations_do_not_reopen,
                a_reply_also_goes_by_another_channel_where_the_customer_is_known_there,
                forged_mail_is_never_filed_under_a_customer_of_the_app,
                a_routing_decision_is_audited_with_the_priority_and_queue_it_changes,
                a_returning_customer_is_known_by_the_agent_last_assigned,
                one_open_callback_per_customer_and_number_even_under_concurrent_requests,
                a_callback_moves_only_from_where_it_stands_and_holds_its_conversation_while_scheduled,
                an_account_action_is_committed_once_and_claimed_under_a_lease,
                identity_verification_and_intake_are_kept_per_conversation,
                canned_responses_are_kept_one_per_language_and_title,
                each_replys_delivery_is_listed_by_seq,
            );
        }
    };
    (@cases $open:ident; $($case:ident),+ $(,)?) => {
        $(
            // Several worker threads, so concurrent writers really run at once.
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let backend = super::$open().await;
                super::$case(backend.store.clone()).await;
            }
        )+
    };
}

conformance_suite!(sqlite, open_sqlite);
