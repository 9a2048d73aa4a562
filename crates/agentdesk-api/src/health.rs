//! API health: every platform and connector call of this run, timed and counted per endpoint, the
//! push connection's uptime and reconnects, and an alert when the share of failed calls over the last
//! five minutes reaches 1% (and again when it recovers), so a supervisor hears of a failing
//! integration before customers do.
//!
//! Every time here is the workbench's one clock: a call is placed in the window by when it was
//! recorded on that clock, and the alert is evaluated on it, whether a call or the timer asks.
//!
//! A failure is what says the integration is unwell: no answer, an HTTP error, an answer that does
//! not decode. A platform's business refusal (a wrong parameter, an expired token that is fetched
//! again) is counted apart: the call worked.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use agentdesk_domain::{ConnectionState, SharedClock};
use agentdesk_http::CallRecord;
use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

pub use agentdesk_workspace::ApiHealthAlert;

/// The targets customer-service teams hold their integrations to.
pub const TARGET_SUCCESS_PERCENT: f64 = 99.9;
pub const TARGET_MEAN_MS: f64 = 800.0;
/// The share of failed calls over the alert window that raises the alert.
pub const ALERT_FAILURE_PERCENT: f64 = 1.0;
/// The alert window in production.
pub const ALERT_WINDOW_MS: i64 = 5 * 60 * 1000;
/// Per-endpoint figures cover the last hour.
const FIGURES_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Below this many calls in the window a single failure says little (one failed call out of three
/// at start-up is not an outage), so no alert is raised.
const MIN_CALLS_FOR_ALERT: usize = 20;
/// Calls kept at most (an hour of a very busy workbench).
const MAX_CALLS: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Refused,
    Failed,
}

fn classify(outcome: &str) -> Outcome {
    match outcome {
        "ok" => Outcome::Ok,
        // `abandoned`: no answer before the caller stopped waiting (a hung source).
        "network" | "decode" | "config" | "abandoned" => Outcome::Failed,
        other if other.starts_with("http_") => Outcome::Failed,
        _ => Outcome::Refused,
    }
}

struct Call {
    at_ms: i64,
    endpoint: String,
    duration_ms: f64,
    outcome: Outcome,
}

/// The push connection over this run.
#[derive(Default)]
struct ConnectionTrack {
    first_seen_ms: Option<i64>,
    connected_since_ms: Option<i64>,
    connected_total_ms: i64,
    reconnects: u64,
    ever_connected: bool,
    state: Option<ConnectionState>,
}

struct HealthState {
    calls: VecDeque<Call>,
    alert_since_ms: Option<i64>,
    connection: ConnectionTrack,
}

