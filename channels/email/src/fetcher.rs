//! The loop that takes one folder's mail in: connect, select, compare the stored cursor
//! (UIDVALIDITY, last UID) with the folder, fetch everything above the cursor in batches,
//! commit each mail, move the cursor, and only then flag the mails `\Seen` (or move them);
//! then wait (IDLE or a poll) and do it again. The cursor decides what is new, never `\Seen`,
//! so mail another client already read is still taken; a mail committed before a crash is
//! fetched again and found a duplicate by its key, so nothing is lost or taken twice.

use std::sync::Arc;
use std::time::Duration;

use switchboard_channel::{Clock, Refused};
use tokio_util::sync::CancellationToken;

use crate::config::{AfterIngest, StartFrom};
use crate::imap::{FetchedMail, ImapClient, ImapEndpoint, ImapError, Wake};
use crate::intake::Intake;
use crate::readiness::Readiness;

/// Where a folder's fetching stands: mail with UIDs up to `last_uid` under `uid_validity` is
/// committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub uid_validity: u32,
    pub last_uid: u32,
}

impl Cursor {
    fn parse(value: &str) -> Option<Self> {
        let (validity, uid) = value.split_once(':')?;
        Some(Self { uid_validity: validity.parse().ok()?, last_uid: uid.parse().ok()? })
    }

    fn render(self) -> String {
        format!("{}:{}", self.uid_validity, self.last_uid)
    }
}

/// One watched folder of one mailbox.
pub struct Folder {
    pub mailbox: String,
    pub name: String,
    pub endpoint: ImapEndpoint,
    pub batch: u32,
    pub idle: Duration,
    pub poll: Duration,
    pub start_from: StartFrom,
    pub after_ingest: AfterIngest,
    pub processed_folder: Option<String>,
}

impl Folder {
    fn cursor_key(&self) -> String {
        format!("imap-cursor:{}:{}", self.mailbox, self.name)
    }
}

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error("the store did not take the mail: {0}")]
    Store(Refused),
}

