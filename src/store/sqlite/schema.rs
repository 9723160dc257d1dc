//! Opening the database file: where the URL points, the settings every connection needs, and
//! the migrations, which are compiled into the binary and tracked in `PRAGMA user_version`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::store::StoreError;

/// Every schema change, oldest first. Never edit one that has shipped; add the next.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../../migrations/sqlite/0001_init.sql")),
    M::up(include_str!("../../../migrations/sqlite/0002_leaner_message_indexes.sql")),
    M::up(include_str!("../../../migrations/sqlite/0003_scoped_message_keys.sql")),
    M::up(include_str!("../../../migrations/sqlite/0004_triage_signal.sql")),
    M::up(include_str!("../../../migrations/sqlite/0005_email.sql")),
    M::up(include_str!("../../../migrations/sqlite/0006_routing.sql")),
    M::up(include_str!("../../../migrations/sqlite/0007_callbacks.sql")),
    M::up(include_str!("../../../migrations/sqlite/0008_playbook.sql")),
    M::up(include_str!("../../../migrations/sqlite/0009_canned_responses.sql")),
];

/// The file a `sqlite://PATH` URL names.
pub fn path_of(url: &str) -> Result<PathBuf, StoreError> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or_default();
    if path.is_empty() || path.contains('?') {
        return Err(StoreError::Unsupported(format!("store.url: expected sqlite://PATH, got {url:?}")));
    }
    Ok(PathBuf::from(path))
}

/// Opens (creating it if missing) the one connection that writes, switches the database to
/// WAL and brings its schema up to date.
pub fn open_writer(path: &Path, busy_timeout_ms: u64) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_millis(busy_timeout_ms))?;
    // SQLite does not sync the WAL at commit (NORMAL); with `store.synchronous = full` the
    // syncer does, before any job of the batch is answered. Checkpoints sync either way.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA temp_store = MEMORY; {CACHE} \
         PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_FRAMES}; PRAGMA journal_size_limit = {WAL_KEEP_BYTES};"
    ))?;
    adopt_earlier_tracking(&conn)?;
    Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
    Ok(conn)
}

/// Opens the connection that checkpoints the WAL beside the writer (which does none itself).
pub fn open_checkpointer(path: &Path, busy_timeout_ms: u64) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_millis(busy_timeout_ms))?;
    // Syncs the WAL before copying it and the database file after.
    conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    Ok(conn)
}

/// WAL frames (512 MiB of 4 KiB pages) after which the writer checkpoints the rest itself, so
/// the WAL can start over (see [`super::checkpointer`]). That checkpoint stalls every write
/// for the last copy and a sync of the database file (10 to 15 ms under load), so it should be
/// rare: at 10,000 messages/s it comes every 2.5 s; at a quarter of this threshold it came
/// four times as often and the 99th percentile of acknowledgements went from 20-30 ms to
/// 42-45 ms.
const WRITER_CHECKPOINT_FRAMES: u32 = 131_072;

/// Size the WAL file is cut back to when it starts over: above what the frames above fill,
/// so it is never cut. Cutting hundreds of megabytes off a file inside that same stall
/// doubled it; the price is a WAL file that stays at its largest size on disk.
const WAL_KEEP_BYTES: u64 = 640 * 1024 * 1024;

/// Settings of a read connection: it may not write, and it waits out another process's lock.
pub fn configure_reader(conn: &mut Connection, busy_timeout_ms: u64) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_millis(busy_timeout_ms))?;
    conn.execute_batch(&format!("PRAGMA query_only = ON; PRAGMA foreign_keys = ON; {CACHE}"))
}

/// Page cache per connection (negative: KiB), so the indexes the hot paths walk stay in memory
/// instead of being read back through the kernel on every lookup.
const CACHE: &str = "PRAGMA cache_size = -16384;";

/// Databases created by earlier builds recorded their migrations in a `_sqlx_migrations`
/// table, which had only the first migration; this records it in `user_version` instead, so
/// the migrator does not try to create the tables again.
fn adopt_earlier_tracking(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let earlier: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        [],
        |r| r.get(0),
    )?;
    if version == 0 && earlier {
        conn.execute_batch("PRAGMA user_version = 1; DROP TABLE _sqlx_migrations;")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS).validate().expect("the migrations apply to an empty database");
    }

    #[test]
    fn urls_name_a_file() {
        assert_eq!(path_of("sqlite://switchboard.db").unwrap(), PathBuf::from("switchboard.db"));
        assert_eq!(path_of("sqlite:///var/lib/s.db").unwrap(), PathBuf::from("/var/lib/s.db"));
        assert!(path_of("sqlite://").is_err());
        assert!(path_of("sqlite://a.db?mode=ro").is_err());
    }

    #[test]
    fn a_database_of_an_earlier_build_is_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(include_str!("../../../migrations/sqlite/0001_init.sql")).unwrap();
            conn.execute_batch(
                "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY); INSERT INTO _sqlx_migrations VALUES (1);
                 INSERT INTO customers (id, created_at) VALUES ('kept', 1);",
            )
            .unwrap();
        }
        let conn = open_writer(&path, 1000).expect("an earlier database opens");
        let kept: String = conn.query_row("SELECT id FROM customers", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, "kept");
    }
}
