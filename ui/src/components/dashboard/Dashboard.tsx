// The supervisor dashboard: the merchant's sessions, queue, first responses, 60-second response
// rate, satisfaction and agent status over a date range (filtered by group), live while open, with
// CSV export; and API health beside it.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type { DashboardQuery, DashboardView } from "../../backend/bindings";
import { ApiHealthPanel } from "./ApiHealthPanel";
import { AssistantFiguresView } from "./AssistantFiguresView";
import { TicketFiguresView } from "./TicketFiguresView";
import { Chart } from "./Chart";
import {
  firstResponseOption,
  outcomesOption,
  responseRateOption,
  satisfactionOption,
  sessionsOption,
  timelineOption,
} from "./charts";
import { DEFAULT_PRESET, defaultQuery, platformDay, presetRange, sameQuery, type Preset } from "./range";
import { describeError } from "../../errors";

/** Figures are fetched again this often while the dashboard is open. */
const LIVE_REFRESH_MS = 15_000;
/** After session activity, wait this long (more activity may follow) before fetching again. */
const ACTIVITY_SETTLE_MS = 2_000;

/** A day of the range; days after today (on the platform's calendar) cannot be picked. */
function DateField(props: { label: string; value: string; disabled: boolean; testId: string; onChange: (day: string) => void }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        type="date"
        value={props.value}
        max={platformDay(0)}
        disabled={props.disabled}
        onChange={(e) => e.target.value && props.onChange(e.target.value)}
        data-testid={props.testId}
      />
    </label>
  );
}

export function Dashboard(props: {
  backend: Backend;
  onClose: () => void;
  activity: number;
  dark: boolean;
  /** The default range's figures, asked for when the dashboard was opened (while its code loaded). */
  prefetched?: { query: DashboardQuery; figures: Promise<DashboardView> } | null;
}) {
  const { backend } = props;
  const { t } = useTranslation();
  const [preset, setPreset] = useState<Preset>(DEFAULT_PRESET);
  const [query, setQuery] = useState<DashboardQuery>(() => props.prefetched?.query ?? defaultQuery());
  const { view, loadedAt, loading, error, setError, load } = useDashboardFigures(backend, query, props.activity, props.prefetched ?? null);
  const [exported, setExported] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  const choosePreset = (next: Preset) => {
    setPreset(next);
    if (next !== "custom") setQuery((q) => ({ ...q, ...presetRange(next) }));
  };

  const exportCsv = async () => {
    setExporting(true);
    setExported(null);
    try {
      const path = await backend.exportDashboard(query);
      setExported(t("dashboard.exported", { path }));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setExporting(false);
    }
  };

  return (
    <section className="dashboard" data-testid="dashboard" aria-label={t("dashboard.title")} aria-busy={loading} data-loaded-at={loadedAt}>
      <header className="dashboard-header">
        <h1>{t("dashboard.title")}</h1>
        <RangeFilters preset={preset} onPreset={choosePreset} query={query} setQuery={setQuery} view={view} />
        <button type="button" onClick={() => void load(query, false)} disabled={loading}>
          {t("dashboard.refresh")}
        </button>
        <button type="button" onClick={() => void exportCsv()} disabled={exporting || !view} data-testid="dashboard-export">
          {exporting ? t("dashboard.exporting") : t("dashboard.export")}
        </button>
        <span className="spacer" />
        {view && (
          <span className="muted" data-testid="dashboard-updated">
            {t("dashboard.updated", { time: new Date(view.generated_at_ms).toLocaleTimeString() })}
          </span>
        )}
        <button type="button" onClick={props.onClose} data-testid="dashboard-close">
          {t("dashboard.close")}
        </button>
      </header>
      {loading && (
        <div className="muted" role="status" aria-live="polite">
          {t("dashboard.loading")}
        </div>
      )}
      {error && (
        <div className="notice" role="alert">
          <span>{t("dashboard.failed", { message: error })}</span>
          <button type="button" onClick={() => void load(query, false)}>
            {t("dashboard.retry")}
          </button>
        </div>
      )}
      {exported && (
        <div className="muted" role="status" data-testid="dashboard-exported">
          {exported}
        </div>
      )}
      {view && <Figures view={view} dark={props.dark} />}
      <TicketFiguresView backend={backend} from={query.from} to={query.to} />
      <ApiHealthPanel backend={backend} />
    </section>
  );
}

