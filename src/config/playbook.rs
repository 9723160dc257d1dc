//! `[actions.NAME]` and `[playbook]`: account actions the wallet's backend takes on an agent's
//! word (a freeze, an unfreeze), who may ask for them, the automatic freeze, the identity
//! checklist and the intake questions. Their defaults ship in `config/default.toml`, so a
//! file that sets one key of a table keeps the others.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ConfigError, Secret};

/// Shortest HMAC key accepted: a key is as strong as its bytes.
const MIN_SECRET_BYTES: usize = 32;
/// Most retries configurable: nothing calls the backend without end.
const MAX_RETRIES: u32 = 50;
/// Most checks or questions in one list, and longest text of each.
const MAX_LIST: usize = 20;
const MAX_TEXT_CHARS: usize = 500;

/// Who may ask for an account action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionPermission {
    /// Any agent who may act on the conversation.
    Agent,
    /// An agent once the customer's identity is verified on the conversation, or a supervisor.
    #[default]
    Verified,
    /// Supervisors only.
    Supervisor,
}

/// `[actions.NAME]`: one action the wallet's backend takes, asked by a signed `POST`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActionConfig {
    /// Where the action is asked for (`https://wallet.internal/support/freeze`). Empty: the
    /// action is unavailable and refused with that reason.
    #[serde(default)]
    pub url: String,
    /// The HMAC-SHA256 key that signs requests, at least 32 bytes; set it from the environment
    /// (`SWITCHBOARD__ACTIONS__FREEZE__SECRET`). Empty: the action is unavailable, never sent
    /// unsigned.
    #[serde(default)]
    pub secret: Secret,
    /// Seconds one call may take.
    #[serde(default = "ActionConfig::default_timeout")]
    pub timeout_s: u64,
    /// Retries of a call that failed transiently (connection, timeout, 5xx, 429), each with
    /// the same idempotency key; then the action is failed and the agent told.
    #[serde(default = "ActionConfig::default_retries")]
    pub retries: u32,
    /// Wait before the first retry, in milliseconds; each later one doubles, with jitter.
    #[serde(default = "ActionConfig::default_backoff")]
    pub initial_backoff_ms: u64,
    /// Longest wait between retries, in milliseconds.
    #[serde(default = "ActionConfig::default_max_backoff")]
    pub max_backoff_ms: u64,
    /// Who may ask: `agent`, `verified` (identity verified on the conversation, or a
    /// supervisor) or `supervisor`.
    #[serde(default)]
    pub allowed: ActionPermission,
}

impl ActionConfig {
    const fn default_timeout() -> u64 {
        5
    }
    const fn default_retries() -> u32 {
        8
    }
    const fn default_backoff() -> u64 {
        1_000
    }
    const fn default_max_backoff() -> u64 {
        60_000
    }

    /// Why the action cannot be sent, if it cannot: what the agent is told.
    pub fn unavailable(&self) -> Option<&'static str> {
        if self.url.is_empty() {
            Some("no backend URL is configured for it")
        } else if self.secret.is_empty() {
            Some("no signing secret is configured for it, and it is never sent unsigned")
        } else {
            None
        }
    }

    fn validate(&self, name: &str) -> Result<(), ConfigError> {
        let key = |k: &str| format!("actions.{name}.{k}");
        if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') || name.is_empty() {
            return Err(ConfigError(format!("actions.{name}: an action's name is lower-case letters, digits and _")));
        }
        if !(self.url.is_empty() || self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return Err(ConfigError(format!("{}: must be an http:// or https:// URL", key("url"))));
        }
        if !self.secret.is_empty() && self.secret.expose().len() < MIN_SECRET_BYTES {
            return Err(ConfigError(format!("{}: must be at least {MIN_SECRET_BYTES} bytes long", key("secret"))));
        }
        if self.timeout_s == 0 {
            return Err(ConfigError(format!("{}: must be at least 1", key("timeout_s"))));
        }
        if self.retries > MAX_RETRIES {
            return Err(ConfigError(format!("{}: at most {MAX_RETRIES}", key("retries"))));
        }
        if self.initial_backoff_ms == 0 || self.max_backoff_ms < self.initial_backoff_ms {
            return Err(ConfigError(format!(
                "{}: must be at least 1 and at most {}",
                key("initial_backoff_ms"),
                key("max_backoff_ms")
            )));
        }
        Ok(())
    }
}

/// Intake questions of one category, in each language the customer may write.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeQuestions {
    /// For customers writing Chinese.
    #[serde(default)]
    pub zh: Vec<String>,
    /// For everyone else.
    #[serde(default)]
    pub en: Vec<String>,
}

