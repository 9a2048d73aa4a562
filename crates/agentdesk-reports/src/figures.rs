//! The dashboard's figures as data, and what is pure about them: the date rules (the platform's
//! calendar is China's; a range is checked and asked for a month at a time), the sums, the status
//! timelines and the CSV export.

use std::path::{Path, PathBuf};

use agentdesk_sobot::client::{HumanSatisfaction, HumanSessionTotals};
use agentdesk_workspace::{ApiError, ErrorCode, ErrorReason};
use chrono::{Duration as Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An agent group the dashboard can be narrowed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AgentGroup {
    pub id: String,
    pub name: String,
}

/// The longest range the dashboard asks for (the platform is asked a month at a time).
pub const MAX_RANGE_DAYS: i64 = 92;
/// The platform's window for agent status logs.
pub(crate) const STATUS_WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;
/// China time: the platform's days.
const CHINA_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// What the supervisor chose: a date range (`yyyy-MM-dd`, both days included) and optionally one
/// agent group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct DashboardQuery {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub group_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DayFigures {
    /// `yyyy-MM-dd`, China time.
    pub day: String,
    /// Sessions customers opened with human service that day (咨询会话).
    #[ts(type = "number")]
    pub sessions: i64,
    /// Of those, answered by an agent, and not answered.
    #[ts(type = "number")]
    pub received: i64,
    #[ts(type = "number")]
    pub not_received: i64,
    #[ts(type = "number")]
    pub transferred: i64,
    /// Customers who said their problem was solved.
    #[ts(type = "number")]
    pub solved: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AgentFigures {
    pub id: String,
    pub name: String,
    pub group_id: Option<String>,
    /// 有效咨询会话
    #[ts(type = "number")]
    pub valid_sessions: i64,
    /// 首次接待首响会话
    #[ts(type = "number")]
    pub first_responses: i64,
    #[ts(type = "number")]
    pub transfer_first_responses: i64,
    /// 首响 60s 应答率, in percent.
    pub within_60s_percent: f64,
    /// From the platform's daily exports (`tenantExportData` 7): sessions ended and sessions rated;
    /// none when the exports could not be had (`reports_problem` says why).
    #[ts(type = "number | null")]
    pub ended_sessions: Option<i64>,
    #[ts(type = "number | null")]
    pub rated_sessions: Option<i64>,
    /// From `tenantExportData` 8: the average first response over the range, in seconds.
    pub average_first_response_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct SatisfactionFigures {
    #[ts(type = "number")]
    pub ratings: i64,
    /// Ratings of 1 to 5 stars.
    #[ts(type = "number[]")]
    pub stars: [i64; 5],
    pub average: f64,
    pub good_percent: f64,
    pub solved_percent: f64,
    /// Ratings per valid session, in percent.
    pub comment_percent: f64,
    #[ts(type = "number")]
    pub invites: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StaffStatus {
    Online,
    Busy,
    Offline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StatusSpan {
    #[ts(type = "number")]
    pub from_ms: i64,
    #[ts(type = "number")]
    pub to_ms: i64,
    pub status: StaffStatus,
    /// The platform's own word for it (在线, 忙碌, 小休…).
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AgentTimeline {
    pub id: String,
    pub name: String,
    pub spans: Vec<StatusSpan>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DashboardTotals {
    #[ts(type = "number")]
    pub sessions: i64,
    #[ts(type = "number")]
    pub valid_sessions: i64,
    /// Sessions no agent answered.
    #[ts(type = "number")]
    pub not_received: i64,
    /// From the per-agent exports (the statistics API gives no first-response figures).
    pub average_first_response_seconds: f64,
    pub within_60s_percent: f64,
    /// Customers waiting for an agent in this workbench now.
    #[ts(type = "number")]
    pub waiting_now: i64,
    #[ts(type = "number")]
    pub agents_online: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DashboardView {
    pub query: DashboardQuery,
    pub groups: Vec<AgentGroup>,
    /// Day by day: Sobot's statistics give totals over a range and nothing per hour, so each day is
    /// one `human_session` call (finished days are kept).
    pub days: Vec<DayFigures>,
    pub agents: Vec<AgentFigures>,
    pub satisfaction: SatisfactionFigures,
    pub timelines: Vec<AgentTimeline>,
    #[ts(type = "number")]
    pub timeline_from_ms: i64,
    #[ts(type = "number")]
    pub timeline_to_ms: i64,
    pub totals: DashboardTotals,
    /// False when the account has no union code and key: per-agent figures and timelines need them.
    pub per_agent_available: bool,
    /// Why the platform's daily exports (`tenantExportData`) are missing from the per-agent figures
    /// (all of them, or only today's), when they are; the rest of the dashboard does not depend on
    /// them.
    pub reports_problem: Option<String>,
    /// The reply assistant on this desk over the range (calls are counted where they are made:
    /// the platform knows nothing of them).
    pub assistant: agentdesk_assistant::AssistantFigures,
    #[ts(type = "number")]
    pub generated_at_ms: i64,
}

pub(crate) fn parse_day(text: &str, which: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::NotADate {
                text: text.to_string(),
            },
            format!("the {which} date {text:?} is not a date: use yyyy-MM-dd"),
        )
    })
}

/// The range, checked: real dates, in order, not in the future, at most `MAX_RANGE_DAYS`.
pub fn check_range(
    query: &DashboardQuery,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let from = parse_day(&query.from, "start")?;
    let to = parse_day(&query.to, "end")?;
    if to < from {
        return Err(ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::RangeReversed,
            "the end date is before the start date: swap them",
        ));
    }
    if from > today {
        return Err(ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::RangeInFuture,
            "the range starts in the future: choose a start date up to today",
        ));
    }
    if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
        return Err(ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::RangeTooLong {
                days: MAX_RANGE_DAYS as u32,
            },
            format!("the range is longer than {MAX_RANGE_DAYS} days: choose a shorter one"),
        ));
    }
    Ok((from, to.min(today)))
}

