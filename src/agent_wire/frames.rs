//! The frames of the agent console websocket (PROTOCOL.md section 2).

use serde::{Deserialize, Serialize};
use switchboard_channel::websocket::{FrameError, parse_frame};

/// Longest `client_id` accepted, in characters.
const MAX_CLIENT_ID_LEN: usize = 64;
/// Most `cc` addresses one reply may add.
const MAX_CC: usize = 20;
/// Longest reason a transfer or account action may give, in characters.
const MAX_REASON_CHARS: usize = 500;
/// Most checks one identity verification may tick, and the longest id of one.
const MAX_CHECKS: usize = 20;
const MAX_CHECK_ID: usize = 64;

use super::view::{ConversationView, MessageView, Summary};

/// A frame from an agent's console.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentFrame {
    Hello {
        token: String,
    },
    Status {
        status: String,
        /// A supervisor setting another agent's status: their login or id.
        #[serde(default)]
        agent: Option<String>,
    },
    Accept {
        offer_id: String,
    },
    Decline {
        offer_id: String,
    },
    Open {
        conversation_id: String,
    },
    Reply {
        conversation_id: String,
        client_id: String,
        text: String,
        /// More recipients of an email reply.
        #[serde(default)]
        cc: Vec<String>,
    },
    Note {
        conversation_id: String,
        client_id: String,
        text: String,
    },
    Transfer {
        conversation_id: String,
        queue: Option<String>,
        agent: Option<String>,
        /// Why, for the next agent and the audit log.
        #[serde(default)]
        reason: Option<String>,
    },
    Resolve {
        conversation_id: String,
    },
    CallbackOutcome {
        conversation_id: String,
        outcome: String,
        note: Option<String>,
    },
    Typing {
        conversation_id: String,
        on: bool,
    },
    /// A supervisor asks for `stats` frames.
    SubscribeStats,
    UnsubscribeStats,
    /// Asks the wallet's backend to act on the conversation's customer's account.
    AccountAction {
        conversation_id: String,
        action: String,
        reason: String,
    },
    /// The agent verified the customer's identity by these checks (ids only, never values).
    VerifyIdentity {
        conversation_id: String,
        checks: Vec<String>,
    },
    /// Asks for the canned responses (answered with `canned`).
    CannedList,
    /// A supervisor adds a canned response (no `id`) or replaces one (its `id`).
    CannedSave {
        #[serde(default)]
        id: Option<String>,
        lang: String,
        title: String,
        text: String,
    },
    /// A supervisor deletes a canned response.
    CannedDelete {
        id: String,
    },
}

impl AgentFrame {
    const TYPES: &'static [&'static str] = &[
        "hello",
        "status",
        "accept",
        "decline",
        "open",
        "reply",
        "note",
        "transfer",
        "resolve",
        "callback_outcome",
        "typing",
        "subscribe_stats",
        "unsubscribe_stats",
        "account_action",
        "verify_identity",
        "canned_list",
        "canned_save",
        "canned_delete",
    ];

    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let frame: Self = parse_frame(text, Self::TYPES)?;
        if let AgentFrame::Reply { client_id, .. } | AgentFrame::Note { client_id, .. } = &frame
            && (client_id.is_empty() || client_id.chars().count() > MAX_CLIENT_ID_LEN)
        {
            return Err(FrameError::Invalid {
                kind: "reply".into(),
                reason: format!("client_id must be 1 to {MAX_CLIENT_ID_LEN} characters"),
            });
        }
        if let AgentFrame::Transfer { reason: Some(reason), .. } = &frame
            && reason.chars().count() > MAX_REASON_CHARS
        {
            return Err(FrameError::Invalid {
                kind: "transfer".into(),
                reason: format!("reason must be at most {MAX_REASON_CHARS} characters"),
            });
        }
        if let AgentFrame::AccountAction { reason, .. } = &frame
            && (reason.trim().is_empty() || reason.chars().count() > MAX_REASON_CHARS)
        {
            return Err(FrameError::Invalid {
                kind: "account_action".into(),
                reason: format!("reason must be 1 to {MAX_REASON_CHARS} characters"),
            });
        }
        if let AgentFrame::VerifyIdentity { checks, .. } = &frame
            && (checks.is_empty() || checks.len() > MAX_CHECKS || checks.iter().any(|c| c.len() > MAX_CHECK_ID))
        {
            return Err(FrameError::Invalid {
                kind: "verify_identity".into(),
                reason: format!("checks must be 1 to {MAX_CHECKS} check ids"),
            });
        }
        if let AgentFrame::Reply { cc, .. } = &frame {
            if cc.len() > MAX_CC {
                return Err(FrameError::Invalid {
                    kind: "reply".into(),
                    reason: format!("at most {MAX_CC} cc addresses"),
                });
            }
            if let Some(bad) = cc.iter().find(|a| switchboard_email::check_address(a).is_err()) {
                return Err(FrameError::Invalid {
                    kind: "reply".into(),
                    reason: format!("cc {bad:?} is not an address"),
                });
            }
        }
        Ok(frame)
    }
}

/// The agent as their console shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentInfo {
    pub id: String,
    pub name: String,
    /// The agent may supervise: see every queue and agent, and keep canned responses (an
    /// extension).
    pub supervisor: bool,
}

