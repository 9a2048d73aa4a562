//! The workspace host: it starts the workbench (demo mode on the sandbox, or a saved account), keeps
//! the tenant on screen as one workspace with its services, swaps them whole on a tenant switch, and
//! owns what belongs to the account rather than a tenant (the event bus, the clock, the ledger of
//! outside calls and API health, the account's sources and model provider). It holds no use case:
//! the services do (`conversations()`, `customers()`, `knowledge()`, `assistant()`, `reports()`,
//! `supervision()`), each with its own state, built per workspace.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use agentdesk_assistant::Assistant;
use agentdesk_customer360::{CustomerSources, Customers};
use agentdesk_domain::{mask_pii, ConnectionState, Message, Session, SharedClock};
use agentdesk_engine::EngineHandle;
use agentdesk_http::{CallLedger, CallRecord, HttpContext, HttpSettings};
use agentdesk_knowledge::Knowledge;
use agentdesk_llm::Provider;
use agentdesk_payments::PaymentDesk;
use agentdesk_reports::Reports;
use agentdesk_sobot::client::{UnionClient, UnionCredentials};
use agentdesk_sobot::AgentCredentials;
use agentdesk_tickets::TicketDesk;
use agentdesk_workspace::{
    Bus, DeskEvent, NoticePolicy, Subscription, Workspace, WorkspaceMode, WorkspaceOptions,
};
use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

use crate::conversations::Conversations;
use crate::database_key::DatabaseKeys;
use crate::health::{ApiHealth, ApiHealthView};
use crate::images::PlatformImages;
use crate::services::{AccountServices, WorkspaceServices};
use crate::supervision::{no_union_account, Supervision};
use crate::{AccountBook, ApiError, ErrorCode, ErrorReason, HomeTenant};

/// How long the model provider may take to connect (the answer streams without a total limit; the
/// assistant keeps its own limits for the first token and the gaps).
const LLM_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a ticket system's call may take (an upload of a few MB included).
const TICKET_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long a speech recognition call may take (a minute of audio is read in a few seconds).
const SPEECH_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long a payment system's call may take (Alipay's and WeChat's answer within seconds; a
/// lost answer is settled by a query, so waiting longer gains nothing).
const PAYMENT_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

#[derive(Debug, Clone, Serialize, TS)]
pub struct SessionSummary {
    pub session: Session,
    pub last_message: Option<Message>,
}

/// Everything the window needs to draw itself at start (and after a tenant switch).
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorkbenchSnapshot {
    /// The workspace generation: events of the workspace carry it too.
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

/// Who the workbench signs in as, and where: the sandbox in demo mode, or a saved account.
pub(crate) struct SignIn {
    pub mode: WorkspaceMode,
    /// Shown in the top bar, and names the databases (`accounts/{account}/{tenant}.sqlite3`).
    pub account_name: String,
    pub base_url: String,
    /// The account's own merchant, as first met (see `HomeTenant`).
    pub home: HomeTenant,
    pub home_credentials: AgentCredentials,
    /// The e-mail that signs in to the other tenants (the supervisor's).
    pub supervisor_email: String,
    /// The union platform's tenant API: present for supervisors (and in demo mode).
    pub union: Option<UnionCredentials>,
    /// Where the home merchant is recorded once the platform names it (none in demo mode).
    pub accounts: Option<AccountBook>,
}

/// What the account brings besides its sign-in.
pub(crate) struct AccountParts {
    pub sources: CustomerSources,
    /// Each workspace database's key (the OS keychain).
    pub keys: DatabaseKeys,
    #[cfg(feature = "demo")]
    pub sandbox: Option<crate::DemoSandbox>,
    pub provider: Option<Provider>,
    /// Which ticket systems each merchant uses.
    pub tickets: crate::tickets::TicketPlan,
    /// Which payment systems each merchant takes.
    pub payments: crate::payments::PaymentPlan,
    /// The account's speech service (voice messages read as text), if it has one.
    pub speech: Option<agentdesk_voice::NlsSettings>,
}

/// How the workbench reaches outside systems and what it learns of them: every call goes into one
/// ledger that API health reads; the calls the workbench makes itself (the tenant API, connectors,
/// the model provider, images) are also written to the audit log of the workspace on screen (each
/// engine audits its own platform client's calls).
pub(crate) struct OutsideCalls {
    pub health: Arc<ApiHealth>,
    root: CallLedger,
    desk: HttpContext,
    audit_into: Arc<RwLock<Option<EngineHandle>>>,
}

/// Writes a call into the audit log of the workspace on screen, as `change` makes it.
fn audit_on_screen(
    into: &Arc<RwLock<Option<EngineHandle>>>,
    change: impl Fn(&mut CallRecord) + Send + Sync + 'static,
) -> agentdesk_http::CallObserver {
    let into = into.clone();
    Arc::new(move |record: &CallRecord| {
        if let Some(engine) = into.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            let mut record = record.clone();
            change(&mut record);
            engine.audit_call(record);
        }
    })
}