/// Windows of at most one calendar month covering `from..=to` (the statistics API's limit).
pub fn month_windows(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut windows = Vec::new();
    let mut start = from;
    while start <= to {
        let limit = start
            .checked_add_months(Months::new(1))
            .map(|d| d - Days::days(1))
            .unwrap_or(to);
        let end = limit.min(to);
        windows.push((start, end));
        start = end + Days::days(1);
    }
    windows
}

pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Today in China time (the platform's calendar).
pub fn china_today(now_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms + CHINA_OFFSET_MS)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

pub(crate) fn percent_of(part: f64, whole: f64) -> f64 {
    if whole <= 0.0 {
        0.0
    } else {
        (part * 1000.0 / whole).round() / 10.0
    }
}

pub(crate) fn add_satisfaction(sum: &mut HumanSatisfaction, part: &HumanSatisfaction) {
    sum.effect_session_count += part.effect_session_count;
    sum.total_times += part.total_times;
    sum.invites += part.invites;
    sum.solved += part.solved;
    sum.not_solved += part.not_solved;
    sum.good += part.good;
    sum.score1 += part.score1;
    sum.score2 += part.score2;
    sum.score3 += part.score3;
    sum.score4 += part.score4;
    sum.score5 += part.score5;
    // The average is weighted by the ratings of each window.
    sum.avg_num += part.avg_num * part.total_times as f64;
}

pub(crate) fn satisfaction_figures(sum: &HumanSatisfaction) -> SatisfactionFigures {
    let stars = [sum.score1, sum.score2, sum.score3, sum.score4, sum.score5];
    let ratings = sum.total_times.max(stars.iter().sum());
    SatisfactionFigures {
        ratings,
        stars,
        average: if ratings > 0 {
            (sum.avg_num / ratings as f64 * 100.0).round() / 100.0
        } else {
            0.0
        },
        good_percent: percent_of(sum.good as f64, ratings as f64),
        solved_percent: percent_of(sum.solved as f64, (sum.solved + sum.not_solved) as f64),
        comment_percent: percent_of(ratings as f64, sum.effect_session_count as f64),
        invites: sum.invites,
    }
}

pub(crate) fn day_figures(day: NaiveDate, totals: &HumanSessionTotals) -> DayFigures {
    DayFigures {
        day: day_text(day),
        sessions: totals.consult_session,
        received: totals.valid_reception_session,
        not_received: totals.not_reception_session,
        transferred: totals.transfer_session,
        solved: totals.solved_session,
    }
}

pub(crate) fn staff_status(label: &str) -> StaffStatus {
    if label.contains("离线") || label.eq_ignore_ascii_case("offline") {
        StaffStatus::Offline
    } else if label.contains("在线") || label.eq_ignore_ascii_case("online") {
        StaffStatus::Online
    } else {
        StaffStatus::Busy
    }
}

/// Spans from status changes (any order): each change lasts until the next one or `to_ms`.
pub fn status_spans(mut changes: Vec<(i64, String)>, from_ms: i64, to_ms: i64) -> Vec<StatusSpan> {
    changes.sort_by_key(|(at, _)| *at);
    let mut spans = Vec::with_capacity(changes.len());
    for (index, (at, label)) in changes.iter().enumerate() {
        let end = changes.get(index + 1).map_or(to_ms, |(next, _)| *next);
        let (start, end) = ((*at).max(from_ms), end.min(to_ms));
        if end > start {
            spans.push(StatusSpan {
                from_ms: start,
                to_ms: end,
                status: staff_status(label),
                label: label.clone(),
            });
        }
    }
    spans
}

/// A field a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
/// first) gets a leading apostrophe: names are data.
pub(crate) fn defuse_formula(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// One CSV line (quoted where needed by the `csv` crate, CRLF-terminated), formulas defused.
pub(crate) fn csv_row(fields: &[String]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing into memory cannot fail; a field is any string.
    let written = writer.write_record(fields.iter().map(|f| defuse_formula(f).into_owned()));
    debug_assert!(written.is_ok());
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The dashboard as CSV: the agents, the days and the ratings, each a table with its own header
/// (UTF-8 with a byte-order mark, so spreadsheets show Chinese names).
pub fn dashboard_csv(view: &DashboardView) -> String {
    let mut out = String::from("\u{feff}");
    let text = |v: &dyn ToString| v.to_string();
    out.push_str(&csv_row(&[
        "range".into(),
        view.query.from.clone(),
        view.query.to.clone(),
        view.query.group_id.clone().unwrap_or_default(),
    ]));
    out.push_str("\r\n");
    out.push_str(&csv_row(
        &[
            "agent_id",
            "agent",
            "group_id",
            "valid_sessions",
            "first_responses",
            "transfer_first_responses",
            "first_response_within_60s_percent",
            "ended_sessions",
            "rated_sessions",
            "average_first_response_seconds",
        ]
        .map(String::from),
    ));
    let maybe = |v: Option<&dyn ToString>| v.map(|v| v.to_string()).unwrap_or_default();
    for a in &view.agents {
        out.push_str(&csv_row(&[
            a.id.clone(),
            a.name.clone(),
            a.group_id.clone().unwrap_or_default(),
            text(&a.valid_sessions),
            text(&a.first_responses),
            text(&a.transfer_first_responses),
            text(&a.within_60s_percent),
            maybe(a.ended_sessions.as_ref().map(|v| v as &dyn ToString)),
            maybe(a.rated_sessions.as_ref().map(|v| v as &dyn ToString)),
            maybe(
                a.average_first_response_seconds
                    .as_ref()
                    .map(|v| v as &dyn ToString),
            ),
        ]));
    }
    out.push_str("\r\n");
    out.push_str(&csv_row(
        &[
            "day",
            "sessions",
            "received",
            "not_received",
            "transferred",
            "solved",
        ]
        .map(String::from),
    ));
    for d in &view.days {
        out.push_str(&csv_row(&[
            d.day.clone(),
            text(&d.sessions),
            text(&d.received),
            text(&d.not_received),
            text(&d.transferred),
            text(&d.solved),
        ]));
    }
    out.push_str("\r\n");
    out.push_str(&csv_row(&["stars".into(), "ratings".into()]));
    for (index, count) in view.satisfaction.stars.iter().enumerate() {
        out.push_str(&csv_row(&[text(&(index + 1)), text(count)]));
    }
    out
}

/// Where exports go: the user's Downloads folder, else their home folder.
pub fn export_folder() -> Result<PathBuf, ApiError> {
    dirs::download_dir().or_else(dirs::home_dir).ok_or_else(|| {
        ApiError::because(
            ErrorCode::Storage, ErrorReason::NoExportFolder,
            "there is no Downloads or home folder to save the file in: set XDG_DOWNLOAD_DIR or HOME",
        )
    })
}

/// One agent's figures from the platform's daily exports, summed over the range.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AgentReport {
    pub ended: i64,
    pub rated: i64,
    pub first_responses: i64,
    /// Σ (a day's average first response × that day's first responses), to weight the average.
    pub first_response_seconds: f64,
}

impl AgentReport {
    pub(crate) fn average_first_response_seconds(&self) -> Option<f64> {
        (self.first_responses > 0).then(|| {
            (self.first_response_seconds / self.first_responses as f64 * 10.0).round() / 10.0
        })
    }
}

/// A file name in `dir` that does not exist yet: `agentdesk-dashboard-{from}-{to}.csv`, then
/// `…-2.csv` and so on (an earlier export is never overwritten).
pub(crate) fn fresh_export_path(dir: &Path, query: &DashboardQuery) -> PathBuf {
    let stem = format!("agentdesk-dashboard-{}-{}", query.from, query.to);
    let mut path = dir.join(format!("{stem}.csv"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}-{n}.csv"));
        n += 1;
    }
    path
}

pub(crate) fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - CHINA_OFFSET_MS)
        .unwrap_or_default()
}

