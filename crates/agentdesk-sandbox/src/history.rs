//! The tenant's past: sessions its agents served over the last weeks and their status changes, so
//! the statistics endpoints (在线统计, `tenantStaffJobList`, `tenantExportData`, `getStaffLogInfos`)
//! answer with a realistic month from the first start. Live sessions are added to the same figures
//! as they happen (`World::served_sessions`). The shapes (busy hours, waits, response times, ratings) are
//! the sandbox's invention, listed in `docs/PROTOCOL.md`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// China time (UTC+8): the platform's days and hours.
pub const CHINA_OFFSET_MS: i64 = 8 * HOUR_MS;

/// One session an agent served, reduced to what the statistics need.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedSession {
    /// The agent's index in `World::agents`.
    pub agent: usize,
    /// When the customer asked for an agent.
    pub started_ms: i64,
    /// How long they waited in the queue before an agent took them.
    pub waited_ms: i64,
    /// From being taken to the agent's first reply (none: the agent never replied).
    pub first_response_ms: Option<i64>,
    pub ended: bool,
    /// The customer was invited to rate the service.
    pub invited: bool,
    /// 1–5 stars, when the customer rated.
    pub rating: Option<u8>,
    /// Whether the customer said the problem was solved, when they rated.
    pub solved: Option<bool>,
}

/// Sessions started per agent and hour of the day (China time) on a weekday: quiet nights, a
/// morning and an evening peak.
const HOURLY_RATE: [f64; 24] = [
    0.2, 0.1, 0.1, 0.0, 0.0, 0.1, 0.2, 0.6, 1.2, 2.6, 3.2, 3.0, 2.0, 2.2, 2.8, 3.0, 2.8, 2.4, 2.0,
    2.4, 2.8, 2.2, 1.2, 0.6,
];

/// `days` of served sessions for `agents` (indices into `World::agents`), ending at `now_ms`.
pub fn seed_sessions(
    rng: &mut ChaCha8Rng,
    agents: &[usize],
    days: u32,
    now_ms: i64,
) -> Vec<ServedSession> {
    let mut sessions = Vec::new();
    let today_start = (now_ms + CHINA_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - CHINA_OFFSET_MS;
    for day in (0..days as i64).rev() {
        let day_start = today_start - day * DAY_MS;
        // 1970-01-01 was a Thursday: day number 2 and 3 (mod 7) are Saturday and Sunday.
        let weekday = (day_start + CHINA_OFFSET_MS)
            .div_euclid(DAY_MS)
            .rem_euclid(7);
        let weekend = weekday == 2 || weekday == 3;
        for (hour, rate) in HOURLY_RATE.iter().enumerate() {
            let hour_start = day_start + hour as i64 * HOUR_MS;
            if hour_start >= now_ms {
                break;
            }
            let rate = if weekend { rate * 0.7 } else { *rate };
            for &agent in agents {
                // Agents differ: some are quicker, some get more customers.
                let pace = 0.7 + (agent % 5) as f64 * 0.15;
                let count = (rate * pace + rng.gen::<f64>()).floor() as usize;
                for _ in 0..count {
                    let started_ms = hour_start + rng.gen_range(0..HOUR_MS);
                    if started_ms >= now_ms {
                        continue;
                    }
                    sessions.push(served(rng, agent, started_ms, rate));
                }
            }
        }
    }
    sessions.sort_by_key(|s| s.started_ms);
    sessions
}

fn served(rng: &mut ChaCha8Rng, agent: usize, started_ms: i64, busyness: f64) -> ServedSession {
    // Most customers are taken at once; in busy hours more of them queue, and for longer.
    let queued = rng.gen_bool((0.1 + busyness / 8.0).min(0.6));
    let waited_ms = if queued {
        (2_000.0 + rng.gen::<f64>().powi(2) * 90_000.0 * (0.3 + busyness / 3.0)) as i64
    } else {
        0
    };
    let replied = rng.gen_bool(0.97);
    let quick = 4_000.0 + (agent % 7) as f64 * 2_500.0;
    let first_response_ms = replied.then(|| {
        let slow = rng.gen_bool(0.12);
        let base = if slow { 60_000.0 } else { quick };
        (base + rng.gen::<f64>().powi(2) * 55_000.0) as i64
    });
    let invited = rng.gen_bool(0.7);
    let rated = if invited {
        rng.gen_bool(0.6)
    } else {
        rng.gen_bool(0.08)
    };
    let rating = rated.then(|| match rng.gen_range(0..100) {
        0..=54 => 5,
        55..=76 => 4,
        77..=86 => 3,
        87..=92 => 2,
        _ => 1,
    });
    ServedSession {
        agent,
        started_ms,
        waited_ms,
        first_response_ms,
        ended: true,
        invited,
        rating,
        solved: rating.map(|stars| stars >= 3 || rng.gen_bool(0.2)),
    }
}

/// A week of working days for each agent's status log (online in the morning, busy at lunch,
/// offline in the evening), oldest first, ending before `now_ms`.
pub fn seed_status_log(rng: &mut ChaCha8Rng, days: u32, now_ms: i64) -> Vec<(i64, i64, String)> {
    let mut log = Vec::new();
    let today_start = (now_ms + CHINA_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - CHINA_OFFSET_MS;
    for day in (1..=days.min(7) as i64).rev() {
        let day_start = today_start - day * DAY_MS;
        let minute = |rng: &mut ChaCha8Rng, hour: i64| {
            day_start + hour * HOUR_MS + rng.gen_range(0..40) * 60_000
        };
        let source = if rng.gen_bool(0.15) { 2 } else { 0 };
        for (hour, action) in [(8, "在线"), (12, "忙碌"), (13, "在线"), (18, "离线")] {
            log.push((minute(rng, hour), source, action.to_string()));
        }
    }
    log
}

/// The moments from the start of China-time day `first` to the end of day `last` (`yyyy-MM-dd`,
/// both included), as `[from, to)` in epoch ms; None when a date does not parse.
pub fn china_days_ms(first: &str, last: &str) -> Option<(i64, i64)> {
    let start = |text: &str| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_millis() - CHINA_OFFSET_MS)
    };
    Some((start(first)?, start(last)? + DAY_MS))
}

