//! Reading a client's text frame: a JSON object with a string `type`. Unknown fields are
//! ignored, however deeply they nest; an unknown `type` is an error the client is told about.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::value::RawValue;

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

/// Deepest nesting any field of our frames has; a deeper field cannot be one of ours.
const MAX_FIELD_DEPTH: usize = 16;

/// Parses a frame of a websocket whose frame types are `T`: a JSON object whose `type` is one
/// of `known`.
pub fn parse_frame<T: serde::de::DeserializeOwned>(text: &str, known: &[&str]) -> Result<T, FrameError> {
    // The top level only: each field is kept as raw text, skipped without being built, so an
    // unknown field is ignored however deep it nests (a typed parse would stop at the JSON
    // parser's recursion limit and refuse a valid frame).
    let fields: BTreeMap<String, Box<RawValue>> = serde_json::from_str(text).map_err(|_| FrameError::NotAFrame)?;
    let kind: String =
        fields.get("type").and_then(|t| serde_json::from_str(t.get()).ok()).ok_or(FrameError::NotAFrame)?;
    if !known.contains(&kind.as_str()) {
        return Err(FrameError::UnknownType(kind));
    }
    let typed = if fields.values().all(|v| depth(v.get()) <= MAX_FIELD_DEPTH) {
        serde_json::from_str(text)
    } else {
        serde_json::from_str(&shallow_object(&fields))
    };
    typed.map_err(|e| FrameError::Invalid { kind, reason: reason(&e) })
}

/// The object without its fields nested deeper than any of ours.
fn shallow_object(fields: &BTreeMap<String, Box<RawValue>>) -> String {
    let kept: BTreeMap<&str, &RawValue> =
        fields.iter().filter(|(_, v)| depth(v.get()) <= MAX_FIELD_DEPTH).map(|(k, v)| (k.as_str(), &**v)).collect();
    // Re-serialising parsed keys and raw values cannot fail.
    serde_json::to_string(&kept).unwrap_or_default()
}

/// How deeply a JSON text nests arrays and objects.
fn depth(json: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for b in json.bytes() {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// What is wrong with a frame of a known type, without the parser's positions (a frame is one
/// line, and the client did not write it by hand).
fn reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
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

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Frame {
        Send { text: String, seq: i64 },
        Ping,
    }

    const TYPES: &[&str] = &["send", "ping"];

    fn nested(levels: usize) -> String {
        format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn an_unknown_field_is_ignored_however_deep_it_nests() {
        for levels in [1, 16, 127, 10_000] {
            let text = format!(r#"{{"type":"send","text":"hi","seq":1,"extra":{}}}"#, nested(levels));
            assert_eq!(
                parse_frame::<Frame>(&text, TYPES),
                Ok(Frame::Send { text: "hi".into(), seq: 1 }),
                "{levels} levels"
            );
        }
    }

    #[test]
    fn what_is_wrong_is_said_plainly() {
        assert_eq!(parse_frame::<Frame>("{not json", TYPES), Err(FrameError::NotAFrame));
        assert_eq!(parse_frame::<Frame>(r#"{"type":7}"#, TYPES), Err(FrameError::NotAFrame));
        assert_eq!(parse_frame::<Frame>(r#"["type"]"#, TYPES), Err(FrameError::NotAFrame));
        assert_eq!(parse_frame::<Frame>(r#"{"type":"fly"}"#, TYPES), Err(FrameError::UnknownType("fly".into())));
        let Err(FrameError::Invalid { kind, reason }) = parse_frame::<Frame>(r#"{"type":"send","seq":1}"#, TYPES)
        else {
            panic!("a send without text is invalid")
        };
        assert_eq!((kind.as_str(), reason.as_str()), ("send", "missing field `text`"));
        let Err(FrameError::Invalid { reason, .. }) =
            parse_frame::<Frame>(r#"{"type":"send","text":"x","seq":"one"}"#, TYPES)
        else {
            panic!("a string seq is invalid")
        };
        assert!(!reason.contains("line") && reason.contains("expected i64"), "{reason}");
    }

    #[test]
    fn depth_skips_brackets_inside_strings() {
        assert_eq!(depth(r#"{"a":"[[[{{{","b":[1,{"c":"\"]"}]}"#), 3);
        assert_eq!(depth("12"), 0);
    }
}
