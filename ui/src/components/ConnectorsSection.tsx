// Settings → Connectors: the merchant's CRM and order-system connector files (added with
// `agentdesk-cli connector add`), what each provides, whether its key is in the keychain, and why a
// file cannot be used. A key typed here goes once to the core for the OS keychain and is cleared
// from the form; the window never reads a key back.

import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { ConnectorView } from "../backend/bindings";
import { describeError } from "../errors";

export function ConnectorsSection({ backend }: { backend: Backend }) {
  const { t } = useTranslation();
  const [connectors, setConnectors] = useState<ConnectorView[] | null>(null);
  const [keys, setKeys] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    backend
      .connectors()
      .then(setConnectors)
      .catch((e: unknown) => setError(describeError(e)));
  }, [backend]);
  useEffect(reload, [reload]);

  const saveKey = async (name: string) => {
    setSaving(name);
    setError(null);
    try {
      await backend.setConnectorKey(name, keys[name] ?? "");
      setKeys((k) => ({ ...k, [name]: "" }));
      reload();
    } catch (e) {
      setError(t("connectors.saveFailed", { message: describeError(e) }));
    } finally {
      setSaving(null);
    }
  };

  return (
    <div className="connectors" data-testid="connectors">
      <p className="muted">{t("connectors.help")}</p>
      {connectors === null && !error && <p role="status">{t("connectors.loading")}</p>}
      {connectors?.length === 0 && <p className="muted">{t("connectors.none")}</p>}
      <ul className="account-list">
        {connectors?.map((c) => (
          <li key={c.path} data-testid="connector-row">
            <div className="row">
              <strong>{c.name}</strong>
              {c.preset && <span className="tag">{c.preset}</span>}
              {c.provides.map((role) => (
                <span key={role} className="tag">
                  {t(`connectors.roles.${role}`, { defaultValue: role })}
                </span>
              ))}
              {c.problem === null && <span className={c.has_key ? "muted" : "warning"}>{c.has_key ? t("connectors.keySet") : t("connectors.keyMissing")}</span>}
            </div>
            {c.base_url && <div className="muted">{c.base_url}</div>}
            {c.problem !== null ? (
              <div className="error" role="alert">
                {t("connectors.unusable", { problem: c.problem, path: c.path })}
              </div>
            ) : (
              <form
                className="row"
                onSubmit={(e) => {
                  e.preventDefault();
                  void saveKey(c.name);
                }}
              >
                <label>
                  {c.has_key ? t("connectors.replaceKey") : t("connectors.key")}
                  <input
                    type="password"
                    autoComplete="off"
                    data-testid="connector-key"
                    value={keys[c.name] ?? ""}
                    onChange={(e) => setKeys((k) => ({ ...k, [c.name]: e.target.value }))}
                  />
                </label>
                <button type="submit" disabled={saving === c.name || !(keys[c.name] ?? "").trim()} data-testid="connector-save-key">
                  {saving === c.name ? t("connectors.saving") : t("connectors.saveKey")}
                </button>
              </form>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
