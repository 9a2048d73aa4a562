//! The service written back, the write-back outbox of one workspace: when the agent submits a
//! service summary, each action the merchant's connector files declare for that event
//! (`[[write_back]]`: a Salesforce Task, a note on a Shopify order, an OMS call) is recorded in the
//! tenant's database with an id of its own, then sent by a worker: retried with backoff while the
//! system cannot be reached, never sent twice. What "twice" means is the merchant's file's to say:
//! an action whose repeat is safe (a `PUT` keyed by `{write_back_id}`, or an idempotency header
//! the system honours) is sent again after a lost answer or a crash mid-call; any other, once it
//! may have arrived, is held as `unknown` and said in the audit log rather than risked twice.
//!
//! Every call goes through the connector's observed client, so API health counts it; every
//! outcome is in the audit log.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_connectors::rest::config::{WriteBackAction, WriteBackEvent};
use agentdesk_connectors::rest::template::placeholder;
use agentdesk_connectors::rest::{RestConnector, RestError};
use agentdesk_connectors::source::Connector;
use agentdesk_customer360::Customers;
use agentdesk_store::{AuditEntry, JournalConnection, Write, WriteBackRow};
use agentdesk_workspace::{DeskEvent, Subscription, TicketState, Workspace};
use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::task::TaskTracker;
use ts_rs::TS;

use crate::{ApiError, ErrorCode};

/// Tries before a write-back is given up as failed.
const MAX_ATTEMPTS: u32 = 8;
/// The first retry's wait, doubled each time up to `LONGEST_WAIT`.
const FIRST_WAIT: Duration = Duration::from_secs(5);
const LONGEST_WAIT: Duration = Duration::from_secs(10 * 60);
/// How often the worker looks for due write-backs when nothing woke it.
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// A write-back as the window and the CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WriteBackView {
    pub id: String,
    pub connector: String,
    pub action: String,
    pub event: String,
    pub session_id: String,
    /// `pending`, `sending`, `sent`, `unknown` (may have arrived; not sent again), `failed`.
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    #[ts(type = "number")]
    pub updated_at_ms: i64,
}

/// What the templates may name, known when the service ended.
#[derive(Debug, Clone, Default)]
pub struct ServiceResult {
    pub session_id: String,
    pub customer_name: String,
    pub external_id: String,
    pub phone: String,
    pub email: String,
    pub order_id: String,
    pub summary: String,
    pub classification: String,
    pub resolved: Option<bool>,
    pub ticket_number: String,
    pub ticket_system: String,
}

pub struct WriteBacks {
    workspace: Arc<Workspace>,
    /// The connectors with write-back actions, by name.
    connectors: HashMap<String, Arc<Connector>>,
    journal: Arc<JournalConnection>,
    wake: Notify,
    tasks: TaskTracker,
}

impl WriteBacks {
    /// The service of `workspace` for the account's connectors; takes up what a previous run left.
    /// `events` is the desk's event stream: a ticket created in this workspace is written back too.
    pub(crate) fn start(
        workspace: Arc<Workspace>,
        connectors: Vec<Arc<Connector>>,
        customers: Arc<Customers>,
        events: Subscription,
    ) -> Arc<WriteBacks> {
        let connectors: HashMap<String, Arc<Connector>> = connectors
            .into_iter()
            .filter(|c| rest_of(c).is_some_and(|r| r.has_write_backs()))
            .map(|c| (c.name().to_string(), c))
            .collect();
        let service = Arc::new(WriteBacks {
            journal: Arc::new(JournalConnection::new(workspace.database().clone())),
            workspace,
            connectors,
            wake: Notify::new(),
            tasks: TaskTracker::new(),
        });
        if !service.connectors.is_empty() {
            let worker = service.clone();
            let closed = service.workspace.closed().clone();
            service.tasks.spawn(async move {
                tokio::select! {
                    _ = worker.work() => {}
                    _ = closed.cancelled() => {}
                }
            });
            let listener = service.clone();
            let closed = service.workspace.closed().clone();
            service.tasks.spawn(async move {
                tokio::select! {
                    _ = listener.hear_tickets(events, customers) => {}
                    _ = closed.cancelled() => {}
                }
            });
        }
        service
    }

