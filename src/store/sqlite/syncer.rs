//! Makes commits durable beside the writer. SQLite writes a commit into the WAL file without
//! syncing it (`synchronous = NORMAL`); this thread then syncs the WAL and only then answers
//! the commit's jobs. While one batch is being synced the writer already runs the next, so a
//! sync no longer stalls every write behind it, and one sync covers every batch committed
//! while the previous one ran. A process that dies loses nothing it answered: written frames
//! are in the operating system's cache, and synced frames survive losing the machine too.

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::writer::Job;

pub struct Syncer {
    batches: Sender<Vec<Box<dyn Job>>>,
}

impl Syncer {
    /// Starts the sync thread for the WAL of the database at `db`. The WAL file is opened
    /// (created empty if SQLite has not yet) and its directory synced, so the file itself
    /// survives a power loss.
    pub fn start(db: &Path) -> std::io::Result<Self> {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let wal = File::options().read(true).write(true).create(true).truncate(false).open(&wal)?;
        let dir = db.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        File::open(dir)?.sync_all()?;
        let (batches, rx) = channel();
        std::thread::Builder::new().name("store-sync".into()).spawn(move || run(wal, rx))?;
        Ok(Self { batches })
    }

    /// Answers a committed batch's jobs once the WAL holding it is synced.
    pub fn after_sync(&self, batch: Vec<Box<dyn Job>>) {
        if let Err(unsent) = self.batches.send(batch) {
            // The sync thread is gone (only at shutdown): say so rather than claim durability.
            for job in unsent.0 {
                job.answer(Some("the store is closing".into()));
            }
        }
    }
}

fn run(wal: File, batches: Receiver<Vec<Box<dyn Job>>>) {
    while let Ok(first) = batches.recv() {
        let mut waiting = vec![first];
        waiting.extend(batches.try_iter());
        let outcome = wal.sync_data().err().map(|e| {
            tracing::error!(error = %e, "WAL sync failed");
            format!("sync failed: {e}")
        });
        for job in waiting.into_iter().flatten() {
            job.answer(outcome.clone());
        }
    }
}
