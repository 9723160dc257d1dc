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
