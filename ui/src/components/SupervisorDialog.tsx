// The supervisor's screens: the union platform's merchants (add, edit, enable/disable), the agents of
// the merchant on screen (add, edit, delete, with Sobot's roles and limits), the reply assistant's
// and payment-link policies for that merchant, and the agents' status log. Every change goes through
// the core; refusals are shown in words.

import { type ReactNode, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { AgentInput, AgentRole, AgentView, MerchantInput, MerchantView, StatusLogEntry } from "../backend/bindings";
import { describeError } from "../errors";
import { AssistantPolicyForm } from "./assistant/AssistantPolicyForm";
import { PaymentPolicyForm } from "./payments/PaymentPolicyForm";
import { Field, SaveOrCancel, ErrorLine } from "./formParts";

type Tab = "merchants" | "agents" | "assistant" | "payments" | "log";
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
          {(["merchants", "agents", "assistant", "payments", "log"] as Tab[]).map((name) => (
            <button key={name} type="button" role="tab" aria-selected={tab === name} onClick={() => setTab(name)} data-testid={`supervisor-tab-${name}`}>
              {t(`supervisor.tabs.${name}`, { merchant: props.tenantName })}
            </button>
          ))}
        </div>
        {tab === "merchants" && <Merchants backend={props.backend} />}
        {tab === "agents" && <Agents backend={props.backend} />}
        {tab === "assistant" && <AssistantPolicyForm backend={props.backend} merchant={props.tenantName} />}
        {tab === "payments" && <PaymentPolicyForm backend={props.backend} merchant={props.tenantName} />}
        {tab === "log" && <StatusLog backend={props.backend} />}
        <button type="button" className="primary" onClick={props.onClose}>
          {t("settings.close")}
        </button>
      </div>
    </div>
  );
}

/**
 * A list the supervisor edits on the platform: loaded, at most one add/edit form open, and each
 * change reloading the list (busy while it runs, its refusal in words).
 */
function useEditableList<Item, Input>(load: () => Promise<Item[]>) {
  const { data, error, reload } = useLoad(load);
  const [form, setForm] = useState<{ input: Input; adding: boolean } | null>(null);
  const { busy, failure, run } = useChange(() => {
    setForm(null);
    reload();
  });
  const set = (patch: Partial<Input>) => form && setForm({ ...form, input: { ...form.input, ...patch } });
  return { data, problem: failure ?? error, loading: data === null && !error, form, setForm, set, busy, run };
}

/** A tab of the dialog: the loading line, the list, the add button (or the form) and what went wrong. */
function EditableSection(props: {
  label: string;
  loading: boolean;
  list: ReactNode;
  form: ReactNode | null;
  addLabel: string;
  addTestId: string;
  onAdd: () => void;
  problem: string | null;
}) {
  const { t } = useTranslation();
  return (
    <section aria-label={props.label}>
      {props.loading && <p role="status">{t("supervisor.loading")}</p>}
      {props.list}
      {props.form ?? (
        <button type="button" onClick={props.onAdd} data-testid={props.addTestId}>
          {props.addLabel}
        </button>
      )}
      <ErrorLine message={props.problem} />
    </section>
  );
}

/** A table's header row of translated column names (and an empty one for the row's buttons). */
function GridHead({ columns }: { columns: string[] }) {
  const { t } = useTranslation();
  return (
    <thead>
      <tr>
        {columns.map((key) => (
          <th key={key}>{t(key)}</th>
        ))}
        <th />
      </tr>
    </thead>
  );
}

function Merchants({ backend }: { backend: Backend }) {
  const { t } = useTranslation();
  const load = useCallback(() => backend.merchants(), [backend]);
  const list = useEditableList<MerchantView, MerchantInput>(load);
  const inputOf = (m: MerchantView): MerchantInput => ({
    customer_code: m.customer_code, name: m.name, email: m.email, max_agents: m.max_agents,
    contact_name: m.contact_name, contact_tel: "", password: null, enabled: null,
  });
  const { form, run } = list;
  return (
    <EditableSection
      label={t("supervisor.tabs.merchants")}
      loading={list.loading}
      problem={list.problem}
      list={
        list.data && (
          <MerchantTable
            merchants={list.data}
            busy={list.busy}
            onEdit={(m) => list.setForm({ input: inputOf(m), adding: false })}
            onToggle={(m) => void run(() => backend.updateMerchant({ ...inputOf(m), contact_tel: "", enabled: !m.enabled }))}
          />
        )
      }
      form={
        form && (
          <MerchantForm
            form={form}
            set={list.set}
            busy={list.busy}
            onSave={() => void run(() => (form.adding ? backend.addMerchant(form.input) : backend.updateMerchant(form.input)))}
            onCancel={() => list.setForm(null)}
          />
        )
      }
      addLabel={t("supervisor.merchant.add")}
      addTestId="merchant-add"
      onAdd={() =>
        list.setForm({
          adding: true,
          input: { customer_code: "", name: "", email: "", max_agents: 5, contact_name: "", contact_tel: "", password: "", enabled: null },
        })
      }
    />
  );
}

