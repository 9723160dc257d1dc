//! The `[triage]` section as the daemon reads it: TOML in, defaults for what is left out, and
//! errors that name the offending key.

use serde::Deserialize;
use switchboard_triage::{Triage, TriageConfig, TriageError};

#[derive(Deserialize)]
struct Root {
    triage: TriageConfig,
}

fn parse(text: &str) -> TriageConfig {
    toml::from_str::<Root>(text).expect("valid TOML").triage
}

#[test]
fn an_empty_section_is_the_wallet_default() {
    let config = parse("[triage]\n");
    assert_eq!(config, TriageConfig::default());
    assert!(config.outbound_guard);
    assert!(config.categories.contains(&"account_compromised".to_owned()));
    assert!(config.categories.contains(&"other".to_owned()));
    Triage::new(&config).unwrap();
}

#[test]
fn every_key_can_be_set() {
    let config = parse(
        r#"
[triage]
categories = ["payment_failed", "funds_not_received", "account_compromised", "account_locked",
              "password_reset", "refund", "international", "app_technical", "how_to",
              "account_closure", "feedback", "other", "vip"]
low_confidence = 0.5
builtin_rules = true
outbound_guard = false

[[triage.rules]]
category = "vip"
patterns = ["(?i)platinum member"]

[triage.priority]
urgent_categories = ["account_compromised"]
low_categories = ["feedback", "how_to"]
money_categories = ["refund"]
large_amount = 1000.0
exchange_rates = { usd = 7.0 }
repeat_contacts = 3
repeat_terms = ["again"]
angry_terms = ["angry"]
urgency_terms = ["asap"]
calm_terms = ["no rush"]
"#,
    );
    let triage = Triage::new(&config).unwrap();
    let d = triage.classify(&switchboard_triage::Input::new("as a platinum member I expect better"));
    assert_eq!(d.category, "vip");
    assert!(d.by_rule);
    assert!(triage.check_reply("send me your password").is_ok());
}

#[test]
fn a_bad_regex_is_reported_with_its_key() {
    let config = parse("[triage]\n[[triage.rules]]\ncategory = \"refund\"\npatterns = [\"ok\", \"[unclosed\"]\n");
    let err = Triage::new(&config).unwrap_err();
    assert!(matches!(&err, TriageError::Config(e) if e.key == "triage.rules[0].patterns[1]"), "{err}");
    assert!(err.to_string().starts_with("triage.rules[0].patterns[1]: invalid regex"), "{err}");
}

#[test]
fn unknown_keys_are_rejected_by_name() {
    let err = toml::from_str::<Root>("[triage]\nthreshold = 0.5\n").err().unwrap();
    assert!(err.to_string().contains("threshold"), "{err}");
}

#[test]
fn a_missing_model_file_names_the_path() {
    let config = parse("[triage]\nmodel = \"/nonexistent/triage.model\"\n");
    let err = Triage::new(&config).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/triage.model"), "{err}");
}
