//! The `[triage]` configuration section: categories, rules, model, thresholds, priority
//! wording and the outbound guard. An empty `[triage]` table gives the shipped defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;

use regex::RegexBuilder;
use serde::{Deserialize, Serialize};

use crate::defaults;
use crate::error::ConfigError;
use crate::terms::TermMatcher;

/// Compiled regexes may not grow past this: a pasted pathological pattern must not eat memory.
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Triage settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriageConfig {
    /// The category names decisions may carry. Every category of the model and every rule's
    /// category must be listed. Default: the wallet taxonomy (`payment_failed`,
    /// `funds_not_received`, `account_compromised`, `account_locked`, `password_reset`,
    /// `refund`, `international`, `app_technical`, `how_to`, `account_closure`, `feedback`,
    /// `other`).
    pub categories: Vec<String>,
    /// Model file written by `switchboard triage train`. Unset: the model built into the
    /// binary, trained on the bilingual wallet-support set.
    pub model: Option<PathBuf>,
    /// A decision whose confidence is below this is flagged `low_confidence`, and routing sends
    /// it to the general queue instead of trusting the guess. 0 to 1; default 0.35.
    pub low_confidence: f32,
    /// Run the compromise detector before the rules and the model: signs in either language
    /// that someone else is acting on the account (stolen / hacked / 被盗, a login from a
    /// device the customer does not have, transactions they deny, a security change they did
    /// not make, a plea to freeze, a screen-share scam …) file the message under
    /// `account_compromised`. Default true; it needs `account_compromised` among the categories.
    pub builtin_rules: bool,
    /// Extra rules, checked after the built-in ones in order; the first match decides the
    /// category with confidence 1.
    pub rules: Vec<RuleConfig>,
    /// How priority is decided.
    pub priority: PriorityConfig,
    /// Refuse agent replies that ask the customer for a seed phrase, private key, password or
    /// SMS code. Default true.
    pub outbound_guard: bool,
}

impl Default for TriageConfig {
    fn default() -> Self {
        Self {
            categories: strings(defaults::CATEGORIES),
            model: None,
            low_confidence: 0.35,
            builtin_rules: true,
            rules: Vec::new(),
            priority: PriorityConfig::default(),
            outbound_guard: true,
        }
    }
}

/// A rule: any of its patterns matching files the message under its category.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The category a match files the message under.
    pub category: String,
    /// Regular expressions (Rust `regex` syntax), matched case-insensitively against the
    /// subject and body with Traditional Chinese mapped to Simplified and full-width letters
    /// folded, so write them in lower case and Simplified Chinese.
    pub patterns: Vec<String>,
}

/// How priority is raised and lowered. `account_compromised` (any of `urgent_categories`) is
/// always urgent; otherwise a category starts at normal (low for `low_categories`) and each
/// kind of signal found raises it one step, up to high: a large amount in a money category,
/// a repeated contact, angry wording, time pressure. Calm wording lowers it one step.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorityConfig {
    /// Categories that are always urgent. Default `["account_compromised"]`.
    pub urgent_categories: Vec<String>,
    /// Categories that start at low priority. Default `["feedback"]`.
    pub low_categories: Vec<String>,
    /// Categories where a large amount raises the priority. Default: `payment_failed`,
    /// `funds_not_received`, `refund`, `international`, `account_locked`.
    pub money_categories: Vec<String>,
    /// An amount at or above this, in CNY after conversion with `exchange_rates`, is large.
    /// Default 5000.
    pub large_amount: f64,
    /// CNY per unit of other currencies (lower-case ISO codes), for comparing amounts written
    /// in them. Default: rough rates for USD, EUR, GBP, HKD, JPY, KRW, SGD, AUD, CAD.
    pub exchange_rates: BTreeMap<String, f64>,
    /// Earlier contacts (`Input::prior_contacts`) at or above this count as a repeated contact.
    /// Default 2.
    pub repeat_contacts: u32,
    /// Hours back in which a customer's earlier conversations count as contacts. Default 168
    /// (a week).
    pub repeat_window_h: u32,
    /// Wording that says the customer has written before ("third time", "第三次", "again").
    pub repeat_terms: Vec<String>,
    /// Angry wording ("ridiculous", "投诉", "气死", "!!!").
    pub angry_terms: Vec<String>,
    /// Time pressure ("asap", "rent", "马上", "急").
    pub urgency_terms: Vec<String>,
    /// Wording that lowers the priority ("not urgent", "just curious", "不急").
    pub calm_terms: Vec<String>,
}

