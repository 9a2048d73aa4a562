//! The engine's actor: the one task that decides. See the crate docs for the shape; this module and
//! its children hold the rules:
//! what each push code does, when to catch up from the platform's history, how a send's outcome is
//! settled, and what is written and emitted for each input.
//!
//! Only what Sobot really offers is relied on (docs/PROTOCOL.md): messages are de-duplicated by the
//! platform's `msgId`, ordered by the platform's own times (a push carries whole seconds, a session's
//! records milliseconds), and every gap (a reconnect, a restart, a failed commit, a push that cannot
//! be placed by its time) is closed by reading the session's records (`queryHistoryRecords`). Sobot
//! honours no client message id, so a send whose outcome is unknown is looked for in those records
//! before it is ever sent again.
//!
//! This module holds the actor's state, its loop and its commits; `push` what each push does,
//! `catch_up` when and how a session is read from the platform's records, `sends` how a reply's
//! outcome is settled.

mod catch_up;
pub use catch_up::EXACT_TIMES_AFTER;
mod push;
mod sends;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentdesk_domain::{ConnectionState, DomainEvent, Session, SharedClock};
use agentdesk_sobot::client::CallRecord;
use agentdesk_sobot::client::PushHandle;
use agentdesk_sobot::protocol::{ChatMessageModel, SynChronousModel};
use agentdesk_sobot::{AgentClient, ClientError, PushInput};
use agentdesk_store::{AuditEntry, OutboxAttachment, Store, StoreError, Write};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};

use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::outbox::OutcomeReport;
use crate::stats::EngineStats;
use crate::writer::StoreWriter;

/// Inputs handled per commit at most; more wait for the next batch.
const MAX_BATCH: usize = 4096;
/// Every so often the reception list is compared with what is stored, for pushes lost without the
/// connection noticing.
const RECONCILE_EVERY: Duration = Duration::from_secs(60);

pub(crate) enum Command {
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

pub(crate) enum Internal {
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

    /// `stored` (a session's messages by msg id, with the time each is stored at) as it will be once
    /// this batch commits: a push handled just before a catch-up in the same batch is not on disk
    /// yet, and the catch-up must not take it for missing (its insert would be ignored, leaving the
    /// message at the place the push gave it, after the read meant to correct that).
    fn overlay_stored(&self, session_id: &str, stored: &mut HashMap<String, i64>) {
        for write in &self.writes {
            match write {
                Write::StoreMessage(message) if message.session_id == session_id => {
                    if let Some(msg_id) = &message.msg_id {
                        stored.entry(msg_id.clone()).or_insert(message.sent_at_ms);
                    }
                }
                Write::ConfirmMessageTime { msg_id, sent_at_ms } => {
                    if let Some(at) = stored.get_mut(msg_id) {
                        *at = *sent_at_ms;
                    }
                }
                _ => {}
            }
        }
    }
}

/// What the actor publishes for the engine's readers.
#[derive(Clone, Default)]
pub(crate) struct Shared {
    connection: Arc<Mutex<Option<ConnectionState>>>,
    stats: Arc<Mutex<EngineStats>>,
    /// Why the last commit failed, while commits fail (a full disk, a read-only data directory).
    storage_problem: Arc<Mutex<Option<String>>>,
}

impl Shared {
    pub(crate) fn connection(&self) -> ConnectionState {
        self.connection
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or(ConnectionState::Connecting)
    }

