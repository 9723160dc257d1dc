//! Which conversation a mail belongs to, and the headers that make a customer's answer to our
//! reply find its way back.
//!
//! Two things of ours carry a conversation id, signed so that nobody can guess or forge one:
//! the plus-address replies go out with (`support+TOKEN@domain`, where customers answer) and
//! the Message-IDs we give our replies (`<TOKEN.RANDOM@domain>`, which come back in
//! `In-Reply-To` and `References`). A TOKEN is the conversation id packed into bytes, followed
//! by the first 80 bits of an HMAC-SHA256 over them, in lower-case base32 so that mail systems
//! that change the case of a local part cannot break it.

use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use switchboard_channel::{Secret, ThreadKey};

use crate::header::{HeaderError, check_address, encode_text, header_text};
use crate::msgid::valid_id;
use crate::parse::ParsedMail;

/// Why something of ours could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThreadingError {
    #[error("the signing secret is empty")]
    EmptySecret,
    #[error("conversation id {0:?} is empty, too long or not printable ASCII")]
    BadConversationId(String),
    #[error(transparent)]
    Address(#[from] HeaderError),
}

/// Bytes of HMAC kept in a token: 80 bits, far beyond guessing by sending mail.
const MAC_BYTES: usize = 10;
/// Domain separation: these tokens are for nothing else the secret might sign.
const MAC_CONTEXT: &[u8] = b"switchboard-email token v1\0";
/// The most bytes a packed conversation id takes: with the MAC, 56 base32 characters, which
/// fit a 64-character local part after `support+`.
const MAX_PACKED: usize = 25;
/// Packed as `prefix_` + 32 hex digits (the daemon's ids: a kind, then a UUID).
const TAG_HEX_TAIL: u8 = 1;
/// Packed as the id's own bytes.
const TAG_RAW: u8 = 0;

/// Base32 with the RFC 4648 extended-hex alphabet, lower case, unpadded; decoding accepts
/// either case.
static BASE32: LazyLock<data_encoding::Encoding> = LazyLock::new(|| {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("0123456789abcdefghijklmnopqrstuv");
    spec.translate.from.push_str("ABCDEFGHIJKLMNOPQRSTUV");
    spec.translate.to.push_str("abcdefghijklmnopqrstuv");
    spec.encoding().expect("a constant, valid base32 specification")
});

fn mac(secret: &Secret, payload: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; only an empty one is refused, by the callers.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).expect("HMAC accepts any key length");
    mac.update(MAC_CONTEXT);
    mac.update(payload);
    mac
}

/// Packs a conversation id into the fewest bytes: `cv_0195…` (a short lower-case prefix and a
/// 128-bit hex tail) as the prefix and 16 bytes, anything else as its own bytes.
fn pack(conversation_id: &str) -> Vec<u8> {
    if let Some((prefix, tail)) = conversation_id.rsplit_once('_')
        && (1..=8).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && tail.len() == 32
        && tail.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && let Ok(bytes) = data_encoding::HEXLOWER.decode(tail.as_bytes())
    {
        let mut packed = vec![TAG_HEX_TAIL];
        packed.extend_from_slice(prefix.as_bytes());
        packed.extend_from_slice(&bytes);
        return packed;
    }
    let mut packed = vec![TAG_RAW];
    packed.extend_from_slice(conversation_id.as_bytes());
    packed
}

fn unpack(packed: &[u8]) -> Option<String> {
    let (&tag, rest) = packed.split_first()?;
    let id = match tag {
        TAG_HEX_TAIL if rest.len() > 16 => {
            let (prefix, tail) = rest.split_at(rest.len() - 16);
            format!("{}_{}", std::str::from_utf8(prefix).ok()?, data_encoding::HEXLOWER.encode(tail))
        }
        TAG_RAW => std::str::from_utf8(rest).ok()?.to_owned(),
        _ => return None,
    };
    conversation_id_ok(&id).then_some(id)
}

fn conversation_id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_graphic() && b != b'@' && b != b'<' && b != b'>')
        && pack(id).len() <= MAX_PACKED
}

/// The signed token of a conversation id. Ids are printable ASCII without `@` or brackets,
/// at most 24 characters, or `prefix_` (up to 8 characters) and 32 hex digits.
pub fn make_token(conversation_id: &str, secret: &Secret) -> Result<String, ThreadingError> {
    if secret.is_empty() {
        return Err(ThreadingError::EmptySecret);
    }
    if !conversation_id_ok(conversation_id) {
        return Err(ThreadingError::BadConversationId(conversation_id.to_owned()));
    }
    let mut token = pack(conversation_id);
    let tag = mac(secret, &token).finalize().into_bytes();
    token.extend_from_slice(&tag[..MAC_BYTES]);
    Ok(BASE32.encode(&token))
}

