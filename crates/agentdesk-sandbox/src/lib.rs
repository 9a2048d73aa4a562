//! The embedded sandbox platform: an axum server on loopback that speaks Sobot's protocols (token,
//! visitor-side 在线客服 API 5.0, the agent component SDK's operations and push channel, knowledge
//! base), with seeded deterministic data, simulated visitors, test controls under `/__sandbox/` and
//! fault injection. It is both AgentDesk's demo platform and the server every test talks to.
//! Where the real protocol is undocumented, the choice made is listed in `docs/PROTOCOL.md`.

mod agent_api;
mod control;
pub mod faults;
mod http;
mod load;
mod open_api;
mod push_ws;
pub mod seed;
mod simulation;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use tokio::sync::watch;

pub use faults::Faults;
use world::World;

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: u64,
    /// Simulated visitors arriving per minute while an agent is online (0 = none).
    pub visitors_per_minute: f64,
    pub token_lifetime: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 1,
            visitors_per_minute: 0.0,
            token_lifetime: Duration::from_secs(86_400),
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
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AgentLogin {
    pub email: String,
    pub password: String,
}

pub(crate) fn ready_info(state: &SandboxState) -> ReadyInfo {
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
    }
}

pub(crate) struct SandboxState {
    world: Mutex<World>,
    pub base_url: String,
    pub config: SandboxConfig,
}

impl SandboxState {
    /// Locks the world. A panic while holding the lock must not take the whole platform down
    /// with it, so a poisoned lock is recovered.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        let world = World::new(
            ChaCha8Rng::seed_from_u64(config.seed),
            config.token_lifetime,
        );
        let state = Arc::new(SandboxState {
            world: Mutex::new(world),
            base_url,
            config,
        });
        let info = ready_info(&state);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let app = http::router(state.clone());
        let mut server_shutdown = shutdown_rx.clone();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = server_shutdown.changed().await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "sandbox server stopped");
            }
        });
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
        {
            let mut world = self.state.world();
            for (_, (_, link)) in world.push_links.drain() {
                let _ = link.send(world::PushOut::Close);
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server).await;
    }
}
