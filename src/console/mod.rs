//! The agent console: `POST /v1/agent/login` and the `GET /v1/agent` websocket.

pub mod frames;
pub mod login;
mod session;
pub mod token;
pub mod view;

pub use session::upgrade;
