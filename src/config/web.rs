//! `[web]`: the pages the daemon serves to browsers: the agent console at `/console`, always,
//! and the demo chat widget at `/chat-demo`, only when enabled.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[web]`
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Serve the demo chat widget at `/chat-demo` and let it sign customer tokens with
    /// `chat.jwt_secret` for whoever asks (`false`). For trying the product on one machine or
    /// a LAN: anyone who reaches the page can chat as any demo customer, so leave it off
    /// wherever real customers are served.
    #[serde(default)]
    pub chat_demo: bool,
}

impl WebConfig {
    /// The demo signs tokens with the chat's secret, so it needs one.
    pub(super) fn validate(&self, chat_secret_set: bool) -> Result<(), ConfigError> {
        if self.chat_demo && !chat_secret_set {
            return Err(ConfigError("web.chat_demo: needs chat.jwt_secret to sign demo tokens with".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn load(env: &[(&str, &str)]) -> Result<Config, crate::config::ConfigError> {
        Config::load_with_env(None, env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn the_chat_demo_is_off_by_default_and_needs_the_chat_secret() {
        assert!(!load(&[]).unwrap().web.chat_demo);
        let refused = load(&[("SWITCHBOARD__WEB__CHAT_DEMO", "true")]).unwrap_err();
        assert!(refused.0.contains("web.chat_demo"), "{refused}");
        let secret = ("SWITCHBOARD__CHAT__JWT_SECRET", "a-secret-of-at-least-32-bytes-0123456789");
        assert!(load(&[("SWITCHBOARD__WEB__CHAT_DEMO", "true"), secret]).unwrap().web.chat_demo);
    }
}
