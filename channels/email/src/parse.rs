//! Raw RFC 5322 bytes to [`ParsedMail`], what the rest of the channel decides on: ids for
//! deduplication and threading, the people, the subject, the text the agent reads first and
//! the whole text, the attachments within limits, the headers automatic mail is recognised
//! by, and the parts of a delivery report. MIME, transfer encodings, charsets (GBK, GB2312,
//! GB18030, Big5, ISO-2022-JP, UTF-8 and the rest of encoding_rs) and RFC 2047 / RFC 2231
//! words are mail-parser's; this module decides what to take from its result.

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use mail_parser::{Address, Message, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};
use switchboard_channel::Millis;

use crate::attachment::{Attachments, DroppedAttachment, MailAttachment, attachments, content_type_of};
use crate::body;
use crate::header::header_text;
use crate::html;
use crate::msgid::{message_id_list, normalize_message_id};
use crate::quote;

/// How much of a mail is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// A larger raw message is refused whole ([`ParseError::TooLarge`]).
    pub max_message_bytes: usize,
    /// A larger attachment is left out and listed; the mail is still taken.
    pub max_attachment_bytes: usize,
    /// Attachments past this many are left out and noted.
    pub max_attachments: usize,
}

impl ParseLimits {
    /// 25 MiB per message (what the large providers accept), 20 MiB per attachment, 50
    /// attachments.
    pub const fn new() -> Self {
        Self { max_message_bytes: 25 * 1024 * 1024, max_attachment_bytes: 20 * 1024 * 1024, max_attachments: 50 }
    }
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a mail cannot be taken. The caller quarantines it; nothing else changes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error("the message is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    /// The bytes do not start with a header field: not an RFC 5322 message (a stray
    /// attachment, binary junk, an HTML page).
    #[error("no header field at the start: not an email message")]
    NotAMessage,
    /// No `From` address, so nobody to file it under or answer.
    #[error("no sender address in From")]
    NoSender,
    /// The MIME parser panicked; the message is kept aside rather than taking the mailbox
    /// loop down with it.
    #[error("the MIME parser failed on this message")]
    ParserFailed,
}

/// An address with its display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    /// Lower-cased.
    pub address: String,
    /// Decoded, without control characters; `None` when absent or just the address again.
    pub name: Option<String>,
}

/// The top-level header fields the decisions about automatic mail and threading read, with
/// their values unfolded. Only these are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailHeaders(Vec<(String, String)>);

/// The fields [`MailHeaders`] keeps, lower case.
const KEPT_HEADERS: &[&str] = &[
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "x-loop",
    "return-path",
    "x-failed-recipients",
    "original-message-id",
    "delivered-to",
    "x-original-to",
    "authentication-results",
];

/// At most this many values of one field are kept (Received-style repetition is unbounded).
const MAX_VALUES_PER_HEADER: usize = 16;

impl MailHeaders {
    /// The first value of a field (name in any case).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of a field, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The machine-readable parts of a `multipart/report` (RFC 6522).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportParts {
    /// `delivery-status`, `disposition-notification`, …, lower case.
    pub report_type: String,
    /// The `message/delivery-status` part (or its RFC 6533 global form), as text.
    pub status_fields: Option<String>,
    /// The Message-ID of the returned message (`message/rfc822` or `text/rfc822-headers`).
    pub returned_message_id: Option<String>,
}

/// One parsed mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedMail {
    /// Normalised, without angle brackets; `None` when missing or broken.
    pub message_id: Option<String>,
    /// The idempotency key: the Message-ID, or `sha256:<hex>` of the raw bytes without one.
    pub dedupe_key: String,
    /// Ids of `In-Reply-To`, as written.
    pub in_reply_to: Vec<String>,
    /// Ids of `References`, newest first.
    pub references: Vec<String>,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    /// Decoded, on one line; `None` when missing or blank.
    pub subject: Option<String>,
    /// The `Date` header, when valid.
    pub date: Option<Millis>,
    /// What is new in this mail: quoted history and signatures stripped (the whole text when
    /// nothing else remains, or when it forwards something).
    pub text: String,
    /// The whole body, for retrieval and for an agent who wants the history.
    pub full_text: String,
    pub attachments: Vec<MailAttachment>,
    /// Attachments left out, at most [`ParseLimits::max_attachments`] of them listed…
    pub dropped: Vec<DroppedAttachment>,
    /// …and how many more were left out unlisted.
    pub dropped_unlisted: usize,
    pub headers: MailHeaders,
    /// Present when the mail is a `multipart/report`.
    pub report: Option<ReportParts>,
}

