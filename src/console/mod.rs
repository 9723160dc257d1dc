//! The agent console: `POST /v1/agent/login` and the `GET /v1/agent` websocket.

pub mod login;
mod session;
mod state;
pub mod token;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

pub use state::ConsoleState;

/// The console's endpoints.
pub fn routes(state: Arc<ConsoleState>) -> Router {
    Router::new()
        .route("/v1/agent", get(session::upgrade))
        .route("/v1/agent/login", post(login::login))
        .with_state(state)
}
