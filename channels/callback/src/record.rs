//! A callback request as the API shows it.

use serde_json::{Value, json};
use switchboard_channel::{CallbackRecord, to_rfc3339};

/// `{"id","conversation_id","status","attempts","outcome","failure","phone","zone",
/// "window":{"start","end"}|null,"next_attempt_at","created_at","updated_at"}`.
pub fn to_json(record: &CallbackRecord) -> Value {
    json!({
        "id": record.id,
        "conversation_id": record.conversation_id,
        "status": record.status.as_str(),
        "attempts": record.attempts,
        "outcome": record.outcome.map(|o| o.as_str()),
        "failure": record.failure,
        "phone": record.phone,
        "zone": record.zone,
        "window": record.window.map(|w| json!({ "start": to_rfc3339(w.start), "end": to_rfc3339(w.end) })),
        "next_attempt_at": record.next_attempt_at.map(to_rfc3339),
        "created_at": to_rfc3339(record.created_at),
        "updated_at": to_rfc3339(record.updated_at),
    })
}
