//! `write_backs`: the results of services to send to the merchant's CRM or order system, each
//! recorded before it leaves and updated with every try (the write-back outbox). The template's
//! values are kept as JSON in the encrypted database; the state and the next try's time are columns,
//! so the due ones are found without decoding.

use rusqlite::{params, Connection, Row};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE write_backs (
        id TEXT PRIMARY KEY,
        connector TEXT NOT NULL,
        action TEXT NOT NULL,
        event TEXT NOT NULL,
        session_id TEXT NOT NULL,
        vars TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at_ms INTEGER NOT NULL,
        last_error TEXT,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );
    CREATE INDEX write_backs_by_state ON write_backs (state, next_attempt_at_ms);
    CREATE INDEX write_backs_by_session ON write_backs (session_id);"];

/// One write-back as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteBackRow {
    /// Sent with every try as `{write_back_id}`.
    pub id: String,
    pub connector: String,
    pub action: String,
    pub event: String,
    pub session_id: String,
    /// The template's values, as a JSON object.
    pub vars: String,
    /// `pending`, `sending` (a try is out, or was when the process died), `sent`, `unknown` (it
    /// may have arrived and is not sent again), `failed`.
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at_ms: i64,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const COLUMNS: &str = "id, connector, action, event, session_id, vars, state, attempts, next_attempt_at_ms, last_error, created_at_ms, updated_at_ms";

fn from_row(row: &Row<'_>) -> rusqlite::Result<WriteBackRow> {
    Ok(WriteBackRow {
        id: row.get(0)?,
        connector: row.get(1)?,
        action: row.get(2)?,
        event: row.get(3)?,
        session_id: row.get(4)?,
        vars: row.get(5)?,
        state: row.get(6)?,
        attempts: row.get(7)?,
        next_attempt_at_ms: row.get(8)?,
        last_error: row.get(9)?,
        created_at_ms: row.get(10)?,
        updated_at_ms: row.get(11)?,
    })
}

/// Records a new write-back (a second record under the same id changes nothing).
pub fn insert(conn: &Connection, row: &WriteBackRow) -> Result<(), StoreError> {
    conn.execute(
        &format!("INSERT OR IGNORE INTO write_backs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            row.id,
            row.connector,
            row.action,
            row.event,
            row.session_id,
            row.vars,
            row.state,
            row.attempts,
            row.next_attempt_at_ms,
            row.last_error,
            row.created_at_ms,
            row.updated_at_ms
        ],
    )?;
    Ok(())
}

/// A try's outcome (or its start): durable when this returns.
pub fn update(
    conn: &Connection,
    id: &str,
    state: &str,
    attempts: u32,
    next_attempt_at_ms: i64,
    last_error: Option<&str>,
    updated_at_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE write_backs SET state = ?2, attempts = ?3, next_attempt_at_ms = ?4, last_error = ?5, updated_at_ms = ?6
         WHERE id = ?1",
        params![id, state, attempts, next_attempt_at_ms, last_error, updated_at_ms],
    )?;
    Ok(())
}

/// The write-backs in `state`, oldest first.
pub fn in_state(conn: &Connection, state: &str) -> Result<Vec<WriteBackRow>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM write_backs WHERE state = ?1 ORDER BY created_at_ms, id"
    ))?;
    let rows = statement.query_map(params![state], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest `limit` write-backs, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<WriteBackRow>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM write_backs ORDER BY created_at_ms DESC, id DESC LIMIT ?1"
    ))?;
    let rows = statement.query_map(params![limit as i64], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
