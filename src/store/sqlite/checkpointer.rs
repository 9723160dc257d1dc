//! WAL checkpoints on a thread of their own. Copying committed pages from the WAL back into the
//! database file (and syncing it) would otherwise happen inside a commit on the writer thread,
//! stalling every write waiting behind it; here it runs beside the writer instead.
//!
//! A checkpoint beside a writer that never pauses cannot let the WAL start over, so the
//! writer's own automatic checkpoint stays on with a higher threshold: when it fires, this
//! thread has already copied nearly everything, the writer copies the last few commits, and
//! its next transaction starts the WAL from the beginning.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use rusqlite::Connection;

pub struct Checkpointer {
    wake: SyncSender<()>,
}

impl Checkpointer {
    /// Starts the checkpoint thread on its own connection; it ends when this is dropped.
    pub fn start(conn: Connection) -> std::io::Result<Self> {
        let (wake, rx) = sync_channel(1);
        std::thread::Builder::new().name("store-checkpoint".into()).spawn(move || run(conn, rx))?;
        Ok(Self { wake })
    }

    /// Asks for a checkpoint of what was just committed, within [`INTERVAL`]. Never waits: a
    /// request already pending covers this one too.
    pub fn nudge(&self) {
        let _ = self.wake.try_send(());
    }
}

/// Least time between two checkpoints. A page written by many commits in that time is copied
/// once, not once per commit: the hot pages of busy conversations are most of what is written.
const INTERVAL: Duration = Duration::from_millis(200);

fn run(conn: Connection, wake: Receiver<()>) {
    while wake.recv().is_ok() {
        std::thread::sleep(INTERVAL);
        // Never waits for the writer or readers: what it cannot copy now, it copies next time.
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}
