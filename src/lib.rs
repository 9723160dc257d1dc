//! Switchboard: takes customer contacts from email, live chat and phone-callback requests into
//! one conversation model, classifies and routes them to agents, and sends agents' replies
//! back over the channel each conversation came from.

pub mod app;
pub mod chat;
pub mod cli;
pub mod config;
pub mod console;
pub mod dispatcher;
pub mod domain;
pub mod events;
pub mod fanout;
pub mod http;
pub mod hub;
pub mod ingest;
pub mod routing;
pub mod store;
pub mod systemd;
pub mod telemetry;
pub mod triage;
pub mod ws;
