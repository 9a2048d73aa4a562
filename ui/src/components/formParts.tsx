// The pieces every settings and supervisor form is built from, so each looks and behaves alike:
// a labelled field, a secret that keeps its old value unless typed over, the save/cancel row and the
// line that says what went wrong.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A label above its input. */
export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A password-style input for a key or secret. When editing, empty means "keep the stored one". */
export function SecretField({
  label,
  value,
  editing,
  onChange,
  testId,
  disabled = false,
}: {
  label: string;
  value: string;
  editing: boolean;
  onChange: (value: string) => void;
  testId?: string;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Field label={label}>
      <input
        type="password"
        autoComplete="off"
        value={value}
        disabled={disabled}
        placeholder={editing ? t("accounts.unchanged") : ""}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
      />
    </Field>
  );
}

/** The save and cancel buttons at the foot of a form; save says so while it works. */
export function SaveOrCancel({ busy, onCancel, saveTestId }: { busy: boolean; onCancel: () => void; saveTestId: string }) {
  const { t } = useTranslation();
  return (
    <div className="row-actions">
      <button type="submit" className="primary" disabled={busy} data-testid={saveTestId}>
        {busy ? t("accounts.saving") : t("accounts.save")}
      </button>
      <button type="button" onClick={onCancel}>
        {t("accounts.cancel")}
      </button>
    </div>
  );
}

/** What went wrong, announced to screen readers; nothing when nothing did. */
export function ErrorLine({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <div className="error" role="alert">
      {message}
    </div>
  );
}
