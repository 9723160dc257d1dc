//! The one HTTP listener: websockets, the callback API and operations endpoints.

pub mod error;
mod ops;
pub mod server;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use switchboard_channel::ErrorCode;

use crate::app::AppState;
use error::ApiError;

/// Largest request body any endpoint reads: API bodies are small JSON documents, and a larger
/// one is refused with 413 before it is buffered.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every endpoint of the listener: the daemon's own and those of the channels.
pub fn router(state: Arc<AppState>, channel_routes: Router) -> Router {
    let routes = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/agent", get(crate::console::upgrade))
        .route("/v1/agent/login", post(crate::console::login::login))
        .with_state(state)
        .merge(channel_routes)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    // The routes sit inside a router of their own so that `in_contract_shape` runs after axum
    // has answered a wrong method with its empty 405 and added `Allow` to it: a layer on the
    // routes themselves runs before that, and a `method_not_allowed_fallback` never learns
    // which methods a path takes.
    Router::new().fallback_service(routes).layer(axum::middleware::map_response(error::in_contract_shape))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such endpoint")
}
