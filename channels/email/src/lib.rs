//! The email channel. What is here now is its pure core, which does no I/O and reads no clock:
//! [`parse_mail`] turns raw RFC 5322 bytes into a [`ParsedMail`] (ids, people, subject, the new
//! text with quoted history and signatures left out, the full text, attachments within
//! [`ParseLimits`]), or a [`ParseError`] for a mail to quarantine. Threading: signed
//! plus-addresses and Message-IDs name a conversation ([`OwnMailbox`]), [`thread_hints`] order
//! what a mail says about where it belongs, and [`reply_headers`] thread an outgoing reply.
//! [`classify`] tells human mail from automatic replies, bounces, list mail and our own.

mod auto;
mod body;
mod header;
mod html;
mod msgid;
mod parse;
mod quote;
mod rfc2231;
mod threading;

pub use auto::{Classification, DeliveryReport, MailKind, Severity, classify};
pub use header::{HeaderError, check_address, encode_text, header_text, mailbox};
pub use msgid::{message_id_list, normalize_message_id};
pub use parse::{
    DropReason, DroppedAttachment, MailAttachment, MailHeaders, Mailbox, ParseError, ParseLimits, ParsedMail,
    ReportParts, parse_mail,
};
pub use threading::{
    CONVERSATION_KEY_PREFIX, OwnMailbox, ReplyContext, ReplyHeaders, ThreadHint, ThreadingError, make_token,
    reply_headers, subject_reference, thread_hints, verify_token,
};
