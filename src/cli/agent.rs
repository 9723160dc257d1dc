//! `switchboard agent add|list|disable|enable`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use clap::Subcommand;

use crate::config::Config;
use crate::domain::NewAgent;
use crate::store;

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Create an agent; the password is read from standard input (one line).
    Add {
        /// The name the agent logs in with.
        login: String,
        /// The name customers and colleagues see.
        #[arg(long)]
        name: String,
        /// Skills routing matches (comma-separated: zh,en,refund,…).
        #[arg(long, value_delimiter = ',')]
        skills: Vec<String>,
        /// Supervisors see and act on every conversation.
        #[arg(long)]
        supervisor: bool,
    },
    /// List agents.
    List,
    /// Disable an agent: they can no longer log in and are offered nothing.
    Disable { login: String },
    /// Enable a disabled agent again.
    Enable { login: String },
}

/// Shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 8;

pub async fn execute(command: AgentCommand, config: &Config) -> anyhow::Result<()> {
    let store = store::open(&config.store.url, &config.store).await?;
    match command {
        AgentCommand::Add { login, name, skills, supervisor } => {
            let login = login.trim().to_owned();
            if login.is_empty() || login.chars().any(char::is_whitespace) {
                bail!("login must be non-empty and contain no spaces");
            }
            let password = read_password()?;
            let salt = SaltString::generate(&mut OsRng);
            let password_hash = argon2::Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?
                .to_string();
            let skills = skills.into_iter().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect();
            let agent = store.add_agent(NewAgent { login, name, password_hash, skills, supervisor }).await?;
            println!("added agent {} ({})", agent.login, agent.id);
        }
        AgentCommand::List => {
            println!("{:<20} {:<24} {:<32} {:<10} STATUS", "LOGIN", "NAME", "SKILLS", "ROLE");
            for a in store.agents().await? {
                let role = if a.supervisor { "supervisor" } else { "agent" };
                let status = if a.disabled { "disabled" } else { "active" };
                println!("{:<20} {:<24} {:<32} {:<10} {status}", a.login, a.name, a.skills.join(","), role);
            }
        }
        AgentCommand::Disable { login } => {
            let agent = store.set_agent_disabled(&login, true).await?;
            println!("disabled agent {}", agent.login);
        }
        AgentCommand::Enable { login } => {
            let agent = store.set_agent_disabled(&login, false).await?;
            println!("enabled agent {}", agent.login);
        }
    }
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must be at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok(password)
}
