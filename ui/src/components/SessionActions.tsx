// Actions on the session in focus: transfer (to an agent or a group), invite rating, service
// summary (which the reply assistant can fill in for the agent to check), a ticket, a payment link,
// end session.

import { memo, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { useAssistCall } from "./assistant/useAssistCall";
import { rememberSummary } from "./tickets/ticketDrafts";
import type { Backend, TransferTarget } from "../backend/backend";
import { LIMITS, type Session, type TransferTargets } from "../backend/bindings";

/** Memoized: it changes with its session, not with every pushed message. */
export const SessionActions = memo(function SessionActions(props: {
  backend: Backend;
  session: Session;
  onError: (error: unknown) => void;
  onNotice: (text: string) => void;
  onEnd: () => void;
  onCreateTicket: () => void;
  onCreatePayment: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [targets, setTargets] = useState<TransferTargets | null>(null);
  const [summaryOpen, setSummaryOpen] = useState(false);
  const [summary, setSummary] = useState("");
  const [classification, setClassification] = useState("");
  const [resolved, setResolved] = useState(true);
  const active = props.session.state === "active";
  const filling = useAssistCall(props.backend, props.onError);
  const fillingRunning = filling.call !== null && filling.call.outcome === null;
  const filled = filling.call?.outcome ?? null;
  // The assistant's summary lands in the form for the agent to check; what the agent typed
  // meanwhile is replaced only by a summary that arrived in full or in part.
  useEffect(() => {
    const text = filled?.summary?.trim() ? filled.summary : filled?.text.trim() ? filled.text : null;
    if (!filled || text === null) return;
    setSummary(text.slice(0, LIMITS.max_summary_chars));
    rememberSummary(props.session.id, text);
    if (filled.classification) setClassification(filled.classification);
  }, [filled]);

  const transfer = async (target: TransferTarget) => {
    setTargets(null);
    await props.backend.transfer(props.session.id, target).catch(props.onError);
  };

  return (
    <div className="actions">
      <button
        type="button"
        disabled={!active}
        onClick={() => props.backend.transferTargets().then(setTargets).catch(props.onError)}
        aria-haspopup="dialog"
      >
        {t("actions.transfer")}
      </button>
      <button
        type="button"
        disabled={!active}
        onClick={() =>
          props.backend.inviteRating(props.session.id).then(() => props.onNotice(t("actions.ratingInvited"))).catch(props.onError)
        }
      >
        {t("actions.inviteRating")}
      </button>
      <button type="button" onClick={() => setSummaryOpen(true)} aria-haspopup="dialog" data-testid="open-summary">
        {t("actions.summary")}
      </button>
      <button
        type="button"
        // Keeps the agent's selection in the transcript: it becomes the ticket's description.
        onMouseDown={(e) => e.preventDefault()}
        onClick={props.onCreateTicket}
        aria-haspopup="dialog" aria-keyshortcuts="Control+Shift+T" data-testid="open-ticket">
        {t("tickets.create")}
      </button>
      <button type="button" disabled={!active} onClick={props.onCreatePayment} aria-haspopup="dialog" data-testid="open-payment">
        {t("payments.open")}
      </button>
      <button type="button" className="danger" disabled={!active} onClick={props.onEnd} data-testid="end-session">
        {t("actions.endSession")}
      </button>

      {targets && (
        <div className="popover" role="dialog" aria-label={t("actions.transferTo")}>
          <h2>{t("actions.transferTo")}</h2>
          {targets.agents.length + targets.groups.length === 0 && <p>{t("actions.noTargets")}</p>}
          {targets.agents.length > 0 && <h3>{t("actions.agents")}</h3>}
          {targets.agents.map((agent) => (
            <button key={agent.id} type="button" disabled={!agent.online} onClick={() => transfer({ kind: "agent", id: agent.id })}>
              {agent.name}
            </button>
          ))}
          {targets.groups.length > 0 && <h3>{t("actions.groups")}</h3>}
          {targets.groups.map((group) => (
            <button key={group.id} type="button" onClick={() => transfer({ kind: "group", id: group.id, name: group.name })}>
              {group.name}
            </button>
          ))}
          <button type="button" onClick={() => setTargets(null)}>
            {t("actions.cancel")}
          </button>
        </div>
      )}

      {summaryOpen && (
        <div className="popover" role="dialog" aria-label={t("actions.summary")}>
          <h2>{t("actions.summary")}</h2>
          <div className="row">
            <button
              type="button"
              data-testid="assist-summary"
              disabled={fillingRunning}
              onClick={() => void filling.start(props.session.id, { task: "summary" }, i18n.language)}
            >
              {t("assistant.summary")}
            </button>
            {fillingRunning && (
              <>
                <span role="status" aria-live="polite" className="muted" data-testid="assist-summary-progress">
                  {filling.call?.waitingSeconds != null ? t("assistant.waiting", { seconds: filling.call.waitingSeconds }) : t("assistant.working")}
                </span>
                <button type="button" onClick={filling.cancel}>
                  {t("assistant.stop")}
                </button>
              </>
            )}
          </div>
          {filled && !filled.problem && <p className="muted" data-testid="assist-summary-filled">{t("assistant.summaryFilled")}</p>}
          {filled?.problem && (
            <p className="warning" role="alert" data-testid="assist-summary-problem" title={filled.error ?? undefined}>
              {filled.partial && `${t("assistant.partial")} `}
              {t(`assistant.problems.${filled.problem}`, { defaultValue: t("assistant.problems.server") })}
            </p>
          )}
          <label>
            {t("assistant.classification")}
            <input
              value={classification}
              maxLength={100}
              data-testid="summary-classification"
              onChange={(e) => setClassification(e.target.value)}
            />
          </label>
          <textarea
            data-testid="summary-text"
            value={summary}
            maxLength={LIMITS.max_summary_chars}
            placeholder={t("actions.summaryPlaceholder")}
            aria-label={t("actions.summary")}
            onChange={(e) => {
              setSummary(e.target.value);
              rememberSummary(props.session.id, e.target.value);
            }}
          />
          <label>
            <input type="checkbox" checked={resolved} onChange={(e) => setResolved(e.target.checked)} /> {t("actions.resolved")}
          </label>
          <div className="row">
            <button
              type="button"
              className="primary"
              data-testid="summary-submit"
              onClick={() =>
                props.backend
                  .submitSummary(props.session.id, classification.trim() ? `【${classification.trim()}】${summary}` : summary, resolved)
                  .then(() => {
                    setSummaryOpen(false);
                    setSummary("");
                    setClassification("");
                    filling.clear();
                    props.onNotice(t("actions.summarySaved"));
                  })
                  .catch(props.onError)
              }
            >
              {t("actions.submit")}
            </button>
            <button
              type="button"
              onClick={() => {
                if (fillingRunning) filling.cancel();
                setSummaryOpen(false);
              }}
            >
              {t("actions.cancel")}
            </button>
          </div>
        </div>
      )}
    </div>
  );
});
