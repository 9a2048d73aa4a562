//! Demo mode (the `demo` feature): with no account configured AgentDesk runs against the embedded
//! sandbox, started in-process on loopback with simulated customers. `AGENTDESK_SANDBOX_URL` points it
//! at an external sandbox instead (its credentials come from `GET /__sandbox/ready`), and its first
//! agent is used. Everything that knows the sandbox is here, so the library builds without it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_connectors::crm::qiyu::QiyuCrmClient;
use agentdesk_connectors::logistics::{kuaidi100::Kuaidi100Client, sf::SfClient};
use agentdesk_connectors::rest::config::Role;
use agentdesk_connectors::source::Connector;
use agentdesk_domain::{system_clock, Secret, SharedClock};
use agentdesk_sandbox::{ReadyInfo, Sandbox, SandboxConfig};
use agentdesk_sobot::client::{UnionClient, UnionCredentials};
use agentdesk_sobot::AgentCredentials;

use crate::customer::CustomerSources;
use crate::database_key::DatabaseKeys;
use crate::workbench::Origin;
use crate::{
    AgentWorkspace, ApiError, ErrorCode, Workbench, WorkspaceError, WorkspaceMode, WorkspaceOptions,
};

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

/// The account name demo mode files its databases under.
const DEMO_ACCOUNT: &str = "sandbox";

impl Workbench {
    /// Demo mode (no account configured): the sandbox's demo tenant, signed in as its first agent.
    pub async fn start_demo(
        data_dir: PathBuf,
        config: SandboxConfig,
    ) -> Result<Workbench, ApiError> {
        Workbench::start_demo_with_clock(data_dir, config, system_clock()).await
    }

    /// Demo mode on a given clock (tests of time-based behaviour run it at a fixed date).
    pub async fn start_demo_with_clock(
        data_dir: PathBuf,
        config: SandboxConfig,
        clock: SharedClock,
    ) -> Result<Workbench, ApiError> {
        let sandbox = demo_sandbox(std::env::var(SANDBOX_URL_ENV).ok(), config).await?;
        let info = sandbox.info.clone();
        let union = UnionClient::new(UnionCredentials {
            base_url: info.base_url.clone(),
            union_code: info.union_code.clone(),
            email: info.supervisor_email.clone(),
            union_key: Secret::new(info.union_key.clone()),
        })?;
        let home =
            info.tenants.first().cloned().ok_or_else(|| {
                ApiError::new(ErrorCode::Platform, "the sandbox reports no tenants")
            })?;
        let home_credentials = sandbox
            .agent_credentials(0)
            .ok_or_else(|| ApiError::new(ErrorCode::Platform, "the sandbox has no agents"))?;
        Workbench::start(
            data_dir,
            Origin {
                mode: WorkspaceMode::Demo,
                account_name: DEMO_ACCOUNT.into(),
                base_url: info.base_url.clone(),
                home_tenant_id: home.company_id,
                home_tenant_name: home.company_name,
                home_credentials,
                supervisor_email: info.supervisor_email.clone(),
                union: Some(union),
                customer_sources: demo_sources(&info)?,
                sandbox: Some(sandbox),
                keys: DatabaseKeys::new(agentdesk_secrets::Keychain::os(), true),
                clock,
            },
        )
        .await
    }
}

/// The demo sources: the sandbox's Qiyu-protocol CRM for profiles, its order system through the
/// declarative connector (the `sandbox-oms` preset, the demo's default connector file) for orders,
/// SF Express for `shunfeng` waybills and Kuaidi100 for the rest, all with their published demo
/// credentials.
pub(crate) fn demo_sources(info: &ReadyInfo) -> Result<CustomerSources, ApiError> {
    // The fan-out's per-source timeout (800 ms) cuts a call short; the HTTP client's own limit only
    // guards against a call that outlives it.
    let timeout = Duration::from_secs(10);
    let oms = agentdesk_connectors::rest::config::parse(&demo_connector_file(info))
        .and_then(|config| {
            Connector::from_config(config, Some(Secret::new(info.shop.oms_key.clone())))
        })
        .map_err(|e| ApiError::new(ErrorCode::Platform, format!("the demo order system: {e}")))?;
    Ok(CustomerSources::new(
        Some(Arc::new(Connector::QiyuCrm {
            name: "Lumen CRM".into(),
            provides: vec![Role::Profile],
            client: QiyuCrmClient::new(
                &info.qiyu_crm.base_url,
                &info.qiyu_crm.appid,
                Secret::new(info.qiyu_crm.appsecret.clone()),
                timeout,
            ),
        })),
        Some(Arc::new(oms)),
        Some(Kuaidi100Client::new(
            &info.base_url,
            &info.carriers.kuaidi100_customer,
            Secret::new(info.carriers.kuaidi100_key.clone()),
            timeout,
        )),
        Some(SfClient::new(
            &info.base_url,
            &info.carriers.sf_partner_id,
            Secret::new(info.carriers.sf_check_word.clone()),
            timeout,
        )),
    ))
}

/// The demo's connector file: the `sandbox-oms` preset at the sandbox's address.
pub fn demo_connector_file(info: &ReadyInfo) -> String {
    format!(
        "preset = \"sandbox-oms\"\nname = \"Lumen OMS\"\nbase_url = \"{}\"\n",
        info.shop.oms_base_url
    )
}
