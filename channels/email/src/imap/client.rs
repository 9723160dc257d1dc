//! The logged-in IMAP client the mailbox loop drives: one folder at a time, every command
//! under a timeout, UIDs throughout.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use async_imap::Session;
use async_imap::types::{Fetch, UnsolicitedResponse};
use futures::TryStreamExt as _;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::sync::CancellationToken;

use super::ImapError;
use super::login::log_in;
use super::stream::{MailStream, open};
use super::uid_set::{MAX_SET_LEN, uid_sets};
use super::wait::{Wake, idle, poll};
use crate::{Credentials, ImapConfig, TlsMode};

/// Where and as whom to connect, and how long commands may take.
#[derive(Clone, Debug)]
pub struct ImapEndpoint {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub ca_file: Option<PathBuf>,
    pub credentials: Credentials,
    /// Longest any single step may take: connecting, the TLS handshake, login, each command.
    pub command_timeout: Duration,
    /// Longest one [`ImapClient::fetch`] may take, all of its batch together.
    pub fetch_timeout: Duration,
}

impl ImapEndpoint {
    pub fn from_config(cfg: &ImapConfig, credentials: Credentials) -> Self {
        ImapEndpoint {
            host: cfg.host.clone(),
            port: cfg.port,
            tls: cfg.tls,
            ca_file: cfg.ca_file.clone(),
            credentials,
            command_timeout: Duration::from_secs(cfg.command_timeout_s),
            fetch_timeout: Duration::from_secs(cfg.fetch_timeout_s),
        }
    }
}

/// What SELECT says about a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderStatus {
    /// When it changes, the folder's UIDs are not the ones seen before: cursors start over.
    pub uid_validity: u32,
    /// The UID the next mail will get, when the server says.
    pub uid_next: Option<u32>,
    /// How many mails the folder holds.
    pub exists: u32,
}

/// One mail as the server stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedMail {
    pub uid: u32,
    /// The whole RFC 5322 message, byte for byte.
    pub raw: Vec<u8>,
}

/// A connected, logged-in IMAP client.
///
/// A call that fails with anything but [`ImapError::Refused`], or whose future is dropped
/// before it finishes, leaves the connection out of step: later calls return
/// [`ImapError::Closed`], and the caller connects again.
#[derive(Debug)]
pub struct ImapClient {
    /// `None` once the connection is broken or out of step.
    session: Option<Session<MailStream>>,
    host: String,
    command_timeout: Duration,
    fetch_timeout: Duration,
    can_idle: bool,
    can_move: bool,
    can_uid_expunge: bool,
    /// The server reported new mail (EXISTS or RECENT) during some command since the last
    /// SELECT or wait, so the next [`ImapClient::wait`] returns at once.
    changed: bool,
}

impl ImapClient {
    /// Connects (TCP, then TLS as configured, STARTTLS refused when not offered), reads the
    /// greeting, logs in and learns the capabilities.
    pub async fn connect(endpoint: &ImapEndpoint) -> Result<Self, ImapError> {
        let limit = endpoint.command_timeout;
        let host = endpoint.host.as_str();
        let stream = open(host, endpoint.port, endpoint.tls, endpoint.ca_file.as_deref(), limit).await?;
        let mut session = log_in(stream, &endpoint.credentials, limit).await?;
        // Asked after login: servers may offer more (IDLE, MOVE) to a logged-in user.
        let capabilities = timeout(limit, session.capabilities())
            .await
            .map_err(|_| ImapError::Timeout("CAPABILITY"))?
            .map_err(|error| ImapError::of_command("CAPABILITY", error))?;
        let client = ImapClient {
            session: Some(session),
            host: endpoint.host.clone(),
            command_timeout: limit,
            fetch_timeout: endpoint.fetch_timeout,
            can_idle: capabilities.has_str("IDLE"),
            can_move: capabilities.has_str("MOVE"),
            can_uid_expunge: capabilities.has_str("UIDPLUS"),
            changed: false,
        };
        tracing::debug!(
            host,
            port = endpoint.port,
            tls = ?endpoint.tls,
            user = %endpoint.credentials.username,
            idle = client.can_idle,
            r#move = client.can_move,
            uidplus = client.can_uid_expunge,
            "imap logged in"
        );
        Ok(client)
    }

    /// Whether [`ImapClient::wait`] uses IDLE (else it polls).
    pub fn supports_idle(&self) -> bool {
        self.can_idle
    }

