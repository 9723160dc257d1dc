//! Keyword/regex rules that decide a category before the model: for the few cases that must
//! never be missed.

use regex::{RegexSet, RegexSetBuilder};

use crate::config::{REGEX_SIZE_LIMIT, TriageConfig};
use crate::defaults;
use crate::error::ConfigError;

/// All rule patterns in one set, so a message is scanned once however many rules there are.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    /// `None` when there are no rules.
    set: Option<RegexSet>,
    /// The category of each pattern of `set`, in order: built-in rules first, then configured
    /// rules in the order written.
    category_of: Vec<String>,
}

impl Rules {
    pub fn new(config: &TriageConfig) -> Result<Self, ConfigError> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut category_of = Vec::new();
        if config.builtin_rules {
            patterns.extend_from_slice(defaults::COMPROMISED_PATTERNS);
            category_of.extend(defaults::COMPROMISED_PATTERNS.iter().map(|_| defaults::COMPROMISED.to_owned()));
        }
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

    fn builtin() -> Rules {
        Rules::new(&TriageConfig::default()).unwrap()
    }

    fn hit(text: &str) -> Option<String> {
        builtin().first_match(&normalize(text)).map(str::to_owned)
    }

    #[test]
    fn never_miss_rules_catch_theft_in_both_languages() {
        for text in [
            "my phone was stolen, lock my wallet",
            "Someone logged into my account from another city",
            "there are 4 transactions I never made",
            "I did not authorize this payment",
            "URGENT my account was hacked",
            "I think I got phished",
            "我的账户被盗了",
            "帳戶被人盜用",
            "账单里多了三笔，是不是被盗刷了",
            "有人改了我的绑定手机号",
            "把验证码告诉他了，现在余额没了",
            "收到异地登录提醒",
            "手机丢了，钱包还登录着",
        ] {
            assert_eq!(hit(text).as_deref(), Some("account_compromised"), "{text}");
        }
    }

    #[test]
    fn ordinary_messages_do_not_trigger() {
        for text in [
            "my payment failed twice today",
            "how do I change my password",
            "账户被冻结了，请帮我解冻",
            "退款什么时候到账",
            "the app crashes on start",
        ] {
            assert_eq!(hit(text), None, "{text}");
        }
    }

    #[test]
    fn configured_rules_come_after_builtin_ones() {
        let config = TriageConfig {
            rules: vec![RuleConfig { category: "refund".into(), patterns: vec!["退款|refund".into()] }],
            ..TriageConfig::default()
        };
        let rules = Rules::new(&config).unwrap();
        assert_eq!(rules.first_match("refund please"), Some("refund"));
        assert_eq!(rules.first_match("stolen card, refund please"), Some("account_compromised"));
    }

    #[test]
    fn no_rules_match_nothing() {
        let config = TriageConfig { builtin_rules: false, ..TriageConfig::default() };
        assert_eq!(Rules::new(&config).unwrap().first_match("stolen"), None);
    }
}
