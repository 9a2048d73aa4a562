//! The embedded sandbox platform: an axum server on loopback that speaks Sobot's protocols (token,
//! visitor-side 在线客服 API 5.0, the agent component SDK's operations and push channel, knowledge
//! base), with seeded deterministic data, simulated visitors, test controls under `/__sandbox/` and
//! fault injection. It is both AgentDesk's demo platform and the server every test talks to.
//! Where the real protocol is undocumented, the choice made is listed in `docs/PROTOCOL.md`.

mod agent_api;
pub mod asr;
mod control;
pub mod faults;
pub mod forms;
mod history;
pub mod llm;
mod load;
mod logistics;
mod open_api;
pub mod payments;
pub mod program;
mod push_tcp;
mod qiyu_crm;
mod router;
pub mod seed;
mod shop;
mod simulation;
mod statistics;
mod tenant_api;
mod ticket_faces;
mod tickets;
mod wire;
pub mod world;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use tokio::sync::watch;

pub use faults::Faults;
pub use shop::SHOPIFY_SUPPORTED_VERSIONS;
use world::World;

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: u64,
    /// Simulated visitors arriving per minute while an agent is online (0 = none).
    pub visitors_per_minute: f64,
    pub token_lifetime: Duration,
    /// Days of served sessions each tenant starts with (the statistics endpoints' history).
    pub history_days: u32,
    /// Agents of the demo tenant besides its supervisor: the first five are the named seed agents,
    /// more get generated names (the dashboard benchmark runs 50).
    pub agents: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 1,
            visitors_per_minute: 0.0,
            token_lifetime: Duration::from_secs(86_400),
            history_days: 30,
            agents: seed::NAMED_AGENTS,
        }
    }
}

/// The one JSON line `agentdesk-sandbox` prints when ready.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ReadyInfo {
    pub ready: bool,
    pub base_url: String,
    pub appid: String,
    pub app_key: String,
    pub union_code: String,
    pub union_key: String,
    pub supervisor_email: String,
    pub agents: Vec<AgentLogin>,
    /// Every tenant of the union platform (the first is the demo tenant, the one above).
    #[serde(default)]
    pub tenants: Vec<TenantLogin>,
    /// The carriers' credentials: Kuaidi100 `customer` and key, SF `partnerID` and check word.
    #[serde(default)]
    pub carriers: CarrierLogins,
    #[serde(default)]
    pub qiyu_crm: CrmLogin,
    /// The order system's faces and their published demo credentials.
    #[serde(default)]
    pub shop: ShopLogins,
    /// The ticket systems' faces (Sobot's is on `base_url` with the open platform's appid and key).
    #[serde(default)]
    pub tickets: TicketLogins,
    /// Alipay's gateway and WeChat Pay v3 on the sandbox, with the demo merchant's (public, test)
    /// keys.
    #[serde(default)]
    pub payments: PaymentLogins,
    /// Aliyun NLS (token and one-sentence recognition) on the sandbox.
    #[serde(default)]
    pub speech: SpeechLogin,
    /// Jinshuju (forms) on the sandbox, with its seeded after-sales form.
    #[serde(default)]
    pub forms: FormsLogin,
}

/// The sandbox's Jinshuju and its API key (a test key, not a secret).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct FormsLogin {
    pub base_url: String,
    pub api_key: String,
    pub api_secret: String,
    pub form_token: String,
}

/// The sandbox's speech service and its AccessKey (a test key, not a secret).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct SpeechLogin {
    pub recognition_url: String,
    pub token_url: String,
    pub appkey: String,
    pub access_key_id: String,
    pub access_key_secret: String,
}

/// The demo merchant at the sandbox's payment systems. The keys are the sandbox's published test
/// keys (`crates/agentdesk-sandbox/keys`), not secrets; a real merchant's live in the keychain.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct PaymentLogins {
    pub alipay_gateway: String,
    pub alipay_app_id: String,
    pub merchant_private_key: String,
    pub alipay_public_key: String,
    pub wechat_base_url: String,
    pub wechat_appid: String,
    pub wechat_mchid: String,
    pub wechat_merchant_serial: String,
    pub wechat_public_key_id: String,
    pub wechat_public_key: String,
    pub wechat_platform_certificate: String,
}

