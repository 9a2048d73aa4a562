// Whether to load the dashboard's code before it is asked for. Agents who never open the dashboard
// never load it (ECharts stays out of their window's memory); someone who has opened it before (a
// supervisor) gets it loaded while the window is idle after start, so their first open of the day
// is only fetching and drawing the figures.

/** Set the first time the dashboard is opened on this computer; a preference, not customer data. */
export const DASHBOARD_USED_KEY = "agentdesk.dashboardUsed";

export function rememberDashboardUsed(): void {
  if (typeof localStorage !== "undefined") localStorage.setItem(DASHBOARD_USED_KEY, "1");
}

/** Runs `task` once the window has nothing else to do (at the latest after `timeoutMs`). */
export function whenIdle(task: () => void, timeoutMs = 3000): void {
  if (typeof window !== "undefined" && "requestIdleCallback" in window) {
    window.requestIdleCallback(() => task(), { timeout: timeoutMs });
  } else {
    setTimeout(task, Math.min(timeoutMs, 2000));
  }
}

/** Schedules `preload` if the dashboard was opened here before; answers whether it did. */
export function preloadIfUsedBefore(preload: () => void, schedule: (task: () => void) => void = whenIdle): boolean {
  if (typeof localStorage === "undefined" || localStorage.getItem(DASHBOARD_USED_KEY) === null) return false;
  schedule(preload);
  return true;
}
