//! Group commit: one task owns the only write connection and runs every write job it finds
//! waiting in one transaction, each job inside its own savepoint. Concurrent writers share one
//! fsync instead of queueing for one each, and a failing job rolls back alone. Because one
//! connection does every write, per-conversation `seq` numbers cannot race.

use futures::future::BoxFuture;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use crate::store::StoreError;

/// Called once the batch a job ran in has committed (`None`) or failed to commit (`Some`).
type Finish = Box<dyn FnOnce(Option<String>) + Send>;

/// One write: runs inside the batch transaction; `None` when it failed (and already replied).
type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Option<Finish>> + Send>;

/// The handle writers send jobs through.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task on `conn`. It ends when every handle is dropped.
    pub fn start(conn: SqliteConnection, max_batch: usize) -> Self {
        // Room for a few batches: senders beyond that wait, which is the backpressure we want.
        let (jobs, rx) = mpsc::channel(max_batch * 4);
        tokio::spawn(run(conn, rx, max_batch));
        Self { jobs }
    }

    /// Runs `f` in the next batch and returns its result once that batch has committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                match f(conn).await {
                    Ok(value) => Some(Box::new(move |commit_error: Option<String>| {
                        let _ = reply.send(match commit_error {
                            None => Ok(value),
                            Some(e) => Err(StoreError::Commit(e)),
                        });
                    }) as Finish),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                        None
                    }
                }
            })
        });
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        // A dropped reply means the writer could not even start the batch.
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await {
            tracing::error!(error = %e, jobs = batch.len(), "Write batch could not begin");
            batch.clear();
            continue;
        }
        let mut finished = Vec::with_capacity(batch.len());
        for job in batch.drain(..) {
            if let Err(e) = sqlx::query("SAVEPOINT job").execute(&mut conn).await {
                tracing::error!(error = %e, "Savepoint failed");
                continue;
            }
            match job(&mut conn).await {
                Some(finish) => {
                    finished.push(finish);
                    let _ = sqlx::query("RELEASE job").execute(&mut conn).await;
                }
                None => {
                    let _ = sqlx::query("ROLLBACK TO job").execute(&mut conn).await;
                    let _ = sqlx::query("RELEASE job").execute(&mut conn).await;
                }
            }
        }
        let commit_error = match sqlx::query("COMMIT").execute(&mut conn).await {
            Ok(_) => None,
            Err(e) => {
                tracing::error!(error = %e, jobs = finished.len(), "Write batch failed to commit");
                let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
                Some(e.to_string())
            }
        };
        for finish in finished {
            finish(commit_error.clone());
        }
    }
    let _ = conn.close().await;
}
