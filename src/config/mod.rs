//! Configuration: the embedded `config/default.toml`, then an optional file, then
//! `SWITCHBOARD__SECTION__KEY` environment overrides, into typed structs that refuse unknown
//! keys. Every error names the key it is about.

mod playbook;
mod routing;
mod sections;
mod web;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use playbook::{ActionConfig, ActionPermission, IntakeQuestions, PlaybookConfig};
pub use routing::{AwayMode, FirstResponse, HoursConfig, LanguageMode, PreferredSkill, QueueConfig, RoutingConfig};
pub use sections::{ConsoleConfig, HttpConfig, LogConfig, LogFormat, OutboxConfig, StoreConfig, Synchronous};
pub use switchboard_channel::Secret;
pub use switchboard_chat::ChatConfig;
pub use web::WebConfig;

/// The defaults every deployment starts from; they run as they are.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// The whole daemon configuration.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The one HTTP listener that serves the websockets, the callback API and operations.
    #[serde(default)]
    pub http: HttpConfig,
    /// Where conversations are kept.
    #[serde(default)]
    pub store: StoreConfig,
    /// Log output.
    #[serde(default)]
    pub log: LogConfig,
    /// The customer live-chat channel.
    #[serde(default)]
    pub chat: ChatConfig,
    /// The email channel: its mailboxes.
    #[serde(default)]
    pub email: switchboard_email::EmailConfig,
    /// Phone callbacks: calling hours, retries, the do-not-call list and the dialer.
    #[serde(default)]
    pub callback: switchboard_callback::CallbackConfig,
    /// The agent console.
    #[serde(default)]
    pub console: ConsoleConfig,
    /// Delivery of agent replies over their channels.
    #[serde(default)]
    pub outbox: OutboxConfig,
    /// Offers, capacity and queues.
    #[serde(default)]
    pub routing: RoutingConfig,
    /// Classification, priority, redaction and the outbound guard.
    #[serde(default)]
    pub triage: switchboard_triage::TriageConfig,
    /// Account actions the wallet's backend takes, by name (`freeze`, `unfreeze`).
    #[serde(default)]
    pub actions: std::collections::BTreeMap<String, ActionConfig>,
    /// The automatic freeze, the identity checklist and the intake questions.
    #[serde(default)]
    pub playbook: PlaybookConfig,
    /// The console and demo pages served to browsers.
    #[serde(default)]
    pub web: WebConfig,
}

/// A configuration that could not be loaded, naming the key at fault where there is one.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Loads the defaults, then `file` if given, then the environment, and validates.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, std::env::vars())
    }

    /// [`Config::load`] with the environment passed in, so tests need not touch the process's.
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULT_TOML, config::FileFormat::Toml));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!("config file {} does not exist", path.display())));
            }
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
        }
        let env = env.into_iter().filter(|(k, _)| k.starts_with("SWITCHBOARD__")).collect();
        builder = builder.add_source(
            config::Environment::with_prefix("SWITCHBOARD")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env)),
        );
        let raw = builder.build().map_err(|e| ConfigError(key_first(&e.to_string())))?;
        let config: Config = raw.try_deserialize().map_err(|e| ConfigError(key_first(&e.to_string())))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what the types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.http.validate()?;
        self.store.validate()?;
        self.outbox.validate()?;
        self.routing.validate()?;
        self.chat.validate().map_err(ConfigError)?;
        self.email.validate().map_err(ConfigError)?;
        self.callback.validate().map_err(ConfigError)?;
        self.web.validate(!self.chat.jwt_secret.is_empty())?;
        self.console.validate()?;
        self.triage.validate().map_err(|e| ConfigError(e.to_string()))?;
        playbook::validate_actions(&self.actions)?;
        self.playbook.validate(&self.triage.categories)?;
        for (i, q) in self.routing.queues.iter().enumerate() {
            for category in &q.categories {
                if !self.triage.categories.contains(category) {
                    return Err(ConfigError(format!(
                        "routing.queues[{i}].categories: {category:?} is not one of triage.categories"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The resolved configuration as TOML with every secret masked, for `check-config`.
    pub fn to_masked_toml(&self) -> String {
        // Serializing plain config structs to TOML cannot fail: every field is a TOML type.
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# could not render: {e}"))
    }
}

/// Rewrites the loader's `MESSAGE for key `K` …` as `K: MESSAGE …`, so every error starts
/// with the key it is about, like the ones [`Config::validate`] produces.
fn key_first(message: &str) -> String {
    const MARK: &str = " for key `";
    let Some(start) = message.find(MARK) else {
        return message.to_owned();
    };
    let rest = &message[start + MARK.len()..];
    let Some(end) = rest.find('`') else {
        return message.to_owned();
    };
    format!("{}: {}{}", &rest[..end], &message[..start], &rest[end + 1..])
}

#[cfg(test)]
mod tests;
