//! What `switchboard triage train|eval|classify|redact` run. Each writes its report to `out`;
//! reading standard input and parsing arguments is the caller's.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::classify::{Triage, load_model};
use crate::config::{PriorityConfig, TriageConfig};
use crate::dataset::{self, Example};
use crate::defaults;
use crate::error::TriageError;
use crate::features::{Extractor, FeatureSpec};
use crate::format;
use crate::input::Input;
use crate::lexicon::Lexicon;
use crate::metrics::Evaluation;
use crate::model::Model;
use crate::redact::redact as redact_text;
use crate::train::{TrainOptions, train as train_model};

/// A reproducible held-out split: within each category of each data file, `fraction` of the
/// examples (chosen by a shuffle seeded with `seed`) are held out. `train` with a holdout
/// trains on the rest; `eval` with the same holdout evaluates on exactly the held-out part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holdout {
    /// Share held out, strictly between 0 and 1 (0.2 for a fifth).
    pub fraction: f64,
    /// Seeds the shuffle.
    pub seed: u64,
}

impl Holdout {
    fn check(self) -> Result<Self, TriageError> {
        if self.fraction > 0.0 && self.fraction < 1.0 {
            Ok(self)
        } else {
            Err(TriageError::Model(format!("holdout fraction {} is not between 0 and 1", self.fraction)))
        }
    }
}

/// Trains a model on the data files (their training part, with a holdout) and writes it to
/// `model_out`. Reports what it trained on, how long it took and the model's size.
pub fn train(
    data: &[PathBuf],
    model_out: &Path,
    holdout: Option<Holdout>,
    out: &mut impl Write,
) -> Result<(), TriageError> {
    let holdout = holdout.map(Holdout::check).transpose()?;
    let mut examples = Vec::new();
    for path in data {
        let file = dataset::load(path)?;
        examples.extend(match holdout {
            Some(h) => dataset::split(&file, h.fraction, h.seed).0,
            None => file,
        });
    }
    if examples.is_empty() {
        return Err(TriageError::Model("no data files given".into()));
    }
    let started = Instant::now();
    let extractor = Extractor { spec: FeatureSpec::DEFAULT, lexicon: Lexicon::builtin() };
    let model = train_model(&examples, extractor, &TrainOptions::default())?;
    let elapsed = started.elapsed();
    let bytes = format::to_bytes(&model);
    std::fs::write(model_out, &bytes).map_err(|source| TriageError::Io { path: model_out.to_owned(), source })?;
    let mut report = || -> std::io::Result<()> {
        writeln!(out, "examples {}", examples.len())?;
        writeln!(out, "categories {}", model.categories.len())?;
        writeln!(out, "features {}", model.row_count())?;
        writeln!(out, "training_seconds {:.2}", elapsed.as_secs_f64())?;
        writeln!(out, "model {} ({} bytes)", model_out.display(), bytes.len())
    };
    report().map_err(TriageError::Output)
}

/// Evaluates a model (the built-in one when `model` is `None`) on `file`, or on its held-out
/// part. Prints `accuracy A` and `macro_f1 F` first, then the per-category table, the top
/// confusions and single-thread throughput. Rules and priority run as in the daemon, with the
/// defaults for whichever of their categories the model knows.
pub fn eval(
    model: Option<&Path>,
    file: &Path,
    holdout: Option<Holdout>,
    out: &mut impl Write,
) -> Result<(), TriageError> {
    let holdout = holdout.map(Holdout::check).transpose()?;
    let triage = triage_for(model)?;
    let all = dataset::load(file)?;
    let examples: Vec<Example> = match holdout {
        Some(h) => dataset::split(&all, h.fraction, h.seed).1,
        None => all,
    };
    Evaluation::run(&triage, &examples).write(out).map_err(TriageError::Output)
}

