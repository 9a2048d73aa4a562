// The dashboard against the in-memory backend: reached from the top bar, charts and figures for the
// chosen range and group, names shown as text, CSV export, API health with the targets, and the
// failure alert raised and cleared. (The charts themselves are drawn in the real window's tests.)

import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { App } from "../../App";
import { FakeBackend } from "../../backend/fakeBackend";
import { initI18n } from "../../i18n";
import { chinaDayToMs, firstResponseOption, responseRateOption, sessionsOption, timelineData, timelineOption } from "./charts";
import { platformDay } from "./range";

// jsdom has no canvas: the chart element stands in, carrying its options for inspection.
vi.mock("./Chart", () => ({
  Chart: (props: { option: object; label: string; testId: string }) => (
    <div role="img" aria-label={props.label} data-testid={props.testId} data-series={JSON.stringify((props.option as { series?: unknown[] }).series?.length ?? 0)} />
  ),
}));

const t = ((key: string) => key) as never;

async function openDashboard() {
  const backend = new FakeBackend();
  render(<App backend={backend} />);
  fireEvent.click(await screen.findByTestId("nav-dashboard"));
  await screen.findByTestId("dashboard");
  await screen.findByTestId("chart-sessions");
  return backend;
}

describe("dashboard", () => {
  beforeEach(() => {
    initI18n("en");
    localStorage.clear();
  });
  afterEach(cleanup);

  // First in this file: the dashboard's code is not loaded yet, so it opens through the lazy path,
  // and must not be swapped for the loaded component (a remount) while it is on screen.
  it("keeps the chosen range while the workbench moves underneath", async () => {
    const backend = await openDashboard();
    fireEvent.change(screen.getByTestId("dashboard-preset"), { target: { value: "30" } });
    await waitFor(() => expect(backend.dashboardQueries.at(-1)?.from).toBe(platformDay(29)));
    const asked = backend.dashboardQueries.length;
    act(() => {
      backend.addSession({ id: "c-new", visitor_id: "u-new", visitor_name: "新客户", channel: "web", state: "active", started_at_ms: Date.now(), rating: null });
      backend.customerWrites("c-new", "你好");
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((screen.getByTestId("dashboard-preset") as HTMLSelectElement).value).toBe("30");
    // Nothing started over: no new request for the default week.
    expect(backend.dashboardQueries.slice(asked).every((q) => q.from === platformDay(29))).toBe(true);
  });

  it("shows the charts, the figures and API health, and goes back to the workbench", async () => {
    const backend = await openDashboard();
    for (const id of ["chart-sessions", "chart-outcomes", "chart-first-response", "chart-response-rate", "chart-satisfaction", "chart-status"]) {
      expect(screen.getByTestId(id).getAttribute("data-series")).not.toBe("0");
    }
    expect(screen.getByTestId("total-sessions").textContent).toBe("600");
    const agents = screen.getAllByTestId("dashboard-agent");
    expect(agents).toHaveLength(2);
    // A name that looks like a formula or markup is shown as the text it is.
    expect(agents[1].textContent).toContain("=cmd|' /C calc'!A0");
    // The platform's daily exports: ended, rated and the average first response.
    expect(agents[0].textContent).toContain("117");
    expect(agents[0].textContent).toContain("18.4 s");
    expect(screen.queryByTestId("dashboard-reports-problem")).toBeNull();
    const health = await screen.findByTestId("api-health");
    const rows = await within(health).findAllByTestId("api-health-endpoint");
    // Failing endpoints first; the slow one misses the target.
    expect(rows[0].dataset.endpoint).toBe("query_cids");
    expect(rows[0].textContent).toContain("Missed");
    expect(rows[1].textContent).toContain("Met");
    expect(within(health).getByTestId("api-health-summary").textContent).toContain("Healthy");
    expect((await within(health).findByTestId("write-backs")).textContent).toContain("Every result went through.");
    expect(backend.dashboardQueries[0]).toEqual({ from: platformDay(6), to: platformDay(0), group_id: null });
    // The figures asked for on opening (while the dashboard's code loaded) are used, not asked again.
    expect(backend.dashboardQueries).toHaveLength(1);

    fireEvent.click(screen.getByTestId("dashboard-close"));
    await waitFor(() => expect(screen.queryByTestId("dashboard")).toBeNull());
    expect(screen.getByText("No session selected.")).toBeTruthy();
  });

  it("shows the reply assistant's calls, tokens, first token and what became of the drafts", async () => {
    const backend = await openDashboard();
    const figures = await screen.findByTestId("dashboard-assistant");
    expect(within(figures).getByTestId("assistant-calls").textContent).toBe("12");
    expect(within(figures).getByTestId("assistant-drafts").textContent).toBe("5 / 4 / 2");
    expect(figures.textContent).toContain("640 ms");
    cleanup();
    backend.dashboardView = { ...backend.dashboardView, assistant: { ...backend.dashboardView.assistant, calls: 0 } };
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByTestId("nav-dashboard"));
    expect((await screen.findByTestId("dashboard-assistant")).textContent).toContain("No assistant calls");
  });

  it("shows the merchant's ticket figures for the range, and nothing without Sobot 工单", async () => {
    const backend = new FakeBackend();
    const asked = vi.spyOn(backend, "ticketFigures");
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByTestId("nav-dashboard"));
    const tickets = await screen.findByTestId("dashboard-tickets");
    expect(within(tickets).getByTestId("tickets-unassigned").textContent).toBe("2");
    expect(within(tickets).getByTestId("tickets-unsolved").textContent).toBe("5");
    expect(tickets.textContent).toContain("小周");
    expect(asked.mock.calls[0][0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    cleanup();
    backend.ticketFiguresShown = null;
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByTestId("nav-dashboard"));
    await screen.findByTestId("chart-sessions");
    expect(screen.queryByTestId("dashboard-tickets")).toBeNull();
  });

  it("lists the write-backs that did not go through, and not the ones that did", async () => {
    const backend = new FakeBackend();
    const written = { connector: "Lumen OMS", action: "service-note", event: "summary_submitted", session_id: "c1", updated_at_ms: 0 };
    backend.writeBacksShown = [
      { ...written, id: "w1", state: "sent", attempts: 1, last_error: null },
      { ...written, id: "w2", state: "unknown", attempts: 1, last_error: "Lumen OMS did not answer: timed out" },
      { ...written, id: "w3", state: "pending", attempts: 2, last_error: "Lumen OMS answered HTTP 503" },
      { ...written, id: "w4", state: "pending", attempts: 0, last_error: null },
    ];
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByTestId("nav-dashboard"));
    const listed = await screen.findAllByTestId("write-back");
    expect(listed.map((w) => w.dataset.state)).toEqual(["unknown", "pending"]);
    expect(listed[0].textContent).toContain("May have arrived: check the system");
    expect(listed[0].textContent).toContain("did not answer");
    expect(listed[1].textContent).toContain("Retrying");
    expect(listed[1].textContent).toContain("2 tries");
  });

  it("says why the daily-export columns are empty when the platform's exports did not arrive", async () => {
    const backend = new FakeBackend();
    backend.dashboardView = {
      ...backend.dashboardView,
      reports_problem: "tenantExportData: HTTP 503",
      agents: backend.dashboardView.agents.map((a) => ({ ...a, ended_sessions: null, rated_sessions: null, average_first_response_seconds: null })),
    };
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByTestId("nav-dashboard"));
    const problem = await screen.findByTestId("dashboard-reports-problem");
    expect(problem.textContent).toContain("tenantExportData: HTTP 503");
    expect(problem.textContent).toContain("account manager");
    expect(screen.getAllByTestId("dashboard-agent")[0].textContent).toContain("—");
  });

  it("asks for the chosen range and group, and exports CSV", async () => {
    const backend = await openDashboard();
    fireEvent.change(screen.getByTestId("dashboard-preset"), { target: { value: "30" } });
    await waitFor(() => expect(backend.dashboardQueries.at(-1)).toEqual({ from: platformDay(29), to: platformDay(0), group_id: null }));
    fireEvent.change(screen.getByTestId("dashboard-group"), { target: { value: "g-aftersales" } });
    await waitFor(() => expect(backend.dashboardQueries.at(-1)?.group_id).toBe("g-aftersales"));
    // Custom dates; a backwards range is refused with the core's words.
    fireEvent.change(screen.getByTestId("dashboard-preset"), { target: { value: "custom" } });
    fireEvent.change(screen.getByTestId("dashboard-from"), { target: { value: "2026-11-20" } });
    fireEvent.change(screen.getByTestId("dashboard-to"), { target: { value: "2026-11-01" } });
    expect((await screen.findByRole("alert")).textContent).toContain("before the start date");
    fireEvent.change(screen.getByTestId("dashboard-to"), { target: { value: "2026-11-21" } });
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());

    fireEvent.click(screen.getByTestId("dashboard-export"));
    expect((await screen.findByTestId("dashboard-exported")).textContent).toContain("agentdesk-dashboard-2026-11-20-2026-11-21.csv");
    expect(backend.exports).toEqual([{ from: "2026-11-20", to: "2026-11-21", group_id: "g-aftersales" }]);
  });

  it("raises the API failure alert over any view, and says when it recovered", async () => {
    const backend = await openDashboard();
    act(() =>
      backend.healthAlert({ raised: true, failure_percent: 5.2, calls: 250, failures: 13, worst_endpoint: "send", at_ms: Date.now() }),
    );
    const banner = await screen.findByTestId("api-health-alert");
    expect(banner.dataset.raised).toBe("true");
    expect(banner.textContent).toContain("5.2%");
    expect(banner.textContent).toContain("send");
    act(() => backend.healthAlert({ raised: false, failure_percent: 0.3, calls: 300, failures: 1, worst_endpoint: null, at_ms: Date.now() }));
    await waitFor(() => expect(screen.getByTestId("api-health-alert").dataset.raised).toBe("false"));
    expect(screen.getByTestId("api-health-alert").textContent).toContain("recovered");
    fireEvent.click(within(screen.getByTestId("api-health-alert")).getByText("Dismiss"));
    expect(screen.queryByTestId("api-health-alert")).toBeNull();
  });
});

