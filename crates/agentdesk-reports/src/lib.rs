//! The supervisor dashboard for the merchant on screen: sessions, queue and first responses and
//! satisfaction (the 在线统计 API, asked in windows of at most one month, the platform's limit), each
//! agent's figures (`tenantStaffJobList`, the daily exports) and status timeline
//! (`getStaffLogInfos`, the platform's one-week window), the reply assistant's figures on this desk,
//! and the same as CSV.
//!
//! One `Reports` service per workspace; what it fetched is kept in the tenant's database.

mod fetch;
mod figures;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use agentdesk_sobot::client::{CompanyStaffLogs, HumanSatisfaction, StaffFigures, UnionClient};
use agentdesk_sobot::protocol::{CustomerServiceInfoModel, OnLineGroupModel, OnLineServiceModel};
use agentdesk_workspace::{union_refusal, ApiError, ErrorCode, Workspace};
use chrono::NaiveDate;

pub use figures::{
    check_range, china_today, dashboard_csv, export_folder, month_windows, status_spans,
    AgentFigures, AgentGroup, AgentTimeline, DashboardQuery, DashboardTotals, DashboardView,
    DayFigures, SatisfactionFigures, StaffStatus, StatusSpan, MAX_RANGE_DAYS,
};

use figures::{
    add_satisfaction, day_start_ms, day_text, fresh_export_path, percent_of, satisfaction_figures,
    to_end_ms, AgentReport, STATUS_WINDOW_MS,
};

pub struct Reports {
    workspace: Arc<Workspace>,
    /// The union platform's tenant API (supervisors only): per-agent figures and status logs.
    union: Option<Arc<UnionClient>>,
    assistant: Arc<agentdesk_assistant::Assistant>,
}

/// Who works for the merchant: names, groups and who is online, by agent id.
struct Roster {
    agents: HashMap<String, (String, Option<String>, bool)>,
    groups: Vec<AgentGroup>,
}

impl Roster {
    fn of(
        others: Vec<OnLineServiceModel>,
        groups: Vec<OnLineGroupModel>,
        me: CustomerServiceInfoModel,
    ) -> Roster {
        let mut agents: HashMap<String, (String, Option<String>, bool)> = others
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
        // The signed-in agent is not among "other" agents.
        if !me.aid.is_empty() {
            agents.entry(me.aid.clone()).or_insert((
                me.staff_name.clone(),
                None,
                me.status == Some(1),
            ));
        }
        Roster {
            agents,
            groups: groups
                .into_iter()
                .map(|g| AgentGroup {
                    id: g.group_id,
                    name: g.group_name,
                })
                .collect(),
        }
    }

    fn in_group(&self, id: &str, group: Option<&str>) -> bool {
        group.is_none_or(|g| {
            self.agents
                .get(id)
                .is_some_and(|(_, agent_group, _)| agent_group.as_deref() == Some(g))
        })
    }

    fn name_of(&self, id: &str) -> String {
        self.agents
            .get(id)
            .map(|(name, _, _)| name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.to_string())
    }

    fn group_of(&self, id: &str) -> Option<String> {
        self.agents.get(id).and_then(|(_, g, _)| g.clone())
    }

    fn online_in(&self, group: Option<&str>) -> i64 {
        self.agents
            .iter()
            .filter(|(id, (_, _, online))| *online && self.in_group(id, group))
            .count() as i64
    }
}

/// The range the dashboard covers, with the timeline's window within it.
struct Range {
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    timeline_from: i64,
    timeline_to: i64,
}

impl Reports {
    pub fn new(
        workspace: Arc<Workspace>,
        union: Option<Arc<UnionClient>>,
        assistant: Arc<agentdesk_assistant::Assistant>,
    ) -> Reports {
        Reports {
            workspace,
            union,
            assistant,
        }
    }

