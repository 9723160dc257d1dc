//! The classifier through the public API: never-miss rules, recall of `account_compromised` on
//! a held-out part of the bilingual set, language detection, quoted history, priority.

use std::path::{Path, PathBuf};

use switchboard_triage::cli::{self, Holdout};
use switchboard_triage::dataset;
use switchboard_triage::{
    Channel, Input, Language, Priority, Triage, TriageConfig, detect_language, strip_quoted_history,
};

fn wallet_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/wallet-intents/public.jsonl")
}

fn default_triage() -> Triage {
    Triage::new(&TriageConfig::default()).expect("the default configuration is valid")
}

#[test]
fn triage_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Triage>();
}

/// Every stolen-account example is filed as one, urgent, and at least 95% of all are right.
fn assert_never_misses_a_theft(triage: &Triage, held_out: &[dataset::Example]) {
    let mut correct = 0;
    for example in held_out {
        let input = Input {
            subject: example.subject.as_deref(),
            body: &example.text,
            channel: example.channel,
            prior_contacts: 0,
        };
        let decision = triage.classify(&input);
        if example.category == "account_compromised" {
            assert_eq!(decision.category, "account_compromised", "missed: {}", example.text);
            assert_eq!(decision.priority, Priority::Urgent, "{}", example.text);
        }
        correct += usize::from(decision.category == example.category);
    }
    let accuracy = correct as f64 / held_out.len() as f64;
    assert!(accuracy >= 0.95, "held-out accuracy {accuracy}");
}

#[test]
fn compromised_recall_is_complete_on_the_held_out_fifth() {
    let holdout = Holdout { fraction: 0.2, seed: 42 };
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("wallet.model");
    cli::train(&[wallet_data()], &model, Some(holdout), &mut std::io::sink()).unwrap();
    let triage = Triage::new(&TriageConfig { model: Some(model), ..TriageConfig::default() }).unwrap();
    let (_, held_out) = dataset::split(&dataset::load(&wallet_data()).unwrap(), holdout.fraction, holdout.seed);
    assert_never_misses_a_theft(&triage, &held_out);
}

#[test]
fn the_built_in_model_passes_the_own_held_out_set() {
    let held_out = dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/wallet-holdout.jsonl")).unwrap();
    let triage = default_triage();
    assert_never_misses_a_theft(&triage, &held_out);
}

#[test]
fn theft_is_caught_by_rules_in_both_languages_and_scripts() {
    let triage = default_triage();
    for text in [
        "my phone was stolen and the wallet is logged in",
        "There are transactions I did not make on my account",
        "unauthorized transfer of ¥5,000",
        "账号被盗了",
        "帳號被盜了，快幫我凍結",
        "有一笔不是我操作的转账",
        "收到异地登录提醒",
    ] {
        let d = triage.classify(&Input::new(text));
        assert_eq!(d.category, "account_compromised", "{text}");
        assert!(d.by_rule, "{text}");
        assert_eq!(d.priority, Priority::Urgent, "{text}");
    }
}

#[test]
fn ordinary_messages_go_to_their_categories() {
    let triage = default_triage();
    for (text, category) in [
        ("我想注销我的账户", "account_closure"),
        ("How do I close my account?", "account_closure"),
        ("付款一直失败，换了卡也不行", "payment_failed"),
        ("the app crashes every time I open it", "app_technical"),
        ("退款申请一个星期了还没到账", "refund"),
    ] {
        assert_eq!(triage.classify(&Input::new(text)).category, category, "{text}");
    }
}

#[test]
fn language_detection_counts_traditional_chinese_as_chinese() {
    assert_eq!(detect_language("我的帳戶被凍結了，請幫我處理"), Language::Zh);
    assert_eq!(detect_language("我的账户被冻结了，请帮我处理"), Language::Zh);
    assert_eq!(detect_language("my account is frozen, please help"), Language::En);
    assert_eq!(detect_language("我的payment一直failed"), Language::Zh);
    assert_eq!(detect_language("口座が凍結されました"), Language::Other);
    let triage = default_triage();
    assert_eq!(triage.classify(&Input::new("閃退閃退，根本用不了")).language, Language::Zh);
}

#[test]
fn quoted_history_is_stripped_before_classifying() {
    let body = "Thanks, it works now, great service!\n\nOn Tue, 2 Jul 2024 at 09:12, Wallet Support <help@example.com> wrote:\n> Your account was hacked and frozen; someone logged in from Lagos.\n> Please reset your password.";
    assert_eq!(strip_quoted_history(body), "Thanks, it works now, great service!");
    let d = default_triage().classify(&Input {
        subject: Some("Re: account"),
        body,
        channel: Some(Channel::Email),
        prior_contacts: 0,
    });
    assert_ne!(d.category, "account_compromised");
    assert!(!d.by_rule);

    let chinese = "谢谢，已经好了。\n\n在 2024年7月2日 09:12，客服 <help@example.com> 写道：\n> 您的账户被盗了";
    assert_eq!(strip_quoted_history(chinese), "谢谢，已经好了。");
}

#[test]
fn priority_reflects_amounts_repeats_and_anger() {
    let triage = default_triage();
    let plain = triage.classify(&Input::new("my withdrawal has not arrived"));
    assert_eq!(plain.priority, Priority::Normal);
    let large = triage.classify(&Input::new("my withdrawal of ¥12,000 has not arrived"));
    assert_eq!(large.priority, Priority::High);
    let repeated = triage.classify(&Input { prior_contacts: 2, ..Input::new("my withdrawal has not arrived") });
    assert_eq!(repeated.priority, Priority::High);
    let praise = triage.classify(&Input::new("love the new design, thanks!"));
    assert_eq!(praise.priority, Priority::Low);
}

#[test]
fn low_confidence_is_flagged_by_the_configured_threshold() {
    let strict = Triage::new(&TriageConfig { low_confidence: 1.0, ..TriageConfig::default() }).unwrap();
    let d = strict.classify(&Input::new("hello"));
    assert!(d.low_confidence);
    let lax = Triage::new(&TriageConfig { low_confidence: 0.0, ..TriageConfig::default() }).unwrap();
    assert!(!lax.classify(&Input::new("hello")).low_confidence);
}