/// The conversation id a token carries, when the token is ours: the HMAC is checked in
/// constant time. Any other string (guessed, altered, truncated) gives `None`.
pub fn verify_token(token: &str, secret: &Secret) -> Option<String> {
    if secret.is_empty() || token.len() > 2 * 64 {
        return None;
    }
    let bytes = BASE32.decode(token.as_bytes()).ok()?;
    if bytes.len() <= MAC_BYTES + 1 {
        return None;
    }
    let (packed, tag) = bytes.split_at(bytes.len() - MAC_BYTES);
    mac(secret, packed).verify_truncated_left(tag).ok()?;
    unpack(packed)
}

/// The support mailbox of this channel and the secret its tokens are signed with.
#[derive(Clone, Debug)]
pub struct OwnMailbox {
    local: String,
    domain: String,
    secret: Secret,
}

impl OwnMailbox {
    /// `address` is the support address customers write to (`support@help.wallet.example`).
    pub fn new(address: &str, secret: Secret) -> Result<Self, ThreadingError> {
        check_address(address)?;
        if secret.is_empty() {
            return Err(ThreadingError::EmptySecret);
        }
        let address = address.to_lowercase();
        // A `+` of its own would make every plus-address of ours ambiguous.
        let (local, domain) = address
            .split_once('@')
            .filter(|(local, _)| !local.contains('+'))
            .ok_or_else(|| HeaderError::Malformed(address.clone()))?;
        Ok(Self { local: local.to_owned(), domain: domain.to_owned(), secret })
    }

    /// The plain support address, also the `X-Loop` value of everything we send.
    pub fn address(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }

    /// `support+TOKEN@domain`: where a customer's answer to this conversation goes.
    pub fn plus_address(&self, conversation_id: &str) -> Result<String, ThreadingError> {
        Ok(format!("{}+{}@{}", self.local, make_token(conversation_id, &self.secret)?, self.domain))
    }

    /// A Message-ID of ours for a message of the conversation (bare, without brackets). The
    /// `nonce` makes it unique; the caller draws it at random.
    pub fn message_id(&self, conversation_id: &str, nonce: [u8; 10]) -> Result<String, ThreadingError> {
        let token = make_token(conversation_id, &self.secret)?;
        Ok(format!("{token}.{}@{}", BASE32.encode(&nonce), self.domain))
    }

    /// Whether an address is the support mailbox itself, with or without a `+tag`.
    pub fn is_own_address(&self, address: &str) -> bool {
        let address = address.trim().to_lowercase();
        let Some((local, domain)) = address.rsplit_once('@') else { return false };
        let base = local.split_once('+').map_or(local, |(base, _)| base);
        base == self.local && domain == self.domain
    }

    /// The conversation a signed plus-address names.
    pub fn conversation_of_address(&self, address: &str) -> Option<String> {
        let address = address.trim().to_lowercase();
        let (local, domain) = address.rsplit_once('@')?;
        let (base, token) = local.split_once('+')?;
        (base == self.local && domain == self.domain).then(|| verify_token(token, &self.secret))?
    }

    /// The conversation one of our own Message-IDs names.
    pub fn conversation_of_message_id(&self, id: &str) -> Option<String> {
        let (left, domain) = id.rsplit_once('@')?;
        let (token, _nonce) = left.split_once('.')?;
        domain.eq_ignore_ascii_case(&self.domain).then(|| verify_token(token, &self.secret))?
    }
}

/// Where a mail belongs, strongest hint first and each once: conversations named by a signed
/// plus-address it was sent to, then by one of our own Message-IDs it answers; then the ids of
/// `In-Reply-To`, then of `References`, newest first.
pub fn thread_hints(mail: &ParsedMail, own: &OwnMailbox) -> Vec<ThreadKey> {
    let recipients = mail
        .to
        .iter()
        .chain(&mail.cc)
        .map(|m| m.address.as_str())
        .chain(mail.headers.all("delivered-to"))
        .chain(mail.headers.all("x-original-to"));
    let ids: Vec<&String> = mail.in_reply_to.iter().chain(&mail.references).collect();
    let conversations = recipients
        .filter_map(|address| own.conversation_of_address(address.trim_matches(['<', '>'])))
        .chain(ids.iter().filter_map(|id| own.conversation_of_message_id(id)))
        .map(ThreadKey::Conversation);
    let messages = ids.iter().map(|id| ThreadKey::Message((*id).clone()));
    let mut hints: Vec<ThreadKey> = Vec::new();
    for hint in conversations.chain(messages) {
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    hints
}

/// The conversation reference in a subject, `[#ABC123]` (3 to 20 letters and digits; upper
/// case). Only a hint: the daemon honours it only for a sender who is already in the
/// conversation, since anyone can type one.
pub fn subject_reference(subject: &str) -> Option<String> {
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find(']') else { break };
        let candidate = &rest[..end];
        if (3..=20).contains(&candidate.len()) && candidate.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Some(candidate.to_ascii_uppercase());
        }
    }
    None
}

