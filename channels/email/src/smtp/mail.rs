//! What one outgoing mail holds, and how it becomes a lettre [`Message`]: every address is
//! checked, every piece of text flattened to one line before lettre encodes it, so nothing a
//! customer or an agent typed can end a header line and start another.

use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::header::{check_address, header_text};
use crate::msgid::valid_id;
use crate::threading::ReplyHeaders;

/// One mail to send. Ids are bare (`left@right`, no angle brackets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Display name and address of the support mailbox.
    pub from: (Option<String>, String),
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Where the customer's answer goes: the conversation's signed plus-address.
    pub reply_to: String,
    pub subject: String,
    /// Ours, on our domain; also the receipt's external id.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// Oldest first.
    pub references: Vec<String>,
    /// Adds `Auto-Submitted: auto-replied` (RFC 3834), for mail no person wrote, so that the
    /// customer's autoresponder stays quiet.
    pub auto_submitted: bool,
    pub text: String,
    /// An HTML alternative to `text`; without one the mail is text only, unless the sender
    /// is configured to add the text as HTML.
    pub html: Option<String>,
    /// Further headers (`X-Loop`); names that the fields above set, or that steer delivery,
    /// are refused.
    pub extra_headers: Vec<(String, String)>,
}

/// Headers an extra header may not set: those written from the fields, those lettre writes,
/// and those that would add recipients or signatures.
const RESERVED: &[&str] = &[
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "auto-submitted",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "dkim-signature",
    "return-path",
];

impl OutgoingMail {
    /// A reply threaded by [`crate::reply_headers`]: its Message-ID, In-Reply-To, References,
    /// subject and Reply-To, and its `X-Loop`. Cc, HTML and `auto_submitted` start empty.
    pub fn reply(from: (Option<String>, String), to: Vec<String>, headers: ReplyHeaders, text: String) -> Self {
        Self {
            from,
            to,
            cc: Vec::new(),
            reply_to: headers.reply_to,
            subject: headers.subject,
            message_id: headers.message_id,
            in_reply_to: headers.in_reply_to,
            references: headers.references,
            auto_submitted: false,
            text,
            html: None,
            extra_headers: vec![("X-Loop".into(), headers.x_loop)],
        }
    }

    /// The message, its envelope taken from From, To and Cc. `text_as_html` adds the text as
    /// an HTML alternative when `html` is not set. `Err` says what cannot be sent; sending
    /// it again would fail the same way.
    pub(crate) fn message(&self, text_as_html: bool) -> Result<Message, String> {
        let (name, address) = &self.from;
        let mut builder = Message::builder()
            .from(mailbox(name.as_deref(), address)?)
            .reply_to(mailbox(None, &self.reply_to)?)
            // lettre encodes non-ASCII words (RFC 2047); flattening first keeps CR and LF out
            // of the ASCII it writes as it is.
            .subject(header_text(&self.subject))
            .message_id(Some(bracketed(&self.message_id)?));
        if self.to.is_empty() {
            return Err("the mail has no To address".into());
        }
        for to in &self.to {
            builder = builder.to(mailbox(None, to)?);
        }
        for cc in &self.cc {
            builder = builder.cc(mailbox(None, cc)?);
        }
        if let Some(parent) = &self.in_reply_to {
            builder = builder.in_reply_to(bracketed(parent)?);
        }
        if !self.references.is_empty() {
            let ids = self.references.iter().map(|id| bracketed(id)).collect::<Result<Vec<_>, _>>()?;
            builder = builder.references(ids.join(" "));
        }
        if self.auto_submitted {
            builder = builder.raw_header(raw_header("Auto-Submitted", "auto-replied")?);
        }
        for (name, value) in &self.extra_headers {
            if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(format!("extra header {name:?} is set by the mail itself"));
            }
            builder = builder.raw_header(raw_header(name, value)?);
        }
        let html = self.html.clone().or_else(|| text_as_html.then(|| text_html(&self.text)));
        let built = match html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(self.text.clone(), html)),
            None => builder.singlepart(SinglePart::plain(self.text.clone())),
        };
        built.map_err(|e| format!("the mail cannot be built: {e}"))
    }
}

/// An address checked by the crate's rules, then parsed by lettre; the name flattened.
fn mailbox(name: Option<&str>, address: &str) -> Result<Mailbox, String> {
    check_address(address).map_err(|e| e.to_string())?;
    let parsed = address.parse().map_err(|e| format!("address {address:?}: {e}"))?;
    let name = name.map(header_text).filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, parsed))
}

fn bracketed(id: &str) -> Result<String, String> {
    if valid_id(id) { Ok(format!("<{id}>")) } else { Err(format!("{id:?} is not a bare Message-ID")) }
}

/// A header lettre does not type. The name must be printable ASCII without a colon
/// (RFC 5322 `ftext`), which lettre does not check; the value is flattened to one line.
fn raw_header(name: &str, value: &str) -> Result<HeaderValue, String> {
    if name.is_empty() || !name.bytes().all(|b| (33..=126).contains(&b) && b != b':') {
        return Err(format!("{name:?} is not a header name"));
    }
    let name = HeaderName::new_from_ascii(name.to_owned()).map_err(|_| format!("{name:?} is not a header name"))?;
    Ok(HeaderValue::new(name, header_text(value)))
}

/// The text as HTML: escaped, its line breaks kept.
fn text_html(text: &str) -> String {
    let mut html = String::from("<!DOCTYPE html><html><body>");
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\r' => {}
            '\n' => html.push_str("<br>\n"),
            c => html.push(c),
        }
    }
    html.push_str("</body></html>");
    html
}
