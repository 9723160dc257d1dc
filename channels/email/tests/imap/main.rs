//! The IMAP client against a real, private Dovecot: login, SELECT, search, fetch, flags, move,
//! IDLE, broken connections, and the TLS setups. Every test returns early, with a note, when
//! Dovecot is not installed.

mod common;
mod faults;
mod login;
mod mail;
mod tls;
mod wait;
