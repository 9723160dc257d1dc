//! `switchboard agent add|list|set|disable|enable`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use clap::Subcommand;

use crate::config::Config;
use crate::domain::{Capacity, NewAgent};
use crate::store;
use switchboard_channel::ChannelKind;

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Create an agent; the password is read from standard input (one line).
    Add {
        /// The name the agent logs in with.
        login: String,
        /// The name customers and colleagues see.
        #[arg(long)]
        name: String,
        /// Skills routing matches, comma-separated, each `name` or `name:level` (zh,en,refund:2).
        #[arg(long, value_delimiter = ',')]
        skills: Vec<String>,
        /// Supervisors see and act on every conversation.
        #[arg(long)]
        supervisor: bool,
        /// The agent's own capacity over the configured one: `total=N` and `CHANNEL=N`,
        /// comma-separated (total=10,chat=3,email=8,callback=1).
        #[arg(long, value_delimiter = ',')]
        capacity: Vec<String>,
    },
    /// List agents.
    List,
    /// Change an agent's skills or capacity; routing uses them from the agent's next session.
    Set {
        login: String,
        /// The new skills, replacing the old (an empty value clears them).
        #[arg(long, value_delimiter = ',')]
        skills: Option<Vec<String>>,
        /// The new capacity, replacing the old (an empty value goes back to the configured one).
        #[arg(long, value_delimiter = ',')]
        capacity: Option<Vec<String>>,
    },
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
        AgentCommand::Add { login, name, skills, supervisor, capacity } => {
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
            let skills = parse_skills(skills)?;
            let capacity = parse_capacity(capacity)?;
            let agent = store.add_agent(NewAgent { login, name, password_hash, skills, supervisor, capacity }).await?;
            println!("added agent {} ({})", agent.login, agent.id);
        }
        AgentCommand::List => {
            println!("{:<20} {:<24} {:<32} {:<10} {:<8} CAPACITY", "LOGIN", "NAME", "SKILLS", "ROLE", "STATUS");
            for a in store.agents().await? {
                let role = if a.supervisor { "supervisor" } else { "agent" };
                let status = if a.disabled { "disabled" } else { "active" };
                let capacity = capacity_text(&a.capacity);
                println!(
                    "{:<20} {:<24} {:<32} {:<10} {status:<8} {capacity}",
                    a.login,
                    a.name,
                    a.skills.join(","),
                    role
                );
            }
        }
        AgentCommand::Set { login, skills, capacity } => {
            if skills.is_none() && capacity.is_none() {
                bail!("nothing to set: give --skills or --capacity");
            }
            let skills = skills.map(parse_skills).transpose()?;
            let capacity = capacity.map(parse_capacity).transpose()?;
            let agent = store.set_agent_routing(&login, skills, capacity).await?;
            println!(
                "agent {}: skills {}, capacity {}",
                agent.login,
                agent.skills.join(","),
                capacity_text(&agent.capacity)
            );
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

/// Skills as routing reads them: lower-case `name` or `name:level`.
fn parse_skills(skills: Vec<String>) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for skill in skills.iter().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()) {
        switchboard_routing::parse_skill(&skill).map_err(|e| anyhow::anyhow!("--skills: {e}"))?;
        out.push(skill);
    }
    Ok(out)
}

/// `total=10,chat=3`: the total at least 1, a channel at least 0 (0: never that channel).
fn parse_capacity(items: Vec<String>) -> anyhow::Result<Capacity> {
    let mut capacity = Capacity::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            bail!("--capacity: {item:?} is not NAME=N");
        };
        let key = key.trim().to_lowercase();
        if key != "total" && key.parse::<ChannelKind>().is_err() {
            bail!("--capacity: {key:?} is neither total nor a channel (chat, email, callback)");
        }
        let n: u32 = value.trim().parse().map_err(|_| anyhow::anyhow!("--capacity: {item:?} needs a whole number"))?;
        if key == "total" && n == 0 {
            bail!("--capacity: total must be at least 1");
        }
        capacity.insert(key, n);
    }
    Ok(capacity)
}

fn capacity_text(capacity: &Capacity) -> String {
    if capacity.is_empty() {
        return "configured".to_owned();
    }
    capacity.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
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
