//! What an adapter hands the daemon when something arrives from a customer.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The channel a conversation or message came in on; replies go back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Email,
    Chat,
    Callback,
}

impl ChannelKind {
    /// The wire and storage name (`email`, `chat`, `callback`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Chat => "chat",
            ChannelKind::Callback => "callback",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A channel name that is none of `email`, `chat`, `callback`.
#[derive(Debug, thiserror::Error)]
#[error("unknown channel {0:?}")]
pub struct UnknownChannel(pub String);

impl FromStr for ChannelKind {
    type Err = UnknownChannel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "email" => Ok(ChannelKind::Email),
            "chat" => Ok(ChannelKind::Chat),
            "callback" => Ok(ChannelKind::Callback),
            other => Err(UnknownChannel(other.to_owned())),
        }
    }
}

/// Who wrote, as far as the channel can tell. At least one identity field is set; the daemon
/// finds or creates the customer from them (app user id first, then email, then phone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderIdentity {
    /// The app's own user id (the `sub` of a chat or callback token).
    pub app_user_id: Option<String>,
    /// An email address, lower-cased by the adapter.
    pub email: Option<String>,
    /// A phone number in E.164 form.
    pub phone: Option<String>,
    /// Display name, when the channel knows one.
    pub name: Option<String>,
    /// Preferred language tag (`zh`, `en`, …) when the channel knows it.
    pub lang: Option<String>,
    /// The customer's tier in the app (`vip`), as its token vouches; queues can take by it.
    #[serde(default)]
    pub tier: Option<String>,
}

impl SenderIdentity {
    /// True when no field identifies anybody.
    pub fn is_anonymous(&self) -> bool {
        self.app_user_id.is_none() && self.email.is_none() && self.phone.is_none()
    }
}

/// A file that came with a message. The daemon stores its bytes with the message, in the same
/// transaction, and serves them to agents.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub content: Arc<[u8]>,
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// What an agent is shown of an email beside its text: the people on it, and whether the
/// sender could be authenticated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDetails {
    /// `From`, as `Name <address>`.
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The mail's own Message-ID, bare.
    pub message_id: Option<String>,
    pub authentication: Authentication,
}

/// Whether the sender of a mail is who it says, as the receiving provider's
/// `Authentication-Results` (from a trusted server) or our own DKIM/DMARC check found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", content = "reason", rename_all = "snake_case")]
pub enum Authentication {
    /// DMARC (or an aligned DKIM or SPF) passed.
    Pass,
    /// It failed: the mail may be forged. The reason is shown to the agent.
    Fail(String),
    /// Nothing trusted said either way.
    #[default]
    Unknown,
}

/// How an inbound message finds its conversation when it is not a duplicate. Each channel
/// says which holds for its messages; the daemon applies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Threading {
    /// The conversation of the first of these keys, in the order given, that names a message
    /// on the same channel or a conversation (email: our signed references first, then
    /// `In-Reply-To` and `References`, newest first); a new conversation when none does.
    ByReferences(Vec<ThreadKey>),
    /// The customer's newest conversation on the channel that is not closed (live chat); a
    /// resolved one is reopened.
    LatestOpen,
    /// Always a new conversation (a callback request).
    New,
}

/// A reference that may place a message in an earlier conversation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThreadKey {
    /// A conversation by its id, which the adapter vouches for (it verified its own signature
    /// on it, as email does for a signed plus-address or one of our own Message-IDs).
    Conversation(String),
    /// An earlier message on the same channel, by its key (an email Message-ID).
    Message(String),
    /// A conversation's public reference the sender typed (`[#K3F9Q2MX]` in a subject):
    /// anyone can type one, so it counts only when the sender is that conversation's customer.
    Reference(String),
}

/// One customer message as it arrives, before it is deduplicated, redacted or stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbound {
    pub channel: ChannelKind,
    /// Idempotency key, unique per channel and `key_scope`: an email Message-ID (or a hash of
    /// the raw message), a chat `client_id`, a callback number. The same key twice in one
    /// scope is one message.
    pub external_id: String,
    /// The sender the key is unique for (a chat customer's app user id), kept apart from the
    /// key itself so no two senders' keys can ever be mistaken for each other; `None` when
    /// the key is unique across the channel (an email Message-ID).
    pub key_scope: Option<String>,
    /// Which conversation the message belongs to.
    pub threading: Threading,
    pub sender: SenderIdentity,
    /// The email subject; `None` on channels without one.
    pub subject: Option<String>,
    /// Plain text, as the customer wrote it (the daemon redacts secrets before storing).
    pub text: String,
    pub attachments: Vec<Attachment>,
    /// The adapter's account it came in on (an email mailbox's name); replies leave through
    /// the same one.
    pub account: Option<String>,
    /// Sent by a machine (an auto-reply, a bounce, bulk mail): it never reopens a resolved
    /// conversation and is never answered automatically.
    pub automatic: bool,
    /// What an agent sees of an email beyond its text.
    pub email: Option<EmailDetails>,
    /// The whole message, quoted history and signature included, when `text` is only its new
    /// part (an email reply): kept, redacted like the text, so the full original can be read.
    pub full_text: Option<String>,
    /// A resolved conversation the message finds is reopened only when it was resolved at
    /// most this long ago; after that the message opens a new conversation that follows it.
    /// `None`: always reopened.
    pub reopen_within: Option<std::time::Duration>,
}
