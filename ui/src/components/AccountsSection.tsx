// Settings → Accounts: add, edit and remove platform accounts (with the reply assistant's model
// provider and its ticket systems), and test a connection. Secrets (app key, union key, the provider's key, the ticket
// systems' credentials) are typed into password fields, sent once to the core for the OS keychain, and
// cleared from the form; the window never reads a secret back, it only learns whether one is set.

import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { Account, AccountView, AssistantPreset, ConnectionReport, Platform, SystemKind } from "../backend/bindings";
import { describeError } from "../errors";
import { ErrorLine, Field, SaveOrCancel, SecretField } from "./formParts";
import { TicketSystemsFields } from "./tickets/TicketSystemsFields";

const SOBOT_BASE_URLS = ["https://www.sobot.com", "https://www.soboten.com", "https://sg.sobot.io", "https://us.sobot.com"];

interface Draft {
  previousName: string | null;
  account: Account;
  appKey: string;
  unionKey: string;
  supervisor: boolean;
  /** The provider's key as typed; "" keeps the one in the keychain. */
  assistantKey: string;
  /** Remove the provider's key (a local server needs none). */
  removeAssistantKey: boolean;
  /** Ticket systems' credentials as typed ("" keeps the stored one), and which are stored. */
  ticketKeys: Partial<Record<SystemKind, string>>;
  ticketKeysSet: SystemKind[];
}

function emptyDraft(): Draft {
  return {
    previousName: null,
    account: { name: "", platform: "sobot", base_url: SOBOT_BASE_URLS[0], appid: "", agent_email: "", supervisor: null, assistant: null, tickets: [], payments: [], speech: null },
    appKey: "",
    unionKey: "",
    supervisor: false,
    assistantKey: "",
    removeAssistantKey: false,
    ticketKeys: {},
    ticketKeysSet: [],
  };
}

export function AccountsSection({
  backend,
  activeAccount,
  onUse,
}: {
  backend: Backend;
  /** The account the workbench signs in with at start ("" = demo mode). */
  activeAccount: string;
  onUse: (name: string) => void;
}) {
  const { t } = useTranslation();
  const { accounts, draft, setDraft, error, saving, testing, reports, presets, edit, save, remove, test } = useAccounts(backend, activeAccount, onUse);

  return (
    <div className="accounts" data-testid="accounts">
      <p className="muted">{t("accounts.help")}</p>
      {accounts === null && !error && <p role="status">{t("accounts.loading")}</p>}
      {accounts?.length === 0 && <p className="muted">{t("accounts.none")}</p>}
      <ul className="account-list">
        {accounts?.map((view) => (
          <AccountItem
            key={view.account.name}
            view={view}
            report={reports[view.account.name]}
            testing={testing}
            inUse={activeAccount === view.account.name}
            onTest={() => void test(view.account.name)}
            onEdit={() => edit(view)}
            onRemove={() => void remove(view.account.name)}
            onUse={onUse}
          />
        ))}
      </ul>
      {!draft && (
        <button type="button" onClick={() => setDraft(emptyDraft())} data-testid="account-add">
          {t("accounts.add")}
        </button>
      )}
      {draft && <AccountForm draft={draft} setDraft={setDraft} presets={presets} saving={saving} onSave={() => void save()} />}
      <ErrorLine message={error} />
    </div>
  );
}


/**
 * The saved accounts and the form's draft: saving (secrets leave with the form), removing (the
 * workbench falls back to demo mode when the account in use goes), and testing a connection.
 */
