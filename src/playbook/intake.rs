//! Intake while the customer waits: the questions of the conversation's category, asked once
//! by the system on chat while the conversation is queued, and what each customer message
//! answers, read into the conversation's fields ([`switchboard_triage::transaction_details`])
//! for the agent who takes it.

use std::sync::Arc;

use switchboard_triage::transaction_details;

use super::Playbook;
use crate::agent_wire::frames::ConsoleFrame;
use crate::domain::{AuthorRole, Conversation, IntakeFields};
use crate::store::Ingested;

impl Playbook {
    pub(super) async fn take_in(&self, ingested: &Ingested) {
        let c = &ingested.conversation;
        if Self::asks_on(c.channel) && c.status.is_waiting_for_agent() {
            self.ask(c).await;
        }
        if ingested.message.author_role == AuthorRole::Customer {
            self.read_answers(c, &ingested.message.text).await;
        }
    }

    /// The intake questions of `c`'s category in the customer's language, as one message;
    /// `None` when its category has none.
    pub async fn questions(&self, c: &Conversation) -> Option<String> {
        let questions = self.parts().config.intake.get(c.category.as_deref()?)?;
        let zh = self.speaks_chinese(c).await;
        let (intro, list) = if zh {
            ("为了尽快帮您查询，请在等待客服时告诉我们：", &questions.zh)
        } else {
            ("To help us trace this quickly, please tell us while you wait:", &questions.en)
        };
        if list.is_empty() {
            return None;
        }
        let numbered: Vec<String> = list.iter().enumerate().map(|(i, q)| format!("{}. {q}", i + 1)).collect();
        Some(format!("{intro}\n{}", numbered.join("\n")))
    }

    async fn ask(&self, c: &Conversation) {
        let Some(text) = self.questions(c).await else { return };
        // Once per conversation, however many messages the customer sends while waiting.
        match self.parts().system.send(&c.id, format!("intake:{}", c.id), &text).await {
            Ok(true) => tracing::info!(conversation_id = %c.id, "Intake questions sent"),
            Ok(false) => {}
            Err(e) => tracing::warn!(conversation_id = %c.id, error = %e, "Intake questions not recorded"),
        }
    }

    async fn read_answers(&self, c: &Conversation, text: &str) {
        let found = transaction_details(text);
        let fields = IntakeFields {
            time: found.time,
            amount: found.amount.as_ref().map(|m| m.value.clone()),
            currency: found.amount.map(|m| m.currency),
            counterparty: found.counterparty,
            order_number: found.order_number,
        };
        if fields.is_empty() {
            return;
        }
        match self.parts().store.save_intake(&c.id, fields, self.parts().clock.now()).await {
            Ok(intake) => {
                tracing::info!(conversation_id = %c.id, "Intake fields taken in");
                let frame = ConsoleFrame::Intake { conversation_id: c.id.to_string(), intake };
                self.parts().hub.to_conversation_agents(&c.id, Arc::from(frame.to_json()), None, None);
            }
            Err(e) => tracing::warn!(conversation_id = %c.id, error = %e, "Intake fields not recorded"),
        }
    }
}
