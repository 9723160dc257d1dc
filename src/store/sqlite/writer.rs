//! Group commit: one thread owns the only write connection and runs every write job it finds
//! waiting in one transaction. Concurrent writers share one sync (see [`super::syncer`])
//! instead of queueing for one each. Because one connection does every write,
//! per-conversation `seq` numbers cannot race.
//!
//! A batch runs optimistically, its jobs one after another with no savepoints between them:
//! a savepoint makes SQLite copy every page a job touches into a sub-journal first, which cost
//! more than the jobs' own statements. Should a job fail, the whole batch is rolled back and
//! run again with each job in a savepoint of its own, so the failing job rolls back alone
//! and the others commit. Jobs are therefore written to be run more than once; nothing is
//! answered before the batch commits, so a rolled-back first run is never seen.
//!
//! The jobs run synchronously on that thread with cached prepared statements: a statement
//! costs microseconds there, where handing each one to a database worker and back would cost
//! a thread wake-up apiece.

use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::checkpointer::Checkpointer;
use super::syncer::Syncer;
use crate::store::StoreError;

/// One write waiting for its batch, and the caller waiting for its answer.
pub trait Job: Send {
    /// Runs the write inside the batch transaction; `false` when it failed. May be called
    /// again after the batch was rolled back, and must then do the same again.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller with the last run's result, or with `commit_error` when the run
    /// succeeded but its batch did not become durable.
    fn answer(self: Box<Self>, commit_error: Option<String>);
}

/// A job made of a closure and the channel its result goes back on.
struct Call<T, F> {
    f: F,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Call<T, F>
where
    T: Send + 'static,
    F: FnMut(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    fn run(&mut self, conn: &Connection) -> bool {
        // A job that panics is a bug; it must not take the store's only writer with it.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.f)(conn)))
            .unwrap_or_else(|_| Err(StoreError::Unavailable("the write failed unexpectedly".into())));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, commit_error: Option<String>) {
        let result = match (self.result, commit_error) {
            (Some(Err(e)), _) => Err(e),
            (_, Some(e)) => Err(StoreError::Commit(e)),
            (Some(Ok(value)), None) => Ok(value),
            (None, None) => Err(StoreError::Commit("the write did not run".into())),
        };
        let _ = self.reply.send(result);
    }
}

/// Jobs that fit in the queue however small the batch is configured.
const QUEUE_MIN: usize = 1024;

/// The handle writers send jobs through.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
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
    /// when commits are durable, synced). `f` may run more than once (see the module notes).
    /// Waits for room in the queue when it is full.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> Result<T, StoreError> + Send + 'static,
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
        F: FnMut(&Connection) -> Result<T, StoreError> + Send + 'static,
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
fn job<T, F>(f: F) -> (Box<dyn Job>, oneshot::Receiver<Result<T, StoreError>>)
where
    T: Send + 'static,
    F: FnMut(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    (Box::new(Call { f, result: None, reply }), answer)
}

async fn answered<T>(answer: oneshot::Receiver<Result<T, StoreError>>) -> Result<T, StoreError> {
    // A dropped reply means the writer could not even start the batch.
    answer.await.map_err(|_| StoreError::Closed)?
}

/// Longest the writer holds jobs back while the last batch is synced. A sync that takes
/// longer is not waited out: the writer commits and the next sync covers both.
const GATHER_LIMIT: Duration = Duration::from_millis(10);

/// Jobs waiting below which the writer gathers more before it commits.
const GATHER_BELOW: usize = 32;

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Box<dyn Job>>,
    max_batch: usize,
    checkpoints: Checkpointer,
    mut durable: Option<Syncer>,
) {
    // Each committed batch moves on to the sync thread with its vector, so no capacity is
    // kept between batches: receiving grows a fresh one to the batch's size.
    let mut jobs = Vec::new();
    while rx.blocking_recv_many(&mut jobs, max_batch) > 0 {
        // Group commit: a few jobs that arrive while the last batch is being synced could not
        // be answered before that sync ends anyway, so they wait for it and then commit as
        // one batch; fewer, larger commits write each page they share once instead of once
        // per commit. A long queue commits at once: waiting would only cap the throughput.
        if let Some(syncer) = &durable
            && jobs.len() < GATHER_BELOW
        {
            syncer.wait_synced(GATHER_LIMIT);
            while jobs.len() < max_batch
                && let Ok(job) = rx.try_recv()
            {
                jobs.push(job);
            }
        }
        let outcome = match run_batch(&conn, &mut jobs) {
            Ok(()) => {
                checkpoints.nudge();
                None
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = jobs.len(), "Write batch failed to commit");
                let _ = statement(&conn, "ROLLBACK");
                Some(e.to_string())
            }
        };
        match (&mut durable, outcome) {
            (Some(syncer), None) => syncer.after_sync(std::mem::take(&mut jobs)),
            (_, outcome) => jobs.drain(..).for_each(|job| job.answer(outcome.clone())),
        }
    }
}

/// Runs a batch in one transaction and commits it: every job at once, or, when one fails,
/// each in a savepoint of its own so that only the failing ones roll back. Its errors are
/// SQLite's own, whose words say more in the log than a store error's would.
fn run_batch(conn: &Connection, jobs: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    statement(conn, "BEGIN IMMEDIATE")?;
    if jobs.iter_mut().all(|job| job.run(conn)) {
        return statement(conn, "COMMIT");
    }
    statement(conn, "ROLLBACK")?;
    statement(conn, "BEGIN IMMEDIATE")?;
    for job in jobs.iter_mut() {
        statement(conn, "SAVEPOINT job")?;
        if !job.run(conn) {
            statement(conn, "ROLLBACK TO job")?;
        }
        statement(conn, "RELEASE job")?;
    }
    statement(conn, "COMMIT")
}

/// Runs one of the transaction statements, prepared once.
fn statement(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}
