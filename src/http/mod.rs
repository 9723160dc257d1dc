//! The one HTTP listener: websockets, the callback API and operations endpoints.

pub mod error;
mod ops;
pub mod server;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/agent", get(crate::console::upgrade))
        .route("/v1/agent/login", post(crate::console::login::login))
        .with_state(state)
}
