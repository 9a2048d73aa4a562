//! `audit_log`: every platform call (who, when, which endpoint, how long, the outcome). Details are
//! PII-masked before they get here and masked again on insert, so a phone number in an error body
//! never lands on disk in clear.

use agentdesk_domain::mask_pii;
use rusqlite::{params, Connection};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX audit_log_by_time ON audit_log (at_ms);"];

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor: String,
    pub endpoint: String,
    pub duration_ms: f64,
    pub outcome: String,
    pub detail: String,
}

pub fn insert(conn: &Connection, e: &AuditEntry) -> Result<bool, StoreError> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO audit_log (at_ms, actor, endpoint, duration_ms, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    statement.execute(params![
        e.at_ms,
        mask_pii(&e.actor),
        e.endpoint,
        e.duration_ms,
        e.outcome,
        mask_pii(&e.detail)
    ])?;
    Ok(true)
}

pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT at_ms, actor, endpoint, duration_ms, outcome, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = statement.query_map(params![limit as i64], |row| {
        Ok(AuditEntry {
            at_ms: row.get(0)?,
            actor: row.get(1)?,
            endpoint: row.get(2)?,
            duration_ms: row.get(3)?,
            outcome: row.get(4)?,
            detail: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn prune(conn: &Connection, before_ms: i64) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM audit_log WHERE at_ms < ?1", params![before_ms])?)
}
