//! Health, readiness and metrics.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use metrics_exporter_prometheus::PrometheusHandle;

use crate::dispatcher::Adapters;
use crate::store::Store;

/// What the operations endpoints look at.
pub struct OpsState {
    pub store: Arc<dyn Store>,
    pub adapters: Adapters,
    pub metrics: PrometheusHandle,
}

/// How long a readiness probe waits for any one dependency.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 while the process serves.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 when the store and every configured channel answer; 503 naming what does not.
pub async fn readyz(State(state): State<Arc<OpsState>>) -> impl IntoResponse {
    let mut not_ready = serde_json::Map::new();
    match tokio::time::timeout(PROBE_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            not_ready.insert("store".into(), json!(e.to_string()));
        }
        Err(_) => {
            not_ready.insert("store".into(), json!("no answer within 2s"));
        }
    }
    for (kind, adapter) in &state.adapters {
        match tokio::time::timeout(PROBE_TIMEOUT, adapter.ready()).await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => {
                not_ready.insert(kind.as_str().into(), json!(why));
            }
            Err(_) => {
                not_ready.insert(kind.as_str().into(), json!("no answer within 2s"));
            }
        }
    }
    if not_ready.is_empty() {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not_ready", "not_ready": not_ready })))
    }
}

/// Prometheus text format.
pub async fn metrics(State(state): State<Arc<OpsState>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
