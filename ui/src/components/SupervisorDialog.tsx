// The supervisor's screens: the union platform's merchants (add, edit, enable/disable), the agents of
// the merchant on screen (add, edit, delete, with Sobot's roles and limits), the reply assistant's
// policy for that merchant, and the agents' status log. Every change goes through the core to the platform; refusals are shown in words.

import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { AgentInput, AgentRole, AgentView, MerchantInput, MerchantView, StatusLogEntry } from "../backend/bindings";
import { describeError } from "../errors";
import { AssistantPolicyForm } from "./assistant/AssistantPolicyForm";

type Tab = "merchants" | "agents" | "assistant" | "log";
const ROLES: AgentRole[] = ["online_agent", "online_admin", "ticket_agent", "ticket_admin"];

function useLoad<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    setError(null);
    load()
      .then(setData)
      .catch((e: unknown) => setError(describeError(e)));
  }, [load]);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

/** A change sent to the platform: busy while it runs, its refusal in words, `done` after success. */
function useChange(done: () => void) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const run = async (change: () => Promise<void>) => {
    setBusy(true);
    setFailure(null);
    try {
      await change();
      done();
    } catch (e) {
      setFailure(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, failure, run };
}

export function SupervisorDialog(props: { backend: Backend; tenantName: string; onClose: () => void }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>("merchants");
  return (
    <div className="modal-backdrop" onClick={props.onClose}>
      <div
        className="modal wide"
        role="dialog"
        aria-modal="true"
        aria-label={t("supervisor.title")}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === "Escape" && props.onClose()}
        data-testid="supervisor"
      >
        <h2>{t("supervisor.title")}</h2>
        <div role="tablist" className="tabs">
          {(["merchants", "agents", "assistant", "log"] as Tab[]).map((name) => (
            <button key={name} type="button" role="tab" aria-selected={tab === name} onClick={() => setTab(name)} data-testid={`supervisor-tab-${name}`}>
              {t(`supervisor.tabs.${name}`, { merchant: props.tenantName })}
            </button>
          ))}
        </div>
        {tab === "merchants" && <Merchants backend={props.backend} />}
        {tab === "agents" && <Agents backend={props.backend} />}
        {tab === "assistant" && <AssistantPolicyForm backend={props.backend} merchant={props.tenantName} />}
        {tab === "log" && <StatusLog backend={props.backend} />}
        <button type="button" className="primary" onClick={props.onClose}>
          {t("settings.close")}
        </button>
      </div>
    </div>
  );
}

