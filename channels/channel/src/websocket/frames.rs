//! Reading a client's text frame: a JSON object with a string `type`. Unknown fields are
//! ignored; an unknown `type` is an error the client is told about.

use serde::Serialize;

use crate::codes::ErrorCode;

/// Why a text frame is not a frame of the protocol.
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
/// of `known`.
pub fn parse_frame<T: serde::de::DeserializeOwned>(text: &str, known: &[&str]) -> Result<T, FrameError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| FrameError::NotAFrame)?;
    let kind = value.get("type").and_then(|t| t.as_str()).ok_or(FrameError::NotAFrame)?.to_owned();
    if !known.contains(&kind.as_str()) {
        return Err(FrameError::UnknownType(kind));
    }
    serde_json::from_value(value).map_err(|e| FrameError::Invalid { kind, reason: e.to_string() })
}

/// The `error` frame both protocols share: `{"type":"error","code":C,"message":M}`.
pub fn error_frame(code: ErrorCode, message: impl Into<String>) -> String {
    #[derive(Serialize)]
    struct Error<'a> {
        r#type: &'static str,
        code: &'static str,
        message: &'a str,
    }
    let message = message.into();
    // Serializing two strings cannot fail.
    serde_json::to_string(&Error { r#type: "error", code: code.as_str(), message: &message }).unwrap_or_default()
}
