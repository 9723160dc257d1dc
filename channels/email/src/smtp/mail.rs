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

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            from: (Some("Wallet Support".into()), "support@help.wallet.example".into()),
            to: vec!["li.wei@customer.example".into()],
            cc: Vec::new(),
            reply_to: "support+abc@help.wallet.example".into(),
            subject: "Re: Refund [#K7Q2M9]".into(),
            message_id: "abc.def@help.wallet.example".into(),
            in_reply_to: Some("first@customer.example".into()),
            references: vec!["first@customer.example".into()],
            auto_submitted: false,
            text: "Hello".into(),
            html: None,
            extra_headers: vec![("X-Loop".into(), "support@help.wallet.example".into())],
        }
    }

    fn formatted(mail: &OutgoingMail) -> String {
        String::from_utf8(mail.message(false).expect("builds").formatted()).expect("utf-8")
    }

    /// The header section's lines, each folded continuation joined to its header.
    fn header_lines(formatted: &str) -> Vec<String> {
        let head = formatted.split("\r\n\r\n").next().expect("header section");
        let mut lines: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            match lines.last_mut() {
                Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
                _ => lines.push(line.to_owned()),
            }
        }
        lines
    }

    fn count(lines: &[String], name: &str) -> usize {
        lines.iter().filter(|l| l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase()))).count()
    }

    #[test]
    fn typed_text_cannot_start_a_header() {
        let mut evil = mail();
        evil.subject = "Refund\r\nBcc: x@evil.example".into();
        evil.from.0 = Some("Mei\r\nBcc: y@evil.example".into());
        evil.extra_headers[0].1 = "loop\r\nBcc: z@evil.example".into();
        let text = formatted(&evil);
        let lines = header_lines(&text);
        assert_eq!(count(&lines, "Bcc"), 0, "{text}");
        assert_eq!(count(&lines, "Subject"), 1, "{text}");
        assert_eq!(count(&lines, "From"), 1, "{text}");
        let envelope = evil.message(false).expect("builds").envelope().to().to_vec();
        assert_eq!(envelope.len(), 1);

        let parsed = mail_parser::MessageParser::default().parse(text.as_bytes()).expect("parses");
        assert_eq!(parsed.subject(), Some("Refund Bcc: x@evil.example"));
        assert!(parsed.header_values("Bcc").next().is_none());
    }

    #[test]
    fn non_ascii_subjects_are_one_encoded_header() {
        let mut zh = mail();
        zh.subject = "回复：退款\r\nBcc: x@evil.example".into();
        zh.from.0 = Some("钱包客服".into());
        let text = formatted(&zh);
        let lines = header_lines(&text);
        assert_eq!(count(&lines, "Bcc"), 0, "{text}");
        let subject = lines.iter().find(|l| l.starts_with("Subject:")).expect("subject");
        assert!(subject.contains("=?utf-8?") || subject.contains("=?UTF-8?"), "{subject}");
        assert!(text.is_ascii());
        let parsed = mail_parser::MessageParser::default().parse(text.as_bytes()).expect("parses");
        assert_eq!(parsed.subject(), Some("回复：退款 Bcc: x@evil.example"));
        assert_eq!(parsed.from().and_then(|f| f.first()).and_then(|a| a.name()), Some("钱包客服"));
    }

    #[test]
    fn bad_addresses_ids_and_header_names_are_refused() {
        let refused = |change: fn(&mut OutgoingMail)| {
            let mut m = mail();
            change(&mut m);
            m.message(false).expect_err("refused")
        };
        refused(|m| m.to[0] = "li@customer.example\r\nBcc: x@evil.example".into());
        refused(|m| m.cc.push("a@x,b@y".into()));
        refused(|m| m.reply_to = "<a@x.example>".into());
        refused(|m| m.to.clear());
        refused(|m| m.message_id = "<abc@help.wallet.example>".into());
        refused(|m| m.in_reply_to = Some("a@b>\r\nBcc: x@evil.example".into()));
        refused(|m| m.references.push("no at sign".into()));
        refused(|m| m.extra_headers.push(("X-A\r\nBcc".into(), "x".into())));
        refused(|m| m.extra_headers.push(("bcc".into(), "x@evil.example".into())));
        refused(|m| m.extra_headers.push(("X-A:".into(), "x".into())));
    }

    #[test]
    fn threading_and_automatic_headers_are_written() {
        let mut auto = mail();
        auto.references.push("abc.000@help.wallet.example".into());
        let lines = header_lines(&formatted(&auto));
        assert!(lines.contains(&"Message-ID: <abc.def@help.wallet.example>".to_owned()), "{lines:?}");
        assert!(lines.contains(&"In-Reply-To: <first@customer.example>".to_owned()), "{lines:?}");
        assert!(
            lines.contains(&"References: <first@customer.example> <abc.000@help.wallet.example>".to_owned()),
            "{lines:?}"
        );
        assert!(lines.contains(&"X-Loop: support@help.wallet.example".to_owned()), "{lines:?}");
        assert_eq!(count(&lines, "Auto-Submitted"), 0);
        auto.auto_submitted = true;
        assert!(header_lines(&formatted(&auto)).contains(&"Auto-Submitted: auto-replied".to_owned()));
    }

    #[test]
    fn html_makes_an_alternative() {
        let mut m = mail();
        m.text = "a < b & c\nnext".into();
        let text_only = formatted(&m);
        assert!(text_only.contains("Content-Type: text/plain; charset=utf-8"), "{text_only}");
        let with_html = String::from_utf8(m.message(true).expect("builds").formatted()).expect("utf-8");
        assert!(with_html.contains("multipart/alternative"), "{with_html}");
        let parsed = mail_parser::MessageParser::default().parse(with_html.as_bytes()).expect("parses");
        assert_eq!(parsed.body_text(0).as_deref().map(str::trim_end), Some("a < b & c\r\nnext"));
        assert!(parsed.body_html(0).expect("html").contains("a &lt; b &amp; c<br>"));
    }

    #[test]
    fn replies_take_their_threading_from_reply_headers() {
        let headers = ReplyHeaders {
            message_id: "t.n@help.wallet.example".into(),
            in_reply_to: Some("c@customer.example".into()),
            references: vec!["c@customer.example".into()],
            subject: "Re: Refund".into(),
            reply_to: "support+t@help.wallet.example".into(),
            x_loop: "support@help.wallet.example".into(),
        };
        let m = OutgoingMail::reply(
            (None, "support@help.wallet.example".into()),
            vec!["c@x.example".into()],
            headers,
            "Hi".into(),
        );
        assert_eq!(m.message_id, "t.n@help.wallet.example");
        assert_eq!(m.reply_to, "support+t@help.wallet.example");
        assert_eq!(m.extra_headers, [("X-Loop".to_owned(), "support@help.wallet.example".to_owned())]);
        assert!(m.message(false).is_ok());
    }
}
