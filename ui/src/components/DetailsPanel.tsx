// The right panel: Customer (what the platform already knows; the 360° view fills in the rest),
// Knowledge (suggestions arrive with the knowledge base work), and the agent's private Notes.

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Session } from "../backend/bindings";

type Tab = "customer" | "knowledge" | "notes";

export function DetailsPanel({ session }: { session: Session | undefined }) {
  const { t, i18n } = useTranslation();
  const [tab, setTab] = useState<Tab>("customer");
  const [note, setNote] = useState("");
  const noteKey = session ? `agentdesk.note.${session.visitor_id}` : null;
  useEffect(() => {
    setNote(noteKey ? localStorage.getItem(noteKey) ?? "" : "");
  }, [noteKey]);

  return (
    <aside className="details" aria-label={t("panel.label")}>
      <div role="tablist" className="tabs">
        {(["customer", "knowledge", "notes"] as Tab[]).map((name) => (
          <button key={name} type="button" role="tab" aria-selected={tab === name} onClick={() => setTab(name)}>
            {t(`panel.${name}`)}
          </button>
        ))}
      </div>
      {!session ? (
        <p className="muted">{t("panel.noSession")}</p>
      ) : tab === "customer" ? (
        <section data-testid="customer-panel" role="tabpanel">
          <dl>
            <dt>{t("panel.name")}</dt>
            <dd>{session.visitor_name}</dd>
            <dt>{t("panel.channel")}</dt>
            <dd>{t(`channels.${session.channel}`)}</dd>
            <dt>{t("panel.visitorId")}</dt>
            <dd>{session.visitor_id}</dd>
            <dt>{t("panel.since")}</dt>
            <dd>{new Date(session.started_at_ms).toLocaleString(i18n.language)}</dd>
            <dt>{t("panel.rating")}</dt>
            <dd>{session.rating !== null ? `${session.rating}/5` : t("panel.notRated")}</dd>
          </dl>
          <p className="muted">{t("panel.moreComing")}</p>
        </section>
      ) : tab === "knowledge" ? (
        <section role="tabpanel">
          <p className="muted">{t("panel.knowledgeEmpty")}</p>
        </section>
      ) : (
        <section role="tabpanel">
          <textarea
            className="notes"
            aria-label={t("panel.notes")}
            placeholder={t("panel.notesPlaceholder")}
            value={note}
            onChange={(e) => {
              setNote(e.target.value);
              if (noteKey) localStorage.setItem(noteKey, e.target.value);
            }}
          />
        </section>
      )}
    </aside>
  );
}