/// Jira Cloud, Zendesk Support and Qiyu 工单 on the sandbox, with their demo credentials.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct TicketLogins {
    pub jira_base_url: String,
    pub jira_email: String,
    pub jira_api_token: String,
    pub jira_project: String,
    pub jira_issue_type: String,
    pub zendesk_base_url: String,
    pub zendesk_email: String,
    pub zendesk_api_token: String,
    pub qiyu_base_url: String,
    pub qiyu_app_key: String,
    pub qiyu_app_secret: String,
    pub qiyu_staff_id: String,
}

/// Lumen OMS (`{base_url}/oms/v1`, the demo's order source through the declarative connector), and
/// the Shopify and Salesforce faces of the same order book.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ShopLogins {
    pub oms_base_url: String,
    /// Bearer token, API key, Basic password, OAuth2 client secret and signing key alike.
    pub oms_key: String,
    pub oms_app_id: String,
    pub oms_client_id: String,
    pub oms_basic_user: String,
    pub shopify_base_url: String,
    pub shopify_token: String,
    pub salesforce_base_url: String,
    pub salesforce_client_id: String,
    pub salesforce_client_secret: String,
}

/// The Qiyu-protocol CRM's base URL (`{base_url}/qiyu-crm`), appid and secret.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct CrmLogin {
    pub base_url: String,
    pub appid: String,
    pub appsecret: String,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct CarrierLogins {
    pub kuaidi100_customer: String,
    pub kuaidi100_key: String,
    pub sf_partner_id: String,
    pub sf_check_word: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TenantLogin {
    pub company_id: String,
    pub company_name: String,
    pub appid: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AgentLogin {
    pub email: String,
    pub password: String,
}

pub(crate) fn ready_info(state: &SandboxState) -> ReadyInfo {
    let tenants = state
        .tenants()
        .iter()
        .map(|tenant| {
            let world = lock(tenant);
            TenantLogin {
                company_id: world.company_id.clone(),
                company_name: world.profile.company_name.clone(),
                appid: world.appid.clone(),
                enabled: world.profile.enabled,
            }
        })
        .collect();
    let world = state.world();
    ReadyInfo {
        ready: true,
        base_url: state.base_url.clone(),
        appid: world.appid.clone(),
        app_key: world.app_key.clone(),
        union_code: world.union_code.clone(),
        union_key: world.union_key.clone(),
        supervisor_email: world.supervisor_email.clone(),
        agents: world
            .agents
            .iter()
            .map(|a| AgentLogin {
                email: a.email.clone(),
                password: a.password.clone(),
            })
            .collect(),
        tenants,
        carriers: CarrierLogins {
            kuaidi100_customer: logistics::KUAIDI100_CUSTOMER.into(),
            kuaidi100_key: logistics::KUAIDI100_KEY.into(),
            sf_partner_id: logistics::SF_PARTNER_ID.into(),
            sf_check_word: logistics::SF_CHECK_WORD.into(),
        },
        qiyu_crm: CrmLogin {
            base_url: format!("{}/qiyu-crm", state.base_url),
            appid: qiyu_crm::APPID.into(),
            appsecret: qiyu_crm::APPSECRET.into(),
        },
        shop: ShopLogins {
            oms_base_url: format!("{}/oms/v1", state.base_url),
            oms_key: shop::OMS_KEY.into(),
            oms_app_id: shop::OMS_APP_ID.into(),
            oms_client_id: shop::OMS_CLIENT_ID.into(),
            oms_basic_user: shop::OMS_BASIC_USER.into(),
            shopify_base_url: format!("{}/shopify", state.base_url),
            shopify_token: shop::SHOPIFY_TOKEN.into(),
            salesforce_base_url: format!("{}/salesforce", state.base_url),
            salesforce_client_id: shop::SALESFORCE_CLIENT_ID.into(),
            salesforce_client_secret: shop::SALESFORCE_CLIENT_SECRET.into(),
        },
        tickets: TicketLogins {
            jira_base_url: format!("{}/jira", state.base_url),
            jira_email: ticket_faces::JIRA_EMAIL.into(),
            jira_api_token: ticket_faces::JIRA_TOKEN.into(),
            jira_project: ticket_faces::JIRA_PROJECT.into(),
            jira_issue_type: "Task".into(),
            zendesk_base_url: format!("{}/zendesk", state.base_url),
            zendesk_email: ticket_faces::ZENDESK_EMAIL.into(),
            zendesk_api_token: ticket_faces::ZENDESK_TOKEN.into(),
            qiyu_base_url: format!("{}/qiyu", state.base_url),
            qiyu_app_key: ticket_faces::QIYU_APP_KEY.into(),
            qiyu_app_secret: ticket_faces::QIYU_APP_SECRET.into(),
            qiyu_staff_id: ticket_faces::QIYU_STAFF_ID.into(),
        },
        payments: PaymentLogins {
            alipay_gateway: format!("{}/alipay/gateway.do", state.base_url),
            alipay_app_id: payments::ALIPAY_APP_ID.into(),
            merchant_private_key: payments::DEMO_MERCHANT_PRIVATE_KEY.into(),
            alipay_public_key: payments::ALIPAY_PUBLIC_KEY.into(),
            wechat_base_url: format!("{}/wechatpay", state.base_url),
            wechat_appid: payments::WECHAT_APPID.into(),
            wechat_mchid: payments::WECHAT_MCHID.into(),
            wechat_merchant_serial: payments::WECHAT_MERCHANT_SERIAL.into(),
            wechat_public_key_id: payments::WECHAT_PUBLIC_KEY_ID.into(),
            wechat_public_key: payments::WECHATPAY_PUBLIC_KEY.into(),
            wechat_platform_certificate: payments::WECHATPAY_CERTIFICATE.into(),
        },
        forms: FormsLogin {
            base_url: format!("{}/jinshuju", state.base_url),
            api_key: forms::API_KEY.into(),
            api_secret: forms::API_SECRET.into(),
            form_token: forms::FORM_TOKEN.into(),
        },
        speech: SpeechLogin {
            recognition_url: format!("{}/nls-gateway/stream/v1/asr", state.base_url),
            token_url: format!("{}/nls-meta", state.base_url),
            appkey: asr::NLS_APPKEY.into(),
            access_key_id: asr::ACCESS_KEY_ID.into(),
            access_key_secret: asr::ACCESS_KEY_SECRET.into(),
        },
    }
}

/// One tenant's world, shared by the handlers.
pub(crate) type Tenant = Arc<Mutex<World>>;

pub(crate) struct SandboxState {
    /// The demo tenant (also `tenants[0]`): the test controls and the demo act on it.
    home: Tenant,
    tenants: RwLock<Vec<Tenant>>,
    pub base_url: String,
    /// The push channel's `host:port` (`wslinkDefault`).
    pub push_address: String,
    /// A test's own push server, given to logins instead (`/__sandbox/push-address`).
    pub push_redirect: Mutex<Option<String>>,
    pub config: SandboxConfig,
    /// `chatIndexPage` calls per union code in the last minute (its documented limit is 20).
    pub chat_index_calls: Mutex<HashMap<String, VecDeque<std::time::Instant>>>,
    /// Parcels the carriers (Kuaidi100, SF Express) know.
    pub parcels: logistics::SharedParcels,
    /// Tokens the Qiyu-protocol CRM issued.
    pub crm_tokens: Mutex<qiyu_crm::CrmTokens>,
    /// OAuth2 tokens the order system's faces issued.
    pub shop_tokens: Mutex<shop::ShopTokens>,
    /// What the model provider (`/v1/chat/completions`) received.
    pub llm_log: Mutex<llm::LlmLog>,
    /// The tickets of the four ticket systems' faces.
    pub tickets: Mutex<tickets::TicketBook>,
    /// The orders of the Alipay and WeChat Pay faces.
    pub payments: Mutex<payments::PaymentBook>,
    /// The speech service's tokens and the transcripts of the audio the sandbox made.
    pub asr: Mutex<asr::AsrBook>,
    /// The Jinshuju face's forms and their entries.
    pub forms: Mutex<forms::FormBook>,
}

/// Locks a world (or the sandbox's other shared state). A panic while holding the lock must not
/// take the whole platform down with it, so a poisoned lock is recovered.
pub(crate) fn lock<T>(shared: &Mutex<T>) -> MutexGuard<'_, T> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SandboxState {
    /// The demo tenant's world.
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.home)
    }

    pub fn tenants(&self) -> Vec<Tenant> {
        self.tenants
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn add_tenant(&self, world: World) -> Tenant {
        let tenant = Arc::new(Mutex::new(world));
        self.tenants
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(tenant.clone());
        tenant
    }

    fn find(&self, matches: impl Fn(&World) -> bool) -> Option<Tenant> {
        self.tenants().into_iter().find(|t| matches(&lock(t)))
    }

    pub fn tenant_by_appid(&self, appid: &str) -> Option<Tenant> {
        self.find(|w| w.appid == appid)
    }

    /// The tenant that issued `token`; the demo tenant when none did (it then answers 900001/900002).
    pub fn tenant_by_token(&self, token: Option<&str>) -> Tenant {
        token
            .and_then(|t| self.find(|w| w.tokens.contains_key(t)))
            .unwrap_or_else(|| self.home.clone())
    }

    /// The tenant where `temp_id` is a live agent login; the demo tenant when none.
    pub fn tenant_by_temp_id(&self, temp_id: Option<&str>) -> Tenant {
        temp_id
            .and_then(|t| self.find(|w| w.logins.contains_key(t)))
            .unwrap_or_else(|| self.home.clone())
    }
}

