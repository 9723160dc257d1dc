//! `POST /v1/agent/login`: password login for agents, rate limited per login name and per
//! client address so neither one account nor one client can guess at speed.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::{Value, json};
use switchboard_channel::ErrorCode;

use crate::app::AppState;
use crate::domain::{Millis, to_rfc3339};
use crate::http::error::ApiError;

/// Longest login or password looked at; anything longer is refused before hashing.
const MAX_FIELD: usize = 256;

/// Attempts allowed per login and per address.
pub struct LoginLimits {
    by_login: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginLimits {
    pub fn new(per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        Self { by_login: RateLimiter::keyed(quota), by_address: RateLimiter::keyed(quota) }
    }

    fn allow(&self, login: &str, address: IpAddr) -> bool {
        // Forget idle keys now and then so the maps stay bounded by recent traffic.
        if self.by_login.len() > 10_000 {
            self.by_login.retain_recent();
            self.by_address.retain_recent();
        }
        self.by_address.check_key(&address).is_ok() && self.by_login.check_key(&login.to_lowercase()).is_ok()
    }
}

/// What passwords are checked against when there is no agent to check them for (unknown or
/// disabled), so that such a login takes as long as a wrong password and the time of the
/// answer does not tell which logins exist. Made once, on first use, the way
/// `switchboard agent add` makes real hashes (argon2's defaults), from a random password
/// nobody knows.
fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        let salt = SaltString::generate(&mut OsRng);
        let password: [u8; 32] = rand::random();
        Argon2::default()
            .hash_password(&password, &salt)
            // Default parameters and a generated salt are always valid input.
            .expect("argon2 hashes with its default parameters")
            .to_string()
    });
    &DUMMY
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn unauthorized() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "wrong login or password")
}

/// A string field of the request body, or an answer naming what is wrong with it.
fn string_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message);
    let Some(fields) = body.as_object() else {
        return Err(bad("body must be a JSON object".into()));
    };
    match fields.get(name) {
        None | Some(Value::Null) => Err(bad(format!("field `{name}` is missing"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(bad(format!("field `{name}` must be a string"))),
    }
}

pub async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(ApiError::from_json_rejection)?;
    let login = string_field(&body, "login")?;
    let password = string_field(&body, "password")?;
    if login.len() > MAX_FIELD || password.len() > MAX_FIELD {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, "login or password too long"));
    }
    if !state.login_limits.allow(login, peer.ip()) {
        tracing::warn!(address = %peer.ip(), "Login rate limited");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many login attempts; wait a minute",
        ));
    }
    let agent = state.store.agent_by_login(login).await.map_err(|e| {
        tracing::error!(error = %e, "Agent lookup failed");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "try again shortly")
    })?;
    let agent = agent.filter(|a| !a.disabled);
    let hash = agent.as_ref().map(|a| a.password_hash.clone());
    let password = password.to_owned();
    // argon2 is deliberately slow: keep it off the async workers.
    let valid = tokio::task::spawn_blocking(move || match &hash {
        Some(hash) => verify(hash, &password),
        None => verify(dummy_hash(), &password),
    })
    .await
    .unwrap_or(false);
    let Some(agent) = agent.filter(|_| valid) else {
        tracing::info!(address = %peer.ip(), "Login refused");
        return Err(unauthorized());
    };
    let (token, expires_at) = state.agent_tokens.issue(&agent.id, Millis::wall());
    tracing::info!(agent_id = %agent.id, "Logged in");
    Ok(Json(json!({ "token": token, "expires_at": to_rfc3339(expires_at) })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_ones() {
        let dummy = PasswordHash::new(dummy_hash()).unwrap();
        let (params, defaults) = (argon2::Params::try_from(&dummy).unwrap(), argon2::Params::default());
        let costs = |p: &argon2::Params| (p.m_cost(), p.t_cost(), p.p_cost());
        assert_eq!(costs(&params), costs(&defaults));
        assert_eq!(dummy.algorithm, argon2::Algorithm::default().ident());
        assert!(!verify(dummy_hash(), ""));
    }

    #[test]
    fn body_fields_are_named_when_wrong() {
        let message = |body: Value, field: &str| string_field(&body, field).unwrap_err().message;
        assert_eq!(message(json!({ "password": "x" }), "login"), "field `login` is missing");
        assert_eq!(message(json!({ "login": 7 }), "login"), "field `login` must be a string");
        assert_eq!(message(json!([1]), "login"), "body must be a JSON object");
        assert_eq!(string_field(&json!({ "login": "kim" }), "login").unwrap(), "kim");
    }
}
