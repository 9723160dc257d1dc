//! `POST /v1/callbacks/{id}/events`: what the telephone system reports about a call, signed
//! like our requests to it. Each `event_id` is taken once per request: kept durably (through
//! the sink's state) and, within the signature tolerance, in memory, and only once the desk
//! has taken the event, so a retry after a refusal goes through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_channel::{CallEvent, CallEventRefused, ErrorCode, Millis};

use crate::Shared;
use crate::body::read_limited;
use crate::error::ApiError;
use crate::record;
use switchboard_channel::webhook::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// Largest event body accepted: an event is two short strings.
const MAX_EVENT_BYTES: usize = 4096;
/// Longest id, of a callback or of an event, looked at.
const MAX_ID_LEN: usize = 128;
/// Most event ids kept in memory at once; past it, new events wait for the oldest to age out.
const MAX_REMEMBERED: usize = 100_000;

/// The body of an event.
#[derive(Deserialize)]
struct EventBody {
    event: String,
    event_id: String,
}

/// Event ids seen lately, and those a request is taking right now.
pub struct SeenEvents {
    /// Key → when it may be forgotten (`None`: being taken now).
    ids: Mutex<HashMap<String, Option<Millis>>>,
    keep: Duration,
}

/// Why an event id cannot be taken now.
enum Seen {
    Taken,
    Full,
}

impl SeenEvents {
    pub fn new(keep: Duration) -> Self {
        Self { ids: Mutex::new(HashMap::new()), keep }
    }

    /// Marks `key` as being taken, unless it was taken already or is being taken.
    fn begin(&self, key: &str, now: Millis) -> Result<(), Seen> {
        let mut ids = self.ids.lock().unwrap_or_else(PoisonError::into_inner);
        if ids.len() >= MAX_REMEMBERED {
            ids.retain(|_, until| until.is_none_or(|until| until > now));
        }
        if ids.contains_key(key) {
            return Err(Seen::Taken);
        }
        if ids.len() >= MAX_REMEMBERED {
            return Err(Seen::Full);
        }
        ids.insert(key.to_owned(), None);
        Ok(())
    }

    /// Ends a `begin`: remembered when the event was taken, forgotten when it was not.
    fn finish(&self, key: &str, taken: bool, now: Millis) {
        let mut ids = self.ids.lock().unwrap_or_else(PoisonError::into_inner);
        if taken {
            ids.insert(key.to_owned(), Some(now.plus(self.keep)));
        } else {
            ids.remove(key);
        }
    }
}

/// Ids come from a path and a telephone system: kept to what can be a storage key.
fn is_plain_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn count(result: &'static str) {
    metrics::counter!("switchboard_callback_events_total", "result" => result).increment(1);
}

/// `POST /v1/callbacks/{id}/events`.
pub async fn receive(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match take(&shared, &id, &headers, body).await {
        Ok(record) => {
            count("taken");
            Json(record::to_json(&record)).into_response()
        }
        Err(e) => {
            count(e.code.as_str());
            e.into_response()
        }
    }
}

async fn take(
    shared: &Shared,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<switchboard_channel::CallbackRecord, ApiError> {
    // Without the webhook dialer there is no telephone system to hear from.
    let webhook = shared.webhook.as_ref().ok_or_else(ApiError::not_found)?;
    let body = read_limited(headers, body, MAX_EVENT_BYTES).await?;
    let now = shared.clock.now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    signature::verify(
        webhook.secret.expose().as_bytes(),
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
        now.0.div_euclid(1000),
        webhook.events_tolerance_s,
    )
    .map_err(|e| {
        tracing::warn!(reason = %e, "Call event refused");
        ApiError::unauthorized(e.to_string())
    })?;
    if !is_plain_id(id) {
        return Err(ApiError::not_found());
    }
    let event: EventBody = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("body must be {\"event\":S,\"event_id\":S}"))?;
    let kind: CallEvent = event.event.parse().map_err(|e: String| ApiError::field("event", e))?;
    if !is_plain_id(&event.event_id) {
        return Err(ApiError::field("event_id", "event_id must be 1 to 128 letters, digits, '-', '_' or '.'"));
    }
    let key = format!("pbx-event:{id}:{}", event.event_id);
    shared.seen.begin(&key, now).map_err(|seen| match seen {
        Seen::Taken => replayed(),
        Seen::Full => ApiError::from_refused(&switchboard_channel::Refused::Busy),
    })?;
    let result = take_once(shared, id, kind, &key).await;
    shared.seen.finish(&key, result.is_ok(), now);
    result
}

fn replayed() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, "this event_id was taken already")
}

/// The event, unless taken before; remembered durably once the desk took it.
async fn take_once(
    shared: &Shared,
    id: &str,
    kind: CallEvent,
    key: &str,
) -> Result<switchboard_channel::CallbackRecord, ApiError> {
    match shared.sink.load_state(key).await {
        Ok(Some(_)) => return Err(replayed()),
        Ok(None) => {}
        Err(e) => return Err(ApiError::from_refused(&e)),
    }
    let record = shared.desk.call_event(id, kind).await.map_err(|e| match e {
        CallEventRefused::NotFound => ApiError::not_found(),
        CallEventRefused::Conflict(why) => ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, why),
        CallEventRefused::Refused(r) => ApiError::from_refused(&r),
    })?;
    // The desk has the event: a failure to remember it now is logged, not answered, since
    // the event is in; memory still refuses a replay within the tolerance.
    if let Err(e) = shared.sink.save_state(key, kind.as_str()).await {
        tracing::warn!(callback_id = %id, error = %e, "Call event id not saved");
    }
    tracing::info!(callback_id = %id, event = kind.as_str(), status = %record.status, "Call event taken");
    Ok(record)
}
