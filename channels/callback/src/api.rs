//! `POST /v1/callbacks`, `GET` and `DELETE /v1/callbacks/{id}` (PROTOCOL.md section 3): the
//! customer's token, the limits, the body's checks, then the daemon's desk.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use switchboard_channel::customer_token::CustomerClaims;
use switchboard_channel::{CallbackRequest, SenderIdentity};

use crate::Shared;
use crate::body::read_limited;
use crate::config::RateConfig;
use crate::error::ApiError;
use crate::phone;
use crate::rate::KeyedLimit;
use crate::record;

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

/// The limits of `[callback.rate]`.
pub struct Limits {
    per_customer: KeyedLimit<String>,
    per_phone: KeyedLimit<String>,
    per_address: KeyedLimit<Option<IpAddr>>,
}

impl Limits {
    pub fn new(rate: &RateConfig) -> Self {
        Self {
            per_customer: KeyedLimit::new(rate.per_customer_per_hour, HOUR),
            per_phone: KeyedLimit::new(rate.per_phone_per_hour, HOUR),
            per_address: KeyedLimit::new(rate.per_address_per_minute, MINUTE),
        }
    }
}

/// The address a client is counted by, as the console's login counts it: an IPv4 address as
/// it is, an IPv6 address by its /64 (anyone with one has 2^64 addresses). `None`, counted as
/// one "unknown" client, when the server gave no peer address.
fn network(peer: Option<SocketAddr>) -> Option<IpAddr> {
    peer.map(|peer| match peer.ip().to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    })
}

type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn peer_address(peer: Peer) -> Option<SocketAddr> {
    peer.map(|Extension(ConnectInfo(addr))| addr)
}

/// The claims of the request's bearer token.
fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<CustomerClaims, ApiError> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let token = value
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| ApiError::unauthorized("Authorization: Bearer <customer token> is required"))?;
    shared.tokens.verify(token).map_err(|e| ApiError::unauthorized(e.to_string()))
}

fn count(result: &'static str) {
    metrics::counter!("switchboard_callback_requests_total", "result" => result).increment(1);
}

/// `POST /v1/callbacks`.
pub async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, peer: Peer, body: Body) -> Response {
    match try_create(&shared, &headers, peer_address(peer), body).await {
        Ok((record, created)) => {
            count(if created { "created" } else { "existing" });
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            (status, Json(record::to_json(&record))).into_response()
        }
        Err(e) => {
            count(e.code.as_str());
            e.into_response()
        }
    }
}

async fn try_create(
    shared: &Shared,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    body: Body,
) -> Result<(switchboard_channel::CallbackRecord, bool), ApiError> {
    let now = shared.clock.now();
    // The address first: it is the only limit a client without a valid token meets.
    shared.limits.per_address.check(network(peer), now).map_err(|w| ApiError::rate_limited("from this address", w))?;
    let claims = authorize(shared, headers)?;
    let body = read_limited(headers, body, shared.max_body_bytes).await?;
    shared
        .limits
        .per_customer
        .check(claims.sub.clone(), now)
        .map_err(|w| ApiError::rate_limited("from this customer", w))?;
    let asked = shared.checks.check(&body, now)?;
    if let Some(window) = asked.window
        && !shared.rules.window_callable(&asked.zone, window, now)
    {
        let why = format!("no calling hours fall inside the window, in the customer's time zone {}", asked.zone);
        return Err(ApiError::field("window", why));
    }
    shared
        .limits
        .per_phone
        .check(asked.phone.e164.clone(), now)
        .map_err(|w| ApiError::rate_limited("for this number", w))?;
    // The token's number, compared in the same form: a differently written same number holds.
    let vouched = claims.phone.as_deref().and_then(|p| phone::parse(p).ok()).map(|p| p.e164);
    let unverified_phone = vouched.as_deref() != Some(asked.phone.e164.as_str());
    let request = CallbackRequest {
        sender: SenderIdentity {
            app_user_id: Some(claims.sub.clone()),
            email: claims.email,
            phone: Some(asked.phone.e164.clone()),
            name: asked.name.or(claims.name),
            lang: asked.lang.or(claims.lang),
            tier: claims.tier,
        },
        phone: asked.phone.e164,
        zone: asked.zone,
        reason: asked.reason,
        window: asked.window,
        unverified_phone,
    };
    let (record, created) = shared.desk.request(request).await.map_err(|e| {
        tracing::warn!(reason = %e, "Callback request not taken");
        ApiError::from_refused(&e)
    })?;
    tracing::info!(callback_id = %record.id, conversation_id = %record.conversation_id, created, unverified_phone, "Callback requested");
    Ok((record, created))
}

/// `GET /v1/callbacks/{id}`.
pub async fn get(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let found = async {
        let claims = authorize(&shared, &headers)?;
        shared.desk.find(&id, &claims.sub).await.map_err(|e| ApiError::from_refused(&e))
    };
    answer(found.await)
}

/// `DELETE /v1/callbacks/{id}`: cancels the request (nothing changes once it has ended).
pub async fn cancel(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let cancelled = async {
        let claims = authorize(&shared, &headers)?;
        let record = shared.desk.cancel(&id, &claims.sub).await.map_err(|e| ApiError::from_refused(&e))?;
        if let Some(record) = &record {
            tracing::info!(callback_id = %record.id, status = %record.status, "Callback cancelled by the customer");
        }
        Ok(record)
    };
    answer(cancelled.await)
}

/// 200 with the record, or 404 for one that is not the customer's (or none at all: the two
/// look alike, so ids cannot be probed).
fn answer(found: Result<Option<switchboard_channel::CallbackRecord>, ApiError>) -> Response {
    match found {
        Ok(Some(record)) => Json(record::to_json(&record)).into_response(),
        Ok(None) => ApiError::not_found().into_response(),
        Err(e) => e.into_response(),
    }
}
