//! `sessions`: the agent's sessions.

use agentdesk_domain::{Channel, Session, SessionState};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        visitor_id TEXT NOT NULL,
        visitor_name TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at_ms INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0,
        rating INTEGER
    );
    CREATE INDEX sessions_by_state ON sessions (state, started_at_ms);",
    // Sobot numbers no messages: the per-session sequence number AgentDesk once assumed is gone.
    "ALTER TABLE sessions DROP COLUMN last_seq;",
];

/// Inserts or refreshes a session.
pub fn upsert(conn: &Connection, s: &Session) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "INSERT INTO sessions (id, visitor_id, visitor_name, channel, state, started_at_ms, rating)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET
            visitor_id = excluded.visitor_id,
            visitor_name = excluded.visitor_name,
            channel = excluded.channel,
            state = excluded.state,
            rating = COALESCE(excluded.rating, sessions.rating)
         WHERE sessions.visitor_name != excluded.visitor_name OR sessions.state != excluded.state
            OR sessions.channel != excluded.channel",
        params![
            s.id,
            s.visitor_id,
            s.visitor_name,
            s.channel.as_str(),
            s.state.as_str(),
            s.started_at_ms,
            s.rating
        ],
    )?;
    Ok(changed > 0)
}

pub fn end(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE sessions SET state = 'ended' WHERE id = ?1 AND state != 'ended'",
        params![id],
    )? > 0)
}

pub fn rate(conn: &Connection, id: &str, score: u8) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE sessions SET rating = ?2 WHERE id = ?1 AND (rating IS NULL OR rating != ?2)",
        params![id, score],
    )? > 0)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: row.get(0)?,
        visitor_id: row.get(1)?,
        visitor_name: row.get(2)?,
        channel: Channel::parse(&row.get::<_, String>(3)?),
        state: SessionState::parse(&row.get::<_, String>(4)?),
        started_at_ms: row.get(5)?,
        rating: row.get(6)?,
    })
}

const COLUMNS: &str = "id, visitor_id, visitor_name, channel, state, started_at_ms, rating";

pub fn all(conn: &Connection) -> Result<Vec<Session>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM sessions ORDER BY started_at_ms, id"
    ))?;
    let rows = statement.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<Session>, StoreError> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM sessions WHERE id = ?1"))?;
    Ok(statement.query_row(params![id], from_row).optional()?)
}
