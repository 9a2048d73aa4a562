//! Demo mode (the `demo` feature): with no account configured AgentDesk runs against the embedded
//! sandbox, started in-process on loopback with simulated customers, or against an external sandbox
//! the host names (`--sandbox-url`, `AGENTDESK_SANDBOX_URL`, read by the host at its start: this
//! library never reads or sets the environment), whose credentials come from
//! `GET /__sandbox/ready`; its first agent is used. Everything that knows the sandbox is here, so the
//! library builds without it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_connectors::crm::qiyu::QiyuCrmClient;
use agentdesk_connectors::forms::{Jinshuju, JinshujuSettings};
use agentdesk_connectors::logistics::{kuaidi100::Kuaidi100Client, sf::SfClient};
use agentdesk_connectors::rest::config::Role;
use agentdesk_connectors::source::Connector;
use agentdesk_customer360::{CustomerSources, FormSource};
use agentdesk_domain::{system_clock, Secret, SharedClock};
use agentdesk_http::{CallLedger, HttpContext, HttpSettings};
use agentdesk_sandbox::{ReadyInfo, Sandbox, SandboxConfig};
use agentdesk_secrets::Keychain;
use agentdesk_sobot::AgentCredentials;
use agentdesk_workspace::{Bus, Workspace, WorkspaceMode, WorkspaceOptions};

use crate::{ApiError, ErrorCode};

/// The variable a host may read to name an external sandbox (the library itself never reads it).
pub const SANDBOX_URL_ENV: &str = "AGENTDESK_SANDBOX_URL";

/// Which sandbox demo mode runs on, and on which clock.
pub struct DemoOptions {
    /// An external sandbox's base URL; none: the embedded one, started with `config`.
    pub sandbox_url: Option<String>,
    pub config: SandboxConfig,
    pub clock: SharedClock,
    /// Where the demo database's key is kept: the user's keychain (`Keychain::os()`), or a service
    /// of its own (tests running in parallel processes, which would otherwise race to create it).
    pub keychain: Keychain,
}

impl DemoOptions {
    /// The embedded sandbox with `config`, on the system clock.
    pub fn embedded(config: SandboxConfig) -> DemoOptions {
        DemoOptions {
            sandbox_url: None,
            config,
            clock: system_clock(),
            keychain: Keychain::os(),
        }
    }

    /// The sandbox at `url` (or the embedded one when `url` is none or blank).
    pub fn at(url: Option<String>, config: SandboxConfig) -> DemoOptions {
        DemoOptions {
            sandbox_url: url.filter(|u| !u.trim().is_empty()),
            ..DemoOptions::embedded(config)
        }
    }

    pub fn on_clock(mut self, clock: SharedClock) -> DemoOptions {
        self.clock = clock;
        self
    }

    pub fn on_keychain(mut self, keychain: Keychain) -> DemoOptions {
        self.keychain = keychain;
        self
    }
}

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
) -> Result<DemoSandbox, ApiError> {
    match external_url.filter(|u| !u.trim().is_empty()) {
        Some(url) => {
            let info = fetch_ready(&url)
                .await
                .map_err(|message| sandbox_unreachable(&url, &message))?;
            Ok(DemoSandbox {
                info,
                embedded: None,
            })
        }
        None => {
            let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let sandbox = Sandbox::start(listen, config)
                .await
                .map_err(|e| sandbox_unreachable("127.0.0.1:0", &e.to_string()))?;
            Ok(DemoSandbox {
                info: sandbox.info().clone(),
                embedded: Some(sandbox),
            })
        }
    }
}

fn sandbox_unreachable(url: &str, message: &str) -> ApiError {
    ApiError::new(
        ErrorCode::Offline,
        format!("cannot reach the sandbox at {url}: {message}. Check the sandbox address (--sandbox-url or AGENTDESK_SANDBOX_URL), or leave it out to use the embedded sandbox."),
    )
}

