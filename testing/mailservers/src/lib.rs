//! Private mail servers for Switchboard's email tests and benchmarks: a Dovecot IMAP server, a
//! Postfix `smtp-sink`, and a TCP proxy that cuts connections on demand.
//!
//! Every server here is a child process of the test, on a free loopback port, with its files in
//! a temp dir; it is stopped when its handle is dropped (and, on Linux, when the test process
//! dies), so nothing relies on or disturbs a system-wide server. The API is blocking; async
//! callers run it in `spawn_blocking` or before their runtime starts.
//!
//! When a server is not installed, its `start` returns `Ok(None)` after a note on stderr, so the
//! test can return early and a developer without it still runs the rest:
//!
//! ```no_run
//! let Some(dovecot) = switchboard_mailservers::Dovecot::start().unwrap() else { return };
//! dovecot.append("INBOX", b"Subject: hi\r\n\r\nhello\r\n").unwrap();
//! ```

mod dovecot;
mod dump_watch;
mod imap_client;
mod ports;
mod process;
mod proxy;
mod smtp_sink;
mod system;

pub use dovecot::Dovecot;
pub use imap_client::{FetchedBodies, ImapClient, Response};
pub use ports::free_port;
pub use proxy::CutProxy;
pub use smtp_sink::{ReceivedMail, SinkMode, SmtpSink, SmtpStage};
