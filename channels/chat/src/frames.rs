//! The frames of the customer chat websocket. Every frame is one JSON text frame with a
//! `type`; unknown fields are ignored, an unknown `type` is an error the client is told about.

use serde::{Deserialize, Serialize};

use crate::limits::ErrorCode;

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

/// Why a text frame is not a client frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame is not a JSON object with a string \"type\"")]
    NotAFrame,
    #[error("unknown frame type {0:?}")]
    UnknownType(String),
    #[error("invalid {kind} frame: {reason}")]
    Invalid { kind: String, reason: String },
}

impl FrameError {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::BadRequest
    }
}

/// Parses a frame of a websocket whose frame types are `T`: a JSON object whose `type` is one
/// of `known`. Shared by the customer chat and the agent console.
pub fn parse_frame<T: serde::de::DeserializeOwned>(text: &str, known: &[&str]) -> Result<T, FrameError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| FrameError::NotAFrame)?;
    let kind = value.get("type").and_then(|t| t.as_str()).ok_or(FrameError::NotAFrame)?.to_owned();
    if !known.contains(&kind.as_str()) {
        return Err(FrameError::UnknownType(kind));
    }
    serde_json::from_value(value).map_err(|e| FrameError::Invalid { kind, reason: e.to_string() })
}

impl ClientFrame {
    pub const TYPES: &'static [&'static str] = &["hello", "send", "typing", "read"];

    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let frame: Self = parse_frame(text, Self::TYPES)?;
        if let ClientFrame::Send { client_id, .. } = &frame
            && (client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_LEN)
        {
            return Err(FrameError::Invalid {
                kind: "send".into(),
                reason: format!("client_id must be 1 to {MAX_CLIENT_ID_LEN} characters"),
            });
        }
        Ok(frame)
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
        let long = "x".repeat(65);
        let frame = format!(r#"{{"type":"send","client_id":"{long}","text":"x"}}"#);
        assert!(matches!(ClientFrame::parse(&frame), Err(FrameError::Invalid { .. })));
    }

    #[test]
    fn server_frames_serialize_as_the_contract_says() {
        let f = ServerFrame::Ack { client_id: "c1".into(), conversation_id: "cv_1".into(), seq: 3 };
        assert_eq!(f.to_json(), r#"{"type":"ack","client_id":"c1","conversation_id":"cv_1","seq":3}"#);
        let w = ServerFrame::Welcome { customer_id: "cu_1".into(), conversation_id: None, last_seq: 0 };
        assert_eq!(w.to_json(), r#"{"type":"welcome","customer_id":"cu_1","conversation_id":null,"last_seq":0}"#);
    }
}