describe("dashboard charts", () => {
  it("places the platform's China-time days on the right instant", () => {
    expect(chinaDayToMs("2026-11-21")).toBe(Date.UTC(2026, 10, 20, 16, 0));
    expect(Number.isNaN(chinaDayToMs("2026-11-21 08:00"))).toBe(true);
  });

  it("builds series from the figures, with tooltips drawn as text", async () => {
    const view = await new FakeBackend().dashboard({ from: "2026-11-20", to: "2026-11-21", group_id: null });
    const sessions = sessionsOption(view, t);
    expect(sessions.series[0].data).toHaveLength(view.days.length);
    expect(sessions.series.map((s) => s.stack)).toEqual(["sessions", "sessions"]);
    expect(firstResponseOption(view, t).yAxis.data).toEqual(view.agents.map((a) => a.name));
    expect(sessions.tooltip.renderMode).toBe("richText");
    view.agents.push({ id: "idle", name: "Idle", group_id: null, valid_sessions: 0, first_responses: 0, transfer_first_responses: 0, within_60s_percent: 0, ended_sessions: null, rated_sessions: null, average_first_response_seconds: null });
    expect(responseRateOption(view, t).yAxis.data).not.toContain("Idle");
    const { names, items } = timelineData(view);
    expect(names).toEqual(["林晓 Lin Xiao"]);
    expect(items).toEqual([[0, 1_763_600_000_000, 1_763_610_000_000, 0]]);
    expect(timelineOption(view, t).xAxis.min).toBe(view.timeline_from_ms);
  });
});
