// The supervisor's payment-link policy for the merchant on screen: on or off, the agents who may
// make links (none named: every agent), and the largest amount one link may ask for. Saved through
// the core, which checks the amount and writes the change to the audit log.

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type { PaymentPolicy } from "../../backend/bindings";
import { describeError } from "../../errors";
import { Field } from "../formParts";

export function PaymentPolicyForm({ backend, merchant }: { backend: Backend; merchant: string }) {
  const { t } = useTranslation();
  const [policy, setPolicy] = useState<PaymentPolicy | null>(null);
  const [agents, setAgents] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const show = (found: PaymentPolicy) => {
    setPolicy(found);
    setAgents(found.agents.join("\n"));
  };
  useEffect(() => {
    backend
      .paymentPolicy()
      .then(show)
      .catch((e) => setMessage({ ok: false, text: describeError(e) }));
  }, [backend]);

  if (!policy) {
    return (
      <section aria-label={t("supervisor.tabs.payments")} aria-busy="true">
        {message ? <p role="alert">{message.text}</p> : <p className="muted">{t("supervisor.loading")}</p>}
      </section>
    );
  }

  const save = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const names = agents.split(/[\n,]/).map((a) => a.trim()).filter(Boolean);
      show(await backend.setPaymentPolicy({ ...policy, agents: names }));
      setMessage({ ok: true, text: t("payments.policy.saved") });
    } catch (e) {
      setMessage({ ok: false, text: describeError(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label={t("supervisor.tabs.payments")} data-testid="payment-policy">
      <h3>{t("payments.policy.title", { merchant })}</h3>
      <label>
        <input type="checkbox" checked={policy.enabled} onChange={(e) => setPolicy({ ...policy, enabled: e.target.checked })} data-testid="payment-policy-enabled" />{" "}
        {t("payments.policy.enabled")}
      </label>
      <Field label={t("payments.policy.largest")}>
        <input inputMode="decimal" value={policy.largest_amount} onChange={(e) => setPolicy({ ...policy, largest_amount: e.target.value })} data-testid="payment-policy-largest" />
      </Field>
      <Field label={t("payments.policy.agents")}>
        <textarea rows={3} value={agents} placeholder={t("payments.policy.everyAgent")} onChange={(e) => setAgents(e.target.value)} data-testid="payment-policy-agents" />
      </Field>
      <p className="muted">{t("payments.policy.audit")}</p>
      <div className="row">
        <button type="button" className="primary" disabled={busy} onClick={() => void save()} data-testid="payment-policy-save">
          {t("payments.policy.save")}
        </button>
        {message && (
          <span role={message.ok ? "status" : "alert"} className={message.ok ? "muted" : "warning"}>
            {message.text}
          </span>
        )}
      </div>
    </section>
  );
}
