//! `messages`: every message of every session. Confirmed messages are unique by (session, seq) and
//! by platform message id; pending outbound ones are unique by client message id.

use agentdesk_domain::{DeliveryStatus, Direction, Message, MessageKind};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        seq INTEGER,
        msg_id TEXT,
        client_msg_id TEXT,
        direction TEXT NOT NULL,
        kind TEXT NOT NULL,
        content TEXT NOT NULL,
        sender_name TEXT NOT NULL,
        sent_at_ms INTEGER NOT NULL,
        status TEXT NOT NULL
    );
    CREATE UNIQUE INDEX messages_by_seq ON messages (session_id, seq) WHERE seq IS NOT NULL;
    CREATE UNIQUE INDEX messages_by_msg_id ON messages (msg_id) WHERE msg_id IS NOT NULL;
    CREATE UNIQUE INDEX messages_by_client_id ON messages (client_msg_id) WHERE client_msg_id IS NOT NULL;"];

/// Stores a message the platform confirmed. A pending local message with the same client id is
/// completed in place; a message already stored (same seq or msg id) is left alone.
pub fn store_confirmed(conn: &Connection, m: &Message) -> Result<bool, StoreError> {
    if let Some(client_msg_id) = &m.client_msg_id {
        let updated = conn.execute(
            "UPDATE messages SET seq = ?2, msg_id = ?3, status = 'sent', sent_at_ms = ?4
             WHERE client_msg_id = ?1 AND seq IS NULL",
            params![
                client_msg_id,
                m.seq.map(|s| s as i64),
                m.msg_id,
                m.sent_at_ms
            ],
        )?;
        if updated > 0 {
            return Ok(true);
        }
    }
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO messages
            (session_id, seq, msg_id, client_msg_id, direction, kind, content, sender_name, sent_at_ms, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            m.session_id,
            m.seq.map(|s| s as i64),
            m.msg_id,
            m.client_msg_id,
            m.direction.as_str(),
            m.kind.as_str(),
            m.content,
            m.sender_name,
            m.sent_at_ms,
            m.status.as_str()
        ],
    )?;
    Ok(inserted > 0)
}

/// Inserts a pending outbound message (no seq yet). Idempotent on the client id.
pub fn insert_pending(conn: &Connection, m: &Message) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "INSERT OR IGNORE INTO messages
            (session_id, seq, msg_id, client_msg_id, direction, kind, content, sender_name, sent_at_ms, status)
         VALUES (?1, NULL, NULL, ?2, 'out', ?3, ?4, ?5, ?6, 'pending')",
        params![m.session_id, m.client_msg_id, m.kind.as_str(), m.content, m.sender_name, m.sent_at_ms],
    )? > 0)
}

pub fn set_status(
    conn: &Connection,
    client_msg_id: &str,
    status: DeliveryStatus,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE messages SET status = ?2 WHERE client_msg_id = ?1 AND seq IS NULL AND status != ?2",
        params![client_msg_id, status.as_str()],
    )? > 0)
}

const COLUMNS: &str = "session_id, seq, msg_id, client_msg_id, direction, kind, content, sender_name, sent_at_ms, status";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        session_id: row.get(0)?,
        seq: row.get::<_, Option<i64>>(1)?.map(|s| s as u64),
        msg_id: row.get(2)?,
        client_msg_id: row.get(3)?,
        direction: Direction::parse(&row.get::<_, String>(4)?),
        kind: MessageKind::parse(&row.get::<_, String>(5)?),
        content: row.get(6)?,
        sender_name: row.get(7)?,
        sent_at_ms: row.get(8)?,
        status: DeliveryStatus::parse(&row.get::<_, String>(9)?),
    })
}

/// Newest `limit` messages, returned oldest first: confirmed ones by seq, pending ones after them.
pub fn recent(
    conn: &Connection,
    session_id: &str,
    limit: usize,
) -> Result<Vec<Message>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE session_id = ?1
         ORDER BY seq IS NULL DESC, seq DESC, id DESC LIMIT ?2"
    ))?;
    let rows = statement.query_map(params![session_id, limit as i64], from_row)?;
    let mut messages: Vec<Message> = rows.collect::<Result<_, _>>()?;
    messages.reverse();
    Ok(messages)
}

pub fn by_client_id(conn: &Connection, client_msg_id: &str) -> Result<Option<Message>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE client_msg_id = ?1"
    ))?;
    Ok(statement
        .query_row(params![client_msg_id], from_row)
        .optional()?)
}

pub fn texts(conn: &Connection, direction: Direction) -> Result<Vec<String>, StoreError> {
    let mut statement = conn.prepare_cached("SELECT content FROM messages WHERE direction = ?1")?;
    let rows = statement.query_map(params![direction.as_str()], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn inbound_containing(conn: &Connection, needle: &str) -> Result<Vec<Message>, StoreError> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM messages WHERE direction = 'in' AND instr(content, ?1) > 0 ORDER BY id"))?;
    let rows = statement.query_map(params![needle], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(conn: &Connection, direction: Direction) -> Result<u64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM messages WHERE direction = ?1",
        params![direction.as_str()],
        |row| row.get::<_, i64>(0),
    )? as u64)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SequenceReport {
    pub messages: u64,
    pub inbound: u64,
    /// Inbound messages written after a message of the same session with a higher seq.
    pub out_of_order: u64,
    /// Inbound texts stored more than once (every generated text is unique).
    pub duplicated_texts: u64,
    /// Sessions whose stored seqs are not exactly 1..=last_seq.
    pub sessions_with_gaps: u64,
}

pub fn sequence_report(conn: &Connection) -> Result<SequenceReport, StoreError> {
    let mut report = SequenceReport::default();
    let mut statement = conn.prepare("SELECT session_id, seq, direction FROM messages WHERE seq IS NOT NULL ORDER BY session_id, id")?;
    let mut rows = statement.query([])?;
    let mut current = String::new();
    let mut highest_inbound = 0u64;
    while let Some(row) = rows.next()? {
        let session: String = row.get(0)?;
        let seq = row.get::<_, i64>(1)? as u64;
        let inbound = row.get::<_, String>(2)? == "in";
        if session != current {
            current = session;
            highest_inbound = 0;
        }
        report.messages += 1;
        if inbound {
            report.inbound += 1;
            if seq < highest_inbound {
                report.out_of_order += 1;
            }
            highest_inbound = highest_inbound.max(seq);
        }
    }
    report.duplicated_texts = conn.query_row(
        "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM messages WHERE direction = 'in' GROUP BY content, session_id HAVING n > 1)",
        [],
        |row| row.get::<_, i64>(0),
    )? as u64;
    report.sessions_with_gaps = conn.query_row(
        "SELECT COUNT(*) FROM (SELECT session_id, COUNT(*) AS n, MAX(seq) AS top FROM messages WHERE seq IS NOT NULL
             GROUP BY session_id HAVING n != top)",
        [],
        |row| row.get::<_, i64>(0),
    )? as u64;
    Ok(report)
}
