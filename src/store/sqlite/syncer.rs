//! Makes commits durable beside the writer. SQLite writes a commit into the WAL file without
//! syncing it (`synchronous = NORMAL`); this thread then syncs the WAL and only then answers
//! the commit's jobs, and one sync covers every batch committed while the previous one ran.
//! A process that dies loses nothing it answered: written frames are in the operating
//! system's cache, and synced frames survive losing the machine too.
//!
//! When only a few jobs are waiting, the writer waits for a sync to end before it commits
//! again (see [`Syncer::wait_synced`]), so that what arrives meanwhile commits as one batch;
//! a sync that takes too long is not waited out.

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::writer::Job;

pub struct Syncer {
    batches: Sender<Vec<Box<dyn Job>>>,
    /// Batches handed to the sync thread so far.
    handed: u64,
    /// Batches the sync thread has answered so far.
    answered: Arc<Answered>,
}

/// A count the sync thread raises after answering, and the writer waits on.
#[derive(Default)]
struct Answered {
    count: Mutex<u64>,
    raised: Condvar,
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
        let answered = Arc::new(Answered::default());
        let counted = answered.clone();
        std::thread::Builder::new().name("store-sync".into()).spawn(move || run(wal, rx, &counted))?;
        Ok(Self { batches, handed: 0, answered })
    }

    /// Waits until every batch handed over so far is synced and answered, or `limit` passed.
    pub fn wait_synced(&self, limit: Duration) {
        let count = self.answered.count.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.answered.raised.wait_timeout_while(count, limit, |answered| *answered < self.handed);
    }

    /// Answers a committed batch's jobs once the WAL holding it is synced.
    pub fn after_sync(&mut self, batch: Vec<Box<dyn Job>>) {
        self.handed += 1;
        if let Err(unsent) = self.batches.send(batch) {
            // The sync thread is gone (only at shutdown): say so rather than claim durability.
            for job in unsent.0 {
                job.answer(Some("the store is closing".into()));
            }
        }
    }
}

fn run(wal: File, batches: Receiver<Vec<Box<dyn Job>>>, answered: &Answered) {
    while let Ok(first) = batches.recv() {
        let mut waiting = vec![first];
        waiting.extend(batches.try_iter());
        let outcome = wal.sync_data().err().map(|e| {
            tracing::error!(error = %e, "WAL sync failed");
            format!("sync failed: {e}")
        });
        let count = waiting.len() as u64;
        for job in waiting.into_iter().flatten() {
            job.answer(outcome.clone());
        }
        *answered.count.lock().unwrap_or_else(|p| p.into_inner()) += count;
        answered.raised.notify_all();
    }
}