/// `[playbook]`
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookConfig {
    /// Freeze the account at once, without an agent, when the compromise detector fires on a
    /// message from an authenticated app user (chat, or a callback asked from the app); the
    /// agents of the conversation are told. Never on email, which anyone can forge.
    #[serde(default)]
    pub auto_freeze: bool,
    /// The identity checks agents may tick: id to the label the console shows.
    #[serde(default)]
    pub checks: BTreeMap<String, String>,
    /// Which checks verify identity on a conversation of a category (all of them must
    /// match); `default` for every category not listed.
    #[serde(default)]
    pub verification: BTreeMap<String, Vec<String>>,
    /// Questions the system asks a chat customer of a category while they wait for an agent.
    #[serde(default)]
    pub intake: BTreeMap<String, IntakeQuestions>,
}

impl PlaybookConfig {
    /// The checks that verify identity on a conversation of `category`.
    pub fn checks_for(&self, category: Option<&str>) -> &[String] {
        category
            .and_then(|c| self.verification.get(c))
            .or_else(|| self.verification.get("default"))
            .map_or(&[], Vec::as_slice)
    }

    /// Checks what the types cannot, against the triage categories.
    pub(super) fn validate(&self, categories: &[String]) -> Result<(), ConfigError> {
        for (id, label) in &self.checks {
            if label.trim().is_empty() || label.chars().count() > MAX_TEXT_CHARS {
                return Err(ConfigError(format!("playbook.checks.{id}: a label of 1 to {MAX_TEXT_CHARS} characters")));
            }
        }
        for (category, ids) in &self.verification {
            let key = format!("playbook.verification.{category}");
            if category != "default" && !categories.contains(category) {
                return Err(ConfigError(format!("{key}: {category:?} is not one of triage.categories")));
            }
            if ids.is_empty() || ids.len() > MAX_LIST {
                return Err(ConfigError(format!("{key}: 1 to {MAX_LIST} checks")));
            }
            if let Some(unknown) = ids.iter().find(|id| !self.checks.contains_key(*id)) {
                return Err(ConfigError(format!("{key}: {unknown:?} is not one of playbook.checks")));
            }
        }
        for (category, questions) in &self.intake {
            let key = format!("playbook.intake.{category}");
            if !categories.contains(category) {
                return Err(ConfigError(format!("{key}: {category:?} is not one of triage.categories")));
            }
            for (lang, list) in [("zh", &questions.zh), ("en", &questions.en)] {
                if list.len() > MAX_LIST
                    || list.iter().any(|q| q.trim().is_empty() || q.chars().count() > MAX_TEXT_CHARS)
                {
                    return Err(ConfigError(format!(
                        "{key}.{lang}: at most {MAX_LIST} questions of 1 to {MAX_TEXT_CHARS} characters"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Validates every `[actions.NAME]` table.
pub(super) fn validate_actions(actions: &BTreeMap<String, ActionConfig>) -> Result<(), ConfigError> {
    actions.iter().try_for_each(|(name, action)| action.validate(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(change: fn(&mut ActionConfig)) -> ActionConfig {
        let mut a: ActionConfig = toml::from_str("url = \"https://wallet.example/freeze\"").unwrap();
        change(&mut a);
        a
    }

    #[test]
    fn an_action_without_url_or_secret_is_unavailable_and_a_short_secret_refused() {
        assert!(action(|_| {}).unavailable().unwrap().contains("never sent unsigned"));
        assert!(action(|a| a.url.clear()).unavailable().unwrap().contains("URL"));
        let signed = action(|a| a.secret = Secret::new("k".repeat(32)));
        assert_eq!(signed.unavailable(), None);
        assert!(signed.validate("freeze").is_ok());
        let short = action(|a| a.secret = Secret::new("short"));
        assert!(short.validate("freeze").unwrap_err().0.starts_with("actions.freeze.secret:"));
        assert!(action(|_| {}).validate("Freeze!").is_err());
        assert_eq!(action(|_| {}).allowed, ActionPermission::Verified, "a new action is guarded by default");
    }

    #[test]
    fn checklists_name_known_checks_and_categories() {
        let categories = vec!["refund".to_owned(), "account_locked".to_owned()];
        let config: PlaybookConfig = toml::from_str(
            "[checks]\nphone = \"Registered phone\"\n[verification]\ndefault = [\"phone\"]\n\
             account_locked = [\"phone\"]\n[intake.refund]\nen = [\"Order number?\"]",
        )
        .unwrap();
        assert!(config.validate(&categories).is_ok());
        assert_eq!(config.checks_for(Some("refund")), ["phone"]);
        assert_eq!(config.checks_for(None), ["phone"]);
        let mut bad = config.clone();
        bad.verification.insert("refund".into(), vec!["dna".into()]);
        assert!(bad.validate(&categories).unwrap_err().0.starts_with("playbook.verification.refund:"));
        let mut bad = config;
        bad.intake.insert("weather".into(), IntakeQuestions::default());
        assert!(bad.validate(&categories).unwrap_err().0.starts_with("playbook.intake.weather:"));
    }
}