async fn fetch_ready(url: &str) -> Result<ReadyInfo, String> {
    let url = format!("{}/__sandbox/ready", url.trim_end_matches('/'));
    let client = HttpContext::unrecorded()
        .client(HttpSettings::within(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let response = client
        .reqwest()
        .get(&url)
        .send()
        .await
        .map_err(|e| agentdesk_http::transport_reason(&e))?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    response
        .json::<ReadyInfo>()
        .await
        .map_err(|e| format!("not a sandbox ready answer: {e}"))
}

/// Demo mode in one call, without a workbench (the CLI's demo responder): the sandbox and a
/// workspace signed in as its first agent, with the database under `data_dir`.
pub struct DemoWorkspace {
    pub sandbox: DemoSandbox,
    pub workspace: std::sync::Arc<Workspace>,
}

impl DemoWorkspace {
    pub async fn start(data_dir: PathBuf, options: DemoOptions) -> Result<DemoWorkspace, ApiError> {
        let sandbox = demo_sandbox(options.sandbox_url, options.config).await?;
        let credentials = sandbox.agent_credentials(0).ok_or_else(|| {
            sandbox_unreachable(&sandbox.info.base_url, "the sandbox has no agents")
        })?;
        let bus = Bus::new();
        bus.show(1);
        let workspace = Workspace::open(WorkspaceOptions {
            data_dir,
            account: "sandbox".into(),
            database_id: "demo".into(),
            tenant_id: "demo".into(),
            tenant_name: "Demo".into(),
            credentials,
            agent_name: "Demo agent".into(),
            mode: WorkspaceMode::Demo,
            database_key: None,
            clock: options.clock,
            ledger: CallLedger::new(),
            publisher: bus.publisher(1),
            on_connection: None,
        })
        .await?;
        Ok(DemoWorkspace { sandbox, workspace })
    }

    pub async fn shutdown(self) {
        self.workspace.close().await;
        self.sandbox.shutdown().await;
    }
}

/// The sandbox's model provider, for demo mode's assistant (its key is no secret: the sandbox takes
/// any key).
pub(crate) fn demo_provider(sandbox_url: &str) -> Option<agentdesk_llm::Provider> {
    agentdesk_llm::Provider::new(
        &format!("{}/v1", sandbox_url.trim_end_matches('/')),
        agentdesk_sandbox::llm::MODEL,
        Some(Secret::new("sk-agentdesk-demo")),
    )
    .ok()
}

/// The demo sources: the sandbox's Qiyu-protocol CRM for profiles, its order system through the
/// declarative connector (the `sandbox-oms` preset, the demo's default connector file) for orders,
/// SF Express for `shunfeng` waybills and Kuaidi100 for the rest, all with their published demo
/// credentials.
pub(crate) fn demo_sources(
    info: &ReadyInfo,
    context: &HttpContext,
) -> Result<CustomerSources, ApiError> {
    // The fan-out's per-source timeout (800 ms) cuts a call short; the HTTP client's own limit only
    // guards against a call that outlives it.
    let http = || {
        context
            .client(HttpSettings::within(Duration::from_secs(10)))
            .map_err(|e| ApiError::new(ErrorCode::NotReady, e.to_string()))
    };
    let oms = agentdesk_connectors::rest::config::parse(&demo_connector_file(info))
        .and_then(|config| {
            Connector::from_config(
                config,
                Some(Secret::new(info.shop.oms_key.clone())),
                context,
            )
        })
        .map_err(|e| ApiError::new(ErrorCode::Platform, format!("the demo order system: {e}")))?;
    Ok(CustomerSources::new(
        Some(Arc::new(Connector::QiyuCrm {
            name: "Lumen CRM".into(),
            provides: vec![Role::Profile],
            client: Box::new(QiyuCrmClient::new(
                &info.qiyu_crm.base_url,
                &info.qiyu_crm.appid,
                Secret::new(info.qiyu_crm.appsecret.clone()),
                http()?,
            )),
        })),
        Some(Arc::new(oms)),
        Some(Kuaidi100Client::new(
            &info.base_url,
            &info.carriers.kuaidi100_customer,
            Secret::new(info.carriers.kuaidi100_key.clone()),
            http()?,
        )),
        Some(SfClient::new(
            &info.base_url,
            &info.carriers.sf_partner_id,
            Secret::new(info.carriers.sf_check_word.clone()),
            http()?,
        )),
    )
    .with_form(FormSource {
        client: Jinshuju::new(
            http()?,
            JinshujuSettings {
                base_url: info.forms.base_url.clone(),
                api_key: info.forms.api_key.clone(),
                api_secret: Secret::new(info.forms.api_secret.clone()),
            },
        )
        .map_err(|e| ApiError::new(ErrorCode::Platform, format!("the demo form: {e}")))?,
        form: info.forms.form_token.clone(),
        title: "售后申请".into(),
    }))
}

/// The demo's connector file: the `sandbox-oms` preset at the sandbox's address.
pub fn demo_connector_file(info: &ReadyInfo) -> String {
    format!(
        "preset = \"sandbox-oms\"\nname = \"Lumen OMS\"\nbase_url = \"{}\"\n",
        info.shop.oms_base_url
    )
}
