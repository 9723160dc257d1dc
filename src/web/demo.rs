//! `POST /chat-demo/token`: a customer token for the demo chat widget, signed with the chat's
//! secret as the app's backend would sign one. Demo customers' ids start with `demo-`, so
//! they are never mistaken for the app's users.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_channel::ErrorCode;

use super::DemoState;
use crate::domain::to_rfc3339;
use crate::http::error::ApiError;

/// How long a demo token lasts; the widget asks for a new one when it reconnects.
const TOKEN_TTL_S: i64 = 3600;
/// What every demo customer's id starts with.
const PREFIX: &str = "demo-";
/// Longest demo customer id and name, in characters.
const MAX_ID_CHARS: usize = 64;
const MAX_NAME_CHARS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The demo customer the widget was before (after a reload); a new one when absent.
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// `zh` or `en`.
    #[serde(default)]
    lang: Option<String>,
}

pub async fn token(
    State(demo): State<Arc<DemoState>>,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(ApiError::from_json_rejection)?;
    let bad = |why: &str| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, why);
    let user = match request.user {
        Some(user) => {
            let ok = user.starts_with(PREFIX)
                && user.chars().count() <= MAX_ID_CHARS
                && user.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(bad("user must be a demo id: demo- and at most 64 letters, digits, - or _"));
            }
            user
        }
        None => format!("{PREFIX}{}", uuid::Uuid::now_v7().simple()),
    };
    let name = request.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
        return Err(bad("name must be at most 100 characters"));
    }
    let lang = match request.lang.as_deref() {
        None | Some("en") => "en",
        Some("zh") => "zh",
        Some(_) => return Err(bad("lang must be zh or en")),
    };
    let now = demo.clock.now();
    let exp = now.0 / 1000 + TOKEN_TTL_S;
    let mut claims = json!({ "sub": user, "exp": exp, "lang": lang });
    if let Some(name) = name {
        claims["name"] = json!(name);
    }
    // HS256 signing of a small claim set cannot fail.
    let token = encode(&Header::default(), &claims, &EncodingKey::from_secret(&demo.secret)).unwrap_or_default();
    tracing::info!(customer = %user, "Demo token issued");
    Ok(Json(json!({
        "token": token,
        "user": user,
        "expires_at": to_rfc3339(crate::domain::Millis(exp * 1000)),
    })))
}
