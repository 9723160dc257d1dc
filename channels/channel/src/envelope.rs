//! What an adapter hands the daemon when something arrives from a customer.

use std::fmt;
use std::str::FromStr;

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
}

impl SenderIdentity {
    /// True when no field identifies anybody.
    pub fn is_anonymous(&self) -> bool {
        self.app_user_id.is_none() && self.email.is_none() && self.phone.is_none()
    }
}

/// A file that came with a message. Only metadata crosses the boundary; the bytes stay with
/// the adapter's own storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub size: u64,
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
}
