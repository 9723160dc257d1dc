//! The IMAP client the mailbox loop drives: connecting (TCP, TLS, STARTTLS), logging in
//! (password or XOAUTH2), and the few UID commands that fetching mail needs.

mod client;
mod error;
mod login;
mod stream;
mod uid_set;
mod wait;

pub use client::{FetchedMail, FolderStatus, ImapClient, ImapEndpoint};
pub use error::ImapError;
pub use wait::Wake;
