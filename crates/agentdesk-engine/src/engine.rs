//! The engine actor and its handle. See the crate docs for the shape; this module holds the rules:
//! what each push code does, when to catch up from the platform's history, how a send's outcome is
//! settled, and what is written and emitted for each input.
//!
//! Only what Sobot really offers is relied on (docs/PROTOCOL.md): messages are de-duplicated by the
//! platform's `msgId`, ordered by the platform's own times (a push carries whole seconds, a session's
//! records milliseconds), and every gap (a reconnect, a restart, a failed commit, a push that cannot
//! be placed by its time) is closed by reading the session's records (`queryHistoryRecords`). Sobot
//! honours no client message id, so a send whose outcome is unknown is looked for in those records
//! before it is ever sent again.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentdesk_domain::{
    Channel, ConnectionState, DeliveryFailure, DeliveryStatus, Direction, DomainEvent, Message,
    MessageKind, Session, SessionState, SharedClock,
};
use agentdesk_sobot::client::backoff_with_jitter;
use agentdesk_sobot::client::{CallObserver, CallRecord};
use agentdesk_sobot::protocol::{
    message_body, parse_platform_time, push_type, sender_type, ChatMessageModel, OnlineMsgModel,
    PushMessageModel, RetCode, SynChronousModel, ACTION_CHAT,
};
use agentdesk_sobot::{AgentClient, ClientError, PushConnection, PushInput, SendFailure};
use agentdesk_store::{
    Applied, AuditEntry, Database, OutboxAttachment, OutboxItem, OutboxState, Store, StoreError,
    Visitor, Write,
};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;

use crate::latency::LatencyHistogram;
use crate::outbox::{self, OutcomeReport, SendOutcome};
use crate::writer::StoreWriter;

/// Events kept for slow subscribers. A subscriber that falls further behind is told it lagged and
/// re-reads the store; a bigger buffer would only hold megabytes of old messages in memory.
const EVENT_BUFFER: usize = 4096;
/// Inputs handled per commit at most; more wait for the next batch.
const MAX_BATCH: usize = 4096;
/// A push that its time cannot place after what the session holds (same second, or older) has the
/// session caught up once it has been quiet this long...
const CATCH_UP_QUIET: Duration = Duration::from_millis(500);
/// ...or at the latest this long after the first such push.
const CATCH_UP_MAX_WAIT: Duration = Duration::from_secs(3);
/// Catch-ups in flight at once.
const CATCH_UP_CONCURRENCY: usize = 4;
/// Every so often the reception list is compared with what is stored, for pushes lost without the
/// connection noticing.
const RECONCILE_EVERY: Duration = Duration::from_secs(60);
/// How long after an unanswered send its session's records are read to look for it.
const UNKNOWN_CHECK_AFTER: Duration = Duration::from_secs(2);
/// Clock difference tolerated between this PC (when a send started) and the platform (a record's
/// `t`) when looking for a send in the records.
const MATCH_SKEW_MS: i64 = 60_000;
/// Longest message text accepted from the agent.
const MAX_TEXT_CHARS: usize = 20_000;
/// Largest image accepted from the agent.
const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