/// One endpoint's figures over the last hour.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EndpointHealth {
    pub endpoint: String,
    #[ts(type = "number")]
    pub calls: u64,
    #[ts(type = "number")]
    pub failures: u64,
    /// Business refusals (not failures).
    #[ts(type = "number")]
    pub refusals: u64,
    pub success_percent: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// Success ≥ 99.9% and mean under 800 ms.
    pub meets_target: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PushHealth {
    pub state: Option<ConnectionState>,
    #[ts(type = "number | null")]
    pub connected_since_ms: Option<i64>,
    /// Share of this run the connection was up.
    pub uptime_percent: f64,
    #[ts(type = "number")]
    pub reconnects: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ApiHealthView {
    #[ts(type = "number")]
    pub generated_at_ms: i64,
    /// The alert window, in minutes.
    #[ts(type = "number")]
    pub window_minutes: u64,
    /// Failed calls over the alert window, in percent, and how many calls it holds.
    pub window_failure_percent: f64,
    #[ts(type = "number")]
    pub window_calls: u64,
    /// Since when the alert is raised (none: healthy).
    #[ts(type = "number | null")]
    pub alert_since_ms: Option<i64>,
    pub endpoints: Vec<EndpointHealth>,
    pub push: PushHealth,
    #[ts(type = "number")]
    pub outbox_depth: u64,
    pub target_success_percent: f64,
    pub target_mean_ms: f64,
    pub alert_failure_percent: f64,
}

pub struct ApiHealth {
    state: Mutex<HealthState>,
    window_ms: AtomicI64,
    alerts: broadcast::Sender<ApiHealthAlert>,
    clock: SharedClock,
}

/// The value at `quantile` (0–1) of sorted `values` (nearest rank).
fn percentile(sorted: &[f64], quantile: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (quantile * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

impl ApiHealth {
    /// Five minutes' alert window, on the workbench's clock.
    pub fn new(clock: SharedClock) -> ApiHealth {
        ApiHealth::with_window(ALERT_WINDOW_MS, clock)
    }

    /// An alert window of `window_ms` (five minutes in the app; tests use seconds).
    pub fn with_window(window_ms: i64, clock: SharedClock) -> ApiHealth {
        let (alerts, _) = broadcast::channel(64);
        ApiHealth {
            state: Mutex::new(HealthState {
                calls: VecDeque::new(),
                alert_since_ms: None,
                connection: ConnectionTrack::default(),
            }),
            window_ms: AtomicI64::new(window_ms.max(1)),
            alerts,
            clock,
        }
    }

    /// Changes the alert window (tests shorten it to seconds).
    pub fn set_window_ms(&self, window_ms: i64) {
        self.window_ms.store(window_ms.max(1), Ordering::Relaxed);
    }

    fn window_ms(&self) -> i64 {
        self.window_ms.load(Ordering::Relaxed)
    }

    /// Alerts raised and cleared from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ApiHealthAlert> {
        self.alerts.subscribe()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, HealthState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().as_i64()
    }

    /// One call, as the ledger reports it (at its end, now on the workbench's clock).
    pub fn record(&self, call: &CallRecord) {
        let at_ms = self.now_ms();
        {
            let mut state = self.state();
            state.calls.push_back(Call {
                at_ms,
                endpoint: call.endpoint.clone(),
                duration_ms: call.duration_ms,
                outcome: classify(&call.outcome),
            });
            while state.calls.len() > MAX_CALLS
                || state
                    .calls
                    .front()
                    .is_some_and(|c| c.at_ms < at_ms - FIGURES_WINDOW_MS)
            {
                state.calls.pop_front();
            }
        }
        self.evaluate();
    }

    /// The push connection changed (from the engine's events).
    pub fn connection_changed(&self, connection: &ConnectionState) {
        let now_ms = self.now_ms();
        let mut state = self.state();
        let track = &mut state.connection;
        track.first_seen_ms.get_or_insert(now_ms);
        let connected = matches!(connection, ConnectionState::Connected);
        match (track.connected_since_ms, connected) {
            (None, true) => {
                if track.ever_connected {
                    track.reconnects += 1;
                }
                track.ever_connected = true;
                track.connected_since_ms = Some(now_ms);
            }
            (Some(since), false) => {
                track.connected_total_ms += now_ms - since;
                track.connected_since_ms = None;
            }
            _ => {}
        }
        track.state = Some(connection.clone());
    }

    /// Raises or clears the alert by the window ending now; also called on a timer, since failures
    /// leaving the window is a recovery too.
    pub fn evaluate(&self) {
        let now_ms = self.now_ms();
        let alert = {
            let mut state = self.state();
            let (calls, failures, worst) = window_counts(&state.calls, now_ms - self.window_ms());
            let percent = if calls == 0 {
                0.0
            } else {
                failures as f64 * 100.0 / calls as f64
            };
            let failing = calls >= MIN_CALLS_FOR_ALERT && percent >= ALERT_FAILURE_PERCENT;
            let change = match (state.alert_since_ms, failing) {
                (None, true) => {
                    state.alert_since_ms = Some(now_ms);
                    true
                }
                (Some(_), false) => {
                    state.alert_since_ms = None;
                    true
                }
                _ => false,
            };
            change.then(|| ApiHealthAlert {
                raised: failing,
                failure_percent: round2(percent),
                calls: calls as u64,
                failures: failures as u64,
                worst_endpoint: if failing { worst } else { None },
                at_ms: now_ms,
            })
        };
        if let Some(alert) = alert {
            tracing::warn!(
                raised = alert.raised,
                failure_percent = alert.failure_percent,
                calls = alert.calls,
                "API health alert"
            );
            let _ = self.alerts.send(alert);
        }
    }

    /// The figures now; `outbox_depth` from the engine.
    pub fn view(&self, outbox_depth: u64) -> ApiHealthView {
        let now_ms = self.now_ms();
        let state = self.state();
        let (window_calls, window_failures, _) =
            window_counts(&state.calls, now_ms - self.window_ms());
        let mut by_endpoint: BTreeMap<&str, Vec<&Call>> = BTreeMap::new();
        for call in state
            .calls
            .iter()
            .filter(|c| c.at_ms >= now_ms - FIGURES_WINDOW_MS)
        {
            by_endpoint.entry(&call.endpoint).or_default().push(call);
        }
        let endpoints = by_endpoint
            .into_iter()
            .map(|(endpoint, calls)| {
                let mut durations: Vec<f64> = calls.iter().map(|c| c.duration_ms).collect();
                durations.sort_by(f64::total_cmp);
                let failures = calls
                    .iter()
                    .filter(|c| c.outcome == Outcome::Failed)
                    .count();
                let refusals = calls
                    .iter()
                    .filter(|c| c.outcome == Outcome::Refused)
                    .count();
                let success_percent = 100.0 - failures as f64 * 100.0 / calls.len() as f64;
                let mean_ms = durations.iter().sum::<f64>() / durations.len() as f64;
                EndpointHealth {
                    endpoint: endpoint.to_string(),
                    calls: calls.len() as u64,
                    failures: failures as u64,
                    refusals: refusals as u64,
                    success_percent: round2(success_percent),
                    mean_ms: round2(mean_ms),
                    p50_ms: round2(percentile(&durations, 0.50)),
                    p95_ms: round2(percentile(&durations, 0.95)),
                    p99_ms: round2(percentile(&durations, 0.99)),
                    meets_target: success_percent >= TARGET_SUCCESS_PERCENT
                        && mean_ms < TARGET_MEAN_MS,
                }
            })
            .collect();
        let track = &state.connection;
        let up_now = track.connected_since_ms.map_or(0, |since| now_ms - since);
        let observed = track.first_seen_ms.map_or(0, |first| now_ms - first);
        let uptime_percent = if observed > 0 {
            round2((track.connected_total_ms + up_now) as f64 * 100.0 / observed as f64)
        } else if track.connected_since_ms.is_some() {
            100.0
        } else {
            0.0
        };
        ApiHealthView {
            generated_at_ms: now_ms,
            window_minutes: (self.window_ms() / 60_000) as u64,
            window_failure_percent: if window_calls == 0 {
                0.0
            } else {
                round2(window_failures as f64 * 100.0 / window_calls as f64)
            },
            window_calls: window_calls as u64,
            alert_since_ms: state.alert_since_ms,
            endpoints,
            push: PushHealth {
                state: track.state.clone(),
                connected_since_ms: track.connected_since_ms,
                uptime_percent,
                reconnects: track.reconnects,
            },
            outbox_depth,
            target_success_percent: TARGET_SUCCESS_PERCENT,
            target_mean_ms: TARGET_MEAN_MS,
            alert_failure_percent: ALERT_FAILURE_PERCENT,
        }
    }
}

/// Calls and failures since `from_ms`, and the endpoint with the most failures.
fn window_counts(calls: &VecDeque<Call>, from_ms: i64) -> (usize, usize, Option<String>) {
    let mut total = 0;
    let mut failures: BTreeMap<&str, usize> = BTreeMap::new();
    for call in calls.iter().rev().take_while(|c| c.at_ms >= from_ms) {
        total += 1;
        if call.outcome == Outcome::Failed {
            *failures.entry(&call.endpoint).or_default() += 1;
        }
    }
    let failed = failures.values().sum();
    let worst = failures
        .into_iter()
        .max_by_key(|(_, count)| *count)
        .map(|(endpoint, _)| endpoint.to_string());
    (total, failed, worst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentdesk_domain::{Clock, ManualClock, Millis};
    use std::sync::Arc;
    use std::time::Duration;

    /// A health on a manual clock at a fixed day (2020-03-01 10:00 UTC), far from the machine's.
    fn health_at_a_fixed_time(window_ms: i64) -> (ApiHealth, Arc<ManualClock>) {
        let clock = ManualClock::at(Millis(1_583_056_800_000));
        (ApiHealth::with_window(window_ms, clock.clone()), clock)
    }

    fn call(endpoint: &str, duration_ms: f64, outcome: &str) -> CallRecord {
        CallRecord {
            endpoint: endpoint.into(),
            // A client's own stamp is not what places the call: recording time is.
            started_at_ms: 0,
            duration_ms,
            outcome: outcome.into(),
            detail: String::new(),
        }
    }

    #[test]
    fn figures_per_endpoint_against_the_targets() {
        let (health, _) = health_at_a_fixed_time(ALERT_WINDOW_MS);
        for i in 0..100 {
            health.record(&call("send", (i + 1) as f64, "ok"));
        }
        health.record(&call("send", 5.0, "http_503"));
        health.record(&call("query_cids", 900.0, "ok"));
        health.record(&call("query_cids", 950.0, "900002"));
        let view = health.view(4);
        assert_eq!(view.outbox_depth, 4);
        let send = &view
            .endpoints
            .iter()
            .find(|e| e.endpoint == "send")
            .unwrap();
        assert_eq!((send.calls, send.failures), (101, 1));
        assert_eq!(send.success_percent, 99.01);
        assert_eq!(send.p50_ms, 50.0);
        assert_eq!(send.p99_ms, 99.0);
        assert!(!send.meets_target, "one failure in 101 is below 99.9%");
        let slow = view
            .endpoints
            .iter()
            .find(|e| e.endpoint == "query_cids")
            .unwrap();
        assert_eq!((slow.failures, slow.refusals), (0, 1));
        assert!(!slow.meets_target, "a mean of 925 ms is over 800 ms");
    }

    #[test]
    fn the_alert_rises_at_one_percent_and_clears_when_failures_leave_the_window() {
        let (health, clock) = health_at_a_fixed_time(10_000);
        let start = clock.now().as_i64();
        let mut alerts = health.subscribe();
        for _ in 0..99 {
            health.record(&call("send", 10.0, "ok"));
            clock.advance(Duration::from_millis(10));
        }
        assert!(alerts.try_recv().is_err(), "no failures, no alert");
        health.record(&call("send", 10.0, "network"));
        let raised = alerts
            .try_recv()
            .expect("1 failure in 100 raises the alert");
        assert!(raised.raised);
        assert_eq!(raised.failure_percent, 1.0);
        assert_eq!(raised.worst_endpoint.as_deref(), Some("send"));
        assert_eq!(raised.at_ms, start + 990, "raised at the workbench's time");
        assert!(health.view(0).alert_since_ms.is_some());
        clock.advance(Duration::from_secs(4));
        health.evaluate();
        assert!(alerts.try_recv().is_err(), "still within the window");
        clock.advance(Duration::from_secs(7));
        health.evaluate();
        let cleared = alerts.try_recv().expect("the failure left the window");
        assert!(!cleared.raised);
        assert_eq!(health.view(0).alert_since_ms, None);
    }

    #[test]
    fn a_few_calls_with_one_failure_raise_nothing() {
        let (health, _) = health_at_a_fixed_time(ALERT_WINDOW_MS);
        let mut alerts = health.subscribe();
        health.record(&call("get_token", 10.0, "network"));
        health.record(&call("get_token", 10.0, "ok"));
        assert!(alerts.try_recv().is_err());
    }

    #[test]
    fn uptime_and_reconnects_follow_the_connection() {
        let (health, clock) = health_at_a_fixed_time(ALERT_WINDOW_MS);
        health.connection_changed(&ConnectionState::Connecting);
        clock.advance(Duration::from_secs(1));
        health.connection_changed(&ConnectionState::Connected);
        let connected = clock.now().as_i64();
        clock.advance(Duration::from_secs(4));
        health.connection_changed(&ConnectionState::Reconnecting {
            attempt: 1,
            retry_in_ms: 500,
        });
        clock.advance(Duration::from_secs(1));
        health.connection_changed(&ConnectionState::Connected);
        clock.advance(Duration::from_secs(4));
        let view = health.view(0);
        assert_eq!(view.push.reconnects, 1);
        assert_eq!(view.push.connected_since_ms, Some(connected + 5_000));
        assert_eq!(view.push.uptime_percent, 80.0);
    }
}
