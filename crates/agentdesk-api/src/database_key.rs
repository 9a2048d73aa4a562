//! Where each workspace's database key comes from: the OS keychain (`database/{account}/{tenant}`),
//! created on first use. An account's workspace without the keychain does not start (the error says
//! how to fix it). Demo mode still runs without one, on a key that lives only as long as the process:
//! its simulated data is then unreadable after exit, and the previous run's demo database is set
//! aside rather than opened.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use agentdesk_domain::Secret;
use agentdesk_secrets::{Keychain, SecretName};
use agentdesk_store::DatabaseKey;

use crate::ApiError;

/// Serializes the keychain's load-or-create of database keys within this process.
static KEY_CREATION: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub(crate) struct DatabaseKeys {
    keychain: Keychain,
    /// Demo mode: keys for this process only when the keychain cannot be used.
    demo: bool,
    ephemeral: Mutex<HashMap<(String, String), DatabaseKey>>,
    /// Why demo mode runs on process-only keys (shown once at start).
    pub(crate) warning: Mutex<Option<ApiError>>,
}

impl DatabaseKeys {
    pub(crate) fn new(keychain: Keychain, demo: bool) -> DatabaseKeys {
        DatabaseKeys {
            keychain,
            demo,
            ephemeral: Mutex::new(HashMap::new()),
            warning: Mutex::new(None),
        }
    }

    /// The key of `account`'s database for `tenant`, from the keychain (made and filed there the
    /// first time).
    pub(crate) async fn key(
        &self,
        account: &str,
        tenant: &str,
        database_path: &Path,
    ) -> Result<DatabaseKey, ApiError> {
        let name = SecretName::DatabaseKey {
            account: account.to_string(),
            tenant: tenant.to_string(),
        };
        let from_keychain = async {
            // Load-or-create is one step per process: two workspaces of the same account and
            // tenant starting together (tests, or two data folders) would otherwise each file a
            // new key, and the one filed first would no longer open its own database.
            let _one_at_a_time = KEY_CREATION.lock().await;
            if let Some(stored) = self.keychain.load(&name).await? {
                if let Some(key) = DatabaseKey::from_hex(stored.expose()) {
                    return Ok(key);
                }
                tracing::warn!("the database key in the keychain is malformed; making a new one");
            }
            let key = DatabaseKey::generate();
            self.keychain
                .store(&name, &Secret::new(key.to_hex()))
                .await?;
            Ok::<_, agentdesk_secrets::KeychainError>(key)
        };
        match from_keychain.await {
            Ok(key) => Ok(key),
            Err(error) if self.demo => {
                let mut keys = self.ephemeral.lock().unwrap_or_else(|p| p.into_inner());
                let entry = (account.to_string(), tenant.to_string());
                if let Some(key) = keys.get(&entry) {
                    return Ok(key.clone());
                }
                tracing::warn!(%error, "no keychain: demo data is encrypted with a key for this run only");
                set_aside(database_path).map_err(|io| {
                    ApiError::new(
                        crate::ErrorCode::Storage,
                        format!(
                            "the previous demo database {} cannot be set aside ({io}): the data directory is read-only or not writable. Check the permissions of AgentDesk's data directory.",
                            database_path.display()
                        ),
                    )
                })?;
                *self.warning.lock().unwrap_or_else(|p| p.into_inner()) = Some(ApiError::new(
                    crate::ErrorCode::Keychain,
                    format!(
                        "The demo runs, but its data is kept only until AgentDesk exits. {error}"
                    ),
                ));
                let key = DatabaseKey::generate();
                keys.insert(entry, key.clone());
                Ok(key)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// Moves a database (and its WAL) out of the way, to `….sqlite3.unreadable`: a key for this run
/// cannot open a file written under another.
fn set_aside(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        std::fs::rename(path, path.with_extension("sqlite3.unreadable"))?;
    }
    for suffix in ["sqlite3-wal", "sqlite3-shm"] {
        let _ = std::fs::remove_file(path.with_extension(suffix));
    }
    Ok(())
}
