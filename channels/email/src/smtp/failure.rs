//! What a failed send means for the outbox: retried later, or shown to the agent as final.

use std::error::Error as _;

use lettre::transport::smtp::Error;
use switchboard_channel::DeliveryError;

/// A 5xx reply is permanent, whatever it answered: a refused recipient or message, and also a
/// refused login (535) or a refused STARTTLS, which no retry of the same mail can fix; the
/// agent sees the server's words. A 4xx reply, a timeout, a connection that failed or broke,
/// and a TLS handshake that failed are transient and retried with backoff.
pub(crate) fn classify(error: &Error) -> DeliveryError {
    let text = error.source().map(ToString::to_string).unwrap_or_default();
    match error.status() {
        Some(code) if error.is_permanent() => DeliveryError::Permanent(format!("{code} {text}").trim_end().to_owned()),
        Some(code) => DeliveryError::Transient(format!("{code} {text}").trim_end().to_owned()),
        None if error.is_timeout() => DeliveryError::Transient(format!("the server did not answer in time: {error}")),
        None => DeliveryError::Transient(error.to_string()),
    }
}
