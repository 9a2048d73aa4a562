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
      {update?.state === "ready" && (
        <div className="notice" role="status" data-testid="update-banner" data-state="ready">
          <span>{t("updates.ready", { version: update.version })}</span>
          <button
            type="button"
            onClick={() =>
              void props.backend
                .restartToUpdate()
                .catch((error) => props.onNotice(t("updates.restartFailed", { message: describeError(error) })))
            }
          >
            {t("updates.restartNow")}
          </button>
          <button type="button" onClick={props.onDismissUpdate}>
            {t("updates.later")}
          </button>
        </div>
      )}
      {update?.state === "refused" && (
        <div className="warning" role="alert" data-testid="update-banner" data-state="refused" title={update.reason}>
          <span>{t("updates.refused", { version: update.version })}</span>
          <button type="button" onClick={props.onDismissUpdate}>
            {t("errors.dismiss")}
          </button>
        </div>
      )}
      {healthAlert && (
        <div className={healthAlert.raised ? "warning health-alert" : "notice"} role="alert" data-testid="api-health-alert" data-raised={healthAlert.raised}>
          <span>
            {healthAlert.raised
              ? t("health.alertRaised", {
                  percent: healthAlert.failure_percent,
                  failures: healthAlert.failures,
                  calls: healthAlert.calls,
                  endpoint: healthAlert.worst_endpoint ?? "",
                })
              : t("health.alertCleared", { percent: healthAlert.failure_percent })}
          </span>
          {!healthAlert.raised && (
            <button type="button" onClick={props.onDismissHealthAlert}>
              {t("errors.dismiss")}
            </button>
          )}
        </div>
      )}
    </>
  );
}