/// Parses one raw message. Never panics; anything it cannot take is a [`ParseError`].
pub fn parse_mail(raw: &[u8], limits: &ParseLimits) -> Result<ParsedMail, ParseError> {
    if raw.len() > limits.max_message_bytes {
        return Err(ParseError::TooLarge { size: raw.len(), limit: limits.max_message_bytes });
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let source = with_utf8_headers(raw);
    // mail-parser takes any bytes for headers; a message starts with a header field.
    if !starts_with_header_field(&source) {
        return Err(ParseError::NotAMessage);
    }
    let message = guarded(|| MessageParser::default().parse(source.as_ref()))
        .ok_or(ParseError::ParserFailed)?
        .ok_or(ParseError::NotAMessage)?;
    let from = message.from().and_then(|from| mailboxes(from).into_iter().next()).ok_or(ParseError::NoSender)?;

    let message_id = message.header_raw("Message-ID").and_then(normalize_message_id);
    let dedupe_key = match &message_id {
        Some(id) => id.clone(),
        None => format!("sha256:{}", data_encoding::HEXLOWER.encode(&Sha256::digest(raw))),
    };
    let mut references = message.header_raw("References").map(message_id_list).unwrap_or_default();
    references.reverse();
    let subject = message.subject().map(header_text).filter(|s| !s.is_empty());
    let (text, full_text) = bodies(&message, subject.as_deref());
    let report = report_parts(&message);
    let Attachments { kept: attachments, dropped, dropped_unlisted } =
        attachments(&message, source.as_ref(), report.is_some(), limits);

    Ok(ParsedMail {
        message_id,
        dedupe_key,
        in_reply_to: message.header_raw("In-Reply-To").map(message_id_list).unwrap_or_default(),
        references,
        from,
        to: message.to().map(mailboxes).unwrap_or_default(),
        cc: message.cc().map(mailboxes).unwrap_or_default(),
        reply_to: message.reply_to().map(mailboxes).unwrap_or_default(),
        subject,
        date: message.date().filter(|d| d.is_valid()).map(|d| Millis(d.to_timestamp().saturating_mul(1000))),
        text,
        full_text,
        attachments,
        dropped,
        dropped_unlisted,
        headers: kept_headers(&message),
        report,
    })
}

/// Runs a third-party parser (mail-parser, html2text) on hostile input. They promise not to
/// panic, but mail-parser's debug assertions do fire on some garbled multipart (release builds
/// leave them out and it recovers); a panic quarantines one mail instead of stopping the
/// mailbox loop. Our own code runs outside this, so its bugs still show.
pub(crate) fn guarded<T>(parse: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(parse)).ok()
}

/// Whether the first line is `name: value`, the name printable ASCII without a colon
/// (RFC 5322 section 2.2; the obsolete space before the colon allowed).
fn starts_with_header_field(source: &[u8]) -> bool {
    let line = source.split(|&b| b == b'\n').next().unwrap_or_default();
    let Some(colon) = line.iter().position(|&b| b == b':') else { return false };
    let name = line[..colon].trim_ascii_end();
    !name.is_empty() && name.iter().all(|b| (0x21..=0x7e).contains(b))
}

