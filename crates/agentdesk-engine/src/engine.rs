//! The engine actor and its handle. See the crate docs for the shape; this module holds the rules:
//! what each push code does, when to resync, and what is written and emitted for each input.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentdesk_domain::{
    Channel, ConnectionState, DeliveryStatus, Direction, DomainEvent, Message, MessageKind,
    Session, SessionState,
};
use agentdesk_sobot::client::backoff_with_jitter;
use agentdesk_sobot::client::{CallObserver, CallRecord};
use agentdesk_sobot::protocol::{
    push_type, sender_type, ChatRecord, PushMessageModel, ReceptionItem,
};
use agentdesk_sobot::{AgentClient, ClientError, PushConnection, PushInput};
use agentdesk_store::{
    AuditEntry, OutboxAttachment, OutboxItem, OutboxState, Store, StoreError, Visitor, Write,
};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;

use crate::latency::LatencyHistogram;
use crate::now_ms;
use crate::outbox::{self, OutcomeReport, SendOutcome};
use crate::sequencer::{Offer, Record, Sequencer};
use crate::writer::StoreWriter;

/// Events kept for slow subscribers. A subscriber that falls further behind is told it lagged and
/// re-reads the store; a bigger buffer would only hold megabytes of old messages in memory.
const EVENT_BUFFER: usize = 4096;
/// Inputs handled per commit at most; more wait for the next batch.
const MAX_BATCH: usize = 4096;
/// How long a hole in a session's sequence may last before the engine syncs it.
const HOLE_GRACE: Duration = Duration::from_millis(200);
/// Longest message text accepted from the agent.
const MAX_TEXT_CHARS: usize = 20_000;
/// Largest image accepted from the agent.
const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

pub struct EngineConfig {
    pub database_path: PathBuf,
    pub client: Arc<AgentClient>,
    /// Shown on the agent's outbound messages until the platform confirms them.
    pub agent_name: String,
    /// Also told of every platform call (the API health figures), besides the audit log.
    pub call_tap: Option<CallObserver>,
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
    pub syncs: u64,
    pub connects: u64,
    pub disconnects: u64,
    pub malformed_frames: u64,
    pub sends_accepted: u64,
    pub sends_postponed: u64,
    pub sends_failed: u64,
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
    Synced {
        session_id: String,
        result: Result<Vec<ChatRecord>, ClientError>,
    },
    Reception {
        requested_at: Instant,
        result: Result<Vec<ReceptionItem>, ClientError>,
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
        let writer = StoreWriter::start(&config.database_path)?;
        let reader = Arc::new(Mutex::new(Store::open_read_only(&config.database_path)?));
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
            reader: reader.clone(),
            writer,
            events: events.clone(),
            stats: stats.clone(),
            storage_problem: storage_problem.clone(),
            connection: connection.clone(),
            wake_outbox: wake_outbox.clone(),
            internal_tx,
            sequencer: Sequencer::default(),
            sessions: HashMap::new(),
            pending_clients: HashSet::new(),
            syncing: HashSet::new(),
            sync_due: HashMap::new(),
            agent_name: config.agent_name,
            actor_name,
        };
        actor.resume()?;

        let push = PushConnection::spawn(config.client.clone(), push_tx);
        let outbox_task = tokio::spawn(outbox::run(
            config.client.clone(),
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
            stats,
            storage_problem,
            shutdown: Arc::new(shutdown_tx),
            tasks: Arc::new(Mutex::new(vec![actor_task, outbox_task])),
        })
    }
}

impl EngineHandle {
    /// Writes a call another client made (the union platform's tenant API) to this workspace's
    /// audit log, batched with the engine's own writes.
    pub fn audit_call(&self, record: CallRecord) {
        let _ = self.audit_calls.send(record);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.events.subscribe()
    }

    /// Queues a text reply; returns its client message id once it is durably in the outbox.
    pub async fn send_text(&self, session_id: &str, text: &str) -> Result<String, EngineError> {
        self.send_text_with_id(session_id, text, &uuid::Uuid::new_v4().to_string())
            .await
    }

