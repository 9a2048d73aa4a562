// Settings: language, theme, notification switches and sound, accounts, and the shortcut list.

import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { Settings } from "../backend/bindings";
import { AccountsSection } from "./AccountsSection";
import { ConnectorsSection } from "./ConnectorsSection";
import { shortcutLabel } from "../shortcuts";

export type Theme = "system" | "light" | "dark";

/** How long the audit log may be kept (the core accepts 7–3650 days). */
const AUDIT_RETENTION_CHOICES = [30, 90, 180, 365, 730, 1825];
/** The warning thresholds offered (the core accepts 50–95%). */
const MOOD_THRESHOLDS = [50, 55, 60, 65, 70, 75, 80, 85, 90, 95];

export function SettingsDialog(props: {
  settings: Settings;
  theme: Theme;
  onTheme: (theme: Theme) => void;
  onSave: (settings: Settings) => void;
  onClose: () => void;
  backend: Backend;
}) {
  const { t } = useTranslation();
  const { settings } = props;
  const set = (patch: Partial<Settings>) => props.onSave({ ...settings, ...patch });
  return (
    <div className="modal-backdrop" onClick={props.onClose}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={t("settings.title")} onClick={(e) => e.stopPropagation()} data-testid="settings">
        <h2>{t("settings.title")}</h2>
        <label className="field">
          <span>{t("settings.language")}</span>
          <select value={settings.language} onChange={(e) => set({ language: e.target.value })} data-testid="language-select">
            <option value="">{t("settings.followSystem")}</option>
            <option value="zh-CN">{t("settings.languageNames.zhCN")}</option>
            <option value="en">{t("settings.languageNames.en")}</option>
          </select>
        </label>
        <label className="field">
          <span>{t("settings.theme")}</span>
          <select value={props.theme} onChange={(e) => props.onTheme(e.target.value as Theme)}>
            {(["system", "light", "dark"] as Theme[]).map((theme) => (
              <option key={theme} value={theme}>
                {t(`settings.themes.${theme}`)}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>{t("settings.notifications")}</legend>
          <label>
            <input type="checkbox" checked={settings.notify_new_session} onChange={(e) => set({ notify_new_session: e.target.checked })} />{" "}
            {t("settings.notifyNewSession")}
          </label>
          <label>
            <input type="checkbox" checked={settings.notify_new_message} onChange={(e) => set({ notify_new_message: e.target.checked })} />{" "}
            {t("settings.notifyNewMessage")}
          </label>
          <label>
            <input type="checkbox" checked={settings.notification_sound} onChange={(e) => set({ notification_sound: e.target.checked })} />{" "}
            {t("settings.sound")}
          </label>
        </fieldset>
        <MoodSettings settings={settings} set={set} />
        <PrivacySettings settings={settings} set={set} />
        <fieldset>
          <legend>{t("settings.accounts")}</legend>
          <AccountsSection
            backend={props.backend}
            activeAccount={settings.active_account}
            onUse={(name) => set({ active_account: name })}
          />
        </fieldset>
        <fieldset>
          <legend>{t("settings.connectors")}</legend>
          <ConnectorsSection backend={props.backend} />
        </fieldset>
        <ShortcutList />
        <button type="button" className="primary" onClick={props.onClose} data-testid="close-settings">
          {t("settings.close")}
        </button>
      </div>
    </div>
  );
}

/** When a customer counts as upset, and whether the desktop says so. */
function MoodSettings({ settings, set }: { settings: Settings; set: (patch: Partial<Settings>) => void }) {
  const { t } = useTranslation();
  return (
    <fieldset>
      <legend>{t("settings.mood")}</legend>
      <label className="field">
        <span>{t("settings.moodThreshold")}</span>
        <select
          value={settings.mood_warning_percent}
          onChange={(e) => set({ mood_warning_percent: Number(e.target.value) })}
          data-testid="mood-threshold"
        >
          {MOOD_THRESHOLDS.map((percent) => (
            <option key={percent} value={percent}>
              {t("settings.percent", { percent })}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={settings.notify_upset_customer}
          onChange={(e) => set({ notify_upset_customer: e.target.checked })}
        />{" "}
        {t("settings.notifyUpsetCustomer")}
      </label>
      <p className="muted">{t("settings.moodHint")}</p>
    </fieldset>
  );
}

/** How long the audit log keeps its entries. */
function PrivacySettings({ settings, set }: { settings: Settings; set: (patch: Partial<Settings>) => void }) {
  const { t } = useTranslation();
  return (
    <fieldset>
      <legend>{t("settings.privacy")}</legend>
      <label className="field">
        <span>{t("settings.auditRetention")}</span>
        <select
          value={settings.audit_retention_days}
          onChange={(e) => set({ audit_retention_days: Number(e.target.value) })}
          data-testid="audit-retention"
        >
          {AUDIT_RETENTION_CHOICES.includes(settings.audit_retention_days) ? null : (
            <option value={settings.audit_retention_days}>{t("settings.days", { count: settings.audit_retention_days })}</option>
          )}
          {AUDIT_RETENTION_CHOICES.map((days) => (
            <option key={days} value={days}>
              {t("settings.days", { count: days })}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">{t("settings.auditHint")}</p>
    </fieldset>
  );
}

/** The keyboard shortcuts, as this system writes them. */
function ShortcutList() {
  const { t } = useTranslation();
  return (
    <fieldset>
      <legend>{t("settings.shortcuts")}</legend>
      <dl className="shortcuts">
        <dt>{shortcutLabel("Mod+J")}</dt>
        <dd>{t("settings.shortcutList.nextUnread")}</dd>
        <dt>{shortcutLabel("Mod+L")}</dt>
        <dd>{t("settings.shortcutList.focusComposer")}</dd>
        <dt>{shortcutLabel("Mod+Shift+E")}</dt>
        <dd>{t("settings.shortcutList.endSession")}</dd>
        <dt>{shortcutLabel("Mod+F")}</dt>
        <dd>{t("settings.shortcutList.search")}</dd>
        <dt>{shortcutLabel("Mod+Shift+M")}</dt>
        <dd>{t("settings.shortcutList.switchMerchant")}</dd>
        <dt>{shortcutLabel("Mod+Shift+D")}</dt>
        <dd>{t("settings.shortcutList.draft")}</dd>
        <dt>↑ / ↓</dt>
        <dd>{t("settings.shortcutList.move")}</dd>
      </dl>
    </fieldset>
  );
}
