//! The workbench's one event bus. Each workspace's engine publishes into it through the workspace's
//! forwarder, tagged with the workspace generation, and the bus filters once: a previous tenant's
//! stragglers are dropped here, before anyone sees them. Beside the domain events it carries what the
//! use cases derive from them (each session's mood, the notices worth telling the agent outside the
//! window) and the API health alert, so the desktop shell, the CLI and the tests all see one stream.
//! A subscriber that falls behind gets a `Resync` (read again what you show) instead of a hole.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use agentdesk_domain::{mask_pii, Direction, DomainEvent};
use agentdesk_engine::EngineHandle;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::mood::MoodWatch;
use crate::{ApiHealthAlert, MoodEvent, ResyncEvent, Settings, WorkbenchEvent};

/// Events buffered per subscriber (a subscriber further behind gets a `Resync`).
const BUS_CAPACITY: usize = 4096;
/// How much of a customer's message a notification previews.
const PREVIEW_CHARS: usize = 60;

/// One thing the workbench tells whoever listens.
#[derive(Debug, Clone)]
pub enum DeskEvent {
    /// A domain event of the workspace on screen (or of a newer one, before its snapshot).
    Domain(WorkbenchEvent),
    /// A session's mood changed what the window shows.
    Mood(MoodEvent),
    /// Worth telling the agent outside the window (the host words it and decides how to show it).
    Notice(Notice),
    /// The API health alert was raised or cleared.
    Health(ApiHealthAlert),
    /// This subscriber fell behind and missed events: read again whatever is shown.
    Resync(ResyncEvent),
    /// How far the knowledge base's questions are understood (embedded) in the background.
    Indexing(crate::knowledge::IndexingProgress),
    /// A step of one of the reply assistant's calls (text to append, a wait, the end).
    Assist(crate::assistant::AssistEvent),
}

/// What a desktop notification is about, as data: the host words it in the agent's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A customer was assigned to the agent.
    NewSession {
        session_id: String,
        customer: String,
    },
    /// A customer wrote (the preview's personal data masked). Hosts show it only when the agent is
    /// not looking at the window.
    NewMessage {
        session_id: String,
        customer: String,
        preview: String,
    },
    /// A customer crossed the warning threshold (once per crossing, not per angry line).
    UpsetCustomer {
        session_id: String,
        customer: String,
        percent: u8,
        cues: Vec<String>,
    },
    /// Platform calls started failing, or recovered.
    ApiHealth(ApiHealthAlert),
}

/// Which notices the agent wants, and from which risk a customer is upset (from Settings).
#[derive(Debug, Clone, PartialEq)]
pub struct NoticePolicy {
    pub new_session: bool,
    pub new_message: bool,
    pub upset_customer: bool,
    /// The risk (0..1) from which a session is warned about.
    pub mood_threshold: f32,
}

impl From<&Settings> for NoticePolicy {
    fn from(settings: &Settings) -> Self {
        NoticePolicy {
            new_session: settings.notify_new_session,
            new_message: settings.notify_new_message,
            upset_customer: settings.notify_upset_customer,
            mood_threshold: settings.mood_threshold(),
        }
    }
}

impl Default for NoticePolicy {
    fn default() -> Self {
        NoticePolicy::from(&Settings::default())
    }
}

/// The bus: one sender, the generation on screen, and the notice policy.
#[derive(Clone)]
pub struct Bus {
    sender: broadcast::Sender<DeskEvent>,
    on_screen: Arc<AtomicU64>,
    policy: Arc<RwLock<NoticePolicy>>,
}

impl Bus {
    pub(crate) fn new(on_screen: u64) -> Bus {
        Bus::with_capacity(on_screen, BUS_CAPACITY)
    }

    fn with_capacity(on_screen: u64, capacity: usize) -> Bus {
        Bus {
            sender: broadcast::channel(capacity).0,
            on_screen: Arc::new(AtomicU64::new(on_screen)),
            policy: Arc::default(),
        }
    }

