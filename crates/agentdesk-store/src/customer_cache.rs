//! The 360° view's cache: what each source last answered about a customer (or a waybill), as JSON
//! with the time it was fetched, so a view shows at once with its "as of" time and refreshes in
//! the background. Freshness rules (TTL per source, Kuaidi100's 30 minutes) belong to the caller.

use rusqlite::{params, Connection, OptionalExtension};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE customer_cache (
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        body TEXT NOT NULL,
        fetched_at_ms INTEGER NOT NULL,
        PRIMARY KEY (source, key)
    );"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedAnswer {
    pub body: String,
    pub fetched_at_ms: i64,
}

/// Keeps the newest answer for (source, key); an older one arriving late changes nothing.
pub fn put(
    conn: &Connection,
    source: &str,
    key: &str,
    body: &str,
    fetched_at_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO customer_cache (source, key, body, fetched_at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(source, key) DO UPDATE SET body = excluded.body, fetched_at_ms = excluded.fetched_at_ms
         WHERE excluded.fetched_at_ms >= customer_cache.fetched_at_ms",
        params![source, key, body, fetched_at_ms],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, source: &str, key: &str) -> Result<Option<CachedAnswer>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT body, fetched_at_ms FROM customer_cache WHERE source = ?1 AND key = ?2",
        )?
        .query_row(params![source, key], |row| {
            Ok(CachedAnswer {
                body: row.get(0)?,
                fetched_at_ms: row.get(1)?,
            })
        })
        .optional()?)
}

/// Drops answers fetched before `before_ms` (a cache, not an archive).
pub fn prune(conn: &Connection, before_ms: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM customer_cache WHERE fetched_at_ms < ?1",
        params![before_ms],
    )?)
}
