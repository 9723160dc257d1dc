//! The one HTTP listener's own parts: operations endpoints and the error body every API
//! answers with.

pub mod error;
mod ops;
pub mod server;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use switchboard_channel::ErrorCode;

use error::ApiError;
pub use ops::OpsState;

/// Largest request body any endpoint reads: API bodies are small JSON documents, and a larger
/// one is refused with 413 before it is buffered.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every endpoint of the listener: the operations endpoints here, and `routes` (the
/// console's and the channels'), all answering errors in the contract's shape.
pub fn router(state: Arc<OpsState>, routes: Router) -> Router {
    let routes = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
        .merge(routes)
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
