//! The calls under way, and how each ends exactly once. A call is registered before its task
//! starts; whoever takes it from the register ends it (its own task when the answer is in, or a
//! cancel, or the workspace closing), writes its record and publishes its `Done`; the other finds
//! nothing to take and stays quiet. Text shown after a cancel is impossible: the text callback and
//! the cancel take the same lock, and a cancelled call shows nothing more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use agentdesk_workspace::{AssistEvent, AssistOutcome, AssistStep, DeskEvent, Feature, Publisher};
use tokio_util::sync::CancellationToken;

/// What the draft area has been shown of a call, and whether it was stopped.
#[derive(Default)]
pub(crate) struct Shown {
    pub text: String,
    pub stopped: bool,
}

/// One call under way.
#[derive(Clone)]
pub(crate) struct Call {
    pub id: String,
    pub session_id: String,
    pub feature: Feature,
    pub started_ms: i64,
    pub shown: Arc<Mutex<Shown>>,
    pub stop: CancellationToken,
}

impl Call {
    pub(crate) fn new(session_id: &str, feature: Feature, started_ms: i64) -> Call {
        Call {
            id: uuid::Uuid::new_v4().to_string(),
            session_id: session_id.to_string(),
            feature,
            started_ms,
            shown: Arc::default(),
            stop: CancellationToken::new(),
        }
    }

    fn event(&self, step: AssistStep) -> impl FnOnce(u64) -> DeskEvent {
        let step = AssistEvent {
            call_id: self.id.clone(),
            session_id: self.session_id.clone(),
            feature: self.feature,
            step,
        };
        move |workspace| DeskEvent::Assist { workspace, step }
    }

    /// Shows `text` unless the call was stopped.
    pub(crate) fn show_text(&self, publisher: &Publisher, text: &str) {
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if shown.stopped {
            return;
        }
        shown.text.push_str(text);
        publisher.publish(self.event(AssistStep::Text {
            text: text.to_string(),
        }));
    }

    /// Tells the draft area the call waits `seconds` (unless it was stopped).
    pub(crate) fn show_wait(&self, publisher: &Publisher, seconds: u32, reason: String) {
        let shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if !shown.stopped {
            publisher.publish(self.event(AssistStep::Waiting { seconds, reason }));
        }
    }

    /// Stops the call: nothing more is shown. Answers what was shown until now.
    pub(crate) fn stop(&self) -> String {
        self.stop.cancel();
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        shown.stopped = true;
        shown.text.clone()
    }

    pub(crate) fn publish_done(&self, publisher: &Publisher, outcome: AssistOutcome) {
        publisher.publish(self.event(AssistStep::Done { outcome }));
    }
}

/// The register of calls under way.
#[derive(Default)]
pub(crate) struct Calls {
    running: Mutex<HashMap<String, Call>>,
}

impl Calls {
    pub(crate) fn register(&self, call: Call) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(call.id.clone(), call);
    }

    /// Takes the call to end it; `None` when something else ended it already.
    pub(crate) fn take(&self, call_id: &str) -> Option<Call> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(call_id)
    }

    /// Takes every call (the workspace closes).
    pub(crate) fn take_all(&self) -> Vec<Call> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .map(|(_, call)| call)
            .collect()
    }

    pub(crate) fn count(&self) -> usize {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentdesk_workspace::Bus;

    /// A call that ends before anyone cancels it, and one cancelled first: in either order, one end.
    #[test]
    fn a_call_ends_once_whoever_comes_first() {
        let calls = Calls::default();
        let call = Call::new("c1", Feature::Draft, 0);
        calls.register(call.clone());
        assert!(calls.take(&call.id).is_some(), "its task ends it");
        assert!(
            calls.take(&call.id).is_none(),
            "a cancel after that finds nothing"
        );

        let call = Call::new("c1", Feature::Draft, 0);
        calls.register(call.clone());
        assert!(calls.take(&call.id).is_some(), "the cancel ends it");
        assert!(calls.take(&call.id).is_none(), "its task finds nothing");
        assert_eq!(calls.count(), 0);
    }

    #[tokio::test]
    async fn nothing_is_shown_after_a_stop() {
        let bus = Bus::new();
        bus.show(1);
        let publisher = bus.publisher(1);
        let mut window = bus.subscribe();
        let call = Call::new("c1", Feature::Draft, 0);
        call.show_text(&publisher, "您好");
        assert_eq!(call.stop(), "您好");
        call.show_text(&publisher, "，还在吗");
        call.show_wait(&publisher, 2, "busy".into());
        assert!(matches!(window.try_recv(), Some(DeskEvent::Assist { .. })));
        assert!(window.try_recv().is_none());
    }
}
