//! The workspace host: it starts the workbench (demo mode on the sandbox, or a saved account), owns
//! the workspace on screen and swaps it on a tenant switch, and owns the event bus, the clock and API
//! health. What the agent does is in the use-case services, each in its own module with its own
//! types and reached through the host: `conversations()`, `customers()`, `knowledge()`,
//! `supervision()`, `reports()`. The Tauri commands and the CLI are one-line calls into these; tests
//! call them directly.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use agentdesk_domain::{mask_pii, ConnectionState, DomainEvent, Message, Session};
use agentdesk_engine::EngineHandle;
use agentdesk_sobot::client::{CallObserver, CallRecord, UnionClient, UnionCredentials};
use agentdesk_sobot::{AgentClient, AgentCredentials};
use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

use crate::customer::CustomerSources;
use crate::database_key::DatabaseKeys;
use crate::health::{ApiHealth, ApiHealthView};
use crate::{AccountBook, AgentWorkspace, ApiError, ErrorCode, ErrorReason, WorkspaceOptions};
use agentdesk_domain::{system_clock, SharedClock};

use crate::bus::{Bus, DeskEvent, DeskEvents, Notice, NoticePolicy, WorkspacePublisher};

/// How the workbench is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceMode {
    /// No account configured: the embedded (or `AGENTDESK_SANDBOX_URL`) sandbox.
    Demo,
    /// A real platform account.
    Account,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SessionSummary {
    pub session: Session,
    pub last_message: Option<Message>,
}

/// Everything the window needs to draw itself at start (and after a tenant switch).
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorkbenchSnapshot {
    /// The workspace generation: events carry it too (`WorkbenchEvent`).
    #[ts(type = "number")]
    pub workspace: u64,
    pub mode: WorkspaceMode,
    pub account_name: String,
    /// The tenant's (company's) id on the platform.
    pub tenant_id: String,
    pub tenant_name: String,
    /// The agent's sign-in, personal data masked.
    pub agent_login: String,
    pub sessions: Vec<SessionSummary>,
    pub connection: ConnectionState,
    /// Demo mode without a keychain: why the local data lasts only until exit.
    pub storage_warning: Option<ApiError>,
    /// Why nothing new can be saved right now (a full disk); later changes arrive as
    /// `storage_changed` events.
    pub storage_problem: Option<String>,
}

/// A domain event of one workspace. `workspace` is the generation the snapshot also carries: after a
/// tenant switch the UI drops events of the previous workspace that were still on their way.
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorkbenchEvent {
    #[ts(type = "number")]
    pub workspace: u64,
    pub event: DomainEvent,
}

/// The window missed events (its bridge fell behind the stream): it reads again everything it shows,
/// the session list and the open conversation, instead of showing lists with holes in them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ResyncEvent {
    #[ts(type = "number")]
    pub workspace: u64,
    /// How many events were dropped (for the log; the window refetches whatever the number).
    #[ts(type = "number")]
    pub skipped: u64,
}

/// A tenant the signed-in supervisor can switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TenantOption {
    /// The platform's company id.
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// The tenant the workbench shows now.
    pub active: bool,
}

/// The workspace on screen: one tenant's engine, and the task forwarding its events.
pub(crate) struct ActiveWorkspace {
    generation: u64,
    workspace: AgentWorkspace,
    tenant_id: String,
    tenant_name: String,
    forwarder: tokio::task::JoinHandle<()>,
    /// The 360° view's cache on this tenant's database, opened on first use and kept.
    pub(crate) customer_cache: std::sync::OnceLock<Arc<crate::customer::Cache>>,
    /// The knowledge index of this tenant, built on first use; dropped when a sync changes articles.
    pub(crate) knowledge: std::sync::RwLock<Option<Arc<agentdesk_insight::kb::KnowledgeIndex>>>,
}