    /// As `send_text` with a caller-chosen client message id: sending the same id twice queues once.
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
    /// then sent with its client message id.
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

    /// Puts a failed send back in the outbox.
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
    }
}

struct SessionMeta {
    session: Session,
    opened_at: Instant,
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
    Emit(DomainEvent),
    ReplySend {
        reply: oneshot::Sender<Result<String, EngineError>>,
        client_msg_id: String,
    },
    ReplyUnit(oneshot::Sender<Result<(), EngineError>>),
    Committed(oneshot::Sender<()>),
}

#[derive(Default)]
struct Batch {
    writes: Vec<Write>,
    effects: Vec<Effect>,
}

impl Batch {
    fn write(&mut self, write: Write, event: Option<DomainEvent>) {
        self.writes.push(write);
        self.effects.push(Effect::AfterWrite {
            index: self.writes.len() - 1,
            event,
            received_at: None,
            stored_message: false,
        });
    }

    fn emit(&mut self, event: DomainEvent) {
        self.effects.push(Effect::Emit(event));
    }
}

struct Actor {
    client: Arc<AgentClient>,
    reader: Arc<Mutex<Store>>,
    writer: StoreWriter,
    events: broadcast::Sender<DomainEvent>,
    stats: Arc<Mutex<EngineStats>>,
    storage_problem: Arc<Mutex<Option<String>>>,
    connection: Arc<Mutex<ConnectionState>>,
    wake_outbox: Arc<Notify>,
    internal_tx: mpsc::Sender<Internal>,
    sequencer: Sequencer,
    sessions: HashMap<String, SessionMeta>,
    /// Client ids of our own sends not yet confirmed in order.
    pending_clients: HashSet<String>,
    syncing: HashSet<String>,
    sync_due: HashMap<String, Instant>,
    agent_name: String,
    /// Who the audit log says made the calls (masked on insert).
    actor_name: String,
}

enum Input {
    Command(Command),
    Push(PushInput),
    Internal(Internal),
    Outcome(OutcomeReport),
    Call(CallRecord),
}

