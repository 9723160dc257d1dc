//! `switchboard quarantine list|show`: the messages a channel could not read, kept raw.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;

use crate::config::Config;
use crate::domain::to_rfc3339;
use crate::store;

#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// List the newest quarantined messages: id, time, channel, account, size and why.
    List {
        /// How many to list at most.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Write one quarantined message's raw bytes to standard output.
    Show { id: i64 },
}

pub async fn execute(command: QuarantineCommand, config: &Config) -> anyhow::Result<()> {
    let store = store::open(&config.store.url, &config.store).await?;
    match command {
        QuarantineCommand::List { limit } => {
            let items = store.quarantined(limit).await?;
            if items.is_empty() {
                println!("nothing is quarantined");
            }
            for q in items {
                println!(
                    "{}\t{}\t{}\t{}\t{} bytes\t{}",
                    q.id,
                    to_rfc3339(q.at),
                    q.channel,
                    q.account.as_deref().unwrap_or("-"),
                    q.size,
                    q.reason
                );
            }
        }
        QuarantineCommand::Show { id } => {
            let raw = store.quarantined_raw(id).await?.with_context(|| format!("no quarantined message {id}"))?;
            std::io::stdout().write_all(&raw)?;
        }
    }
    Ok(())
}
