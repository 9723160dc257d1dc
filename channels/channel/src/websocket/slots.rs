//! A cap on one side's open websocket connections, counted from the upgrade on so the cap
//! holds before `hello` too. Beyond it a new upgrade is refused with 503 `unavailable`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The open connections of one side (`kind` labels the metrics: `chat`, `agent`).
#[derive(Debug)]
pub struct ConnectionSlots {
    open: AtomicUsize,
    max: usize,
    kind: &'static str,
}

/// One open connection, counted until dropped.
#[derive(Debug)]
pub struct Slot(Arc<ConnectionSlots>);

impl ConnectionSlots {
    pub fn new(max: usize, kind: &'static str) -> Arc<Self> {
        Arc::new(Self { open: AtomicUsize::new(0), max, kind })
    }

    /// Counts a new connection; `None` (counted as refused) when the cap is reached.
    pub fn reserve(self: &Arc<Self>) -> Option<Slot> {
        if self.open.fetch_add(1, Ordering::Relaxed) >= self.max {
            self.open.fetch_sub(1, Ordering::Relaxed);
            metrics::counter!("switchboard_connections_refused_total", "kind" => self.kind).increment(1);
            return None;
        }
        metrics::gauge!("switchboard_open_connections", "kind" => self.kind).increment(1.0);
        Some(Slot(self.clone()))
    }

    /// The answer to an upgrade refused for the cap: 503 `unavailable`.
    pub fn refusal() -> Response {
        let message = "too many open connections; try again shortly";
        let body = serde_json::json!({ "error": { "code": "unavailable", "message": message } });
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
        metrics::gauge!("switchboard_open_connections", "kind" => self.0.kind).decrement(1.0);
    }
}