/// The message with its top-level header lines in UTF-8. Old Chinese clients write raw GBK
/// into headers instead of RFC 2047 words; mail-parser reads raw header bytes as UTF-8 and
/// would turn those names and subjects into replacement characters. Each line that is not
/// UTF-8 is read as GB18030, which decodes GB2312 and GBK alike, what such headers hold here;
/// lines that are UTF-8 stay as they are.
fn with_utf8_headers(raw: &[u8]) -> Cow<'_, [u8]> {
    let end = [&b"\r\n\r\n"[..], b"\n\n"]
        .iter()
        .filter_map(|sep| raw.windows(sep.len()).position(|w| w == *sep))
        .min()
        .unwrap_or(raw.len());
    let head = &raw[..end];
    if std::str::from_utf8(head).is_ok() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 2);
    for line in head.split_inclusive(|&b| b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(_) => out.extend_from_slice(line),
            Err(_) => out.extend_from_slice(encoding_rs::GB18030.decode_without_bom_handling(line).0.as_bytes()),
        }
    }
    out.extend_from_slice(&raw[end..]);
    Cow::Owned(out)
}

/// The addresses of an address header, groups flattened; entries without a usable address
/// are skipped.
fn mailboxes(address: &Address<'_>) -> Vec<Mailbox> {
    address
        .iter()
        .filter_map(|addr| {
            let address = addr.address()?.trim().to_lowercase();
            let (local, domain) = address.split_once('@')?;
            if local.is_empty() || domain.is_empty() || address.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return None;
            }
            let name = addr
                .name()
                .map(header_text)
                // Outlook wraps names it copied from an address book in single quotes.
                .map(|n| n.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')).map(str::to_owned).unwrap_or(n))
                .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&address));
            Some(Mailbox { address, name })
        })
        .collect()
}

/// The new text and the full text. `text/plain` is preferred; HTML is converted where it is
/// all there is, with quote containers pruned from the DOM before the new text is rendered.
fn bodies(message: &Message<'_>, subject: Option<&str>) -> (String, String) {
    let (mut new, mut full) = body_from(message, &message.text_body);
    if full.is_empty() {
        (new, full) = body_from(message, &message.html_body);
    }
    let text = if quote::is_forward(subject) { full.clone() } else { quote::strip(&new) };
    // A reply that is all quote still says something: show it rather than nothing.
    let text = if text.is_empty() { full.clone() } else { text };
    (text, full)
}

fn body_from(message: &Message<'_>, ids: &[u32]) -> (String, String) {
    let mut budget = html::DomBudget::new();
    let mut new = Vec::new();
    let mut full = Vec::new();
    for part in ids.iter().filter_map(|&id| message.part(id)) {
        match &part.body {
            PartType::Text(text) => {
                let flowed = part
                    .content_type()
                    .filter(|ct| ct.attribute("format").is_some_and(|f| f.eq_ignore_ascii_case("flowed")));
                let delsp = flowed.map(|ct| ct.attribute("delsp").is_some_and(|d| d.eq_ignore_ascii_case("yes")));
                let text = body::plain(text, delsp);
                new.push(text.clone());
                full.push(text);
            }
            PartType::Html(html) => {
                new.push(body::tidy(&html::to_text(html, Some(&quote::html_rule), &mut budget)));
                full.push(body::tidy(&html::to_text(html, None, &mut budget)));
            }
            _ => {}
        }
    }
    let join = |parts: Vec<String>| parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n");
    (join(new), join(full))
}