impl Actor {
    fn resume(&mut self) -> Result<(), EngineError> {
        let reader = self.reader.clone();
        let store = reader.lock().unwrap_or_else(|p| p.into_inner());
        for session in store.sessions()? {
            self.sequencer.resume(&session.id, session.last_seq);
            self.sessions.insert(
                session.id.clone(),
                SessionMeta {
                    session,
                    opened_at: Instant::now(),
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
        self.emit(DomainEvent::ConnectionChanged {
            state: ConnectionState::Connecting,
        });
        loop {
            let first = tokio::select! {
                biased;
                _ = shutdown.changed() => return,
                Some(input) = push.recv() => Input::Push(input),
                Some(report) = outcomes.recv() => Input::Outcome(report),
                Some(input) = internal.recv() => Input::Internal(input),
                Some(command) = commands.recv() => Input::Command(command),
                Some(call) = calls.recv() => Input::Call(call),
                _ = tick.tick() => {
                    self.start_due_syncs();
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
                    Input::Outcome(report)
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
        let Batch { writes, effects } = batch;
        let applied = if writes.is_empty() {
            Ok(Vec::new())
        } else {
            self.writer.apply(writes).await
        };
        let applied = match applied {
            Ok(applied) => applied,
            Err(error) => {
                // Nothing of this batch is stored. Rewind the sequencer to what the store has and
                // resync everything, so the lost inputs come back from the platform.
                tracing::error!(%error, "commit failed; resyncing from the platform");
                self.stat(|s| s.commit_failures += 1);
                self.set_storage_problem(Some(error.to_string()));
                self.rewind_all();
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
                        Effect::Committed(done) => drop(done),
                        _ => {}
                    }
                }
                return;
            }
        };
        if !applied.is_empty() {
            self.set_storage_problem(None);
        }
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
                    if applied.get(index).copied().unwrap_or(false) {
                        if let Some(event) = event {
                            self.emit(event);
                        }
                        if stored_message {
                            stored += 1;
                        }
                        if let Some(at) = received_at {
                            latencies.push(at.elapsed());
                        }
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
            }
        }
        self.stat(|s| {
            s.messages_stored += stored;
            for latency in latencies {
                s.push_to_event.record_us(latency.as_micros() as u64);
            }
        });
    }

    /// After a failed commit: every session back to the last message the store really holds (the
    /// in-memory `last_seq` already counted the lost batch), and a resync of each, so what was lost
    /// comes back from the platform.
    fn rewind_all(&mut self) {
        let stored: HashMap<String, u64> = {
            let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
            match reader.sessions() {
                Ok(sessions) => sessions.into_iter().map(|s| (s.id, s.last_seq)).collect(),
                Err(error) => {
                    tracing::error!(%error, "cannot read what is stored; resyncing every session from the start");
                    HashMap::new()
                }
            }
        };
        for (id, meta) in &mut self.sessions {
            let last_seq = stored.get(id).copied().unwrap_or(0);
            meta.session.last_seq = last_seq;
            self.sequencer.rewind(id, last_seq);
            self.sync_due
                .insert(id.clone(), Instant::now() + Duration::from_secs(1));
        }
    }

    fn handle(&mut self, input: Input, batch: &mut Batch) {
        match input {
            Input::Push(push) => self.on_push(push, batch),
            Input::Command(command) => self.on_command(command, batch),
            Input::Internal(internal) => self.on_internal(internal, batch),
            Input::Outcome(report) => self.on_outcome(report, batch),
            Input::Call(call) => batch.write(
                Write::Audit(AuditEntry {
                    at_ms: call.started_at_ms,
                    actor: self.actor_name.clone(),
                    endpoint: call.endpoint,
                    duration_ms: call.duration_ms,
                    outcome: call.outcome,
                    detail: call.detail,
                }),
                None,
            ),
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
                self.request_reception();
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
        match kind {
            push_type::NEW_USER if !cid.is_empty() => {
                self.ensure_session(
                    &cid,
                    data.uid.as_deref(),
                    data.uname.as_deref(),
                    data.usource,
                    data.ts,
                    batch,
                );
                self.sync_if_behind(cid, data.seq);
            }
            push_type::NEW_MESSAGE if !cid.is_empty() => {
                self.ensure_session(
                    &cid,
                    data.uid.as_deref(),
                    data.uname.as_deref(),
                    data.usource,
                    data.ts,
                    batch,
                );
                let message = message_from_push(&cid, &data);
                self.offer(
                    Record {
                        message,
                        received_at: Some(received_at),
                    },
                    batch,
                );
            }
            push_type::USER_OFFLINE if !cid.is_empty() => self.end_locally(&cid, batch),
            push_type::QUEUE => batch.emit(DomainEvent::QueueChanged {
                waiting: data.count.unwrap_or(0).max(0) as u64,
            }),
            push_type::TYPING if !cid.is_empty() => {
                batch.emit(DomainEvent::VisitorTyping { session_id: cid })
            }
            push_type::EVALUATION if !cid.is_empty() => {
                let score = data.status.unwrap_or(0).clamp(0, 5) as u8;
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

    fn ensure_session(
        &mut self,
        cid: &str,
        uid: Option<&str>,
        uname: Option<&str>,
        source: Option<i64>,
        ts: Option<i64>,
        batch: &mut Batch,
    ) {
        if let Some(meta) = self.sessions.get(cid) {
            if meta.session.state == SessionState::Active {
                return;
            }
        }
        let previous = self.sessions.get(cid).map(|m| m.session.clone());
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
                .or(ts)
                .unwrap_or_else(now_ms),
            last_seq: previous.as_ref().map_or(0, |p| p.last_seq),
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
            },
        );
    }

    /// Schedules a sync now when the platform says the session has messages we have not stored.
    fn sync_if_behind(&mut self, cid: String, platform_last_seq: Option<u64>) {
        if platform_last_seq.unwrap_or(0) > self.sequencer.released(&cid) {
            self.sync_due.insert(cid, Instant::now());
        }
    }

    fn end_locally(&mut self, cid: &str, batch: &mut Batch) {
        if let Some(meta) = self.sessions.get_mut(cid) {
            meta.session.state = SessionState::Ended;
        }
        batch.write(
            Write::EndSession {
                session_id: cid.to_string(),
            },
            Some(DomainEvent::SessionEnded {
                session_id: cid.to_string(),
            }),
        );
    }

    /// Offers a confirmed record to the sequencer and writes whatever becomes ready.
    fn offer(&mut self, record: Record, batch: &mut Batch) {
        let session_id = record.message.session_id.clone();
        match self.sequencer.offer(record) {
            Offer::Duplicate => self.stat(|s| s.duplicates_dropped += 1),
            Offer::Held => {
                self.sync_due
                    .entry(session_id)
                    .or_insert_with(|| Instant::now() + HOLE_GRACE);
            }
            Offer::Ready(records) => {
                for record in records {
                    self.write_record(record, batch);
                }
                if !self.sequencer.has_hole(&session_id) {
                    self.sync_due.remove(&session_id);
                }
            }
        }
    }

    fn write_record(&mut self, record: Record, batch: &mut Batch) {
        let message = record.message;
        if let (Some(seq), Some(meta)) = (message.seq, self.sessions.get_mut(&message.session_id)) {
            meta.session.last_seq = meta.session.last_seq.max(seq);
        }
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
                seq: message.seq,
                error: None,
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
            received_at: record.received_at,
            stored_message: inbound,
        });
    }

    // ---- resync ----

    fn request_reception(&self) {
        let client = self.client.clone();
        let tx = self.internal_tx.clone();
        let requested_at = Instant::now();
        tokio::spawn(async move {
            let result = client.synchronous().await;
            let _ = tx
                .send(Internal::Reception {
                    requested_at,
                    result,
                })
                .await;
        });
    }

    fn start_due_syncs(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .sync_due
            .iter()
            .filter(|(id, at)| **at <= now && !self.syncing.contains(*id))
            .map(|(id, _)| id.clone())
            .collect();
        for session_id in due {
            self.sync_due.remove(&session_id);
            self.syncing.insert(session_id.clone());
            self.stat(|s| s.syncs += 1);
            let after = self.sequencer.released(&session_id);
            let client = self.client.clone();
            let tx = self.internal_tx.clone();
            tokio::spawn(async move {
                let result = client.sync_messages(&session_id, after).await;
                let _ = tx.send(Internal::Synced { session_id, result }).await;
            });
        }
    }

    fn on_internal(&mut self, internal: Internal, batch: &mut Batch) {
        match internal {
            Internal::Reception {
                requested_at,
                result,
            } => match result {
                Ok(items) => self.reconcile(requested_at, items, batch),
                Err(error) => {
                    tracing::warn!(%error, "resync failed; retrying");
                    let client = self.client.clone();
                    let tx = self.internal_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(backoff_with_jitter(
                            2,
                            Duration::from_millis(500),
                            Duration::from_secs(5),
                        ))
                        .await;
                        let requested_at = Instant::now();
                        let result = client.synchronous().await;
                        let _ = tx
                            .send(Internal::Reception {
                                requested_at,
                                result,
                            })
                            .await;
                    });
                }
            },
            Internal::Synced { session_id, result } => {
                self.syncing.remove(&session_id);
                match result {
                    Ok(records) => {
                        for record in records {
                            let message = message_from_record(&session_id, &record);
                            self.offer(
                                Record {
                                    message,
                                    received_at: None,
                                },
                                batch,
                            );
                        }
                        if self.sequencer.has_hole(&session_id) {
                            self.sync_due
                                .insert(session_id, Instant::now() + Duration::from_secs(1));
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, session = %session_id, "sync failed; retrying");
                        self.sync_due
                            .insert(session_id, Instant::now() + Duration::from_secs(1));
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

    /// Brings the local session list in line with the platform's reception list.
    fn reconcile(&mut self, requested_at: Instant, items: Vec<ReceptionItem>, batch: &mut Batch) {
        let mut listed = HashSet::new();
        for item in items {
            let Some(cid) = item.cid.clone() else {
                continue;
            };
            listed.insert(cid.clone());
            self.ensure_session(
                &cid,
                item.uid.as_deref(),
                item.uname.as_deref(),
                item.usource,
                item.accept_time_order,
                batch,
            );
            self.sync_if_behind(cid, item.last_seq);
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
        self.start_due_syncs();
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
                    created_at_ms: now_ms(),
                    attachment,
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
                        seq: None,
                        error: None,
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

    fn on_outcome(&mut self, report: OutcomeReport, batch: &mut Batch) {
        match report.outcome {
            SendOutcome::Accepted { item, receipt } => {
                self.stat(|s| s.sends_accepted += 1);
                batch.write(
                    Write::OutboxAccepted {
                        client_msg_id: item.client_msg_id.clone(),
                    },
                    None,
                );
                let mut message = item.pending_message();
                message.seq = receipt.seq;
                message.msg_id = receipt.msg_id;
                message.status = DeliveryStatus::Sent;
                message.sent_at_ms = receipt.ts.unwrap_or(message.sent_at_ms);
                self.offer(
                    Record {
                        message,
                        received_at: None,
                    },
                    batch,
                );
            }
            SendOutcome::Failed { item, error } if error.is_transient() => {
                self.stat(|s| s.sends_postponed += 1);
                let delay = backoff_with_jitter(
                    item.attempts + 1,
                    Duration::from_millis(250),
                    Duration::from_secs(30),
                );
                batch.write(
                    Write::Postpone {
                        client_msg_id: item.client_msg_id,
                        next_attempt_at_ms: now_ms() + delay.as_millis() as i64,
                        error: error.to_string(),
                    },
                    None,
                );
            }
            SendOutcome::Failed { item, error } => {
                self.stat(|s| s.sends_failed += 1);
                self.pending_clients.remove(&item.client_msg_id);
                batch.write(
                    Write::MarkFailed {
                        client_msg_id: item.client_msg_id.clone(),
                        error: error.to_string(),
                    },
                    Some(DomainEvent::MessageStatusChanged {
                        session_id: item.session_id,
                        client_msg_id: item.client_msg_id,
                        status: DeliveryStatus::Failed,
                        msg_id: None,
                        seq: None,
                        error: Some(error.to_string()),
                    }),
                );
            }
        }
        batch.effects.push(Effect::Committed(report.committed));
    }
}

fn direction_of(sender: Option<i64>) -> Direction {
    if sender == Some(sender_type::AGENT) {
        Direction::Out
    } else {
        Direction::In
    }
}

fn message_from_push(cid: &str, data: &PushMessageModel) -> Message {
    Message {
        session_id: cid.to_string(),
        seq: data.seq,
        msg_id: data.msg_id.clone(),
        client_msg_id: data.client_msg_id.clone(),
        direction: direction_of(data.sender_type),
        kind: MessageKind::from_sobot_msg_type(data.msg_type.unwrap_or(0)),
        content: data.content.clone().unwrap_or_default(),
        sender_name: data
            .uname
            .clone()
            .or_else(|| data.aname.clone())
            .unwrap_or_default(),
        sent_at_ms: data.ts.unwrap_or_else(now_ms),
        status: DeliveryStatus::Sent,
    }
}

fn message_from_record(cid: &str, record: &ChatRecord) -> Message {
    Message {
        // The session asked about, never one the record claims: a sync answer cannot write into
        // another session.
        session_id: cid.to_string(),
        seq: record.seq,
        msg_id: record.msg_id.clone(),
        client_msg_id: record.client_msg_id.clone(),
        direction: direction_of(record.sender_type),
        kind: MessageKind::from_sobot_msg_type(record.msg_type.unwrap_or(0)),
        content: record.content.clone().unwrap_or_default(),
        sender_name: record.sender_name.clone().unwrap_or_default(),
        sent_at_ms: record.t.unwrap_or_else(now_ms),
        status: DeliveryStatus::Sent,
    }
}
