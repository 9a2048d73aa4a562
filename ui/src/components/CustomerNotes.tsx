// The agent's private note about the customer in focus. Kept by the core in the workspace's
// encrypted database (never in the webview's storage), saved as the agent types, and shared by all
// of the customer's sessions.

import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import { describeError } from "../errors";
import { LIMITS, type Session } from "../backend/bindings";
import { clock } from "../format";

/** Typing pauses this long before a save: one write per burst of keys, not per key. */
export const NOTE_SAVE_DELAY_MS = 500;
/** The core keeps at most this many characters (its own limit, generated). */
export const NOTE_MAX_CHARS = LIMITS.max_note_chars;

/** Where notes were kept before they moved into the encrypted database (plain webview storage). */
const legacyKey = (visitorId: string) => `agentdesk.note.${visitorId}`;

type Status =
  | { kind: "loading" }
  | { kind: "idle"; updatedAtMs: number | null }
  | { kind: "saving" }
  | { kind: "failed"; message: string };

export function CustomerNotes({ backend, session }: { backend: Backend; session: Session }) {
  const { t, i18n } = useTranslation();
  const { text, status, onChange } = useCustomerNote(backend, session);

  const statusText =
    status.kind === "loading"
      ? t("notes.loading")
      : status.kind === "saving"
        ? t("notes.saving")
        : status.kind === "failed"
          ? t("notes.failed", { message: status.message })
          : status.updatedAtMs === null
            ? t("notes.encrypted")
            : t("notes.saved", { time: clock(status.updatedAtMs, i18n.language) });

  return (
    <section role="tabpanel">
      <textarea
        className="notes"
        data-testid="customer-note"
        aria-label={t("panel.notes")}
        placeholder={t("panel.notesPlaceholder")}
        maxLength={NOTE_MAX_CHARS}
        disabled={status.kind === "loading"}
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
      <p
        className={`notes-status ${status.kind === "failed" ? "warning" : "muted"}`}
        role={status.kind === "failed" ? "alert" : "status"}
        aria-live="polite"
        data-testid="customer-note-status"
        data-state={status.kind}
      >
        {statusText}
        {text.length > NOTE_MAX_CHARS * 0.9 && ` · ${t("notes.length", { count: text.length, max: NOTE_MAX_CHARS })}`}
      </p>
    </section>
  );
}

/**
 * The note of the session's customer: loaded (moving a note from before notes were encrypted into
 * the database), saved when typing pauses, and saved at once when the session changes.
 */
function useCustomerNote(backend: Backend, session: Session) {
  const [text, setText] = useState("");
  const [status, setStatus] = useState<Status>({ kind: "loading" });
  /** The edit not yet saved, if any: saved when typing pauses, or at once when the session changes. */
  const pending = useRef<{ sessionId: string; text: string } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const sessionId = session.id;
  const visitorId = session.visitor_id;

  const errorText = describeError;

  const save = (edit: { sessionId: string; text: string }, current: boolean) => {
    if (current) setStatus({ kind: "saving" });
    backend.saveCustomerNote(edit.sessionId, edit.text).then(
      (kept) => current && pending.current === null && setStatus({ kind: "idle", updatedAtMs: kept.updated_at_ms }),
      (error) => current && setStatus({ kind: "failed", message: errorText(error) }),
    );
  };

  useEffect(() => {
    let live = true;
    setStatus({ kind: "loading" });
    setText("");
    void (async () => {
      try {
        let note = await backend.customerNote(sessionId);
        // A note from before notes were encrypted moves into the database, then leaves the webview.
        const legacy = typeof localStorage === "undefined" ? null : localStorage.getItem(legacyKey(visitorId));
        if (legacy !== null) {
          if (legacy.trim() && legacy !== note.text) {
            const merged = note.text.trim() ? `${note.text}\n\n${legacy}` : legacy;
            note = await backend.saveCustomerNote(sessionId, merged);
          }
          localStorage.removeItem(legacyKey(visitorId));
        }
        if (!live) return;
        setText(note.text);
        setStatus({ kind: "idle", updatedAtMs: note.updated_at_ms });
      } catch (error) {
        if (live) setStatus({ kind: "failed", message: errorText(error) });
      }
    })();
    return () => {
      live = false;
      // Leaving the session: what was typed is saved now, not lost with the timer.
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
      const edit = pending.current;
      pending.current = null;
      if (edit) save(edit, false);
    };
    // errorText and save only read the translation and the backend, both stable here.
  }, [backend, sessionId, visitorId]);

  const onChange = (value: string) => {
    setText(value);
    pending.current = { sessionId, text: value };
    setStatus({ kind: "saving" });
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      const edit = pending.current;
      pending.current = null;
      if (edit) save(edit, true);
    }, NOTE_SAVE_DELAY_MS);
  };
  return { text, status, onChange };
}
