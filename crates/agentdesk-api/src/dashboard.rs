//! The supervisor dashboard's figures for the merchant on screen: sessions, queue and first
//! responses per hour and satisfaction (在线统计 API, asked in windows of at most one month, the
//! platform's limit), each agent's figures (`tenantStaffJobList`) and status timeline
//! (`getStaffLogInfos`, the platform's one-week window), and the same as CSV.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use agentdesk_sobot::client::{HumanSatisfaction, HumanSessionTotals};
use chrono::{Duration as Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::supervisor::refusal_in_words;
use crate::{ApiError, ErrorCode, ErrorReason, TransferGroup, Workbench};

/// The longest range the dashboard asks for (the platform is asked a month at a time).
pub const MAX_RANGE_DAYS: i64 = 92;
/// The platform's window for agent status logs.
const STATUS_WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;
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
    pub groups: Vec<TransferGroup>,
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
    pub assistant: crate::assistant::AssistantFigures,
    #[ts(type = "number")]
    pub generated_at_ms: i64,
}

fn parse_day(text: &str, which: &str) -> Result<NaiveDate, ApiError> {
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

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Today in China time (the platform's calendar).
pub fn china_today(now_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms + CHINA_OFFSET_MS)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

fn percent_of(part: f64, whole: f64) -> f64 {
    if whole <= 0.0 {
        0.0
    } else {
        (part * 1000.0 / whole).round() / 10.0
    }
}

fn add_satisfaction(sum: &mut HumanSatisfaction, part: &HumanSatisfaction) {
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

fn satisfaction_figures(sum: &HumanSatisfaction) -> SatisfactionFigures {
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

fn day_figures(day: NaiveDate, totals: &HumanSessionTotals) -> DayFigures {
    DayFigures {
        day: day_text(day),
        sessions: totals.consult_session,
        received: totals.valid_reception_session,
        not_received: totals.not_reception_session,
        transferred: totals.transfer_session,
        solved: totals.solved_session,
    }
}

fn staff_status(label: &str) -> StaffStatus {
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
fn defuse_formula(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// One CSV line (quoted where needed by the `csv` crate, CRLF-terminated), formulas defused.
fn csv_row(fields: &[String]) -> String {
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
struct AgentReport {
    ended: i64,
    rated: i64,
    first_responses: i64,
    /// Σ (a day's average first response × that day's first responses), to weight the average.
    first_response_seconds: f64,
}

impl AgentReport {
    fn average_first_response_seconds(&self) -> Option<f64> {
        (self.first_responses > 0).then(|| {
            (self.first_response_seconds / self.first_responses as f64 * 10.0).round() / 10.0
        })
    }
}

/// How many export (or statistics) requests run at once: a month is 60 exports (two types a day)
/// and 30 statistics calls on first view.
const REPORTS_AT_ONCE: usize = 8;
/// How long today's export files are reused before being asked for again.
const TODAY_REPORT_TTL_MS: i64 = 5 * 60 * 1000;

impl Workbench {
    /// The platform's daily exports (`tenantExportData` 7 and 8) for every day of the range, summed
    /// per agent of `tenant_id`. A finished day's files do not change, so they are kept in the
    /// workspace's cache and fetched once; today's are fetched each time.
    async fn daily_reports(
        &self,
        union: &agentdesk_sobot::client::UnionClient,
        tenant_id: &str,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<(HashMap<String, AgentReport>, Option<String>), ApiError> {
        use futures_util::stream::{self, StreamExt};
        let cache = self.cache()?;
        let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
        // Futures made up front (not in a closure over borrowed clients): the command that awaits
        // them must stay `Send` for Tauri.
        let mut fetches = Vec::with_capacity(days.len() * 2);
        for day in days {
            for task_type in [7u8, 8] {
                fetches.push(self.report_file(union, &cache, task_type, day, today));
            }
        }
        let answers: Vec<Result<(u8, String), (NaiveDate, ApiError)>> = stream::iter(fetches)
            .buffer_unordered(REPORTS_AT_ONCE)
            .collect()
            .await;
        // A finished day's file is required; today's may not exist yet on the platform, so without
        // it the figures cover the days before, and say so.
        let mut files = Vec::with_capacity(answers.len());
        let mut today_problem = None;
        for answer in answers {
            match answer {
                Ok(file) => files.push(file),
                Err((day, problem)) if day == today => today_problem = Some(problem.message),
                Err((_, problem)) => return Err(problem),
            }
        }
        let mut by_agent: HashMap<String, AgentReport> = HashMap::new();
        for (task_type, text) in files {
            let rows = agentdesk_sobot::client::parse_report(&text).map_err(refusal_in_words)?;
            for row in rows.into_iter().filter(|r| r.company_id == tenant_id) {
                let agent = by_agent.entry(row.staff_id).or_default();
                if task_type == 7 {
                    agent.ended += row.ended;
                    agent.rated += row.rated;
                } else {
                    agent.first_responses += row.first_responses;
                    agent.first_response_seconds +=
                        row.average_first_response_s * row.first_responses as f64;
                }
            }
        }
        Ok((
            by_agent,
            today_problem.map(|p| format!("today's export is not in yet ({p})")),
        ))
    }

    /// Each day's `human_session` totals: a finished day's from the cache once fetched, today's
    /// asked for every time (one small call; the dashboard's live figures depend on it).
    async fn daily_sessions(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<Vec<DayFigures>, ApiError> {
        use futures_util::stream::{self, StreamExt};
        let cache = self.cache()?;
        let client = self.client();
        let fetches: Vec<_> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|day| {
                let (client, cache) = (client.clone(), &cache);
                async move {
                    let date = day_text(day);
                    if let Some((kept, fetched_at_ms)) =
                        cache.get::<HumanSessionTotals>("human_session", &date)
                    {
                        if kept_for_good(day, today, fetched_at_ms) {
                            return Ok((day, kept));
                        }
                    }
                    let totals = client.human_session(&date, &date).await?;
                    cache.put("human_session", &date, &totals);
                    Ok::<_, agentdesk_sobot::ClientError>((day, totals))
                }
            })
            .collect();
        let mut days: Vec<(NaiveDate, HumanSessionTotals)> = stream::iter(fetches)
            .buffer_unordered(REPORTS_AT_ONCE)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        days.sort_by_key(|(day, _)| *day);
        Ok(days
            .iter()
            .map(|(day, totals)| day_figures(*day, totals))
            .collect())
    }

    /// One day's export file of `task_type`: a finished day's from the cache once fetched, today's
    /// from the cache for `TODAY_REPORT_TTL_MS` (the dashboard refreshes every 15 s; the platform's
    /// exports need not be asked for that often).
    async fn report_file(
        &self,
        union: &agentdesk_sobot::client::UnionClient,
        cache: &crate::customer::Cache,
        task_type: u8,
        day: NaiveDate,
        today: NaiveDate,
    ) -> Result<(u8, String), (NaiveDate, ApiError)> {
        let date = day_text(day);
        let source = format!("tenantExportData:{task_type}");
        if let Some((kept, fetched_at_ms)) = cache.get::<String>(&source, &date) {
            if kept_for_good(day, today, fetched_at_ms)
                || (day == today && self.now_ms() - fetched_at_ms < TODAY_REPORT_TTL_MS)
            {
                return Ok((task_type, kept));
            }
        }
        let fetched = async {
            let task = union.export(task_type, &date).await?;
            union.export_file(&task).await
        };
        let text = fetched
            .await
            .map_err(|error| (day, refusal_in_words(error)))?;
        cache.put(&source, &date, &text);
        Ok((task_type, text))
    }
}

/// A file name in `dir` that does not exist yet: `agentdesk-dashboard-{from}-{to}.csv`, then
/// `…-2.csv` and so on (an earlier export is never overwritten).
fn fresh_export_path(dir: &Path, query: &DashboardQuery) -> PathBuf {
    let stem = format!("agentdesk-dashboard-{}-{}", query.from, query.to);
    let mut path = dir.join(format!("{stem}.csv"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}-{n}.csv"));
        n += 1;
    }
    path
}

fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - CHINA_OFFSET_MS)
        .unwrap_or_default()
}

fn to_end_ms(day: NaiveDate) -> i64 {
    day_start_ms(day) + 24 * 3600 * 1000
}

/// Whether figures of `day` fetched at `fetched_at_ms` are final: the day is over and they were
/// fetched after it ended (a copy fetched while it was still today is not).
fn kept_for_good(day: NaiveDate, today: NaiveDate, fetched_at_ms: i64) -> bool {
    day < today && fetched_at_ms >= to_end_ms(day)
}

/// The supervisor dashboard and its CSV export.
pub struct Reports<'a> {
    host: &'a Workbench,
}

impl Workbench {
    /// See [`Reports`].
    pub fn reports(&self) -> Reports<'_> {
        Reports { host: self }
    }
}

impl Reports<'_> {
    /// The dashboard for the merchant on screen.
    pub async fn dashboard(&self, query: DashboardQuery) -> Result<DashboardView, ApiError> {
        let now = self.host.now_ms();
        let (from, to) = check_range(&query, china_today(now))?;
        let group = query.group_id.clone().filter(|g| !g.trim().is_empty());
        let client = self.host.client();
        let windows = month_windows(from, to);

        // The platform's statistics (company-wide: no group filter is documented): satisfaction a
        // month at a time, sessions a day at a time; the agent list and groups beside them.
        let satisfaction = async {
            let mut satisfaction = HumanSatisfaction::default();
            for (start, end) in &windows {
                let (start, end) = (day_text(*start), day_text(*end));
                add_satisfaction(
                    &mut satisfaction,
                    &client.human_satisfaction(&start, &end).await?,
                );
            }
            Ok::<_, agentdesk_sobot::ClientError>(satisfaction)
        };
        let statistics = async {
            let (days, satisfaction) = tokio::join!(
                self.host.daily_sessions(from, to, china_today(now)),
                satisfaction
            );
            Ok::<_, ApiError>((days?, satisfaction?))
        };
        let roster = async {
            tokio::try_join!(
                client.other_agents(""),
                client.transfer_groups(""),
                client.login()
            )
        };
        // The union platform's per-agent figures and status logs, at the same time.
        let tenant_id = self.host.tenant_on_screen();
        let timeline_to = (to_end_ms(to)).min(now);
        let timeline_from = (timeline_to - STATUS_WINDOW_MS).max(day_start_ms(from));
        let (first_day, last_day) = (day_text(from), day_text(to));
        let per_agent = async {
            match self.host.union() {
                Err(_) => Ok(None),
                Ok(union) => tokio::try_join!(
                    union.staff_figures(&first_day, &last_day),
                    union.staff_logs(Some(timeline_from), Some(timeline_to)),
                )
                .map(Some)
                .map_err(refusal_in_words),
            }
        };
        let reports = async {
            match self.host.union() {
                Err(_) => None,
                Ok(union) => Some(
                    self.host
                        .daily_reports(union, &tenant_id, from, to, china_today(now))
                        .await,
                ),
            }
        };
        let (statistics, roster, per_agent, reports) =
            tokio::join!(statistics, roster, per_agent, reports);
        let (reports, reports_problem) = match reports {
            None => (HashMap::new(), None),
            Some(Ok(answer)) => answer,
            Some(Err(problem)) => (HashMap::new(), Some(problem.message)),
        };
        let ((days, satisfaction), (others, groups, login), per_agent) =
            (statistics?, roster?, per_agent?);

        // Names and groups by agent id; the signed-in agent is not among "other" agents.
        let mut roster: HashMap<String, (String, Option<String>, bool)> = others
            .iter()
            .map(|a| {
                (
                    a.id.clone(),
                    (
                        a.uname.clone(),
                        a.group_id.first().cloned().filter(|g| !g.is_empty()),
                        a.status == Some(1),
                    ),
                )
            })
            .collect();
        if !login.aid.is_empty() {
            roster.entry(login.aid.clone()).or_insert((
                login.staff_name.clone(),
                None,
                login.status == Some(1),
            ));
        }
        let in_group = |id: &str| match &group {
            None => true,
            Some(g) => roster
                .get(id)
                .is_some_and(|(_, agent_group, _)| agent_group.as_deref() == Some(g)),
        };
        let name_of = |id: &str| {
            roster
                .get(id)
                .map(|(name, _, _)| name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.to_string())
        };

        let (per_agent_available, agents, timelines) = match per_agent {
            None => (false, Vec::new(), Vec::new()),
            Some((figures, logs)) => {
                let mut agents: Vec<AgentFigures> = figures
                    .into_iter()
                    .filter(|f| f.companyid == tenant_id && in_group(&f.staffid))
                    .map(|f| AgentFigures {
                        name: name_of(&f.staffid),
                        group_id: roster.get(&f.staffid).and_then(|(_, g, _)| g.clone()),
                        valid_sessions: f.session_human_visitor_consult,
                        first_responses: f.first_response_time_set,
                        transfer_first_responses: f.transfer_first_response_count,
                        within_60s_percent: f
                            .first_response_in60s_rate
                            .trim()
                            .trim_end_matches('%')
                            .parse()
                            .unwrap_or_default(),
                        ended_sessions: reports.get(&f.staffid).map(|r| r.ended),
                        rated_sessions: reports.get(&f.staffid).map(|r| r.rated),
                        average_first_response_seconds: reports
                            .get(&f.staffid)
                            .and_then(AgentReport::average_first_response_seconds),
                        id: f.staffid,
                    })
                    .collect();
                agents.sort_by(|a, b| {
                    b.valid_sessions
                        .cmp(&a.valid_sessions)
                        .then(a.name.cmp(&b.name))
                });
                let mut timelines: Vec<AgentTimeline> = logs
                    .into_iter()
                    .filter(|company| company.company_id == tenant_id)
                    .flat_map(|company| company.company_staff_infos)
                    .filter(|staff| in_group(&staff.staff_id))
                    .map(|staff| AgentTimeline {
                        name: name_of(&staff.staff_id),
                        spans: status_spans(
                            staff
                                .staff_log_infos
                                .into_iter()
                                .map(|log| (log.datetime, log.operation_action))
                                .collect(),
                            timeline_from,
                            timeline_to,
                        ),
                        id: staff.staff_id,
                    })
                    .collect();
                timelines.sort_by(|a, b| a.name.cmp(&b.name));
                (true, agents, timelines)
            }
        };

        let sessions: i64 = days.iter().map(|d| d.sessions).sum();
        let not_received: i64 = days.iter().map(|d| d.not_received).sum();
        let first_responses: f64 = agents.iter().map(|a| a.first_responses as f64).sum();
        let within: f64 = agents
            .iter()
            .map(|a| a.first_responses as f64 * a.within_60s_percent / 100.0)
            .sum();
        // The first-response average, weighted by each agent's first responses (the exports').
        let (response_seconds, responses) = agents
            .iter()
            .filter_map(|a| {
                a.average_first_response_seconds
                    .map(|avg| (avg * a.first_responses as f64, a.first_responses as f64))
            })
            .fold((0.0, 0.0), |(s, n), (a, b)| (s + a, n + b));
        let waiting_now = self
            .host
            .engine()
            .sessions()?
            .iter()
            .filter(|s| s.state == agentdesk_domain::SessionState::Waiting)
            .count() as i64;
        let totals = DashboardTotals {
            sessions,
            valid_sessions: agents.iter().map(|a| a.valid_sessions).sum(),
            not_received,
            average_first_response_seconds: if responses > 0.0 {
                (response_seconds / responses * 10.0).round() / 10.0
            } else {
                0.0
            },
            within_60s_percent: percent_of(within, first_responses),
            waiting_now,
            agents_online: roster
                .iter()
                .filter(|(id, (_, _, online))| *online && in_group(id))
                .count() as i64,
        };
        Ok(DashboardView {
            query: DashboardQuery {
                from: day_text(from),
                to: day_text(to),
                group_id: group,
            },
            groups: groups
                .iter()
                .map(|g| TransferGroup {
                    id: g.group_id.clone(),
                    name: g.group_name.clone(),
                })
                .collect(),
            days,
            agents,
            satisfaction: satisfaction_figures(&satisfaction),
            timelines,
            timeline_from_ms: timeline_from,
            timeline_to_ms: timeline_to,
            totals,
            per_agent_available,
            reports_problem,
            assistant: self
                .host
                .assistant()
                .figures(day_start_ms(from), to_end_ms(to))?,
            generated_at_ms: now,
        })
    }
    /// Writes the dashboard for `query` as CSV into `dir` (a new file each time) and answers its path.
    pub async fn export_dashboard(
        &self,
        query: DashboardQuery,
        dir: &Path,
    ) -> Result<PathBuf, ApiError> {
        let view = self.dashboard(query).await?;
        std::fs::create_dir_all(dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!(
                    "cannot create {}: {e}. Choose another folder or free some space.",
                    dir.display()
                ),
            )
        })?;
        let path = fresh_export_path(dir, &view.query);
        std::fs::write(&path, dashboard_csv(&view)).map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!(
                    "cannot write {}: {e}. Check the folder is writable and has space.",
                    path.display()
                ),
            )
        })?;
        Ok(path)
    }
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
