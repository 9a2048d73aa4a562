//! Asking every source at once: each call has its own timeout and its own circuit breaker, so a slow
//! or failing source never holds up the others, and its result says what failed and when it will be
//! tried again.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Default time a source gets before its card says it timed out.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(800);

/// Opens after `failures_to_open` consecutive failures; stays open for `cooldown`, then lets one
/// call through (half-open): success closes it, failure opens it again.
pub struct CircuitBreaker {
    failures_to_open: u32,
    cooldown: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BreakerState {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// Whether a call may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// The breaker is open: try again after this long.
    Refused {
        retry_in: Duration,
    },
}

impl CircuitBreaker {
    pub fn new(failures_to_open: u32, cooldown: Duration) -> CircuitBreaker {
        CircuitBreaker {
            failures_to_open: failures_to_open.max(1),
            cooldown,
            state: Mutex::new(BreakerState::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn admit(&self, now: Instant) -> Admission {
        let mut state = self.lock();
        match *state {
            BreakerState::Closed { .. } => Admission::Allowed,
            BreakerState::Open { until } if now >= until => {
                *state = BreakerState::HalfOpen;
                Admission::Allowed
            }
            BreakerState::Open { until } => Admission::Refused {
                retry_in: until - now,
            },
            // One trial call is already out.
            BreakerState::HalfOpen => Admission::Refused {
                retry_in: self.cooldown,
            },
        }
    }

    pub fn succeeded(&self) {
        *self.lock() = BreakerState::Closed { failures: 0 };
    }

    /// Records a failure; returns when the source will be tried again if the breaker is now open.
    pub fn failed(&self, now: Instant) -> Option<Duration> {
        let mut state = self.lock();
        let failures = match *state {
            BreakerState::Closed { failures } => failures + 1,
            _ => self.failures_to_open,
        };
        if failures >= self.failures_to_open {
            *state = BreakerState::Open {
                until: now + self.cooldown,
            };
            Some(self.cooldown)
        } else {
            *state = BreakerState::Closed { failures };
            None
        }
    }
}

/// How one source's call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SourceOutcome<T> {
    Ok {
        value: T,
        #[serde(skip)]
        took: Duration,
    },
    /// The call failed or timed out; `retry_in_ms` is set when the breaker opened.
    Failed {
        error: String,
        retry_in_ms: Option<u64>,
    },
    /// Not called: the breaker is open.
    Skipped { retry_in_ms: u64 },
}

/// Calls `fetch` through `breaker` with `timeout`.
pub async fn guarded<T, E: std::fmt::Display, F: Future<Output = Result<T, E>>>(
    breaker: &CircuitBreaker,
    timeout: Duration,
    fetch: F,
) -> SourceOutcome<T> {
    let started = Instant::now();
    if let Admission::Refused { retry_in } = breaker.admit(started) {
        return SourceOutcome::Skipped {
            retry_in_ms: retry_in.as_millis() as u64,
        };
    }
    let error = match tokio::time::timeout(timeout, fetch).await {
        Ok(Ok(value)) => {
            breaker.succeeded();
            return SourceOutcome::Ok {
                value,
                took: started.elapsed(),
            };
        }
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("no answer within {} ms", timeout.as_millis()),
    };
    let retry_in = breaker.failed(Instant::now());
    SourceOutcome::Failed {
        error,
        retry_in_ms: retry_in.map(|d| d.as_millis() as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_consecutive_failures_and_half_opens_after_the_cooldown() {
        let breaker = CircuitBreaker::new(3, Duration::from_secs(30));
        let t0 = Instant::now();
        assert_eq!(breaker.failed(t0), None);
        breaker.succeeded();
        assert_eq!(breaker.failed(t0), None);
        assert_eq!(breaker.failed(t0), None);
        assert_eq!(breaker.failed(t0), Some(Duration::from_secs(30)));
        assert!(
            matches!(breaker.admit(t0 + Duration::from_secs(10)), Admission::Refused { retry_in } if retry_in == Duration::from_secs(20))
        );
        // After the cooldown one trial goes through; a second waits for it.
        assert_eq!(
            breaker.admit(t0 + Duration::from_secs(31)),
            Admission::Allowed
        );
        assert!(matches!(
            breaker.admit(t0 + Duration::from_secs(31)),
            Admission::Refused { .. }
        ));
        // A failed trial opens it again at once; a successful one closes it.
        assert!(breaker.failed(t0 + Duration::from_secs(31)).is_some());
        assert_eq!(
            breaker.admit(t0 + Duration::from_secs(62)),
            Admission::Allowed
        );
        breaker.succeeded();
        assert_eq!(
            breaker.admit(t0 + Duration::from_secs(62)),
            Admission::Allowed
        );
    }

    #[tokio::test]
    async fn a_hung_source_costs_its_timeout_and_nothing_more() {
        let breaker = CircuitBreaker::new(2, Duration::from_secs(30));
        let hung = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, String>(1)
        };
        let started = Instant::now();
        let outcome = guarded(&breaker, Duration::from_millis(50), hung).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(
            outcome,
            SourceOutcome::Failed {
                retry_in_ms: None,
                ..
            }
        ));
        let failing = async { Err::<i32, _>("boom") };
        let outcome = guarded(&breaker, Duration::from_millis(50), failing).await;
        assert!(matches!(
            outcome,
            SourceOutcome::Failed {
                retry_in_ms: Some(30_000),
                ..
            }
        ));
        let called = std::sync::atomic::AtomicBool::new(false);
        let not_called = async {
            called.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok::<i32, String>(0)
        };
        assert!(matches!(
            guarded(&breaker, Duration::from_millis(50), not_called).await,
            SourceOutcome::Skipped { .. }
        ));
        assert!(
            !called.load(std::sync::atomic::Ordering::SeqCst),
            "an open breaker calls nothing"
        );
    }
}