    pub(crate) fn stats(&self) -> EngineStats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn storage_problem(&self) -> Option<String> {
        self.storage_problem
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The channels the actor listens on.
pub(crate) struct Inputs {
    pub commands: mpsc::Receiver<Command>,
    pub push: mpsc::Receiver<PushInput>,
    /// The connection feeding `push` (closed when the actor stops).
    pub push_connection: PushHandle,
    pub internal: mpsc::Receiver<Internal>,
    pub outcomes: mpsc::Receiver<OutcomeReport>,
    pub calls: mpsc::UnboundedReceiver<CallRecord>,
    pub shutdown: watch::Receiver<bool>,
}

impl Inputs {
    /// The next input already waiting, in the order the actor takes them.
    fn waiting(&mut self) -> Option<Input> {
        if let Ok(input) = self.push.try_recv() {
            Some(Input::Push(input))
        } else if let Ok(report) = self.outcomes.try_recv() {
            Some(Input::Outcome(Box::new(report)))
        } else if let Ok(input) = self.internal.try_recv() {
            Some(Input::Internal(input))
        } else if let Ok(command) = self.commands.try_recv() {
            Some(Input::Command(command))
        } else if let Ok(call) = self.calls.try_recv() {
            Some(Input::Call(call))
        } else {
            None
        }
    }
}

pub(crate) struct Actor {
    client: Arc<AgentClient>,
    clock: SharedClock,
    /// The actor's own read-only connection (what it looks up while deciding).
    store: Store,
    writer: StoreWriter,
    events: broadcast::Sender<DomainEvent>,
    shared: Shared,
    wake_outbox: Arc<Notify>,
    internal_tx: mpsc::Sender<Internal>,
    sessions: HashMap<String, SessionMeta>,
    /// Client ids of our own sends not confirmed yet.
    pending_clients: HashSet<String>,
    /// Sends whose request is out now: client id → (session, its text).
    in_flight: HashMap<String, (String, String)>,
    catching_up: HashSet<String>,
    catch_up_due: HashMap<String, CatchUpDue>,
    /// Reception lists asked for and not answered yet.
    receptions_in_flight: usize,
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
    /// The actor of a new engine, from what the database holds (sessions, sends not confirmed).
    pub(crate) fn resume(
        config: &EngineConfig,
        writer: StoreWriter,
        events: broadcast::Sender<DomainEvent>,
        shared: Shared,
        wake_outbox: Arc<Notify>,
        internal_tx: mpsc::Sender<Internal>,
    ) -> Result<Actor, EngineError> {
        let store = config.database.open_read_only()?;
        let mut sessions = HashMap::new();
        // Where each session stands on the platform's clock: a push after a restart is placed
        // against what is stored (in the same second as the newest: just after it, with its exact
        // time read soon), not as the session's first message.
        let latest = store.latest_confirmed_times()?;
        for session in store.sessions()? {
            sessions.insert(
                session.id.clone(),
                SessionMeta {
                    latest_ms: latest.get(&session.id).copied().unwrap_or(0),
                    session,
                    opened_at: Instant::now(),
                },
            );
        }
        let pending_clients = store
            .pending_outbox()?
            .into_iter()
            .map(|item| item.client_msg_id)
            .collect();
        Ok(Actor {
            client: config.client.clone(),
            clock: config.clock.clone(),
            store,
            writer,
            events,
            shared,
            wake_outbox,
            internal_tx,
            sessions,
            pending_clients,
            in_flight: HashMap::new(),
            catching_up: HashSet::new(),
            catch_up_due: HashMap::new(),
            receptions_in_flight: 0,
            agent_name: config.agent_name.clone(),
            actor_name: config.client.credentials().email.clone(),
        })
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().as_i64()
    }

    /// The loop: wait for an input, take whatever else is waiting, commit it as one batch. Runs
    /// until shutdown, then closes the push connection.
    pub(crate) async fn run(mut self, mut inputs: Inputs) {
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
                _ = inputs.shutdown.changed() => break,
                Some(input) = inputs.push.recv() => Input::Push(input),
                Some(report) = inputs.outcomes.recv() => Input::Outcome(Box::new(report)),
                Some(input) = inputs.internal.recv() => Input::Internal(input),
                Some(command) = inputs.commands.recv() => Input::Command(command),
                Some(call) = inputs.calls.recv() => Input::Call(call),
                _ = tick.tick() => {
                    self.start_due_catch_ups();
                    continue;
                }
                _ = reconcile.tick() => {
                    if matches!(self.shared.connection(), ConnectionState::Connected) {
                        self.request_reception(false, Duration::ZERO);
                    }
                    continue;
                }
            };
            let mut batch = Batch::default();
            self.handle(first, &mut batch);
            // Take whatever else is already waiting, for one commit.
            while batch.writes.len() < MAX_BATCH {
                let Some(next) = inputs.waiting() else { break };
                self.handle(next, &mut batch);
            }
            self.commit(batch).await;
            self.start_due_catch_ups();
        }
        inputs.push_connection.shutdown().await;
    }

    fn emit(&self, event: DomainEvent) {
        if let DomainEvent::ConnectionChanged { state } = &event {
            *self
                .shared
                .connection
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(state.clone());
        }
        let _ = self.events.send(event);
    }

    /// Records whether commits fail, and tells the window when that changes (not on every failed
    /// batch: a full disk fails them all).
    fn set_storage_problem(&self, problem: Option<String>) {
        let mut current = self
            .shared
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
        update(&mut self.shared.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Writes the batch in one transaction, then carries out its effects in input order.
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
        match applied {
            Ok(applied) => {
                if !applied.is_empty() {
                    self.set_storage_problem(None);
                }
                self.committed(&applied, effects);
            }
            Err(error) => self.not_committed(error, effects, attempts),
        }
    }

    /// Nothing of the batch is stored. What it held comes back from the platform: every session is
    /// caught up again, and sends whose attempt was not recorded stay unsent.
    fn not_committed(&mut self, error: StoreError, effects: Vec<Effect>, attempts: Vec<String>) {
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
        let failed = || EngineError::Store(StoreError::Sqlite(error.to_string()));
        for effect in effects {
            match effect {
                Effect::ReplySend { reply, .. } => {
                    let _ = reply.send(Err(failed()));
                }
                Effect::ReplyUnit(reply) => {
                    let _ = reply.send(Err(failed()));
                }
                _ => {}
            }
        }
    }

    /// The batch is on disk: events for what changed, answers to whoever waits, figures.
    fn committed(&mut self, applied: &[bool], effects: Vec<Effect>) {
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
}

#[cfg(test)]
mod tests {
    use agentdesk_domain::{DeliveryStatus, Direction, Message, MessageKind};

    use super::*;

    fn pushed(session_id: &str, msg_id: &str, sent_at_ms: i64) -> Write {
        Write::StoreMessage(Message {
            session_id: session_id.into(),
            msg_id: Some(msg_id.into()),
            client_msg_id: None,
            direction: Direction::In,
            kind: MessageKind::Text,
            content: "hello".into(),
            sender_name: "Emma".into(),
            sent_at_ms,
            status: DeliveryStatus::Sent,
            transcript: None,
        })
    }

    #[test]
    fn a_catch_up_sees_what_its_batch_is_about_to_store() {
        let mut batch = Batch::default();
        // On disk: m1 at its exact time. In this batch: m2 placed just after it by its push, m1
        // pushed again (a duplicate: the insert is ignored), a message of another session, and a
        // corrected time for m1.
        batch.writes.push(pushed("s1", "m2", 1_001));
        batch.writes.push(pushed("s1", "m1", 1_000));
        batch.writes.push(pushed("s2", "x1", 1_500));
        batch.writes.push(Write::ConfirmMessageTime {
            msg_id: "m1".into(),
            sent_at_ms: 1_300,
        });
        let mut stored = HashMap::from([("m1".to_string(), 1_200)]);
        batch.overlay_stored("s1", &mut stored);
        assert_eq!(
            stored,
            HashMap::from([("m1".to_string(), 1_300), ("m2".to_string(), 1_001)])
        );
    }
}
