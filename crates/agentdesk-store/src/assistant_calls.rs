//! `assistant_calls`: every call the reply assistant made to a model provider (when, which feature,
//! how it ended, its tokens and times) and what became of a draft (sent as is, edited, discarded),
//! for the daily token budget and the dashboard; and `workspace_settings`, the merchant's own
//! choices kept in its database (the assistant's policy, set by a supervisor). No text of a call is
//! kept here: the audit log has its masked line.

use rusqlite::{params, Connection, OptionalExtension};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE assistant_calls (
        call_id TEXT PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        feature TEXT NOT NULL,
        outcome TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        first_token_ms INTEGER,
        total_ms INTEGER NOT NULL,
        fate TEXT
    );
    CREATE INDEX assistant_calls_by_time ON assistant_calls (at_ms);
    CREATE TABLE workspace_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"];

/// One call (`fate`: what the agent did with a draft, once known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistantCall {
    pub call_id: String,
    pub at_ms: i64,
    /// draft, summary, translate, rewrite.
    pub feature: String,
    /// ok, partial, or the failure's kind (rate_limited, unreachable, ...).
    pub outcome: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub first_token_ms: Option<u64>,
    pub total_ms: u64,
    /// sent, edited, discarded.
    pub fate: Option<String>,
}

pub fn insert(conn: &Connection, call: &AssistantCall) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "INSERT OR IGNORE INTO assistant_calls (call_id, at_ms, feature, outcome, prompt_tokens,
             completion_tokens, first_token_ms, total_ms, fate)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            call.call_id,
            call.at_ms,
            call.feature,
            call.outcome,
            call.prompt_tokens,
            call.completion_tokens,
            call.first_token_ms.map(|v| v as i64),
            call.total_ms as i64,
            call.fate
        ],
    )?;
    Ok(changed > 0)
}

/// Records what became of a draft; the first fate stands (a draft is sent or discarded once).
pub fn set_fate(conn: &Connection, call_id: &str, fate: &str) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE assistant_calls SET fate = ?2 WHERE call_id = ?1 AND fate IS NULL",
        params![call_id, fate],
    )?;
    Ok(changed > 0)
}

/// Calls from `since_ms` on, oldest first.
pub fn since(conn: &Connection, since_ms: i64) -> Result<Vec<AssistantCall>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT call_id, at_ms, feature, outcome, prompt_tokens, completion_tokens, first_token_ms,
                total_ms, fate
         FROM assistant_calls WHERE at_ms >= ?1 ORDER BY at_ms, call_id",
    )?;
    let rows = statement.query_map(params![since_ms], |row| {
        Ok(AssistantCall {
            call_id: row.get(0)?,
            at_ms: row.get(1)?,
            feature: row.get(2)?,
            outcome: row.get(3)?,
            prompt_tokens: row.get(4)?,
            completion_tokens: row.get(5)?,
            first_token_ms: row.get::<_, Option<i64>>(6)?.map(|v| v.max(0) as u64),
            total_ms: row.get::<_, i64>(7)?.max(0) as u64,
            fate: row.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn put_setting(conn: &Connection, key: &str, value: &str) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "INSERT INTO workspace_settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value",
        params![key, value],
    )?;
    Ok(changed > 0)
}

pub fn setting(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM workspace_settings WHERE key = ?1",
            params![key],
            |row| row.get(0),
        )
        .optional()?)
}
