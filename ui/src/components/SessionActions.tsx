// Actions on the session in focus: transfer (to an agent or a group), invite rating, service
// summary, end session.

import { memo, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend, TransferTarget } from "../backend/backend";
import type { Session, TransferTargets } from "../backend/bindings";

/** Memoized: it changes with its session, not with every pushed message. */
export const SessionActions = memo(function SessionActions(props: {
  backend: Backend;
  session: Session;
  onError: (error: unknown) => void;
  onNotice: (text: string) => void;
  onEnd: () => void;
}) {
  const { t } = useTranslation();
  const [targets, setTargets] = useState<TransferTargets | null>(null);
  const [summaryOpen, setSummaryOpen] = useState(false);
  const [summary, setSummary] = useState("");
  const [resolved, setResolved] = useState(true);
  const active = props.session.state === "active";

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
      <button type="button" onClick={() => setSummaryOpen(true)} aria-haspopup="dialog">
        {t("actions.summary")}
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
          <textarea
            value={summary}
            maxLength={2000}
            placeholder={t("actions.summaryPlaceholder")}
            aria-label={t("actions.summary")}
            onChange={(e) => setSummary(e.target.value)}
          />
          <label>
            <input type="checkbox" checked={resolved} onChange={(e) => setResolved(e.target.checked)} /> {t("actions.resolved")}
          </label>
          <div className="row">
            <button
              type="button"
              className="primary"
              onClick={() =>
                props.backend
                  .submitSummary(props.session.id, summary, resolved)
                  .then(() => {
                    setSummaryOpen(false);
                    setSummary("");
                    props.onNotice(t("actions.summarySaved"));
                  })
                  .catch(props.onError)
              }
            >
              {t("actions.submit")}
            </button>
            <button type="button" onClick={() => setSummaryOpen(false)}>
              {t("actions.cancel")}
            </button>
          </div>
        </div>
      )}
    </div>
  );
});
