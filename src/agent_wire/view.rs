//! How conversations look on the wire: the SUMMARY, CONVERSATION and MESSAGE shapes of the
//! contract, built from stored values.

use serde::Serialize;
use switchboard_channel::{Authentication, CallbackRecord, ChannelKind, EmailDetails};

use crate::domain::{AccountAction, Conversation, Customer, IdentityVerification, IntakeFields, Message, to_rfc3339};
use crate::hub::Shown;

/// Longest preview of the last customer message in a summary, in characters.
const PREVIEW_CHARS: usize = 140;
/// Most of the customer's other conversations a view lists.
const HISTORY: u32 = 20;

#[derive(Clone, Debug, Serialize)]
pub struct CustomerBrief {
    pub id: String,
    pub name: Option<String>,
}

/// What SUMMARY and CONVERSATION both show of a conversation.
#[derive(Clone, Debug, Serialize)]
pub struct Common {
    pub id: String,
    pub channel: &'static str,
    pub status: &'static str,
    pub category: Option<String>,
    pub priority: &'static str,
    pub queue: Option<String>,
    pub subject: Option<String>,
    pub preview: String,
    pub waiting_since: String,
    /// The customer pasted a secret that was redacted (an extension of the contract).
    pub secrets_redacted: bool,
    /// Why triage filed it as a stolen account, in words for the agent (an extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triage_signal: Option<String>,
    /// The reference customers see (`[#K3F9Q2MX]` in email subjects) (an extension).
    pub reference: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub common: Common,
    pub customer: CustomerBrief,
    /// A callback request's number, window and attempts (callbacks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallbackView>,
    /// The customer's other conversations on every channel, newest first (offers of
    /// callbacks, so the agent knows whom they call; an extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryItem>>,
}

/// What an agent sees of a callback request before and while calling.
#[derive(Clone, Debug, Serialize)]
pub struct CallbackView {
    pub id: String,
    /// E.164.
    pub phone: String,
    /// The number as a link the agent's phone dials (an extension).
    pub tel: String,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub attempts: u32,
    pub outcome: Option<&'static str>,
    /// The request's state (an extension, as below).
    pub status: &'static str,
    pub failure: Option<String>,
    pub next_attempt_at: Option<String>,
    /// The customer's time zone, in which calling hours hold.
    pub zone: String,
    /// Set when the number is not the phone the customer's app account vouches for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// One of the customer's conversations, as a line of their history.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryItem {
    pub id: String,
    pub channel: &'static str,
    pub status: &'static str,
    pub category: Option<String>,
    pub subject: Option<String>,
    pub created_at: String,
}

/// The warning an agent gets before calling a number the app does not vouch for.
pub const UNVERIFIED_PHONE: &str = "This number is not the phone on the customer's app account. A stolen \
     session can ask for a call to the thief's number: verify the customer's identity before \
     discussing or changing anything on the account.";

pub fn callback_view(r: &CallbackRecord) -> CallbackView {
    CallbackView {
        id: r.id.clone(),
        phone: r.phone.clone(),
        tel: format!("tel:{}", r.phone),
        window_start: r.window.map(|w| to_rfc3339(w.start)),
        window_end: r.window.map(|w| to_rfc3339(w.end)),
        attempts: r.attempts,
        outcome: r.outcome.map(|o| o.as_str()),
        status: r.status.as_str(),
        failure: r.failure.clone(),
        next_attempt_at: r.next_attempt_at.map(to_rfc3339),
        zone: r.zone.clone(),
        warning: r.unverified_phone.then(|| UNVERIFIED_PHONE.to_owned()),
    }
}

