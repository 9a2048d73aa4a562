//! `visitors`: who the agent has talked to, across sessions (the 360° view builds on it).

use agentdesk_domain::Channel;
use rusqlite::{params, Connection};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE visitors (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        channel TEXT NOT NULL,
        last_seen_ms INTEGER NOT NULL
    );"];

#[derive(Debug, Clone, PartialEq)]
pub struct Visitor {
    pub id: String,
    pub name: String,
    pub channel: Channel,
    pub last_seen_ms: i64,
}

pub fn upsert(conn: &Connection, v: &Visitor) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "INSERT INTO visitors (id, name, channel, last_seen_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, channel = excluded.channel,
            last_seen_ms = MAX(visitors.last_seen_ms, excluded.last_seen_ms)",
        params![v.id, v.name, v.channel.as_str(), v.last_seen_ms],
    )? > 0)
}
