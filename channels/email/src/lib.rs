//! The email channel, an adapter written against `switchboard-channel` alone. [`EmailChannel`]
//! runs a fetch loop per watched folder of every configured mailbox (IMAP with a stored
//! cursor, `\Seen` only after the commit, IDLE or polling) and sends replies through each
//! mailbox's SMTP account. Beneath it, a core that does no I/O and reads no clock:
//!
//! - [`parse_mail`]: raw RFC 5322 bytes to a [`ParsedMail`] (ids, people, subject, the new
//!   text and the full text, attachments within [`ParseLimits`], the headers the decisions
//!   read), or a [`ParseError`] for a mail to quarantine;
//! - quoted history and signatures left out of [`ParsedMail::text`] (Outlook, Gmail, QQ Mail,
//!   Foxmail, Apple Mail, Thunderbird), in the HTML and in the text;
//! - [`classify`]: human, automatic reply, bounce (with its [`DeliveryReport`]), list or bulk
//!   mail, or our own mail looping back; [`authentication`]: what trusted
//!   `Authentication-Results` say of the sender;
//! - threading: signed plus-addresses and Message-IDs ([`make_token`], [`verify_token`],
//!   [`OwnMailbox`]), the [`thread_hints`] of a mail, the `[#REF]` of a subject and the
//!   [`reply_headers`] of an outgoing reply, with header values made safe ([`header_text`],
//!   [`encode_text`], [`check_address`], [`mailbox`]);
//! - [`to_inbound`]: a parsed mail as the channel contract's `Inbound` envelope.

mod adapter;
mod attachment;
mod authenticity;
mod auto;
mod body;
mod config;
mod credentials;
mod delivery;
mod fetcher;
mod header;
mod html;
mod imap;
mod inbound;
mod intake;
mod msgid;
mod oauth;
mod parse;
mod quote;
mod readiness;
mod rfc2231;
mod smtp;
mod suppression;
mod threading;

pub use adapter::{EmailChannel, StartError};
pub use attachment::{DropReason, DroppedAttachment, MailAttachment};
pub use authenticity::authentication;
pub use auto::{Classification, DeliveryReport, MailKind, Severity, classify};
pub use config::{
    AcknowledgementConfig, AfterIngest, AuthMethod, DkimConfig, EmailConfig, ImapConfig, MailboxConfig, OAuthConfig,
    SmtpConfig, StartFrom, TlsMode,
};
pub use credentials::{AccessTokens, Credentials, LoginSecret, xoauth2_response};
pub use header::{HeaderError, check_address, encode_text, header_text, mailbox};
pub use imap::{FetchedMail, FolderStatus, ImapClient, ImapEndpoint, ImapError, Wake};
pub use inbound::to_inbound;
pub use msgid::{message_id_list, normalize_message_id};
pub use oauth::{CommandTokens, RefreshTokens, token_source};
pub use parse::{MailHeaders, Mailbox, ParseError, ParseLimits, ParsedMail, ReportParts, parse_mail};
pub use smtp::{OutgoingMail, SmtpSender, SmtpSetupError};
pub use threading::{
    OwnMailbox, ReplyContext, ReplyHeaders, ThreadingError, make_token, reply_headers, subject_reference, thread_hints,
    verify_token,
};