/// What an outgoing reply is threaded from.
#[derive(Clone, Copy, Debug)]
pub struct ReplyContext<'a> {
    pub conversation_id: &'a str,
    /// The conversation's public reference, shown in the subject as `[#REF]`.
    pub reference: Option<&'a str>,
    /// The conversation's subject, as the customer gave it.
    pub subject: Option<&'a str>,
    /// The external ids of the conversation's earlier messages, oldest first (the outbound
    /// envelope's `thread_refs`): the customer's Message-IDs and ours, and hash keys.
    pub thread_refs: &'a [String],
}

/// The threading headers of one outgoing reply. Ids are bare; [`ReplyHeaders::lines`] writes
/// them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyHeaders {
    pub message_id: String,
    /// The customer's last message.
    pub in_reply_to: Option<String>,
    /// Oldest first, trimmed to fit one header line.
    pub references: Vec<String>,
    /// `Re: <subject> [#REF]`, decoded, on one line.
    pub subject: String,
    /// The signed plus-address.
    pub reply_to: String,
    /// Our address, which marks mail that loops back to us.
    pub x_loop: String,
}

/// `References` is kept within one header line: 998 characters less `References: `.
const MAX_REFERENCES_LEN: usize = 998 - "References: ".len();

/// Subjects are cut to this many characters before `Re: ` and the reference are added.
const MAX_SUBJECT_CHARS: usize = 200;

/// The headers of a reply to the conversation.
pub fn reply_headers(
    own: &OwnMailbox,
    context: &ReplyContext<'_>,
    nonce: [u8; 10],
) -> Result<ReplyHeaders, ThreadingError> {
    let mut ids: Vec<&str> = Vec::new();
    for id in context.thread_refs.iter().map(String::as_str).filter(|id| valid_id(id)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let theirs = ids.iter().rev().find(|id| own.conversation_of_message_id(id).is_none());
    Ok(ReplyHeaders {
        message_id: own.message_id(context.conversation_id, nonce)?,
        in_reply_to: theirs.or(ids.last()).map(|id| (*id).to_owned()),
        references: trim_references(&ids),
        subject: reply_subject(context.subject, context.reference),
        reply_to: own.plus_address(context.conversation_id)?,
        x_loop: own.address(),
    })
}

/// Keeps the first id (the thread's root) and as many of the most recent as fit.
fn trim_references(ids: &[&str]) -> Vec<String> {
    let written = |id: &str| id.len() + 3; // "<id>" and the space before the next
    let Some((first, rest)) = ids.split_first() else { return Vec::new() };
    let mut budget = MAX_REFERENCES_LEN + 1 - written(first);
    let mut recent: Vec<&str> = Vec::new();
    for id in rest.iter().rev() {
        if written(id) > budget {
            break;
        }
        budget -= written(id);
        recent.push(id);
    }
    std::iter::once(*first).chain(recent.into_iter().rev()).map(str::to_owned).collect()
}

/// Reply prefixes of the clients our customers use, stripped before ours is added.
const REPLY_PREFIXES: &[&str] = &["re", "aw", "sv", "antw", "回复", "答复", "回覆"];

/// `Re: ` once, the subject, the reference once.
fn reply_subject(subject: Option<&str>, reference: Option<&str>) -> String {
    let mut subject = header_text(subject.unwrap_or_default());
    loop {
        let stripped = strip_reply_prefix(&subject).trim_start().to_owned();
        if stripped == subject {
            break;
        }
        subject = stripped;
    }
    let mut subject: String = subject.chars().take(MAX_SUBJECT_CHARS).collect();
    if let Some(reference) = reference.map(header_text).filter(|r| !r.is_empty()) {
        let tag = format!("[#{reference}]");
        if !subject.to_lowercase().contains(&tag.to_lowercase()) {
            if !subject.is_empty() {
                subject.push(' ');
            }
            subject.push_str(&tag);
        }
    }
    format!("Re: {subject}").trim_end().to_owned()
}

/// The subject without one leading reply prefix (`Re:`, `RE[2]:`, `回复：`…), or as it is.
fn strip_reply_prefix(subject: &str) -> &str {
    for prefix in REPLY_PREFIXES {
        if !subject.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix)) {
            continue;
        }
        let mut rest = &subject[prefix.len()..];
        // A counter some clients add: Re[2]: or Re(2):
        if let Some(inner) = rest.strip_prefix(['[', '(']) {
            let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && inner[digits..].starts_with([']', ')']) {
                rest = &inner[digits + 1..];
            }
        }
        let rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix([':', '：']) {
            return after;
        }
    }
    subject
}

