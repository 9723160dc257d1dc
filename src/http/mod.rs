//! The one HTTP listener: websockets, the callback API and operations endpoints.

mod ops;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
}