pub(crate) fn to_end_ms(day: NaiveDate) -> i64 {
    day_start_ms(day) + 24 * 3600 * 1000
}

/// Whether figures of `day` fetched at `fetched_at_ms` are final: the day is over and they were
/// fetched after it ended (a copy fetched while it was still today is not).
pub(crate) fn kept_for_good(day: NaiveDate, today: NaiveDate, fetched_at_ms: i64) -> bool {
    day < today && fetched_at_ms >= to_end_ms(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn query(from: &str, to: &str) -> DashboardQuery {
        DashboardQuery {
            from: from.into(),
            to: to.into(),
            group_id: None,
        }
    }

    #[test]
    fn ranges_are_checked_and_split_into_months() {
        let today = day("2026-11-21");
        assert!(check_range(&query("2026-11-22", "2026-11-23"), today).is_err());
        assert!(check_range(&query("2026-11-10", "2026-11-01"), today).is_err());
        assert!(check_range(&query("2026-13-01", "2026-11-01"), today).is_err());
        assert!(check_range(&query("2026-01-01", "2026-11-01"), today).is_err());
        assert_eq!(
            check_range(&query("2026-11-01", "2026-11-30"), today).unwrap(),
            (day("2026-11-01"), today),
            "a range reaching into the future ends today"
        );
        assert_eq!(
            month_windows(day("2026-01-15"), day("2026-03-20")),
            vec![
                (day("2026-01-15"), day("2026-02-14")),
                (day("2026-02-15"), day("2026-03-14")),
                (day("2026-03-15"), day("2026-03-20")),
            ]
        );
        assert_eq!(
            month_windows(day("2026-11-21"), day("2026-11-21")),
            vec![(day("2026-11-21"), day("2026-11-21"))]
        );
    }

    #[test]
    fn only_figures_fetched_after_their_day_ended_are_kept_for_good() {
        let (day, today) = (day("2026-11-29"), day("2026-11-30"));
        let midnight = to_end_ms(day);
        assert!(kept_for_good(day, today, midnight));
        assert!(kept_for_good(day, today, midnight + 3_600_000));
        assert!(
            !kept_for_good(day, today, midnight - 1),
            "fetched while it was still today"
        );
        assert!(!kept_for_good(today, today, midnight + 3_600_000));
    }

    /// Every day of a common and a leap year as the last day of a 90-day range: each window keeps
    /// the platform's rule (its end before the same day of the next month) and together they cover
    /// the range without a gap, so month ends (30 November, 31 January, 29 February) are no special
    /// case.
    #[test]
    fn month_windows_keep_the_one_month_rule_on_every_day_of_the_year() {
        for year in [2026, 2028] {
            let mut to = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
            while to.year() == year {
                let from = to - Days::days(89);
                let windows = month_windows(from, to);
                assert_eq!(windows.first().map(|w| w.0), Some(from));
                assert_eq!(windows.last().map(|w| w.1), Some(to));
                for (start, end) in &windows {
                    let limit = start.checked_add_months(Months::new(1)).unwrap();
                    assert!(end < &limit, "{start}..{end} breaks the one-month rule");
                }
                for pair in windows.windows(2) {
                    assert_eq!(pair[0].1 + Days::days(1), pair[1].0, "no gap, no overlap");
                }
                to += Days::days(1);
            }
        }
    }

    #[test]
    fn status_changes_become_spans_within_the_window() {
        let spans = status_spans(
            vec![
                (500, "忙碌".into()),
                (100, "在线".into()),
                (900, "离线".into()),
                (50, "离线".into()),
            ],
            80,
            1_000,
        );
        let shape: Vec<(i64, i64, StaffStatus)> = spans
            .iter()
            .map(|s| (s.from_ms, s.to_ms, s.status))
            .collect();
        assert_eq!(
            shape,
            vec![
                (80, 100, StaffStatus::Offline),
                (100, 500, StaffStatus::Online),
                (500, 900, StaffStatus::Busy),
                (900, 1_000, StaffStatus::Offline),
            ]
        );
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let field = |value: &str| csv_row(&[value.to_string(), "x".into()]);
        assert_eq!(field("林晓 Lin Xiao"), "林晓 Lin Xiao,x\r\n");
        assert_eq!(field("a,b"), "\"a,b\",x\r\n");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\",x\r\n");
        assert_eq!(
            field("=HYPERLINK(\"x\")"),
            "\"'=HYPERLINK(\"\"x\"\")\",x\r\n"
        );
        assert_eq!(field("-1"), "'-1,x\r\n");
        assert_eq!(field("两行\n名字"), "\"两行\n名字\",x\r\n");
    }

    #[test]
    fn an_exported_name_with_commas_and_quotes_reads_back_whole() {
        let line = csv_row(&["Lin, \"Lx\" 林".to_string(), "=1+1".into(), "3".into()]);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(
            record.iter().collect::<Vec<_>>(),
            vec!["Lin, \"Lx\" 林", "'=1+1", "3"]
        );
    }

    #[test]
    fn satisfaction_sums_windows_with_a_weighted_average() {
        let mut sum = HumanSatisfaction::default();
        add_satisfaction(
            &mut sum,
            &HumanSatisfaction {
                total_times: 2,
                avg_num: 5.0,
                score5: 2,
                good: 2,
                effect_session_count: 4,
                ..Default::default()
            },
        );
        add_satisfaction(
            &mut sum,
            &HumanSatisfaction {
                total_times: 2,
                avg_num: 2.0,
                score1: 1,
                score3: 1,
                effect_session_count: 4,
                ..Default::default()
            },
        );
        let figures = satisfaction_figures(&sum);
        assert_eq!(figures.ratings, 4);
        assert_eq!(figures.stars, [1, 0, 1, 0, 2]);
        assert_eq!(figures.average, 3.5);
        assert_eq!(figures.good_percent, 50.0);
        assert_eq!(figures.comment_percent, 50.0);
    }
}
