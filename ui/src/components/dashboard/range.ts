// Date ranges on the platform's calendar (China time), shared by the dashboard and the workbench,
// which asks for the first figures while the dashboard's code is still loading.

import type { DashboardQuery } from "../../backend/bindings";

export type Preset = "today" | "7" | "30" | "custom";

/** The preset the dashboard opens with. */
export const DEFAULT_PRESET: Exclude<Preset, "custom"> = "7";

/** A day `daysAgo` before today, on the platform's calendar (China time), as yyyy-MM-dd. */
export function platformDay(daysAgo: number, now = Date.now()): string {
  return new Date(now + 8 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

export function presetRange(preset: Exclude<Preset, "custom">): { from: string; to: string } {
  const days = preset === "today" ? 1 : Number(preset);
  return { from: platformDay(days - 1), to: platformDay(0) };
}

export function defaultQuery(): DashboardQuery {
  return { ...presetRange(DEFAULT_PRESET), group_id: null };
}

export function sameQuery(a: DashboardQuery, b: DashboardQuery): boolean {
  return a.from === b.from && a.to === b.to && (a.group_id ?? null) === (b.group_id ?? null);
}