impl OutsideCalls {
    pub(crate) fn new(clock: SharedClock) -> OutsideCalls {
        let health = Arc::new(ApiHealth::new(clock.clone()));
        let root = CallLedger::new();
        let to_health = health.clone();
        root.observe(Arc::new(move |record: &CallRecord| {
            to_health.record(record)
        }));
        let desk_ledger = root.branch();
        let audit_into: Arc<RwLock<Option<EngineHandle>>> = Arc::default();
        desk_ledger.observe(audit_on_screen(&audit_into, |_| {}));
        OutsideCalls {
            health,
            root,
            desk: HttpContext::new(clock, desk_ledger),
            audit_into,
        }
    }

    /// How the workbench's own clients are made.
    pub(crate) fn desk(&self) -> &HttpContext {
        &self.desk
    }

    /// The tenant API's ledger: its calls are audited as `tenant-api:{endpoint}`, by the supervisor
    /// (masked), whichever tenant is on screen.
    fn tenant_api(&self, supervisor_email: &str) -> CallLedger {
        let ledger = self.root.branch();
        let actor = format!("by {}", mask_pii(supervisor_email));
        ledger.observe(audit_on_screen(&self.audit_into, move |record| {
            record.endpoint = format!("tenant-api:{}", record.endpoint);
            record.detail = if record.detail.is_empty() {
                actor.clone()
            } else {
                format!("{actor}: {}", record.detail)
            };
        }));
        ledger
    }
}