impl ReplyHeaders {
    /// The headers as written on the wire, names and values, ids in angle brackets and the
    /// subject RFC 2047-encoded when it is not ASCII. No value holds CR or LF.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let bracket = |id: &str| format!("<{id}>");
        let mut lines = vec![("Message-ID", bracket(&self.message_id))];
        if let Some(parent) = &self.in_reply_to {
            lines.push(("In-Reply-To", bracket(parent)));
        }
        if !self.references.is_empty() {
            lines.push(("References", self.references.iter().map(|id| bracket(id)).collect::<Vec<_>>().join(" ")));
        }
        lines.push(("Subject", encode_text(&self.subject)));
        lines.push(("Reply-To", self.reply_to.clone()));
        lines.push(("X-Loop", self.x_loop.clone()));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONVERSATION: &str = "cv_01955b3c8d2e7f4a9b1c2d3e4f5a6b7c";

    fn secret() -> Secret {
        Secret::new("unit-test-secret")
    }

    fn own() -> OwnMailbox {
        OwnMailbox::new("Support@Help.Wallet.Example", secret()).expect("valid")
    }

    #[test]
    fn tokens_round_trip_and_fit_a_local_part() {
        let token = make_token(CONVERSATION, &secret()).expect("token");
        assert_eq!(verify_token(&token, &secret()).as_deref(), Some(CONVERSATION));
        assert_eq!(verify_token(&token.to_uppercase(), &secret()).as_deref(), Some(CONVERSATION));
        assert!(token.len() + "support+".len() <= 64, "{token}");
        let raw = make_token("ticket-42", &secret()).expect("token");
        assert_eq!(verify_token(&raw, &secret()).as_deref(), Some("ticket-42"));
    }

    #[test]
    fn altered_truncated_or_foreign_tokens_are_refused() {
        let token = make_token(CONVERSATION, &secret()).expect("token");
        assert_eq!(verify_token(&token, &Secret::new("another secret")), None);
        assert_eq!(verify_token(&token[..token.len() - 1], &secret()), None);
        for i in 0..token.len() {
            let mut altered = token.clone().into_bytes();
            altered[i] = if altered[i] == b'0' { b'1' } else { b'0' };
            let altered = String::from_utf8(altered).expect("ascii");
            assert_eq!(verify_token(&altered, &secret()), None, "changed at {i}");
        }
        assert_eq!(verify_token("", &secret()), None);
        assert_eq!(verify_token("not base32!", &secret()), None);
        assert_eq!(verify_token(&token, &Secret::new("")), None);
    }

    #[test]
    fn bad_conversation_ids_and_secrets_are_refused() {
        assert_eq!(make_token(CONVERSATION, &Secret::new("")), Err(ThreadingError::EmptySecret));
        for bad in ["", "has space", "a@b", &"x".repeat(25)] {
            assert!(matches!(make_token(bad, &secret()), Err(ThreadingError::BadConversationId(_))), "{bad:?}");
        }
    }

    #[test]
    fn plus_addresses_and_message_ids_name_their_conversation() {
        let own = own();
        let plus = own.plus_address(CONVERSATION).expect("plus");
        assert!(plus.starts_with("support+") && plus.ends_with("@help.wallet.example"));
        assert_eq!(own.conversation_of_address(&plus.to_uppercase()).as_deref(), Some(CONVERSATION));
        assert_eq!(own.conversation_of_address("support+guess@help.wallet.example"), None);
        let elsewhere = plus.replace("help.wallet.example", "evil.example");
        assert_eq!(own.conversation_of_address(&elsewhere), None);

        let id = own.message_id(CONVERSATION, [7; 10]).expect("id");
        assert!(valid_id(&id));
        assert_eq!(own.conversation_of_message_id(&id).as_deref(), Some(CONVERSATION));
        assert_eq!(own.conversation_of_message_id("abc.def@help.wallet.example"), None);
        assert_ne!(id, own.message_id(CONVERSATION, [8; 10]).expect("id"));

        assert!(own.is_own_address("SUPPORT@help.wallet.example"));
        assert!(own.is_own_address(&plus));
        assert!(!own.is_own_address("support@other.example"));
    }

