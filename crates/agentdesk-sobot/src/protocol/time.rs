//! The platform's date-time text, "yyyy-MM-dd HH:mm:ss" (push `ts`, `lastMsgTime`, chat records'
//! `ts`). No source states its time zone; AgentDesk reads and writes it as China time (UTC+8), the
//! platform's home (docs/PROTOCOL.md).

use chrono::{DateTime, NaiveDateTime};

const CHINA_OFFSET_MS: i64 = 8 * 3600 * 1000;
const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Epoch milliseconds of a platform date-time text (whole seconds), or `None` if it is not one.
pub fn parse_platform_time(text: &str) -> Option<i64> {
    NaiveDateTime::parse_from_str(text.trim(), FORMAT)
        .ok()
        .map(|t| t.and_utc().timestamp_millis() - CHINA_OFFSET_MS)
}

/// The platform's date-time text of an instant.
pub fn format_platform_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms + CHINA_OFFSET_MS)
        .map(|t| t.format(FORMAT).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_round_trips_to_the_second() {
        // 2026-11-30 12:00:00.789 UTC is 20:00:00 in China.
        let ms = 1_796_040_000_789;
        assert_eq!(format_platform_time(ms), "2026-11-30 20:00:00");
        assert_eq!(parse_platform_time("2026-11-30 20:00:00"), Some(ms - 789));
        assert_eq!(parse_platform_time("30/11/2026"), None);
    }
}
