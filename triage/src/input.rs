//! What the classifier is given: the message, where it came from, and how often the customer
//! has already been in touch.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::quoted::strip_quoted_history;

/// The channel a message arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Email: quoted history is stripped before classifying.
    Email,
    /// In-app live chat.
    Chat,
    /// A phone-callback request (its short reason text).
    Callback,
}

/// One message to triage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Input<'a> {
    /// Email subject, if any; it counts as much as the body.
    pub subject: Option<&'a str>,
    /// The message text as received (already redacted or not: triage does not care).
    pub body: &'a str,
    /// Where the message came from; `None` is treated like email (history is stripped).
    pub channel: Option<Channel>,
    /// How many earlier contacts this customer made about the same matter; repeated contacts
    /// raise the priority.
    pub prior_contacts: u32,
}

impl<'a> Input<'a> {
    /// A message with only a body: no subject, unknown channel, first contact.
    pub fn new(body: &'a str) -> Self {
        Self { body, ..Self::default() }
    }
}

/// `Re:`/`Fwd:`/`回复：` prefixes say nothing about the topic.
static REPLY_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:(?:re|fwd?|aw|答复|回复|回覆|转发|轉寄|轉發)\s*(?:\[\d+\])?\s*[:：]\s*)+")
        .expect("reply prefix pattern is valid")
});

/// The text the classifier sees: subject (without reply prefixes) and body, with quoted history
/// removed from email bodies. Chat and callback text is kept whole: there a leading `>` is more
/// likely an emoticon than a quote.
pub(crate) fn classification_text<'a>(subject: Option<&str>, body: &'a str, channel: Option<Channel>) -> Cow<'a, str> {
    let body = match channel {
        Some(Channel::Chat | Channel::Callback) => Cow::Borrowed(body),
        Some(Channel::Email) | None => Cow::Owned(strip_quoted_history(body)),
    };
    match subject.map(|s| REPLY_PREFIX.replace(s, "")) {
        Some(subject) if !subject.trim().is_empty() => Cow::Owned(format!("{}\n{body}", subject.trim())),
        _ => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_loses_reply_prefixes() {
        let text = classification_text(Some("Re: RE: 回复：Refund"), "Where is it?", Some(Channel::Email));
        assert_eq!(text, "Refund\nWhere is it?");
    }

    #[test]
    fn email_history_is_stripped_but_chat_is_kept() {
        let body = "still failing\n> please update the app";
        assert_eq!(classification_text(None, body, Some(Channel::Email)), "still failing");
        assert_eq!(classification_text(None, body, None), "still failing");
        assert_eq!(classification_text(None, body, Some(Channel::Chat)), body);
    }
}
