//! `switchboard triage train|eval|classify|redact`: the classifier's offline tools.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use switchboard_triage::cli::{self, Holdout};

#[derive(Debug, Subcommand)]
pub enum TriageCommand {
    /// Train a classifier on labelled data and write the model file.
    Train {
        /// JSON Lines (`{"text","category",…}`) or CSV (`text,category`) files; repeatable.
        #[arg(long = "data", value_name = "FILE", required = true)]
        data: Vec<PathBuf>,
        /// Where to write the model.
        #[arg(long, value_name = "MODEL")]
        out: PathBuf,
        #[command(flatten)]
        holdout: HoldoutArgs,
    },
    /// Evaluate a model on labelled data: accuracy, macro-F1, a per-category table, confusions, throughput.
    Eval {
        /// The model file; the built-in model when omitted.
        #[arg(long, value_name = "MODEL")]
        model: Option<PathBuf>,
        /// JSON Lines or CSV file to evaluate on.
        file: PathBuf,
        #[command(flatten)]
        holdout: HoldoutArgs,
    },
    /// Classify one message read from standard input: category, priority, language, confidence.
    Classify {
        /// The model file; the built-in model when omitted.
        #[arg(long, value_name = "MODEL")]
        model: Option<PathBuf>,
    },
    /// Read text on standard input and write it with every secret redacted.
    Redact,
}

/// A reproducible held-out split shared by `train` and `eval`.
#[derive(Debug, Args)]
pub struct HoldoutArgs {
    /// Hold out this share of each category (0 < F < 1): `train` skips it, `eval` uses only it.
    #[arg(long, value_name = "F")]
    holdout: Option<f64>,
    /// Seed of the held-out split.
    #[arg(long, default_value_t = 7, requires = "holdout")]
    seed: u64,
}

impl HoldoutArgs {
    fn split(&self) -> Option<Holdout> {
        self.holdout.map(|fraction| Holdout { fraction, seed: self.seed })
    }
}

pub fn execute(command: TriageCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        TriageCommand::Train { data, out: model, holdout } => cli::train(&data, &model, holdout.split(), &mut out)?,
        TriageCommand::Eval { model, file, holdout } => cli::eval(model.as_deref(), &file, holdout.split(), &mut out)?,
        TriageCommand::Classify { model } => cli::classify(model.as_deref(), &stdin()?, &mut out)?,
        TriageCommand::Redact => cli::redact(&stdin()?, &mut out)?,
    }
    Ok(())
}

fn stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("cannot read standard input")?;
    Ok(text)
}