pub struct EngineConfig {
    /// The workspace's database (its file and key).
    pub database: Database,
    pub client: Arc<AgentClient>,
    /// Shown on the agent's outbound messages until the platform confirms them.
    pub agent_name: String,
    /// Also told of every platform call (the API health figures), besides the audit log.
    pub call_tap: Option<CallObserver>,
    /// What "now" is for queue times, retry schedules and catch-up waits.
    pub clock: SharedClock,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the session engine has stopped; restart AgentDesk")]
    Stopped,
    #[error("no session {0} in this workspace")]
    UnknownSession(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    Platform(#[from] ClientError),
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineStats {
    pub pushes_received: u64,
    pub messages_stored: u64,
    pub duplicates_dropped: u64,
    /// Sessions read from the platform's records (`queryHistoryRecords`).
    pub catch_ups: u64,
    pub connects: u64,
    pub disconnects: u64,
    pub malformed_frames: u64,
    pub sends_accepted: u64,
    pub sends_postponed: u64,
    pub sends_failed: u64,
    /// Sends that got no answer...
    pub sends_unknown: u64,
    /// ...then found in the session's records (stored after all)...
    pub sends_found_in_history: u64,
    /// ...or not found there, and so sent again.
    pub sends_resent_after_check: u64,
    pub commit_failures: u64,
    /// From push frame read to event emitted, for new messages.
    pub push_to_event: LatencyHistogram,
}

enum Command {
    Send {
        session_id: String,
        text: String,
        client_msg_id: String,
        attachment: Option<OutboxAttachment>,
        reply: oneshot::Sender<Result<String, EngineError>>,
    },
    Retry {
        client_msg_id: String,
        reply: oneshot::Sender<Result<(), EngineError>>,
    },
    End {
        session_id: String,
        reply: oneshot::Sender<Result<(), EngineError>>,
    },
}

enum Internal {
    CaughtUp {
        session_id: String,
        /// Records and this agent's id (`aid`), which marks its own messages in them.
        result: Result<(Vec<ChatMessageModel>, String), ClientError>,
    },
    Reception {
        requested_at: Instant,
        /// After a (re)connect every live session is caught up; otherwise only those whose last
        /// message is newer than what is stored.
        full: bool,
        result: Result<SynChronousModel, ClientError>,
    },
    Left {
        session_id: String,
        result: Result<(), ClientError>,
        reply: oneshot::Sender<Result<(), EngineError>>,
    },
}

/// A cheap, cloneable handle to a running engine.
#[derive(Clone)]
pub struct EngineHandle {
    /// Calls made outside this engine's client (the tenant API) for its audit log.
    audit_calls: mpsc::UnboundedSender<CallRecord>,
    commands: mpsc::Sender<Command>,
    connection: Arc<Mutex<ConnectionState>>,
    events: broadcast::Sender<DomainEvent>,
    reader: Arc<Mutex<Store>>,
    /// The database's single writer (shared with the actor).
    writer: StoreWriter,
    stats: Arc<Mutex<EngineStats>>,
    /// Why the last commit failed, while commits fail (a full disk, a read-only data directory).
    storage_problem: Arc<Mutex<Option<String>>>,
    shutdown: Arc<watch::Sender<bool>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

pub struct SessionEngine;

impl SessionEngine {
    /// Opens the database, resumes from what it holds (pending sends included) and connects.
    /// Works offline: with no network the engine serves what is stored and keeps reconnecting.
    pub async fn start(config: EngineConfig) -> Result<EngineHandle, EngineError> {
        let writer = StoreWriter::start(&config.database)?;
        let reader = Arc::new(Mutex::new(config.database.open_read_only()?));
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (commands_tx, commands) = mpsc::channel(1024);
        let (push_tx, push_rx) = mpsc::channel(8192);
        let (internal_tx, internal) = mpsc::channel(1024);
        let (outcomes_tx, outcomes) = mpsc::channel(1024);
        let (shutdown_tx, shutdown) = watch::channel(false);
        let stats = Arc::new(Mutex::new(EngineStats::default()));
        let storage_problem = Arc::new(Mutex::new(None));
        let connection = Arc::new(Mutex::new(ConnectionState::Connecting));
        let wake_outbox = Arc::new(Notify::new());
        // Every platform call goes to the audit log, batched with the engine's other writes.
        let (calls_tx, calls) = mpsc::unbounded_channel::<CallRecord>();
        let call_tap = config.call_tap.clone();
        let audit_calls = calls_tx.clone();
        config.client.set_observer(Arc::new(move |record| {
            if let Some(tap) = &call_tap {
                tap(record.clone());
            }
            let _ = calls_tx.send(record);
        }));
        let actor_name = config.client.credentials().email.clone();

        let mut actor = Actor {
            client: config.client.clone(),
            clock: config.clock.clone(),
            reader: reader.clone(),
            writer: writer.clone(),
            events: events.clone(),
            stats: stats.clone(),
            storage_problem: storage_problem.clone(),
            connection: connection.clone(),
            wake_outbox: wake_outbox.clone(),
            internal_tx,
            sessions: HashMap::new(),
            pending_clients: HashSet::new(),
            in_flight: HashMap::new(),
            catching_up: HashSet::new(),
            catch_up_due: HashMap::new(),
            agent_name: config.agent_name,
            actor_name,
        };
        actor.resume()?;

        let push = PushConnection::spawn(config.client.clone(), push_tx);
        let outbox_task = tokio::spawn(outbox::run(
            config.client.clone(),
            config.clock.clone(),
            reader.clone(),
            wake_outbox,
            outcomes_tx,
            shutdown.clone(),
        ));
        let mut actor_shutdown = shutdown.clone();
        let actor_task = tokio::spawn(async move {
            actor
                .run(
                    commands,
                    push_rx,
                    internal,
                    outcomes,
                    calls,
                    &mut actor_shutdown,
                )
                .await;
            push.shutdown().await;
        });
        Ok(EngineHandle {
            audit_calls,
            commands: commands_tx,
            connection,
            events,
            reader,
            writer,
            stats,
            storage_problem,
            shutdown: Arc::new(shutdown_tx),
            tasks: Arc::new(Mutex::new(vec![actor_task, outbox_task])),
        })
    }
}

impl EngineHandle {
    /// Writes `writes` in one transaction through the database's single writer; answers what each
    /// changed. For the use cases' own data (notes, knowledge articles, the audit log's retention).
    pub async fn write(&self, writes: Vec<Write>) -> Result<Applied, EngineError> {
        Ok(self.writer.apply(writes).await?)
    }

    /// Hands `writes` to the single writer without waiting (best-effort data: the 360° view's cache,
    /// an audit line); a failure is logged.
    pub fn write_soon(&self, writes: Vec<Write>) {
        self.writer.submit(writes);
    }

    /// Writes a call another client made (the union platform's tenant API) to this workspace's
    /// audit log, batched with the engine's own writes.
    pub fn audit_call(&self, record: CallRecord) {
        let _ = self.audit_calls.send(record);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.events.subscribe()
    }

    /// Queues a text reply; returns its (local) client message id once it is durably in the outbox.
    pub async fn send_text(&self, session_id: &str, text: &str) -> Result<String, EngineError> {
        self.send_text_with_id(session_id, text, &uuid::Uuid::new_v4().to_string())
            .await
    }

    /// As `send_text` with a caller-chosen client message id: queueing the same id twice queues once
    /// (the id stays on this machine; it is what makes an agent's double click one send).
    pub async fn send_text_with_id(
        &self,
        session_id: &str,
        text: &str,
        client_msg_id: &str,
    ) -> Result<String, EngineError> {
        if text.trim().is_empty() {
            return Err(EngineError::InvalidInput("the message is empty".into()));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(EngineError::InvalidInput(format!(
                "the message is longer than {MAX_TEXT_CHARS} characters; split it"
            )));
        }
        self.ask(|reply| Command::Send {
            session_id: session_id.into(),
            text: text.into(),
            client_msg_id: client_msg_id.into(),
            attachment: None,
            reply,
        })
        .await
    }

    /// Queues an image (PNG, JPEG, GIF or WebP, at most 5 MB) the same way as a text: durably first,
    /// then sent once.
    pub async fn send_image(
        &self,
        session_id: &str,
        file_name: &str,
        mime: &str,
        bytes: Vec<u8>,
        client_msg_id: &str,
    ) -> Result<String, EngineError> {
        if !IMAGE_TYPES.contains(&mime) {
            return Err(EngineError::InvalidInput(format!(
                "{mime} images cannot be sent; use PNG, JPEG, GIF or WebP"
            )));
        }
        if bytes.is_empty() || bytes.len() > MAX_IMAGE_BYTES {
            return Err(EngineError::InvalidInput(format!(
                "the image is {} KB; images up to {} MB can be sent",
                bytes.len() / 1024,
                MAX_IMAGE_BYTES / (1024 * 1024)
            )));
        }
        let file_name: String = file_name
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(120)
            .collect();
        let file_name = if file_name.is_empty() {
            "image".to_string()
        } else {
            file_name
        };
        self.ask(|reply| Command::Send {
            session_id: session_id.into(),
            text: file_name.clone(),
            client_msg_id: client_msg_id.into(),
            attachment: Some(OutboxAttachment {
                file_name,
                mime: mime.into(),
                bytes,
            }),
            reply,
        })
        .await
    }

    /// Sends a command to the actor and waits for its answer (given after the commit).
    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T, EngineError>>) -> Command,
    ) -> Result<T, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| EngineError::Stopped)?;
        answer.await.map_err(|_| EngineError::Stopped)?
    }

    /// Puts a failed send back in the outbox (the agent's own decision to send it again).
    pub async fn retry(&self, client_msg_id: &str) -> Result<(), EngineError> {
        self.ask(|reply| Command::Retry {
            client_msg_id: client_msg_id.into(),
            reply,
        })
        .await
    }

    /// Ends a session on the platform, then locally.
    pub async fn end_session(&self, session_id: &str) -> Result<(), EngineError> {
        self.ask(|reply| Command::End {
            session_id: session_id.into(),
            reply,
        })
        .await
    }

    pub fn sessions(&self) -> Result<Vec<Session>, EngineError> {
        Ok(self
            .reader
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .sessions()?)
    }

