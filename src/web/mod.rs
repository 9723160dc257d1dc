//! The pages the daemon serves to browsers: the agent console at `/console` and, when
//! `web.chat_demo` is on, the demo chat widget at `/chat-demo` with the endpoint that signs
//! its customer tokens. The pages are built from `web/` and embedded at compile time, so the
//! daemon serves them without Node, a CDN or any other host.

mod assets;
mod demo;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use switchboard_channel::SharedClock;

use crate::config::Config;

/// What the demo's token endpoint needs.
pub struct DemoState {
    /// The chat's HS256 secret, which customer tokens are signed with.
    secret: Vec<u8>,
    clock: SharedClock,
}

/// The pages' endpoints.
pub fn routes(config: &Config, clock: SharedClock) -> Router {
    let pages = Router::new().route("/console", get(assets::console)).route("/assets/{file}", get(assets::asset));
    if !config.web.chat_demo {
        return pages;
    }
    let demo = Arc::new(DemoState { secret: config.chat.jwt_secret.expose().as_bytes().to_vec(), clock });
    let token = Router::new().route("/chat-demo/token", post(demo::token)).with_state(demo);
    pages.route("/chat-demo", get(assets::chat_demo)).merge(token)
}
