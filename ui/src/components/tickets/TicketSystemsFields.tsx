// The account form's ticket systems: which systems its merchants file tickets in (Sobot 工单 on the
// account's own key; Jira, Zendesk and Qiyu with their address, user and credential), and which
// merchants each serves. The credential is typed into a password field and goes to the keychain.

import { useTranslation } from "react-i18next";

import type { SystemKind, TicketSystemSettings } from "../../backend/bindings";
import { Field, SecretField } from "../formParts";

const SYSTEMS: SystemKind[] = ["sobot", "jira", "zendesk", "qiyu"];

function newSystem(system: SystemKind): TicketSystemSettings {
  return { system, tenants: [], base_url: "", user: "", project: "", issue_type: system === "jira" ? "Task" : "", staff_id: "" };
}

export function TicketSystemsFields(props: {
  systems: TicketSystemSettings[];
  onSystems: (systems: TicketSystemSettings[]) => void;
  /** Credentials as typed, by system ("" keeps the stored one). */
  keys: Partial<Record<SystemKind, string>>;
  onKey: (system: SystemKind, key: string) => void;
  /** The systems whose credential the keychain holds. */
  keysSet: SystemKind[];
}) {
  const { t } = useTranslation();
  const change = (index: number, patch: Partial<TicketSystemSettings>) =>
    props.onSystems(props.systems.map((s, i) => (i === index ? { ...s, ...patch } : s)));
  const unused = SYSTEMS.filter((kind) => !props.systems.some((s) => s.system === kind));
  return (
    <fieldset className="ticket-systems" data-testid="account-ticket-systems">
      <legend>{t("tickets.settings.title")}</legend>
      {props.systems.map((system, index) => (
        <div key={system.system} className="ticket-system" data-testid={`account-tickets-${system.system}`}>
          <div className="row">
            <strong>{t(`tickets.systems.${system.system}`)}</strong>
            <button type="button" onClick={() => props.onSystems(props.systems.filter((_, i) => i !== index))}>
              {t("tickets.remove")}
            </button>
          </div>
          <Field label={t("tickets.settings.tenants")}>
            <input
              value={system.tenants.join(", ")}
              placeholder={t("tickets.settings.allTenants")}
              onChange={(e) =>
                change(index, {
                  tenants: e.target.value
                    .split(/[,，\s]+/)
                    .map((v) => v.trim())
                    .filter(Boolean),
                })
              }
            />
          </Field>
          {system.system === "sobot" ? (
            <p className="muted">{t("tickets.settings.sobotUsesAccount")}</p>
          ) : (
            <>
              <Field label={t("tickets.settings.baseUrl")}>
                <input value={system.base_url} placeholder={t(`tickets.settings.baseUrlHint.${system.system}`)} onChange={(e) => change(index, { base_url: e.target.value })} />
              </Field>
              <Field label={t(system.system === "qiyu" ? "tickets.settings.appKey" : "tickets.settings.email")}>
                <input value={system.user} onChange={(e) => change(index, { user: e.target.value })} />
              </Field>
              {system.system === "jira" && (
                <div className="row">
                  <Field label={t("tickets.settings.project")}>
                    <input value={system.project} onChange={(e) => change(index, { project: e.target.value })} />
                  </Field>
                  <Field label={t("tickets.settings.issueType")}>
                    <input value={system.issue_type} onChange={(e) => change(index, { issue_type: e.target.value })} />
                  </Field>
                </div>
              )}
              {system.system === "qiyu" && (
                <Field label={t("tickets.settings.staffId")}>
                  <input value={system.staff_id} onChange={(e) => change(index, { staff_id: e.target.value })} />
                </Field>
              )}
              <SecretField
                label={t(system.system === "qiyu" ? "tickets.settings.appSecret" : "tickets.settings.apiToken")}
                value={props.keys[system.system] ?? ""}
                editing={props.keysSet.includes(system.system)}
                onChange={(value) => props.onKey(system.system, value)}
              />
            </>
          )}
        </div>
      ))}
      {unused.length > 0 && (
        <label className="field">
          <span>{t("tickets.settings.add")}</span>
          <select value="" onChange={(e) => e.target.value && props.onSystems([...props.systems, newSystem(e.target.value as SystemKind)])} data-testid="account-tickets-add">
            <option value="">{t("tickets.choose")}</option>
            {unused.map((kind) => (
              <option key={kind} value={kind}>
                {t(`tickets.systems.${kind}`)}
              </option>
            ))}
          </select>
        </label>
      )}
    </fieldset>
  );
}
