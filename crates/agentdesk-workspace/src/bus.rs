//! The workbench's one event bus. Each workspace publishes into it through its `Publisher`, bound to
//! the workspace's generation; the host says which generation is on screen (`show`), and from that
//! moment nothing older reaches a subscriber: a publisher of a previous tenant is turned away, and
//! an older event already queued for a subscriber is dropped when that subscriber reads it. So the
//! window, the desktop shell, the CLI and the tests all see one stream, and never a straggler.
//! A subscriber that falls behind gets a `Resync` (read again what you show) instead of a hole.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::broadcast;

use crate::events::DeskEvent;

/// Events buffered per subscriber (a subscriber further behind gets a `Resync`).
const BUS_CAPACITY: usize = 4096;

/// Which notices the agent wants, and from which risk a customer is upset (from Settings).
#[derive(Debug, Clone, PartialEq)]
pub struct NoticePolicy {
    pub new_session: bool,
    pub new_message: bool,
    pub upset_customer: bool,
    /// The risk (0..1) from which a session is warned about.
    pub mood_threshold: f32,
}

/// Risk from which a session is warned about, unless the agent chose otherwise.
pub const DEFAULT_RISK_THRESHOLD: f32 = 0.75;

impl Default for NoticePolicy {
    fn default() -> Self {
        NoticePolicy {
            new_session: true,
            new_message: true,
            upset_customer: true,
            mood_threshold: DEFAULT_RISK_THRESHOLD,
        }
    }
}

/// The bus: one sender, the generation on screen, and the notice policy. Cloning shares it.
#[derive(Clone)]
pub struct Bus {
    sender: broadcast::Sender<DeskEvent>,
    on_screen: Arc<AtomicU64>,
    policy: Arc<RwLock<NoticePolicy>>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus::with_capacity(BUS_CAPACITY)
    }
}

impl Bus {
    pub fn new() -> Bus {
        Bus::default()
    }

    fn with_capacity(capacity: usize) -> Bus {
        Bus {
            sender: broadcast::channel(capacity).0,
            on_screen: Arc::new(AtomicU64::new(0)),
            policy: Arc::default(),
        }
    }

    /// A new subscriber, from now on.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            receiver: self.sender.subscribe(),
            on_screen: self.on_screen.clone(),
        }
    }

    /// Workspace `generation` is on screen now: older ones' events are dropped from here on.
    pub fn show(&self, generation: u64) {
        self.on_screen.fetch_max(generation, Ordering::SeqCst);
    }

    /// The generation on screen.
    pub fn on_screen(&self) -> u64 {
        self.on_screen.load(Ordering::SeqCst)
    }

    /// The publisher of workspace `generation`.
    pub fn publisher(&self, generation: u64) -> Publisher {
        Publisher {
            bus: self.clone(),
            generation,
        }
    }

    pub fn set_policy(&self, policy: NoticePolicy) {
        *self.policy.write().unwrap_or_else(|p| p.into_inner()) = policy;
    }

    pub fn policy(&self) -> NoticePolicy {
        self.policy
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Publishes an event that belongs to no workspace (the API health alert).
    pub fn publish_account_event(&self, event: DeskEvent) {
        debug_assert!(event.workspace().is_none());
        // No subscriber is not an error: the CLI and tests often have none.
        let _ = self.sender.send(event);
    }
}

/// One workspace's way onto the bus: everything it publishes is of its generation, and nothing it
/// publishes gets through once a newer workspace is on screen.
#[derive(Clone)]
pub struct Publisher {
    bus: Bus,
    generation: u64,
}

impl Publisher {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether this workspace is (still, or already) the one on screen.
    pub fn is_current(&self) -> bool {
        self.generation >= self.bus.on_screen()
    }

    pub fn policy(&self) -> NoticePolicy {
        self.bus.policy()
    }

    /// Publishes the event `make` builds for this workspace's generation, unless a newer workspace
    /// is on screen.
    pub fn publish(&self, make: impl FnOnce(u64) -> DeskEvent) {
        if self.is_current() {
            let _ = self.bus.sender.send(make(self.generation));
        }
    }
}

/// One subscriber's view of the bus.
pub struct Subscription {
    receiver: broadcast::Receiver<DeskEvent>,
    on_screen: Arc<AtomicU64>,
}

impl Subscription {
    /// The next event; `None` once the workbench is gone. After falling behind, a `Resync` first.
    pub async fn recv(&mut self) -> Option<DeskEvent> {
        loop {
            let event = match self.receiver.recv().await {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "a bus subscriber fell behind");
                    return Some(self.resync(skipped));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            if self.shown(&event) {
                return Some(event);
            }
        }
    }

    /// The next event if one is waiting (as `recv`), else `None` at once.
    pub fn try_recv(&mut self) -> Option<DeskEvent> {
        loop {
            let event = match self.receiver.try_recv() {
                Ok(event) => event,
                Err(broadcast::error::TryRecvError::Lagged(skipped)) => {
                    return Some(self.resync(skipped))
                }
                Err(_) => return None,
            };
            if self.shown(&event) {
                return Some(event);
            }
        }
    }

    /// Whether `event` is of the workspace on screen (or of a newer one, before its snapshot; or of
    /// none): an older one published before the switch and still queued here is dropped now.
    fn shown(&self, event: &DeskEvent) -> bool {
        event
            .workspace()
            .is_none_or(|generation| generation >= self.on_screen.load(Ordering::SeqCst))
    }

    fn resync(&self, skipped: u64) -> DeskEvent {
        DeskEvent::Resync {
            workspace: self.on_screen.load(Ordering::SeqCst),
            skipped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentdesk_domain::{ConnectionState, DomainEvent};

    fn connection(workspace: u64) -> impl FnOnce(u64) -> DeskEvent {
        move |generation| {
            assert_eq!(generation, workspace);
            DeskEvent::Domain {
                workspace: generation,
                event: DomainEvent::ConnectionChanged {
                    state: ConnectionState::Connected,
                },
            }
        }
    }

    #[tokio::test]
    async fn a_previous_workspace_is_turned_away_and_its_queued_events_dropped() {
        let bus = Bus::new();
        bus.show(1);
        let mut events = bus.subscribe();
        let (first, second) = (bus.publisher(1), bus.publisher(2));
        first.publish(connection(1));
        second.publish(connection(2));
        // The switch: workspace 1's event is still queued for the subscriber.
        bus.show(2);
        first.publish(connection(1));
        assert!(!first.is_current());
        match events.recv().await {
            Some(DeskEvent::Domain { workspace, .. }) => assert_eq!(workspace, 2),
            other => panic!("{other:?}"),
        }
        assert!(events.try_recv().is_none());
    }

    #[tokio::test]
    async fn a_subscriber_that_fell_behind_is_told_to_resync() {
        let bus = Bus::with_capacity(4);
        bus.show(5);
        let mut events = bus.subscribe();
        let publisher = bus.publisher(5);
        for _ in 0..10 {
            publisher.publish(connection(5));
        }
        match events.recv().await {
            Some(DeskEvent::Resync { workspace, skipped }) => {
                assert_eq!(workspace, 5);
                assert_eq!(skipped, 6);
            }
            other => panic!("expected a resync, got {other:?}"),
        }
        assert!(matches!(
            events.recv().await,
            Some(DeskEvent::Domain { .. })
        ));
    }
}