/// The parts of a top-level `multipart/report`.
fn report_parts(message: &Message<'_>) -> Option<ReportParts> {
    let root = message.root_part();
    let ct = root.content_type()?;
    if !(ct.ctype().eq_ignore_ascii_case("multipart") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report")))
    {
        return None;
    }
    let mut report = ReportParts {
        report_type: ct.attribute("report-type").unwrap_or_default().to_ascii_lowercase(),
        status_fields: None,
        returned_message_id: None,
    };
    for part in root.sub_parts().unwrap_or_default().iter().filter_map(|&id| message.part(id)) {
        let returned = match content_type_of(part).as_deref() {
            Some("message/delivery-status" | "message/global-delivery-status") => {
                report.status_fields = Some(String::from_utf8_lossy(part.contents()).into_owned());
                None
            }
            Some("message/rfc822" | "message/global") => part.message().and_then(|m| m.message_id().map(str::to_owned)),
            Some("text/rfc822-headers" | "message/global-headers") => {
                guarded(|| MessageParser::default().parse_headers(part.contents()))
                    .flatten()
                    .and_then(|headers| headers.message_id().map(str::to_owned))
            }
            _ => None,
        };
        if let Some(id) = returned.as_deref().and_then(normalize_message_id) {
            report.returned_message_id.get_or_insert(id);
        }
    }
    Some(report)
}

/// The kept header fields of the top level, unfolded.
fn kept_headers(message: &Message<'_>) -> MailHeaders {
    let mut kept: Vec<(String, String)> = Vec::new();
    for (name, value) in message.headers_raw() {
        let name = name.to_ascii_lowercase();
        if KEPT_HEADERS.contains(&name.as_str())
            && kept.iter().filter(|(n, _)| *n == name).count() < MAX_VALUES_PER_HEADER
        {
            kept.push((name, value.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
    }
    MailHeaders(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<ParsedMail, ParseError> {
        parse_mail(raw.as_bytes(), &ParseLimits::new())
    }

    #[test]
    fn a_broken_message_id_falls_back_to_the_hash() {
        let raw = "From: a@x.example\r\nMessage-ID: <no-at-sign>\r\n\r\nhi\r\n";
        let mail = parse(raw).expect("parses");
        assert_eq!(mail.message_id, None);
        let digest = data_encoding::HEXLOWER.encode(&Sha256::digest(raw.as_bytes()));
        assert_eq!(mail.dedupe_key, format!("sha256:{digest}"));
    }

    #[test]
    fn raw_gbk_headers_are_read_as_gbk() {
        let mut raw = b"From: ".to_vec();
        raw.extend_from_slice(&encoding_rs::GBK.encode("李伟").0);
        raw.extend_from_slice(b" <li@x.example>\r\nSubject: ");
        raw.extend_from_slice(&encoding_rs::GBK.encode("退款").0);
        raw.extend_from_slice("\r\nTo: 客服 <support@x.example>\r\n\r\nhello\r\n".as_bytes());
        let mail = parse_mail(&raw, &ParseLimits::new()).expect("parses");
        assert_eq!(mail.subject.as_deref(), Some("退款"));
        assert_eq!(mail.from.name.as_deref(), Some("李伟"));
        // A line already in UTF-8 is not read again as GBK.
        assert_eq!(mail.to[0].name.as_deref(), Some("客服"));
    }

    #[test]
    fn bytes_that_do_not_start_with_a_header_field_are_not_a_message() {
        assert_eq!(parse("\u{89}PNG\r\n\u{1a}\nFrom: a@x.example\r\n"), Err(ParseError::NotAMessage));
        assert_eq!(parse("<!DOCTYPE html>\n<html><body>From: a@x.example</body></html>"), Err(ParseError::NotAMessage));
        assert!(parse("From : a@x.example\r\n\r\nhi").is_ok());
    }

    #[test]
    fn a_parser_panic_is_an_error_for_this_mail_only() {
        // A returned message cut off inside its header block, then another one: mail-parser's
        // debug assertion fires here (the tests run in a debug build); a release build parses on.
        let raw = "From: a@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
                   --b\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@x.example\r\n\
                   --b\r\nContent-Type: message/rfc822\r\n\r\nFrom: d@x.example\r\n\r\nbody\r\n--b--\r\n";
        let result = parse(raw);
        if cfg!(debug_assertions) {
            assert_eq!(result, Err(ParseError::ParserFailed));
        } else {
            assert!(result.is_ok(), "{result:?}");
        }
    }

    #[test]
    fn empty_and_oversized_input_is_refused() {
        assert_eq!(parse(" \r\n\r\n"), Err(ParseError::Empty));
        let limits = ParseLimits { max_message_bytes: 10, ..ParseLimits::new() };
        assert_eq!(
            parse_mail(b"From: a@x.example\r\n\r\nhi", &limits),
            Err(ParseError::TooLarge { size: 23, limit: 10 })
        );
    }

    #[test]
    fn a_subject_only_mail_has_an_empty_body() {
        let mail = parse("From: a@x.example\r\nSubject: refund please\r\n\r\n").expect("parses");
        assert_eq!(mail.text, "");
        assert_eq!(mail.subject.as_deref(), Some("refund please"));
    }
}