function Agents({ backend }: { backend: Backend }) {
  const { t } = useTranslation();
  const load = useCallback(() => backend.merchantAgents(), [backend]);
  const list = useEditableList<AgentView, AgentInput>(load);
  const { form, run } = list;
  return (
    <EditableSection
      label={t("supervisor.tabs.agents")}
      loading={list.loading}
      problem={list.problem}
      list={
        list.data && (
          <AgentTable
            agents={list.data}
            busy={list.busy}
            onEdit={(a) =>
              list.setForm({
                adding: false,
                input: { email: a.email, name: a.name, nick: a.nick, role: a.role ?? "online_agent", phone: "", max_accept: a.max_accept, password: null },
              })
            }
            onDelete={(a) => window.confirm(t("supervisor.agent.confirmDelete", { name: a.name })) && void run(() => backend.deleteAgent(a.email))}
          />
        )
      }
      form={
        form && (
          <AgentForm
            form={form}
            set={list.set}
            busy={list.busy}
            onSave={() => void run(() => (form.adding ? backend.addAgent(form.input) : backend.updateAgent(form.input)))}
            onCancel={() => list.setForm(null)}
          />
        )
      }
      addLabel={t("supervisor.agent.add")}
      addTestId="agent-add"
      onAdd={() => list.setForm({ adding: true, input: { email: "", name: "", nick: "", role: "online_agent", phone: "", max_accept: 10, password: "" } })}
    />
  );
}

/** What an add/edit form of the dialog is given: the input as typed and whether it adds or edits. */
interface FormProps<Input> {
  form: { input: Input; adding: boolean };
  set: (patch: Partial<Input>) => void;
  busy: boolean;
  onSave: () => void;
  onCancel: () => void;
}

/** The dialog's add/edit form: its fields, then save (busy while the platform answers) and cancel. */
function EditingForm(props: { label: string; busy: boolean; saveTestId: string; onSave: () => void; onCancel: () => void; children: ReactNode }) {
  return (
    <form
      className="account-form"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave();
      }}
    >
      {props.children}
      <SaveOrCancel busy={props.busy} saveTestId={props.saveTestId} onCancel={props.onCancel} />
    </form>
  );
}

