//! One tenant's workspace as its services see it: the platform client signed in to the tenant, the
//! session engine on the tenant's database, a pool of read connections, the workbench's clock, and a
//! publisher bound to the workspace's generation. It opens whole and closes whole: the host makes one
//! per tenant on screen, builds the services on it, and on a switch closes it with them.
//!
//! Its one task forwards the engine's events to the bus with the notices they imply (a new session, a
//! customer's message). When it falls behind the engine, the window is told to resync rather than
//! left with holes. Judging moods is not its job (the mood judge follows the engine on its own).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use agentdesk_domain::{mask_pii, ConnectionState, Direction, DomainEvent, Session, SharedClock};
use agentdesk_engine::{EngineConfig, EngineHandle, SessionEngine};
use agentdesk_http::CallLedger;
use agentdesk_sobot::{AgentClient, AgentCredentials};
use agentdesk_store::{Applied, Database, DatabaseKey, ReadPool, Store, StoreError, Write};
use serde::Serialize;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::answers::AnswerCache;
use crate::bus::Publisher;
use crate::events::{DeskEvent, Notice};
use crate::{ApiError, ErrorCode, ErrorReason};

/// How much of a customer's message a notification previews.
const PREVIEW_CHARS: usize = 60;

/// How the workbench is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceMode {
    /// No account configured: the embedded (or an external) sandbox.
    Demo,
    /// A real platform account.
    Account,
}

/// Told of each change of the push connection (API health's uptime).
pub type ConnectionObserver = Arc<dyn Fn(&ConnectionState) + Send + Sync>;

pub struct WorkspaceOptions {
    pub data_dir: PathBuf,
    /// With `database_id`, names the database file:
    /// `{data_dir}/accounts/{account}/{database_id}.sqlite3`.
    pub account: String,
    pub database_id: String,
    /// The platform's company id of the tenant (the appid until the platform says it, for an
    /// account's own merchant first met offline), and its name.
    pub tenant_id: String,
    pub tenant_name: String,
    pub credentials: AgentCredentials,
    /// Shown on the agent's replies until the platform confirms them.
    pub agent_name: String,
    pub mode: WorkspaceMode,
    /// Encrypts the database at rest (from the OS keychain); none: plain SQLite (tests, tools).
    pub database_key: Option<DatabaseKey>,
    /// The workbench's one clock (`agentdesk_domain::system_clock()` outside tests).
    pub clock: SharedClock,
    /// The workbench's ledger of outside calls: the workspace's client records in a branch of it.
    pub ledger: CallLedger,
    pub publisher: Publisher,
    pub on_connection: Option<ConnectionObserver>,
}

/// Which tenant a workspace is, as the platform names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tenant {
    id: String,
    name: String,
}

