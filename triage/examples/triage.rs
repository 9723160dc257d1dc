//! The `switchboard triage …` commands without the daemon, for working on the classifier:
//!
//! ```text
//! cargo run --release -p switchboard-triage --example triage -- train --data FILE [--data FILE …] --out MODEL [--holdout 0.2 --seed 42]
//! cargo run --release -p switchboard-triage --example triage -- eval [--model MODEL] [--holdout 0.2 --seed 42] FILE
//! cargo run --release -p switchboard-triage --example triage -- classify [--model MODEL] < message.txt
//! cargo run --release -p switchboard-triage --example triage -- redact < message.txt
//! ```

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use switchboard_triage::cli::{self, Holdout};

/// Parsed options; which ones a command accepts is checked by the command.
#[derive(Default)]
struct Options {
    data: Vec<PathBuf>,
    out: Option<PathBuf>,
    model: Option<PathBuf>,
    holdout: Option<f64>,
    seed: u64,
    files: Vec<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().cloned().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--data" => options.data.push(value()?.into()),
            "--out" => options.out = Some(value()?.into()),
            "--model" => options.model = Some(value()?.into()),
            "--holdout" => options.holdout = Some(value()?.parse().map_err(|e| format!("--holdout: {e}"))?),
            "--seed" => options.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            file => options.files.push(file.into()),
        }
    }
    Ok(options)
}

fn stdin() -> Result<String, String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| format!("reading standard input: {e}"))?;
    Ok(text)
}

fn run(args: &[String]) -> Result<(), String> {
    let (command, rest) = args.split_first().ok_or("usage: triage train|eval|classify|redact …")?;
    let options = parse(rest)?;
    let holdout = options.holdout.map(|fraction| Holdout { fraction, seed: options.seed });
    let mut out = std::io::stdout().lock();
    let result = match command.as_str() {
        "train" => {
            let model = options.out.ok_or("train needs --out MODEL")?;
            cli::train(&options.data, &model, holdout, &mut out)
        }
        "eval" => {
            let [file] = options.files.as_slice() else { return Err("eval needs one data FILE".into()) };
            cli::eval(options.model.as_deref(), file, holdout, &mut out)
        }
        "classify" => cli::classify(options.model.as_deref(), &stdin()?, &mut out),
        "redact" => cli::redact(&stdin()?, &mut out),
        other => return Err(format!("unknown command {other}")),
    };
    result.map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
