//! `switchboard route explain CONVERSATION`: a conversation's routing history in words, from
//! its audit log: how triage filed it, which queue rule took it, every offer with why that
//! agent and not the others, relaxations, transfers, breaches and moves.

use anyhow::bail;
use clap::Subcommand;
use serde_json::Value;

use crate::config::Config;
use crate::domain::{ConversationId, to_rfc3339};
use crate::store::{self, AuditEvent};

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Print how a conversation was routed, oldest first.
    Explain {
        /// The conversation's id (`cv_…`).
        conversation: String,
    },
}

pub async fn execute(command: RouteCommand, config: &Config) -> anyhow::Result<()> {
    let store = store::open(&config.store.url, &config.store).await?;
    match command {
        RouteCommand::Explain { conversation } => {
            let id = ConversationId(conversation.trim().to_owned());
            let Some(c) = store.conversation(&id).await? else {
                bail!("conversation {} not found", id);
            };
            println!(
                "{} ({}, {}, {}): {}, queue {}",
                c.id,
                c.channel,
                c.category.as_deref().unwrap_or("not triaged"),
                c.priority,
                c.status,
                c.queue.as_deref().unwrap_or("-")
            );
            for event in store.audit_events(&id).await? {
                if let Some(line) = explain(&event) {
                    println!("{}  {line}", to_rfc3339(event.at));
                }
            }
        }
    }
    Ok(())
}

/// One audit row as a sentence; rows that say nothing about routing give `None`.
fn explain(event: &AuditEvent) -> Option<String> {
    let d: Value = serde_json::from_str(&event.detail).unwrap_or(Value::Null);
    let s = |key: &str| d[key].as_str().unwrap_or("-").to_owned();
    Some(match event.kind.as_str() {
        "triage" => format!(
            "triaged {} ({}, {}, confidence {:.2}): queue {} because {}",
            s("category"),
            s("priority"),
            s("language"),
            d["confidence"].as_f64().unwrap_or(0.0),
            s("queue"),
            d["queue_reason"].as_str().unwrap_or("its category")
        ),
        "routing" => format!("{}: {}", s("decision"), s("text")),
        "status" => {
            let assignee = d["assignee"].as_str().map(|a| format!(", assignee {a}")).unwrap_or_default();
            format!("{} → {} ({}) by {}{assignee}", s("from"), s("to"), s("reason"), event.actor)
        }
        "transferred" => {
            let to = match (d["to"]["queue"].as_str(), d["to"]["name"].as_str()) {
                (Some(queue), _) => format!("queue {queue}"),
                (None, Some(name)) => format!("{name} ({})", d["to"]["agent"].as_str().unwrap_or("-")),
                _ => "-".to_owned(),
            };
            let why = d["reason"].as_str().map(|r| format!(": {r}")).unwrap_or_default();
            format!("transferred to {to} by {} ({}){why}", s("by"), event.actor)
        }
        "sla_breached" => format!("first-response target breached in {}; priority now {}", s("queue"), s("priority")),
        "moved" => format!("moved from {} to {} ({})", s("from"), s("to"), s("reason")),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Millis;

    fn event(kind: &str, actor: &str, detail: Value) -> AuditEvent {
        AuditEvent {
            id: 1,
            conversation_id: ConversationId("cv_1".into()),
            actor: actor.into(),
            kind: kind.into(),
            detail: detail.to_string(),
            at: Millis(0),
        }
    }

    #[test]
    fn each_routing_row_reads_as_a_sentence() {
        let triage = event(
            "triage",
            "system",
            serde_json::json!({"category": "refund", "priority": "normal", "language": "zh", "confidence": 0.934,
                "queue": "payments", "queue_reason": "category refund, language zh"}),
        );
        assert_eq!(
            explain(&triage).unwrap(),
            "triaged refund (normal, zh, confidence 0.93): queue payments because category refund, language zh"
        );
        let offered = event(
            "routing",
            "system",
            serde_json::json!({"decision": "offered", "agent": "ag_1", "text": "offered to ag_1: has zh"}),
        );
        assert_eq!(explain(&offered).unwrap(), "offered: offered to ag_1: has zh");
        let moved =
            event("moved", "system", serde_json::json!({"from": "payments", "to": "overflow", "reason": "sla_breach"}));
        assert_eq!(explain(&moved).unwrap(), "moved from payments to overflow (sla_breach)");
        let transfer = event(
            "transferred",
            "agent:ag_2",
            serde_json::json!({"to": {"agent": "ag_3", "name": "Li"}, "by": "Mei", "reason": "speaks Cantonese"}),
        );
        assert_eq!(explain(&transfer).unwrap(), "transferred to Li (ag_3) by Mei (agent:ag_2): speaks Cantonese");
        let status = event(
            "status",
            "system",
            serde_json::json!({"from": "offered", "to": "assigned", "reason": "assigned", "assignee": "ag_1"}),
        );
        assert_eq!(explain(&status).unwrap(), "offered → assigned (assigned) by system, assignee ag_1");
        assert_eq!(explain(&event("redacted", "system", Value::Null)), None);
    }
}
