//! Messages: what the customer and agents wrote, and what the system said.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use switchboard_channel::{ChannelKind, EmailDetails};

use super::{AgentId, ConversationId, MessageId, Millis};

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorRole {
    Customer,
    Agent,
    System,
}

impl AuthorRole {
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthorRole::Customer => "customer",
            AuthorRole::Agent => "agent",
            AuthorRole::System => "system",
        }
    }
}

impl fmt::Display for AuthorRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthorRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(AuthorRole::Customer),
            "agent" => Ok(AuthorRole::Agent),
            "system" => Ok(AuthorRole::System),
            other => Err(format!("unknown author role {other:?}")),
        }
    }
}

/// Which way a message travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the customer to us.
    Inbound,
    /// From us (an agent or the system) to the customer, or an internal note.
    Outbound,
}

impl Direction {
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

impl FromStr for Direction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(Direction::Inbound),
            "outbound" => Ok(Direction::Outbound),
            other => Err(format!("unknown direction {other:?}")),
        }
    }
}

/// One stored message. Text is stored only after redaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    /// Customer-visible sequence number: 1, 2, 3 … per conversation with no gaps. `None` for
    /// internal notes, which the customer never sees.
    pub seq: Option<i64>,
    pub direction: Direction,
    pub author_role: AuthorRole,
    /// The agent who wrote it, for agent messages.
    pub author_agent: Option<AgentId>,
    /// Display name of the author.
    pub author_name: String,
    pub channel: ChannelKind,
    pub internal: bool,
    /// The channel's id for it (email Message-ID, chat client id), when it has one.
    pub external_id: Option<String>,
    pub text: String,
    pub created_at: Millis,
    /// What an agent sees of an email beyond its text (an agent's reply: the cc it added).
    pub email: Option<EmailDetails>,
    pub attachments: Vec<StoredAttachment>,
    /// True when the raw original is kept (an inbound mail), to be read in full.
    pub has_original: bool,
}

/// A file kept with a message; its bytes are fetched by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAttachment {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
}