impl ActiveWorkspace {
    fn start(
        generation: u64,
        workspace: AgentWorkspace,
        tenant_id: String,
        tenant_name: String,
        bus: Bus,
        health: Arc<ApiHealth>,
        clock: SharedClock,
    ) -> ActiveWorkspace {
        let mut source = workspace.engine.subscribe();
        health.connection_changed(&workspace.engine.connection_state(), clock.now().as_i64());
        let mut publisher = WorkspacePublisher::new(bus, generation, workspace.engine.clone());
        let forwarder = tokio::spawn(async move {
            loop {
                match source.recv().await {
                    Ok(event) => {
                        if let DomainEvent::ConnectionChanged { state } = &event {
                            health.connection_changed(state, clock.now().as_i64());
                        }
                        publisher.publish(event).await;
                    }
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "workbench event forwarder fell behind");
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        ActiveWorkspace {
            generation,
            workspace,
            tenant_id,
            tenant_name,
            forwarder,
            customer_cache: std::sync::OnceLock::new(),
            knowledge: std::sync::RwLock::new(None),
        }
    }
}

/// The API health alert onto the bus, as an event and as a notice, until the workbench is gone.
fn forward_health_alerts(health: &Arc<ApiHealth>, bus: &Bus) {
    let mut alerts = health.subscribe();
    let bus = bus.clone();
    tokio::spawn(async move {
        loop {
            match alerts.recv().await {
                Ok(alert) => {
                    bus.publish(DeskEvent::Health(alert.clone()));
                    bus.publish(DeskEvent::Notice(Notice::ApiHealth(alert)));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// A call observer feeding `health`.
fn health_tap(health: &Arc<ApiHealth>) -> CallObserver {
    let health = health.clone();
    Arc::new(move |record| health.record(&record))
}

/// Re-evaluates the alert every few seconds: failures leaving the window is a recovery even when
/// no call happens. Stops when the workbench is gone.
fn spawn_health_clock(health: &Arc<ApiHealth>, clock: SharedClock) {
    let health = Arc::downgrade(health);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            match health.upgrade() {
                Some(health) => health.evaluate(clock.now().as_i64()),
                None => return,
            }
        }
    });
}

/// Who the workbench signs in as, and where: the sandbox in demo mode, or a saved account.
pub(crate) struct Origin {
    pub(crate) mode: WorkspaceMode,
    /// Shown in the top bar, and names the databases (`accounts/{account}/{tenant}.sqlite3`).
    pub(crate) account_name: String,
    pub(crate) base_url: String,
    pub(crate) home_tenant_id: String,
    pub(crate) home_tenant_name: String,
    pub(crate) home_credentials: AgentCredentials,
    /// The e-mail that signs in to the other tenants (the supervisor's).
    pub(crate) supervisor_email: String,
    /// The union platform's tenant API: present for supervisors (and in demo mode).
    pub(crate) union: Option<UnionClient>,
    #[cfg(feature = "demo")]
    pub(crate) sandbox: Option<crate::DemoSandbox>,
    /// The 360° view's sources (the sandbox's CRM and carrier in demo mode).
    pub(crate) customer_sources: CustomerSources,
    /// Each workspace database's key (the OS keychain).
    pub(crate) keys: DatabaseKeys,
    /// The one clock of this workbench (engines, caches, health, the dashboard's "today").
    pub(crate) clock: SharedClock,
}

pub struct Workbench {
    data_dir: PathBuf,
    /// Every call's figures and the failure alert (see `health`).
    health: Arc<ApiHealth>,
    /// The engine whose audit log records the tenant API's calls (the workspace on screen).
    union_audit: Arc<std::sync::RwLock<Option<EngineHandle>>>,
    origin: Origin,
    active: std::sync::RwLock<Arc<ActiveWorkspace>>,
    /// One switch at a time.
    switching: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    /// Everything the workbench tells its hosts (see `bus`).
    pub(crate) bus: Bus,
    pub(crate) images: crate::images::PlatformImages,
    /// The reply assistant's provider and the calls under way (see `assistant`).
    assistant: Arc<crate::assistant::AssistantDesk>,
}

impl Workbench {
    /// A saved account: its appid and app key (from the keychain) sign its agent in; a supervisor
    /// account's union key also lists the merchants it can switch to.
    pub async fn start_account(
        data_dir: PathBuf,
        accounts: &AccountBook,
        name: &str,
    ) -> Result<Workbench, ApiError> {
        let account = accounts.account(name)?;
        let home_credentials = accounts.agent_credentials(name).await?;
        let union = match &account.supervisor {
            Some(login) => {
                let union_key = accounts.union_key(&account).await?;
                Some(UnionClient::new(UnionCredentials {
                    base_url: account.base().to_string(),
                    union_code: login.union_code.clone(),
                    email: login.email.clone(),
                    union_key,
                })?)
            }
            None => None,
        };
        // The home merchant's company id and name, when the union platform can say (offline, the
        // appid names it until the next start).
        // The assistant's provider; a missing key leaves the assistant off (the status says why)
        // rather than keeping the workbench from starting.
        let assistant_provider = match accounts.assistant_provider(&account).await {
            Ok(provider) => provider,
            Err(error) => {
                tracing::warn!("the assistant stays off: {}", error.message);
                None
            }
        };
        let mut home_tenant_id = account.appid.clone();
        let mut home_tenant_name = account.name.clone();
        if let Some(union) = &union {
            if let Ok(keys) = union.batch_app_keys().await {
                if let Some(key) = keys.into_iter().find(|k| k.app_id == account.appid) {
                    home_tenant_id = key.company_id;
                    home_tenant_name = key.company_name;
                }
            }
        }
        Workbench::start(
            data_dir,
            Origin {
                mode: WorkspaceMode::Account,
                account_name: account.name.clone(),
                base_url: account.base().to_string(),
                home_tenant_id,
                home_tenant_name,
                supervisor_email: home_credentials.email.clone(),
                home_credentials,
                union,
                #[cfg(feature = "demo")]
                sandbox: None,
                customer_sources: crate::customer::account_sources(&accounts.connectors()).await,
                keys: DatabaseKeys::new(accounts.keychain().clone(), false),
                clock: system_clock(),
            },
        )
        .await
        .inspect(|workbench| workbench.assistant().configure(assistant_provider))
    }

    pub(crate) async fn start(data_dir: PathBuf, origin: Origin) -> Result<Workbench, ApiError> {
        let health = Arc::new(ApiHealth::default());
        // The tenant API's calls go to API health and to the audit log of the workspace on screen.
        let union_audit: Arc<std::sync::RwLock<Option<EngineHandle>>> = Arc::default();
        if let Some(union) = &origin.union {
            let health = health.clone();
            let audit = union_audit.clone();
            let actor = format!("by {}", mask_pii(&origin.supervisor_email));
            union.set_observer(Arc::new(move |mut record: CallRecord| {
                health.record(&record);
                if let Some(engine) = audit.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
                    record.endpoint = format!("tenant-api:{}", record.endpoint);
                    record.detail = if record.detail.is_empty() {
                        actor.clone()
                    } else {
                        format!("{actor}: {}", record.detail)
                    };
                    engine.audit_call(record);
                }
            }));
        }
        spawn_health_clock(&health, origin.clock.clone());
        let database_path = agentdesk_store::Store::database_path(
            &data_dir,
            &origin.account_name,
            &origin.home_tenant_id,
        );
        let database_key = origin
            .keys
            .key(&origin.account_name, &origin.home_tenant_id, &database_path)
            .await?;
        let workspace = AgentWorkspace::open(WorkspaceOptions {
            data_dir: data_dir.clone(),
            account: origin.account_name.clone(),
            tenant: origin.home_tenant_id.clone(),
            credentials: origin.home_credentials.clone(),
            agent_name: "Agent".into(),
            call_tap: Some(health_tap(&health)),
            database_key: Some(database_key),
            clock: origin.clock.clone(),
        })
        .await?;
        *union_audit.write().unwrap_or_else(|p| p.into_inner()) = Some(workspace.engine.clone());
        let bus = Bus::new(1);
        forward_health_alerts(&health, &bus);
        let active = ActiveWorkspace::start(
            1,
            workspace,
            origin.home_tenant_id.clone(),
            origin.home_tenant_name.clone(),
            bus.clone(),
            health.clone(),
            origin.clock.clone(),
        );
        // Demo mode's assistant talks to the sandbox's model provider; an account's gets the
        // provider the host configures (`Assistant::configure`).
        #[cfg(feature = "demo")]
        let demo_provider = origin
            .sandbox
            .as_ref()
            .and_then(|s| crate::assistant::AssistantDesk::demo_provider(&s.info.base_url));
        #[cfg(not(feature = "demo"))]
        let demo_provider = None;
        Ok(Workbench {
            data_dir,
            health,
            union_audit,
            origin,
            active: std::sync::RwLock::new(Arc::new(active)),
            switching: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(1),
            bus,
            images: crate::images::PlatformImages::new()?,
            assistant: Arc::new(crate::assistant::AssistantDesk::new(demo_provider)),
        })
    }

    pub(crate) fn assistant_desk(&self) -> &crate::assistant::AssistantDesk {
        &self.assistant
    }

    pub(crate) fn assistant_desk_arc(&self) -> Arc<crate::assistant::AssistantDesk> {
        self.assistant.clone()
    }

    /// Why the local data is not kept encrypted across runs (demo mode without a keychain), if so.
    pub fn storage_warning(&self) -> Option<ApiError> {
        self.origin
            .keys
            .warning
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The integration's health: per-endpoint figures and the failure alert.
    pub fn health(&self) -> &Arc<ApiHealth> {
        &self.health
    }

    /// The health figures now, with the outbox depth of the workspace on screen.
    pub fn api_health(&self) -> ApiHealthView {
        let outbox = self.engine().outbox_depth().unwrap_or_default();
        self.health.view(self.now_ms(), outbox)
    }

    /// The workbench's clock (see `agentdesk_domain::clock`).
    pub fn clock(&self) -> SharedClock {
        self.origin.clock.clone()
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.origin.clock.now().as_i64()
    }

    pub(crate) fn current(&self) -> Arc<ActiveWorkspace> {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The platform's company id of the tenant on screen (without building a whole snapshot).
    pub(crate) fn tenant_on_screen(&self) -> String {
        self.current().tenant_id.clone()
    }

    /// The engine of the workspace on screen.
    pub fn engine(&self) -> EngineHandle {
        self.current().workspace.engine.clone()
    }

    pub(crate) fn customer_sources(&self) -> &CustomerSources {
        &self.origin.customer_sources
    }

    /// The union platform's tenant API, or why there is none.
    pub(crate) fn union(&self) -> Result<&UnionClient, ApiError> {
        self.origin.union.as_ref().ok_or_else(|| {
            ApiError::because(
                ErrorCode::InvalidInput, ErrorReason::NoUnionAccount,
                "this account manages no merchants: add its union code and union key in Settings → Accounts",
            )
        })
    }

    pub(crate) fn client(&self) -> Arc<AgentClient> {
        self.current().workspace.client.clone()
    }

    /// The generation of the workspace on screen (see `WorkbenchEvent`).
    pub fn workspace_generation(&self) -> u64 {
        self.current().generation
    }

    /// Everything the workbench tells its hosts, from now on (see `bus`).
    pub fn subscribe(&self) -> DeskEvents {
        self.bus.subscribe()
    }

    /// Which notices to raise, and from which risk a customer is upset (the agent's Settings).
    pub fn set_notice_policy(&self, policy: NoticePolicy) {
        self.bus.set_policy(policy);
    }

    pub fn mode(&self) -> WorkspaceMode {
        self.origin.mode
    }

    #[cfg(feature = "demo")]
    /// The sandbox's base URL in demo mode (tests drive its controls); empty otherwise.
    pub fn sandbox_url(&self) -> &str {
        self.origin
            .sandbox
            .as_ref()
            .map(|s| s.info.base_url.as_str())
            .unwrap_or_default()
    }

    /// Where the workspace on screen keeps its data.
    pub fn database_path(&self) -> PathBuf {
        self.current().workspace.database_path().to_path_buf()
    }

    /// The database of the workspace on screen (its file and key).
    pub fn database(&self) -> agentdesk_store::Database {
        self.current().workspace.database.clone()
    }

    pub fn snapshot(&self) -> Result<WorkbenchSnapshot, ApiError> {
        let current = self.current();
        let engine = &current.workspace.engine;
        let sessions = engine
            .sessions()?
            .into_iter()
            .map(|session| {
                let last_message = engine.messages(&session.id, 1)?.pop();
                Ok(SessionSummary {
                    session,
                    last_message,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(WorkbenchSnapshot {
            workspace: current.generation,
            mode: self.mode(),
            account_name: match self.origin.mode {
                WorkspaceMode::Demo => "Sandbox".into(),
                WorkspaceMode::Account => self.origin.account_name.clone(),
            },
            tenant_id: current.tenant_id.clone(),
            tenant_name: current.tenant_name.clone(),
            agent_login: mask_pii(&current.workspace.client.credentials().email).into_owned(),
            sessions,
            connection: engine.connection_state(),
            storage_warning: self.storage_warning(),
            storage_problem: engine.storage_problem(),
        })
    }

    /// The tenants the supervisor can switch to, the one on screen marked.
    pub async fn tenants(&self) -> Result<Vec<TenantOption>, ApiError> {
        let current = self.current();
        let active = current.tenant_id.clone();
        let Some(union) = &self.origin.union else {
            // Not a supervisor: the one merchant of the account.
            return Ok(vec![TenantOption {
                id: active,
                name: current.tenant_name.clone(),
                enabled: true,
                active: true,
            }]);
        };
        let mut options: Vec<TenantOption> = union
            .all_tenants()
            .await?
            .into_iter()
            .map(|t| TenantOption {
                active: t.company_id == active,
                id: t.company_id,
                name: t.company_name,
                enabled: t.tenant_status,
            })
            .collect();
        options.sort_by(|a, b| b.active.cmp(&a.active).then_with(|| a.name.cmp(&b.name)));
        Ok(options)
    }

    /// Swaps the whole workspace for another tenant's: its own database file, platform sign-in,
    /// push connection and engine. The new one opens before the old one closes, so a failure leaves
    /// the current tenant working; the old tenant's unsent replies stay in its own database and go
    /// out when it is active again. Returns the new snapshot.
    pub async fn switch_tenant(&self, tenant_id: &str) -> Result<WorkbenchSnapshot, ApiError> {
        let _one_at_a_time = self.switching.lock().await;
        if self.current().tenant_id == tenant_id {
            return self.snapshot();
        }
        let tenant = self
            .union()?
            .all_tenants()
            .await?
            .into_iter()
            .find(|t| t.company_id == tenant_id)
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::NotFound,
                    ErrorReason::NoTenant {
                        tenant: tenant_id.to_string(),
                    },
                    format!("there is no tenant {tenant_id} on this platform"),
                )
            })?;
        if !tenant.tenant_status {
            return Err(ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::TenantDisabled {
                    name: tenant.company_name.clone(),
                },
                format!(
                    "{} is disabled: enable it under Supervisor → Tenants first",
                    tenant.company_name
                ),
            ));
        }
        let credentials = self.tenant_credentials(tenant_id).await?;
        let database_path = agentdesk_store::Store::database_path(
            &self.data_dir,
            &self.origin.account_name,
            tenant_id,
        );
        let database_key = self
            .origin
            .keys
            .key(&self.origin.account_name, tenant_id, &database_path)
            .await?;
        let workspace = AgentWorkspace::open(WorkspaceOptions {
            data_dir: self.data_dir.clone(),
            account: self.origin.account_name.clone(),
            tenant: tenant_id.to_string(),
            credentials,
            agent_name: "Supervisor".into(),
            call_tap: Some(health_tap(&self.health)),
            database_key: Some(database_key),
            clock: self.clock(),
        })
        .await?;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *self.union_audit.write().unwrap_or_else(|p| p.into_inner()) =
            Some(workspace.engine.clone());
        let next = Arc::new(ActiveWorkspace::start(
            generation,
            workspace,
            tenant.company_id,
            tenant.company_name,
            self.bus.clone(),
            self.health.clone(),
            self.clock(),
        ));
        let previous = std::mem::replace(
            &mut *self
                .active
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            next,
        );
        // From here on the previous tenant's stragglers are dropped by the bus.
        self.bus.show(generation);
        previous.forwarder.abort();
        previous.workspace.engine.shutdown().await;
        drop(previous);
        self.snapshot()
    }

    /// Who signs in to a tenant: the account's own agent (the demo agent in demo mode) in its home
    /// tenant, the supervisor elsewhere, with the tenant's appid and app key from `getBatchAppKey`
    /// (held in memory only).
    async fn tenant_credentials(&self, tenant_id: &str) -> Result<AgentCredentials, ApiError> {
        if tenant_id == self.origin.home_tenant_id {
            return Ok(self.origin.home_credentials.clone());
        }
        let keys = self.union()?.batch_app_keys().await?;
        let key = keys
            .into_iter()
            .find(|k| k.company_id == tenant_id)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Platform,
                    format!("the platform gave no app key for tenant {tenant_id}"),
                )
            })?;
        Ok(AgentCredentials {
            base_url: self.origin.base_url.clone(),
            appid: key.app_id,
            app_key: key.app_key,
            email: self.origin.supervisor_email.clone(),
            password: None,
        })
    }

    pub async fn shutdown(self) {
        let current = self.current();
        current.forwarder.abort();
        current.workspace.engine.shutdown().await;
        drop(current);
        #[cfg(feature = "demo")]
        if let Some(sandbox) = self.origin.sandbox {
            sandbox.shutdown().await;
        }
    }
}