/// Classifies one message (quoted email history is ignored) and prints category, priority,
/// language and confidence, one `key value` per line, then `signal …` when the compromise
/// detector decided.
pub fn classify(model: Option<&Path>, text: &str, out: &mut impl Write) -> Result<(), TriageError> {
    let decision = triage_for(model)?.classify(&Input::new(text));
    let mut report = || -> std::io::Result<()> {
        writeln!(out, "category {}", decision.category)?;
        writeln!(out, "priority {}", decision.priority)?;
        writeln!(out, "language {}", decision.language)?;
        writeln!(out, "confidence {:.3}", decision.confidence)?;
        writeln!(out, "low_confidence {}", decision.low_confidence)?;
        writeln!(out, "by_rule {}", decision.by_rule)?;
        match &decision.signal {
            Some(signal) => writeln!(out, "signal {signal}"),
            None => Ok(()),
        }
    };
    report().map_err(TriageError::Output)
}

/// Writes `text` with every secret replaced by its marker, and nothing else.
pub fn redact(text: &str, out: &mut impl Write) -> Result<(), TriageError> {
    out.write_all(redact_text(text).text.as_bytes()).map_err(TriageError::Output)
}

/// A classifier for the command line, where there is no config file: the given model with the
/// default rules and priority settings, kept to the categories the model knows.
fn triage_for(model: Option<&Path>) -> Result<Triage, TriageError> {
    let model: Model = match model {
        Some(path) => load_model(path)?,
        None => return Triage::new(&TriageConfig::default()),
    };
    let known = |list: Vec<String>| list.into_iter().filter(|c| model.categories.contains(c)).collect();
    let defaults = PriorityConfig::default();
    let config = TriageConfig {
        categories: model.categories.clone(),
        builtin_rules: model.categories.iter().any(|c| c == defaults::COMPROMISED),
        priority: PriorityConfig {
            urgent_categories: known(defaults.urgent_categories.clone()),
            low_categories: known(defaults.low_categories.clone()),
            money_categories: known(defaults.money_categories.clone()),
            ..defaults
        },
        ..TriageConfig::default()
    };
    Triage::with_model(model, &config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        path
    }

    fn csv_data() -> String {
        let mut data = String::from("text,category\n");
        for i in 0..10 {
            data.push_str(&format!("my card {i} has not arrived yet,card_arrival\n"));
            data.push_str(&format!("what is the exchange rate for currency {i},exchange_rate\n"));
        }
        data
    }

    #[test]
    fn train_then_eval_on_the_holdout() {
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "d.csv", &csv_data());
        let model = dir.path().join("m.model");
        let holdout = Some(Holdout { fraction: 0.2, seed: 1 });
        let mut report = Vec::new();
        train(std::slice::from_ref(&data), &model, holdout, &mut report).unwrap();
        assert!(String::from_utf8(report).unwrap().contains("examples 16"));
        let mut report = Vec::new();
        eval(Some(&model), &data, holdout, &mut report).unwrap();
        let report = String::from_utf8(report).unwrap();
        assert!(report.starts_with("accuracy 1.0000\nmacro_f1 1.0000\nexamples 4\n"), "{report}");
        assert!(report.contains("throughput"));
    }

    #[test]
    fn classify_prints_key_value_lines() {
        let mut out = Vec::new();
        classify(None, "我的账户被盗了", &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("category account_compromised\npriority urgent\nlanguage zh\nconfidence 1.000\n"),
            "{out}"
        );
        assert!(
            out.ends_with(
                "by_rule true\nsignal the customer says the account, card or phone was stolen, hacked or defrauded\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn redact_writes_only_the_text() {
        let mut out = Vec::new();
        redact("验证码是 482913", &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "验证码是 [redacted: one-time code]");
    }

    #[test]
    fn bad_holdout_is_rejected() {
        let mut out = Vec::new();
        let err = eval(None, Path::new("x.csv"), Some(Holdout { fraction: 1.0, seed: 0 }), &mut out).unwrap_err();
        assert!(err.to_string().contains("holdout"));
    }
}
