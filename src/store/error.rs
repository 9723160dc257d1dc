//! Store errors, the same for every backend.

use crate::domain::IllegalTransition;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (I/O, connection, constraint it should not have hit).
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
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
    /// A write conflicts with what is stored (a login already taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored value could not be read back (a corrupt or foreign row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Unsupported(String),
    /// The transaction a write ran in failed to commit; nothing of it was stored.
    #[error("commit failed: {0}")]
    Commit(String),
    /// Too many writes are waiting; this one was not queued. Try again shortly.
    #[error("store is busy")]
    Busy,
    /// The store is shutting down and takes no more writes.
    #[error("store is closed")]
    Closed,
}
