// The reply assistant on this desk over the dashboard's range: calls and failures, tokens, the
// median time to the first token, and what agents did with the drafts.

import { useTranslation } from "react-i18next";

import type { AssistantFigures } from "../../backend/bindings";

export function AssistantFiguresView({ figures }: { figures: AssistantFigures }) {
  const { t } = useTranslation();
  return (
    <section className="dashboard-assistant" data-testid="dashboard-assistant" aria-label={t("assistant.figures.title")}>
      <h3>{t("assistant.figures.title")}</h3>
      {figures.calls === 0 ? (
        <p className="muted">{t("assistant.figures.none")}</p>
      ) : (
        <dl className="dashboard-totals">
          <div>
            <dt>{t("assistant.figures.calls")}</dt>
            <dd data-testid="assistant-calls">{figures.calls}</dd>
          </div>
          <div>
            <dt>{t("assistant.figures.failed")}</dt>
            <dd>{figures.failed}</dd>
          </div>
          <div>
            <dt>{t("assistant.figures.tokens")}</dt>
            <dd>
              {figures.prompt_tokens} / {figures.completion_tokens}
            </dd>
          </div>
          <div>
            <dt>{t("assistant.figures.firstToken")}</dt>
            <dd>{figures.median_first_token_ms === null ? "—" : t("health.milliseconds", { value: figures.median_first_token_ms })}</dd>
          </div>
          <div>
            <dt>{t("assistant.figures.drafts")}</dt>
            <dd data-testid="assistant-drafts">
              {figures.drafts_sent} / {figures.drafts_edited} / {figures.drafts_discarded}
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}
