//! Logging in on an opened connection: `LOGIN` with a password, or `AUTHENTICATE XOAUTH2` with
//! an access token from the account's token source.

use std::time::Duration;

use async_imap::{Authenticator, Client, Session};
use tokio::time::timeout;

use super::ImapError;
use super::error::server_text;
use super::stream::MailStream;
use crate::{Credentials, LoginSecret, xoauth2_response};

/// Logs in, each step (getting a token, the login command) within `limit`.
pub(crate) async fn log_in(
    stream: MailStream,
    credentials: &Credentials,
    limit: Duration,
) -> Result<Session<MailStream>, ImapError> {
    let client = Client::new(stream);
    let user = credentials.username.as_str();
    let outcome = match &credentials.secret {
        LoginSecret::Password(password) => {
            tracing::debug!(user, method = "LOGIN", "imap login");
            timeout(limit, client.login(user, password.expose())).await
        }
        LoginSecret::OAuth(tokens) => {
            let token = timeout(limit, tokens.token())
                .await
                .map_err(|_| ImapError::Timeout("access token"))?
                .map_err(|reason| ImapError::Login(format!("no access token for {user}: {reason}")))?;
            tracing::debug!(user, method = "XOAUTH2", "imap login");
            let response = XOAuth2 { response: Some(xoauth2_response(user, &token)) };
            timeout(limit, client.authenticate("XOAUTH2", response)).await
        }
    };
    match outcome {
        Err(_) => Err(ImapError::Timeout("login")),
        Ok(Ok(session)) => Ok(session),
        Ok(Err((error, _client))) => Err(login_error(user, error)),
    }
}

fn login_error(user: &str, error: async_imap::error::Error) -> ImapError {
    use async_imap::error::Error;
    match error {
        Error::No(reason) | Error::Bad(reason) => {
            ImapError::Login(format!("the server refused {user}: {}", server_text(&reason)))
        }
        // async-imap checks the quoted strings before sending; the message names the character
        // only, never the secret.
        Error::Validate(invalid) => ImapError::Login(format!("the username or password cannot be sent: {invalid}")),
        other => ImapError::of_command("login", other),
    }
}

/// The XOAUTH2 exchange: the initial response once; to the server's error challenge (a JSON
/// status, RFC 7628 §3.2.2) an empty line, after which it answers NO.
struct XOAuth2 {
    response: Option<String>,
}

impl Authenticator for XOAuth2 {
    type Response = String;

    fn process(&mut self, challenge: &[u8]) -> String {
        match self.response.take() {
            Some(response) => response,
            None => {
                tracing::debug!(challenge = %String::from_utf8_lossy(challenge), "imap XOAUTH2 refused");
                String::new()
            }
        }
    }
}