pub struct Workspace {
    database_id: String,
    tenant: std::sync::RwLock<Tenant>,
    mode: WorkspaceMode,
    engine: EngineHandle,
    client: Arc<AgentClient>,
    database: Database,
    clock: SharedClock,
    publisher: Publisher,
    answers: AnswerCache,
    /// Cancelled when the workspace closes: everything of it stops.
    closed: CancellationToken,
    forwarder: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Workspace {
    /// Opens the workspace: works offline from the local database while the engine connects.
    pub async fn open(options: WorkspaceOptions) -> Result<Arc<Workspace>, ApiError> {
        let path = Store::database_path(&options.data_dir, &options.account, &options.database_id);
        let database = match options.database_key {
            Some(key) => Database::encrypted(path, key),
            None => Database::plain(path),
        };
        let client = Arc::new(AgentClient::new(
            options.credentials,
            options.clock.clone(),
            options.ledger.branch(),
        )?);
        let engine = SessionEngine::start(EngineConfig {
            database: database.clone(),
            client: client.clone(),
            agent_name: options.agent_name,
            clock: options.clock.clone(),
        })
        .await?;
        if let Some(observer) = &options.on_connection {
            observer(&engine.connection_state());
        }
        let forwarder = tokio::spawn(forward(
            engine.subscribe(),
            options.publisher.clone(),
            options.on_connection,
        ));
        Ok(Arc::new(Workspace {
            answers: AnswerCache::new(engine.clone(), options.clock.clone()),
            database_id: options.database_id,
            tenant: std::sync::RwLock::new(Tenant {
                id: options.tenant_id,
                name: options.tenant_name,
            }),
            mode: options.mode,
            engine,
            client,
            database,
            clock: options.clock,
            publisher: options.publisher,
            closed: CancellationToken::new(),
            forwarder: Mutex::new(Some(forwarder)),
        }))
    }

    /// Stops the forwarding and the engine (pending replies stay in the outbox). The services built
    /// on the workspace are closed by the host first.
    pub async fn close(&self) {
        self.closed.cancel();
        let forwarder = self
            .forwarder
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(forwarder) = forwarder {
            forwarder.abort();
        }
        self.engine.shutdown().await;
    }

    /// Cancelled when the workspace closes (a service's background work selects on it).
    pub fn closed(&self) -> &CancellationToken {
        &self.closed
    }

    pub fn is_closed(&self) -> bool {
        self.closed.is_cancelled()
    }

    /// `Err` once the workspace is closed: a call that arrives late (a command sent just before a
    /// tenant switch) says so instead of acting on a closed tenant.
    pub fn ensure_open(&self) -> Result<(), ApiError> {
        if self.is_closed() {
            Err(ApiError::workspace_closed())
        } else {
            Ok(())
        }
    }

    pub fn generation(&self) -> u64 {
        self.publisher.generation()
    }

    /// What names the workspace's database file (see `WorkspaceOptions::database_id`).
    pub fn database_id(&self) -> &str {
        &self.database_id
    }

    /// The platform's company id of the tenant.
    pub fn tenant_id(&self) -> String {
        self.tenant
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .id
            .clone()
    }

    pub fn tenant_name(&self) -> String {
        self.tenant
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .name
            .clone()
    }

    /// The platform has said who this tenant is (an account's own merchant first met offline).
    pub fn learn_tenant(&self, company_id: &str, name: &str) {
        *self.tenant.write().unwrap_or_else(|p| p.into_inner()) = Tenant {
            id: company_id.to_string(),
            name: name.to_string(),
        };
    }

    pub fn mode(&self) -> WorkspaceMode {
        self.mode
    }

    pub fn engine(&self) -> &EngineHandle {
        &self.engine
    }

    pub fn client(&self) -> &Arc<AgentClient> {
        &self.client
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    pub fn database_path(&self) -> &Path {
        self.database.path()
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_i64()
    }

    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }

    /// Answers of outside systems kept in the tenant's database.
    pub fn answers(&self) -> &AnswerCache {
        &self.answers
    }

    pub fn reads(&self) -> &ReadPool {
        self.engine.reads()
    }

    /// The agent's sign-in (an e-mail: personal data, mask it before showing or logging it).
    pub fn agent_login(&self) -> &str {
        &self.client.credentials().email
    }

    /// Who the audit log names for what this desk does (the sign-in, masked).
    pub fn actor(&self) -> String {
        mask_pii(self.agent_login()).into_owned()
    }

    /// Reads the tenant's database on a blocking thread.
    pub async fn read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        Ok(self.reads().read(read).await?)
    }

    /// The session `session_id` of this workspace.
    pub async fn session(&self, session_id: &str) -> Result<Session, ApiError> {
        let id = session_id.to_string();
        self.read(move |store| store.session(&id))
            .await?
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::NotFound,
                    ErrorReason::NoSession {
                        session: session_id.to_string(),
                    },
                    format!("no session {session_id} in this workspace"),
                )
            })
    }

    /// Writes through the database's single writer; answers what each write changed.
    pub async fn write(&self, writes: Vec<Write>) -> Result<Applied, ApiError> {
        self.ensure_open()?;
        Ok(self.engine.write(writes).await?)
    }

    /// Hands writes to the single writer without waiting (best-effort data: a cache, an audit line).
    pub fn write_soon(&self, writes: Vec<Write>) {
        self.engine.write_soon(writes);
    }
}

