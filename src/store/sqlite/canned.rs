//! Canned responses in SQLite: one row each, one per language and title.

use rusqlite::{Connection, Row, params};

use super::queries::{self, execute};
use crate::domain::{CannedResponse, Millis};
use crate::store::StoreError;

pub const LIST: &str =
    "SELECT id, lang, title, text, updated_by, updated_at FROM canned_responses ORDER BY lang, title, id";

pub fn row(row: &Row<'_>) -> Result<CannedResponse, StoreError> {
    Ok(CannedResponse {
        id: row.get(0)?,
        lang: row.get(1)?,
        title: row.get(2)?,
        text: row.get(3)?,
        updated_by: row.get(4)?,
        updated_at: Millis(row.get(5)?),
    })
}

/// `Conflict` when a response other than `canned` has its language and title.
fn title_free(conn: &Connection, canned: &CannedResponse) -> Result<(), StoreError> {
    let sql = "SELECT id FROM canned_responses WHERE lang = ?1 AND title = ?2 AND id != ?3";
    match queries::optional(conn, sql, params![canned.lang, canned.title, canned.id], queries::first::<String>)? {
        Some(_) => Err(StoreError::Conflict(format!(
            "a canned response titled {:?} in {:?} exists already",
            canned.title, canned.lang
        ))),
        None => Ok(()),
    }
}

pub fn add(conn: &Connection, canned: &CannedResponse, max: usize) -> Result<(), StoreError> {
    let count: i64 = queries::optional(conn, "SELECT COUNT(*) FROM canned_responses", [], queries::first)?.unwrap_or(0);
    if count as usize >= max {
        return Err(StoreError::Conflict(format!("at most {max} canned responses are kept")));
    }
    title_free(conn, canned)?;
    execute(
        conn,
        "INSERT INTO canned_responses (id, lang, title, text, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![canned.id, canned.lang, canned.title, canned.text, canned.updated_by, canned.updated_at.0],
    )
    .map(drop)
}

pub fn update(conn: &Connection, canned: &CannedResponse) -> Result<(), StoreError> {
    title_free(conn, canned)?;
    let changed = execute(
        conn,
        "UPDATE canned_responses SET lang = ?2, title = ?3, text = ?4, updated_by = ?5, updated_at = ?6 WHERE id = ?1",
        params![canned.id, canned.lang, canned.title, canned.text, canned.updated_by, canned.updated_at.0],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("canned response {}", canned.id)));
    }
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> Result<(), StoreError> {
    if execute(conn, "DELETE FROM canned_responses WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound(format!("canned response {id}")));
    }
    Ok(())
}
