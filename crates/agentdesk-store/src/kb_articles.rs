//! `kb_articles`: the platform's knowledge base, synced for offline suggestions; and `kb_learned`, the
//! customers' wordings agents answered with an article, which become the article's questions here
//! (kept apart from the synced rows, so a sync of the article never loses them).

use rusqlite::{params, Connection};

use crate::StoreError;

pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE kb_articles (
        docid TEXT PRIMARY KEY,
        question TEXT NOT NULL,
        answer_text TEXT NOT NULL,
        category TEXT NOT NULL,
        similar_questions TEXT NOT NULL,
        language TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );",
    "CREATE TABLE kb_learned (
        docid TEXT NOT NULL,
        question TEXT NOT NULL,
        learned_at_ms INTEGER NOT NULL,
        PRIMARY KEY (docid, question)
    );",
];

#[derive(Debug, Clone, PartialEq)]
pub struct KbArticle {
    pub docid: String,
    pub question: String,
    /// Plain text: the platform's HTML answer is never stored for rendering.
    pub answer_text: String,
    pub category: String,
    pub similar_questions: Vec<String>,
    pub language: String,
    pub updated_at_ms: i64,
}

pub fn upsert(conn: &Connection, a: &KbArticle) -> Result<bool, StoreError> {
    let similar = serde_json::to_string(&a.similar_questions).unwrap_or_else(|_| "[]".into());
    Ok(conn.execute(
        "INSERT INTO kb_articles (docid, question, answer_text, category, similar_questions, language, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(docid) DO UPDATE SET question = excluded.question, answer_text = excluded.answer_text,
            category = excluded.category, similar_questions = excluded.similar_questions,
            language = excluded.language, updated_at_ms = excluded.updated_at_ms
         WHERE excluded.updated_at_ms > kb_articles.updated_at_ms",
        params![a.docid, a.question, a.answer_text, a.category, similar, a.language, a.updated_at_ms],
    )? > 0)
}

pub fn all(conn: &Connection) -> Result<Vec<KbArticle>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT docid, question, answer_text, category, similar_questions, language, updated_at_ms FROM kb_articles ORDER BY docid",
    )?;
    let rows = statement.query_map([], |row| {
        let similar: String = row.get(4)?;
        Ok(KbArticle {
            docid: row.get(0)?,
            question: row.get(1)?,
            answer_text: row.get(2)?,
            category: row.get(3)?,
            similar_questions: serde_json::from_str(&similar).unwrap_or_default(),
            language: row.get(5)?,
            updated_at_ms: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Keeps `question` as one of the article's questions; false when it already was.
pub fn learn(
    conn: &Connection,
    docid: &str,
    question: &str,
    learned_at_ms: i64,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "INSERT OR IGNORE INTO kb_learned (docid, question, learned_at_ms) VALUES (?1, ?2, ?3)",
        params![docid, question, learned_at_ms],
    )? > 0)
}

/// Every learned question as (article, question), oldest first.
pub fn learned(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT docid, question FROM kb_learned ORDER BY learned_at_ms, docid, question",
    )?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
