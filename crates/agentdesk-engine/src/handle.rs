//! The engine's handle: starting an engine on a workspace's database and platform client, and
//! what its users (the workbench's services, the CLI, the tests) ask of it: queue a reply or an image,
//! retry, end a session, write their own data through the single writer, read on the pool, follow
//! the events, stop.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_domain::limits::{IMAGE_TYPES, MAX_IMAGE_BYTES, MAX_TEXT_CHARS};
use agentdesk_domain::{ConnectionState, DomainEvent, Message, Session};
use agentdesk_sobot::client::CallRecord;
use agentdesk_sobot::PushConnection;
use agentdesk_store::{Applied, OutboxAttachment, ReadPool, Write};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;

use crate::actor::{Actor, Command, Shared};
use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::outbox;
use crate::stats::EngineStats;
use crate::writer::StoreWriter;

/// Events kept for slow subscribers. A subscriber that falls further behind is told it lagged and
/// re-reads the store; a bigger buffer would only hold megabytes of old messages in memory.
const EVENT_BUFFER: usize = 4096;

/// A cheap, cloneable handle to a running engine.
#[derive(Clone)]
pub struct EngineHandle {
    /// Calls made outside this engine's client (the tenant API) for its audit log.
    audit_calls: mpsc::UnboundedSender<CallRecord>,
    commands: mpsc::Sender<Command>,
    /// What the actor publishes for readers: the connection's state, the figures, a storage problem.
    shared: Shared,
    events: broadcast::Sender<DomainEvent>,
    /// Read-only connections for the engine's readers (the outbox, the use cases).
    reads: ReadPool,
    /// The database's single writer (shared with the actor).
    writer: StoreWriter,
    shutdown: Arc<watch::Sender<bool>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

pub struct SessionEngine;

impl SessionEngine {
    /// Opens the database, resumes from what it holds (pending sends included) and connects.
    /// Works offline: with no network the engine serves what is stored and keeps reconnecting.
    pub async fn start(config: EngineConfig) -> Result<EngineHandle, EngineError> {
        let writer = StoreWriter::start(&config.database)?;
        let reads = ReadPool::new(config.database.clone());
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (commands_tx, commands) = mpsc::channel(1024);
        let (push_tx, push) = mpsc::channel(8192);
        let push_connection = PushConnection::spawn(config.client.clone(), push_tx);
        let (internal_tx, internal) = mpsc::channel(1024);
        let (outcomes_tx, outcomes) = mpsc::channel(1024);
        let (shutdown_tx, shutdown) = watch::channel(false);
        let shared = Shared::default();
        let wake_outbox = Arc::new(Notify::new());
        // Every call of this engine's client goes to its audit log, batched with its other writes.
        let (calls_tx, calls) = mpsc::unbounded_channel::<CallRecord>();
        let audit_calls = calls_tx.clone();
        config
            .client
            .ledger()
            .observe(Arc::new(move |record: &CallRecord| {
                let _ = calls_tx.send(record.clone());
            }));

        let actor = Actor::resume(
            &config,
            writer.clone(),
            events.clone(),
            shared.clone(),
            wake_outbox.clone(),
            internal_tx,
        )?;
        let outbox_task = tokio::spawn(outbox::run(
            config.client.clone(),
            config.clock.clone(),
            reads.clone(),
            wake_outbox,
            outcomes_tx,
            shutdown.clone(),
        ));
        let actor_task = tokio::spawn(actor.run(crate::actor::Inputs {
            commands,
            push,
            push_connection,
            internal,
            outcomes,
            calls,
            shutdown,
        }));
        Ok(EngineHandle {
            audit_calls,
            commands: commands_tx,
            shared,
            events,
            reads,
            writer,
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

    /// Writes `writes` and then tells every subscriber `event`, as the engine does its own: a
    /// subscriber that reads the store after the event finds what it announced. For a change a
    /// service makes to the conversation (a voice message's transcript).
    pub async fn write_and_announce(
        &self,
        writes: Vec<Write>,
        event: DomainEvent,
    ) -> Result<Applied, EngineError> {
        let applied = self.writer.apply(writes).await?;
        let _ = self.events.send(event);
        Ok(applied)
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

    /// The read-only connections of this engine's database.
    pub fn reads(&self) -> &ReadPool {
        &self.reads
    }

    /// Every session stored, read on a blocking thread.
    pub async fn sessions(&self) -> Result<Vec<Session>, EngineError> {
        Ok(self.reads.read(|store| store.sessions()).await?)
    }

    /// A session's newest `limit` messages, oldest first, read on a blocking thread.
    pub async fn messages(
        &self,
        session_id: &str,
        limit: usize,
    ) -> Result<Vec<Message>, EngineError> {
        let session_id = session_id.to_string();
        Ok(self
            .reads
            .read(move |store| store.messages(&session_id, limit))
            .await?)
    }

    pub async fn outbox_depth(&self) -> Result<u64, EngineError> {
        Ok(self.reads.read(|store| store.outbox_depth()).await?)
    }

    /// The push connection's state now (events report each change).
    pub fn connection_state(&self) -> ConnectionState {
        self.shared.connection()
    }

    pub fn stats(&self) -> EngineStats {
        self.shared.stats()
    }

    /// Why nothing new can be saved right now, if that is so (see `DomainEvent::StorageChanged`).
    pub fn storage_problem(&self) -> Option<String> {
        self.shared.storage_problem()
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
