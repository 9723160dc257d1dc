//! What went wrong talking to an IMAP server, worded for the log and `/readyz`.

/// An IMAP failure. Only [`ImapError::Refused`] leaves the client usable (the server answered
/// and the conversation is in step); after any other error every later call returns
/// [`ImapError::Closed`], and the caller drops the client and connects again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImapError {
    /// The TCP connection could not be made, or the server turned it away in its greeting.
    #[error("cannot connect to the IMAP server: {0}")]
    Connect(String),
    /// TLS could not be set up: the CA file, the handshake, or a server without STARTTLS.
    #[error("IMAP TLS: {0}")]
    Tls(String),
    /// The server refused the credentials, or no access token could be had for them.
    #[error("IMAP login failed: {0}")]
    Login(String),
    /// The named step got no complete answer in time.
    #[error("IMAP {0} timed out")]
    Timeout(&'static str),
    /// The server answered the command with NO or BAD (a folder that does not exist, say).
    #[error("IMAP {command} refused: {reason}")]
    Refused { command: &'static str, reason: String },
    /// The server's answer made no sense, or lacked something it must carry.
    #[error("IMAP protocol error: {0}")]
    Protocol(String),
    /// The connection ended or broke, or an earlier failure left it out of step.
    #[error("IMAP connection closed: {0}")]
    Closed(String),
}

impl ImapError {
    /// The error of a command, from async-imap's.
    pub(super) fn of_command(command: &'static str, error: async_imap::error::Error) -> ImapError {
        use async_imap::error::Error;
        match error {
            Error::No(reason) | Error::Bad(reason) => ImapError::Refused { command, reason: server_text(&reason) },
            Error::Io(error) => ImapError::Closed(format!("{command}: {error}")),
            Error::ConnectionLost => ImapError::Closed(format!("{command}: the server closed the connection")),
            other => ImapError::Protocol(format!("{command}: {other}")),
        }
    }
}

/// What the server said in a NO or BAD. async-imap words these `code: Some(..), info:
/// Some("text")`; the text (which carries any `[CODE]` Dovecot and others put first) is what a
/// reader needs.
pub(super) fn server_text(reason: &str) -> String {
    match reason.split_once("info: Some(\"") {
        Some((_, text)) => text.strip_suffix("\")").unwrap_or(text).replace("\\\"", "\""),
        None => reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_text_is_taken_out_of_async_imaps_wording() {
        assert_eq!(
            server_text(r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(server_text(r#"code: Some(Alert), info: Some("say \"hi\"")"#), r#"say "hi""#);
        assert_eq!(server_text("code: None, info: None"), "code: None, info: None");
    }
}
