//! `customer_notes`: the agent's own notes about a customer, kept in the (encrypted) workspace
//! database beside everything else about them, never in the webview's storage.

use rusqlite::{params, Connection, OptionalExtension};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE customer_notes (
        visitor_id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerNote {
    pub body: String,
    pub updated_at_ms: i64,
}

/// Keeps `body` as the note about `visitor_id`; an empty note is no note (the row goes).
pub fn put(
    conn: &Connection,
    visitor_id: &str,
    body: &str,
    updated_at_ms: i64,
) -> Result<(), StoreError> {
    if body.is_empty() {
        conn.execute(
            "DELETE FROM customer_notes WHERE visitor_id = ?1",
            params![visitor_id],
        )?;
    } else {
        conn.execute(
            "INSERT INTO customer_notes (visitor_id, body, updated_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT(visitor_id) DO UPDATE SET body = excluded.body,
                updated_at_ms = excluded.updated_at_ms",
            params![visitor_id, body, updated_at_ms],
        )?;
    }
    Ok(())
}

pub fn get(conn: &Connection, visitor_id: &str) -> Result<Option<CustomerNote>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT body, updated_at_ms FROM customer_notes WHERE visitor_id = ?1")?
        .query_row(params![visitor_id], |row| {
            Ok(CustomerNote {
                body: row.get(0)?,
                updated_at_ms: row.get(1)?,
            })
        })
        .optional()?)
}
