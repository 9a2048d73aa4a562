//! `messages`: every message of every session, in the platform's time order. Messages the platform
//! confirmed are unique by its message id; outbound ones by AgentDesk's local client message id (an
//! id that never leaves this machine: Sobot has no field for it).

use agentdesk_domain::{
    DeliveryStatus, Direction, Message, MessageKind, Transcript, TranscriptProblem,
};
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
    CREATE UNIQUE INDEX messages_by_client_id ON messages (client_msg_id) WHERE client_msg_id IS NOT NULL;",
    // Sobot numbers no messages: order by the platform's own times instead of a sequence number.
    "DROP INDEX messages_by_seq;
    ALTER TABLE messages DROP COLUMN seq;
    CREATE INDEX messages_in_order ON messages (session_id, sent_at_ms, id);",
    // A voice message read as text (encrypted with the rest of the database), or why not.
    "ALTER TABLE messages ADD COLUMN transcript TEXT;
    ALTER TABLE messages ADD COLUMN transcript_problem TEXT;"];

/// Stores a message the platform confirmed. A local outbound message with the same client id is
/// completed in place (a copy of it that a catch-up stored first is dropped, so the window shows it
/// once); a message already stored under its msg id is left alone.
pub fn store_confirmed(conn: &Connection, m: &Message) -> Result<bool, StoreError> {
    if let (Some(client_msg_id), Some(msg_id)) = (&m.client_msg_id, &m.msg_id) {
        conn.execute(
            "DELETE FROM messages WHERE msg_id = ?1 AND (client_msg_id IS NULL OR client_msg_id != ?2)",
            params![msg_id, client_msg_id],
        )?;
        let updated = conn.execute(
            "UPDATE messages SET msg_id = ?2, status = 'sent', sent_at_ms = ?3
             WHERE client_msg_id = ?1 AND msg_id IS NULL",
            params![client_msg_id, msg_id, m.sent_at_ms],
        )?;
        if updated > 0 {
            return Ok(true);
        }
    }
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO messages
            (session_id, msg_id, client_msg_id, direction, kind, content, sender_name, sent_at_ms, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            m.session_id,
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

pub fn confirm_time(conn: &Connection, msg_id: &str, sent_at_ms: i64) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE messages SET sent_at_ms = ?2 WHERE msg_id = ?1 AND sent_at_ms != ?2",
        params![msg_id, sent_at_ms],
    )? > 0)
}

/// Inserts a pending outbound message (no msg id yet). Idempotent on the client id.
pub fn insert_pending(conn: &Connection, m: &Message) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "INSERT OR IGNORE INTO messages
            (session_id, msg_id, client_msg_id, direction, kind, content, sender_name, sent_at_ms, status)
         VALUES (?1, NULL, ?2, 'out', ?3, ?4, ?5, ?6, 'pending')",
        params![m.session_id, m.client_msg_id, m.kind.as_str(), m.content, m.sender_name, m.sent_at_ms],
    )? > 0)
}

pub fn set_status(
    conn: &Connection,
    client_msg_id: &str,
    status: DeliveryStatus,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE messages SET status = ?2 WHERE client_msg_id = ?1 AND msg_id IS NULL AND status != ?2",
        params![client_msg_id, status.as_str()],
    )? > 0)
}

const COLUMNS: &str =
    "session_id, msg_id, client_msg_id, direction, kind, content, sender_name, sent_at_ms, status,
     transcript, transcript_problem";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        session_id: row.get(0)?,
        msg_id: row.get(1)?,
        client_msg_id: row.get(2)?,
        direction: Direction::parse(&row.get::<_, String>(3)?),
        kind: MessageKind::parse(&row.get::<_, String>(4)?),
        content: row.get(5)?,
        sender_name: row.get(6)?,
        sent_at_ms: row.get(7)?,
        status: DeliveryStatus::parse(&row.get::<_, String>(8)?),
        transcript: match (
            row.get::<_, Option<String>>(9)?,
            row.get::<_, Option<String>>(10)?,
        ) {
            (None, None) => None,
            (text, problem) => Some(Transcript {
                text: text.unwrap_or_default(),
                problem: problem.as_deref().and_then(TranscriptProblem::parse),
            }),
        },
    })
}

/// Keeps what a voice message says (or why it could not be read); changed when the message is here.
pub fn transcribe(
    conn: &Connection,
    msg_id: &str,
    transcript: &Transcript,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE messages SET transcript = ?2, transcript_problem = ?3 WHERE msg_id = ?1",
        params![
            msg_id,
            transcript.text,
            transcript.problem.map(TranscriptProblem::as_str)
        ],
    )? > 0)
}

/// Newest `limit` messages, returned oldest first, by the platform's time (an outbound message not
/// confirmed yet by when the agent wrote it), then by arrival.
pub fn recent(
    conn: &Connection,
    session_id: &str,
    limit: usize,
) -> Result<Vec<Message>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE session_id = ?1
         ORDER BY sent_at_ms DESC, id DESC LIMIT ?2"
    ))?;
    let rows = statement.query_map(params![session_id, limit as i64], from_row)?;
    let mut messages: Vec<Message> = rows.collect::<Result<_, _>>()?;
    messages.reverse();
    Ok(messages)
}

/// Each session's newest platform time among the messages the platform confirmed (by msg id).
pub fn latest_confirmed_times(
    conn: &Connection,
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT session_id, MAX(sent_at_ms) FROM messages WHERE msg_id IS NOT NULL GROUP BY session_id",
    )?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
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

/// Customers' voice messages not read as text yet (no words, no reason), oldest first, at most `limit`.
pub fn unread_voice(conn: &Connection, limit: usize) -> Result<Vec<Message>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE kind = 'voice' AND direction = 'in' AND msg_id IS NOT NULL
         AND transcript IS NULL AND transcript_problem IS NULL ORDER BY sent_at_ms, id LIMIT ?1"
    ))?;
    let rows = statement.query_map(params![limit as i64], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn inbound_containing(conn: &Connection, needle: &str) -> Result<Vec<Message>, StoreError> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM messages WHERE direction = 'in' AND (instr(content, ?1) > 0 OR instr(COALESCE(transcript, ''), ?1) > 0) ORDER BY sent_at_ms, id"))?;
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

/// One stored message's session and text (see `texts_in_order`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderedText {
    pub session_id: String,
    pub direction: Direction,
    pub msg_id: Option<String>,
    pub content: String,
}

pub fn texts_in_order(conn: &Connection) -> Result<Vec<OrderedText>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT session_id, direction, msg_id, content FROM messages ORDER BY session_id, sent_at_ms, id",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(OrderedText {
            session_id: row.get(0)?,
            direction: Direction::parse(&row.get::<_, String>(1)?),
            msg_id: row.get(2)?,
            content: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
