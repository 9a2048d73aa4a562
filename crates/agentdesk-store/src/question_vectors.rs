//! `question_vectors`: the sentence encoder's vector of each knowledge-base question, by the
//! question's text and the model that made it, so a restart or a sync re-computes only new or
//! changed questions (the text is the key: an edited question is a new one).

use std::collections::HashMap;

use rusqlite::{params, Connection};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &["CREATE TABLE question_vectors (
        question TEXT NOT NULL,
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (question, model)
    );"];

pub fn put(
    conn: &Connection,
    question: &str,
    model: &str,
    vector: &[u8],
) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "INSERT INTO question_vectors (question, model, vector) VALUES (?1, ?2, ?3)
         ON CONFLICT (question, model) DO UPDATE SET vector = excluded.vector
         WHERE vector IS NOT excluded.vector",
        params![question, model, vector],
    )?;
    Ok(changed > 0)
}

/// Every kept vector of `model`, by question.
pub fn all(conn: &Connection, model: &str) -> Result<HashMap<String, Vec<u8>>, StoreError> {
    let mut statement =
        conn.prepare("SELECT question, vector FROM question_vectors WHERE model = ?1")?;
    let rows = statement.query_map(params![model], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
