// The merchant's tickets over the dashboard's range, from Sobot 工单 (get_ticket_data,
// query_agent_jobs): unassigned and unsolved tickets, and each agent's handled tickets, replies and
// solved rate. Nothing is shown when the merchant does not use Sobot 工单.

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type { TicketFigures } from "../../backend/bindings";
import { describeError } from "../../errors";
import { ErrorLine } from "../formParts";

export function TicketFiguresView({ backend, from, to }: { backend: Backend; from: string; to: string }) {
  const { t } = useTranslation();
  const [figures, setFigures] = useState<TicketFigures | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setError(null);
    backend
      .ticketFigures(from, to)
      .then((f) => current && setFigures(f))
      .catch((e: unknown) => current && setError(describeError(e)));
    return () => {
      current = false;
    };
  }, [backend, from, to]);
  if (!figures && !error) return null;
  return (
    <section className="dashboard-tickets" data-testid="dashboard-tickets" aria-label={t("tickets.figures.title")}>
      <h3>{t("tickets.figures.title")}</h3>
      <ErrorLine message={error} />
      {figures && (
        <>
          <dl className="dashboard-totals">
            <div>
              <dt>{t("tickets.figures.unassigned")}</dt>
              <dd data-testid="tickets-unassigned">{figures.unassigned}</dd>
            </div>
            <div>
              <dt>{t("tickets.figures.unsolved")}</dt>
              <dd data-testid="tickets-unsolved">{figures.unsolved}</dd>
            </div>
          </dl>
          {figures.agents.length > 0 && (
            <table className="dashboard-agents">
              <thead>
                <tr>
                  <th>{t("tickets.figures.agent")}</th>
                  <th>{t("tickets.figures.handled")}</th>
                  <th>{t("tickets.figures.replies")}</th>
                  <th>{t("tickets.figures.solvedRate")}</th>
                </tr>
              </thead>
              <tbody>
                {figures.agents.map((agent) => (
                  <tr key={agent.agent_name}>
                    <td>{agent.agent_name}</td>
                    <td>{agent.handled}</td>
                    <td>{agent.replies}</td>
                    <td>{agent.solved_rate}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