fn history(of: &Conversation, conversations: &[Conversation]) -> Vec<HistoryItem> {
    conversations
        .iter()
        .filter(|c| c.id != of.id)
        .map(|c| HistoryItem {
            id: c.id.to_string(),
            channel: c.channel.as_str(),
            status: c.status.as_str(),
            category: c.category.clone(),
            subject: c.subject.clone(),
            created_at: to_rfc3339(c.created_at),
        })
        .collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct CustomerDetail {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub app_user_id: Option<String>,
    pub lang: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Author {
    pub role: &'static str,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MessageView {
    pub conversation_id: String,
    pub seq: Option<i64>,
    pub author: Author,
    pub internal: bool,
    pub text: String,
    pub sent_at: String,
    pub channel: &'static str,
    /// The people on an email and whether its sender was authenticated (an extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailView>,
    /// Files that came with it, each fetched with the agent's token (an extension).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentView>,
    /// Where the whole message, quoted history included, is read (an extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_url: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EmailView {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// `pass`, `fail` or `unknown`.
    pub authentication: &'static str,
    /// Set when the sender may be forged: what the agent is told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AttachmentView {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub url: String,
}

fn email_view(e: &EmailDetails) -> EmailView {
    let (authentication, warning) = match &e.authentication {
        Authentication::Pass => ("pass", None),
        Authentication::Fail(reason) => (
            "fail",
            Some(format!(
                "The sender could not be authenticated ({reason}): this mail may be forged. \
                 Verify the customer another way before acting on their account."
            )),
        ),
        Authentication::Unknown => ("unknown", None),
    };
    EmailView { from: e.from.clone(), to: e.to.clone(), cc: e.cc.clone(), authentication, warning }
}

#[derive(Clone, Debug, Serialize)]
pub struct ConversationView {
    #[serde(flatten)]
    pub common: Common,
    pub customer: CustomerDetail,
    pub messages: Vec<MessageView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallbackView>,
    /// The customer's other conversations on every channel, newest first (an extension).
    pub history: Vec<HistoryItem>,
    /// What the playbook knows of the conversation (boxed: views are moved around often).
    #[serde(flatten)]
    pub playbook: Box<PlaybookView>,
    /// Where the delivery of each agent reply stands, so a console that reconnects shows it
    /// (an extension).
    pub deliveries: Vec<DeliveryView>,
}

/// The playbook's part of a CONVERSATION (extensions).
#[derive(Clone, Debug, Default, Serialize)]
pub struct PlaybookView {
    /// Account actions asked on the conversation, oldest first.
    pub account_actions: Vec<ActionView>,
    /// Who verified the customer's identity on it, and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_verified: Option<VerificationView>,
    /// Transaction details the customer gave while waiting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intake: Option<IntakeFields>,
}

/// An account action as agents see it.
#[derive(Clone, Debug, Serialize)]
pub struct ActionView {
    pub conversation_id: String,
    /// Also the idempotency key the backend is called with.
    pub id: String,
    pub action: String,
    /// `pending`, `done` or `failed`.
    pub state: &'static str,
    /// The backend's confirmation, or why it failed (while pending: the last transient error).
    pub detail: Option<String>,
    /// Asked by the automatic freeze, not an agent.
    pub automatic: bool,
    /// The agent who asked, by login.
    pub agent: Option<String>,
    pub reason: String,
    pub attempts: u32,
    pub requested_at: String,
    pub updated_at: String,
}

pub fn action_view(a: &AccountAction) -> ActionView {
    ActionView {
        conversation_id: a.conversation_id.to_string(),
        id: a.id.to_string(),
        action: a.action.clone(),
        state: a.state.as_str(),
        detail: a.detail.clone(),
        automatic: a.agent().is_none(),
        agent: a.agent_login.clone(),
        reason: a.reason.clone(),
        attempts: a.attempts,
        requested_at: to_rfc3339(a.created_at),
        updated_at: to_rfc3339(a.updated_at),
    }
}

/// A recorded identity verification: who, when, which checks matched.
#[derive(Clone, Debug, Serialize)]
pub struct VerificationView {
    pub verified_by: AgentBrief,
    pub verified_at: String,
    pub checks: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgentBrief {
    pub id: String,
    pub name: String,
}

pub fn verification_view(v: &IdentityVerification) -> VerificationView {
    VerificationView {
        verified_by: AgentBrief { id: v.agent.to_string(), name: v.agent_name.clone() },
        verified_at: to_rfc3339(v.verified_at),
        checks: v.checks.clone(),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct DeliveryView {
    pub seq: i64,
    /// `sending`, `sent` or `failed`.
    pub state: &'static str,
    pub detail: Option<String>,
}

/// The first characters of the newest customer message.
pub fn preview(messages: &[Message]) -> String {
    messages
        .iter()
        .rev()
        .find(|m| m.author_role == crate::domain::AuthorRole::Customer)
        .map(|m| m.text.chars().take(PREVIEW_CHARS).collect())
        .unwrap_or_default()
}

fn common(c: &Conversation, preview: String) -> Common {
    Common {
        id: c.id.to_string(),
        channel: c.channel.as_str(),
        status: c.status.as_str(),
        category: c.category.clone(),
        priority: c.priority.as_str(),
        queue: c.queue.clone(),
        subject: c.subject.clone(),
        preview,
        waiting_since: to_rfc3339(c.waiting_since),
        secrets_redacted: c.secrets_redacted,
        triage_signal: c.triage_signal.clone(),
        reference: c.reference.clone(),
    }
}

pub fn summary(c: &Conversation, customer: Option<&Customer>, preview: String) -> Summary {
    Summary {
        common: common(c, preview),
        customer: CustomerBrief { id: c.customer_id.to_string(), name: customer.and_then(|cu| cu.name.clone()) },
        callback: None,
        history: None,
    }
}

pub fn message(m: &Message) -> MessageView {
    MessageView {
        conversation_id: m.conversation_id.to_string(),
        seq: m.seq,
        author: Author { role: m.author_role.as_str(), name: m.author_name.clone() },
        internal: m.internal,
        text: m.text.clone(),
        sent_at: to_rfc3339(m.created_at),
        channel: m.channel.as_str(),
        email: m.email.as_ref().map(email_view),
        attachments: m
            .attachments
            .iter()
            .map(|a| AttachmentView {
                id: a.id.clone(),
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                url: format!("/v1/attachments/{}", a.id),
            })
            .collect(),
        original_url: m.has_original.then(|| format!("/v1/messages/{}/original", m.id)),
    }
}

pub fn conversation(c: &Conversation, customer: Option<&Customer>, messages: &[Message]) -> ConversationView {
    ConversationView {
        common: common(c, preview(messages)),
        customer: CustomerDetail {
            id: c.customer_id.to_string(),
            name: customer.and_then(|cu| cu.name.clone()),
            email: customer.and_then(|cu| cu.emails.first().cloned()),
            phone: customer.and_then(|cu| cu.phones.first().cloned()),
            app_user_id: customer.and_then(|cu| cu.app_user_id.clone()),
            lang: customer.and_then(|cu| cu.lang.clone()),
        },
        messages: messages.iter().map(message).collect(),
        callback: None,
        history: Vec::new(),
        playbook: Box::default(),
        deliveries: Vec::new(),
    }
}

/// The request a callback conversation was opened for, as agents see it.
async fn callback_parts(
    store: &dyn crate::store::Store,
    c: &Conversation,
) -> Result<Option<CallbackView>, crate::store::StoreError> {
    if c.channel != ChannelKind::Callback {
        return Ok(None);
    }
    Ok(store.callback_of(&c.id).await?.as_ref().map(callback_view))
}

/// Loads what a summary shows of a conversation.
pub async fn load_summary(
    store: &dyn crate::store::Store,
    c: &Conversation,
) -> Result<Summary, crate::store::StoreError> {
    let customer = store.customer(&c.customer_id).await?;
    let messages = store.messages(&c.id, 0, false).await?;
    let mut summary = summary(c, customer.as_ref(), preview(&messages));
    summary.callback = callback_parts(store, c).await?;
    if summary.callback.is_some() {
        summary.history = Some(history(c, &store.customer_conversations(&c.customer_id, HISTORY).await?));
    }
    Ok(summary)
}

/// Loads a whole conversation, internal notes included, for an agent.
pub async fn load_conversation(
    store: &dyn crate::store::Store,
    c: &Conversation,
) -> Result<ConversationView, crate::store::StoreError> {
    Ok(load_conversation_with_ids(store, c).await?.0)
}

/// [`load_conversation`], with what of the messages it holds.
pub async fn load_conversation_with_ids(
    store: &dyn crate::store::Store,
    c: &Conversation,
) -> Result<(ConversationView, Shown), crate::store::StoreError> {
    let customer = store.customer(&c.customer_id).await?;
    let messages = store.messages(&c.id, 0, true).await?;
    let shown = Shown {
        max_seq: messages.iter().filter_map(|m| m.seq).max().unwrap_or(0),
        notes: messages.iter().filter(|m| m.seq.is_none()).map(|m| m.id.clone()).collect(),
    };
    let mut view = conversation(c, customer.as_ref(), &messages);
    view.callback = callback_parts(store, c).await?;
    view.history = history(c, &store.customer_conversations(&c.customer_id, HISTORY).await?);
    view.playbook = Box::new(PlaybookView {
        account_actions: store.conversation_actions(&c.id).await?.iter().map(action_view).collect(),
        identity_verified: store.identity_verification(&c.id).await?.as_ref().map(verification_view),
        intake: store.intake(&c.id).await?,
    });
    view.deliveries = store
        .reply_deliveries(&c.id)
        .await?
        .into_iter()
        .map(|d| DeliveryView { seq: d.seq, state: d.state, detail: d.detail })
        .collect();
    Ok((view, shown))
}

/// A canned response as the console shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CannedView {
    pub id: String,
    pub lang: String,
    pub title: String,
    /// May hold `{customer_name}` and `{reference}`, filled in when inserted.
    pub text: String,
    pub updated_by: String,
    pub updated_at: String,
}

pub fn canned_view(c: &crate::domain::CannedResponse) -> CannedView {
    CannedView {
        id: c.id.clone(),
        lang: c.lang.clone(),
        title: c.title.clone(),
        text: c.text.clone(),
        updated_by: c.updated_by.clone(),
        updated_at: to_rfc3339(c.updated_at),
    }
}
