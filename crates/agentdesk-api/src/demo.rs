//! Demo mode: with no account configured AgentDesk runs against the embedded sandbox, started
//! in-process on loopback with simulated customers. `AGENTDESK_SANDBOX_URL` points it at an external
//! sandbox instead (its credentials come from `GET /__sandbox/ready`), and its first agent is used.

use std::time::Duration;

use std::path::PathBuf;

use agentdesk_domain::Secret;
use agentdesk_sandbox::{ReadyInfo, Sandbox, SandboxConfig};
use agentdesk_sobot::AgentCredentials;

use crate::{AgentWorkspace, WorkspaceError, WorkspaceOptions};

pub const SANDBOX_URL_ENV: &str = "AGENTDESK_SANDBOX_URL";

/// The sandbox a demo runs against: embedded (owned, stopped on `shutdown`) or external.
pub struct DemoSandbox {
    pub info: ReadyInfo,
    embedded: Option<Sandbox>,
}

impl DemoSandbox {
    /// Credentials of the sandbox's agent number `index` (0 = the first).
    pub fn agent_credentials(&self, index: usize) -> Option<AgentCredentials> {
        let agent = self.info.agents.get(index)?;
        Some(AgentCredentials {
            base_url: self.info.base_url.clone(),
            appid: self.info.appid.clone(),
            app_key: Secret::new(self.info.app_key.clone()),
            email: agent.email.clone(),
            password: Some(Secret::new(agent.password.clone())),
        })
    }

    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    pub async fn shutdown(self) {
        if let Some(sandbox) = self.embedded {
            sandbox.shutdown().await;
        }
    }
}

/// Starts the embedded sandbox, or connects to `external_url` (usually from `AGENTDESK_SANDBOX_URL`).
pub async fn demo_sandbox(
    external_url: Option<String>,
    config: SandboxConfig,
) -> Result<DemoSandbox, WorkspaceError> {
    match external_url.filter(|u| !u.trim().is_empty()) {
        Some(url) => {
            let info = fetch_ready(&url)
                .await
                .map_err(|message| WorkspaceError::Sandbox { url, message })?;
            Ok(DemoSandbox {
                info,
                embedded: None,
            })
        }
        None => {
            let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let sandbox =
                Sandbox::start(listen, config)
                    .await
                    .map_err(|e| WorkspaceError::Sandbox {
                        url: "127.0.0.1:0".into(),
                        message: e.to_string(),
                    })?;
            Ok(DemoSandbox {
                info: sandbox.info().clone(),
                embedded: Some(sandbox),
            })
        }
    }
}

async fn fetch_ready(url: &str) -> Result<ReadyInfo, String> {
    let url = format!("{}/__sandbox/ready", url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    response
        .json::<ReadyInfo>()
        .await
        .map_err(|e| format!("not a sandbox ready answer: {e}"))
}

/// Demo mode in one call: the sandbox (embedded, or `AGENTDESK_SANDBOX_URL`'s) and a workspace
/// signed in as its first agent, with the database under `data_dir`.
pub struct DemoWorkspace {
    pub sandbox: DemoSandbox,
    pub workspace: AgentWorkspace,
}

impl DemoWorkspace {
    pub async fn start(
        data_dir: PathBuf,
        config: SandboxConfig,
    ) -> Result<DemoWorkspace, WorkspaceError> {
        let sandbox = demo_sandbox(std::env::var(SANDBOX_URL_ENV).ok(), config).await?;
        let credentials = sandbox
            .agent_credentials(0)
            .ok_or_else(|| WorkspaceError::Sandbox {
                url: sandbox.info.base_url.clone(),
                message: "the sandbox has no agents".into(),
            })?;
        let workspace = AgentWorkspace::open(WorkspaceOptions {
            data_dir,
            account: "sandbox".into(),
            tenant: "demo".into(),
            credentials,
            agent_name: "Demo agent".into(),
            call_tap: None,
            database_key: None,
            clock: agentdesk_domain::system_clock(),
        })
        .await?;
        Ok(DemoWorkspace { sandbox, workspace })
    }

    pub async fn shutdown(self) {
        self.workspace.close().await;
        self.sandbox.shutdown().await;
    }
}