function useAccounts(backend: Backend, activeAccount: string, onUse: (name: string) => void) {
  const { t } = useTranslation();
  const [accounts, setAccounts] = useState<AccountView[] | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState<string | null>(null);
  const [reports, setReports] = useState<Record<string, ConnectionReport>>({});
  const [presets, setPresets] = useState<AssistantPreset[]>([]);
  useEffect(() => {
    backend.assistantPresets().then(setPresets).catch(() => setPresets([]));
  }, [backend]);

  const reload = useCallback(() => {
    backend
      .accounts()
      .then(setAccounts)
      .catch((e: unknown) => setError(describeError(e)));
  }, [backend]);
  useEffect(reload, [reload]);

  const edit = (view: AccountView) =>
    setDraft({
      previousName: view.account.name,
      account: { ...view.account },
      appKey: "",
      unionKey: "",
      supervisor: view.account.supervisor !== null,
      assistantKey: "",
      removeAssistantKey: false,
      ticketKeys: {},
      ticketKeysSet: view.ticket_keys,
    });

  const save = async () => {
    if (!draft) return;
    setSaving(true);
    setError(null);
    try {
      await backend.saveAccount({
        account: { ...draft.account, supervisor: draft.supervisor ? draft.account.supervisor ?? { union_code: "", email: "" } : null },
        previous_name: draft.previousName,
        app_key: draft.appKey ? draft.appKey : null,
        union_key: draft.supervisor && draft.unionKey ? draft.unionKey : null,
        assistant_key: draft.removeAssistantKey ? "" : draft.assistantKey ? draft.assistantKey : null,
        // Only credentials typed now; a system's stored one stays otherwise.
        ticket_keys: Object.entries(draft.ticketKeys)
          .filter(([, key]) => key)
          .map(([system, key]) => ({ system: system as SystemKind, key: key ?? "" })),
      });
      // The secrets leave the window's memory with the form.
      setDraft(null);
      reload();
    } catch (e) {
      setError(t("accounts.saveFailed", { message: describeError(e) }));
    } finally {
      setSaving(false);
    }
  };

  const remove = async (name: string) => {
    if (!window.confirm(t("accounts.confirmRemove", { name }))) return;
    try {
      await backend.removeAccount(name);
      if (activeAccount === name) onUse("");
      reload();
    } catch (e) {
      setError(describeError(e));
    }
  };

  const test = async (name: string) => {
    setTesting(name);
    try {
      const report = await backend.testAccount(name);
      setReports((r) => ({ ...r, [name]: report }));
    } catch (e) {
      setReports((r) => ({ ...r, [name]: { ok: false, problem: null, message: describeError(e) } }));
    } finally {
      setTesting(null);
    }
  };
  return { accounts, draft, setDraft, error, saving, testing, reports, presets, edit, save, remove, test };
}

/** One saved account: which secrets are set, its last connection test, and what can be done with it. */
function AccountItem({
  view,
  report,
  testing,
  inUse,
  onTest,
  onEdit,
  onRemove,
  onUse,
}: {
  view: AccountView;
  report: ConnectionReport | undefined;
  /** The account being tested, if any (one test at a time). */
  testing: string | null;
  inUse: boolean;
  onTest: () => void;
  onEdit: () => void;
  onRemove: () => void;
  onUse: (name: string) => void;
}) {
  const { t } = useTranslation();
  const a = view.account;
  return (
    <li className="account-item" data-testid="account-item" data-account-name={a.name}>
      <div>
        <strong>{a.name}</strong> · {t(`accounts.platforms.${a.platform}`)} · {a.base_url}
      </div>
      <div className="muted">
        {t("accounts.appidLabel")} {a.appid} · {t(view.has_app_key ? "accounts.keySet" : "accounts.keyMissing")}
        {a.supervisor && ` · ${t("accounts.supervisorLabel", { code: a.supervisor.union_code })} · ${t(view.has_union_key ? "accounts.unionKeySet" : "accounts.unionKeyMissing")}`}
        {a.assistant && ` · ${t("accounts.assistant.listed", { model: a.assistant.model })}${view.has_assistant_key ? ` · ${t("accounts.assistant.keySet")}` : ""}`}
      </div>
      <div className="row-actions">
        <button type="button" onClick={onTest} disabled={testing !== null} data-testid="account-test">
          {testing === a.name ? t("accounts.testing") : t("accounts.test")}
        </button>
        <button type="button" onClick={onEdit}>
          {t("accounts.edit")}
        </button>
        <button type="button" onClick={onRemove}>
          {t("accounts.remove")}
        </button>
        {inUse ? (
          <button type="button" onClick={() => onUse("")} data-testid="account-use-demo">
            {t("accounts.useDemo")}
          </button>
        ) : (
          <button type="button" onClick={() => onUse(a.name)} data-testid="account-use">
            {t("accounts.use")}
          </button>
        )}
      </div>
      {inUse && (
        <div className="muted" data-testid="account-in-use">
          {t("accounts.inUse")}
        </div>
      )}
      {report && (
        <div className={report.ok ? "report ok" : "report failed"} role="status" data-testid="account-report" data-ok={report.ok}>
          {report.ok ? t("accounts.testOk") : t(`accounts.problems.${report.problem ?? "refused"}`)} {report.message}
        </div>
      )}
    </li>
  );
}