function Merchants({ backend }: { backend: Backend }) {
  const { t } = useTranslation();
  const load = useCallback(() => backend.merchants(), [backend]);
  const { data, error, reload } = useLoad(load);
  const [form, setForm] = useState<{ input: MerchantInput; adding: boolean } | null>(null);
  const { busy, failure, run } = useChange(() => {
    setForm(null);
    reload();
  });
  const inputOf = (m: MerchantView): MerchantInput => ({
    customer_code: m.customer_code, name: m.name, email: m.email, max_agents: m.max_agents,
    contact_name: m.contact_name, contact_tel: "", password: null, enabled: null,
  });
  const set = (patch: Partial<MerchantInput>) => form && setForm({ ...form, input: { ...form.input, ...patch } });

  return (
    <section aria-label={t("supervisor.tabs.merchants")}>
      {data === null && !error && <p role="status">{t("supervisor.loading")}</p>}
      {data && (
        <table className="grid">
          <thead>
            <tr>
              <th>{t("supervisor.merchant.name")}</th>
              <th>{t("supervisor.merchant.externalId")}</th>
              <th>{t("supervisor.merchant.agents")}</th>
              <th>{t("supervisor.merchant.created")}</th>
              <th>{t("supervisor.merchant.status")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map((m) => (
              <tr key={m.id} data-testid="merchant-row">
                <td>{m.name}</td>
                <td>{m.customer_code}</td>
                <td>
                  {m.agents} / {m.max_agents}
                </td>
                <td>{m.created}</td>
                <td>{m.enabled ? t("supervisor.merchant.enabled") : t("supervisor.merchant.disabled")}</td>
                <td className="row-actions">
                  <button type="button" disabled={busy} onClick={() => setForm({ input: inputOf(m), adding: false })}>
                    {t("accounts.edit")}
                  </button>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => void run(() => backend.updateMerchant({ ...inputOf(m), contact_tel: "", enabled: !m.enabled }))}
                    data-testid="merchant-toggle"
                  >
                    {m.enabled ? t("supervisor.merchant.disable") : t("supervisor.merchant.enable")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!form && (
        <button
          type="button"
          onClick={() =>
            setForm({
              adding: true,
              input: { customer_code: "", name: "", email: "", max_agents: 5, contact_name: "", contact_tel: "", password: "", enabled: null },
            })
          }
          data-testid="merchant-add"
        >
          {t("supervisor.merchant.add")}
        </button>
      )}
      {form && (
        <form
          className="account-form"
          aria-label={form.adding ? t("supervisor.merchant.add") : t("accounts.editTitle", { name: form.input.name })}
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => (form.adding ? backend.addMerchant(form.input) : backend.updateMerchant(form.input)));
          }}
        >
          <label className="field">
            <span>{t("supervisor.merchant.name")}</span>
            <input required value={form.input.name} onChange={(e) => set({ name: e.target.value })} data-testid="merchant-name" />
          </label>
          {form.adding && (
            <>
              <label className="field">
                <span>{t("supervisor.merchant.externalId")}</span>
                <input required value={form.input.customer_code} onChange={(e) => set({ customer_code: e.target.value })} data-testid="merchant-code" />
              </label>
              <label className="field">
                <span>{t("supervisor.merchant.adminEmail")}</span>
                <input required type="email" value={form.input.email} onChange={(e) => set({ email: e.target.value })} data-testid="merchant-email" />
              </label>
              <label className="field">
                <span>{t("supervisor.merchant.adminPassword")}</span>
                <input required type="password" autoComplete="new-password" minLength={8} value={form.input.password ?? ""} onChange={(e) => set({ password: e.target.value })} data-testid="merchant-password" />
              </label>
            </>
          )}
          <label className="field">
            <span>{t("supervisor.merchant.maxAgents")}</span>
            <input required type="number" min={1} value={form.input.max_agents} onChange={(e) => set({ max_agents: Number(e.target.value) })} data-testid="merchant-max" />
          </label>
          <label className="field">
            <span>{t("supervisor.merchant.contactName")}</span>
            <input value={form.input.contact_name} onChange={(e) => set({ contact_name: e.target.value })} />
          </label>
          <label className="field">
            <span>{t("supervisor.merchant.contactTel")}</span>
            <input value={form.input.contact_tel} placeholder={form.adding ? "" : t("accounts.unchanged")} onChange={(e) => set({ contact_tel: e.target.value })} />
          </label>
          <div className="row-actions">
            <button type="submit" className="primary" disabled={busy} data-testid="merchant-save">
              {busy ? t("accounts.saving") : t("accounts.save")}
            </button>
            <button type="button" onClick={() => setForm(null)}>
              {t("accounts.cancel")}
            </button>
          </div>
        </form>
      )}
      {(error || failure) && (
        <div className="error" role="alert">
          {failure ?? error}
        </div>
      )}
    </section>
  );
}

function Agents({ backend }: { backend: Backend }) {
  const { t } = useTranslation();
  const load = useCallback(() => backend.merchantAgents(), [backend]);
  const { data, error, reload } = useLoad(load);
  const [form, setForm] = useState<{ input: AgentInput; adding: boolean } | null>(null);
  const { busy, failure, run } = useChange(() => {
    setForm(null);
    reload();
  });
  const set = (patch: Partial<AgentInput>) => form && setForm({ ...form, input: { ...form.input, ...patch } });

  return (
    <section aria-label={t("supervisor.tabs.agents")}>
      {data === null && !error && <p role="status">{t("supervisor.loading")}</p>}
      {data && (
        <table className="grid">
          <thead>
            <tr>
              <th>{t("supervisor.agent.name")}</th>
              <th>{t("supervisor.agent.email")}</th>
              <th>{t("supervisor.agent.role")}</th>
              <th>{t("supervisor.agent.phone")}</th>
              <th>{t("supervisor.agent.maxAccept")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map((a) => (
              <tr key={a.id} data-testid="agent-row">
                <td>
                  {a.name} ({a.nick}) {a.online && <span className="muted">· {t("topbar.online")}</span>}
                </td>
                <td>{a.email}</td>
                <td>{a.role ? t(`supervisor.roles.${a.role}`) : "—"}</td>
                <td>{a.phone}</td>
                <td>{a.max_accept}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      setForm({
                        adding: false,
                        input: { email: a.email, name: a.name, nick: a.nick, role: a.role ?? "online_agent", phone: "", max_accept: a.max_accept, password: null },
                      })
                    }
                  >
                    {t("accounts.edit")}
                  </button>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => window.confirm(t("supervisor.agent.confirmDelete", { name: a.name })) && void run(() => backend.deleteAgent(a.email))}
                  >
                    {t("accounts.remove")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!form && (
        <button
          type="button"
          onClick={() =>
            setForm({ adding: true, input: { email: "", name: "", nick: "", role: "online_agent", phone: "", max_accept: 10, password: "" } })
          }
          data-testid="agent-add"
        >
          {t("supervisor.agent.add")}
        </button>
      )}
      {form && (
        <form
          className="account-form"
          aria-label={form.adding ? t("supervisor.agent.add") : t("accounts.editTitle", { name: form.input.name })}
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => (form.adding ? backend.addAgent(form.input) : backend.updateAgent(form.input)));
          }}
        >
          {form.adding && (
            <label className="field">
              <span>{t("supervisor.agent.email")}</span>
              <input required type="email" value={form.input.email} onChange={(e) => set({ email: e.target.value })} data-testid="agent-email" />
            </label>
          )}
          <label className="field">
            <span>{t("supervisor.agent.name")}</span>
            <input required value={form.input.name} onChange={(e) => set({ name: e.target.value })} data-testid="agent-name" />
          </label>
          <label className="field">
            <span>{t("supervisor.agent.nick")}</span>
            <input required value={form.input.nick} onChange={(e) => set({ nick: e.target.value })} data-testid="agent-nick" />
          </label>
          {form.adding && (
            <label className="field">
              <span>{t("supervisor.agent.role")}</span>
              <select value={form.input.role} onChange={(e) => set({ role: e.target.value as AgentRole })}>
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    {t(`supervisor.roles.${role}`)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label className="field">
            <span>{t("supervisor.agent.phone")}</span>
            <input required inputMode="numeric" pattern="[0-9]{11}" value={form.input.phone} onChange={(e) => set({ phone: e.target.value })} data-testid="agent-phone" />
          </label>
          <label className="field">
            <span>{t("supervisor.agent.maxAccept")}</span>
            <input required type="number" min={1} max={200} value={form.input.max_accept} onChange={(e) => set({ max_accept: Number(e.target.value) })} />
          </label>
          {form.adding && (
            <label className="field">
              <span>{t("supervisor.agent.password")}</span>
              <input type="password" autoComplete="new-password" value={form.input.password ?? ""} onChange={(e) => set({ password: e.target.value })} />
            </label>
          )}
          <div className="row-actions">
            <button type="submit" className="primary" disabled={busy} data-testid="agent-save">
              {busy ? t("accounts.saving") : t("accounts.save")}
            </button>
            <button type="button" onClick={() => setForm(null)}>
              {t("accounts.cancel")}
            </button>
          </div>
        </form>
      )}
      {(error || failure) && (
        <div className="error" role="alert">
          {failure ?? error}
        </div>
      )}
    </section>
  );
}

function StatusLog({ backend }: { backend: Backend }) {
  const { t, i18n } = useTranslation();
  const load = useCallback(() => Promise.all([backend.statusLog(), backend.merchantAgents().catch(() => [] as AgentView[])]), [backend]);
  const { data, error } = useLoad(load);
  const names = new Map((data?.[1] ?? []).map((a) => [a.id, a.name]));
  const entries: StatusLogEntry[] = data?.[0] ?? [];
  return (
    <section aria-label={t("supervisor.tabs.log")}>
      {data === null && !error && <p role="status">{t("supervisor.loading")}</p>}
      {data && entries.length === 0 && <p className="muted">{t("supervisor.log.none")}</p>}
      {entries.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>{t("supervisor.log.when")}</th>
              <th>{t("supervisor.agent.name")}</th>
              <th>{t("supervisor.log.status")}</th>
              <th>{t("supervisor.log.source")}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, index) => (
              <tr key={`${e.agent_id}-${e.at_ms}-${index}`} data-testid="status-log-row">
                <td>{new Date(e.at_ms).toLocaleString(i18n.language)}</td>
                <td>{names.get(e.agent_id) ?? e.agent_id}</td>
                <td>{t(`supervisor.log.actions.${e.action}`, { defaultValue: e.action })}</td>
                <td>{t(`supervisor.log.sources.${e.source}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}
