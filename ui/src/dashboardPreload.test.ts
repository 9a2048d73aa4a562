// The dashboard's code is loaded ahead only for someone who has opened it before.

import { beforeEach, describe, expect, it, vi } from "vitest";

import { DASHBOARD_USED_KEY, preloadIfUsedBefore, rememberDashboardUsed } from "./dashboardPreload";

describe("dashboard preload", () => {
  beforeEach(() => localStorage.clear());

  it("does nothing for an agent who never opened the dashboard", () => {
    const preload = vi.fn();
    const schedule = vi.fn((task: () => void) => task());
    expect(preloadIfUsedBefore(preload, schedule)).toBe(false);
    expect(schedule).not.toHaveBeenCalled();
    expect(preload).not.toHaveBeenCalled();
  });

  it("loads it when idle once the dashboard has been opened here", () => {
    rememberDashboardUsed();
    expect(localStorage.getItem(DASHBOARD_USED_KEY)).toBe("1");
    const preload = vi.fn();
    let idle: (() => void) | null = null;
    expect(preloadIfUsedBefore(preload, (task) => (idle = task))).toBe(true);
    // Scheduled, not run during start.
    expect(preload).not.toHaveBeenCalled();
    idle!();
    expect(preload).toHaveBeenCalledTimes(1);
  });
});
