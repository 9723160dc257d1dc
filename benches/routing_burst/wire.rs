//! The few frame fields the burst reads. The load benchmark's `Frame` has no nested
//! conversation, and the agent side here needs the id inside `offer` and `assigned`.

use std::borrow::Cow;

use serde::Deserialize;

#[derive(Deserialize)]
pub struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow)]
    pub client_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub conversation_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub offer_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub code: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub reason: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub conversation: Option<Conversation<'a>>,
    #[serde(default, borrow)]
    pub author: Option<Author<'a>>,
}

/// SUMMARY or CONVERSATION, of which only the id is read.
#[derive(Deserialize)]
pub struct Conversation<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
}

#[derive(Deserialize)]
pub struct Author<'a> {
    #[serde(borrow)]
    pub role: Cow<'a, str>,
}

impl<'a> Frame<'a> {
    pub fn parse(text: &'a str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    pub fn role(&self) -> &str {
        self.author.as_ref().map_or("", |a| &a.role)
    }

    /// The conversation a frame is about: its nested conversation's id, or `conversation_id`.
    pub fn conversation(&self) -> &str {
        match (&self.conversation, &self.conversation_id) {
            (Some(c), _) => &c.id,
            (None, Some(id)) => id,
            (None, None) => "",
        }
    }

    pub fn field<'s>(value: &'s Option<Cow<'a, str>>) -> &'s str {
        value.as_deref().unwrap_or("")
    }
}

/// A customer `queue` frame, told apart without parsing: a customer waiting in a long line
/// gets one for every conversation ahead of it that leaves the line.
pub fn is_queue_frame(text: &str) -> bool {
    text.starts_with(r#"{"type":"queue""#)
}
