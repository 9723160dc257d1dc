//! Waiting for new mail in the selected folder: IDLE, or a sleep and a NOOP for servers
//! without it.

use std::time::Duration;

use async_imap::Session;
use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response, Status};
use tokio::time::{Instant, sleep, timeout, timeout_at};
use tokio_util::sync::CancellationToken;

use super::ImapError;
use super::stream::MailStream;

/// Why [`ImapClient::wait`](super::ImapClient::wait) returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// The server reported new mail (or may have).
    Changed,
    /// `max` passed without news.
    TimedOut,
    /// The cancellation token fired.
    Cancelled,
}

/// IDLE until new mail, `max`, or `cancel`; then DONE, giving the session back in step.
pub(super) async fn idle(
    session: Session<MailStream>,
    max: Duration,
    limit: Duration,
    cancel: &CancellationToken,
) -> Result<(Session<MailStream>, Wake), ImapError> {
    let mut handle = session.idle();
    timeout(limit, handle.init())
        .await
        .map_err(|_| ImapError::Timeout("IDLE"))?
        .map_err(|error| ImapError::of_command("IDLE", error))?;
    let deadline = Instant::now() + max;
    let wake = loop {
        // async-imap's own timeout restarts on every keepalive (`* OK Still here`), so the
        // deadline around it is what bounds the whole wait.
        let (next, _interrupt) = handle.wait_with_timeout(max);
        let response = tokio::select! {
            () = cancel.cancelled() => break Wake::Cancelled,
            response = timeout_at(deadline, next) => match response {
                Err(_) => break Wake::TimedOut,
                Ok(response) => response.map_err(|error| ImapError::of_command("IDLE", error))?,
            },
        };
        match response {
            IdleResponse::Timeout => break Wake::TimedOut,
            // What async-imap reports when the stream ends (the interrupt is never used here).
            IdleResponse::ManualInterrupt => {
                return Err(ImapError::Closed("IDLE: the server closed the connection".into()));
            }
            IdleResponse::NewData(data) => match data.parsed() {
                Response::MailboxData(MailboxDatum::Exists(_) | MailboxDatum::Recent(_)) => break Wake::Changed,
                Response::Data { status: Status::Bye, outcome } => {
                    let said = outcome.information.as_deref().unwrap_or_default();
                    return Err(ImapError::Closed(format!("IDLE: the server said BYE {said}")));
                }
                // Expunges and flag changes bring no new mail: keep waiting.
                _ => {}
            },
        }
    };
    let session = timeout(limit, handle.done())
        .await
        .map_err(|_| ImapError::Timeout("DONE"))?
        .map_err(|error| ImapError::of_command("DONE", error))?;
    Ok((session, wake))
}

/// Sleeps `max` (or until `cancel`), then NOOP so the server reports what changed; the caller
/// reads the report from the session's unsolicited responses.
pub(super) async fn poll(
    mut session: Session<MailStream>,
    max: Duration,
    limit: Duration,
    cancel: &CancellationToken,
) -> Result<(Session<MailStream>, Wake), ImapError> {
    tokio::select! {
        () = cancel.cancelled() => return Ok((session, Wake::Cancelled)),
        () = sleep(max) => {}
    }
    timeout(limit, session.noop())
        .await
        .map_err(|_| ImapError::Timeout("NOOP"))?
        .map_err(|error| ImapError::of_command("NOOP", error))?;
    Ok((session, Wake::TimedOut))
}
