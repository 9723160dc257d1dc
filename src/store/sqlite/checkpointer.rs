//! WAL checkpoints on a thread of their own. Copying committed pages from the WAL back into the
//! database file (and syncing it) would otherwise happen inside a commit on the writer thread,
//! stalling every write waiting behind it; here it runs beside the writer instead.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rusqlite::Connection;

/// WAL frames beyond which a checkpoint waits for the writer to pause so the WAL can start
/// over, instead of copying beside it (which cannot shrink a WAL that is always written to).
const RESTART_FRAMES: i64 = 65_536;

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

    /// Asks for a checkpoint of what was just committed. Never waits: a request already
    /// pending covers this one too.
    pub fn nudge(&self) {
        let _ = self.wake.try_send(());
    }
}

fn run(conn: Connection, wake: Receiver<()>) {
    while wake.recv().is_ok() {
        let frames = match checkpoint(&conn, "PASSIVE") {
            Ok(frames) => frames,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed");
                continue;
            }
        };
        if frames > RESTART_FRAMES
            && let Err(e) = checkpoint(&conn, "RESTART")
        {
            tracing::warn!(error = %e, frames, "WAL restart failed");
        }
    }
}

/// Runs a checkpoint; returns how many frames the WAL holds.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<i64> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| row.get(1))
}
