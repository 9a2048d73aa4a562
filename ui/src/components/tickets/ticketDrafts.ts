// What the ticket dialog keeps between openings, per session: the agent's draft (fields, selection,
// attachments) and its attempt id, until the ticket is created; and the session's latest service
// summary, which seeds the title. Kept in memory (the core's journal keeps a submitted draft through
// a restart).

import type { FieldValue, SystemKind, TicketProgress } from "../../backend/bindings";

/** An attachment picked in the dialog: a conversation image (fetched when sent) or a file's bytes. */
export type PickedAttachment =
  | { source: "image"; address: string; name: string }
  | { source: "file"; name: string; size: number; dataBase64: string };

export interface TicketDraftState {
  attemptId: string;
  system: SystemKind | null;
  title: string;
  content: string;
  typeId: string | null;
  level: number | null;
  fields: FieldValue[];
  groupId: string;
  assigneeId: string;
  /** The e-mails of the agents to copy, as typed. */
  copiedText: string;
  attachments: PickedAttachment[];
  /** The latest progress of this draft's submission. */
  progress: TicketProgress | null;
}

const drafts = new Map<string, TicketDraftState>();
const summaries = new Map<string, string>();

function newAttemptId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The session's draft, or a new one seeded with `title` and `content`. */
export function draftFor(sessionId: string, seed: { title: string; content: string }): TicketDraftState {
  const kept = drafts.get(sessionId);
  if (kept) return kept;
  return {
    attemptId: newAttemptId(),
    system: null,
    title: seed.title,
    content: seed.content,
    typeId: null,
    level: null,
    fields: [],
    groupId: "",
    assigneeId: "",
    copiedText: "",
    attachments: [],
    progress: null,
  };
}

export function keepDraft(sessionId: string, draft: TicketDraftState) {
  drafts.set(sessionId, draft);
}

/** The ticket was created: the next ticket of the session starts afresh. */
export function forgetDraft(sessionId: string) {
  drafts.delete(sessionId);
}

export function rememberSummary(sessionId: string, summary: string) {
  if (summary.trim()) summaries.set(sessionId, summary.trim());
}

export function summaryOf(sessionId: string): string | undefined {
  return summaries.get(sessionId);
}
