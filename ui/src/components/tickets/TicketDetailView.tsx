// One ticket in detail: its status, level, assignee, description, replies and log, and (where the
// system takes them from AgentDesk) a reply with a status change (and on Sobot, a new level or
// assignee: Sobot changes a ticket only through a reply). Ticket text is data, never markup.

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type { Named, SystemKind, TicketDetail } from "../../backend/bindings";
import { describeError } from "../../errors";
import { ErrorLine } from "../formParts";

/** Sobot's statuses, which a reply may set (Zendesk's are mapped onto them by the core). */
const STATUSES = [0, 1, 2, 3, 99];

export function TicketDetailView(props: {
  backend: Backend;
  system: SystemKind;
  ticketId: string;
  canReply: boolean;
  statusChanges: boolean;
  /** Level and assignee change with a reply (Sobot). */
  reassigns: boolean;
  onChanged?: () => void;
}) {
  const { t } = useTranslation();
  const [detail, setDetail] = useState<TicketDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reply, setReply] = useState("");
  const [internal, setInternal] = useState(false);
  const [status, setStatus] = useState("");
  const [level, setLevel] = useState("");
  const [assignee, setAssignee] = useState("");
  const [choices, setChoices] = useState<{ levels: Named[]; agents: Named[] } | null>(null);
  const [busy, setBusy] = useState(false);

  // The system's levels and agents (its kept dictionary), for a reply that reassigns.
  useEffect(() => {
    if (!props.reassigns) return;
    let current = true;
    props.backend
      .ticketForm(props.system)
      .then((form) => current && setChoices({ levels: form.dictionary.levels, agents: form.dictionary.agents }))
      .catch(() => {});
    return () => {
      current = false;
    };
  }, [props.backend, props.system, props.reassigns]);

  useEffect(() => {
    let current = true;
    setDetail(null);
    props.backend
      .ticketDetail(props.system, props.ticketId)
      .then((d) => current && setDetail(d))
      .catch((e: unknown) => current && setError(describeError(e)));
    return () => {
      current = false;
    };
  }, [props.backend, props.system, props.ticketId]);

  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const agent = choices?.agents.find((a) => a.value === assignee);
      const after = await props.backend.replyTicket(props.system, props.ticketId, {
        content: reply,
        internal,
        status: status === "" ? null : Number(status),
        level: level === "" ? null : Number(level),
        group_id: null,
        group_name: null,
        assignee_id: agent?.value ?? null,
        assignee_name: agent?.name ?? null,
      });
      setDetail(after);
      setReply("");
      setStatus("");
      setLevel("");
      setAssignee("");
      props.onChanged?.();
    } catch (e: unknown) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  if (!detail) return error ? <ErrorLine message={error} /> : <p className="muted">{t("tickets.loading")}</p>;
  const s = detail.summary;
  return (
    <div className="ticket-detail" data-testid="ticket-detail">
      <h4>
        {s.number} · {s.title}
      </h4>
      <p className="muted" data-testid="ticket-detail-status" data-status={s.status}>
        {t("tickets.statusLine", { status: s.status_name || s.status, level: s.level_name || "—", assignee: s.assignee || t("tickets.unassigned") })}
      </p>
      <p className="ticket-content">{detail.content}</p>
      {detail.attachments.length > 0 && <p className="muted">{t("tickets.attachedFiles", { names: detail.attachments.join(", ") })}</p>}
      <ul className="ticket-replies">
        {detail.replies.map((r, index) => (
          <li key={index} className={r.internal ? "internal" : undefined}>
            <span className="muted">
              {r.author} · {r.at} {r.internal && `· ${t("tickets.internal")}`}
            </span>
            <div>{r.content}</div>
          </li>
        ))}
      </ul>
      {props.canReply ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <textarea rows={2} value={reply} placeholder={t("tickets.replyPlaceholder")} onChange={(e) => setReply(e.target.value)} data-testid="ticket-reply" />
          <div className="row">
            <label className="check">
              <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.target.checked)} />
              {t("tickets.internal")}
            </label>
            {props.statusChanges && (
              <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label={t("tickets.changeStatus")} data-testid="ticket-reply-status">
                <option value="">{t("tickets.keepStatus")}</option>
                {STATUSES.map((value) => (
                  <option key={value} value={value}>
                    {t(`tickets.statuses.${value}`)}
                  </option>
                ))}
              </select>
            )}
            {props.reassigns && choices && (
              <>
                <select value={level} onChange={(e) => setLevel(e.target.value)} aria-label={t("tickets.changeLevel")} data-testid="ticket-reply-level">
                  <option value="">{t("tickets.keepLevel")}</option>
                  {choices.levels.map((l) => (
                    <option key={l.value} value={l.value}>
                      {l.name || t(`tickets.levels.${l.value}`, { defaultValue: l.value })}
                    </option>
                  ))}
                </select>
                <select value={assignee} onChange={(e) => setAssignee(e.target.value)} aria-label={t("tickets.reassign")} data-testid="ticket-reply-assignee">
                  <option value="">{t("tickets.keepAssignee")}</option>
                  {choices.agents.map((a) => (
                    <option key={a.value} value={a.value}>
                      {a.name || a.value}
                    </option>
                  ))}
                </select>
              </>
            )}
            <button type="submit" disabled={busy || !reply.trim()} data-testid="ticket-reply-send">
              {t("tickets.reply")}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted">{t("tickets.noReplyHere")}</p>
      )}
      <ErrorLine message={error} />
    </div>
  );
}