/// Shortest and longest waits before connecting again after a failure.
const MIN_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Runs a folder until `shutdown`: sessions one after another, with backoff and jitter after
/// a failure. A failing folder never stops another: each runs on its own.
pub async fn run(
    folder: Folder,
    intake: Arc<Intake>,
    readiness: Readiness,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let result = session(&folder, &intake, &readiness, &shutdown).await;
        if shutdown.is_cancelled() {
            return;
        }
        match result {
            Ok(()) => backoff = MIN_BACKOFF,
            Err(e) => {
                tracing::warn!(mailbox = folder.mailbox, folder = folder.name, error = %e, retry_in_ms = backoff.as_millis() as u64, "Mailbox session failed");
                if let SessionError::Imap(e) = &e
                    && is_login_failure(e)
                {
                    readiness.failed(&folder.mailbox, e.to_string());
                }
            }
        }
        // Jitter: many mailboxes behind one failed server do not all come back at once.
        let wait = backoff.mul_f64(0.5 + rand::random::<f64>() * 0.5);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = clock.sleep(wait) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn is_login_failure(e: &ImapError) -> bool {
    matches!(e, ImapError::Login(_) | ImapError::Connect(_) | ImapError::Tls(_))
}

/// One connection's worth of work: returns `Ok` only at shutdown.
async fn session(
    folder: &Folder,
    intake: &Arc<Intake>,
    readiness: &Readiness,
    shutdown: &CancellationToken,
) -> Result<(), SessionError> {
    let mut client = tokio::select! {
        _ = shutdown.cancelled() => return Ok(()),
        client = ImapClient::connect(&folder.endpoint) => client?,
    };
    readiness.ok(&folder.mailbox);
    if let (AfterIngest::Move, Some(target)) = (folder.after_ingest, &folder.processed_folder) {
        client.create_folder(target).await?;
    }
    let status = client.select(&folder.name).await?;
    let sink = intake.sink.as_ref();
    let key = folder.cursor_key();
    let stored = sink.load_state(&key).await.map_err(SessionError::Store)?.as_deref().and_then(Cursor::parse);
    let mut cursor = match stored {
        Some(c) if c.uid_validity == status.uid_validity => c,
        Some(old) => {
            // Every UID is new under another UIDVALIDITY: take the whole folder again; what
            // was committed before is recognised by its key.
            tracing::warn!(
                mailbox = folder.mailbox,
                folder = folder.name,
                old = old.uid_validity,
                new = status.uid_validity,
                "UIDVALIDITY changed; resyncing the folder"
            );
            Cursor { uid_validity: status.uid_validity, last_uid: 0 }
        }
        None => {
            let last_uid = match folder.start_from {
                StartFrom::All => 0,
                StartFrom::New => match status.uid_next {
                    Some(next) => next.saturating_sub(1),
                    None => client.uids_above(0).await?.last().copied().unwrap_or(0),
                },
            };
            let start = Cursor { uid_validity: status.uid_validity, last_uid };
            sink.save_state(&key, &start.render()).await.map_err(SessionError::Store)?;
            start
        }
    };
    loop {
        let uids = client.uids_above(cursor.last_uid).await?;
        if !uids.is_empty() {
            tracing::debug!(mailbox = folder.mailbox, folder = folder.name, new = uids.len(), "Fetching");
        }
        for chunk in uids.chunks(folder.batch as usize) {
            let mails = client.fetch(chunk).await?;
            let uids: Vec<u32> = mails.iter().map(|m| m.uid).collect();
            let taken = take_batch(intake, mails).await;
            // The cursor moves over the mails committed in UID order, up to the first one the
            // store did not take; the rest are fetched again on the next session.
            let done: Vec<u32> = uids.iter().zip(&taken).take_while(|(_, r)| r.is_ok()).map(|(uid, _)| *uid).collect();
            let highest = if done.len() == uids.len() { chunk.last().copied() } else { done.last().copied() };
            if let Some(uid) = highest {
                cursor.last_uid = uid;
                sink.save_state(&key, &cursor.render()).await.map_err(SessionError::Store)?;
            }
            if !done.is_empty() {
                match (folder.after_ingest, &folder.processed_folder) {
                    (AfterIngest::Move, Some(target)) => client.move_to(&done, target).await?,
                    _ => client.mark_seen(&done).await?,
                }
            }
            if let Some(Err(refused)) = taken.into_iter().find(Result::is_err) {
                return Err(SessionError::Store(refused));
            }
            if shutdown.is_cancelled() {
                client.logout().await;
                return Ok(());
            }
        }
        let wait = if client.supports_idle() { folder.idle } else { folder.poll };
        match client.wait(wait, shutdown).await? {
            Wake::Cancelled => {
                client.logout().await;
                return Ok(());
            }
            Wake::Changed | Wake::TimedOut => {}
        }
    }
}

/// Hands a batch to the intake: read on every core (parsing is most of the work), then
/// submitted in UID order, all at once so the store commits them together; waits for every
/// answer. Answers are in the order of the mails.
async fn take_batch(intake: &Arc<Intake>, mails: Vec<FetchedMail>) -> Vec<Result<(), Refused>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(mails.len().max(1));
    let per_thread = mails.len().div_ceil(threads).max(1);
    let mut chunks = Vec::new();
    let mut mails = mails.into_iter().peekable();
    while mails.peek().is_some() {
        let chunk: Vec<FetchedMail> = mails.by_ref().take(per_thread).collect();
        let intake = intake.clone();
        chunks.push(tokio::task::spawn_blocking(move || {
            chunk.into_iter().map(|m| intake.read(Arc::from(m.raw))).collect::<Vec<_>>()
        }));
    }
    let mut readings = Vec::new();
    for chunk in chunks {
        // The parser's own panics are caught inside `read`; any other join error (the runtime
        // shutting down) leaves the batch to be fetched again by the next session.
        match chunk.await {
            Ok(read) => readings.extend(read),
            Err(_) => return vec![Err(Refused::Unavailable)],
        }
    }
    let pending: Vec<_> = readings.into_iter().map(|r| intake.take(r)).collect();
    futures::future::join_all(pending).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_round_trip_and_junk_is_no_cursor() {
        let c = Cursor { uid_validity: 1_700_000_001, last_uid: 42 };
        assert_eq!(Cursor::parse(&c.render()), Some(c));
        assert_eq!(Cursor::parse("garbage"), None);
        assert_eq!(Cursor::parse("1:"), None);
    }
}
