//! `outbox`: outbound messages until the platform has accepted them. An item is written in the same
//! transaction as its pending message, so after a crash every pending message has its item. Sobot
//! honours no client message id, so a send is never simply repeated: each attempt is recorded before
//! the request leaves (`attempt_started_at_ms`), and an item whose attempt ended without an answer
//! (`unknown`, or attempted before a crash) is looked for in the session's history first.

use agentdesk_domain::{DeliveryStatus, Direction, Message, MessageKind};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::{messages, StoreError};

pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE outbox (
        client_msg_id TEXT PRIMARY KEY,
        seq_no INTEGER NOT NULL,
        session_id TEXT NOT NULL,
        visitor_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        content TEXT NOT NULL,
        sender_name TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at_ms INTEGER NOT NULL,
        last_error TEXT,
        created_at_ms INTEGER NOT NULL
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at_ms, seq_no);
    CREATE INDEX outbox_by_session ON outbox (session_id, state, seq_no);",
    // An image or file to send instead of text, held here until the platform has it.
    "ALTER TABLE outbox ADD COLUMN attachment BLOB;
    ALTER TABLE outbox ADD COLUMN attachment_name TEXT;
    ALTER TABLE outbox ADD COLUMN attachment_mime TEXT;",
    // When the current attempt's request was about to leave (NULL: no attempt in progress).
    "ALTER TABLE outbox ADD COLUMN attempt_started_at_ms INTEGER;",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    Pending,
    Sent,
    Failed,
    /// Sent without an answer: it may or may not be on the platform.
    Unknown,
}

impl OutboxState {
    fn parse(text: &str) -> OutboxState {
        match text {
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            "unknown" => OutboxState::Unknown,
            _ => OutboxState::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxAttachment {
    pub file_name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub client_msg_id: String,
    pub session_id: String,
    pub visitor_id: String,
    pub kind: MessageKind,
    pub content: String,
    pub sender_name: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_attempt_at_ms: i64,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    /// Set for images and files; `content` then holds the file name.
    pub attachment: Option<OutboxAttachment>,
    /// When the last attempt's request was about to leave, while its outcome is not known.
    pub attempt_started_at_ms: Option<i64>,
}

impl OutboxItem {
    pub fn pending_message(&self) -> Message {
        Message {
            session_id: self.session_id.clone(),
            msg_id: None,
            client_msg_id: Some(self.client_msg_id.clone()),
            direction: Direction::Out,
            kind: self.kind,
            content: self.content.clone(),
            sender_name: self.sender_name.clone(),
            sent_at_ms: self.created_at_ms,
            status: DeliveryStatus::Pending,
            transcript: None,
        }
    }
}

/// Adds the item and its pending message. Returns false (and changes nothing) when the client id is
/// already known: enqueueing is idempotent.
pub fn enqueue(conn: &Connection, item: &OutboxItem) -> Result<bool, StoreError> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO outbox (client_msg_id, seq_no, session_id, visitor_id, kind, content, sender_name, state,
             attempts, next_attempt_at_ms, last_error, created_at_ms, attachment, attachment_name, attachment_mime)
         VALUES (?1, (SELECT COALESCE(MAX(seq_no), 0) + 1 FROM outbox), ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, NULL, ?7,
             ?8, ?9, ?10)",
        params![
            item.client_msg_id,
            item.session_id,
            item.visitor_id,
            item.kind.as_str(),
            item.content,
            item.sender_name,
            item.created_at_ms,
            item.attachment.as_ref().map(|a| a.bytes.as_slice()),
            item.attachment.as_ref().map(|a| a.file_name.as_str()),
            item.attachment.as_ref().map(|a| a.mime.as_str()),
        ],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    messages::insert_pending(conn, &item.pending_message())?;
    Ok(true)
}

pub fn mark_sent(conn: &Connection, client_msg_id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'sent', last_error = NULL, attempt_started_at_ms = NULL
         WHERE client_msg_id = ?1 AND state != 'sent'",
        params![client_msg_id],
    )? > 0)
}

pub fn mark_failed(
    conn: &Connection,
    client_msg_id: &str,
    error: &str,
) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = ?2, attempts = attempts + 1,
             attempt_started_at_ms = NULL
         WHERE client_msg_id = ?1 AND state IN ('pending', 'unknown')",
        params![client_msg_id, error],
    )? > 0;
    if changed {
        messages::set_status(conn, client_msg_id, DeliveryStatus::Failed)?;
    }
    Ok(changed)
}

pub fn postpone(
    conn: &Connection,
    client_msg_id: &str,
    next_attempt_at_ms: i64,
    error: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at_ms = ?2, last_error = ?3,
             attempt_started_at_ms = NULL
         WHERE client_msg_id = ?1 AND state = 'pending'",
        params![client_msg_id, next_attempt_at_ms, error],
    )? > 0)
}

