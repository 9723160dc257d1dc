//! Switchboard: takes customer contacts from email, live chat and phone-callback requests into
//! one conversation model, classifies and routes them to agents, and sends agents' replies
//! back over the channel each conversation came from.

pub mod agent_wire;
pub mod app;
pub mod callbacks;
pub mod channels;
pub mod cli;
pub mod config;
pub mod console;
pub mod dispatcher;
pub mod domain;
pub mod events;
pub mod http;
pub mod hub;
pub mod inbound;
pub mod ingest;
pub mod live;
pub mod playbook;
pub mod routing;
pub mod store;
pub mod system_messages;
pub mod systemd;
pub mod telemetry;
pub mod triage;
pub mod web;
