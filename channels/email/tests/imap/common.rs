//! Starting the private Dovecot and pointing a client at it.

use std::sync::Arc;
use std::time::Duration;

use switchboard_channel::Secret;
use switchboard_email::{Credentials, ImapClient, ImapEndpoint, LoginSecret, TlsMode};
use switchboard_mailservers::Dovecot;

/// The private Dovecot, or `None` (with a note from the harness) when it cannot run here.
pub fn dovecot() -> Option<Arc<Dovecot>> {
    Dovecot::start().expect("the private Dovecot did not start").map(Arc::new)
}

/// Plain IMAP on 127.0.0.1:`port` as the Dovecot's user.
pub fn endpoint(dovecot: &Dovecot, port: u16) -> ImapEndpoint {
    let mut endpoint = endpoint_at(port);
    endpoint.credentials = Credentials {
        username: dovecot.username().into(),
        secret: LoginSecret::Password(Secret::new(dovecot.password())),
    };
    endpoint
}

/// Plain IMAP on 127.0.0.1:`port` as a user no server knows, with short timeouts so a hang
/// fails the test quickly.
pub fn endpoint_at(port: u16) -> ImapEndpoint {
    ImapEndpoint {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        ca_file: None,
        credentials: Credentials { username: "nobody".into(), secret: LoginSecret::Password(Secret::new("x")) },
        command_timeout: Duration::from_secs(10),
        fetch_timeout: Duration::from_secs(20),
    }
}

pub async fn connect(dovecot: &Dovecot) -> ImapClient {
    ImapClient::connect(&endpoint(dovecot, dovecot.port())).await.expect("connect and log in")
}

/// A small mail with 8-bit bytes in it, so a fetch that is not byte-exact shows.
pub fn mail(n: usize) -> Vec<u8> {
    let mut raw = format!(
        "From: customer{n}@example.org\r\nTo: support@example.com\r\nSubject: Question {n}\r\n\
         Message-ID: <q{n}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\nHello, question {n}: "
    )
    .into_bytes();
    raw.extend_from_slice("ça coûte 5 € ?\r\n".as_bytes());
    raw
}

/// Runs blocking harness calls off the runtime's threads.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

/// Whether the message with `uid` in `flags` has `flag`.
pub fn has_flag(flags: &[(u32, Vec<String>)], uid: u32, flag: &str) -> bool {
    flags.iter().any(|(u, fs)| *u == uid && fs.iter().any(|f| f == flag))
}
