// API health: per-endpoint success rate and latency against the targets (success ≥ 99.9%, mean
// < 800 ms), the failure share over the alert window, the push connection and the outbox, and the
// write-backs to the merchant's systems that did not go through (retrying, failed, or held because
// they may have arrived). Live.

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type { ApiHealthView, WriteBackView } from "../../backend/bindings";
import { useDeskEvents } from "../../backend/useDeskEvents";
import { describeError } from "../../errors";

/** The health figures are local (no platform call), so they refresh often. */
const HEALTH_REFRESH_MS = 3_000;

export function ApiHealthPanel({ backend }: { backend: Backend }) {
  const { t } = useTranslation();
  const { view, error } = useApiHealth(backend);

  const endpoints = view
    ? [...view.endpoints].sort((a, b) => b.failures - a.failures || b.calls - a.calls || a.endpoint.localeCompare(b.endpoint))
    : [];
  const connection = view?.push.state?.state ?? "connecting";

  return (
    <section className="api-health" data-testid="api-health" aria-label={t("health.title")}>
      <h2>{t("health.title")}</h2>
      {error && <p role="alert">{t("health.failed", { message: error })}</p>}
      {!view && !error && <p className="muted" role="status">{t("health.loading")}</p>}
      {view && (
        <>
          <p className={view.alert_since_ms ? "health-summary failing" : "health-summary"} data-testid="api-health-summary">
            {view.alert_since_ms
              ? t("health.alerting", {
                  percent: view.window_failure_percent,
                  minutes: view.window_minutes,
                  since: new Date(view.alert_since_ms).toLocaleTimeString(),
                })
              : t("health.healthy", {
                  percent: view.window_failure_percent,
                  calls: view.window_calls,
                  minutes: view.window_minutes,
                  threshold: view.alert_failure_percent,
                })}
          </p>
          <p className="muted">
            {t("health.push", {
              state: t(`topbar.connectionShort.${connection}`),
              uptime: view.push.uptime_percent,
              reconnects: view.push.reconnects,
            })}
            {" · "}
            {t("health.outbox", { count: view.outbox_depth })}
          </p>
          <EndpointTable view={view} endpoints={endpoints} />
        </>
      )}
      <WriteBacksNeedingALook backend={backend} />
    </section>
  );
}

/** Write-backs looked at this often: they change on the worker's tries, seconds apart at most. */
const WRITE_BACKS_REFRESH_MS = 10_000;
const WRITE_BACKS_READ = 100;

/** The write-backs to the merchant's systems that are not through: retrying after an error, failed,
 * or held as `unknown` (they may have arrived; someone checks the system). */
function WriteBacksNeedingALook({ backend }: { backend: Backend }) {
  const { t, i18n } = useTranslation();
  const [items, setItems] = useState<WriteBackView[] | null>(null);
  useEffect(() => {
    let current = true;
    const load = () =>
      backend
        .writeBacks(WRITE_BACKS_READ)
        .then((found) => current && setItems(found.filter((w) => w.state === "failed" || w.state === "unknown" || (w.state === "pending" && w.last_error))))
        .catch(() => current && setItems(null));
    void load();
    const timer = setInterval(load, WRITE_BACKS_REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [backend]);
  if (!items) return null;
  return (
    <div data-testid="write-backs">
      <h3>{t("health.writeBacks")}</h3>
      {items.length === 0 && <p className="muted">{t("health.writeBacksAllThrough")}</p>}
      <ul>
        {items.map((item) => (
          <li key={item.id} data-testid="write-back" data-state={item.state}>
            <strong>{t(`health.writeBackStates.${item.state}`)}</strong> · {item.connector} · {item.action} ·{" "}
            {t("health.writeBackSession", { session: item.session_id, attempts: item.attempts })} ·{" "}
            {new Date(item.updated_at_ms).toLocaleTimeString(i18n.language)}
            {item.last_error && <div className="muted">{item.last_error}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The health figures, read every `HEALTH_REFRESH_MS` and at once when an alert is raised or cleared. */
function useApiHealth(backend: Backend) {
  const [view, setView] = useState<ApiHealthView | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Counts alerts raised or cleared: each reads the figures again at once. */
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let current = true;
    const load = () =>
      backend
        .apiHealth()
        .then((next) => {
          if (!current) return;
          setView(next);
          setError(null);
        })
        .catch((e) => current && setError(describeError(e)));
    void load();
    const timer = setInterval(load, HEALTH_REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [backend, reloads]);
  // An alert raised or cleared shows at once.
  useDeskEvents(backend, { api_health: () => setReloads((n) => n + 1) });
  return { view, error };
}

/** Each endpoint's figures against the targets, the worst first. */
function EndpointTable({ view, endpoints }: { view: ApiHealthView; endpoints: ApiHealthView["endpoints"] }) {
  const { t } = useTranslation();
  return (
    <table>
      <caption>{t("health.targets", { success: view.target_success_percent, mean: view.target_mean_ms })}</caption>
      <thead>
        <tr>
          <th scope="col">{t("health.endpoint")}</th>
          <th scope="col">{t("health.calls")}</th>
          <th scope="col">{t("health.success")}</th>
          <th scope="col">{t("health.mean")}</th>
          <th scope="col">{t("health.p50")}</th>
          <th scope="col">{t("health.p95")}</th>
          <th scope="col">{t("health.p99")}</th>
          <th scope="col">{t("health.target")}</th>
        </tr>
      </thead>
      <tbody>
        {endpoints.map((e) => (
          <tr key={e.endpoint} data-testid="api-health-endpoint" data-endpoint={e.endpoint} className={e.meets_target ? "" : "below-target"}>
            <td>{e.endpoint}</td>
            <td>{e.calls}</td>
            <td>{e.success_percent}%</td>
            <td>{t("health.milliseconds", { value: Math.round(e.mean_ms) })}</td>
            <td>{t("health.milliseconds", { value: Math.round(e.p50_ms) })}</td>
            <td>{t("health.milliseconds", { value: Math.round(e.p95_ms) })}</td>
            <td>{t("health.milliseconds", { value: Math.round(e.p99_ms) })}</td>
            <td>{e.meets_target ? t("health.met") : t("health.missed")}</td>
          </tr>
        ))}
        {endpoints.length === 0 && (
          <tr>
            <td colSpan={8} className="muted">
              {t("health.noCalls")}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