    pub fn messages(&self, session_id: &str, limit: usize) -> Result<Vec<Message>, EngineError> {
        Ok(self
            .reader
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .messages(session_id, limit)?)
    }

    pub fn outbox_depth(&self) -> Result<u64, EngineError> {
        Ok(self
            .reader
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .outbox_depth()?)
    }

    /// The push connection's state now (events report each change).
    pub fn connection_state(&self) -> ConnectionState {
        self.connection
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn stats(&self) -> EngineStats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Why nothing new can be saved right now, if that is so (see `DomainEvent::StorageChanged`).
    pub fn storage_problem(&self) -> Option<String> {
        self.storage_problem
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops the tasks and closes the push connection. Pending sends stay in the outbox.
    pub async fn shutdown(&self) {
        let _ = self.shutdown.send(true);
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        // The database closes with the engine, not whenever the last handle is dropped.
        let _ = tokio::time::timeout(Duration::from_secs(5), self.writer.close()).await;
    }
}

struct SessionMeta {
    session: Session,
    opened_at: Instant,
    /// The platform time of the newest message known in this session (ms; 0 for none yet).
    latest_ms: i64,
}

/// When a session's catch-up is due: `at`, which quiet time pushes back, never past `deadline`.
struct CatchUpDue {
    at: Instant,
    deadline: Instant,
}

/// What to do once a batch has committed, in input order.
enum Effect {
    /// Emit `event` if write `index` changed something; time it from `received_at`.
    AfterWrite {
        index: usize,
        event: Option<DomainEvent>,
        received_at: Option<Instant>,
        stored_message: bool,
    },
    /// Emit `event` once if any of these writes changed something.
    AfterAnyWrite {
        indices: Vec<usize>,
        event: DomainEvent,
    },
    Emit(DomainEvent),
    ReplySend {
        reply: oneshot::Sender<Result<String, EngineError>>,
        client_msg_id: String,
    },
    ReplyUnit(oneshot::Sender<Result<(), EngineError>>),
    Committed(oneshot::Sender<()>),
    /// The send may go ahead: its attempt (write `index`) is on disk. Dropped otherwise.
    AttemptRecorded {
        index: usize,
        go: oneshot::Sender<()>,
    },
}

#[derive(Default)]
struct Batch {
    writes: Vec<Write>,
    effects: Vec<Effect>,
    /// Attempts recorded in this batch (forgotten again if it fails to commit).
    attempts: Vec<String>,
}

impl Batch {
    fn write(&mut self, write: Write, event: Option<DomainEvent>) -> usize {
        self.writes.push(write);
        let index = self.writes.len() - 1;
        self.effects.push(Effect::AfterWrite {
            index,
            event,
            received_at: None,
            stored_message: false,
        });
        index
    }

    fn emit(&mut self, event: DomainEvent) {
        self.effects.push(Effect::Emit(event));
    }
}

struct Actor {
    client: Arc<AgentClient>,
    clock: SharedClock,
    reader: Arc<Mutex<Store>>,
    writer: StoreWriter,
    events: broadcast::Sender<DomainEvent>,
    stats: Arc<Mutex<EngineStats>>,
    storage_problem: Arc<Mutex<Option<String>>>,
    connection: Arc<Mutex<ConnectionState>>,
    wake_outbox: Arc<Notify>,
    internal_tx: mpsc::Sender<Internal>,
    sessions: HashMap<String, SessionMeta>,
    /// Client ids of our own sends not confirmed yet.
    pending_clients: HashSet<String>,
    /// Sends whose request is out now: client id → (session, its text).
    in_flight: HashMap<String, (String, String)>,
    catching_up: HashSet<String>,
    catch_up_due: HashMap<String, CatchUpDue>,
    agent_name: String,
    /// Who the audit log says made the calls (masked on insert).
    actor_name: String,
}

enum Input {
    Command(Command),
    Push(PushInput),
    Internal(Internal),
    Outcome(Box<OutcomeReport>),
    Call(CallRecord),
}

impl Actor {
    fn now_ms(&self) -> i64 {
        self.clock.now().as_i64()
    }

    fn resume(&mut self) -> Result<(), EngineError> {
        let reader = self.reader.clone();
        let store = reader.lock().unwrap_or_else(|p| p.into_inner());
        for session in store.sessions()? {
            self.sessions.insert(
                session.id.clone(),
                SessionMeta {
                    session,
                    opened_at: Instant::now(),
                    latest_ms: 0,
                },
            );
        }
        for item in store.pending_outbox()? {
            self.pending_clients.insert(item.client_msg_id);
        }
        Ok(())
    }

    async fn run(
        &mut self,
        mut commands: mpsc::Receiver<Command>,
        mut push: mpsc::Receiver<PushInput>,
        mut internal: mpsc::Receiver<Internal>,
        mut outcomes: mpsc::Receiver<OutcomeReport>,
        mut calls: mpsc::UnboundedReceiver<CallRecord>,
        shutdown: &mut watch::Receiver<bool>,
    ) {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut reconcile = tokio::time::interval_at(
            tokio::time::Instant::now() + RECONCILE_EVERY,
            RECONCILE_EVERY,
        );
        reconcile.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.emit(DomainEvent::ConnectionChanged {
            state: ConnectionState::Connecting,
        });
        loop {
            let first = tokio::select! {
                biased;
                _ = shutdown.changed() => return,
                Some(input) = push.recv() => Input::Push(input),
                Some(report) = outcomes.recv() => Input::Outcome(Box::new(report)),
                Some(input) = internal.recv() => Input::Internal(input),
                Some(command) = commands.recv() => Input::Command(command),
                Some(call) = calls.recv() => Input::Call(call),
                _ = tick.tick() => {
                    self.start_due_catch_ups();
                    continue;
                }
                _ = reconcile.tick() => {
                    if matches!(*self.connection.lock().unwrap_or_else(|p| p.into_inner()), ConnectionState::Connected) {
                        self.request_reception(false, Duration::ZERO);
                    }
                    continue;
                }
            };
            let mut batch = Batch::default();
            self.handle(first, &mut batch);
            // Take whatever else is already waiting, for one commit.
            while batch.writes.len() < MAX_BATCH {
                let next = if let Ok(input) = push.try_recv() {
                    Input::Push(input)
                } else if let Ok(report) = outcomes.try_recv() {
                    Input::Outcome(Box::new(report))
                } else if let Ok(input) = internal.try_recv() {
                    Input::Internal(input)
                } else if let Ok(command) = commands.try_recv() {
                    Input::Command(command)
                } else if let Ok(call) = calls.try_recv() {
                    Input::Call(call)
                } else {
                    break;
                };
                self.handle(next, &mut batch);
            }
            self.commit(batch).await;
            self.start_due_catch_ups();
        }
    }

    fn emit(&self, event: DomainEvent) {
        if let DomainEvent::ConnectionChanged { state } = &event {
            *self.connection.lock().unwrap_or_else(|p| p.into_inner()) = state.clone();
        }
        let _ = self.events.send(event);
    }

    /// Records whether commits fail, and tells the window when that changes (not on every failed
    /// batch: a full disk fails them all).
    fn set_storage_problem(&self, problem: Option<String>) {
        let mut current = self
            .storage_problem
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if *current != problem {
            current.clone_from(&problem);
            drop(current);
            self.emit(DomainEvent::StorageChanged { problem });
        }
    }

    fn stat(&self, update: impl FnOnce(&mut EngineStats)) {
        update(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    async fn commit(&mut self, batch: Batch) {
        let Batch {
            writes,
            effects,
            attempts,
        } = batch;
        let applied = if writes.is_empty() {
            Ok(Vec::new())
        } else {
            self.writer.apply(writes).await
        };
        let applied = match applied {
            Ok(applied) => applied,
            Err(error) => {
                // Nothing of this batch is stored. What it held comes back from the platform: every
                // session is caught up again, and sends whose attempt was not recorded stay unsent.
                tracing::error!(%error, "commit failed; catching up from the platform");
                self.stat(|s| s.commit_failures += 1);
                self.set_storage_problem(Some(error.to_string()));
                for client_msg_id in attempts {
                    self.in_flight.remove(&client_msg_id);
                }
                let sessions: Vec<String> = self.sessions.keys().cloned().collect();
                for session_id in sessions {
                    self.schedule_catch_up(session_id, Duration::from_secs(1));
                }
                for effect in effects {
                    match effect {
                        Effect::ReplySend { reply, .. } => {
                            let _ = reply.send(Err(EngineError::Store(StoreError::Sqlite(
                                error.to_string(),
                            ))));
                        }
                        Effect::ReplyUnit(reply) => {
                            let _ = reply.send(Err(EngineError::Store(StoreError::Sqlite(
                                error.to_string(),
                            ))));
                        }
                        _ => {}
                    }
                }
                return;
            }
        };
        if !applied.is_empty() {
            self.set_storage_problem(None);
        }
        let changed = |index: usize| applied.get(index).copied().unwrap_or(false);
        let mut latencies = Vec::new();
        let mut stored = 0;
        for effect in effects {
            match effect {
                Effect::AfterWrite {
                    index,
                    event,
                    received_at,
                    stored_message,
                } => {
                    if changed(index) {
                        if let Some(event) = event {
                            self.emit(event);
                        }
                        if stored_message {
                            stored += 1;
                        }
                        if let Some(at) = received_at {
                            latencies.push(at.elapsed());
                        }
                    } else if stored_message {
                        self.stat(|s| s.duplicates_dropped += 1);
                    }
                }
                Effect::AfterAnyWrite { indices, event } => {
                    if indices.iter().any(|i| changed(*i)) {
                        self.emit(event);
                    }
                }
                Effect::Emit(event) => self.emit(event),
                Effect::ReplySend {
                    reply,
                    client_msg_id,
                } => {
                    let _ = reply.send(Ok(client_msg_id));
                }
                Effect::ReplyUnit(reply) => {
                    let _ = reply.send(Ok(()));
                }
                Effect::Committed(done) => {
                    let _ = done.send(());
                }
                Effect::AttemptRecorded { index, go } => {
                    if changed(index) {
                        let _ = go.send(());
                    }
                }
            }
        }
        self.stat(|s| {
            s.messages_stored += stored;
            for latency in latencies {
                s.push_to_event.record_us(latency.as_micros() as u64);
            }
        });
    }

    fn handle(&mut self, input: Input, batch: &mut Batch) {
        match input {
            Input::Push(push) => self.on_push(push, batch),
            Input::Command(command) => self.on_command(command, batch),
            Input::Internal(internal) => self.on_internal(internal, batch),
            Input::Outcome(report) => self.on_outcome(*report, batch),
            Input::Call(call) => {
                batch.write(
                    Write::Audit(AuditEntry {
                        at_ms: call.started_at_ms,
                        actor: self.actor_name.clone(),
                        endpoint: call.endpoint,
                        duration_ms: call.duration_ms,
                        outcome: call.outcome,
                        detail: call.detail,
                    }),
                    None,
                );
            }
        }
    }

    // ---- push ----

    fn on_push(&mut self, input: PushInput, batch: &mut Batch) {
        match input {
            PushInput::Connected => {
                self.stat(|s| s.connects += 1);
                batch.emit(DomainEvent::ConnectionChanged {
                    state: ConnectionState::Connected,
                });
                // Whatever was pushed while the link was down is gone: catch every session up.
                self.request_reception(true, Duration::ZERO);
            }
            PushInput::Disconnected {
                attempt, retry_in, ..
            } => {
                self.stat(|s| s.disconnects += 1);
                let state = ConnectionState::Reconnecting {
                    attempt,
                    retry_in_ms: retry_in.as_millis() as u64,
                };
                batch.emit(DomainEvent::ConnectionChanged { state });
            }
            PushInput::Kicked { reason } => {
                let reason = match reason {
                    1 => "logged out",
                    3 => "signed out by an administrator",
                    _ => "this account signed in elsewhere",
                };
                batch.emit(DomainEvent::ConnectionChanged {
                    state: ConnectionState::Offline {
                        reason: reason.into(),
                    },
                });
            }
            PushInput::Malformed { error } => {
                self.stat(|s| s.malformed_frames += 1);
                tracing::warn!(%error, "skipped a malformed push frame");
            }
            PushInput::Frame { data, received_at } => {
                self.stat(|s| s.pushes_received += 1);
                self.on_frame(*data, received_at, batch);
            }
        }
    }

    fn on_frame(&mut self, data: PushMessageModel, received_at: Instant, batch: &mut Batch) {
        let Some(kind) = data.kind else {
            tracing::warn!("skipped a push without a type");
            return;
        };
        let cid = data.cid.clone().unwrap_or_default();
        let uid = data.uid.as_deref().or(data.user_id.as_deref());
        let pushed_at = data.ts.as_deref().and_then(parse_platform_time);
        match kind {
            push_type::NEW_USER if !cid.is_empty() => {
                self.ensure_session(
                    &cid,
                    uid,
                    data.uname.as_deref(),
                    data.usource,
                    pushed_at,
                    batch,
                );
                // A new session may already have messages (a transferred one has a whole history).
                self.schedule_catch_up(cid, Duration::ZERO);
            }
            push_type::NEW_MESSAGE if !cid.is_empty() => {
                self.ensure_session(&cid, uid, data.uname.as_deref(), data.usource, None, batch);
                self.on_visitor_message(&cid, &data, pushed_at, received_at, batch);
            }
            push_type::USER_OFFLINE if !cid.is_empty() => self.end_locally(&cid, batch),
            push_type::TAKEN_OVER if !cid.is_empty() => {
                // Another agent took the visitor over (抢接): the reception list says whether the
                // session is still this agent's.
                self.request_reception(false, Duration::ZERO);
            }
            push_type::QUEUE => batch.emit(DomainEvent::QueueChanged {
                waiting: data.count.unwrap_or(0).max(0) as u64,
            }),
            push_type::TYPING if !cid.is_empty() => {
                batch.emit(DomainEvent::VisitorTyping { session_id: cid })
            }
            push_type::EVALUATION if !cid.is_empty() => {
                let score = data
                    .status
                    .as_deref()
                    .and_then(|s| s.trim().parse::<u8>().ok())
                    .unwrap_or(0)
                    .min(5);
                if score > 0 {
                    if let Some(meta) = self.sessions.get_mut(&cid) {
                        meta.session.rating = Some(score);
                    }
                    batch.write(
                        Write::RateSession {
                            session_id: cid.clone(),
                            score,
                        },
                        Some(DomainEvent::SessionRated {
                            session_id: cid,
                            score,
                        }),
                    );
                }
            }
            push_type::KICKED => {} // The push actor reports it as `Kicked` and stops.
            other => tracing::debug!(code = other, "ignored push type"),
        }
    }

    /// A visitor message pushed (103). Its `ts` has whole seconds only: a message its time places
    /// after everything the session holds is stored at that time; one in the same second as the
    /// newest is stored just after it (pushes on one connection arrive in the platform's order);
    /// either of the last two also has the session caught up soon, for the platform's exact times
    /// and for anything a reorder hid.
    fn on_visitor_message(
        &mut self,
        cid: &str,
        data: &PushMessageModel,
        pushed_at: Option<i64>,
        received_at: Instant,
        batch: &mut Batch,
    ) {
        let (body_type, body_content) = message_body(data.message.as_ref());
        let Some(msg_id) = data.msg_id.clone().filter(|id| !id.is_empty()) else {
            // Nothing to de-duplicate it by: take it from the session's records instead.
            self.schedule_catch_up(cid.to_string(), CATCH_UP_QUIET);
            return;
        };
        let latest = self.sessions.get(cid).map_or(0, |m| m.latest_ms);
        let (sent_at_ms, placed) = match pushed_at {
            Some(at) if latest == 0 || at / 1000 > latest / 1000 => (at, true),
            Some(at) if at / 1000 == latest / 1000 => (latest + 1, false),
            Some(at) => (at, false),
            None => (latest.max(self.now_ms()), false),
        };
        if !placed {
            self.schedule_catch_up(cid.to_string(), CATCH_UP_QUIET);
        }
        if let Some(meta) = self.sessions.get_mut(cid) {
            meta.latest_ms = meta.latest_ms.max(sent_at_ms);
        }
        let message = Message {
            session_id: cid.to_string(),
            msg_id: Some(msg_id),
            client_msg_id: None,
            direction: Direction::In,
            kind: MessageKind::from_sobot_msg_type(data.msg_type.or(body_type).unwrap_or(0)),
            content: data.content.clone().or(body_content).unwrap_or_default(),
            sender_name: data.uname.clone().unwrap_or_default(),
            sent_at_ms,
            status: DeliveryStatus::Sent,
        };
        self.write_message(message, Some(received_at), batch);
    }

    fn ensure_session(
        &mut self,
        cid: &str,
        uid: Option<&str>,
        uname: Option<&str>,
        source: Option<i64>,
        started_at_ms: Option<i64>,
        batch: &mut Batch,
    ) {
        if let Some(meta) = self.sessions.get(cid) {
            if meta.session.state == SessionState::Active {
                return;
            }
        }
        let previous = self.sessions.get(cid).map(|m| m.session.clone());
        let latest_ms = self.sessions.get(cid).map_or(0, |m| m.latest_ms);
        let session = Session {
            id: cid.to_string(),
            visitor_id: uid
                .map(str::to_string)
                .or_else(|| previous.as_ref().map(|p| p.visitor_id.clone()))
                .unwrap_or_default(),
            visitor_name: uname
                .map(str::to_string)
                .or_else(|| previous.as_ref().map(|p| p.visitor_name.clone()))
                .unwrap_or_default(),
            channel: source
                .map(Channel::from_sobot_source)
                .or(previous.as_ref().map(|p| p.channel))
                .unwrap_or(Channel::Other),
            state: SessionState::Active,
            started_at_ms: previous
                .as_ref()
                .map(|p| p.started_at_ms)
                .or(started_at_ms)
                .unwrap_or_else(|| self.now_ms()),
            rating: previous.as_ref().and_then(|p| p.rating),
        };
        if !session.visitor_id.is_empty() {
            batch.write(
                Write::UpsertVisitor(Visitor {
                    id: session.visitor_id.clone(),
                    name: session.visitor_name.clone(),
                    channel: session.channel,
                    last_seen_ms: session.started_at_ms,
                }),
                None,
            );
        }
        batch.write(
            Write::UpsertSession(session.clone()),
            Some(DomainEvent::SessionOpened {
                session: session.clone(),
            }),
        );
        self.sessions.insert(
            cid.to_string(),
            SessionMeta {
                session,
                opened_at: Instant::now(),
                latest_ms,
            },
        );
    }

    fn end_locally(&mut self, cid: &str, batch: &mut Batch) {
        if let Some(meta) = self.sessions.get_mut(cid) {
            meta.session.state = SessionState::Ended;
        }
        self.catch_up_due.remove(cid);
        batch.write(
            Write::EndSession {
                session_id: cid.to_string(),
            },
            Some(DomainEvent::SessionEnded {
                session_id: cid.to_string(),
            }),
        );
    }

    /// Writes a message the platform confirmed: our own send becomes `Sent`, anything else is
    /// announced as new. A message already stored (same msg id) changes nothing and says nothing.
    fn write_message(&mut self, message: Message, received_at: Option<Instant>, batch: &mut Batch) {
        let ours = message
            .client_msg_id
            .as_ref()
            .is_some_and(|id| self.pending_clients.remove(id));
        let event = if ours {
            DomainEvent::MessageStatusChanged {
                session_id: message.session_id.clone(),
                client_msg_id: message.client_msg_id.clone().unwrap_or_default(),
                status: DeliveryStatus::Sent,
                msg_id: message.msg_id.clone(),
                error: None,
                failure: None,
            }
        } else {
            DomainEvent::MessageStored {
                message: message.clone(),
            }
        };
        let inbound = message.direction == Direction::In;
        batch.writes.push(Write::StoreMessage(message));
        batch.effects.push(Effect::AfterWrite {
            index: batch.writes.len() - 1,
            event: Some(event),
            received_at,
            stored_message: inbound,
        });
    }

    // ---- catching up ----

    /// Asks for the reception list. `full`: catch up every live session (after a (re)connect);
    /// otherwise only sessions whose last message is newer than what is stored.
    fn request_reception(&self, full: bool, after: Duration) {
        let client = self.client.clone();
        let tx = self.internal_tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let requested_at = Instant::now();
            let result = client.synchronous().await;
            let _ = tx
                .send(Internal::Reception {
                    requested_at,
                    full,
                    result,
                })
                .await;
        });
    }

    /// Has `cid` read from the platform's records after `delay`; a later request may push an
    /// earlier one back, but never past `CATCH_UP_MAX_WAIT` after the first.
    fn schedule_catch_up(&mut self, cid: String, delay: Duration) {
        let now = Instant::now();
        let due = self.catch_up_due.entry(cid).or_insert(CatchUpDue {
            at: now + delay,
            deadline: now + delay.max(CATCH_UP_MAX_WAIT),
        });
        due.at = due.at.max(now + delay).min(due.deadline);
    }

    fn start_due_catch_ups(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .catch_up_due
            .iter()
            .filter(|(id, due)| due.at <= now && !self.catching_up.contains(*id))
            .map(|(id, _)| id.clone())
            .take(CATCH_UP_CONCURRENCY.saturating_sub(self.catching_up.len()))
            .collect();
        for session_id in due {
            self.catch_up_due.remove(&session_id);
            let Some(uid) = self
                .sessions
                .get(&session_id)
                .map(|m| m.session.visitor_id.clone())
            else {
                continue;
            };
            self.catching_up.insert(session_id.clone());
            self.stat(|s| s.catch_ups += 1);
            let client = self.client.clone();
            let tx = self.internal_tx.clone();
            tokio::spawn(async move {
                let result = async {
                    let aid = client.login().await?.aid;
                    let records = client.query_history_records(&session_id, &uid).await?;
                    Ok((records, aid))
                }
                .await;
                let _ = tx.send(Internal::CaughtUp { session_id, result }).await;
            });
        }
    }

    fn on_internal(&mut self, internal: Internal, batch: &mut Batch) {
        match internal {
            Internal::Reception {
                requested_at,
                full,
                result,
            } => match result {
                Ok(reception) => self.reconcile(requested_at, full, reception, batch),
                Err(error) => {
                    tracing::warn!(%error, "reception list failed; retrying");
                    self.request_reception(
                        full,
                        backoff_with_jitter(2, Duration::from_millis(500), Duration::from_secs(5)),
                    );
                }
            },
            Internal::CaughtUp { session_id, result } => {
                self.catching_up.remove(&session_id);
                match result {
                    Ok((records, aid)) => self.on_records(&session_id, &records, &aid, batch),
                    Err(ClientError::Platform { code, message, .. })
                        if !code.needs_reauth() && code != RetCode::Unknown =>
                    {
                        // Not this agent's session (any more): nothing to catch up.
                        tracing::info!(session = %session_id, %message, "no records for this session");
                    }
                    Err(error) => {
                        tracing::warn!(%error, session = %session_id, "catch-up failed; retrying");
                        self.schedule_catch_up(session_id, Duration::from_secs(1));
                    }
                }
            }
            Internal::Left {
                session_id,
                result,
                reply,
            } => match result {
                Ok(()) => {
                    self.end_locally(&session_id, batch);
                    batch.effects.push(Effect::ReplyUnit(reply));
                }
                Err(error) => {
                    let _ = reply.send(Err(EngineError::Platform(error)));
                }
            },
        }
    }

    /// Brings the local session list in line with the platform's reception list, and schedules the
    /// catch-ups it calls for.
    fn reconcile(
        &mut self,
        requested_at: Instant,
        full: bool,
        reception: SynChronousModel,
        batch: &mut Batch,
    ) {
        if let Some(waiting) = reception.wait_size {
            batch.emit(DomainEvent::QueueChanged {
                waiting: waiting.max(0) as u64,
            });
        }
        let mut listed = HashSet::new();
        for item in reception.user_list {
            let Some(cid) = item.cid.clone().filter(|c| !c.is_empty()) else {
                continue;
            };
            listed.insert(cid.clone());
            let started = item
                .accept_time_order
                .as_deref()
                .or(item.ts.as_deref())
                .and_then(parse_platform_time);
            let uid = item.uid.as_deref().or(item.user_id.as_deref());
            self.ensure_session(
                &cid,
                uid,
                item.uname.as_deref(),
                item.usource,
                started,
                batch,
            );
            let last_at = item.last_msg_time.as_deref().and_then(parse_platform_time);
            let known = self.sessions.get(&cid).map_or(0, |m| m.latest_ms);
            if full || last_at.is_some_and(|at| at / 1000 > known / 1000) {
                self.schedule_catch_up(cid, Duration::ZERO);
            }
        }
        // Sessions that ended while we were away. A session opened after the request may simply be
        // missing from a list computed before it existed, so it is left alone.
        let ended: Vec<String> = self
            .sessions
            .iter()
            .filter(|(id, meta)| {
                meta.session.state == SessionState::Active
                    && !listed.contains(*id)
                    && meta.opened_at < requested_at
            })
            .map(|(id, _)| id.clone())
            .collect();
        for cid in ended {
            self.end_locally(&cid, batch);
        }
        // Sends that may have been stored without an answer are settled in their session's records,
        // whether or not the session is still live.
        let unresolved = self
            .reader
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unresolved_outbox()
            .unwrap_or_default();
        for item in unresolved {
            if !self.in_flight.contains_key(&item.client_msg_id) {
                self.schedule_catch_up(item.session_id, Duration::ZERO);
            }
        }
    }

    /// One session's records: first settle our sends whose outcome is unknown (found → sent, found
    /// hidden for a sensitive word → not delivered, absent → send again), then store what is missing
    /// and give what is stored the platform's exact times.
    fn on_records(
        &mut self,
        session_id: &str,
        records: &[ChatMessageModel],
        aid: &str,
        batch: &mut Batch,
    ) {
        let chat: Vec<&ChatMessageModel> = records
            .iter()
            .filter(|r| r.action.is_none_or(|a| a == ACTION_CHAT))
            .filter(|r| r.msg_id.as_deref().is_some_and(|id| !id.is_empty()))
            .collect();
        let ours = |r: &ChatMessageModel| {
            r.sender_type == Some(sender_type::AGENT)
                && (aid.is_empty() || r.sender.as_deref() == Some(aid))
        };
        let (unresolved, stored_ids) = {
            let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
            let unresolved: Vec<OutboxItem> = reader
                .unresolved_outbox()
                .unwrap_or_default()
                .into_iter()
                .filter(|item| item.session_id == session_id)
                .filter(|item| !self.in_flight.contains_key(&item.client_msg_id))
                .collect();
            // What is stored of the session, with the time it is stored at: a record already held
            // at its exact time costs nothing.
            let stored_ids: HashMap<String, i64> = reader
                .messages(session_id, usize::MAX >> 1)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.msg_id.map(|id| (id, m.sent_at_ms)))
                .collect();
            (unresolved, stored_ids)
        };
        let mut claimed: HashSet<String> = HashSet::new();
        for item in unresolved {
            let started = item.attempt_started_at_ms.unwrap_or(item.created_at_ms);
            let found = chat.iter().find(|r| {
                let id = r.msg_id.as_deref().unwrap_or_default();
                ours(r)
                    && !claimed.contains(id)
                    && !stored_ids.contains_key(id)
                    && r.t.is_none_or(|t| t >= started - MATCH_SKEW_MS)
                    && same_message(r, &item)
            });
            match found {
                Some(record) if record.user_no_see_flag == Some(1) => {
                    claimed.insert(record.msg_id.clone().unwrap_or_default());
                    self.stat(|s| s.sends_found_in_history += 1);
                    self.fail_send(
                        &item,
                        "the platform refused it for a sensitive word (200032): the customer did not see it. Edit it and send again.".into(),
                        DeliveryFailure::SensitiveWord,
                        batch,
                    );
                }
                Some(record) => {
                    let msg_id = record.msg_id.clone().unwrap_or_default();
                    claimed.insert(msg_id.clone());
                    self.stat(|s| s.sends_found_in_history += 1);
                    batch.write(
                        Write::OutboxAccepted {
                            client_msg_id: item.client_msg_id.clone(),
                        },
                        None,
                    );
                    let mut message = item.pending_message();
                    message.msg_id = Some(msg_id);
                    message.status = DeliveryStatus::Sent;
                    message.sent_at_ms = record.t.unwrap_or(message.sent_at_ms);
                    self.write_message(message, None, batch);
                }
                None if self.now_ms() >= started + UNKNOWN_CHECK_AFTER.as_millis() as i64 => {
                    // Not stored: sending it again cannot show it twice.
                    self.stat(|s| s.sends_resent_after_check += 1);
                    self.pending_clients.insert(item.client_msg_id.clone());
                    batch.write(
                        Write::Requeue {
                            client_msg_id: item.client_msg_id.clone(),
                        },
                        Some(DomainEvent::MessageStatusChanged {
                            session_id: item.session_id.clone(),
                            client_msg_id: item.client_msg_id.clone(),
                            status: DeliveryStatus::Pending,
                            msg_id: None,
                            error: None,
                            failure: None,
                        }),
                    );
                    self.wake_outbox.notify_one();
                }
                None => self.schedule_catch_up(session_id.to_string(), UNKNOWN_CHECK_AFTER),
            }
        }
        // Our sends in flight right now: their answer confirms them; a copy from here would show
        // them twice until then.
        let in_flight_texts: Vec<String> = self
            .in_flight
            .values()
            .filter(|(session, _)| session == session_id)
            .map(|(_, text)| text.clone())
            .collect();
        let mut changed_times = Vec::new();
        let mut latest = 0;
        for record in chat {
            let msg_id = record.msg_id.clone().unwrap_or_default();
            if claimed.contains(&msg_id) || record.user_no_see_flag == Some(1) {
                continue;
            }
            let (body_type, body_content) = message_body(record.message.as_ref());
            let content = body_content
                .or_else(|| record.msg.clone())
                .unwrap_or_default();
            if ours(record)
                && !stored_ids.contains_key(&msg_id)
                && in_flight_texts.contains(&content)
            {
                continue;
            }
            let sent_at_ms = record
                .t
                .or_else(|| record.ts.as_deref().and_then(parse_platform_time))
                .unwrap_or_else(|| self.now_ms());
            latest = latest.max(sent_at_ms);
            if let Some(stored_at) = stored_ids.get(&msg_id) {
                if *stored_at != sent_at_ms {
                    changed_times.push(batch.writes.len());
                    batch
                        .writes
                        .push(Write::ConfirmMessageTime { msg_id, sent_at_ms });
                }
                continue;
            }
            let direction = if record.sender_type == Some(sender_type::AGENT) {
                Direction::Out
            } else {
                Direction::In
            };
            let message = Message {
                session_id: session_id.to_string(),
                msg_id: Some(msg_id),
                client_msg_id: None,
                direction,
                kind: MessageKind::from_sobot_msg_type(record.msg_type.or(body_type).unwrap_or(0)),
                content,
                sender_name: record.sender_name.clone().unwrap_or_default(),
                sent_at_ms,
                status: DeliveryStatus::Sent,
            };
            self.write_message(message, None, batch);
        }
        if let Some(meta) = self.sessions.get_mut(session_id) {
            meta.latest_ms = meta.latest_ms.max(latest);
        }
        if !changed_times.is_empty() {
            batch.effects.push(Effect::AfterAnyWrite {
                indices: changed_times,
                event: DomainEvent::SessionCaughtUp {
                    session_id: session_id.to_string(),
                },
            });
        }
    }

    // ---- sends ----

    fn on_command(&mut self, command: Command, batch: &mut Batch) {
        match command {
            Command::Send {
                session_id,
                text,
                client_msg_id,
                attachment,
                reply,
            } => {
                let Some(meta) = self.sessions.get(&session_id) else {
                    let _ = reply.send(Err(EngineError::UnknownSession(session_id)));
                    return;
                };
                if meta.session.state == SessionState::Ended {
                    let _ = reply.send(Err(EngineError::InvalidInput(
                        "this session has ended; the customer can no longer receive messages in it"
                            .into(),
                    )));
                    return;
                }
                let item = OutboxItem {
                    client_msg_id: client_msg_id.clone(),
                    session_id: session_id.clone(),
                    visitor_id: meta.session.visitor_id.clone(),
                    kind: if attachment.is_some() {
                        MessageKind::Image
                    } else {
                        MessageKind::Text
                    },
                    content: text,
                    sender_name: self.agent_name.clone(),
                    state: OutboxState::Pending,
                    attempts: 0,
                    next_attempt_at_ms: 0,
                    last_error: None,
                    created_at_ms: self.now_ms(),
                    attachment,
                    attempt_started_at_ms: None,
                };
                self.pending_clients.insert(client_msg_id.clone());
                batch.write(
                    Write::Enqueue(item.clone()),
                    Some(DomainEvent::MessageStored {
                        message: item.pending_message(),
                    }),
                );
                batch.effects.push(Effect::ReplySend {
                    reply,
                    client_msg_id,
                });
                self.wake_outbox.notify_one();
            }
            Command::Retry {
                client_msg_id,
                reply,
            } => {
                let item = self
                    .reader
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .outbox_item(&client_msg_id);
                let session_id = match item {
                    Ok(Some(item)) if item.state == OutboxState::Failed => item.session_id,
                    Ok(_) => {
                        let _ = reply.send(Err(EngineError::InvalidInput(format!(
                            "no failed message with id {client_msg_id} to retry"
                        ))));
                        return;
                    }
                    Err(error) => {
                        let _ = reply.send(Err(error.into()));
                        return;
                    }
                };
                self.pending_clients.insert(client_msg_id.clone());
                batch.write(
                    Write::Requeue {
                        client_msg_id: client_msg_id.clone(),
                    },
                    Some(DomainEvent::MessageStatusChanged {
                        session_id,
                        client_msg_id,
                        status: DeliveryStatus::Pending,
                        msg_id: None,
                        error: None,
                        failure: None,
                    }),
                );
                batch.effects.push(Effect::ReplyUnit(reply));
                self.wake_outbox.notify_one();
            }
            Command::End { session_id, reply } => {
                let Some(meta) = self.sessions.get(&session_id) else {
                    let _ = reply.send(Err(EngineError::UnknownSession(session_id)));
                    return;
                };
                let visitor_id = meta.session.visitor_id.clone();
                let client = self.client.clone();
                let tx = self.internal_tx.clone();
                tokio::spawn(async move {
                    let result = client.leave(&session_id, &visitor_id).await;
                    let _ = tx
                        .send(Internal::Left {
                            session_id,
                            result,
                            reply,
                        })
                        .await;
                });
            }
        }
    }

    fn fail_send(
        &mut self,
        item: &OutboxItem,
        reason: String,
        failure: DeliveryFailure,
        batch: &mut Batch,
    ) {
        self.stat(|s| s.sends_failed += 1);
        self.pending_clients.remove(&item.client_msg_id);
        batch.write(
            Write::MarkFailed {
                client_msg_id: item.client_msg_id.clone(),
                error: reason.clone(),
            },
            Some(DomainEvent::MessageStatusChanged {
                session_id: item.session_id.clone(),
                client_msg_id: item.client_msg_id.clone(),
                status: DeliveryStatus::Failed,
                msg_id: None,
                error: Some(reason),
                failure: Some(failure),
            }),
        );
    }

    fn on_outcome(&mut self, report: OutcomeReport, batch: &mut Batch) {
        match report.outcome {
            SendOutcome::Attempt {
                client_msg_id,
                session_id,
                content,
                at_ms,
            } => {
                self.in_flight
                    .insert(client_msg_id.clone(), (session_id, content));
                batch.attempts.push(client_msg_id.clone());
                let index = batch.write(
                    Write::OutboxAttempt {
                        client_msg_id,
                        at_ms,
                    },
                    None,
                );
                batch.effects.push(Effect::AttemptRecorded {
                    index,
                    go: report.committed,
                });
                return;
            }
            SendOutcome::Accepted { item, receipt } => {
                self.in_flight.remove(&item.client_msg_id);
                self.on_accepted(item, receipt, batch);
            }
            SendOutcome::Failed { item, failure } => {
                self.in_flight.remove(&item.client_msg_id);
                match failure {
                    SendFailure::NotSent(error) => {
                        self.stat(|s| s.sends_postponed += 1);
                        let delay = backoff_with_jitter(
                            item.attempts + 1,
                            Duration::from_millis(250),
                            Duration::from_secs(30),
                        );
                        batch.write(
                            Write::Postpone {
                                client_msg_id: item.client_msg_id,
                                next_attempt_at_ms: self.now_ms() + delay.as_millis() as i64,
                                error: error.to_string(),
                            },
                            None,
                        );
                    }
                    SendFailure::Refused(error) => {
                        let failure = DeliveryFailure::from_platform_code(
                            error.platform_code().unwrap_or_default(),
                        );
                        let reason = match failure {
                            DeliveryFailure::SensitiveWord => "the platform refused it for a sensitive word (200032): the customer did not see it. Edit it and send again.".to_string(),
                            _ => error.to_string(),
                        };
                        self.fail_send(&item, reason, failure, batch);
                    }
                    SendFailure::Unknown(error) => self.send_unknown(item, error, batch),
                }
            }
        }
        batch.effects.push(Effect::Committed(report.committed));
    }

    fn on_accepted(&mut self, item: OutboxItem, receipt: OnlineMsgModel, batch: &mut Batch) {
        let Some(msg_id) = receipt.msg_id.filter(|id| !id.is_empty()) else {
            // Accepted without an id to recognise it by: settle it from the records.
            let error = ClientError::Decode {
                endpoint: "send".into(),
                message: "accepted without a msgId".into(),
                body: String::new(),
            };
            self.send_unknown(item, error, batch);
            return;
        };
        self.stat(|s| s.sends_accepted += 1);
        batch.write(
            Write::OutboxAccepted {
                client_msg_id: item.client_msg_id.clone(),
            },
            None,
        );
        // The answer has no time: this PC's clock until a catch-up gives the platform's.
        let at = self.now_ms();
        if let Some(meta) = self.sessions.get_mut(&item.session_id) {
            meta.latest_ms = meta.latest_ms.max(at);
        }
        let mut message = item.pending_message();
        message.msg_id = Some(msg_id);
        message.status = DeliveryStatus::Sent;
        message.sent_at_ms = at;
        self.write_message(message, None, batch);
    }

    fn send_unknown(&mut self, item: OutboxItem, error: ClientError, batch: &mut Batch) {
        self.stat(|s| s.sends_unknown += 1);
        batch.write(
            Write::OutboxUnknown {
                client_msg_id: item.client_msg_id.clone(),
                error: error.to_string(),
            },
            Some(DomainEvent::MessageStatusChanged {
                session_id: item.session_id.clone(),
                client_msg_id: item.client_msg_id.clone(),
                status: DeliveryStatus::Unknown,
                msg_id: None,
                error: Some(error.to_string()),
                failure: None,
            }),
        );
        self.schedule_catch_up(item.session_id, UNKNOWN_CHECK_AFTER);
    }
}

/// Whether a record is the outbox item: the same text, or for a file the same kind of message.
fn same_message(record: &ChatMessageModel, item: &OutboxItem) -> bool {
    let (body_type, body_content) = message_body(record.message.as_ref());
    let msg_type = record.msg_type.or(body_type).unwrap_or(0);
    match item.attachment {
        Some(_) => MessageKind::from_sobot_msg_type(msg_type) == item.kind,
        None => {
            msg_type == 0
                && body_content
                    .as_deref()
                    .or(record.msg.as_deref())
                    .is_some_and(|text| text == item.content)
        }
    }
}
