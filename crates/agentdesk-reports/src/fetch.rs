//! What the dashboard asks the platform for, kept in the tenant's database: a finished day's figures
//! never change, so they are fetched once; today's are asked for again (the live figures depend on
//! it), the daily export files at most every five minutes.

use std::collections::HashMap;

use agentdesk_sobot::client::{HumanSessionTotals, UnionClient};
use agentdesk_workspace::{union_refusal, ApiError};
use chrono::NaiveDate;
use futures_util::stream::{self, StreamExt};

use crate::figures::{day_figures, day_text, kept_for_good, AgentReport, DayFigures};
use crate::Reports;

/// How many export (or statistics) requests run at once: a month is 60 exports (two types a day)
/// and 30 statistics calls on first view.
const REPORTS_AT_ONCE: usize = 8;
/// How long today's export files are reused before being asked for again.
const TODAY_REPORT_TTL_MS: i64 = 5 * 60 * 1000;

impl Reports {
    /// The platform's daily exports (`tenantExportData` 7 and 8) for every day of the range, summed
    /// per agent of the merchant on screen; and, when today's is not in yet, why (the figures then
    /// cover the days before).
    pub(crate) async fn daily_reports(
        &self,
        union: &UnionClient,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<(HashMap<String, AgentReport>, Option<String>), ApiError> {
        let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
        // Futures made up front (not in a closure over borrowed clients): the command that awaits
        // them must stay `Send` for Tauri.
        let mut fetches = Vec::with_capacity(days.len() * 2);
        for day in days {
            for task_type in [7u8, 8] {
                fetches.push(self.report_file(union, task_type, day, today));
            }
        }
        let answers: Vec<Result<(u8, String), (NaiveDate, ApiError)>> = stream::iter(fetches)
            .buffer_unordered(REPORTS_AT_ONCE)
            .collect()
            .await;
        // A finished day's file is required; today's may not exist yet on the platform.
        let mut files = Vec::with_capacity(answers.len());
        let mut today_problem = None;
        for answer in answers {
            match answer {
                Ok(file) => files.push(file),
                Err((day, problem)) if day == today => today_problem = Some(problem.message),
                Err((_, problem)) => return Err(problem),
            }
        }
        let tenant_id = self.workspace.tenant_id();
        let mut by_agent: HashMap<String, AgentReport> = HashMap::new();
        for (task_type, text) in files {
            let rows = agentdesk_sobot::client::parse_report(&text).map_err(union_refusal)?;
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

    /// Each day's `human_session` totals.
    pub(crate) async fn daily_sessions(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<Vec<DayFigures>, ApiError> {
        let fetches: Vec<_> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|day| self.day_sessions(day, today))
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

    async fn day_sessions(
        &self,
        day: NaiveDate,
        today: NaiveDate,
    ) -> Result<(NaiveDate, HumanSessionTotals), ApiError> {
        let date = day_text(day);
        let answers = self.workspace.answers();
        if let Some((kept, fetched_at_ms)) = answers
            .get::<HumanSessionTotals>("human_session", &date)
            .await
        {
            if kept_for_good(day, today, fetched_at_ms) {
                return Ok((day, kept));
            }
        }
        let totals = self.workspace.client().human_session(&date, &date).await?;
        answers.put("human_session", &date, &totals);
        Ok((day, totals))
    }

    /// One day's export file of `task_type`.
    async fn report_file(
        &self,
        union: &UnionClient,
        task_type: u8,
        day: NaiveDate,
        today: NaiveDate,
    ) -> Result<(u8, String), (NaiveDate, ApiError)> {
        let date = day_text(day);
        let source = format!("tenantExportData:{task_type}");
        let answers = self.workspace.answers();
        if let Some((kept, fetched_at_ms)) = answers.get::<String>(&source, &date).await {
            let fresh_today =
                day == today && self.workspace.now_ms() - fetched_at_ms < TODAY_REPORT_TTL_MS;
            if kept_for_good(day, today, fetched_at_ms) || fresh_today {
                return Ok((task_type, kept));
            }
        }
        let fetched = async {
            let task = union.export(task_type, &date).await?;
            union.export_file(&task).await
        };
        let text = fetched.await.map_err(|error| (day, union_refusal(error)))?;
        answers.put(&source, &date, &text);
        Ok((task_type, text))
    }
}
