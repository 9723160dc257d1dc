//! What an IMAP or SMTP client logs in with: a password, or an OAuth 2.0 access token from a
//! source that refreshes it (Microsoft 365 and Google Workspace take no passwords).

use std::sync::Arc;

use async_trait::async_trait;
use switchboard_channel::Secret;

/// Hands out a currently valid access token.
#[async_trait]
pub trait AccessTokens: Send + Sync + 'static {
    /// A token valid for at least the next minute; `Err` says why none could be had.
    async fn token(&self) -> Result<Secret, String>;

    /// Forgets the cached token, so the next [`AccessTokens::token`] fetches a fresh one (after
    /// the server refused the last).
    async fn invalidate(&self) {}
}

/// The login of one account.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub secret: LoginSecret,
}

/// The secret half of a login.
#[derive(Clone)]
pub enum LoginSecret {
    Password(Secret),
    /// `AUTHENTICATE XOAUTH2` with a token from the source.
    OAuth(Arc<dyn AccessTokens>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.secret {
            LoginSecret::Password(_) => "password",
            LoginSecret::OAuth(_) => "xoauth2",
        };
        f.debug_struct("Credentials").field("username", &self.username).field("secret", &kind).finish()
    }
}

/// The SASL XOAUTH2 initial response (before base64): `user=…^Aauth=Bearer …^A^A`.
pub fn xoauth2_response(username: &str, token: &Secret) -> String {
    format!("user={username}\x01auth=Bearer {}\x01\x01", token.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoauth2_response_has_the_sasl_shape() {
        assert_eq!(
            xoauth2_response("a@example.com", &Secret::new("tok")),
            "user=a@example.com\u{1}auth=Bearer tok\u{1}\u{1}"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Credentials { username: "a".into(), secret: LoginSecret::Password(Secret::new("hunter2")) };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