impl Default for PriorityConfig {
    fn default() -> Self {
        Self {
            urgent_categories: vec![defaults::COMPROMISED.to_owned()],
            low_categories: strings(defaults::LOW_CATEGORIES),
            money_categories: strings(defaults::MONEY_CATEGORIES),
            large_amount: 5000.0,
            exchange_rates: defaults::EXCHANGE_RATES.iter().map(|&(c, r)| (c.to_owned(), r)).collect(),
            repeat_contacts: 2,
            repeat_window_h: 168,
            repeat_terms: strings(defaults::REPEAT_TERMS),
            angry_terms: strings(defaults::ANGRY_TERMS),
            urgency_terms: strings(defaults::URGENCY_TERMS),
            calm_terms: strings(defaults::CALM_TERMS),
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|&s| s.to_owned()).collect()
}

impl TriageConfig {
    /// Checks everything that can be checked without reading files; the error names the
    /// offending key, e.g. `triage.rules[2].patterns[0]: invalid regex …`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.categories.is_empty() {
            return Err(ConfigError::new("triage.categories", "must list at least one category"));
        }
        for (i, name) in self.categories.iter().enumerate() {
            if name.trim().is_empty() || name.trim() != name {
                return Err(ConfigError::new(
                    format!("triage.categories[{i}]"),
                    "must be a non-empty name without surrounding spaces",
                ));
            }
            if self.categories[..i].contains(name) {
                return Err(ConfigError::new(format!("triage.categories[{i}]"), format!("`{name}` is listed twice")));
            }
        }
        if !(0.0..=1.0).contains(&self.low_confidence) {
            return Err(ConfigError::new("triage.low_confidence", "must be between 0 and 1"));
        }
        if self.builtin_rules {
            self.check_category("triage.builtin_rules", defaults::COMPROMISED)?;
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let key = format!("triage.rules[{i}]");
            self.check_category(&format!("{key}.category"), &rule.category)?;
            if rule.patterns.is_empty() {
                return Err(ConfigError::new(format!("{key}.patterns"), "must list at least one pattern"));
            }
            for (j, pattern) in rule.patterns.iter().enumerate() {
                compile_rule_pattern(pattern)
                    .map_err(|e| ConfigError::new(format!("{key}.patterns[{j}]"), format!("invalid regex: {e}")))?;
            }
        }
        self.priority.validate(self)
    }

    /// A category-valued key must name one of `categories`.
    fn check_category(&self, key: &str, category: &str) -> Result<(), ConfigError> {
        if self.categories.iter().any(|c| c == category) {
            Ok(())
        } else {
            Err(ConfigError::new(key, format!("category `{category}` is not in triage.categories")))
        }
    }
}

impl PriorityConfig {
    fn validate(&self, config: &TriageConfig) -> Result<(), ConfigError> {
        let lists = [
            ("urgent_categories", &self.urgent_categories),
            ("low_categories", &self.low_categories),
            ("money_categories", &self.money_categories),
        ];
        for (name, list) in lists {
            for (i, category) in list.iter().enumerate() {
                config.check_category(&format!("triage.priority.{name}[{i}]"), category)?;
            }
        }
        if !(self.large_amount.is_finite() && self.large_amount >= 0.0) {
            return Err(ConfigError::new("triage.priority.large_amount", "must be a number, 0 or more"));
        }
        for (currency, rate) in &self.exchange_rates {
            if !(rate.is_finite() && *rate > 0.0) {
                return Err(ConfigError::new(format!("triage.priority.exchange_rates.{currency}"), "must be above 0"));
            }
        }
        let terms = [
            ("repeat_terms", &self.repeat_terms),
            ("angry_terms", &self.angry_terms),
            ("urgency_terms", &self.urgency_terms),
            ("calm_terms", &self.calm_terms),
        ];
        for (name, list) in terms {
            TermMatcher::new(list).map_err(|e| ConfigError::new(format!("triage.priority.{name}"), e.to_string()))?;
        }
        Ok(())
    }
}

/// Compiles a rule pattern the way rules are matched: case-insensitive, size-limited.
pub(crate) fn compile_rule_pattern(pattern: &str) -> Result<regex::Regex, regex::Error> {
    RegexBuilder::new(pattern).case_insensitive(true).size_limit(REGEX_SIZE_LIMIT).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<TriageConfig, String> {
        #[derive(Deserialize)]
        struct Root {
            triage: TriageConfig,
        }
        toml::from_str::<Root>(toml_text).map(|r| r.triage).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_table_gives_valid_defaults() {
        let config = parse("[triage]").unwrap();
        assert_eq!(config, TriageConfig::default());
        assert!(config.categories.iter().any(|c| c == "other"));
        assert!(config.outbound_guard && config.builtin_rules);
        config.validate().unwrap();
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(parse("[triage]\nlow_confidense = 0.2").unwrap_err().contains("low_confidense"));
        assert!(parse("[triage.priority]\nlarge = 1").unwrap_err().contains("large"));
    }

    #[test]
    fn invalid_regex_names_the_rule() {
        let config = parse(
            "[triage]\n[[triage.rules]]\ncategory = \"refund\"\npatterns = [\"refund\"]\n\
             [[triage.rules]]\ncategory = \"refund\"\npatterns = [\"ok\", \"(unclosed\"]",
        )
        .unwrap();
        let err = config.validate().unwrap_err();
        assert_eq!(err.key, "triage.rules[1].patterns[1]");
        assert!(err.to_string().starts_with("triage.rules[1].patterns[1]: invalid regex"), "{err}");
    }

    #[test]
    fn rule_category_must_exist() {
        let config = parse("[triage]\n[[triage.rules]]\ncategory = \"nope\"\npatterns = [\"x\"]").unwrap();
        assert_eq!(config.validate().unwrap_err().key, "triage.rules[0].category");
    }

    #[test]
    fn builtin_rules_need_their_category() {
        let config = parse("[triage]\ncategories = [\"a\", \"b\"]").unwrap();
        assert_eq!(config.validate().unwrap_err().key, "triage.builtin_rules");
        let config = parse("[triage]\ncategories = [\"a\", \"b\"]\nbuiltin_rules = false\n[triage.priority]\nurgent_categories = []\nlow_categories = []\nmoney_categories = []").unwrap();
        config.validate().unwrap();
    }

    #[test]
    fn numbers_are_range_checked() {
        let config = parse("[triage]\nlow_confidence = 1.5").unwrap();
        assert_eq!(config.validate().unwrap_err().key, "triage.low_confidence");
        let config = parse("[triage.priority.exchange_rates]\nusd = 0").unwrap();
        assert_eq!(config.validate().unwrap_err().key, "triage.priority.exchange_rates.usd");
    }

    #[test]
    fn duplicate_categories_are_rejected() {
        let config = parse("[triage]\ncategories = [\"a\", \"account_compromised\", \"a\"]").unwrap();
        assert_eq!(config.validate().unwrap_err().key, "triage.categories[2]");
    }
}