/** The add/edit form. Secrets are typed here and leave with the form once saved. */
function AccountForm({
  draft,
  setDraft,
  presets,
  saving,
  onSave,
}: {
  draft: Draft;
  setDraft: (draft: Draft | null) => void;
  presets: AssistantPreset[];
  saving: boolean;
  onSave: () => void;
}) {
  const { t } = useTranslation();
  const setAccount = (patch: Partial<Account>) => setDraft({ ...draft, account: { ...draft.account, ...patch } });
  return (
    <form
      className="account-form"
      aria-label={draft.previousName ? t("accounts.editTitle", { name: draft.previousName }) : t("accounts.addTitle")}
      onSubmit={(e) => {
        e.preventDefault();
        onSave();
      }}
    >
      <Field label={t("accounts.name")}>
        <input required value={draft.account.name} onChange={(e) => setAccount({ name: e.target.value })} data-testid="account-name" />
      </Field>
      <label className="field">
        <span>{t("accounts.platform")}</span>
        <select
          value={draft.account.platform}
          onChange={(e) => {
            const platform = e.target.value as Platform;
            setAccount({ platform, base_url: platform === "sobot" ? SOBOT_BASE_URLS[0] : "http://127.0.0.1:" });
          }}
          data-testid="account-platform"
        >
          <option value="sobot">{t("accounts.platforms.sobot")}</option>
          <option value="sandbox">{t("accounts.platforms.sandbox")}</option>
        </select>
      </label>
      <label className="field">
        <span>{t("accounts.baseUrl")}</span>
        {draft.account.platform === "sobot" ? (
          <select value={draft.account.base_url} onChange={(e) => setAccount({ base_url: e.target.value })}>
            {SOBOT_BASE_URLS.map((url) => (
              <option key={url} value={url}>
                {t(`accounts.environments.${new URL(url).hostname.replace(/\./g, "_")}`)} · {url}
              </option>
            ))}
          </select>
        ) : (
          <input required value={draft.account.base_url} onChange={(e) => setAccount({ base_url: e.target.value })} data-testid="account-base-url" />
        )}
      </label>
      <Field label={t("accounts.appid")}>
        <input value={draft.account.appid} onChange={(e) => setAccount({ appid: e.target.value })} data-testid="account-appid" />
      </Field>
      <SecretField
        label={t("accounts.appKey")}
        value={draft.appKey}
        editing={draft.previousName !== null}
        onChange={(value) => setDraft({ ...draft, appKey: value })}
        testId="account-app-key"
      />
      <Field label={t("accounts.agentEmail")}>
        <input type="email" value={draft.account.agent_email} onChange={(e) => setAccount({ agent_email: e.target.value })} />
      </Field>
      <label>
        <input type="checkbox" checked={draft.supervisor} onChange={(e) => setDraft({ ...draft, supervisor: e.target.checked })} />{" "}
        {t("accounts.isSupervisor")}
      </label>
      {draft.supervisor && <SupervisorFields draft={draft} setDraft={setDraft} />}
      <AssistantProviderFields draft={draft} setDraft={setDraft} presets={presets} />
      <TicketSystemsFields
        systems={draft.account.tickets}
        onSystems={(tickets) => setAccount({ tickets })}
        keys={draft.ticketKeys}
        onKey={(system, key) => setDraft({ ...draft, ticketKeys: { ...draft.ticketKeys, [system]: key } })}
        keysSet={draft.ticketKeysSet}
      />
      <SaveOrCancel busy={saving} saveTestId="account-save" onCancel={() => setDraft(null)} />
    </form>
  );
}

