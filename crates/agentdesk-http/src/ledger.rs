//! The ledger of outside calls: every attempt of every system's client is told to the ledger's
//! observers (API health, the audit log of the workspace on screen, an engine's own audit). A ledger
//! can be a branch of another: a workspace's platform client tells its engine's audit log and,
//! through the parent, the workbench's API health.

use std::sync::{Arc, RwLock};

/// One outside call's attempt. `detail` is already masked (no personal data).
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub endpoint: String,
    /// On the workbench's clock.
    pub started_at_ms: i64,
    pub duration_ms: f64,
    pub outcome: String,
    pub detail: String,
}

pub type CallObserver = Arc<dyn Fn(&CallRecord) + Send + Sync>;

#[derive(Default)]
struct Inner {
    parent: Option<CallLedger>,
    observers: RwLock<Vec<CallObserver>>,
}

/// Where calls are recorded. Cloning shares it.
#[derive(Clone, Default)]
pub struct CallLedger {
    inner: Arc<Inner>,
}

impl CallLedger {
    /// A ledger nobody reads yet.
    pub fn new() -> CallLedger {
        CallLedger::default()
    }

    /// A ledger whose calls are also recorded in this one.
    pub fn branch(&self) -> CallLedger {
        CallLedger {
            inner: Arc::new(Inner {
                parent: Some(self.clone()),
                observers: RwLock::default(),
            }),
        }
    }

    /// `observer` is told of every call recorded from now on.
    pub fn observe(&self, observer: CallObserver) {
        self.inner
            .observers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(observer);
    }

    pub fn record(&self, record: &CallRecord) {
        let observers = self
            .inner
            .observers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        for observer in observers {
            observer(record);
        }
        if let Some(parent) = &self.inner.parent {
            parent.record(record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_branch_tells_its_own_observers_and_its_parent_s() {
        let root = CallLedger::new();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let sink = heard.clone();
        root.observe(Arc::new(move |r: &CallRecord| {
            sink.lock().unwrap().push(format!("root:{}", r.endpoint))
        }));
        let branch = root.branch();
        let sink = heard.clone();
        branch.observe(Arc::new(move |r: &CallRecord| {
            sink.lock().unwrap().push(format!("branch:{}", r.endpoint))
        }));
        let record = |endpoint: &str| CallRecord {
            endpoint: endpoint.into(),
            started_at_ms: 0,
            duration_ms: 1.0,
            outcome: "ok".into(),
            detail: String::new(),
        };
        branch.record(&record("send"));
        root.record(&record("union"));
        assert_eq!(
            *heard.lock().unwrap(),
            vec!["branch:send", "root:send", "root:union"]
        );
    }
}
