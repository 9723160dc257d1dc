//! The one HTTP listener's own parts: operations endpoints and the error body every API
//! answers with.

pub mod error;
mod ops;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

pub use ops::OpsState;

/// The operations endpoints; the console and the channels add their own routes beside them.
pub fn router(state: Arc<OpsState>) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
}
