// The reply assistant beside the composer: a bar that says whether the assistant is on (and why not)
// with its actions, and a draft area where an answer streams in. The agent reads, edits, inserts or
// discards it; nothing reaches the customer unless the agent sends it from the composer. A call that
// fails or stops keeps what arrived, marked partial, with words for what happened and what to do.

import { forwardRef, memo, useCallback, useEffect, useImperativeHandle, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import { BackendError } from "../../backend/backend";
import type { AssistInput, AssistantStatus, Feature, Session } from "../../backend/bindings";
import { shortcutLabel } from "../../shortcuts";
import { assistantLanguage, useAssistCall } from "./useAssistCall";

export interface AssistantPanelHandle {
  /** Drafts a reply for the session on screen (the shortcut). */
  draft(): void;
}

/** How an answer goes into the reply box: a draft is added to what is there; a rewrite or a
 * translation of the agent's reply takes the reply's place. */
export type DraftUse = "insert" | "replace";

const REWRITE_STYLES = ["shorter", "warmer", "formal"] as const;

/** The kinds of answer the agent can put into the reply box (and whose fate is counted). */
function goesToCustomer(input: AssistInput): boolean {
  return input.task === "draft" || input.task === "rewrite" || (input.task === "translate" && input.to === "customer");
}

export const AssistantPanel = memo(
  forwardRef<
    AssistantPanelHandle,
    {
      backend: Backend;
      session: Session;
      /** Changes with each settled new customer message (`session:message`). */
      newestInbound: string | null;
      /** The text of the customer's newest message, what "translate" translates. */
      newestInboundText: string | null;
      /** The reply box's current text. */
      readReply: () => string;
      onUse: (callId: string, text: string, use: DraftUse, original: string) => void;
      onError: (error: unknown) => void;
      onNotice: (text: string) => void;
      /** The workspace generation: a tenant switch asks for the status again. */
      workspace: number;
    }
  >(function AssistantPanel({ backend, session, newestInbound, newestInboundText, readReply, onUse, onError, onNotice, workspace }, ref) {
    const { t, i18n } = useTranslation();
    const [status, setStatus] = useState<AssistantStatus | null>(null);
    const refreshStatus = useCallback(() => {
      backend.assistantStatus().then(setStatus).catch(() => setStatus(null));
    }, [backend]);
    useEffect(refreshStatus, [refreshStatus, workspace, session.id]);

    const failed = useCallback(
      (error: unknown) => {
        // The assistant turned off or ran out of budget since the status was read: show why.
        if (BackendError.from(error).reason.key === "assistant_off") refreshStatus();
        onError(error);
      },
      [onError, refreshStatus],
    );
    const { call, start, cancel, clear, edit } = useAssistCall(backend, failed);
    const running = call !== null && call.outcome === null;
    /** The reply's text a rewrite or translation started from (shown beside it). */
    const [original, setOriginal] = useState("");

    // A call belongs to its session: switching away stops it and clears the area.
    const shownSession = useRef(session.id);
    useEffect(() => {
      if (shownSession.current === session.id) return;
      shownSession.current = session.id;
      if (running) cancel();
      clear();
    }, [session.id, running, cancel, clear]);

    const allowed = (feature: Feature) => Boolean(status?.on && status.policy[feature]);
    const active = session.state === "active";

    const ask = useCallback(
      (input: AssistInput) => {
        if (input.task === "rewrite" || (input.task === "translate" && input.to === "customer")) {
          const reply = readReply().trim();
          if (!reply) {
            onNotice(t("assistant.nothingToRewrite"));
            return;
          }
          setOriginal(reply);
          input = { ...input, text: reply };
        } else if (input.task === "translate") {
          if (!newestInboundText?.trim()) {
            onNotice(t("assistant.noCustomerMessage"));
            return;
          }
          setOriginal(newestInboundText);
          input = { ...input, text: newestInboundText };
        } else setOriginal("");
        void start(session.id, input, i18n.language);
      },
      [readReply, newestInboundText, onNotice, t, start, session.id, i18n.language],
    );

    useImperativeHandle(ref, () => ({
      draft: () => {
        if (allowed("draft") && active) ask({ task: "draft" });
      },
    }));

    // A new customer question drafts by itself when the supervisor chose so, unless an answer is
    // already on screen (the agent's edits are never replaced).
    const seenInbound = useRef(newestInbound);
    useEffect(() => {
      const previous = seenInbound.current;
      seenInbound.current = newestInbound;
      if (!newestInbound || newestInbound === previous) return;
      if (!newestInbound.startsWith(`${session.id}:`) || previous === null || !previous.startsWith(`${session.id}:`)) return;
      if (!status?.on || !status.policy.draft || !status.policy.draft_on_new_question || !active || call) return;
      ask({ task: "draft" });
    }, [newestInbound, session.id, status, active, call, ask]);

    const use = (mode: DraftUse) => {
      if (!call?.id || !call.outcome) return;
      onUse(call.id, call.text, mode, call.outcome.text);
      clear();
    };
    const discard = () => {
      if (call?.id && call.outcome && goesToCustomer(call.input)) void backend.recordDraftFate(call.id, "discarded").catch(() => {});
      clear();
    };

    const outcome = call?.outcome ?? null;
    const state = !call ? "idle" : !outcome ? (call.waitingSeconds !== null ? "waiting" : "streaming") : outcome.partial ? "partial" : outcome.problem ? "failed" : "done";
    const translating = call?.input.task === "translate";

    return (
      <section className="assistant" aria-label={t("assistant.label")} data-testid="assistant">
        <div className="assistant-bar">
          {status?.on ? (
            <span className="assistant-status on" data-testid="assistant-status" data-on="true">
              {t("assistant.on", { model: status.model ?? "" })}
            </span>
          ) : (
            <span className="assistant-status off muted" data-testid="assistant-status" data-on="false" title={t("assistant.never")}>
              {status?.off_reason ? `${t("assistant.offTitle")}: ${t(`assistant.off.${status.off_reason}`)}` : t("assistant.offTitle")}
            </span>
          )}
          <button
            type="button"
            data-testid="assist-draft"
            disabled={!allowed("draft") || !active}
            title={shortcutLabel("Mod+Shift+D")}
            onClick={() => ask({ task: "draft" })}
          >
            {t("assistant.draft")}
          </button>
          <button
            type="button"
            data-testid="assist-translate-in"
            disabled={!allowed("translate")}
            onClick={() => ask({ task: "translate", text: null, to: assistantLanguage(i18n.language) })}
          >
            {t("assistant.translateIn")}
          </button>
          <button
            type="button"
            data-testid="assist-translate-out"
            disabled={!allowed("translate") || !active}
            onClick={() => ask({ task: "translate", text: null, to: "customer" })}
          >
            {t("assistant.translateOut")}
          </button>
          <span className="assistant-rewrite" role="group" aria-label={t("assistant.rewrite")}>
            <span className="muted">{t("assistant.rewrite")}:</span>
            {REWRITE_STYLES.map((style) => (
              <button
                key={style}
                type="button"
                data-testid={`assist-rewrite-${style}`}
                disabled={!allowed("rewrite") || !active}
                onClick={() => ask({ task: "rewrite", text: "", style })}
              >
                {t(`assistant.styles.${style}`)}
              </button>
            ))}
          </span>
        </div>
        {call && (
          <div className="assistant-draft" data-testid="assist-area" data-state={state} data-feature={call.input.task} aria-busy={running}>
            <div className="assistant-draft-head">
              {running && (
                <span role="status" aria-live="polite" className="muted" data-testid="assist-progress">
                  {call.waitingSeconds !== null ? t("assistant.waiting", { seconds: call.waitingSeconds }) : t("assistant.working")}
                </span>
              )}
              {running && (
                <button type="button" data-testid="assist-stop" onClick={cancel}>
                  {t("assistant.stop")}
                </button>
              )}
              {outcome && outcome.completion_tokens > 0 && (
                <span className="muted">{t("assistant.tokens", { count: outcome.prompt_tokens + outcome.completion_tokens })}</span>
              )}
            </div>
            <div className={original ? "assistant-side-by-side" : undefined}>
              {original && (
                <figure>
                  <figcaption className="muted">{t("assistant.original")}</figcaption>
                  <p data-testid="assist-original">{original}</p>
                </figure>
              )}
              <figure>
                {original && <figcaption className="muted">{translating ? t("assistant.translation") : t("assistant.rewrite")}</figcaption>}
                <textarea
                  data-testid="assist-text"
                  aria-label={t("assistant.label")}
                  value={call.text}
                  readOnly={!outcome}
                  rows={4}
                  onChange={(e) => edit(e.target.value)}
                />
              </figure>
            </div>
            {outcome?.partial && (
              <p className="warning" data-testid="assist-partial">
                {t("assistant.partial")}
              </p>
            )}
            {outcome?.problem && (
              <p className={outcome.problem === "cancelled" ? "muted" : "warning"} role="alert" data-testid="assist-problem" title={outcome.error ?? undefined}>
                {t(`assistant.problems.${outcome.problem}`, { defaultValue: t("assistant.problems.server") })}
              </p>
            )}
            {outcome && call.input.task === "draft" && !outcome.problem && (
              <p className="assistant-sources muted" data-testid="assist-sources">
                {outcome.articles.length > 0 ? (
                  <>
                    {t("assistant.sources")}{" "}
                    {outcome.articles.map((a) => (
                      <cite key={a.id} data-article={a.id}>
                        {a.title}
                      </cite>
                    ))}
                  </>
                ) : (
                  t("assistant.noSources")
                )}
              </p>
            )}
            {outcome && (
              <div className="row">
                {goesToCustomer(call.input) && call.text.trim() && (
                  <button
                    type="button"
                    className="primary"
                    data-testid="assist-insert"
                    disabled={!active}
                    onClick={() => use(call.input.task === "draft" ? "insert" : "replace")}
                  >
                    {t("assistant.insert")}
                  </button>
                )}
                <button type="button" data-testid="assist-discard" onClick={discard}>
                  {t("assistant.discard")}
                </button>
              </div>
            )}
          </div>
        )}
      </section>
    );
  }),
);