/// The China-time day (`yyyy-MM-dd`) and hour of a moment.
#[cfg(test)]
fn china_day_and_hour(ms: i64) -> (String, u32) {
    let text = crate::wire::china_time(ms);
    let day = text.get(..10).unwrap_or_default().to_string();
    let hour = text
        .get(11..13)
        .and_then(|h| h.parse().ok())
        .unwrap_or_default();
    (day, hour)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_month_of_history_has_busy_days_and_quiet_nights() {
        let now = 1_767_225_600_000; // 2026-01-01 08:00 China time
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let sessions = seed_sessions(&mut rng, &[0, 1, 2], 30, now);
        assert!(sessions.iter().all(|s| s.started_ms < now));
        assert!(sessions.first().unwrap().started_ms >= now - 30 * DAY_MS - DAY_MS);
        let by_hour = |hour: u32| {
            sessions
                .iter()
                .filter(|s| china_day_and_hour(s.started_ms).1 == hour)
                .count()
        };
        assert!(
            by_hour(10) > 5 * by_hour(3).max(1),
            "10:00 {} vs 03:00 {}",
            by_hour(10),
            by_hour(3)
        );
        let rated = sessions.iter().filter(|s| s.rating.is_some()).count();
        assert!(rated > sessions.len() / 4 && rated < sessions.len());
        let again = seed_sessions(&mut ChaCha8Rng::seed_from_u64(7), &[0, 1, 2], 30, now);
        assert_eq!(sessions, again, "the same seed gives the same history");
    }

    #[test]
    fn the_status_log_covers_the_last_week_in_order() {
        let now = 1_767_225_600_000;
        let log = seed_status_log(&mut ChaCha8Rng::seed_from_u64(3), 30, now);
        assert_eq!(log.len(), 7 * 4);
        assert!(log.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(log
            .iter()
            .all(|(at, _, _)| *at < now && *at > now - 8 * DAY_MS));
    }
}