    /// Creates `folder` unless it is there already (the server's NO for an existing folder is
    /// no error), so mail can be moved into it.
    pub async fn create_folder(&mut self, folder: &str) -> Result<(), ImapError> {
        let mut session = self.take()?;
        let outcome = timeout(self.command_timeout, session.create(folder)).await;
        match self.settle(session, "CREATE", outcome) {
            Ok(()) | Err(ImapError::Refused { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Selects `folder` (read-write, so flags can be set and mail moved).
    pub async fn select(&mut self, folder: &str) -> Result<FolderStatus, ImapError> {
        let mut session = self.take()?;
        let outcome = timeout(self.command_timeout, session.select(folder)).await;
        let mailbox = self.settle(session, "SELECT", outcome)?;
        // A fresh view: the caller lists from its cursor next, which covers anything reported
        // before.
        self.changed = false;
        let Some(uid_validity) = mailbox.uid_validity else {
            self.session = None;
            return Err(ImapError::Protocol(format!("SELECT {folder} gave no UIDVALIDITY")));
        };
        let status = FolderStatus { uid_validity, uid_next: mailbox.uid_next, exists: mailbox.exists };
        tracing::debug!(host = %self.host, folder, uid_validity, uid_next = ?status.uid_next, exists = status.exists, "imap selected");
        Ok(status)
    }

    /// The UIDs above `last_uid` in the selected folder, ascending.
    pub async fn uids_above(&mut self, last_uid: u32) -> Result<Vec<u32>, ImapError> {
        let Some(first) = last_uid.checked_add(1) else { return Ok(Vec::new()) };
        let mut session = self.take()?;
        let outcome = timeout(self.command_timeout, session.uid_search(format!("UID {first}:*"))).await;
        let found = self.settle(session, "UID SEARCH", outcome)?;
        // `n:*` always includes the highest UID in the folder, even when it is below n.
        let mut uids: Vec<u32> = found.into_iter().filter(|&uid| uid > last_uid).collect();
        uids.sort_unstable();
        tracing::debug!(host = %self.host, last_uid, found = uids.len(), "imap searched");
        Ok(uids)
    }

    /// The mails with these UIDs, in UID order, fetched with `BODY.PEEK[]` so `\Seen` is left
    /// alone. A UID the server no longer has (expunged meanwhile) is left out. The whole call
    /// gets the fetch timeout.
    pub async fn fetch(&mut self, uids: &[u32]) -> Result<Vec<FetchedMail>, ImapError> {
        let deadline = Instant::now() + self.fetch_timeout;
        let wanted: HashSet<u32> = uids.iter().copied().collect();
        let mut mails = BTreeMap::new();
        for set in uid_sets(uids, MAX_SET_LEN) {
            let mut session = self.take()?;
            let outcome = timeout_at(deadline, async {
                session.uid_fetch(&set, "(UID BODY.PEEK[])").await?.try_collect::<Vec<Fetch>>().await
            })
            .await;
            // The answer may also carry FETCH responses the server volunteers (flag changes by
            // other clients), without a body or for other UIDs: only what was asked is kept.
            for fetch in self.settle(session, "UID FETCH", outcome)? {
                if let (Some(uid), Some(body)) = (fetch.uid, fetch.body())
                    && wanted.contains(&uid)
                {
                    mails.insert(uid, body.to_vec());
                }
            }
        }
        tracing::debug!(host = %self.host, asked = wanted.len(), fetched = mails.len(), "imap fetched");
        Ok(mails.into_iter().map(|(uid, raw)| FetchedMail { uid, raw }).collect())
    }

    /// Sets `\Seen` on these UIDs.
    pub async fn mark_seen(&mut self, uids: &[u32]) -> Result<(), ImapError> {
        for set in uid_sets(uids, MAX_SET_LEN) {
            self.store(&set, r"+FLAGS.SILENT (\Seen)").await?;
        }
        tracing::debug!(host = %self.host, count = uids.len(), "imap marked seen");
        Ok(())
    }

    /// Moves these UIDs to `folder`: `UID MOVE` when the server has it, else copy, flag
    /// `\Deleted` and expunge (only these UIDs with UIDPLUS; without it, a plain EXPUNGE also
    /// removes whatever else is flagged `\Deleted` in the folder).
    pub async fn move_to(&mut self, uids: &[u32], folder: &str) -> Result<(), ImapError> {
        for set in uid_sets(uids, MAX_SET_LEN) {
            if self.can_move {
                let mut session = self.take()?;
                let outcome = timeout(self.command_timeout, session.uid_mv(&set, folder)).await;
                self.settle(session, "UID MOVE", outcome)?;
                continue;
            }
            let mut session = self.take()?;
            let outcome = timeout(self.command_timeout, session.uid_copy(&set, folder)).await;
            self.settle(session, "UID COPY", outcome)?;
            self.store(&set, r"+FLAGS.SILENT (\Deleted)").await?;
            let mut session = self.take()?;
            if self.can_uid_expunge {
                let outcome = timeout(self.command_timeout, async {
                    session.uid_expunge(&set).await?.try_collect::<Vec<_>>().await
                })
                .await;
                self.settle(session, "UID EXPUNGE", outcome)?;
            } else {
                let outcome =
                    timeout(self.command_timeout, async { session.expunge().await?.try_collect::<Vec<_>>().await })
                        .await;
                self.settle(session, "EXPUNGE", outcome)?;
            }
        }
        tracing::debug!(host = %self.host, count = uids.len(), folder, r#move = self.can_move, "imap moved");
        Ok(())
    }

    /// Waits for the selected folder to get new mail: IDLE for at most `max` when the server
    /// has it (callers keep `max` under 29 minutes, RFC 2177), else sleeps `max` and asks with
    /// NOOP. Returns early with [`Wake::Cancelled`] when `cancel` fires. A spurious
    /// [`Wake::Changed`] is possible; the caller lists from its cursor after any wake anyway.
    pub async fn wait(&mut self, max: Duration, cancel: &CancellationToken) -> Result<Wake, ImapError> {
        let session = self.take()?;
        self.drain(&session);
        if std::mem::take(&mut self.changed) {
            self.session = Some(session);
            return Ok(Wake::Changed);
        }
        let (session, wake) = if self.can_idle {
            idle(session, max, self.command_timeout, cancel).await?
        } else {
            poll(session, max, self.command_timeout, cancel).await?
        };
        self.drain(&session);
        // New mail the server reported outside IDLE's stream (between commands, or answering
        // the NOOP) counts too; after a cancel it stays noted for the next wait.
        let wake = match wake {
            Wake::Cancelled => Wake::Cancelled,
            _ if std::mem::take(&mut self.changed) => Wake::Changed,
            other => other,
        };
        self.session = Some(session);
        tracing::debug!(host = %self.host, ?wake, idle = self.can_idle, "imap woke");
        Ok(wake)
    }

    /// Says goodbye to the server, if the connection still works; errors are of no interest.
    pub async fn logout(mut self) {
        if let Some(mut session) = self.session.take() {
            let _ = timeout(self.command_timeout, session.logout()).await;
            tracing::debug!(host = %self.host, "imap logged out");
        }
    }

    /// `UID STORE <set> <change>`, the untagged answers dropped.
    async fn store(&mut self, set: &str, change: &str) -> Result<(), ImapError> {
        let mut session = self.take()?;
        let outcome = timeout(self.command_timeout, async {
            session.uid_store(set, change).await?.try_collect::<Vec<_>>().await
        })
        .await;
        self.settle(session, "UID STORE", outcome)?;
        Ok(())
    }

    /// The session for one command. It is put back only when the command ends in step, so a
    /// failed, timed-out or abandoned command leaves the client closed.
    fn take(&mut self) -> Result<Session<MailStream>, ImapError> {
        self.session.take().ok_or_else(|| ImapError::Closed("an earlier failure left the connection unusable".into()))
    }

    /// Puts the session back after a command that got its answer (OK, or NO/BAD), and turns
    /// the outcome into ours.
    fn settle<T>(
        &mut self,
        session: Session<MailStream>,
        command: &'static str,
        outcome: Result<async_imap::error::Result<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, ImapError> {
        let result = match outcome {
            Err(_) => Err(ImapError::Timeout(command)),
            Ok(result) => result.map_err(|error| ImapError::of_command(command, error)),
        };
        match &result {
            Ok(_) | Err(ImapError::Refused { .. }) => {
                self.drain(&session);
                self.session = Some(session);
            }
            Err(error) => tracing::debug!(host = %self.host, command, %error, "imap connection given up"),
        }
        result
    }

    /// Empties the queue of responses the server sent unasked (async-imap keeps 100 and drops
    /// the rest, so it must not fill up), noting whether new mail was among them.
    fn drain(&mut self, session: &Session<MailStream>) {
        while let Ok(response) = session.unsolicited_responses.try_recv() {
            if matches!(response, UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)) {
                self.changed = true;
            }
        }
    }
}
