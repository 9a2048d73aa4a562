//! An agent's workspace: one platform account, one tenant, one database file, one engine.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agentdesk_engine::{EngineConfig, EngineError, EngineHandle, SessionEngine};
use agentdesk_sobot::client::CallObserver;
use agentdesk_sobot::{AgentClient, AgentCredentials, ClientError};
use agentdesk_store::{Database, Store};

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Platform(#[from] ClientError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("cannot reach the sandbox at {url}: {message}. Check AGENTDESK_SANDBOX_URL, or unset it to use the embedded sandbox.")]
    Sandbox { url: String, message: String },
}

pub struct WorkspaceOptions {
    pub data_dir: PathBuf,
    /// Names the database file: `{data_dir}/accounts/{account}/{tenant}.sqlite3`.
    pub account: String,
    pub tenant: String,
    pub credentials: AgentCredentials,
    pub agent_name: String,
    /// Told of every platform call (API health).
    pub call_tap: Option<CallObserver>,
    /// Encrypts the database at rest (from the OS keychain); none: plain SQLite (tests, tools).
    pub database_key: Option<agentdesk_store::DatabaseKey>,
    /// The engine's clock (`agentdesk_domain::system_clock()` outside tests).
    pub clock: agentdesk_domain::SharedClock,
}

pub struct AgentWorkspace {
    pub client: Arc<AgentClient>,
    pub engine: EngineHandle,
    pub database: Database,
}

impl AgentWorkspace {
    /// Opens the workspace: works offline from the local database while the engine connects.
    pub async fn open(options: WorkspaceOptions) -> Result<AgentWorkspace, WorkspaceError> {
        let database_path =
            Store::database_path(&options.data_dir, &options.account, &options.tenant);
        let database = match options.database_key {
            Some(key) => Database::encrypted(database_path, key),
            None => Database::plain(database_path),
        };
        let client = Arc::new(AgentClient::new(options.credentials)?);
        let engine = SessionEngine::start(EngineConfig {
            database: database.clone(),
            client: client.clone(),
            agent_name: options.agent_name,
            call_tap: options.call_tap,
            clock: options.clock,
        })
        .await?;
        Ok(AgentWorkspace {
            client,
            engine,
            database,
        })
    }

    pub fn database_path(&self) -> &Path {
        self.database.path()
    }

    pub async fn close(self) {
        self.engine.shutdown().await;
    }
}
