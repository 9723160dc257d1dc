//! End-to-end tests: the real daemon on a free port, real websocket and HTTP clients.

#[path = "../common/mod.rs"]
mod common;

mod client;

mod callbacks;
mod chat_flow;
mod cli;
mod crash;
mod hostile;
mod http_limits;
mod limits;
mod outage;
mod playbook;
mod reconnect;
mod routing;
mod secrets;
mod security;
mod slow;
mod wallet;
mod web;
mod wire;