/** The reply assistant's model provider: a preset or a custom OpenAI-compatible address, and its key. */
function AssistantProviderFields({
  draft,
  setDraft,
  presets,
}: {
  draft: Draft;
  setDraft: (draft: Draft) => void;
  presets: AssistantPreset[];
}) {
  const { t } = useTranslation();
  const setAccount = (patch: Partial<Account>) => setDraft({ ...draft, account: { ...draft.account, ...patch } });
  return (
    <fieldset className="assistant-provider">
      <legend>{t("accounts.assistant.title")}</legend>
      <PresetChoice draft={draft} setAccount={setAccount} presets={presets} />
      {draft.account.assistant && (
        <>
          <label className="field">
            <span>{t("accounts.assistant.baseUrl")}</span>
            <input
              required
              value={draft.account.assistant.base_url}
              data-testid="account-assistant-base-url"
              onChange={(e) => draft.account.assistant && setAccount({ assistant: { ...draft.account.assistant, base_url: e.target.value } })}
            />
          </label>
          {draft.account.assistant.base_url.includes("{") && <p className="muted">{t("accounts.assistant.fillIn")}</p>}
          <label className="field">
            <span>{t("accounts.assistant.model")}</span>
            <input
              required
              value={draft.account.assistant.model}
              data-testid="account-assistant-model"
              onChange={(e) => draft.account.assistant && setAccount({ assistant: { ...draft.account.assistant, model: e.target.value } })}
            />
          </label>
          <SecretField
            label={t("accounts.assistant.key")}
            value={draft.assistantKey}
            disabled={draft.removeAssistantKey}
            editing={draft.previousName !== null}
            onChange={(value) => setDraft({ ...draft, assistantKey: value })}
            testId="account-assistant-key"
          />
          {draft.previousName && (
            <label>
              <input
                type="checkbox"
                checked={draft.removeAssistantKey}
                onChange={(e) => setDraft({ ...draft, removeAssistantKey: e.target.checked, assistantKey: "" })}
              />{" "}
              {t("accounts.assistant.removeKey")}
            </label>
          )}
          <p className="muted">{t("assistant.policy.privacy")}</p>
        </>
      )}
    </fieldset>
  );
}

/** A supervisor's union login: the union code, the super-administrator's e-mail and the union key. */
function SupervisorFields({ draft, setDraft }: { draft: Draft; setDraft: (draft: Draft) => void }) {
  const { t } = useTranslation();
  const setAccount = (patch: Partial<Account>) => setDraft({ ...draft, account: { ...draft.account, ...patch } });
  return (
    <>
      <label className="field">
        <span>{t("accounts.unionCode")}</span>
        <input
          value={draft.account.supervisor?.union_code ?? ""}
          onChange={(e) => setAccount({ supervisor: { union_code: e.target.value, email: draft.account.supervisor?.email ?? "" } })}
        />
      </label>
      <label className="field">
        <span>{t("accounts.superEmail")}</span>
        <input
          type="email"
          value={draft.account.supervisor?.email ?? ""}
          onChange={(e) => setAccount({ supervisor: { union_code: draft.account.supervisor?.union_code ?? "", email: e.target.value } })}
        />
      </label>
      <SecretField
        label={t("accounts.unionKey")}
        value={draft.unionKey}
        editing={draft.previousName !== null}
        onChange={(value) => setDraft({ ...draft, unionKey: value })}
      />
    </>
  );
}

/** The provider: none, one of the presets (filling in its address and model), or a custom one. */
function PresetChoice({
  draft,
  setAccount,
  presets,
}: {
  draft: Draft;
  setAccount: (patch: Partial<Account>) => void;
  presets: AssistantPreset[];
}) {
  const { t } = useTranslation();
  return (
    <label className="field">
      <span>{t("accounts.assistant.provider")}</span>
      <select
        value={draft.account.assistant?.preset ?? ""}
        data-testid="account-assistant-preset"
        onChange={(e) => {
          const id = e.target.value;
          const preset = presets.find((p) => p.id === id);
          setAccount({
            assistant: !id
              ? null
              : preset
                ? { preset: id, base_url: preset.base_url, model: preset.model }
                : { preset: "custom", base_url: draft.account.assistant?.base_url ?? "https://", model: draft.account.assistant?.model ?? "" },
          });
        }}
      >
        <option value="">{t("accounts.assistant.none")}</option>
        {presets.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
            {p.local ? ` · ${t("accounts.assistant.local")}` : ""}
          </option>
        ))}
        <option value="custom">{t("accounts.assistant.custom")}</option>
      </select>
    </label>
  );
}
