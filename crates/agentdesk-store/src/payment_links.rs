//! `payment_links`: every payment link the agent asked for, recorded before its request leaves and
//! updated with what became of it (the payments crate's journal for making each exactly once, and
//! the list of payments still to follow). The record is kept as its crate's JSON; the record's state
//! and the payment's are columns, so the ones to settle or follow are found without decoding.

use rusqlite::{params, Connection, OptionalExtension};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE payment_links (
        out_trade_no TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        payment TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );
    CREATE INDEX payment_links_by_state ON payment_links (state, payment);",
    // The conversation a link was made for (none from the CLI), to show a session's links.
    "ALTER TABLE payment_links ADD COLUMN session_id TEXT;
    CREATE INDEX payment_links_by_session ON payment_links (session_id);",
];

pub fn put(
    conn: &Connection,
    out_trade_no: &str,
    session_id: Option<&str>,
    state: &str,
    payment: &str,
    body: &str,
    updated_at_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO payment_links (out_trade_no, state, payment, body, updated_at_ms, session_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (out_trade_no) DO UPDATE SET state = ?2, payment = ?3, body = ?4, updated_at_ms = ?5",
        params![out_trade_no, state, payment, body, updated_at_ms, session_id],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, out_trade_no: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT body FROM payment_links WHERE out_trade_no = ?1",
            params![out_trade_no],
            |row| row.get(0),
        )
        .optional()?)
}

/// Links still to settle (`sending`, `unknown`) or to follow (made, and the payment in one of
/// `open_payments`), oldest first.
pub fn open(conn: &Connection, open_payments: &[&str]) -> Result<Vec<String>, StoreError> {
    let mut statement = conn
        .prepare_cached("SELECT state, payment, body FROM payment_links ORDER BY updated_at_ms")?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut bodies = Vec::new();
    for row in rows {
        let (state, payment, body) = row?;
        let unsettled = state == "sending" || state == "unknown";
        let followed = state == "created" && open_payments.contains(&payment.as_str());
        if unsettled || followed {
            bodies.push(body);
        }
    }
    Ok(bodies)
}

/// Every link made for `session_id`, in the order they were first asked for.
pub fn of_session(conn: &Connection, session_id: &str) -> Result<Vec<String>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT body FROM payment_links WHERE session_id = ?1 ORDER BY rowid")?;
    let rows = statement.query_map(params![session_id], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Links made and then closed, oldest first.
pub fn closed(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT body FROM payment_links WHERE state = 'created' AND payment = 'closed' ORDER BY updated_at_ms",
    )?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
