//! Sending agent replies over SMTP: [`OutgoingMail`] is what goes out, [`SmtpSender`] sends it
//! through one mailbox's account (TLS, password or XOAUTH2 login, optional DKIM signature) and
//! reports the outcome as the channel contract's receipt or transient/permanent error.

mod dkim;
mod failure;
mod mail;
mod sender;
mod transport;

use std::path::PathBuf;

pub use mail::OutgoingMail;
pub use sender::SmtpSender;

/// Why an SMTP account's configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    #[error("smtp.ca_file {path:?}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("smtp TLS: {0}")]
    Tls(String),
    #[error("smtp.dkim.key_file {path:?}: {reason}")]
    DkimKey { path: PathBuf, reason: String },
}