    #[test]
    fn subject_references_are_extracted() {
        assert_eq!(subject_reference("Re: 转账未到账 [#p3x8d2]").as_deref(), Some("P3X8D2"));
        assert_eq!(subject_reference("[#] [#a b] [#OK123] [#X9Y8Z7]").as_deref(), Some("OK123"));
        assert_eq!(subject_reference("no reference [#AB]"), None);
    }

    #[test]
    fn reply_subjects_have_one_re_and_one_reference() {
        let cases = [
            (Some("Refund"), "Re: Refund [#K7Q2M9]"),
            (Some("Re: RE: Refund"), "Re: Refund [#K7Q2M9]"),
            (Some("回复：Re: 转账未到账 [#k7q2m9]"), "Re: 转账未到账 [#k7q2m9]"),
            (Some("RE[2]: Refund"), "Re: Refund [#K7Q2M9]"),
            (Some("Fwd: statement"), "Re: Fwd: statement [#K7Q2M9]"),
            (Some("Re: broken\r\nBcc: x@y"), "Re: broken Bcc: x@y [#K7Q2M9]"),
            (Some("Rebate"), "Re: Rebate [#K7Q2M9]"),
            (None, "Re: [#K7Q2M9]"),
        ];
        for (subject, expected) in cases {
            assert_eq!(reply_subject(subject, Some("K7Q2M9")), expected, "{subject:?}");
        }
        assert_eq!(reply_subject(Some("Refund"), None), "Re: Refund");
    }

    #[test]
    fn replies_answer_the_customers_last_message_and_keep_references_short() {
        let own = own();
        let ours = own.message_id(CONVERSATION, [1; 10]).expect("id");
        let refs: Vec<String> = ["first@customer.example".to_owned(), "sha256:abcd".to_owned()]
            .into_iter()
            .chain((0..40).map(|i| format!("{i:02}-{}@customer.example", "x".repeat(30))))
            .chain([ours.clone()])
            .collect();
        let context = ReplyContext {
            conversation_id: CONVERSATION,
            reference: Some("K7Q2M9"),
            subject: Some("Refund"),
            thread_refs: &refs,
        };
        let headers = reply_headers(&own, &context, [2; 10]).expect("headers");
        assert_eq!(headers.in_reply_to.as_deref(), Some(&*format!("39-{}@customer.example", "x".repeat(30))));
        assert_eq!(headers.references.first().map(String::as_str), Some("first@customer.example"));
        assert_eq!(headers.references.last(), Some(&ours));
        assert!(!headers.references.iter().any(|r| r.starts_with("sha256:")));
        let lines = headers.lines();
        let references = &lines.iter().find(|(name, _)| *name == "References").expect("references").1;
        assert!(references.len() + "References: ".len() <= 998, "{}", references.len());
        assert!(lines.iter().all(|(_, value)| !value.contains(['\r', '\n'])));
        assert_eq!(own.conversation_of_message_id(&headers.message_id).as_deref(), Some(CONVERSATION));
        assert_eq!(own.conversation_of_address(&headers.reply_to).as_deref(), Some(CONVERSATION));
        assert_eq!(headers.subject, "Re: Refund [#K7Q2M9]");
        assert_eq!(headers.x_loop, "support@help.wallet.example");
    }

    #[test]
    fn a_first_reply_without_customer_ids_has_no_parent() {
        let refs = vec!["sha256:0123".to_owned()];
        let context =
            ReplyContext {
                conversation_id: CONVERSATION, reference: None, subject: Some("退款"), thread_refs: &refs
            };
        let headers = reply_headers(&own(), &context, [0; 10]).expect("headers");
        assert_eq!(headers.in_reply_to, None);
        assert!(headers.references.is_empty());
        let lines = headers.lines();
        assert_eq!(
            lines.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
            ["Message-ID", "Subject", "Reply-To", "X-Loop"]
        );
        assert_eq!(lines[1].1, "=?UTF-8?B?UmU6IOmAgOasvg==?=");
    }
}
