//! The command-line helpers' output, which operators' tooling parses.

use std::path::{Path, PathBuf};

use switchboard_triage::cli::{self, Holdout};

fn wallet_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/wallet-intents/public.jsonl")
}

fn value(line: Option<&str>, key: &str) -> f64 {
    let line = line.unwrap_or_default();
    let rest = line.strip_prefix(key).unwrap_or_else(|| panic!("expected `{key} …`, got {line:?}"));
    rest.trim().parse().unwrap()
}

#[test]
fn eval_prints_accuracy_and_macro_f1_first_then_the_tables() {
    let mut out = Vec::new();
    cli::eval(None, &wallet_data(), Some(Holdout { fraction: 0.2, seed: 42 }), &mut out).unwrap();
    let report = String::from_utf8(out).unwrap();
    let mut lines = report.lines();
    let accuracy = value(lines.next(), "accuracy ");
    let macro_f1 = value(lines.next(), "macro_f1 ");
    assert!((0.0..=1.0).contains(&accuracy) && (0.0..=1.0).contains(&macro_f1));
    for expected in [
        "category",
        "precision",
        "recall",
        "support",
        "account_compromised",
        "top confusions",
        "reliability",
        "[0.90, 1.00]",
        "priority (expected",
        "throughput",
    ] {
        assert!(report.contains(expected), "no {expected:?} in\n{report}");
    }
}

#[test]
fn classify_and_redact_read_like_the_protocol_says() {
    let mut out = Vec::new();
    cli::classify(None, "Subject line aside: my refund has not arrived after 10 days", &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let keys: Vec<&str> = text.lines().filter_map(|l| l.split_once(' ')).map(|(k, _)| k).collect();
    assert_eq!(keys, ["category", "priority", "language", "confidence", "low_confidence", "by_rule"]);

    let mut out = Vec::new();
    cli::redact("card 4111 1111 1111 1111\n", &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "card [redacted: card number]\n");
}

#[test]
fn train_rejects_a_file_that_is_not_data() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"text\": \"hi\"}\n").unwrap();
    let err =
        cli::train(std::slice::from_ref(&bad), &dir.path().join("m.model"), None, &mut std::io::sink()).unwrap_err();
    assert!(err.to_string().contains("bad.jsonl:1"), "{err}");
}
