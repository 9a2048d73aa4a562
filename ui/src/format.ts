// Display helpers shared by components (durations, times, day labels).

import type { TFunction } from "i18next";

export function duration(t: TFunction, ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return t("time.seconds", { count: seconds });
  if (seconds < 3600) return t("time.minutes", { count: Math.floor(seconds / 60) });
  return t("time.hours", { count: Math.floor(seconds / 3600) });
}

export function clock(ms: number, language: string): string {
  return new Date(ms).toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
}

export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(t: TFunction, ms: number, now: number, language: string): string {
  if (dayKey(ms) === dayKey(now)) return t("conversation.today");
  if (dayKey(ms) === dayKey(now - 86_400_000)) return t("conversation.yesterday");
  return new Date(ms).toLocaleDateString(language, { year: "numeric", month: "long", day: "numeric" });
}