/// A running sandbox. Dropping it does not stop the server; call `shutdown`.
pub struct Sandbox {
    state: Arc<SandboxState>,
    info: ReadyInfo,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
}

impl Sandbox {
    /// Binds `listen` (use port 0 for any free port) and starts serving and simulating.
    pub async fn start(listen: SocketAddr, config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let address = listener.local_addr()?;
        let base_url = format!("http://{address}");
        // The push channel listens on its own port, as Sobot's does (a plain TCP `host:port`).
        let push_listener = tokio::net::TcpListener::bind(SocketAddr::new(address.ip(), 0)).await?;
        let push_address = push_listener.local_addr()?.to_string();
        let mut world = World::new(
            ChaCha8Rng::seed_from_u64(config.seed),
            config.token_lifetime,
        );
        world.add_generated_agents(config.agents.saturating_sub(seed::NAMED_AGENTS));
        let home: Tenant = Arc::new(Mutex::new(world));
        let mut tenants = vec![home.clone()];
        for (index, (profile, agents)) in seed::other_tenants().into_iter().enumerate() {
            let rng = ChaCha8Rng::seed_from_u64(config.seed.wrapping_add(1000 + index as u64));
            let mut world = World::tenant(rng, config.token_lifetime, profile, &agents);
            simulation::seed_waiting_customers(&mut world, 3);
            // One agent who has not activated their e-mail: edits of them are refused, as documented.
            if index == 0 {
                if let Some(agent) = world.agents.get_mut(1) {
                    agent.activated = false;
                }
            }
            tenants.push(Arc::new(Mutex::new(world)));
        }
        let now = world::now_ms();
        for (index, tenant) in tenants.iter().enumerate() {
            let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ (0x4157_0000 + index as u64));
            lock(tenant).seed_history(&mut rng, config.history_days, now);
        }
        let state = Arc::new(SandboxState {
            home,
            tenants: RwLock::new(tenants),
            base_url,
            push_address,
            push_redirect: Mutex::new(None),
            config,
            chat_index_calls: Mutex::new(HashMap::new()),
            parcels: Arc::new(Mutex::new(logistics::Parcels::seeded(world::now_ms()))),
            crm_tokens: Mutex::new(qiyu_crm::CrmTokens::default()),
            shop_tokens: Mutex::new(shop::ShopTokens::default()),
            tickets: Mutex::new(tickets::TicketBook::default()),
            payments: Mutex::new(payments::PaymentBook::default()),
            asr: Mutex::new(asr::AsrBook::default()),
            forms: Mutex::new(forms::FormBook::default()),
            llm_log: Mutex::new(llm::LlmLog::default()),
        });
        let info = ready_info(&state);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let app = router::router(state.clone());
        let mut server_shutdown = shutdown_rx.clone();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = server_shutdown.changed().await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "sandbox server stopped");
            }
        });
        tokio::spawn(push_tcp::serve(
            push_listener,
            state.clone(),
            shutdown_rx.clone(),
        ));
        tokio::spawn(simulation::run(state.clone(), shutdown_rx));
        Ok(Sandbox {
            state,
            info,
            shutdown,
            server,
        })
    }

    pub fn info(&self) -> &ReadyInfo {
        &self.info
    }

    pub fn base_url(&self) -> &str {
        &self.info.base_url
    }

    /// Sets faults directly (the in-process equivalent of `POST /__sandbox/faults`).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        let mut world = self.state.world();
        if faults.expire_tokens {
            world.expire_all_credentials();
        }
        if let Some(secs) = faults.token_lifetime_secs {
            world.token_lifetime = Duration::from_secs(secs);
        }
        world.faults = Faults {
            expire_tokens: false,
            ..faults
        };
        Ok(())
    }

    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for tenant in self.state.tenants() {
            let mut world = lock(&tenant);
            for (_, (_, link)) in world.push_links.drain() {
                let _ = link.send(world::PushOut::Close);
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server).await;
    }
}
