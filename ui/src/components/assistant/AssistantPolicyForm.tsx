// The supervisor's choice of the reply assistant for the merchant on screen: on or off, which
// features, drafting on every new question, and the daily token budget; with the provider in use
// and today's use, so the supervisor sees what agents will see.

import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type { AssistantPolicy, AssistantStatus } from "../../backend/bindings";
import { describeError } from "../../errors";

const FEATURES = ["draft", "summary", "translate", "rewrite"] as const;

export function AssistantPolicyForm({ backend, merchant }: { backend: Backend; merchant: string }) {
  const { t } = useTranslation();
  const { status, policy, setPolicy, budget, setBudget, message, setMessage, busy, setBusy, load } = useAssistantPolicy(backend);

  if (!policy) {
    return (
      <section aria-label={t("supervisor.tabs.assistant")} aria-busy="true">
        {message ? <p role="alert">{message.text}</p> : <p className="muted">{t("supervisor.loading")}</p>}
      </section>
    );
  }

  const save = async () => {
    const tokens = Number(budget.trim());
    if (!/^\d+$/.test(budget.trim()) || !Number.isSafeInteger(tokens) || tokens > 4_294_967_295) {
      setMessage({ ok: false, text: t("assistant.policy.budgetInvalid") });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      await backend.setAssistantPolicy({ ...policy, daily_token_budget: tokens });
      await load();
      setMessage({ ok: true, text: t("assistant.policy.saved") });
    } catch (e) {
      setMessage({ ok: false, text: describeError(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label={t("supervisor.tabs.assistant")} data-testid="assistant-policy">
      <h3>{t("assistant.policy.title", { merchant })}</h3>
      <label>
        <input
          type="checkbox"
          data-testid="policy-enabled"
          checked={policy.enabled}
          onChange={(e) => setPolicy({ ...policy, enabled: e.target.checked })}
        />{" "}
        {t("assistant.policy.enabled")}
      </label>
      <FeatureChoices policy={policy} setPolicy={setPolicy} budget={budget} setBudget={setBudget} />
      {status && (
        <p className="muted">
          {status.provider ? t("assistant.policy.provider", { provider: status.provider, model: status.model ?? "" }) : t("assistant.policy.noProvider")}
          {" · "}
          {t("assistant.policy.usedToday", { count: status.tokens_today })}
        </p>
      )}
      <p className="muted">{t("assistant.policy.privacy")}</p>
      <div className="row">
        <button type="button" className="primary" data-testid="policy-save" disabled={busy} onClick={() => void save()}>
          {t("assistant.policy.save")}
        </button>
        {message && (
          <span role={message.ok ? "status" : "alert"} className={message.ok ? "muted" : "warning"} data-testid="policy-message">
            {message.text}
          </span>
        )}
      </div>
    </section>
  );
}

/** Which features agents get, drafting on every new question, and the daily token budget (as typed). */
function FeatureChoices({
  policy,
  setPolicy,
  budget,
  setBudget,
}: {
  policy: AssistantPolicy;
  setPolicy: (policy: AssistantPolicy) => void;
  budget: string;
  setBudget: (budget: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <fieldset disabled={!policy.enabled}>
      <legend>{t("assistant.policy.features")}</legend>
      {FEATURES.map((feature) => (
        <label key={feature}>
          <input
            type="checkbox"
            data-testid={`policy-${feature}`}
            checked={policy[feature]}
            onChange={(e) => setPolicy({ ...policy, [feature]: e.target.checked })}
          />{" "}
          {t(`assistant.policy.${feature}`)}
        </label>
      ))}
      <label>
        <input
          type="checkbox"
          data-testid="policy-auto-draft"
          checked={policy.draft_on_new_question}
          disabled={!policy.draft}
          onChange={(e) => setPolicy({ ...policy, draft_on_new_question: e.target.checked })}
        />{" "}
        {t("assistant.policy.draftOnNewQuestion")}
      </label>
      <label className="field">
        {t("assistant.policy.budget")}
        <input inputMode="numeric" data-testid="policy-budget" value={budget} onChange={(e) => setBudget(e.target.value)} />
      </label>
    </fieldset>
  );
}

/** The merchant's policy and status as last read, the budget as typed, and the form's progress. */
function useAssistantPolicy(backend: Backend) {
  const [status, setStatus] = useState<AssistantStatus | null>(null);
  const [policy, setPolicy] = useState<AssistantPolicy | null>(null);
  const [budget, setBudget] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      backend
      .assistantStatus()
      .then((s) => {
        setStatus(s);
        setPolicy(s.policy);
        setBudget(String(s.policy.daily_token_budget));
      })
      .catch((e: unknown) => setMessage({ ok: false, text: describeError(e) })),
    [backend],
  );
  useEffect(() => {
    void load();
  }, [load]);
  return { status, policy, setPolicy, budget, setBudget, message, setMessage, busy, setBusy, load };
}
