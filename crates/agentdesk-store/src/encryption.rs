//! Encryption at rest (SQLCipher: AES-256 pages with an HMAC each): a database whose key was
//! registered is opened with it, so a copied data directory is unreadable without the OS keychain
//! the key lives in. The key is 32 random bytes given to SQLCipher raw (`x'…'`), so no passphrase
//! derivation slows every open; it is held in memory only, and never written to disk or logs.
//!
//! The key travels with the `Database` value that names the file (never through a process-wide
//! table): whoever opens the workspace makes it, and every connection to that file (the engine's
//! writer, the readers, the customer cache) opens through it. A database without a key is plain
//! SQLite (tests and tools that bring no keychain).

use std::path::Path;

use rand::RngCore;
use rusqlite::Connection;

use crate::StoreError;

/// A database key: 32 bytes, shown nowhere (its `Debug` is redacted).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(…)")
    }
}

impl DatabaseKey {
    /// A new random key.
    pub fn generate() -> DatabaseKey {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        DatabaseKey(bytes)
    }

    /// The key as 64 hex digits (how it is filed in the keychain).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A key from 64 hex digits; None for anything else.
    pub fn from_hex(text: &str) -> Option<DatabaseKey> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(DatabaseKey(bytes))
    }

    fn pragma_value(&self) -> String {
        format!("x'{}'", self.to_hex())
    }
}

/// Applies `key` to a fresh connection and checks it opens the file (SQLCipher only reads the first
/// page when asked for something).
pub(crate) fn unlock(conn: &Connection, path: &Path, key: &DatabaseKey) -> Result<(), StoreError> {
    conn.pragma_update(None, "key", key.pragma_value())
        .map_err(|e| StoreError::open(path, e))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(|_| StoreError::WrongKey(path.display().to_string()))
}

/// Whether the file at `path` is a plain (unencrypted) SQLite database: its header says so in clear.
pub(crate) fn is_plain_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok_and(|()| &header == b"SQLite format 3\0")
}

/// Encrypts a plain database in place (one written before encryption existed): exported into an
/// encrypted copy beside it, which then replaces it.
pub(crate) fn encrypt_plain_database(path: &Path, key: &DatabaseKey) -> Result<(), StoreError> {
    let encrypted = path.with_extension("sqlite3.encrypting");
    let _ = std::fs::remove_file(&encrypted);
    {
        let conn = Connection::open(path).map_err(|e| StoreError::open(path, e))?;
        // The WAL is folded into the file first, so the export sees every commit.
        conn.pragma_update(None, "journal_mode", "DELETE")
            .map_err(|e| StoreError::open(path, e))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![encrypted.to_string_lossy(), key.pragma_value()],
        )
        .map_err(|e| StoreError::open(path, e))?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
            .map_err(|e| StoreError::open(path, e))?;
        conn.execute("DETACH DATABASE encrypted", [])
            .map_err(|e| StoreError::open(path, e))?;
    }
    std::fs::rename(&encrypted, path).map_err(|e| StoreError::io(path, e))?;
    for suffix in ["sqlite3-wal", "sqlite3-shm"] {
        let _ = std::fs::remove_file(path.with_extension(suffix));
    }
    Ok(())
}
