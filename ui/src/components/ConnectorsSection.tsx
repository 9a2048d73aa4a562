// Settings → Connectors: the merchant's CRM and order-system connector files (added with
// `agentdesk-cli connector add`), what each provides, whether its key is in the keychain, and why a
// file cannot be used. A key typed here goes once to the core for the OS keychain and is cleared
// from the form; the window never reads a key back.

import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { ConnectorView } from "../backend/bindings";
import { describeError } from "../errors";
import { ErrorLine } from "./formParts";

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
          <ConnectorItem
            key={c.path}
            connector={c}
            typedKey={keys[c.name] ?? ""}
            onType={(value) => setKeys((k) => ({ ...k, [c.name]: value }))}
            saving={saving === c.name}
            onSave={() => void saveKey(c.name)}
          />
        ))}
      </ul>
      <ErrorLine message={error} />
    </div>
  );
}

/** One connector file: what it provides, whether its key is set (with a field to set it), or why it cannot be used. */
function ConnectorItem({
  connector,
  typedKey,
  onType,
  saving,
  onSave,
}: {
  connector: ConnectorView;
  typedKey: string;
  onType: (value: string) => void;
  saving: boolean;
  onSave: () => void;
}) {
  const { t } = useTranslation();
  return (
    <li data-testid="connector-row">
      <div className="row">
        <strong>{connector.name}</strong>
        {connector.preset && <span className="tag">{connector.preset}</span>}
        {connector.provides.map((role) => (
          <span key={role} className="tag">
            {t(`connectors.roles.${role}`, { defaultValue: role })}
          </span>
        ))}
        {connector.problem === null && <span className={connector.has_key ? "muted" : "warning"}>{connector.has_key ? t("connectors.keySet") : t("connectors.keyMissing")}</span>}
      </div>
      {connector.base_url && <div className="muted">{connector.base_url}</div>}
      {connector.problem !== null ? (
        <div className="error" role="alert">
          {t("connectors.unusable", { problem: connector.problem, path: connector.path })}
        </div>
      ) : (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            onSave();
          }}
        >
          <label>
            {connector.has_key ? t("connectors.replaceKey") : t("connectors.key")}
            <input
              type="password"
              autoComplete="off"
              data-testid="connector-key"
              value={typedKey}
              onChange={(e) => onType(e.target.value)}
            />
          </label>
          <button type="submit" disabled={saving || !typedKey.trim()} data-testid="connector-save-key">
            {saving ? t("connectors.saving") : t("connectors.saveKey")}
          </button>
        </form>
      )}
    </li>
  );
}
