//! Values the rules' unit tests start from.

use switchboard_channel::ChannelKind;

use super::{Conversation, ConversationId, ConversationStatus, CustomerId, Millis, Priority};

/// 2026-11-22T08:15:00Z: every test's time starts here.
pub const T0: Millis = Millis(1_795_335_300_000);

pub fn at(offset_ms: i64) -> Millis {
    Millis(T0.0 + offset_ms)
}

/// A chat conversation in `status` with three messages, opened and last changed at [`T0`]
/// and not yet triaged. Assigned conversations (and those further on) belong to `ag_mei`.
pub fn conversation(status: ConversationStatus) -> Conversation {
    use ConversationStatus::*;
    let assignee = matches!(status, Assigned | WaitingOnCustomer | Resolved | Closed).then(|| "ag_mei".into());
    Conversation {
        id: ConversationId::from("cv_1"),
        customer_id: CustomerId::from("cu_1"),
        channel: ChannelKind::Chat,
        status,
        subject: None,
        category: None,
        priority: Priority::Normal,
        language: Some("zh".to_owned()),
        queue: None,
        assignee,
        last_seq: 3,
        secrets_redacted: false,
        created_at: T0,
        first_response_at: None,
        last_customer_message_at: Some(T0),
        waiting_since: T0,
        updated_at: T0,
        triage_signal: None,
        sla_breached: false,
        held_until: None,
        reference: "K3F9Q2MX".to_owned(),
        account: None,
    }
}
