//! The network half of the email channel against real peers: the SMTP sender against
//! Postfix's smtp-sink (skipped with a note where it is not installed), the XOAUTH2 token
//! sources against a token command and a token endpoint started here.

mod oauth;
mod sending;
mod xoauth2;