/**
 * The figures for `query`: fetched now, again every `LIVE_REFRESH_MS`, and after session activity
 * settles. Only the newest request's answer is shown.
 */
function useDashboardFigures(
  backend: Backend,
  query: DashboardQuery,
  activity: number,
  prefetchedOnOpen: { query: DashboardQuery; figures: Promise<DashboardView> } | null,
) {
  const prefetched = useRef(prefetchedOnOpen);
  const [view, setView] = useState<DashboardView | null>(null);
  /** When the newest figures arrived (the page's clock; the benchmark splits fetch from drawing). */
  const [loadedAt, setLoadedAt] = useState(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  const load = useCallback(
    async (wanted: DashboardQuery, quiet: boolean) => {
      const ticket = ++latest.current;
      if (!quiet) setLoading(true);
      try {
        // The figures asked for on opening are used once, if they are for this range.
        const early = prefetched.current;
        prefetched.current = null;
        const next = await (early && sameQuery(early.query, wanted) ? early.figures : backend.dashboard(wanted));
        // Only the newest request's answer is shown (an older, slower one may arrive after it).
        if (ticket === latest.current) {
          setView(next);
          setLoadedAt(performance.now());
          setError(null);
        }
      } catch (e) {
        if (ticket === latest.current) setError(describeError(e));
      } finally {
        if (ticket === latest.current) setLoading(false);
      }
    },
    [backend],
  );

  useEffect(() => {
    void load(query, false);
    const timer = setInterval(() => void load(query, true), LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [load, query]);

  // Sessions opening and ending move the figures: fetch again once the activity settles.
  const firstActivity = useRef(activity);
  useEffect(() => {
    if (activity === firstActivity.current) return;
    const timer = setTimeout(() => void load(query, true), ACTIVITY_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [activity, load, query]);

  return { view, loadedAt, loading, error, setError, load };
}

/** The range (a preset or two days) and the group the figures are for. */
function RangeFilters({
  preset,
  onPreset,
  query,
  setQuery,
  view,
}: {
  preset: Preset;
  onPreset: (preset: Preset) => void;
  query: DashboardQuery;
  setQuery: (update: (query: DashboardQuery) => DashboardQuery) => void;
  view: DashboardView | null;
}) {
  const { t } = useTranslation();
  return (
    <>
      <label className="field">
        <span>{t("dashboard.range")}</span>
        <select value={preset} onChange={(e) => onPreset(e.target.value as Preset)} data-testid="dashboard-preset">
          <option value="today">{t("dashboard.presets.today")}</option>
          <option value="7">{t("dashboard.presets.days", { count: 7 })}</option>
          <option value="30">{t("dashboard.presets.days", { count: 30 })}</option>
          <option value="custom">{t("dashboard.presets.custom")}</option>
        </select>
      </label>
      <DateField
        label={t("dashboard.from")}
        value={query.from}
        disabled={preset !== "custom"}
        onChange={(from) => setQuery((q) => ({ ...q, from }))}
        testId="dashboard-from"
      />
      <DateField
        label={t("dashboard.to")}
        value={query.to}
        disabled={preset !== "custom"}
        onChange={(to) => setQuery((q) => ({ ...q, to }))}
        testId="dashboard-to"
      />
      <label className="field">
        <span>{t("dashboard.group")}</span>
        <select
          value={query.group_id ?? ""}
          onChange={(e) => setQuery((q) => ({ ...q, group_id: e.target.value || null }))}
          data-testid="dashboard-group"
        >
          <option value="">{t("dashboard.allGroups")}</option>
          {view?.groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/** The totals, the charts, each agent's figures and the assistant's. */
function Figures({ view, dark }: { view: DashboardView; dark: boolean }) {
  const { t } = useTranslation();
  // Every chart of the dashboard: its caption (also its accessible label), test id and options.
  const charts = useMemo(
    () => [
      { id: "chart-sessions", caption: t("dashboard.charts.sessions"), option: sessionsOption(view, t) },
      { id: "chart-outcomes", caption: t("dashboard.charts.outcomes"), option: outcomesOption(view, t) },
      { id: "chart-first-response", caption: t("dashboard.charts.firstResponse"), option: firstResponseOption(view, t) },
      { id: "chart-response-rate", caption: t("dashboard.charts.responseRate"), option: responseRateOption(view, t) },
      {
        id: "chart-satisfaction",
        caption: t("dashboard.charts.satisfaction", { count: view.satisfaction.ratings }),
        option: satisfactionOption(view, t),
      },
      { id: "chart-status", caption: t("dashboard.charts.status"), option: timelineOption(view, t), wide: true },
    ],
    [view, t],
  );
  const totals = [
    { label: t("dashboard.totals.sessions"), value: String(view.totals.sessions), testId: "total-sessions" },
    { label: t("dashboard.totals.notReceived"), value: String(view.totals.not_received) },
    { label: t("dashboard.totals.firstResponse"), value: t("dashboard.seconds", { value: view.totals.average_first_response_seconds }) },
    { label: t("dashboard.totals.within60s"), value: `${view.totals.within_60s_percent}%` },
    { label: t("dashboard.totals.satisfaction"), value: `${view.satisfaction.average} / 5 · ${view.satisfaction.good_percent}%` },
    { label: t("dashboard.totals.waitingNow"), value: String(view.totals.waiting_now) },
    { label: t("dashboard.totals.agentsOnline"), value: String(view.totals.agents_online) },
  ];
  return (
    <>
      <dl className="dashboard-totals" data-testid="dashboard-totals">
        {totals.map((total) => (
          <div key={total.label}>
            <dt>{total.label}</dt>
            <dd data-testid={total.testId}>{total.value}</dd>
          </div>
        ))}
      </dl>
      <div className="dashboard-charts">
        {charts.map((chart) => (
          <figure key={chart.id} className={chart.wide ? "wide" : undefined}>
            <figcaption>{chart.caption}</figcaption>
            <Chart option={chart.option} label={chart.caption} testId={chart.id} dark={dark} />
          </figure>
        ))}
      </div>
      {view.per_agent_available ? <AgentFigures view={view} /> : <p className="muted">{t("dashboard.agents.unavailable")}</p>}
      <AssistantFiguresView figures={view.assistant} />
    </>
  );
}

/** Each agent's figures from the platform's reports, or why they are missing. */
function AgentFigures({ view }: { view: DashboardView }) {
  const { t } = useTranslation();
  return (
    <table className="dashboard-agents" data-testid="dashboard-agents">
      <caption>{t("dashboard.agents.title")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("dashboard.agents.name")}</th>
          <th scope="col">{t("dashboard.agents.valid")}</th>
          <th scope="col">{t("dashboard.agents.firstResponses")}</th>
          <th scope="col">{t("dashboard.agents.within60s")}</th>
          <th scope="col">{t("dashboard.agents.ended")}</th>
          <th scope="col">{t("dashboard.agents.rated")}</th>
          <th scope="col">{t("dashboard.agents.averageFirstResponse")}</th>
        </tr>
      </thead>
      <tbody>
        {view.agents.map((a) => (
          <tr key={a.id} data-testid="dashboard-agent">
            <td>{a.name}</td>
            <td>{a.valid_sessions}</td>
            <td>{a.first_responses}</td>
            <td>{a.within_60s_percent}%</td>
            <td>{a.ended_sessions ?? "—"}</td>
            <td>{a.rated_sessions ?? "—"}</td>
            <td>{a.average_first_response_seconds === null ? "—" : t("dashboard.agents.seconds", { count: a.average_first_response_seconds })}</td>
          </tr>
        ))}
      </tbody>
      {view.reports_problem && (
        <tfoot>
          <tr>
            <td colSpan={7} className="muted" data-testid="dashboard-reports-problem">
              {t("dashboard.agents.reportsProblem", { message: view.reports_problem })}
            </td>
          </tr>
        </tfoot>
      )}
    </table>
  );
}