/** The union platform's merchants, each with edit and enable/disable. */
function MerchantTable({
  merchants,
  busy,
  onEdit,
  onToggle,
}: {
  merchants: MerchantView[];
  busy: boolean;
  onEdit: (merchant: MerchantView) => void;
  onToggle: (merchant: MerchantView) => void;
}) {
  const { t } = useTranslation();
  return (
    <table className="grid">
      <GridHead
        columns={["supervisor.merchant.name", "supervisor.merchant.externalId", "supervisor.merchant.agents", "supervisor.merchant.created", "supervisor.merchant.status"]}
      />
      <tbody>
        {merchants.map((m) => (
          <tr key={m.id} data-testid="merchant-row">
            <td>{m.name}</td>
            <td>{m.customer_code}</td>
            <td>
              {m.agents} / {m.max_agents}
            </td>
            <td>{m.created}</td>
            <td>{m.enabled ? t("supervisor.merchant.enabled") : t("supervisor.merchant.disabled")}</td>
            <td className="row-actions">
              <button type="button" disabled={busy} onClick={() => onEdit(m)}>
                {t("accounts.edit")}
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() => onToggle(m)}
                data-testid="merchant-toggle"
              >
                {m.enabled ? t("supervisor.merchant.disable") : t("supervisor.merchant.enable")}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Adds a merchant (with its administrator's sign-in) or edits one; the contact phone is never shown back. */
function MerchantForm({ form, set, busy, onSave, onCancel }: FormProps<MerchantInput>) {
  const { t } = useTranslation();
  return (
    <EditingForm
      label={form.adding ? t("supervisor.merchant.add") : t("accounts.editTitle", { name: form.input.name })}
      busy={busy}
      saveTestId="merchant-save"
      onSave={onSave}
      onCancel={onCancel}
    >
      <Field label={t("supervisor.merchant.name")}>
        <input required value={form.input.name} onChange={(e) => set({ name: e.target.value })} data-testid="merchant-name" />
      </Field>
      {form.adding && (
        <>
          <Field label={t("supervisor.merchant.externalId")}>
            <input required value={form.input.customer_code} onChange={(e) => set({ customer_code: e.target.value })} data-testid="merchant-code" />
          </Field>
          <Field label={t("supervisor.merchant.adminEmail")}>
            <input required type="email" value={form.input.email} onChange={(e) => set({ email: e.target.value })} data-testid="merchant-email" />
          </Field>
          <Field label={t("supervisor.merchant.adminPassword")}>
            <input required type="password" autoComplete="new-password" minLength={8} value={form.input.password ?? ""} onChange={(e) => set({ password: e.target.value })} data-testid="merchant-password" />
          </Field>
        </>
      )}
      <Field label={t("supervisor.merchant.maxAgents")}>
        <input required type="number" min={1} value={form.input.max_agents} onChange={(e) => set({ max_agents: Number(e.target.value) })} data-testid="merchant-max" />
      </Field>
      <Field label={t("supervisor.merchant.contactName")}>
        <input value={form.input.contact_name} onChange={(e) => set({ contact_name: e.target.value })} />
      </Field>
      <Field label={t("supervisor.merchant.contactTel")}>
        <input value={form.input.contact_tel} placeholder={form.adding ? "" : t("accounts.unchanged")} onChange={(e) => set({ contact_tel: e.target.value })} />
      </Field>
    </EditingForm>
  );
}

/** The merchant's agents, each with edit and delete. */
function AgentTable({
  agents,
  busy,
  onEdit,
  onDelete,
}: {
  agents: AgentView[];
  busy: boolean;
  onEdit: (agent: AgentView) => void;
  onDelete: (agent: AgentView) => void;
}) {
  const { t } = useTranslation();
  return (
    <table className="grid">
      <GridHead columns={["supervisor.agent.name", "supervisor.agent.email", "supervisor.agent.role", "supervisor.agent.phone", "supervisor.agent.maxAccept"]} />
      <tbody>
        {agents.map((a) => (
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
                onClick={() => onEdit(a)}
              >
                {t("accounts.edit")}
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() => onDelete(a)}
              >
                {t("accounts.remove")}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Adds an agent (e-mail, role and password only then) or edits one. */
function AgentForm({ form, set, busy, onSave, onCancel }: FormProps<AgentInput>) {
  const { t } = useTranslation();
  return (
    <EditingForm
      label={form.adding ? t("supervisor.agent.add") : t("accounts.editTitle", { name: form.input.name })}
      busy={busy}
      saveTestId="agent-save"
      onSave={onSave}
      onCancel={onCancel}
    >
      {form.adding && (
        <Field label={t("supervisor.agent.email")}>
          <input required type="email" value={form.input.email} onChange={(e) => set({ email: e.target.value })} data-testid="agent-email" />
        </Field>
      )}
      <Field label={t("supervisor.agent.name")}>
        <input required value={form.input.name} onChange={(e) => set({ name: e.target.value })} data-testid="agent-name" />
      </Field>
      <Field label={t("supervisor.agent.nick")}>
        <input required value={form.input.nick} onChange={(e) => set({ nick: e.target.value })} data-testid="agent-nick" />
      </Field>
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
      <Field label={t("supervisor.agent.phone")}>
        <input required inputMode="numeric" pattern="[0-9]{11}" value={form.input.phone} onChange={(e) => set({ phone: e.target.value })} data-testid="agent-phone" />
      </Field>
      <Field label={t("supervisor.agent.maxAccept")}>
        <input required type="number" min={1} max={200} value={form.input.max_accept} onChange={(e) => set({ max_accept: Number(e.target.value) })} />
      </Field>
      {form.adding && (
        <Field label={t("supervisor.agent.password")}>
          <input type="password" autoComplete="new-password" value={form.input.password ?? ""} onChange={(e) => set({ password: e.target.value })} />
        </Field>
      )}
    </EditingForm>
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
      <ErrorLine message={error} />
    </section>
  );
}
