//! `ticket_attempts`: every ticket the agent submitted, recorded before it leaves and updated with
//! what became of it (the ticket crate's journal for creating each exactly once). The attempt is
//! kept as its crate's JSON; the state is a column so unfinished ones are found without decoding.

use rusqlite::{params, Connection, OptionalExtension};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE ticket_attempts (
        attempt_id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );
    CREATE INDEX ticket_attempts_by_state ON ticket_attempts (state);"];

pub fn put(
    conn: &Connection,
    attempt_id: &str,
    state: &str,
    body: &str,
    updated_at_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO ticket_attempts (attempt_id, state, body, updated_at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (attempt_id) DO UPDATE SET state = ?2, body = ?3, updated_at_ms = ?4",
        params![attempt_id, state, body, updated_at_ms],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, attempt_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT body FROM ticket_attempts WHERE attempt_id = ?1",
            params![attempt_id],
            |row| row.get(0),
        )
        .optional()?)
}

/// Attempts in any state but `states`, oldest first.
pub fn all_but(conn: &Connection, states: &[&str]) -> Result<Vec<String>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT state, body FROM ticket_attempts ORDER BY updated_at_ms")?;
    let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?;
    let mut bodies = Vec::new();
    for row in rows {
        let (state, body) = row?;
        if !states.contains(&state.as_str()) {
            bodies.push(body);
        }
    }
    Ok(bodies)
}
