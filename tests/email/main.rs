//! End-to-end tests of the email channel: the real daemon against a private Dovecot and a
//! private smtp-sink, with agents on real websockets.

#[path = "../common/mod.rs"]
mod common;

// Shared with the chat tests, which use more of it.
#[allow(dead_code)]
#[path = "../e2e/client.rs"]
mod client;

mod mail;
// Shared with the chat tests, which script its answers.
#[allow(dead_code)]
#[path = "../e2e/wallet.rs"]
mod wallet;

mod continuity;
mod faults;
mod flow;
mod ingest;
mod playbook;
