//! The command line: `run` (the default), `check-config`, `migrate`, `agent …`,
//! `quarantine …`, `route …`, `triage …`.

mod agent;
mod quarantine;
mod route;
mod triage;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::{app, store, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Customer-support front door: email, live chat and phone callbacks in one conversation model"
)]
pub struct Cli {
    /// Configuration file (TOML) layered over the built-in defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the daemon (the default when no command is given).
    Run,
    /// Validate the configuration and print it resolved, secrets masked; exit non-zero naming the offending key.
    CheckConfig,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage agent accounts.
    #[command(subcommand)]
    Agent(agent::AgentCommand),
    /// List and read the messages a channel could not read.
    #[command(subcommand)]
    Quarantine(quarantine::QuarantineCommand),
    /// Explain how conversations were routed.
    #[command(subcommand)]
    Route(route::RouteCommand),
    /// Train, evaluate and try the classifier; redact text.
    #[command(subcommand)]
    Triage(triage::TriageCommand),
}

impl Cli {
    /// Runs the chosen command and returns the process exit code.
    pub fn execute(self) -> ExitCode {
        let command = self.command.unwrap_or(Command::Run);
        // The triage tools work on files and standard input; they need no configuration.
        if let Command::Triage(cmd) = command {
            return match triage::execute(cmd) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("switchboard: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
        let config = match Config::load(self.config.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("switchboard: invalid configuration: {e}");
                return ExitCode::from(2);
            }
        };
        if let Command::CheckConfig = command {
            print!("{}", config.to_masked_toml());
            eprintln!("configuration is valid");
            return ExitCode::SUCCESS;
        }
        let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("switchboard: cannot start the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        let result = runtime.block_on(async move {
            match command {
                Command::Run => {
                    telemetry::init_logging(&config.log);
                    let shutdown = CancellationToken::new();
                    let stop = shutdown.clone();
                    tokio::spawn(async move {
                        app::termination_signal().await;
                        stop.cancel();
                    });
                    app::run(config, shutdown).await
                }
                Command::Migrate => {
                    store::open(&config.store.url, &config.store).await?;
                    println!("migrations applied to {}", config.store.url);
                    Ok(())
                }
                Command::Agent(cmd) => agent::execute(cmd, &config).await,
                Command::Quarantine(cmd) => quarantine::execute(cmd, &config).await,
                Command::Route(cmd) => route::execute(cmd, &config).await,
                Command::CheckConfig | Command::Triage(_) => unreachable!("handled before the runtime starts"),
            }
        });
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("switchboard: {e:#}");
                ExitCode::FAILURE
            }
        }
    }
}
