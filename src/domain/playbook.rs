//! The wallet playbook's records: account actions asked of the company's backend (a freeze,
//! an unfreeze), identity verifications agents record, and the transaction details taken in
//! from a waiting customer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{ActionId, Actor, AgentId, ConversationId, CustomerId, Millis};

/// Where an account action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionState {
    /// Committed, not yet confirmed by the backend (being called, or waiting to be retried).
    Pending,
    /// The backend confirmed it.
    Done,
    /// Given up: the backend refused, or transient failures ran out of retries.
    Failed,
}

impl ActionState {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for ActionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "done" => Ok(Self::Done),
            "failed" => Ok(Self::Failed),
            other => Err(format!("unknown action state {other:?}")),
        }
    }
}

/// An account action to commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAction {
    pub id: ActionId,
    /// What makes this request one request: asked again under the same key, the first is
    /// returned (an automatic freeze is asked once per conversation).
    pub request_key: String,
    /// `freeze`, `unfreeze`, … as configured under `[actions]`.
    pub action: String,
    pub conversation_id: ConversationId,
    pub customer_id: CustomerId,
    /// The account in the app the action is on.
    pub app_user_id: String,
    /// The agent who asked, or the system (the automatic freeze).
    pub actor: Actor,
    /// The agent's login, for the backend; `None` for the system.
    pub agent_login: Option<String>,
    pub reason: String,
    pub now: Millis,
}

/// An account action as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountAction {
    pub id: ActionId,
    pub action: String,
    pub conversation_id: ConversationId,
    pub customer_id: CustomerId,
    pub app_user_id: String,
    /// `system` or `agent:<id>`, as the audit log names them.
    pub actor: String,
    pub agent_login: Option<String>,
    pub reason: String,
    pub state: ActionState,
    /// Calls made so far.
    pub attempts: u32,
    /// The backend's confirmation, or why it failed (the last transient error while pending).
    pub detail: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl AccountAction {
    /// The agent who asked, when one did.
    pub fn agent(&self) -> Option<AgentId> {
        self.actor.strip_prefix("agent:").map(AgentId::from)
    }
}

/// The result of one call of the backend for an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    Done {
        detail: String,
    },
    /// A transient failure; call again at `at` with the same key.
    RetryAt {
        at: Millis,
        error: String,
    },
    Failed {
        error: String,
    },
}

/// An agent's record that they verified the customer's identity on a conversation: which
/// checks matched, never what the customer answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityVerification {
    pub conversation_id: ConversationId,
    pub agent: AgentId,
    pub agent_name: String,
    /// The ids of the checks that matched (`registered_phone`, …).
    pub checks: Vec<String>,
    pub verified_at: Millis,
}

/// Transaction details a customer gave while waiting, as extracted from their messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeFields {
    /// When the transaction was made, as the customer put it (`2026-12-07 14:30`, `昨天下午3点`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The amount, as a decimal number (`500`, `12000.50`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// ISO 4217 code of the amount's currency (`CNY` when none was named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The counterparty or merchant (a name, an account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
}

impl IntakeFields {
    /// `self` with what `newer` found over it: a customer's later answer corrects an earlier
    /// one, and a field a message does not mention keeps its value.
    pub fn merged(&self, newer: &IntakeFields) -> IntakeFields {
        let pick = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
        // Amount and currency come together, or the currency of one would label the other.
        let (amount, currency) = match &newer.amount {
            Some(_) => (newer.amount.clone(), newer.currency.clone()),
            None => (self.amount.clone(), self.currency.clone()),
        };
        IntakeFields {
            time: pick(&newer.time, &self.time),
            amount,
            currency,
            counterparty: pick(&newer.counterparty, &self.counterparty),
            order_number: pick(&newer.order_number, &self.order_number),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == IntakeFields::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_answer_corrects_an_earlier_one_and_keeps_what_it_does_not_mention() {
        let first = IntakeFields {
            time: Some("yesterday".into()),
            amount: Some("500".into()),
            currency: Some("USD".into()),
            ..IntakeFields::default()
        };
        let answer = IntakeFields {
            time: Some("2026-12-06 14:30".into()),
            amount: Some("520".into()),
            currency: Some("CNY".into()),
            counterparty: Some("Zhang San".into()),
            order_number: None,
        };
        let merged = first.merged(&answer);
        assert_eq!(merged.time.as_deref(), Some("2026-12-06 14:30"));
        assert_eq!((merged.amount.as_deref(), merged.currency.as_deref()), (Some("520"), Some("CNY")));
        assert_eq!(merged.counterparty.as_deref(), Some("Zhang San"));
        let only_name = IntakeFields { counterparty: Some("Li Si".into()), ..IntakeFields::default() };
        let again = merged.merged(&only_name);
        assert_eq!((again.amount.as_deref(), again.currency.as_deref()), (Some("520"), Some("CNY")));
        assert_eq!(again.counterparty.as_deref(), Some("Li Si"));
        assert!(IntakeFields::default().is_empty() && !again.is_empty());
    }
}
