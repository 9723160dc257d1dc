//! The frames of the customer chat websocket. Every frame is one JSON text frame with a
//! `type`; unknown fields are ignored, an unknown `type` is an error the client is told about.

use serde::{Deserialize, Serialize};

use switchboard_channel::ErrorCode;
use switchboard_channel::websocket::{FrameError, parse_frame};

/// Longest `client_id` accepted.
pub const MAX_CLIENT_ID_LEN: usize = 64;

/// A frame from the customer's app.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Hello {
        token: String,
        /// The highest `seq` the client has; every later customer-visible message is replayed.
        #[serde(default)]
        resume_after: Option<i64>,
    },
    Send {
        client_id: String,
        text: String,
    },
    Typing {
        on: bool,
    },
    Read {
        seq: i64,
    },
}

impl ClientFrame {
    pub const TYPES: &'static [&'static str] = &["hello", "send", "typing", "read"];

    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let frame: Self = parse_frame(text, Self::TYPES)?;
        if let ClientFrame::Send { client_id, .. } = &frame
            && (client_id.is_empty() || client_id.chars().count() > MAX_CLIENT_ID_LEN)
        {
            return Err(FrameError::Invalid {
                kind: "send".into(),
                reason: format!("client_id must be 1 to {MAX_CLIENT_ID_LEN} characters"),
            });
        }
        Ok(frame)
    }
}

/// Why a `hello`'s `resume_after` is unusable, if it is: a client that mistyped it must be
/// told so, not sent to refresh a token that is fine.
pub fn bad_resume_after(hello: &str) -> Option<&'static str> {
    let value: serde_json::Value = serde_json::from_str(hello).ok()?;
    match value.get("resume_after") {
        None | Some(serde_json::Value::Null) => None,
        Some(n) if n.as_i64().is_some_and(|n| n >= 0) => None,
        Some(_) => Some("resume_after must be a whole number of 0 or more"),
    }
}

/// Who wrote a message, as the customer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Author {
    /// `customer`, `agent` or `system`.
    pub role: &'static str,
    pub name: String,
}

/// The agent a conversation is assigned to, as the customer sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentName {
    pub name: String,
}

/// A frame to the customer's app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Welcome { customer_id: String, conversation_id: Option<String>, last_seq: i64 },
    Ack { client_id: String, conversation_id: String, seq: i64 },
    Message { conversation_id: String, seq: i64, author: Author, text: String, sent_at: String },
    Queue { position: u32, estimated_wait_s: u32 },
    Assigned { agent: AgentName },
    Typing { on: bool },
    Status { conversation_id: String, status: &'static str },
    Error { code: &'static str, message: String },
}

impl ServerFrame {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerFrame::Error { code: code.as_str(), message: message.into() }
    }

    /// The frame as JSON text. Serializing these plain structs cannot fail.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_frames_ignoring_unknown_fields() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"hello","token":"t","resume_after":4,"extra":1}"#).unwrap(),
            ClientFrame::Hello { token: "t".into(), resume_after: Some(4) }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"send","client_id":"c1","text":"hi"}"#).unwrap(),
            ClientFrame::Send { client_id: "c1".into(), text: "hi".into() }
        );
    }

    #[test]
    fn tells_unknown_types_from_malformed_frames() {
        assert_eq!(ClientFrame::parse(r#"{"type":"dance"}"#), Err(FrameError::UnknownType("dance".into())));
        assert_eq!(ClientFrame::parse("{not json"), Err(FrameError::NotAFrame));
        assert_eq!(ClientFrame::parse(r#"{"text":"no type"}"#), Err(FrameError::NotAFrame));
        assert!(matches!(ClientFrame::parse(r#"{"type":"send","text":"x"}"#), Err(FrameError::Invalid { .. })));
        let wide = "é".repeat(64);
        let frame = format!(r#"{{"type":"send","client_id":"{wide}","text":"x"}}"#);
        assert!(ClientFrame::parse(&frame).is_ok(), "64 characters are allowed, however many bytes");
        let long = "x".repeat(65);
        let frame = format!(r#"{{"type":"send","client_id":"{long}","text":"x"}}"#);
        assert!(matches!(ClientFrame::parse(&frame), Err(FrameError::Invalid { .. })));
    }

    #[test]
    fn a_mistyped_resume_after_is_named() {
        for bad in [r#""4""#, "4.5", "true", "-1", "9223372036854775808"] {
            let hello = format!(r#"{{"type":"hello","token":"t","resume_after":{bad}}}"#);
            assert!(bad_resume_after(&hello).is_some(), "{bad}");
        }
        assert_eq!(bad_resume_after(r#"{"type":"hello","token":"t","resume_after":0}"#), None);
        assert_eq!(bad_resume_after(r#"{"type":"hello","token":"t"}"#), None);
    }

    #[test]
    fn server_frames_serialize_as_the_contract_says() {
        let f = ServerFrame::Ack { client_id: "c1".into(), conversation_id: "cv_1".into(), seq: 3 };
        assert_eq!(f.to_json(), r#"{"type":"ack","client_id":"c1","conversation_id":"cv_1","seq":3}"#);
        let w = ServerFrame::Welcome { customer_id: "cu_1".into(), conversation_id: None, last_seq: 0 };
        assert_eq!(w.to_json(), r#"{"type":"welcome","customer_id":"cu_1","conversation_id":null,"last_seq":0}"#);
    }
}
