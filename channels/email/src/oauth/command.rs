//! Access tokens printed by a command (`oauth2ms`, `gcloud auth print-access-token`, a vault
//! client): run without a shell, under a timeout, and again when its token is due.

use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use switchboard_channel::Secret;
use tokio::process::Command;

use super::cache::{Fetched, TokenAnswer, TokenCache};
use crate::credentials::AccessTokens;

/// How long a bare token (a line without an expiry) is used before the command runs again.
const BARE_TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Most characters of the command's standard error quoted in an error.
const STDERR_EXCERPT: usize = 200;

/// Runs `token_command`; its standard output is the token, or JSON with `access_token` and
/// `expires_in`.
pub struct CommandTokens {
    program: String,
    args: Vec<String>,
    timeout: Duration,
    cache: TokenCache,
}

impl CommandTokens {
    /// `command` is split on whitespace: the program, then its arguments.
    pub fn new(command: &str, timeout: Duration) -> Result<Self, String> {
        let mut words = command.split_whitespace().map(str::to_owned);
        let program = words.next().ok_or("oauth.token_command is empty")?;
        Ok(Self { program, args: words.collect(), timeout, cache: TokenCache::default() })
    }

    async fn run(&self) -> Result<Fetched, String> {
        let name = &self.program;
        let child = Command::new(name)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A command that outlives its timeout is killed, not left behind.
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("token command {name:?} could not be started: {e}"))?;
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| format!("token command {name:?} did not finish within {} s", self.timeout.as_secs()))?
            .map_err(|e| format!("token command {name:?} failed: {e}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let excerpt: String = stderr.trim().chars().take(STDERR_EXCERPT).collect();
            return Err(format!("token command {name:?} exited with {}: {excerpt}", output.status));
        }
        // The standard output is never quoted in an error: it may be the token.
        let stdout = String::from_utf8(output.stdout)
            .map_err(|_| format!("token command {name:?} printed something that is not UTF-8"))?;
        parse_output(stdout.trim()).map_err(|e| format!("token command {name:?}: {e}"))
    }
}

/// A JSON answer, or one bare token on one line.
fn parse_output(stdout: &str) -> Result<Fetched, String> {
    if stdout.starts_with('{') {
        let answer: TokenAnswer =
            serde_json::from_str(stdout).map_err(|_| "printed JSON without a string access_token".to_owned())?;
        return answer.fetched(BARE_TOKEN_LIFETIME);
    }
    if stdout.is_empty() || stdout.contains(char::is_whitespace) {
        return Err("printed no token, or more than one word".into());
    }
    Ok(Fetched { token: Secret::new(stdout), lifetime: BARE_TOKEN_LIFETIME })
}

#[async_trait]
impl AccessTokens for CommandTokens {
    async fn token(&self) -> Result<Secret, String> {
        self.cache.get(|| self.run()).await
    }

    async fn invalidate(&self) {
        self.cache.clear().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_a_bare_token_or_json() {
        let bare = parse_output("ya29.a0Af").expect("bare");
        assert_eq!((bare.token.expose(), bare.lifetime), ("ya29.a0Af", BARE_TOKEN_LIFETIME));
        let json = parse_output(r#"{"access_token": "eyJ0", "expires_in": 3599}"#).expect("json");
        assert_eq!((json.token.expose(), json.lifetime), ("eyJ0", Duration::from_secs(3599)));
        assert!(parse_output("").is_err());
        assert!(parse_output("two words").is_err());
        assert!(parse_output(r#"{"token": "x"}"#).is_err());
    }

    #[test]
    fn an_empty_command_is_refused() {
        assert!(CommandTokens::new("  ", Duration::from_secs(1)).is_err());
    }
}
