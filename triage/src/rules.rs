//! Configured keyword/regex rules (`[[triage.rules]]`) that decide a category before the model.
//! The never-miss `account_compromised` check is the compromise detector, which runs first.

use regex::{RegexSet, RegexSetBuilder};

use crate::config::{REGEX_SIZE_LIMIT, TriageConfig};
use crate::error::ConfigError;

/// All rule patterns in one set, so a message is scanned once however many rules there are.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    /// `None` when there are no rules.
    set: Option<RegexSet>,
    /// The category of each pattern of `set`, in the order written.
    category_of: Vec<String>,
}

impl Rules {
    pub fn new(config: &TriageConfig) -> Result<Self, ConfigError> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut category_of = Vec::new();
        for rule in &config.rules {
            patterns.extend(rule.patterns.iter().map(String::as_str));
            category_of.extend(rule.patterns.iter().map(|_| rule.category.clone()));
        }
        let set = if patterns.is_empty() {
            None
        } else {
            // Each pattern was checked by `TriageConfig::validate`; a failure here is the set
            // as a whole outgrowing the size limit.
            Some(
                RegexSetBuilder::new(&patterns)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT * 8)
                    .build()
                    .map_err(|e| ConfigError::new("triage.rules", format!("rules too large: {e}")))?,
            )
        };
        Ok(Self { set, category_of })
    }

    /// The category of the first rule matching `normalized`, if any.
    pub fn first_match(&self, normalized: &str) -> Option<&str> {
        let set = self.set.as_ref()?;
        // Most messages match no rule, and `is_match` can stop early where `matches` cannot.
        if !set.is_match(normalized) {
            return None;
        }
        let first = set.matches(normalized).iter().next()?;
        Some(&self.category_of[first])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleConfig;
    use crate::text::normalize;

    #[test]
    fn configured_rules_match_in_order() {
        let config = TriageConfig {
            rules: vec![
                RuleConfig { category: "refund".into(), patterns: vec!["退款|refund".into()] },
                RuleConfig { category: "feedback".into(), patterns: vec!["refund|建议".into()] },
            ],
            ..TriageConfig::default()
        };
        let rules = Rules::new(&config).unwrap();
        assert_eq!(rules.first_match(&normalize("Refund please")), Some("refund"));
        assert_eq!(rules.first_match(&normalize("一个建议")), Some("feedback"));
        assert_eq!(rules.first_match("stolen card"), None);
    }

    #[test]
    fn no_rules_match_nothing() {
        let config = TriageConfig { builtin_rules: false, ..TriageConfig::default() };
        assert_eq!(Rules::new(&config).unwrap().first_match("stolen"), None);
    }
}
