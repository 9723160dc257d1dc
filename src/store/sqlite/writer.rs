//! Group commit: one thread owns the only write connection and runs every write job it finds
//! waiting in one transaction, each job inside its own savepoint. Concurrent writers share one
//! sync (see [`super::syncer`]) instead of queueing for one each, and a failing job rolls
//! back alone. Because one connection does every write, per-conversation `seq` numbers cannot
//! race.
//!
//! The jobs run synchronously on that thread with cached prepared statements: a statement
//! costs microseconds there, where handing each one to a database worker and back would cost
//! a thread wake-up apiece.

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::checkpointer::Checkpointer;
use super::queries::execute;
use super::syncer::{Finish, Syncer};
use crate::store::StoreError;

/// One write: runs inside the batch transaction; `None` when it failed (and already replied).
type Job = Box<dyn FnOnce(&Connection) -> Option<Finish> + Send>;

/// Jobs that fit in the queue however small the batch is configured.
const QUEUE_MIN: usize = 1024;

/// The handle writers send jobs through.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on `conn`. After each commit it asks `checkpoints` for a
    /// checkpoint, and answers the batch's jobs through `durable` when there is one (after
    /// the WAL is synced) or at once. It ends, closing the connection, when every handle is
    /// dropped.
    pub fn start(
        conn: Connection,
        max_batch: usize,
        checkpoints: Checkpointer,
        durable: Option<Syncer>,
    ) -> std::io::Result<Self> {
        // Room for many batches: a burst from every connection at once fits, and beyond that
        // `write` waits and `submit` is refused, which is the backpressure we want.
        let (jobs, rx) = mpsc::channel((max_batch * 32).max(QUEUE_MIN));
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, max_batch, checkpoints, durable))?;
        Ok(Self { jobs })
    }

    /// Runs `f` in the next batch and returns its result once that batch has committed (and,
    /// when commits are durable, synced).
    /// Waits for room in the queue when it is full.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (job, answer) = job(f);
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        answered(answer).await
    }

    /// Queues `f` now, behind every job queued before it, and returns the future of its
    /// result: jobs one caller submits commit in the order it submitted them. A full queue
    /// means the store is far behind, and the job is refused with `Busy` rather than waited
    /// for, because waiting would give up that order.
    pub fn submit<T, F>(&self, f: F) -> impl Future<Output = Result<T, StoreError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (job, answer) = job(f);
        let queued = self.jobs.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => StoreError::Busy,
            mpsc::error::TrySendError::Closed(_) => StoreError::Closed,
        });
        async move {
            queued?;
            answered(answer).await
        }
    }
}

/// A job running `f` and the receiver of its result.
fn job<T, F>(f: F) -> (Job, oneshot::Receiver<Result<T, StoreError>>)
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    let job: Job = Box::new(move |conn| match f(conn) {
        Ok(value) => Some(Box::new(move |commit_error: Option<String>| {
            let _ = reply.send(match commit_error {
                None => Ok(value),
                Some(e) => Err(StoreError::Commit(e)),
            });
        })),
        Err(e) => {
            let _ = reply.send(Err(e));
            None
        }
    });
    (job, answer)
}

async fn answered<T>(answer: oneshot::Receiver<Result<T, StoreError>>) -> Result<T, StoreError> {
    // A dropped reply means the writer could not even start the batch.
    answer.await.map_err(|_| StoreError::Closed)?
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
    checkpoints: Checkpointer,
    durable: Option<Syncer>,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while rx.blocking_recv_many(&mut batch, max_batch) > 0 {
        if let Err(e) = execute(&conn, "BEGIN IMMEDIATE", []) {
            tracing::error!(error = %e, jobs = batch.len(), "Write batch could not begin");
            batch.clear();
            continue;
        }
        let mut finished = Vec::with_capacity(batch.len());
        for job in batch.drain(..) {
            if let Err(e) = execute(&conn, "SAVEPOINT job", []) {
                tracing::error!(error = %e, "Savepoint failed");
                continue;
            }
            // A job that panics is a bug; it must not take the store's only writer with it.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&conn))).ok().flatten() {
                Some(finish) => {
                    finished.push(finish);
                    let _ = execute(&conn, "RELEASE job", []);
                }
                None => {
                    let _ = execute(&conn, "ROLLBACK TO job", []);
                    let _ = execute(&conn, "RELEASE job", []);
                }
            }
        }
        match execute(&conn, "COMMIT", []) {
            Ok(_) => {
                checkpoints.nudge();
                match &durable {
                    Some(syncer) => syncer.after_sync(finished),
                    None => finished.into_iter().for_each(|finish| finish(None)),
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = finished.len(), "Write batch failed to commit");
                let _ = execute(&conn, "ROLLBACK", []);
                let error = e.to_string();
                finished.into_iter().for_each(|finish| finish(Some(error.clone())));
            }
        }
    }
}