pub struct Workbench {
    data_dir: PathBuf,
    sign_in: SignIn,
    home: RwLock<HomeTenant>,
    account: AccountServices,
    keys: DatabaseKeys,
    #[cfg(feature = "demo")]
    sandbox: Option<crate::DemoSandbox>,
    clock: SharedClock,
    outside: OutsideCalls,
    bus: Bus,
    on_screen: RwLock<Arc<WorkspaceServices>>,
    /// One switch at a time.
    switching: tokio::sync::Mutex<()>,
    generation: AtomicU64,
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
            Some(login) => Some(UnionCredentials {
                base_url: account.base().to_string(),
                union_code: login.union_code.clone(),
                email: login.email.clone(),
                union_key: accounts.union_key(&account).await?,
            }),
            None => None,
        };
        // A missing key for the model provider leaves the assistant off (the status says why)
        // rather than keeping the workbench from starting.
        let provider = match accounts.assistant_provider(&account).await {
            Ok(provider) => provider,
            Err(error) => {
                tracing::warn!("the assistant stays off: {}", error.message);
                None
            }
        };
        let clock = agentdesk_domain::system_clock();
        let outside = OutsideCalls::new(clock.clone());
        let sources =
            crate::connectors::account_sources(&accounts.connectors(), outside.desk()).await;
        Workbench::start(
            data_dir,
            SignIn {
                mode: WorkspaceMode::Account,
                account_name: account.name.clone(),
                base_url: account.base().to_string(),
                home: account.home.clone().unwrap_or(HomeTenant {
                    database_id: account.appid.clone(),
                    company_id: None,
                    company_name: None,
                }),
                supervisor_email: home_credentials.email.clone(),
                home_credentials,
                union,
                accounts: Some(accounts.clone()),
            },
            AccountParts {
                sources,
                keys: DatabaseKeys::new(accounts.keychain().clone(), false),
                #[cfg(feature = "demo")]
                sandbox: None,
                provider,
                tickets: crate::tickets::TicketPlan::of_account(
                    &account.name,
                    &account.tickets,
                    accounts.keychain(),
                )
                .await,
                payments: crate::payments::PaymentPlan::of_account(
                    &account.name,
                    &account.payments,
                    accounts.keychain(),
                )
                .await,
                speech: match &account.speech {
                    Some(speech) => speech.load(&account.name, accounts.keychain()).await,
                    None => None,
                },
            },
            outside,
            clock,
        )
        .await
    }

    pub(crate) async fn start(
        data_dir: PathBuf,
        mut sign_in: SignIn,
        parts: AccountParts,
        outside: OutsideCalls,
        clock: SharedClock,
    ) -> Result<Workbench, ApiError> {
        let union = match sign_in.union.clone() {
            Some(credentials) => Some(Arc::new(UnionClient::new(
                credentials,
                clock.clone(),
                outside.tenant_api(&sign_in.supervisor_email),
            )?)),
            None => None,
        };
        if let Some(union) = &union {
            sign_in.home = home_met(union, &sign_in).await;
        }
        let connectors: Vec<_> = [&parts.sources.profile, &parts.sources.orders]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let account = AccountServices {
            sources: Arc::new(parts.sources),
            union,
            provider: Arc::new(RwLock::new(parts.provider)),
            llm_http: outside
                .desk
                .client(HttpSettings::streaming(LLM_CONNECT_TIMEOUT))
                .map_err(|e| ApiError::new(ErrorCode::NotReady, e.to_string()))?,
            images: Arc::new(PlatformImages::new(outside.desk())?),
            tickets_http: outside
                .desk
                .client(HttpSettings::within(TICKET_CALL_TIMEOUT))
                .map_err(|e| ApiError::new(ErrorCode::NotReady, e.to_string()))?,
            tickets: parts.tickets,
            speech: match parts.speech {
                Some(settings) => {
                    let http = outside
                        .desk
                        .client(HttpSettings::within(SPEECH_CALL_TIMEOUT))
                        .map_err(|e| ApiError::new(ErrorCode::NotReady, e.to_string()))?;
                    match agentdesk_voice::Nls::new(http, settings) {
                        Ok(nls) => Some(Arc::new(nls)),
                        Err(error) => {
                            tracing::warn!(%error, "the speech settings do not hold: voice messages stay audio only");
                            None
                        }
                    }
                }
                None => None,
            },
            payments: parts.payments.build(
                &outside
                    .desk
                    .client(HttpSettings::within(PAYMENT_CALL_TIMEOUT))
                    .map_err(|e| ApiError::new(ErrorCode::NotReady, e.to_string()))?,
                &connectors,
            ),
        };
        #[cfg(feature = "demo")]
        if let Some(sandbox) = &parts.sandbox {
            // Demo mode's assistant talks to the sandbox's model provider.
            let provider = crate::demo::demo_provider(&sandbox.info.base_url);
            *account.provider.write().unwrap_or_else(|p| p.into_inner()) = provider;
        }
        let bus = Bus::new();
        spawn_health_watch(&outside.health, &bus);
        let home = sign_in.home.clone();
        if let Some(accounts) = &sign_in.accounts {
            if let Err(error) = accounts.remember_home(&sign_in.account_name, &home) {
                tracing::warn!(%error, "the account's own merchant could not be recorded");
            }
        }
        let first = open_services(
            &OpenContext {
                data_dir: &data_dir,
                sign_in: &sign_in,
                keys: &parts.keys,
                clock: &clock,
                outside: &outside,
                bus: &bus,
                account: &account,
            },
            1,
            Target::home(&sign_in, &home),
        )
        .await?;
        bus.show(1);
        Ok(Workbench {
            home: RwLock::new(home),
            data_dir,
            sign_in,
            account,
            keys: parts.keys,
            #[cfg(feature = "demo")]
            sandbox: parts.sandbox,
            clock,
            outside,
            bus,
            on_screen: RwLock::new(Arc::new(first)),
            switching: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(1),
        })
    }

    fn on_screen(&self) -> Arc<WorkspaceServices> {
        self.on_screen
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    // ---- the services of the workspace on screen ----

    /// Reading and answering the sessions (see [`Conversations`]).
    pub fn conversations(&self) -> Arc<Conversations> {
        self.on_screen().conversations.clone()
    }

    /// The customer in front of the agent (see [`Customers`]).
    pub fn customers(&self) -> Arc<Customers> {
        self.on_screen().customers.clone()
    }

    /// Knowledge suggestions and moods (see [`Knowledge`]).
    pub fn knowledge(&self) -> Arc<Knowledge> {
        self.on_screen().knowledge.clone()
    }

    /// The reply assistant (see [`Assistant`]).
    pub fn assistant(&self) -> Arc<Assistant> {
        self.on_screen().assistant.clone()
    }

    /// The supervisor dashboard (see [`Reports`]).
    pub fn reports(&self) -> Arc<Reports> {
        self.on_screen().reports.clone()
    }

    /// The supervisor's screens (see [`Supervision`]).
    pub fn supervision(&self) -> Arc<Supervision> {
        self.on_screen().supervision.clone()
    }

    /// The service's results written back to the merchant's systems (see [`WriteBacks`]).
    pub fn write_backs(&self) -> Arc<crate::WriteBacks> {
        self.on_screen().write_backs.clone()
    }

    /// Voice messages read as text (see [`VoiceReader`]).
    pub fn voice(&self) -> Arc<crate::VoiceReader> {
        self.on_screen().voice.clone()
    }

    /// Payment links from the conversation (see [`PaymentDesk`]).
    pub fn payments(&self) -> Arc<PaymentDesk> {
        self.on_screen().payments.clone()
    }

    /// Tickets from the conversation (see [`TicketDesk`]).
    pub fn tickets(&self) -> Arc<TicketDesk> {
        self.on_screen().tickets.clone()
    }

    // ---- what the host itself answers ----

    /// Uses `provider` for the assistant from now on, in every workspace (`None`: off).
    pub fn configure_assistant(&self, provider: Option<Provider>) {
        *self
            .account
            .provider
            .write()
            .unwrap_or_else(|p| p.into_inner()) = provider;
    }

    /// Why the local data is not kept encrypted across runs (demo mode without a keychain), if so.
    pub fn storage_warning(&self) -> Option<ApiError> {
        self.keys
            .warning
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The integration's health: per-endpoint figures and the failure alert.
    pub fn health(&self) -> &Arc<ApiHealth> {
        &self.outside.health
    }

    /// The health figures now, with the outbox depth of the workspace on screen.
    pub async fn api_health(&self) -> ApiHealthView {
        let outbox = self
            .on_screen()
            .workspace
            .engine()
            .outbox_depth()
            .await
            .unwrap_or_default();
        self.outside.health.view(outbox)
    }

    /// The workbench's clock (see `agentdesk_domain::clock`).
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    /// The workspace on screen (its engine, database and identity).
    pub fn workspace(&self) -> Arc<Workspace> {
        self.on_screen().workspace.clone()
    }

    /// The engine of the workspace on screen.
    pub fn engine(&self) -> EngineHandle {
        self.on_screen().workspace.engine().clone()
    }

    /// The generation of the workspace on screen (events carry it).
    pub fn workspace_generation(&self) -> u64 {
        self.on_screen().workspace.generation()
    }

    /// Everything the workbench tells its hosts, from now on (see `agentdesk_workspace::bus`).
    pub fn subscribe(&self) -> Subscription {
        self.bus.subscribe()
    }

    /// Which notices to raise, and from which risk a customer is upset (the agent's Settings).
    pub fn set_notice_policy(&self, policy: NoticePolicy) {
        self.bus.set_policy(policy);
    }

    pub fn mode(&self) -> WorkspaceMode {
        self.sign_in.mode
    }

    #[cfg(feature = "demo")]
    /// The sandbox's base URL in demo mode (tests drive its controls); empty otherwise.
    pub fn sandbox_url(&self) -> &str {
        self.sandbox
            .as_ref()
            .map(|s| s.info.base_url.as_str())
            .unwrap_or_default()
    }

    /// Where the workspace on screen keeps its data.
    pub fn database_path(&self) -> PathBuf {
        self.on_screen().workspace.database_path().to_path_buf()
    }

    /// The database of the workspace on screen (its file and key).
    pub fn database(&self) -> agentdesk_store::Database {
        self.on_screen().workspace.database().clone()
    }

    /// Deletes audit entries older than `days` from the workspace on screen's database; answers
    /// whether any went. (Each tenant's database is pruned when it is on screen.)
    pub async fn prune_audit_log(&self, days: u16) -> Result<bool, ApiError> {
        let before_ms = self.clock.now().days_before(u32::from(days)).as_i64();
        let applied = self
            .workspace()
            .write(vec![agentdesk_store::Write::PruneAudit { before_ms }])
            .await?;
        Ok(applied.first().copied().unwrap_or(false))
    }

    pub async fn snapshot(&self) -> Result<WorkbenchSnapshot, ApiError> {
        let workspace = self.workspace();
        let sessions = workspace
            .read(|store| {
                store
                    .sessions()?
                    .into_iter()
                    .map(|session| {
                        let last_message = store.messages(&session.id, 1)?.pop();
                        Ok(SessionSummary {
                            session,
                            last_message,
                        })
                    })
                    .collect::<Result<Vec<_>, agentdesk_store::StoreError>>()
            })
            .await?;
        let engine = workspace.engine();
        Ok(WorkbenchSnapshot {
            workspace: workspace.generation(),
            mode: self.mode(),
            account_name: match self.sign_in.mode {
                WorkspaceMode::Demo => "Sandbox".into(),
                WorkspaceMode::Account => self.sign_in.account_name.clone(),
            },
            tenant_id: workspace.tenant_id(),
            tenant_name: workspace.tenant_name(),
            agent_login: mask_pii(workspace.agent_login()).into_owned(),
            sessions,
            connection: engine.connection_state(),
            storage_warning: self.storage_warning(),
            storage_problem: engine.storage_problem(),
        })
    }

    fn union(&self) -> Result<&UnionClient, ApiError> {
        self.account.union.as_deref().ok_or_else(no_union_account)
    }

    /// The tenants the supervisor can switch to, the one on screen marked.
    pub async fn tenants(&self) -> Result<Vec<TenantOption>, ApiError> {
        let Some(union) = self.account.union.as_deref() else {
            // Not a supervisor: the one merchant of the account.
            let workspace = self.workspace();
            return Ok(vec![TenantOption {
                id: workspace.tenant_id(),
                name: workspace.tenant_name(),
                enabled: true,
                active: true,
            }]);
        };
        let all = union.all_tenants().await?;
        self.learn_home_company(union).await;
        let active = self.workspace().tenant_id();
        let mut options: Vec<TenantOption> = all
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

    /// The account's own merchant named by the union platform, when it was not yet (a first start
    /// offline): recorded in the account, and the home workspace learns who it is.
    async fn learn_home_company(&self, union: &UnionClient) {
        let home = self.home.read().unwrap_or_else(|p| p.into_inner()).clone();
        if home.company_id.is_some() {
            return;
        }
        let learned = home_met(
            union,
            &SignIn {
                home,
                ..self.sign_in.clone_identity()
            },
        )
        .await;
        let Some(company_id) = learned.company_id.clone() else {
            return;
        };
        let name = learned.company_name.clone().unwrap_or_default();
        if let Some(accounts) = &self.sign_in.accounts {
            if let Err(error) = accounts.remember_home(&self.sign_in.account_name, &learned) {
                tracing::warn!(%error, "the account's own merchant could not be recorded");
            }
        }
        let workspace = self.workspace();
        if workspace.database_id() == learned.database_id {
            workspace.learn_tenant(&company_id, &name);
        }
        *self.home.write().unwrap_or_else(|p| p.into_inner()) = learned;
    }

    /// Swaps the whole workspace for another tenant's: its own database file, platform sign-in,
    /// push connection, engine and services. The new one opens before the old one closes, so a
    /// failure leaves the current tenant working; the old tenant's unsent replies stay in its own
    /// database and go out when it is on screen again; everything else of it ends here, and from
    /// the moment this answers nothing of it reaches a subscriber. Returns the new snapshot.
    pub async fn switch_tenant(&self, tenant_id: &str) -> Result<WorkbenchSnapshot, ApiError> {
        let _one_at_a_time = self.switching.lock().await;
        if self.workspace().tenant_id() == tenant_id {
            return self.snapshot().await;
        }
        let union = self.union()?;
        let tenant = union
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
        self.learn_home_company(union).await;
        let home = self.home.read().unwrap_or_else(|p| p.into_inner()).clone();
        let target = if home.is_tenant(tenant_id) {
            Target::home(&self.sign_in, &home)
        } else {
            Target {
                database_id: tenant_id.to_string(),
                tenant_id: tenant.company_id.clone(),
                tenant_name: tenant.company_name.clone(),
                credentials: self.supervisor_credentials(union, tenant_id).await?,
                agent_name: "Supervisor",
            }
        };
        if self.workspace().database_id() == target.database_id {
            return self.snapshot().await;
        }
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let next = Arc::new(open_services(&self.open_context(), generation, target).await?);
        let previous = std::mem::replace(
            &mut *self
                .on_screen
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            next,
        );
        // From here on nothing of the previous workspace reaches a subscriber.
        self.bus.show(generation);
        previous.close().await;
        self.snapshot().await
    }

    fn open_context(&self) -> OpenContext<'_> {
        OpenContext {
            data_dir: &self.data_dir,
            sign_in: &self.sign_in,
            keys: &self.keys,
            clock: &self.clock,
            outside: &self.outside,
            bus: &self.bus,
            account: &self.account,
        }
    }

    /// The supervisor's sign-in to another tenant: the tenant's appid and app key from
    /// `getBatchAppKey` (held in memory only).
    async fn supervisor_credentials(
        &self,
        union: &UnionClient,
        tenant_id: &str,
    ) -> Result<AgentCredentials, ApiError> {
        let key = union
            .batch_app_keys()
            .await?
            .into_iter()
            .find(|k| k.company_id == tenant_id)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Platform,
                    format!("the platform gave no app key for tenant {tenant_id}"),
                )
            })?;
        Ok(AgentCredentials {
            base_url: self.sign_in.base_url.clone(),
            appid: key.app_id,
            app_key: key.app_key,
            email: self.sign_in.supervisor_email.clone(),
            password: None,
        })
    }

    pub async fn shutdown(self) {
        self.on_screen().close().await;
        #[cfg(feature = "demo")]
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

/// The account name demo mode files its databases under.
#[cfg(feature = "demo")]
const DEMO_ACCOUNT: &str = "sandbox";

#[cfg(feature = "demo")]
impl Workbench {
    /// Demo mode (no account configured): the sandbox's demo tenant, signed in as its first agent.
    pub async fn start_demo(
        data_dir: PathBuf,
        options: crate::DemoOptions,
    ) -> Result<Workbench, ApiError> {
        let clock = options.clock.clone();
        let keychain = options.keychain;
        let sandbox = crate::demo::demo_sandbox(options.sandbox_url, options.config).await?;
        let info = sandbox.info.clone();
        let home =
            info.tenants.first().cloned().ok_or_else(|| {
                ApiError::new(ErrorCode::Platform, "the sandbox reports no tenants")
            })?;
        let home_credentials = sandbox
            .agent_credentials(0)
            .ok_or_else(|| ApiError::new(ErrorCode::Platform, "the sandbox has no agents"))?;
        let outside = OutsideCalls::new(clock.clone());
        let sources = crate::demo::demo_sources(&info, outside.desk())?;
        Workbench::start(
            data_dir,
            SignIn {
                mode: WorkspaceMode::Demo,
                account_name: DEMO_ACCOUNT.into(),
                base_url: info.base_url.clone(),
                home: HomeTenant {
                    database_id: home.company_id.clone(),
                    company_id: Some(home.company_id),
                    company_name: Some(home.company_name),
                },
                home_credentials,
                supervisor_email: info.supervisor_email.clone(),
                union: Some(UnionCredentials {
                    base_url: info.base_url.clone(),
                    union_code: info.union_code.clone(),
                    email: info.supervisor_email.clone(),
                    union_key: agentdesk_domain::Secret::new(info.union_key.clone()),
                }),
                accounts: None,
            },
            AccountParts {
                sources,
                keys: DatabaseKeys::new(keychain, true),
                tickets: crate::tickets::TicketPlan::demo(&info.tickets),
                payments: crate::payments::PaymentPlan::demo(&info.payments),
                speech: Some(agentdesk_voice::NlsSettings {
                    recognition_url: info.speech.recognition_url.clone(),
                    token_url: info.speech.token_url.clone(),
                    appkey: info.speech.appkey.clone(),
                    access_key_id: info.speech.access_key_id.clone(),
                    access_key_secret: agentdesk_domain::Secret::new(
                        info.speech.access_key_secret.clone(),
                    ),
                    region: "cn-shanghai".into(),
                }),
                sandbox: Some(sandbox),
                provider: None,
            },
            outside,
            clock,
        )
        .await
    }
}

impl SignIn {
    /// The sign-in without the account book (to ask the union platform about the home merchant).
    fn clone_identity(&self) -> SignIn {
        SignIn {
            mode: self.mode,
            account_name: self.account_name.clone(),
            base_url: self.base_url.clone(),
            home: self.home.clone(),
            home_credentials: self.home_credentials.clone(),
            supervisor_email: self.supervisor_email.clone(),
            union: self.union.clone(),
            accounts: None,
        }
    }
}

impl HomeTenant {
    /// Whether `tenant_id` (a company id, or the appid a first offline start named it by) is this
    /// merchant.
    pub(crate) fn is_tenant(&self, tenant_id: &str) -> bool {
        self.database_id == tenant_id || self.company_id.as_deref() == Some(tenant_id)
    }
}

/// The home merchant as the union platform names it (its company id for the appid the account
/// signs in with), else as known already: a platform that cannot say now changes nothing.
async fn home_met(union: &UnionClient, sign_in: &SignIn) -> HomeTenant {
    let known = sign_in.home.clone();
    if known.company_id.is_some() {
        return known;
    }
    let appid = &sign_in.home_credentials.appid;
    match union.batch_app_keys().await {
        Ok(keys) => match keys.into_iter().find(|k| &k.app_id == appid) {
            Some(key) => HomeTenant {
                database_id: known.database_id,
                company_id: Some(key.company_id),
                company_name: Some(key.company_name),
            },
            None => known,
        },
        Err(error) => {
            tracing::warn!(%error, "the union platform could not name the account's own merchant yet");
            known
        }
    }
}

/// Which workspace to open.
struct Target {
    database_id: String,
    tenant_id: String,
    tenant_name: String,
    credentials: AgentCredentials,
    agent_name: &'static str,
}

impl Target {
    /// The account's own merchant, signed in as the account's agent.
    fn home(sign_in: &SignIn, home: &HomeTenant) -> Target {
        Target {
            database_id: home.database_id.clone(),
            tenant_id: home
                .company_id
                .clone()
                .unwrap_or_else(|| home.database_id.clone()),
            tenant_name: home
                .company_name
                .clone()
                .unwrap_or_else(|| sign_in.account_name.clone()),
            credentials: sign_in.home_credentials.clone(),
            agent_name: "Agent",
        }
    }
}

/// What opening a workspace needs of the host.
struct OpenContext<'a> {
    data_dir: &'a PathBuf,
    sign_in: &'a SignIn,
    keys: &'a DatabaseKeys,
    clock: &'a SharedClock,
    outside: &'a OutsideCalls,
    bus: &'a Bus,
    account: &'a AccountServices,
}

