//! Where XOAUTH2 access tokens come from: a command that prints one ([`CommandTokens`]) or a
//! refresh token exchanged at the provider's token endpoint ([`RefreshTokens`]). Both keep the
//! token they got and fetch a new one only shortly before it expires, once for all callers.

mod cache;
mod command;
mod refresh;

use std::sync::Arc;
use std::time::Duration;

pub use command::CommandTokens;
pub use refresh::RefreshTokens;

use crate::config::OAuthConfig;
use crate::credentials::AccessTokens;

/// Longest a token command may run, or a token endpoint take to answer.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The token source an `oauth` table configures: exactly one of `token_command` and
/// `token_url` must be set. Errors name the key relative to the table (`oauth.token_url`);
/// the caller puts the section in front (`email.mailboxes[].smtp.`).
pub fn token_source(cfg: &OAuthConfig) -> Result<Arc<dyn AccessTokens>, String> {
    match (&cfg.token_command, &cfg.token_url) {
        (Some(command), None) => Ok(Arc::new(CommandTokens::new(command, FETCH_TIMEOUT)?)),
        (None, Some(_)) => Ok(Arc::new(RefreshTokens::new(cfg, FETCH_TIMEOUT)?)),
        (Some(_), Some(_)) => Err("oauth.token_command and oauth.token_url are both set: set one".into()),
        (None, None) => Err("oauth.token_command or oauth.token_url is required for auth = \"xoauth2\"".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_source_is_configured() {
        let both = OAuthConfig {
            token_command: Some("print-token".into()),
            token_url: Some("https://login.example/token".into()),
            ..OAuthConfig::default()
        };
        let err = token_source(&both).err().expect("refused");
        assert!(err.contains("oauth.token_command") && err.contains("oauth.token_url"), "{err}");
        let err = token_source(&OAuthConfig::default()).err().expect("refused");
        assert!(err.contains("oauth.token_url"), "{err}");
        let command = OAuthConfig { token_command: Some("print-token --user a".into()), ..OAuthConfig::default() };
        assert!(token_source(&command).is_ok());
    }
}