    /// A new subscriber, from now on.
    pub fn subscribe(&self) -> DeskEvents {
        DeskEvents {
            receiver: self.sender.subscribe(),
            on_screen: self.on_screen.clone(),
        }
    }

    /// Workspace `generation` is on screen now: older ones' events are dropped from here on.
    pub(crate) fn show(&self, generation: u64) {
        self.on_screen.store(generation, Ordering::SeqCst);
    }

    pub(crate) fn set_policy(&self, policy: NoticePolicy) {
        *self.policy.write().unwrap_or_else(|p| p.into_inner()) = policy;
    }

    fn policy(&self) -> NoticePolicy {
        self.policy
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Publishes an event of workspace `generation`, unless a newer workspace is on screen.
    fn publish_from(&self, generation: u64, event: DeskEvent) {
        if generation >= self.on_screen.load(Ordering::SeqCst) {
            // No subscriber is not an error: the CLI and tests often have none.
            let _ = self.sender.send(event);
        }
    }

    /// Publishes an event that belongs to no workspace (the API health alert).
    pub(crate) fn publish(&self, event: DeskEvent) {
        let _ = self.sender.send(event);
    }
}

/// One subscriber's view of the bus.
pub struct DeskEvents {
    receiver: broadcast::Receiver<DeskEvent>,
    on_screen: Arc<AtomicU64>,
}

impl DeskEvents {
    /// The next event; `None` once the workbench is gone. After falling behind, a `Resync` first.
    pub async fn recv(&mut self) -> Option<DeskEvent> {
        match self.receiver.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "a bus subscriber fell behind");
                Some(DeskEvent::Resync(ResyncEvent {
                    workspace: self.on_screen.load(Ordering::SeqCst),
                    skipped,
                }))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next event if one is waiting (as `recv`), else `None` at once.
    pub fn try_recv(&mut self) -> Option<DeskEvent> {
        match self.receiver.try_recv() {
            Ok(event) => Some(event),
            Err(broadcast::error::TryRecvError::Lagged(skipped)) => {
                Some(DeskEvent::Resync(ResyncEvent {
                    workspace: self.on_screen.load(Ordering::SeqCst),
                    skipped,
                }))
            }
            Err(_) => None,
        }
    }
}

/// One workspace's publisher: turns its engine's events into bus events, with the moods and notices
/// they imply.
pub(crate) struct WorkspacePublisher {
    bus: Bus,
    generation: u64,
    engine: EngineHandle,
    moods: MoodWatch,
    /// Customers' names by session, for notices.
    customers: HashMap<String, String>,
}

impl WorkspacePublisher {
    pub(crate) fn new(bus: Bus, generation: u64, engine: EngineHandle) -> WorkspacePublisher {
        WorkspacePublisher {
            bus,
            generation,
            engine,
            moods: MoodWatch::new(),
            customers: HashMap::new(),
        }
    }

