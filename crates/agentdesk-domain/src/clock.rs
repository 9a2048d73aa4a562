//! The one clock: wall time as `Millis` (milliseconds since the Unix epoch, a newtype so a count of
//! milliseconds is never mistaken for a time), read only through `Clock`. Whatever depends on the
//! date (cache freshness, retention, retry schedules, "today" on the dashboard) takes a `SharedClock`,
//! so tests run it at a fixed date with `ManualClock` and pass on every day of the year.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A moment, in milliseconds since the Unix epoch.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Millis(pub i64);

impl Millis {
    pub const fn as_i64(self) -> i64 {
        self.0
    }

    /// This moment `span` later.
    pub fn after(self, span: Duration) -> Millis {
        Millis(self.0.saturating_add(span_ms(span)))
    }

    /// This moment `span` earlier.
    pub fn before(self, span: Duration) -> Millis {
        Millis(self.0.saturating_sub(span_ms(span)))
    }

    /// How long after `earlier` this is (zero if it is not after it).
    pub fn since(self, earlier: Millis) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0).max(0) as u64)
    }

    /// This moment `days` whole days earlier.
    pub fn days_before(self, days: u32) -> Millis {
        self.before(Duration::from_secs(u64::from(days) * 24 * 3600))
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0)
    }
}

impl From<Millis> for i64 {
    fn from(at: Millis) -> i64 {
        at.0
    }
}

fn span_ms(span: Duration) -> i64 {
    i64::try_from(span.as_millis()).unwrap_or(i64::MAX)
}

/// Where the current time comes from.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> Millis;
}

/// A clock shared by everything in one workbench.
pub type SharedClock = Arc<dyn Clock>;

/// The computer's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        Millis(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(span_ms)
                .unwrap_or(0),
        )
    }
}

/// The wall clock, shared.
pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}

/// A clock that stands still until told otherwise: for tests of time-based rules.
#[derive(Debug, Default)]
pub struct ManualClock {
    at: AtomicI64,
}

impl ManualClock {
    pub fn at(at: Millis) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            at: AtomicI64::new(at.0),
        })
    }

    pub fn set(&self, at: Millis) {
        self.at.store(at.0, Ordering::SeqCst);
    }

    pub fn advance(&self, span: Duration) {
        self.at.fetch_add(span_ms(span), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        Millis(self.at.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_move_by_spans_and_days() {
        let noon = Millis(1_764_590_400_000); // 2025-12-01 12:00 UTC
        assert_eq!(
            noon.after(Duration::from_secs(1)),
            Millis(1_764_590_401_000)
        );
        assert_eq!(noon.days_before(1), Millis(1_764_504_000_000));
        assert_eq!(
            noon.since(noon.before(Duration::from_millis(250))),
            Duration::from_millis(250)
        );
        assert_eq!(
            noon.before(Duration::from_secs(5)).since(noon),
            Duration::ZERO
        );
    }

    #[test]
    fn a_manual_clock_stands_still_until_moved() {
        let clock = ManualClock::at(Millis(1_000));
        assert_eq!(clock.now(), Millis(1_000));
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now(), Millis(3_000));
        clock.set(Millis(10));
        assert_eq!(clock.now(), Millis(10));
    }

    #[test]
    fn the_system_clock_is_after_2024() {
        assert!(SystemClock.now() > Millis(1_704_067_200_000));
    }
}