pub fn mark_attempt(
    conn: &Connection,
    client_msg_id: &str,
    at_ms: i64,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE outbox SET attempt_started_at_ms = ?2 WHERE client_msg_id = ?1 AND state = 'pending'",
        params![client_msg_id, at_ms],
    )? > 0)
}

pub fn mark_unknown(
    conn: &Connection,
    client_msg_id: &str,
    error: &str,
) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE outbox SET state = 'unknown', last_error = ?2, attempts = attempts + 1
         WHERE client_msg_id = ?1 AND state = 'pending'",
        params![client_msg_id, error],
    )? > 0;
    if changed {
        messages::set_status(conn, client_msg_id, DeliveryStatus::Unknown)?;
    }
    Ok(changed)
}

/// Back to sending: a failed item the agent retries, or an unresolved one (unknown, or attempted
/// before a crash) that the session's records showed was not stored.
pub fn requeue(conn: &Connection, client_msg_id: &str) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE outbox SET state = 'pending', next_attempt_at_ms = 0, attempt_started_at_ms = NULL
         WHERE client_msg_id = ?1
           AND (state IN ('failed', 'unknown') OR (state = 'pending' AND attempt_started_at_ms IS NOT NULL))",
        params![client_msg_id],
    )? > 0;
    if changed {
        messages::set_status(conn, client_msg_id, DeliveryStatus::Pending)?;
    }
    Ok(changed)
}

const COLUMNS: &str =
    "client_msg_id, session_id, visitor_id, kind, content, sender_name, state, attempts,
    next_attempt_at_ms, last_error, created_at_ms, attachment, attachment_name, attachment_mime,
    attempt_started_at_ms";

fn from_row(row: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        client_msg_id: row.get(0)?,
        session_id: row.get(1)?,
        visitor_id: row.get(2)?,
        kind: MessageKind::parse(&row.get::<_, String>(3)?),
        content: row.get(4)?,
        sender_name: row.get(5)?,
        state: OutboxState::parse(&row.get::<_, String>(6)?),
        attempts: row.get::<_, i64>(7)? as u32,
        next_attempt_at_ms: row.get(8)?,
        last_error: row.get(9)?,
        created_at_ms: row.get(10)?,
        attachment: match row.get::<_, Option<Vec<u8>>>(11)? {
            Some(bytes) => Some(OutboxAttachment {
                bytes,
                file_name: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
                mime: row.get::<_, Option<String>>(13)?.unwrap_or_default(),
            }),
            None => None,
        },
        attempt_started_at_ms: row.get(14)?,
    })
}

/// Due items, oldest first, at most one per session: the oldest unsent item of its session, if it
/// is pending with no attempt in progress. A postponed, in-flight or unknown item therefore holds
/// back the later items of its session, so replies reach the customer in the order the agent wrote
/// them.
pub fn due(conn: &Connection, now_ms: i64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox AS o WHERE state = 'pending' AND next_attempt_at_ms <= ?1
           AND attempt_started_at_ms IS NULL
           AND seq_no = (SELECT MIN(seq_no) FROM outbox WHERE session_id = o.session_id
                         AND state IN ('pending', 'unknown'))
         ORDER BY seq_no LIMIT ?2"
    ))?;
    let rows = statement.query_map(params![now_ms, limit as i64], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn all_pending(conn: &Connection) -> Result<Vec<OutboxItem>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE state IN ('pending', 'unknown') ORDER BY seq_no"
    ))?;
    let rows = statement.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Unknown items, and pending ones whose attempt never got an outcome (a crash in between).
pub fn unresolved(conn: &Connection) -> Result<Vec<OutboxItem>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox
         WHERE state = 'unknown' OR (state = 'pending' AND attempt_started_at_ms IS NOT NULL)
         ORDER BY seq_no"
    ))?;
    let rows = statement.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, client_msg_id: &str) -> Result<Option<OutboxItem>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE client_msg_id = ?1"
    ))?;
    Ok(statement
        .query_row(params![client_msg_id], from_row)
        .optional()?)
}

/// Every item's session and text in the order the agent queued them (for soak runs to compare with
/// the order the platform stored them in).
/// One outbound item as the agent queued it (see `queued_texts`).
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedText {
    pub session_id: String,
    pub content: String,
    pub queued_at_ms: i64,
}

pub fn queued_texts(conn: &Connection) -> Result<Vec<QueuedText>, StoreError> {
    let mut statement =
        conn.prepare("SELECT session_id, content, created_at_ms FROM outbox ORDER BY seq_no")?;
    let rows = statement.query_map([], |row| {
        Ok(QueuedText {
            session_id: row.get(0)?,
            content: row.get(1)?,
            queued_at_ms: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn pending_count(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'unknown')",
        [],
        |row| row.get::<_, i64>(0),
    )? as u64)
}
