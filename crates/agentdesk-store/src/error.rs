//! Storage errors that say what to do: a full disk, a read-only directory and a corrupt file each
//! get their own message.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the local database at {path}: {message}")]
    Open { path: String, message: String },
    #[error("the disk is full: AgentDesk cannot save to its local database. Free some disk space; nothing already saved is lost.")]
    DiskFull,
    #[error("the local database is read-only ({0}). Check the permissions of AgentDesk's data directory.")]
    ReadOnly(String),
    #[error("the local database is damaged: {0}")]
    Corrupt(String),
    #[error("the local database at {0} is encrypted with another key than the one in the system keychain. If the keychain was reset, move that file away and AgentDesk starts it afresh (the platform still has your conversations).")]
    WrongKey(String),
    #[error("local database error: {0}")]
    Sqlite(String),
    /// The read's thread ended before it answered (the app is shutting down).
    #[error("{0}; try again")]
    Stopped(String),
}

impl StoreError {
    pub(crate) fn open(path: &Path, error: rusqlite::Error) -> StoreError {
        match StoreError::from(error) {
            StoreError::Sqlite(message) => StoreError::Open {
                path: path.display().to_string(),
                message,
            },
            other => other,
        }
    }

    pub(crate) fn io(path: &Path, error: std::io::Error) -> StoreError {
        StoreError::Open {
            path: path.display().to_string(),
            message: error.to_string(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match error.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly(error.to_string()),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt(error.to_string())
            }
            _ => StoreError::Sqlite(error.to_string()),
        }
    }
}
