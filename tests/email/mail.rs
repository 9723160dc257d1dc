//! A daemon wired to private mail servers, mail written as customers write it, and reads of
//! what the daemon stored.

use std::time::{Duration, Instant};

use switchboard_mailservers::{Dovecot, SinkMode, SmtpSink};

use crate::common::{Daemon, MailboxToml};

/// Our support address.
pub const SUPPORT: &str = "support@wallet.test";
/// The key the daemon signs its threading tokens with.
const THREAD_SECRET: &str = "thread-secret-thread-secret-0123456789";

/// Dovecot, smtp-sink and the daemon reading the one and sending through the other.
pub struct MailSetup {
    pub dovecot: Dovecot,
    pub sink: SmtpSink,
    pub daemon: Daemon,
}

/// The private servers, or `None` (with a note) where they are not installed.
pub fn servers(mode: SinkMode) -> Option<(Dovecot, SmtpSink)> {
    let dovecot = Dovecot::start().expect("Dovecot starts")?;
    let sink = SmtpSink::start(mode).expect("smtp-sink starts")?;
    Some((dovecot, sink))
}

/// The `[email]` section for one mailbox on these servers, with short waits so faults heal
/// within a test, `extra_imap` appended to its IMAP table.
pub fn email_config(imap_port: u16, dovecot: &Dovecot, smtp_port: u16, extra_imap: &str) -> String {
    MailboxToml {
        address: SUPPORT,
        thread_secret: THREAD_SECRET,
        imap_port,
        username: dovecot.username(),
        password: dovecot.password(),
        smtp_port,
        imap_extra: &format!("poll_s = 1\nidle_s = 30\ncommand_timeout_s = 5\nfetch_timeout_s = 20\n{extra_imap}"),
        smtp_extra: "timeout_s = 5",
    }
    .render()
}

/// Starts the daemon with this configuration text, fast outbox retries and short offers.
pub async fn daemon(config: String) -> Daemon {
    Daemon::builder()
        .config_toml(config)
        .env("SWITCHBOARD__CHAT__JWT_SECRET", crate::client::SECRET)
        .env("SWITCHBOARD__ROUTING__OFFER_TIMEOUT_S", "5")
        .env("SWITCHBOARD__OUTBOX__INITIAL_BACKOFF_MS", "200")
        .env("SWITCHBOARD__OUTBOX__MAX_BACKOFF_MS", "500")
        .start()
        .await
}

/// Everything set up, the mailbox watched with the default settings.
pub async fn setup(mode: SinkMode) -> Option<MailSetup> {
    let (dovecot, sink) = servers(mode)?;
    let daemon = daemon(email_config(dovecot.port(), &dovecot, sink.port(), "")).await;
    Some(MailSetup { dovecot, sink, daemon })
}

/// A plain customer mail.
pub fn customer_mail(from: &str, message_id: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Customer <{from}>\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Mon, 07 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// `n` different customers' mails, numbered from `first`.
pub fn many_mails(first: usize, n: usize) -> Vec<Vec<u8>> {
    (first..first + n)
        .map(|i| {
            customer_mail(
                &format!("customer{i}@example.com"),
                &format!("m{i}@example.com"),
                &format!("Transfer {i} has not arrived"),
                &format!("I sent 100 USD to my brother (transfer {i}) two days ago and it has not arrived."),
            )
        })
        .collect()
}

/// A value read from the daemon's database (read-only, beside the running daemon).
pub fn count(daemon: &Daemon, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(daemon.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("the database opens");
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).expect("the count reads")
}

/// How many customer mails are stored.
pub fn inbound_mails(daemon: &Daemon) -> i64 {
    count(daemon, "SELECT count(*) FROM messages WHERE channel = 'email' AND direction = 'inbound'")
}

/// Waits until `done` holds, failing the test after `timeout` with `what`.
pub async fn eventually(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of a header of a raw mail, unfolded.
pub fn header(raw: &[u8], name: &str) -> Option<String> {
    let parsed = mail_parser::MessageParser::default().parse(raw)?;
    parsed.header_raw(name).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The decoded text body of a raw mail.
pub fn body_text(raw: &[u8]) -> String {
    let parsed = mail_parser::MessageParser::default().parse(raw).expect("a mail");
    parsed.body_text(0).map(|t| t.into_owned()).unwrap_or_default()
}