/// Opens `target`'s workspace as generation `generation`, with its services.
async fn open_services(
    context: &OpenContext<'_>,
    generation: u64,
    target: Target,
) -> Result<WorkspaceServices, ApiError> {
    let database_path = agentdesk_store::Store::database_path(
        context.data_dir,
        &context.sign_in.account_name,
        &target.database_id,
    );
    let database_key = context
        .keys
        .key(
            &context.sign_in.account_name,
            &target.database_id,
            &database_path,
        )
        .await?;
    let health = context.outside.health.clone();
    let workspace = Workspace::open(WorkspaceOptions {
        data_dir: context.data_dir.clone(),
        account: context.sign_in.account_name.clone(),
        database_id: target.database_id,
        tenant_id: target.tenant_id,
        tenant_name: target.tenant_name,
        credentials: target.credentials,
        agent_name: target.agent_name.into(),
        mode: context.sign_in.mode,
        database_key: Some(database_key),
        clock: context.clock.clone(),
        ledger: context.outside.root.clone(),
        publisher: context.bus.publisher(generation),
        on_connection: Some(Arc::new(move |state: &ConnectionState| {
            health.connection_changed(state)
        })),
    })
    .await?;
    *context
        .outside
        .audit_into
        .write()
        .unwrap_or_else(|p| p.into_inner()) = Some(workspace.engine().clone());
    Ok(WorkspaceServices::start(
        workspace,
        context.account,
        context.bus.subscribe(),
    ))
}

/// The API health alert onto the bus, and a timer that re-evaluates it every few seconds (failures
/// leaving the window is a recovery even when no call happens). Both stop with the workbench.
fn spawn_health_watch(health: &Arc<ApiHealth>, bus: &Bus) {
    let mut alerts = health.subscribe();
    let bus = bus.clone();
    tokio::spawn(async move {
        loop {
            match alerts.recv().await {
                Ok(alert) => bus.publish_account_event(DeskEvent::ApiHealth { alert }),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let health = Arc::downgrade(health);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            match health.upgrade() {
                Some(health) => health.evaluate(),
                None => return,
            }
        }
    });
}
