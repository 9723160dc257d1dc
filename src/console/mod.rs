//! The agent console: `POST /v1/agent/login`, the `GET /v1/agent` websocket, and the files of
//! its conversations' messages.

mod canned;
mod files;
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
        .route("/v1/attachments/{id}", get(files::attachment))
        .route("/v1/messages/{id}/original", get(files::original))
        .with_state(state)
}
