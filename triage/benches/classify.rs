//! Classification and redaction throughput on one core.
//!
//! `cargo bench -p switchboard-triage --bench classify` reports, per group, the time per batch
//! and the throughput in messages (or bytes) per second:
//!
//! - `classify/chat_default_model`: short chat messages (under 60 characters, Chinese, English
//!   and mixed, from the wallet data set) through the full `Triage::classify` (rules, model,
//!   language, priority) with the built-in model;
//! - `classify/banking77_model`: BANKING77 utterances through a model trained on all of
//!   BANKING77 (trained once at start-up, which takes a few seconds);
//! - `redact/*`: `redact` on the same chat messages, on whole emails, and on messages full of
//!   secrets.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switchboard_triage::dataset::{self, Example};
use switchboard_triage::{Channel, Input, Triage, TriageConfig, cli, redact};

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data").join(file)
}

fn wallet() -> Vec<Example> {
    dataset::load(&data("wallet-intents/public.jsonl")).expect("the wallet data set is in shared/data")
}

fn chat_messages() -> Vec<String> {
    wallet().into_iter().map(|e| e.text).filter(|t| t.chars().count() < 60).collect()
}

fn classify(c: &mut Criterion) {
    let triage = Triage::new(&TriageConfig::default()).expect("default triage builds");
    let chats = chat_messages();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(chats.len() as u64));
    group.bench_function("chat_default_model", |b| {
        b.iter(|| {
            for text in &chats {
                let input = Input { channel: Some(Channel::Chat), ..Input::new(black_box(text)) };
                black_box(triage.classify(&input));
            }
        })
    });

    let model = std::env::temp_dir().join(format!("switchboard-bench-{}.model", std::process::id()));
    cli::train(&[data("banking77/train.csv")], &model, None, &mut std::io::sink()).expect("BANKING77 trains");
    let banking = TriageConfig {
        categories: dataset::load(&data("banking77/train.csv"))
            .expect("BANKING77 is in shared/data")
            .into_iter()
            .map(|e| e.category)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        model: Some(model.clone()),
        builtin_rules: false,
        priority: switchboard_triage::PriorityConfig {
            urgent_categories: Vec::new(),
            low_categories: Vec::new(),
            money_categories: Vec::new(),
            ..Default::default()
        },
        ..TriageConfig::default()
    };
    let triage = Triage::new(&banking).expect("BANKING77 triage builds");
    let _ = std::fs::remove_file(&model);
    let utterances: Vec<String> = dataset::load(&data("banking77/train.csv"))
        .expect("BANKING77 loads")
        .into_iter()
        .take(2000)
        .map(|e| e.text)
        .collect();
    group.throughput(Throughput::Elements(utterances.len() as u64));
    group.bench_function("banking77_model", |b| {
        b.iter(|| {
            for text in &utterances {
                black_box(triage.classify(&Input::new(black_box(text))));
            }
        })
    });
    group.finish();
}

fn redaction(c: &mut Criterion) {
    let chats = chat_messages();
    let emails: Vec<String> = wallet().into_iter().filter(|e| e.subject.is_some()).map(|e| e.text).collect();
    let secrets: Vec<String> = [
        "my card is 4111 1111 1111 1111, cvv 123, exp 12/27",
        "验证码是 482913，密码是abc12345",
        "abandon ability able about above absent absorb abstract absurd abuse access accident",
        "身份证 11010519491231002X 私钥 4c0883a69102937d6231471b5dbb6204fe512961708279f15a5b1e9c2d6b7a3f",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut group = c.benchmark_group("redact");
    for (name, texts) in [("chat", &chats), ("email", &emails), ("secrets", &secrets)] {
        group.throughput(Throughput::Bytes(texts.iter().map(|t| t.len() as u64).sum()));
        group.bench_function(name, |b| {
            b.iter(|| {
                for text in texts {
                    black_box(redact(black_box(text)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, classify, redaction);
criterion_main!(benches);
