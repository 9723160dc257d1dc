//! The body of `POST /v1/callbacks`, checked field by field: each refusal names its field,
//! and nothing past the first refusal is looked at.

use std::time::Duration;

use axum::http::StatusCode;
use jiff::Timestamp;
use serde_json::{Map, Value};
use switchboard_channel::{CallWindow, ErrorCode, Millis};

use crate::do_not_call::DoNotCall;
use crate::error::ApiError;
use crate::phone::{self, Phone};
use crate::zones::{self, ZoneDefaults};

/// Longest display name accepted, in characters.
const MAX_NAME_CHARS: usize = 100;
/// Longest language tag accepted (`zh-Hant-HK` is 10).
const MAX_LANG_LEN: usize = 16;

/// What the body's checks need from the configuration.
pub struct Checks {
    pub max_reason_chars: usize,
    pub horizon: Duration,
    pub do_not_call: DoNotCall,
    pub zones: ZoneDefaults,
}

/// A request body that holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    pub phone: Phone,
    pub reason: String,
    pub name: Option<String>,
    pub lang: Option<String>,
    pub window: Option<CallWindow>,
    /// The zone the customer is called in (named, or the default for the number's country).
    pub zone: String,
}

impl Checks {
    /// The body's fields, checked at `now`. Fields not listed here are ignored, as the
    /// protocol lets clients send newer optional fields.
    pub fn check(&self, body: &[u8], now: Millis) -> Result<Asked, ApiError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| ApiError::bad_request("body is not valid JSON"))?;
        let Value::Object(body) = value else {
            return Err(ApiError::bad_request("body must be a JSON object"));
        };
        let phone_text = string(&body, "phone")?.ok_or_else(|| ApiError::field("phone", "phone is required"))?;
        let phone = phone::parse(phone_text).map_err(|e| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidPhone, e.to_string()).with_field("phone")
        })?;
        if self.do_not_call.blocks(&phone.e164) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::DoNotCall, "this number is not called")
                .with_field("phone"));
        }
        let reason = string(&body, "reason")?.map(str::trim).unwrap_or_default();
        if reason.is_empty() {
            return Err(ApiError::field("reason", "reason is required"));
        }
        if reason.chars().count() > self.max_reason_chars {
            return Err(ApiError::field(
                "reason",
                format!("reason is longer than {} characters", self.max_reason_chars),
            ));
        }
        // A blank name is taken as none given: the token's is used.
        let name = string(&body, "name")?.map(str::trim).filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control)) {
            return Err(ApiError::field("name", format!("name must be at most {MAX_NAME_CHARS} characters of text")));
        }
        let lang = string(&body, "lang")?;
        if lang.is_some_and(|l| !is_language_tag(l)) {
            return Err(ApiError::field("lang", "lang must be a language tag such as zh or en"));
        }
        let window = self.window(&body, now)?;
        let zone = match string(&body, "zone")? {
            Some(zone) => zones::canonical(zone).map_err(|e| ApiError::field("zone", format!("zone: {e}")))?,
            None => self.zones.for_country(phone.country.as_deref()).to_owned(),
        };
        Ok(Asked {
            phone,
            reason: reason.to_owned(),
            name: name.map(str::to_owned),
            lang: lang.map(str::to_owned),
            window,
            zone,
        })
    }

    fn window(&self, body: &Map<String, Value>, now: Millis) -> Result<Option<CallWindow>, ApiError> {
        let window = match body.get("window") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(window)) => window,
            Some(_) => return Err(ApiError::field("window", "window must be an object with start and end")),
        };
        let start = time(window, "start", "window.start")?;
        let end = time(window, "end", "window.end")?;
        if start >= end {
            return Err(ApiError::field("window.start", "window.start must be before window.end"));
        }
        if end <= now {
            return Err(ApiError::field("window.end", "window.end must be in the future"));
        }
        if end > now.plus(self.horizon) {
            let days = self.horizon.as_secs() / 86_400;
            return Err(ApiError::field("window.end", format!("window.end must be within {days} days from now")));
        }
        Ok(Some(CallWindow { start, end }))
    }
}

/// A string field; `None` when absent or null.
fn string<'a>(body: &'a Map<String, Value>, field: &'static str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::field(field, format!("{field} must be a string"))),
    }
}

fn time(window: &Map<String, Value>, key: &str, field: &'static str) -> Result<Millis, ApiError> {
    let text = match window.get(key) {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => return Err(ApiError::field(field, format!("{field} is required in a window"))),
        Some(_) => return Err(ApiError::field(field, format!("{field} must be an RFC 3339 time"))),
    };
    let t: Timestamp = text.parse().map_err(|_| ApiError::field(field, format!("{field} must be an RFC 3339 time")))?;
    Ok(Millis(t.as_millisecond()))
}

/// `zh`, `en`, `zh-Hant-HK`: a primary language of 2 or 3 letters, then subtags.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    tag.len() <= MAX_LANG_LEN
        && (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn checks() -> Checks {
        Checks {
            max_reason_chars: 10,
            horizon: Duration::from_secs(14 * 86_400),
            do_not_call: DoNotCall::new(&["+12025550143".into()]).unwrap(),
            zones: ZoneDefaults::new(&BTreeMap::from([("GB".into(), "Europe/Dublin".into())]), "UTC").unwrap(),
        }
    }

    const NOW: Millis = Millis(1_795_335_300_000); // 2026-11-22T08:15:00Z

    fn asked(body: &str) -> Result<Asked, ApiError> {
        checks().check(body.as_bytes(), NOW)
    }

    #[test]
    fn the_zone_comes_from_the_request_then_the_config_then_the_country() {
        let zone = |body: &str| asked(body).unwrap().zone;
        assert_eq!(zone(r#"{"phone":"+8613800138000","reason":"refund"}"#), "Asia/Shanghai");
        assert_eq!(zone(r#"{"phone":"+447400123456","reason":"refund"}"#), "Europe/Dublin");
        assert_eq!(
            zone(r#"{"phone":"+8613800138000","reason":"refund","zone":"America/Vancouver"}"#),
            "America/Vancouver"
        );
        let e = asked(r#"{"phone":"+8613800138000","reason":"refund","zone":"Moon/Base"}"#).unwrap_err();
        assert_eq!((e.status, e.field), (StatusCode::BAD_REQUEST, Some("zone")));
    }

    #[test]
    fn reasons_count_characters_not_bytes() {
        assert_eq!(
            asked(r#"{"phone":"+8613800138000","reason":"  我的钱没有到账请回电  "}"#).unwrap().reason.chars().count(),
            10
        );
        let e = asked(r#"{"phone":"+8613800138000","reason":"我的钱没有到账请回电话"}"#).unwrap_err();
        assert_eq!(e.field, Some("reason"));
    }

    #[test]
    fn language_tags() {
        assert!(["zh", "en", "zh-Hant-HK", "yue"].into_iter().all(is_language_tag));
        assert!(!["z", "english", "zh_CN", "zh-", "<b>"].into_iter().any(is_language_tag));
    }
}