    pub(crate) async fn publish(&mut self, event: DomainEvent) {
        let policy = self.bus.policy();
        let mut derived = Vec::new();
        match &event {
            DomainEvent::SessionOpened { session } => {
                self.customers
                    .insert(session.id.clone(), session.visitor_name.clone());
                if policy.new_session {
                    derived.push(DeskEvent::Notice(Notice::NewSession {
                        session_id: session.id.clone(),
                        customer: session.visitor_name.clone(),
                    }));
                }
            }
            DomainEvent::MessageStored { message }
                if message.direction == Direction::In && policy.new_message =>
            {
                derived.push(DeskEvent::Notice(Notice::NewMessage {
                    session_id: message.session_id.clone(),
                    customer: self.customer(&message.session_id, &message.sender_name),
                    preview: mask_pii(&message.content)
                        .chars()
                        .take(PREVIEW_CHARS)
                        .collect(),
                }));
            }
            _ => {}
        }
        // The message goes out first (and its notices): the window shows it without waiting for the
        // judgement of its mood, which follows.
        let to_judge = self.moods.to_judge(&event).map(str::to_string);
        self.bus.publish_from(
            self.generation,
            DeskEvent::Domain(WorkbenchEvent {
                workspace: self.generation,
                event,
            }),
        );
        for event in derived {
            self.bus.publish_from(self.generation, event);
        }
        // Judging reads the session's last messages: on a blocking thread, off the async runtime.
        let judged = match to_judge {
            Some(session_id) => {
                let engine = self.engine.clone();
                let threshold = policy.mood_threshold;
                tokio::task::spawn_blocking(move || {
                    crate::knowledge::judge_mood(&engine, &session_id, threshold)
                })
                .await
                .unwrap_or_else(|error| {
                    Err(crate::ApiError::new(
                        crate::ErrorCode::NotReady,
                        format!("judging a mood stopped: {error}"),
                    ))
                })
                .map(|mood| self.moods.judged(self.generation, mood))
            }
            None => Ok(None),
        };
        match judged {
            Ok(Some(change)) => {
                let mood = change.event.mood.clone();
                self.bus
                    .publish_from(self.generation, DeskEvent::Mood(change.event));
                if change.crossed && policy.upset_customer {
                    let notice = Notice::UpsetCustomer {
                        customer: self.customer(&mood.session_id, ""),
                        session_id: mood.session_id,
                        percent: (mood.risk * 100.0).round().clamp(0.0, 100.0) as u8,
                        // Masked already (a cue can be a number the customer typed).
                        cues: mood.cues,
                    };
                    self.bus
                        .publish_from(self.generation, DeskEvent::Notice(notice));
                }
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not judge a session's mood"),
        }
    }

    /// The customer's name in `session_id`: remembered from its opening, else looked up once in the
    /// engine's sessions (a session opened before this publisher started) and remembered.
    fn customer(&mut self, session_id: &str, fallback: &str) -> String {
        if let Some(name) = self.customers.get(session_id) {
            return name.clone();
        }
        let found = self.engine.sessions().ok().and_then(|sessions| {
            sessions
                .into_iter()
                .find(|s| s.id == session_id)
                .map(|s| s.visitor_name)
        });
        match found {
            Some(name) => {
                self.customers.insert(session_id.to_string(), name.clone());
                name
            }
            None => fallback.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentdesk_domain::ConnectionState;

    fn connection_event(workspace: u64) -> DeskEvent {
        DeskEvent::Domain(WorkbenchEvent {
            workspace,
            event: DomainEvent::ConnectionChanged {
                state: ConnectionState::Connected,
            },
        })
    }

    #[tokio::test]
    async fn a_previous_workspace_is_filtered_once_and_a_newer_one_passes() {
        let bus = Bus::new(2);
        let mut events = bus.subscribe();
        bus.publish_from(1, connection_event(1));
        bus.publish_from(3, connection_event(3));
        bus.publish_from(2, connection_event(2));
        let mut seen = Vec::new();
        for _ in 0..2 {
            match events.recv().await {
                Some(DeskEvent::Domain(e)) => seen.push(e.workspace),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(seen, vec![3, 2]);
    }

    #[tokio::test]
    async fn a_subscriber_that_fell_behind_is_told_to_resync() {
        let bus = Bus::with_capacity(5, 4);
        let mut events = bus.subscribe();
        for _ in 0..10 {
            bus.publish_from(5, connection_event(5));
        }
        match events.recv().await {
            Some(DeskEvent::Resync(resync)) => {
                assert_eq!(resync.workspace, 5);
                assert_eq!(resync.skipped, 6);
            }
            other => panic!("expected a resync, got {other:?}"),
        }
        assert!(matches!(events.recv().await, Some(DeskEvent::Domain(_))));
    }
}
