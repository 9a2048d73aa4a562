//! 在线统计 API (fact sheet §4): `POST /api/wb/5/data/{op}` with the company token, `start_date` and
//! `end_date` (`yyyy-MM-dd`, at most one month apart, else 400003), company-wide. `human_satisfaction`
//! and `human_session` answer one `item` with the documented fields.

use axum::extract::Path;
use axum::response::Response;
use chrono::{Months, NaiveDate};
use serde_json::{json, Value};

use crate::history::{china_days_ms, ServedSession};
use crate::wire::{open_err, open_ok, str_param};

/// The statistics' date range, checked by the documented rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsRange {
    pub start: String,
    pub end: String,
}

/// `start_date` / `end_date`: both present (400004), dates (400005), in order (400002), and at most
/// one month apart (400003): the end is before the same day of the next month.
pub fn statistics_range(
    start: Option<&str>,
    end: Option<&str>,
) -> Result<StatisticsRange, (&'static str, String)> {
    let (Some(start), Some(end)) = (start, end) else {
        return Err(("400004", "请求参数不能为空: start_date, end_date".into()));
    };
    let parse = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d");
    let (Ok(first), Ok(last)) = (parse(start), parse(end)) else {
        return Err(("400005", "时间格式不正确，应为 yyyy-MM-dd".into()));
    };
    if last < first {
        return Err(("400002", "结束时间不能小于开始时间".into()));
    }
    let limit = first.checked_add_months(Months::new(1)).unwrap_or(first);
    if last >= limit {
        return Err(("400003", "查询时间范围不能超过一个月".into()));
    }
    Ok(StatisticsRange {
        start: first.format("%Y-%m-%d").to_string(),
        end: last.format("%Y-%m-%d").to_string(),
    })
}

pub async fn data_op(
    Path(op): Path<String>,
    crate::open_api::OpenRequest { params, tenant }: crate::open_api::OpenRequest,
) -> Response {
    let world = crate::lock(&tenant);
    let range = match statistics_range(
        str_param(&params, "start_date").as_deref(),
        str_param(&params, "end_date").as_deref(),
    ) {
        Ok(range) => range,
        Err((code, message)) => return open_err(code, &message),
    };
    let Some((from_ms, to_ms)) = china_days_ms(&range.start, &range.end) else {
        return open_err("400005", "时间格式不正确，应为 yyyy-MM-dd");
    };
    // Company-wide: no group filter is documented.
    let sessions: Vec<ServedSession> = world
        .served_sessions()
        .filter(|s| s.started_ms >= from_ms && s.started_ms < to_ms)
        .collect();
    match op.as_str() {
        "human_satisfaction" => open_ok(human_satisfaction(&sessions)),
        "human_session" => open_ok(human_session(&sessions)),
        _ => open_err("999999", &format!("沙箱未提供此统计接口: {op}")),
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0.00%".into();
    }
    format!("{:.2}%", part as f64 * 100.0 / whole as f64)
}

/// The documented `human_satisfaction` item.
fn human_satisfaction(sessions: &[ServedSession]) -> Value {
    let valid = sessions
        .iter()
        .filter(|s| s.first_response_ms.is_some())
        .count();
    let rated: Vec<&ServedSession> = sessions.iter().filter(|s| s.rating.is_some()).collect();
    let invites = sessions.iter().filter(|s| s.invited).count();
    let initiative = rated.iter().filter(|s| !s.invited).count();
    let stars = |n: u8| rated.iter().filter(|s| s.rating == Some(n)).count();
    let good = stars(5) + stars(4);
    let middle = stars(3);
    let bad = stars(2) + stars(1);
    let solved = rated.iter().filter(|s| s.solved == Some(true)).count();
    let not_solved = rated.iter().filter(|s| s.solved == Some(false)).count();
    let average = if rated.is_empty() {
        0.0
    } else {
        rated
            .iter()
            .map(|s| s.rating.unwrap_or_default() as f64)
            .sum::<f64>()
            / rated.len() as f64
    };
    json!({
        "effect_session_count": valid.to_string(),
        "total_times": rated.len(),
        "comment_rate": percent(rated.len(), valid),
        "initiative": initiative,
        "initiative_rate": percent(initiative, rated.len()),
        "invites": invites,
        "invites_rate": percent(invites, valid),
        "solved_count": solved + not_solved,
        "solved": solved,
        "not_solved": not_solved,
        "solved_rate": percent(solved, solved + not_solved),
        "avg_num": (average * 100.0).round() / 100.0,
        "good": good, "good_rate": percent(good, rated.len()),
        "middle": middle, "middle_rate": percent(middle, rated.len()),
        "bad": bad, "bad_rate": percent(bad, rated.len()),
        "score1": stars(1), "score2": stars(2), "score3": stars(3), "score4": stars(4),
        "score5": stars(5),
    })
}

/// The range's totals, one object, every figure text (php `HumanSession/Response/Item.php`): served
/// sessions are consulting sessions; answered ones (an agent replied) are received, the others not;
/// solved and not solved as the customers rated. [inv] No transfers or blacklisting are counted, and
/// `avg_session_duration` is the average wait before an agent took the customer, in seconds.
fn human_session(sessions: &[ServedSession]) -> Value {
    let consult = sessions.len();
    let received = sessions
        .iter()
        .filter(|s| s.first_response_ms.is_some())
        .count();
    let solved = sessions.iter().filter(|s| s.solved == Some(true)).count();
    let not_solved = sessions.iter().filter(|s| s.solved == Some(false)).count();
    let waited: i64 = sessions.iter().map(|s| s.waited_ms).sum();
    let max_wait = sessions.iter().map(|s| s.waited_ms).max().unwrap_or(0);
    let average_wait = if consult == 0 {
        0
    } else {
        waited / consult as i64 / 1000
    };
    json!({
        "consult_session": consult.to_string(), "self_reception_session": received.to_string(),
        "self_reception_session_rate": percent(received, consult), "valid_session": consult.to_string(),
        "invalid_session": "0", "valid_session_rate": percent(consult, consult),
        "valid_reception_session": received.to_string(),
        "invalid_reception_session": "0", "invalid_reception_rate": "0.00%",
        "not_reception_session": (consult - received).to_string(),
        "not_reception_session_rate": percent(consult - received, consult),
        "transfer_session": "0", "black_session": "0", "avg_session_duration": average_wait.to_string(),
        "solved_session": solved.to_string(), "not_solved_session": not_solved.to_string(),
        "not_mark_is_solved": (consult - solved - not_solved).to_string(),
        "max_meantime_recption": (max_wait / 1000).to_string(), "initiative_session": "0",
        "valid_reception_rate": percent(received, consult), "transfer_in": "0", "transfer_out": "0",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_the_one_month_rule() {
        let ok = |a, b| statistics_range(Some(a), Some(b)).map(|r| (r.start, r.end));
        assert_eq!(
            ok("2026-01-01", "2026-01-31"),
            Ok(("2026-01-01".into(), "2026-01-31".into()))
        );
        assert_eq!(ok("2026-01-01", "2026-02-01").unwrap_err().0, "400003");
        assert_eq!(ok("2026-02-15", "2026-03-14").map(|_| ()), Ok(()));
        assert_eq!(ok("2026-02-15", "2026-03-15").unwrap_err().0, "400003");
        assert_eq!(ok("2026-03-02", "2026-03-01").unwrap_err().0, "400002");
        assert_eq!(ok("2026/03/01", "2026-03-02").unwrap_err().0, "400005");
        assert_eq!(
            statistics_range(None, Some("2026-03-01")).unwrap_err().0,
            "400004"
        );
    }
}
