// The top bar: agent status, account and merchant (with the tenant switcher), connection state (with the reconnect countdown),
// total unread, and Settings.

import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { AgentStatus, WorkbenchSnapshot } from "../backend/bindings";
import type { WorkbenchState } from "../state/workbench";
import { useNow } from "../useNow";
import { TenantSwitcher } from "./TenantSwitcher";

const BUSY_REASONS = [2, 3, 4, 5, 6, 7] as const;

function statusValue(status: AgentStatus): string {
  return status.status === "busy" ? `busy-${status.reason}` : status.status;
}

function parseStatus(value: string): AgentStatus {
  if (value.startsWith("busy-")) return { status: "busy", reason: Number(value.slice(5)) };
  return value === "offline" ? { status: "offline" } : { status: "online" };
}

export function TopBar(props: {
  state: WorkbenchState;
  status: AgentStatus;
  unread: number;
  onStatus: (status: AgentStatus) => void;
  onSettings: () => void;
  onSupervisor: () => void;
  onDashboard: () => void;
  /** The agent is about to open the dashboard (pointer over or focus on its button). */
  onDashboardIntent: () => void;
  dashboardOpen: boolean;
  backend: Backend;
  onTenantSwitched: (snapshot: WorkbenchSnapshot) => void;
}) {
  const { t } = useTranslation();
  const { state } = props;
  return (
    <header className="topbar" role="banner">
      <strong className="brand">{t("app.title")}</strong>
      <StatusChoice status={props.status} onStatus={props.onStatus} />
      <span className="muted" title={t("topbar.account")}>
        {state.snapshot?.account_name} · {state.snapshot?.agent_login}
      </span>
      <span className="muted topbar-label">{t("topbar.tenant")}:</span>
      <TenantSwitcher backend={props.backend} tenantName={state.snapshot?.tenant_name ?? ""} onSwitched={props.onTenantSwitched} />
      <span className="spacer" />
      {state.queueWaiting > 0 && <span className="muted">{t("topbar.queue", { count: state.queueWaiting })}</span>}
      <ConnectionState connection={state.connection} />
      <span className="unread-total" aria-label={t("topbar.unread", { count: props.unread })} data-testid="unread-total">
        {t("topbar.unread", { count: props.unread })}
      </span>
      <button
        type="button"
        onClick={props.onDashboard}
        onPointerEnter={props.onDashboardIntent}
        onFocus={props.onDashboardIntent}
        aria-pressed={props.dashboardOpen}
        data-testid="nav-dashboard"
      >
        {t("dashboard.open")}
      </button>
      <button type="button" onClick={props.onSupervisor} data-testid="open-supervisor">
        {t("supervisor.open")}
      </button>
      <button type="button" onClick={props.onSettings} data-testid="open-settings">
        {t("topbar.settings")}
      </button>
    </header>
  );
}

/** The agent's status on the platform: online, busy (with the platform's reasons) or offline. */
function StatusChoice({ status, onStatus }: { status: AgentStatus; onStatus: (status: AgentStatus) => void }) {
  const { t } = useTranslation();
  return (
    <label className="field">
      <span>{t("topbar.status")}</span>
      <select
        value={statusValue(status)}
        onChange={(e) => onStatus(parseStatus(e.target.value))}
        data-testid="agent-status"
      >
        <option value="online">{t("topbar.online")}</option>
        {BUSY_REASONS.map((reason) => (
          <option key={reason} value={`busy-${reason}`}>
            {reason === 2 ? t("topbar.busy") : `${t("topbar.busy")} · ${t(`topbar.busyReasons.${reason}`)}`}
          </option>
        ))}
        <option value="offline">{t("topbar.offline")}</option>
      </select>
    </label>
  );
}

/** The push connection's state, with the countdown to the next reconnect. */
function ConnectionState({ connection }: { connection: WorkbenchState["connection"] }) {
  const { t } = useTranslation();
  // Re-rendered every half second for the countdown; the rest of the bar is not.
  const now = useNow(500);
  const connectionText = (() => {
    switch (connection.state) {
      case "connecting":
        return t("topbar.connection.connecting");
      case "connected":
        return t("topbar.connection.connected");
      case "reconnecting":
        // The countdown runs from the moment the event arrived (approximately now).
        return t("topbar.connection.reconnecting", { seconds: Math.max(0, Math.ceil(connection.retry_in_ms / 1000)) });
      case "offline":
        return t("topbar.connection.offline", { reason: connection.reason });
    }
  })();
  void now;
  return (
    <span className={`connection connection-${connection.state}`} role="status" aria-live="polite" data-testid="connection-state">
      {connectionText}
    </span>
  );
}