    /// Tickets created from this workspace's sessions, each recorded once for the actions on
    /// `ticket_created`.
    async fn hear_tickets(&self, mut events: Subscription, customers: Arc<Customers>) {
        let generation = self.workspace.generation();
        while let Some(event) = events.recv().await {
            let DeskEvent::Ticket {
                workspace,
                progress,
            } = event
            else {
                continue;
            };
            if workspace != generation || progress.state != TicketState::Created {
                continue;
            }
            let Some(session_id) = progress.session_id.clone() else {
                continue;
            };
            let customer = customers
                .known_customer(&session_id)
                .await
                .unwrap_or_default();
            let result = ServiceResult {
                session_id,
                customer_name: customer.name,
                external_id: customer.external_id,
                phone: customer.phone,
                email: customer.email,
                order_id: customer.newest_order.unwrap_or_default(),
                ticket_number: progress.number.clone().unwrap_or_default(),
                ticket_system: progress.system.clone(),
                ..ServiceResult::default()
            };
            if let Err(error) = self
                .record_as(
                    WriteBackEvent::TicketCreated,
                    Some(&progress.attempt_id),
                    result,
                )
                .await
            {
                tracing::warn!(%error, "a created ticket was not recorded for the merchant's systems");
            }
        }
    }

    /// Ends the worker (what is not sent yet stays recorded for the next start).
    pub(crate) async fn close(&self) {
        self.tasks.close();
        self.tasks.wait().await;
        self.journal.release();
    }

    /// Records the write-backs `event` calls for (none when no connector declares one), before
    /// any of them leaves; the worker sends them.
    pub(crate) async fn record(
        &self,
        event: WriteBackEvent,
        result: ServiceResult,
    ) -> Result<usize, ApiError> {
        self.record_as(event, None, result).await
    }

