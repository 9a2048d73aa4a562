// Display helpers shared by components (durations, times, day labels).

import type { TFunction } from "i18next";

export function duration(t: TFunction, ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return t("time.seconds", { count: seconds });
  if (seconds < 3600) return t("time.minutes", { count: Math.floor(seconds / 60) });
  return t("time.hours", { count: Math.floor(seconds / 3600) });
}

// One formatter per language: building an Intl formatter costs far more than using one, and a
// scrolled conversation formats a time for every row it brings into view.
const clockFormats = new Map<string, Intl.DateTimeFormat>();

export function clock(ms: number, language: string): string {
  let format = clockFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" });
    clockFormats.set(language, format);
  }
  return format.format(ms);
}

export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** The local day `ms` falls on, as [start, end) in milliseconds (DST days are 23 or 25 hours). */
export function dayBounds(ms: number): [number, number] {
  const d = new Date(ms);
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  return [start, end];
}

export function dayLabel(t: TFunction, ms: number, now: number, language: string): string {
  if (dayKey(ms) === dayKey(now)) return t("conversation.today");
  if (dayKey(ms) === dayKey(now - 86_400_000)) return t("conversation.yesterday");
  return new Date(ms).toLocaleDateString(language, { year: "numeric", month: "long", day: "numeric" });
}

/** Direction overrides, embeddings and isolates: in customer text they can reorder what the agent
 * reads ("invoice‮fdp.exe" shows as "invoiceexe.pdf"). */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** Characters that take no space: harmless in prose (emoji sequences need U+200D), deceptive in an
 * address or a file name. */
const INVISIBLES = /[\u200B-\u200F\u2060\uFEFF\u061C]/g;

function marker(c: string): string {
  return `⟨U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0")}⟩`;
}

/** Customer text for display: direction controls shown as visible markers instead of obeyed. */
export function customerText(text: string): string {
  return text.replace(BIDI_CONTROLS, marker);
}

/** An address or file name from a customer: every invisible or direction character shown. */
export function customerAddress(text: string): string {
  return text.replace(BIDI_CONTROLS, marker).replace(INVISIBLES, marker);
}

/** Messages longer than this show their beginning first (a 1 MB paste must not stall the window). */
export const LONG_MESSAGE_CHARS = 4_000;

/** What a message says in words: a text's content, a voice message's transcript (the core's
 * `Message::said`); null for pictures, files and voice not read. */
export function saidIn(message: { kind: string; content: string; transcript?: { text: string } | null }): string | null {
  const words = message.kind === "text" ? message.content : message.kind === "voice" ? (message.transcript?.text ?? "") : "";
  return words.trim() ? words : null;
}
