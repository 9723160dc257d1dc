//! How SQLite's errors become store errors: by what they mean for the caller, with SQLite's
//! own message kept where there is one to keep.

use rusqlite::{ErrorCode, ffi};

use crate::store::StoreError;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
                // Another process held the database for longer than the busy timeout.
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy,
                // Only a key can be taken twice: a login, an idempotency key, a seq.
                ErrorCode::ConstraintViolation
                    if matches!(
                        failure.extended_code,
                        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    ) =>
                {
                    StoreError::Conflict(e.to_string())
                }
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt(e.to_string()),
                ErrorCode::CannotOpen => StoreError::Unavailable(e.to_string()),
                _ => StoreError::Backend(e.to_string()),
            },
            // A stored value of a type or range this build never writes.
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..) => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        StoreError::Migrate(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rusqlite::Connection;

    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, login TEXT UNIQUE, n INTEGER NOT NULL)").unwrap();
        conn.execute("INSERT INTO t VALUES ('a', 'mei', 1)", []).unwrap();
        conn
    }

    #[test]
    fn a_key_taken_twice_is_a_conflict_with_what_was_taken() {
        let conn = table();
        for sql in ["INSERT INTO t VALUES ('a', 'li', 2)", "INSERT INTO t VALUES ('b', 'mei', 2)"] {
            let e = StoreError::from(conn.execute(sql, []).unwrap_err());
            assert!(matches!(&e, StoreError::Conflict(why) if why.contains("constraint failed")), "{e:?}");
        }
        // Any other constraint is a write the store should never have made.
        let e = StoreError::from(conn.execute("INSERT INTO t VALUES ('c', 'li', NULL)", []).unwrap_err());
        assert!(matches!(&e, StoreError::Backend(why) if why.contains("NOT NULL")), "{e:?}");
    }

    #[test]
    fn a_value_that_does_not_read_back_is_corrupt() {
        let conn = table();
        let e = conn.query_row("SELECT login FROM t", [], |r| r.get::<_, i64>(0)).unwrap_err();
        assert!(matches!(StoreError::from(e), StoreError::Corrupt(_)));
        conn.execute("UPDATE t SET n = -1", []).unwrap();
        let e = conn.query_row("SELECT n FROM t", [], |r| r.get::<_, u32>(0)).unwrap_err();
        assert!(matches!(StoreError::from(e), StoreError::Corrupt(_)));
    }

    #[test]
    fn a_database_locked_elsewhere_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        let holder = Connection::open(&path).unwrap();
        holder.execute_batch("CREATE TABLE t (k TEXT); BEGIN IMMEDIATE").unwrap();
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(Duration::from_millis(10)).unwrap();
        let e = other.execute_batch("BEGIN IMMEDIATE").unwrap_err();
        assert!(matches!(StoreError::from(e), StoreError::Busy));
    }

    #[test]
    fn a_file_that_is_no_database_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not.db");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let e = Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0));
        assert!(matches!(StoreError::from(e.unwrap_err()), StoreError::Corrupt(_)));
    }
}
