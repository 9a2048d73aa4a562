// The dashboard's charts as ECharts options, built from the core's figures (pure functions, so the
// shapes are unit-tested without a canvas). Days are the platform's China-time days: Sobot's
// statistics give totals over a range and nothing per hour, so the finest grain is a day.

import type { TFunction } from "i18next";

import type { DashboardView, StaffStatus } from "../../backend/bindings";

/** "yyyy-MM-dd" in China time (UTC+8) → the epoch ms of that day's start. */
export function chinaDayToMs(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return Number.NaN;
  const [, y, m, d] = match.map(Number);
  return Date.UTC(y, m - 1, d) - 8 * 3_600_000;
}

export const STATUS_COLOURS: Record<StaffStatus, string> = {
  online: "#2e9e5b",
  busy: "#e0a030",
  offline: "#9aa3ad",
};

const timeAxis = { type: "time" as const, minInterval: 86_400_000 };
// Tooltips are drawn on the canvas (rich text), never as HTML: agent names are data, never markup.
const tooltip = { trigger: "axis" as const, renderMode: "richText" as const };
const grid = { left: 48, right: 16, top: 32, bottom: 28, containLabel: true };
/** What every per-day count chart shares: a time axis of days, whole-number counts, a legend above. */
const dailyCounts = {
  animation: false,
  grid,
  tooltip,
  legend: { top: 0 },
  xAxis: timeAxis,
  yAxis: { type: "value" as const, minInterval: 1 },
};

/** Sessions per day: answered by an agent, and not answered, stacked. */
export function sessionsOption(view: DashboardView, t: TFunction) {
  return {
    ...dailyCounts,
    series: [
      {
        name: t("dashboard.series.received"),
        type: "bar" as const,
        stack: "sessions",
        data: view.days.map((d) => [chinaDayToMs(d.day), d.received]),
      },
      {
        name: t("dashboard.series.notReceived"),
        type: "bar" as const,
        stack: "sessions",
        data: view.days.map((d) => [chinaDayToMs(d.day), d.not_received]),
      },
    ],
  };
}

/** Per day: customers who said their problem was solved, and sessions transferred. */
export function outcomesOption(view: DashboardView, t: TFunction) {
  return {
    ...dailyCounts,
    series: [
      { name: t("dashboard.series.solved"), type: "bar" as const, data: view.days.map((d) => [chinaDayToMs(d.day), d.solved]) },
      { name: t("dashboard.series.transferred"), type: "bar" as const, data: view.days.map((d) => [chinaDayToMs(d.day), d.transferred]) },
    ],
  };
}

/** Each agent's average first response (the platform's daily exports), against the 60-second mark. */
export function firstResponseOption(view: DashboardView, t: TFunction) {
  const agents = view.agents.filter((a) => a.average_first_response_seconds !== null);
  return {
    animation: false,
    grid: { ...grid, left: 8 },
    tooltip: { ...tooltip, axisPointer: { type: "shadow" as const } },
    xAxis: { type: "value" as const, axisLabel: { formatter: "{value} s" } },
    yAxis: { type: "category" as const, data: agents.map((a) => a.name), inverse: true },
    series: [
      {
        name: t("dashboard.series.firstResponse"),
        type: "bar" as const,
        data: agents.map((a) => a.average_first_response_seconds ?? 0),
        markLine: { silent: true, symbol: "none", data: [{ xAxis: 60 }] },
      },
    ],
  };
}

/** Each agent's share of first responses within 60 seconds. */
export function responseRateOption(view: DashboardView, t: TFunction) {
  const agents = view.agents.filter((a) => a.first_responses > 0);
  return {
    animation: false,
    grid: { ...grid, left: 8 },
    tooltip: { ...tooltip, axisPointer: { type: "shadow" as const } },
    xAxis: { type: "value" as const, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category" as const, data: agents.map((a) => a.name), inverse: true },
    series: [
      { name: t("dashboard.series.within60s"), type: "bar" as const, data: agents.map((a) => a.within_60s_percent) },
    ],
  };
}

/** Ratings by stars. */
export function satisfactionOption(view: DashboardView, t: TFunction) {
  const colours = ["#c0392b", "#e67e22", "#f1c40f", "#7fb77e", "#2e9e5b"];
  return {
    animation: false,
    tooltip: { trigger: "item" as const, renderMode: "richText" as const },
    legend: { bottom: 0 },
    series: [
      {
        name: t("dashboard.series.ratings"),
        type: "pie" as const,
        radius: ["40%", "70%"],
        data: view.satisfaction.stars.map((count, i) => ({
          name: t("dashboard.stars", { count: i + 1 }),
          value: count,
          itemStyle: { color: colours[i] },
        })),
      },
    ],
  };
}

/** One row per agent, a bar per status span. Items: [row, from, to, status index]. */
export function timelineData(view: DashboardView): { names: string[]; items: [number, number, number, number][] } {
  const statuses: StaffStatus[] = ["online", "busy", "offline"];
  const names = view.timelines.map((line) => line.name);
  const items: [number, number, number, number][] = [];
  view.timelines.forEach((line, row) => {
    for (const span of line.spans) items.push([row, span.from_ms, span.to_ms, statuses.indexOf(span.status)]);
  });
  return { names, items };
}

type RenderApi = {
  value: (dimension: number) => number;
  coord: (point: [number, number]) => [number, number];
  size: (value: [number, number]) => [number, number];
};

export function timelineOption(view: DashboardView, t: TFunction) {
  const { names, items } = timelineData(view);
  const statuses: StaffStatus[] = ["online", "busy", "offline"];
  return {
    animation: false,
    grid: { ...grid, left: 8 },
    tooltip: {
      trigger: "item" as const,
      renderMode: "richText" as const,
      formatter: (p: { value: [number, number, number, number] }) => {
        const [row, from, to, status] = p.value;
        const time = (ms: number) => new Date(ms).toLocaleString();
        return `${names[row] ?? ""}\n${t(`dashboard.status.${statuses[status]}`)}: ${time(from)} – ${time(to)}`;
      },
    },
    xAxis: { type: "time" as const, min: view.timeline_from_ms, max: view.timeline_to_ms },
    yAxis: { type: "category" as const, data: names, inverse: true },
    series: [
      {
        type: "custom" as const,
        encode: { x: [1, 2], y: 0 },
        data: items,
        renderItem: (_params: unknown, api: RenderApi) => {
          const row = api.value(0);
          const start = api.coord([api.value(1), row]);
          const end = api.coord([api.value(2), row]);
          const height = api.size([0, 1])[1] * 0.6;
          return {
            type: "rect",
            shape: { x: start[0], y: start[1] - height / 2, width: Math.max(1, end[0] - start[0]), height },
            style: { fill: STATUS_COLOURS[statuses[api.value(3)]] },
          };
        },
      },
    ],
  };
}