    /// The dashboard for the merchant on screen.
    pub async fn dashboard(&self, query: DashboardQuery) -> Result<DashboardView, ApiError> {
        self.workspace.ensure_open()?;
        let now = self.workspace.now_ms();
        let (from, to) = check_range(&query, china_today(now))?;
        let timeline_to = to_end_ms(to).min(now);
        let range = Range {
            from,
            to,
            today: china_today(now),
            timeline_to,
            timeline_from: (timeline_to - STATUS_WINDOW_MS).max(day_start_ms(from)),
        };
        let group = query.group_id.clone().filter(|g| !g.trim().is_empty());
        let (statistics, roster, per_agent, reports) = tokio::join!(
            self.statistics(&range),
            self.roster(),
            self.per_agent(&range),
            self.reports(&range),
        );
        let ((days, satisfaction), roster, per_agent) = (statistics?, roster?, per_agent?);
        let (reports, reports_problem) = match reports {
            None => (HashMap::new(), None),
            Some(Ok(answer)) => answer,
            Some(Err(problem)) => (HashMap::new(), Some(problem.message)),
        };
        let group_ref = group.as_deref();
        let (agents, timelines) = match &per_agent {
            Some((figures, logs)) => (
                self.agent_figures(figures, &roster, &reports, group_ref),
                self.timelines(logs, &roster, &range, group_ref),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let totals = self.totals(&days, &agents, &roster, group_ref).await?;
        Ok(DashboardView {
            query: DashboardQuery {
                from: day_text(from),
                to: day_text(to),
                group_id: group,
            },
            groups: roster.groups,
            days,
            agents,
            satisfaction: satisfaction_figures(&satisfaction),
            timelines,
            timeline_from_ms: range.timeline_from,
            timeline_to_ms: range.timeline_to,
            totals,
            per_agent_available: per_agent.is_some(),
            reports_problem,
            assistant: self
                .assistant
                .figures(day_start_ms(from), to_end_ms(to))
                .await?,
            generated_at_ms: now,
        })
    }

    /// The platform's statistics (company-wide: no group filter is documented): sessions a day at a
    /// time, satisfaction a month at a time.
    async fn statistics(
        &self,
        range: &Range,
    ) -> Result<(Vec<DayFigures>, HumanSatisfaction), ApiError> {
        let client = self.workspace.client();
        let satisfaction = async {
            let mut satisfaction = HumanSatisfaction::default();
            for (start, end) in month_windows(range.from, range.to) {
                let (start, end) = (day_text(start), day_text(end));
                add_satisfaction(
                    &mut satisfaction,
                    &client.human_satisfaction(&start, &end).await?,
                );
            }
            Ok::<_, agentdesk_sobot::ClientError>(satisfaction)
        };
        let (days, satisfaction) = tokio::join!(
            self.daily_sessions(range.from, range.to, range.today),
            satisfaction
        );
        Ok((days?, satisfaction?))
    }

    async fn roster(&self) -> Result<Roster, ApiError> {
        let client = self.workspace.client();
        let (others, groups, me) = tokio::try_join!(
            client.other_agents(""),
            client.transfer_groups(""),
            client.login()
        )?;
        Ok(Roster::of(others, groups, me))
    }

    /// The union platform's per-agent figures and status logs (none without a union account).
    async fn per_agent(
        &self,
        range: &Range,
    ) -> Result<Option<(Vec<StaffFigures>, Vec<CompanyStaffLogs>)>, ApiError> {
        let Some(union) = &self.union else {
            return Ok(None);
        };
        let (first_day, last_day) = (day_text(range.from), day_text(range.to));
        tokio::try_join!(
            union.staff_figures(&first_day, &last_day),
            union.staff_logs(Some(range.timeline_from), Some(range.timeline_to)),
        )
        .map(Some)
        .map_err(union_refusal)
    }

    async fn reports(
        &self,
        range: &Range,
    ) -> Option<Result<(HashMap<String, AgentReport>, Option<String>), ApiError>> {
        let union = self.union.as_ref()?;
        Some(
            self.daily_reports(union, range.from, range.to, range.today)
                .await,
        )
    }

    /// Each agent of the merchant (and group) with the platform's figures and the exports' sums,
    /// busiest first.
    fn agent_figures(
        &self,
        figures: &[StaffFigures],
        roster: &Roster,
        reports: &HashMap<String, AgentReport>,
        group: Option<&str>,
    ) -> Vec<AgentFigures> {
        let tenant_id = self.workspace.tenant_id();
        let mut agents: Vec<AgentFigures> = figures
            .iter()
            .filter(|f| f.companyid == tenant_id && roster.in_group(&f.staffid, group))
            .map(|f| {
                let report = reports.get(&f.staffid);
                AgentFigures {
                    name: roster.name_of(&f.staffid),
                    group_id: roster.group_of(&f.staffid),
                    valid_sessions: f.session_human_visitor_consult,
                    first_responses: f.first_response_time_set,
                    transfer_first_responses: f.transfer_first_response_count,
                    within_60s_percent: f
                        .first_response_in60s_rate
                        .trim()
                        .trim_end_matches('%')
                        .parse()
                        .unwrap_or_default(),
                    ended_sessions: report.map(|r| r.ended),
                    rated_sessions: report.map(|r| r.rated),
                    average_first_response_seconds: report
                        .and_then(AgentReport::average_first_response_seconds),
                    id: f.staffid.clone(),
                }
            })
            .collect();
        agents.sort_by(|a, b| {
            b.valid_sessions
                .cmp(&a.valid_sessions)
                .then(a.name.cmp(&b.name))
        });
        agents
    }

    /// Each agent's status over the timeline's window.
    fn timelines(
        &self,
        logs: &[CompanyStaffLogs],
        roster: &Roster,
        range: &Range,
        group: Option<&str>,
    ) -> Vec<AgentTimeline> {
        let tenant_id = self.workspace.tenant_id();
        let mut timelines: Vec<AgentTimeline> = logs
            .iter()
            .filter(|company| company.company_id == tenant_id)
            .flat_map(|company| &company.company_staff_infos)
            .filter(|staff| roster.in_group(&staff.staff_id, group))
            .map(|staff| AgentTimeline {
                name: roster.name_of(&staff.staff_id),
                spans: status_spans(
                    staff
                        .staff_log_infos
                        .iter()
                        .map(|log| (log.datetime, log.operation_action.clone()))
                        .collect(),
                    range.timeline_from,
                    range.timeline_to,
                ),
                id: staff.staff_id.clone(),
            })
            .collect();
        timelines.sort_by(|a, b| a.name.cmp(&b.name));
        timelines
    }

    async fn totals(
        &self,
        days: &[DayFigures],
        agents: &[AgentFigures],
        roster: &Roster,
        group: Option<&str>,
    ) -> Result<DashboardTotals, ApiError> {
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
            .workspace
            .engine()
            .sessions()
            .await?
            .iter()
            .filter(|s| s.state == agentdesk_domain::SessionState::Waiting)
            .count() as i64;
        Ok(DashboardTotals {
            sessions: days.iter().map(|d| d.sessions).sum(),
            valid_sessions: agents.iter().map(|a| a.valid_sessions).sum(),
            not_received: days.iter().map(|d| d.not_received).sum(),
            average_first_response_seconds: if responses > 0.0 {
                (response_seconds / responses * 10.0).round() / 10.0
            } else {
                0.0
            },
            within_60s_percent: percent_of(within, first_responses),
            waiting_now,
            agents_online: roster.online_in(group),
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
