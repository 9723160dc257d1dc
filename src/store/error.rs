//! Store errors, the same for every backend. Each backend maps its own errors onto these, so
//! callers match on what went wrong, never on which database said so.

use crate::domain::IllegalTransition;
use crate::domain::permissions::WriteRefused;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (I/O, a full disk, a constraint it should not have hit).
    #[error("database error: {0}")]
    Backend(String),
    /// The schema could not be brought up to date.
    #[error("migration failed: {0}")]
    Migrate(String),
    /// No connection could be had or used (the pool is closed, or a read task died).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    /// The writer may not act on this conversation (it is assigned to someone else).
    #[error("{0}")]
    Forbidden(String),
    /// A write conflicts with what is stored (a login already taken, a closed conversation,
    /// a key another write just took).
    #[error("conflict: {0}")]
    Conflict(String),
    /// What is stored could not be read back (a corrupt or foreign row, a damaged file).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Unsupported(String),
    /// The transaction a write ran in failed to commit; nothing of it was stored.
    #[error("commit failed: {0}")]
    Commit(String),
    /// Too many writes are waiting, or the database stayed locked by someone else for longer
    /// than the store waits; this was not done. Try again shortly.
    #[error("store is busy")]
    Busy,
    /// The store is shutting down and takes no more writes.
    #[error("store is closed")]
    Closed,
}

impl From<WriteRefused> for StoreError {
    fn from(refused: WriteRefused) -> Self {
        match refused {
            WriteRefused::NotAssignee(_) => StoreError::Forbidden(refused.to_string()),
            WriteRefused::Closed(_) => StoreError::Conflict(refused.to_string()),
        }
    }
}