/// Forwards the engine's events to the bus with the notices they imply, until the engine stops.
/// Falling behind the engine's stream (a catch-up burst) ends in a `Resync`: the window reads again
/// what it shows instead of keeping holes.
pub async fn forward(
    mut source: broadcast::Receiver<DomainEvent>,
    publisher: Publisher,
    on_connection: Option<ConnectionObserver>,
) {
    // Customers' names by session, for notices (a session opened before this forwarder started
    // is named by its messages' sender).
    let mut customers: HashMap<String, String> = HashMap::new();
    loop {
        let event = match source.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(skipped)) => {
                tracing::warn!(
                    skipped,
                    "the workspace's event forwarder fell behind: resync"
                );
                publisher.publish(|workspace| DeskEvent::Resync { workspace, skipped });
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if let (DomainEvent::ConnectionChanged { state }, Some(observer)) = (&event, &on_connection)
        {
            observer(state);
        }
        let notice = notice_of(&event, &mut customers, &publisher.policy());
        publisher.publish(|workspace| DeskEvent::Domain { workspace, event });
        if let Some(notice) = notice {
            publisher.publish(|workspace| DeskEvent::Notice { workspace, notice });
        }
    }
}

/// The notice an event is worth under `policy`, if any.
fn notice_of(
    event: &DomainEvent,
    customers: &mut HashMap<String, String>,
    policy: &crate::NoticePolicy,
) -> Option<Notice> {
    match event {
        DomainEvent::SessionOpened { session } => {
            customers.insert(session.id.clone(), session.visitor_name.clone());
            policy.new_session.then(|| Notice::NewSession {
                session_id: session.id.clone(),
                customer: session.visitor_name.clone(),
            })
        }
        DomainEvent::SessionEnded { session_id } => {
            customers.remove(session_id);
            None
        }
        DomainEvent::MessageStored { message }
            if message.direction == Direction::In && policy.new_message =>
        {
            Some(Notice::NewMessage {
                session_id: message.session_id.clone(),
                customer: customers
                    .get(&message.session_id)
                    .cloned()
                    .unwrap_or_else(|| message.sender_name.clone()),
                preview: mask_pii(&message.content)
                    .chars()
                    .take(PREVIEW_CHARS)
                    .collect(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bus;

    /// A forwarder that falls behind its engine tells the window to resync (it used to log the
    /// loss and carry on, leaving the window with holes).
    #[tokio::test]
    async fn falling_behind_the_engine_ends_in_a_resync() {
        let bus = Bus::new();
        bus.show(1);
        let mut window = bus.subscribe();
        let (engine, source) = broadcast::channel(4);
        for _ in 0..10 {
            engine
                .send(DomainEvent::QueueChanged { waiting: 1 })
                .unwrap();
        }
        drop(engine);
        forward(source, bus.publisher(1), None).await;
        let mut resyncs = Vec::new();
        let mut heard = 0;
        while let Some(event) = window.try_recv() {
            match event {
                DeskEvent::Resync { workspace, skipped } => resyncs.push((workspace, skipped)),
                DeskEvent::Domain { .. } => heard += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(resyncs, vec![(1, 6)]);
        assert_eq!(heard, 4);
    }

    #[test]
    fn a_customer_message_is_noticed_with_its_customer_and_a_masked_preview() {
        let mut customers = HashMap::new();
        let policy = crate::NoticePolicy::default();
        let session = Session {
            id: "c1".into(),
            visitor_id: "u1".into(),
            visitor_name: "王芳".into(),
            channel: agentdesk_domain::Channel::Web,
            state: agentdesk_domain::SessionState::Active,
            started_at_ms: 0,
            rating: None,
        };
        let opened = notice_of(
            &DomainEvent::SessionOpened { session },
            &mut customers,
            &policy,
        );
        assert!(matches!(opened, Some(Notice::NewSession { .. })));
        let message = agentdesk_domain::Message {
            session_id: "c1".into(),
            msg_id: Some("m1".into()),
            client_msg_id: None,
            direction: Direction::In,
            kind: agentdesk_domain::MessageKind::Text,
            content: "我的电话13812345678".into(),
            sender_name: "visitor".into(),
            sent_at_ms: 0,
            status: agentdesk_domain::DeliveryStatus::Sent,
            transcript: None,
        };
        match notice_of(
            &DomainEvent::MessageStored { message },
            &mut customers,
            &policy,
        ) {
            Some(Notice::NewMessage {
                customer, preview, ..
            }) => {
                assert_eq!(customer, "王芳");
                assert!(!preview.contains("13812345678"), "{preview}");
            }
            other => panic!("{other:?}"),
        }
    }
}
