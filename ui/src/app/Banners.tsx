// The strip under the top bar: demo mode, data not kept, a full disk, a notice for the agent, an
// update waiting, the API health alert. Each says what happened and what to do.

import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { ApiHealthAlert, UpdateStatus } from "../backend/bindings";
import { describeError } from "../errors";
import type { WorkbenchState } from "../state/workbench";

export function Banners(props: {
  state: WorkbenchState;
  backend: Backend;
  notice: string | null;
  onNotice: (notice: string | null) => void;
  onOpenSettings: () => void;
  update: UpdateStatus | null;
  onDismissUpdate: () => void;
  healthAlert: ApiHealthAlert | null;
  onDismissHealthAlert: () => void;
}) {
  const { t } = useTranslation();
  const { state, update, healthAlert, notice } = props;
  return (
    <>
      {state.snapshot?.mode === "demo" && (
        <div className="banner" role="note" data-testid="demo-banner">
          <span>{t("banner.demo")}</span>
          <button type="button" onClick={props.onOpenSettings}>
            {t("banner.openSettings")}
          </button>
        </div>
      )}
      {state.snapshot?.storage_warning && (
        <div className="notice" role="alert" data-testid="storage-warning">
          <span>{t("banner.notKept", { message: describeError(state.snapshot.storage_warning) })}</span>
        </div>
      )}
      {state.storageProblem && (
        <div className="warning" role="alert" data-testid="storage-problem">
          <span>{t("banner.storageProblem", { message: state.storageProblem })}</span>
        </div>
      )}
      {notice && (
        <div className="notice" role="alert">
          <span>{notice}</span>
          <button type="button" onClick={() => props.onNotice(null)}>
            {t("errors.dismiss")}
          </button>
        </div>
      )}
      {update && <UpdateBanner update={update} backend={props.backend} onNotice={props.onNotice} onDismiss={props.onDismissUpdate} />}
      {healthAlert && <HealthAlertBanner alert={healthAlert} onDismiss={props.onDismissHealthAlert} />}
    </>
  );
}

/** An update ready to install on restart, or one refused (and why, on hover). */
function UpdateBanner({
  update,
  backend,
  onNotice,
  onDismiss,
}: {
  update: UpdateStatus;
  backend: Backend;
  onNotice: (notice: string | null) => void;
  onDismiss: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
    {update.state === "ready" && (
      <div className="notice" role="status" data-testid="update-banner" data-state="ready">
        <span>{t("updates.ready", { version: update.version })}</span>
        <button
          type="button"
          onClick={() =>
            void backend
              .restartToUpdate()
              .catch((error) => onNotice(t("updates.restartFailed", { message: describeError(error) })))
          }
        >
          {t("updates.restartNow")}
        </button>
        <button type="button" onClick={onDismiss}>
          {t("updates.later")}
        </button>
      </div>
    )}
    {update.state === "refused" && (
      <div className="warning" role="alert" data-testid="update-banner" data-state="refused" title={update.reason}>
        <span>{t("updates.refused", { version: update.version })}</span>
        <button type="button" onClick={onDismiss}>
          {t("errors.dismiss")}
        </button>
      </div>
    )}
    </>
  );
}

/** The API health alert: raised (with the worst endpoint), or cleared. */
function HealthAlertBanner({ alert, onDismiss }: { alert: ApiHealthAlert; onDismiss: () => void }) {
  const { t } = useTranslation();
  return (
    <div className={alert.raised ? "warning health-alert" : "notice"} role="alert" data-testid="api-health-alert" data-raised={alert.raised}>
      <span>
        {alert.raised
          ? t("health.alertRaised", {
              percent: alert.failure_percent,
              failures: alert.failures,
              calls: alert.calls,
              endpoint: alert.worst_endpoint ?? "",
            })
          : t("health.alertCleared", { percent: alert.failure_percent })}
      </span>
      {!alert.raised && (
        <button type="button" onClick={onDismiss}>
          {t("errors.dismiss")}
        </button>
      )}
    </div>
  );
}
