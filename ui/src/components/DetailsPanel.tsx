// The right panel: Customer (the 360° view: platform record, CRM profile, orders and parcels),
// Knowledge (suggestions for the customer's newest message, and search), and the agent's private
// Notes.

import { memo, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { KbSuggestionView, Session } from "../backend/bindings";
import type { Language } from "../i18n";
import { CustomerNotes } from "./CustomerNotes";
import { CustomerPanel } from "./CustomerPanel";
import { KnowledgePanel } from "./KnowledgePanel";

type Tab = "customer" | "knowledge" | "notes";

/** Memoized: a pushed message re-renders the workbench, and this pane need not follow unless its
 * session or the customer's newest message changed. */
export const DetailsPanel = memo(function DetailsPanel({
  session,
  backend,
  onInsert,
  onSendToCustomer,
  customerLanguage,
  newestInbound,
  onUseArticle,
}: {
  session: Session | undefined;
  backend: Backend;
  /** Puts text into the reply box. */
  onInsert: (text: string) => void;
  /** Sends text to the customer as the agent's reply. */
  onSendToCustomer: (text: string) => void;
  /** The language the customer writes in (what is sent to them is in it). */
  customerLanguage: Language;
  /** The customer's newest message (the knowledge suggestions follow it). */
  newestInbound: string | null;
  /** An article's answer goes into the reply box. */
  onUseArticle: (article: KbSuggestionView) => void;
}) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>("customer");

  return (
    <aside className="details" aria-label={t("panel.label")}>
      <div role="tablist" className="tabs">
        {(["customer", "knowledge", "notes"] as Tab[]).map((name) => (
          <button key={name} type="button" role="tab" data-testid={`tab-${name}`} aria-selected={tab === name} onClick={() => setTab(name)}>
            {t(`panel.${name}`)}
          </button>
        ))}
      </div>
      {!session ? (
        <p className="muted">{t("panel.noSession")}</p>
      ) : tab === "customer" ? (
        <CustomerPanel
          backend={backend}
          session={session}
          onInsert={onInsert}
          onSendToCustomer={onSendToCustomer}
          customerLanguage={customerLanguage}
        />
      ) : tab === "knowledge" ? (
        <KnowledgePanel backend={backend} session={session} newestInbound={newestInbound} onUse={onUseArticle} />
      ) : (
        <CustomerNotes backend={backend} session={session} />
      )}
    </aside>
  );
});