/// A frame to an agent's console.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConsoleFrame {
    Welcome {
        agent: AgentInfo,
        status: &'static str,
        conversations: Vec<Summary>,
        /// The account actions and identity checklists the console may offer (an extension).
        playbook: crate::playbook::PlaybookInfo,
    },
    Status {
        status: &'static str,
        /// Set when routing or a supervisor changed it, not the agent: `missed_offers`,
        /// `supervisor`.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The agent whose status a supervisor set, in the supervisor's confirmation.
        #[serde(skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
    },
    Offer {
        offer_id: String,
        conversation: Summary,
        expires_in_s: u64,
    },
    OfferRevoked {
        offer_id: String,
        reason: &'static str,
    },
    Assigned {
        conversation: ConversationView,
    },
    Unassigned {
        conversation_id: String,
        reason: &'static str,
    },
    Conversation {
        conversation: ConversationView,
    },
    Message(MessageView),
    Ack {
        client_id: String,
        conversation_id: String,
        seq: Option<i64>,
    },
    Delivery {
        conversation_id: String,
        seq: i64,
        state: &'static str,
        detail: String,
    },
    Typing {
        conversation_id: String,
        on: bool,
    },
    /// The customer has seen the conversation up to `seq` (an extension of the contract).
    Read {
        conversation_id: String,
        seq: i64,
    },
    Error {
        code: &'static str,
        message: String,
        /// The refused reply or note (an extension), so a console that sends several
        /// without waiting knows which one failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Queues and agents, for supervisors who subscribed.
    Stats(super::stats::Stats),
    /// A waiting conversation passed its first-response target (to subscribed supervisors).
    SlaBreached {
        conversation_id: String,
        queue: String,
        priority: &'static str,
        /// Where it moved, when its queue overflows.
        #[serde(skip_serializing_if = "Option::is_none")]
        moved_to: Option<String>,
    },
    /// A callback request changed: an outcome was recorded, a retry scheduled, the dialer
    /// called or failed to (an extension).
    Callback {
        conversation_id: String,
        callback: crate::agent_wire::view::CallbackView,
        /// What happened, in words for the agent, when there is more to say than the state.
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// Where an account action stands (an extension).
    AccountAction(crate::agent_wire::view::ActionView),
    /// An agent verified the customer's identity on a conversation (an extension).
    IdentityVerified {
        conversation_id: String,
        identity_verified: crate::agent_wire::view::VerificationView,
    },
    /// Transaction details taken in from the waiting customer changed (an extension).
    Intake {
        conversation_id: String,
        intake: crate::domain::IntakeFields,
    },
    /// Every canned response (an extension): the answer to `canned_list`, and sent to every
    /// agent whenever a supervisor changes one.
    Canned {
        responses: Vec<super::view::CannedView>,
    },
}

impl ConsoleFrame {
    pub fn error(code: switchboard_channel::ErrorCode, message: impl Into<String>) -> Self {
        ConsoleFrame::Error { code: code.as_str(), message: message.into(), client_id: None }
    }

    /// The frame as JSON text; serializing these plain structs cannot fail.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_transfer_to_queue_or_agent() {
        assert_eq!(
            AgentFrame::parse(r#"{"type":"transfer","conversation_id":"c","queue":"security"}"#).unwrap(),
            AgentFrame::Transfer {
                conversation_id: "c".into(),
                queue: Some("security".into()),
                agent: None,
                reason: None
            }
        );
        let long =
            format!(r#"{{"type":"transfer","conversation_id":"c","agent":"li","reason":"{}"}}"#, "x".repeat(501));
        assert!(matches!(AgentFrame::parse(&long), Err(FrameError::Invalid { .. })));
        assert_eq!(AgentFrame::parse(r#"{"type":"subscribe_stats"}"#).unwrap(), AgentFrame::SubscribeStats);
        assert!(matches!(AgentFrame::parse(r#"{"type":"fly"}"#), Err(FrameError::UnknownType(_))));
    }

    #[test]
    fn an_account_action_needs_a_reason_and_a_verification_its_checks() {
        let freeze = r#"{"type":"account_action","conversation_id":"c","action":"freeze","reason":"stolen"}"#;
        assert!(matches!(AgentFrame::parse(freeze), Ok(AgentFrame::AccountAction { .. })));
        let no_reason = r#"{"type":"account_action","conversation_id":"c","action":"freeze","reason":" "}"#;
        assert!(matches!(AgentFrame::parse(no_reason), Err(FrameError::Invalid { .. })));
        let none = r#"{"type":"verify_identity","conversation_id":"c","checks":[]}"#;
        assert!(matches!(AgentFrame::parse(none), Err(FrameError::Invalid { .. })));
        // What the customer answered is not ours to keep: a `values` field is ignored.
        let with_values = r#"{"type":"verify_identity","conversation_id":"c","checks":["phone"],"values":["1234"]}"#;
        assert_eq!(
            AgentFrame::parse(with_values).unwrap(),
            AgentFrame::VerifyIdentity { conversation_id: "c".into(), checks: vec!["phone".into()] }
        );
    }
}
