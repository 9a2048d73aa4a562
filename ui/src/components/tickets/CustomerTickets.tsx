// The customer's tickets in the 360° view: every system of the merchant, open ones first (status,
// level, assignee, last update), kept ones drawn at once and then asked again; a ticket created from
// the window appears as soon as the core says it was created. A ticket opens in detail below.

import { useEffect, useLayoutEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type { CustomerTickets as Tickets, Session, SystemKind, TicketSystemView } from "../../backend/bindings";
import { useDeskEvents } from "../../backend/useDeskEvents";
import { describeError } from "../../errors";
import { ErrorLine } from "../formParts";
import { TicketDetailView } from "./TicketDetailView";

export function CustomerTickets({ backend, session }: { backend: Backend; session: Session }) {
  const { t } = useTranslation();
  const [tickets, setTickets] = useState<Tickets | null>(null);
  const [systems, setSystems] = useState<TicketSystemView[]>([]);
  const [open, setOpen] = useState<{ system: SystemKind; id: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    backend.ticketSystems().then(setSystems).catch(() => {});
  }, [backend]);

  // Another customer: nothing of the previous one stays on screen.
  useLayoutEffect(() => {
    setTickets(null);
    setOpen(null);
    setError(null);
  }, [session.id]);

  // Kept tickets at once, then asked again (also after a ticket was created or changed here).
  useLayoutEffect(() => {
    let current = true;
    backend
      .customerTickets(session.id, false)
      .then((kept) => current && kept.as_of_ms !== null && setTickets((shown) => shown ?? kept))
      .catch(() => {});
    backend
      .customerTickets(session.id, true)
      .then((fresh) => {
        if (!current) return;
        setTickets(fresh);
        setError(null);
      })
      .catch((e: unknown) => current && setError(describeError(e)));
    return () => {
      current = false;
    };
  }, [backend, session.id, asked]);

  useDeskEvents(backend, {
    ticket: (event) => {
      if (event.progress.session_id === session.id && event.progress.state === "created") setAsked((n) => n + 1);
    },
  });

  if (systems.length === 0) return null;
  return (
    <section className="customer-tickets" data-testid="customer-tickets">
      <h3>{t("tickets.customerTickets")}</h3>
      {!tickets && !error && <p className="muted">{t("tickets.loading")}</p>}
      {tickets?.failures.map((f) => (
        <div key={f.system} className="card-note failed" role="status">
          {t("tickets.listFailed", { system: t(`tickets.systems.${f.system}`), error: describeError(f.error) })}
        </div>
      ))}
      {tickets && tickets.tickets.length === 0 && <p className="muted">{t("tickets.none")}</p>}
      <ul className="ticket-list">
        {tickets?.tickets.map(({ system, ticket }) => (
          <li key={`${system}-${ticket.id}`} className={ticket.open ? "open" : "closed"}>
            <button type="button" className="link" onClick={() => setOpen({ system, id: ticket.id })} data-testid={`ticket-${ticket.number}`}>
              {ticket.number}
            </button>{" "}
            {ticket.title}
            <div className="muted" data-testid={`ticket-status-${ticket.number}`} data-status={ticket.status}>
              {t(`tickets.systems.${system}`)} · {ticket.status_name || ticket.status} · {ticket.level_name || "—"} ·{" "}
              {ticket.assignee || t("tickets.unassigned")} · {t("tickets.updated", { time: ticket.updated_at || ticket.created_at })}
            </div>
          </li>
        ))}
      </ul>
      {open && (
        <TicketDetailView
          backend={backend}
          system={open.system}
          ticketId={open.id}
          canReply={systems.find((s) => s.system === open.system)?.replies ?? false}
          statusChanges={systems.find((s) => s.system === open.system)?.status_changes ?? false}
          reassigns={systems.find((s) => s.system === open.system)?.assignees ?? false}
          onChanged={() => setAsked((n) => n + 1)}
        />
      )}
      <ErrorLine message={error} />
    </section>
  );
}