    /// As `record`; with `occurrence` (what happened, named once: a ticket's attempt id) the
    /// write-backs' ids follow from it, so hearing of the same occurrence twice records them once.
    async fn record_as(
        &self,
        event: WriteBackEvent,
        occurrence: Option<&str>,
        result: ServiceResult,
    ) -> Result<usize, ApiError> {
        let now = self.workspace.now_ms();
        let vars = self.vars(&result);
        let mut rows = Vec::new();
        for (name, connector) in &self.connectors {
            let Some(rest) = rest_of(connector) else {
                continue;
            };
            for action in rest.write_backs(event) {
                let id = match occurrence {
                    Some(occurrence) => uuid::Uuid::new_v5(
                        &uuid::Uuid::NAMESPACE_OID,
                        format!("{}:{occurrence}:{name}:{}", event.as_str(), action.name)
                            .as_bytes(),
                    ),
                    None => uuid::Uuid::new_v4(),
                };
                rows.push(WriteBackRow {
                    id: id.to_string(),
                    connector: name.clone(),
                    action: action.name.clone(),
                    event: event.as_str().into(),
                    session_id: result.session_id.clone(),
                    vars: serde_json::to_string(&vars).unwrap_or_default(),
                    state: "pending".into(),
                    attempts: 0,
                    next_attempt_at_ms: now,
                    last_error: None,
                    created_at_ms: now,
                    updated_at_ms: now,
                });
            }
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let count = rows.len();
        self.blocking(move |journal| {
            journal.with_store(|store| {
                for row in &rows {
                    store.put_write_back(row)?;
                }
                Ok(())
            })
        })
        .await
        .map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!("the service's result could not be recorded for the merchant's systems ({e}); nothing was sent"),
            )
        })?;
        self.wake.notify_one();
        Ok(count)
    }

    /// The newest write-backs, newest first.
    pub async fn recent(&self, limit: usize) -> Result<Vec<WriteBackView>, ApiError> {
        let rows = self
            .blocking(move |journal| journal.with_store(|store| store.recent_write_backs(limit)))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Storage, e))?;
        Ok(rows.into_iter().map(view).collect())
    }

    fn vars(&self, result: &ServiceResult) -> HashMap<&'static str, String> {
        let at = chrono::DateTime::from_timestamp_millis(self.workspace.now_ms())
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        HashMap::from([
            ("session_id", result.session_id.clone()),
            ("customer_name", result.customer_name.clone()),
            ("external_id", result.external_id.clone()),
            ("phone", result.phone.clone()),
            ("email", result.email.clone()),
            ("order_id", result.order_id.clone()),
            ("summary", result.summary.clone()),
            ("classification", result.classification.clone()),
            (
                "resolved",
                result.resolved.map(|r| r.to_string()).unwrap_or_default(),
            ),
            ("agent", self.workspace.agent_login().to_string()),
            ("ticket_number", result.ticket_number.clone()),
            ("ticket_system", result.ticket_system.clone()),
            ("at", at),
        ])
    }

    /// Runs `work` on the journal's connection (synchronous SQLite) off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&JournalConnection) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let journal = self.journal.clone();
        tokio::task::spawn_blocking(move || work(&journal))
            .await
            .map_err(|e| e.to_string())?
    }

    /// The worker: what a crash left mid-call is settled first, then each due write-back is sent.
    async fn work(self: Arc<Self>) {
        self.settle_interrupted().await;
        loop {
            let now = self.workspace.now_ms();
            let due = self
                .blocking(|journal| journal.with_store(|store| store.write_backs_in("pending")))
                .await
                .unwrap_or_default();
            for row in due.into_iter().filter(|r| r.next_attempt_at_ms <= now) {
                self.send(row).await;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(LOOK_EVERY) => {}
            }
        }
    }

    /// Write-backs found `sending` at start: the process died with a try out. One whose repeat is
    /// safe goes again; any other may have arrived, and is held.
    async fn settle_interrupted(&self) {
        let interrupted = self
            .blocking(|journal| journal.with_store(|store| store.write_backs_in("sending")))
            .await
            .unwrap_or_default();
        for row in interrupted {
            let safe = self.action(&row).is_some_and(|(_, a)| a.repeat_is_safe());
            let now = self.workspace.now_ms();
            if safe {
                self.update(
                    &row,
                    "pending",
                    row.attempts,
                    now,
                    row.last_error.as_deref(),
                )
                .await;
            } else {
                let why = "AgentDesk stopped while this was being sent: it may have arrived, and is not sent again (the connector file does not say a repeat is safe). Check the system";
                self.update(&row, "unknown", row.attempts, now, Some(why))
                    .await;
                self.audit(&row, "unknown", why).await;
            }
        }
    }

    fn action(&self, row: &WriteBackRow) -> Option<(&RestConnector, &WriteBackAction)> {
        let rest = rest_of(self.connectors.get(&row.connector)?)?;
        let action = rest.write_back_action(&row.action)?;
        Some((rest, action))
    }

    /// One try: recorded as out before it leaves, its outcome recorded after.
    async fn send(&self, row: WriteBackRow) {
        let Some((rest, action)) = self.action(&row) else {
            let why = format!(
                "the connector file no longer has write-back {:?} of {}: not sent",
                row.action, row.connector
            );
            let now = self.workspace.now_ms();
            self.update(&row, "failed", row.attempts, now, Some(&why))
                .await;
            self.audit(&row, "failed", &why).await;
            return;
        };
        let attempts = row.attempts + 1;
        let now = self.workspace.now_ms();
        if !self
            .update(&row, "sending", attempts, now, row.last_error.as_deref())
            .await
        {
            return;
        }
        let mut vars: HashMap<&'static str, String> =
            serde_json::from_str::<HashMap<String, String>>(&row.vars)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| placeholder(&k).map(|k| (k, v)))
                .collect();
        vars.insert("write_back_id", row.id.clone());
        vars.insert("event", row.event.clone());
        vars.insert("connector", row.connector.clone());
        let outcome = rest.write_back(action, &vars).await;
        let now = self.workspace.now_ms();
        match outcome {
            // A 2xx that is not JSON still arrived.
            Ok(_) | Err(RestError::Decode { .. }) => {
                self.update(&row, "sent", attempts, now, None).await;
                self.audit(&row, "ok", "").await;
            }
            Err(error) => {
                let message = error.to_string();
                let never_arrived = matches!(error, RestError::Network { .. });
                let may_have_arrived = matches!(error, RestError::NoAnswer { .. })
                    || matches!(&error, RestError::Http { status, .. } if *status >= 500);
                let retriable = never_arrived
                    || matches!(&error, RestError::Http { status, .. } if *status == 429 || *status >= 500)
                    || matches!(error, RestError::NoAnswer { .. });
                if may_have_arrived && !action.repeat_is_safe() {
                    let why = format!("{message}. It may have arrived, and is not sent again (the connector file does not say a repeat is safe): check the system");
                    self.update(&row, "unknown", attempts, now, Some(&why))
                        .await;
                    self.audit(&row, "unknown", &why).await;
                } else if retriable && attempts < MAX_ATTEMPTS {
                    let wait = backoff(attempts);
                    self.update(
                        &row,
                        "pending",
                        attempts,
                        now + wait.as_millis() as i64,
                        Some(&message),
                    )
                    .await;
                    tracing::info!(connector = %row.connector, action = %row.action, attempts, "a write-back is tried again later");
                } else {
                    self.update(&row, "failed", attempts, now, Some(&message))
                        .await;
                    self.audit(&row, "failed", &message).await;
                }
            }
        }
    }

    /// Records a write-back's state; false when the database would not take it (then nothing is
    /// sent: a try that is not on record first is not made).
    async fn update(
        &self,
        row: &WriteBackRow,
        state: &'static str,
        attempts: u32,
        next_attempt_at_ms: i64,
        last_error: Option<&str>,
    ) -> bool {
        let id = row.id.clone();
        let last_error = last_error.map(str::to_string);
        let now = self.workspace.now_ms();
        let done = self
            .blocking(move |journal| {
                journal.with_store(|store| {
                    store.update_write_back(
                        &id,
                        state,
                        attempts,
                        next_attempt_at_ms,
                        last_error.as_deref(),
                        now,
                    )
                })
            })
            .await;
        if let Err(error) = &done {
            tracing::warn!(%error, "a write-back's state was not recorded; it is not sent until it is");
        }
        done.is_ok()
    }

    async fn audit(&self, row: &WriteBackRow, outcome: &str, detail: &str) {
        let entry = Write::Audit(AuditEntry {
            at_ms: self.workspace.now_ms(),
            actor: self.workspace.actor(),
            endpoint: format!("write_back:{}:{}", row.connector, row.action),
            duration_ms: 0.0,
            outcome: outcome.into(),
            detail: format!(
                "{} of session {} (attempt {}){}{}",
                row.event,
                row.session_id,
                row.attempts + u32::from(outcome != "unknown"),
                if detail.is_empty() { "" } else { ": " },
                detail
            ),
        });
        if let Err(error) = self.workspace.write(vec![entry]).await {
            tracing::warn!(%error, "a write-back's audit entry was not kept");
        }
    }
}

fn rest_of(connector: &Connector) -> Option<&RestConnector> {
    match connector {
        Connector::Rest(rest) => Some(rest),
        _ => None,
    }
}

/// The wait before try `attempts + 1`: 5 s, 10 s, 20 s… up to ten minutes.
fn backoff(attempts: u32) -> Duration {
    let doubled = FIRST_WAIT.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1)));
    doubled.min(LONGEST_WAIT)
}

fn view(row: WriteBackRow) -> WriteBackView {
    WriteBackView {
        id: row.id,
        connector: row.connector,
        action: row.action,
        event: row.event,
        session_id: row.session_id,
        state: row.state,
        attempts: row.attempts,
        last_error: row.last_error,
        updated_at_ms: row.updated_at_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_ten_minutes() {
        let waits: Vec<u64> = (1..=9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 320, 600, 600]);
    }
}
