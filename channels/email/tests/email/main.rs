//! The email channel's pure core against real-world mail: the fixtures in tests/fixtures are
//! what Outlook, Gmail, QQ Mail, Foxmail, Apple Mail, Thunderbird, Postfix and Exchange send.

mod common;
mod decisions;
mod garbled;
mod parsing;
