//! WAL checkpoints on a thread of their own. Copying committed pages from the WAL back into the
//! database file (and syncing it) would otherwise happen inside a commit on the writer thread,
//! stalling every write waiting behind it; here it runs beside the writer instead.
//!
//! A checkpoint beside a writer that never pauses cannot let the WAL start over, so the
//! writer's own automatic checkpoint stays on with a higher threshold: when it fires, this
//! thread has already copied nearly everything, the writer copies the last few commits, and
//! its next transaction starts the WAL from the beginning.
//!
//! SQLite syncs the database file only after a checkpoint that caught up with the writer,
//! which under steady writes is only the writer's own; until then the kernel holds every page
//! copied since the last one. This thread therefore syncs the database file after each of its
//! checkpoints, so that the writer's sync finds only the last pass's pages still to write:
//! 20 to 55 ms of stalled writes, growing with the database, became a few.

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use rusqlite::Connection;

pub struct Checkpointer {
    wake: SyncSender<()>,
}

impl Checkpointer {
    /// Starts the checkpoint thread on its own connection to the database at `db`; it ends
    /// when this is dropped.
    pub fn start(conn: Connection, db: &Path) -> std::io::Result<Self> {
        let file = File::open(db)?;
        let (wake, rx) = sync_channel(1);
        std::thread::Builder::new().name("store-checkpoint".into()).spawn(move || run(conn, &file, rx))?;
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

fn run(conn: Connection, db: &File, wake: Receiver<()>) {
    while wake.recv().is_ok() {
        std::thread::sleep(INTERVAL);
        // Never waits for the writer or readers: what it cannot copy now, it copies next time.
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        } else if let Err(e) = db.sync_data() {
            tracing::warn!(error = %e, "Database file sync failed");
        }
    }
}
