// The payment link dialog (the conversation's "Payment link" action): which payment system, the
// amount (yuan, two decimals at most; the supervisor's largest shown), what it is for and how long
// it can be paid. The core makes the link once (the dialog's id names it: asked twice, it is one
// link) and sends it to the customer in the customer's language: a link to tap, or WeChat Pay's
// code as a QR image. What must be fixed is said by the core in words and kept on screen.

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { BackendError, type Backend } from "../../backend/backend";
import type { PaymentOptions, PaymentProvider, Session } from "../../backend/bindings";
import { paymentMessages } from "../../customerMessages";
import { describeError } from "../../errors";
import type { Language } from "../../i18n";
import { ErrorLine, Field } from "../formParts";

export function PaymentDialog(props: {
  backend: Backend;
  session: Session;
  customerLanguage: Language;
  onClose: () => void;
  onSent: (text: string) => void;
}) {
  const { t } = useTranslation();
  const [options, setOptions] = useState<PaymentOptions | null>(null);
  const [provider, setProvider] = useState<PaymentProvider | "">("");
  const [amount, setAmount] = useState("");
  const [subject, setSubject] = useState("");
  const [minutes, setMinutes] = useState("30");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One id per link asked for: a second click, or a retry after a lost answer, is the same link.
  const [attemptId, setAttemptId] = useState(() => crypto.randomUUID());

  useEffect(() => {
    props.backend
      .paymentOptions()
      .then((found) => {
        setOptions(found);
        setProvider(found.providers[0] ?? "");
        setMinutes(String(found.default_expire_minutes));
      })
      .catch((e) => setProblem(describeError(e)));
  }, [props.backend]);

  const unavailable = options?.unavailable ? describeError(options.unavailable) : null;

  const submit = async () => {
    if (!provider) return;
    const expire = Number(minutes);
    if (!/^\d+$/.test(minutes.trim()) || expire < 1) {
      setProblem(t("payments.minutesInvalid"));
      return;
    }
    if (!subject.trim()) {
      setProblem(t("payments.subjectMissing"));
      return;
    }
    setBusy(true);
    setProblem(null);
    const words = paymentMessages(amount.trim(), subject.trim(), expire, props.customerLanguage);
    try {
      await props.backend.createPaymentLink({
        attempt_id: attemptId,
        session_id: props.session.id,
        provider,
        amount: amount.trim(),
        subject: subject.trim(),
        expire_minutes: expire,
        link_message: words.link,
        scan_message: words.scan,
      });
      props.onSent(t("payments.sent", { amount: amount.trim() }));
      props.onClose();
    } catch (e) {
      setProblem(describeError(e));
      // An answer that never came keeps the id (the core looks the link up before asking again);
      // anything else was refused whole, and the corrected request is a new link.
      if (BackendError.from(e).reason.key !== "payment_no_answer") setAttemptId(crypto.randomUUID());
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="popover" role="dialog" aria-label={t("payments.title")} data-testid="payment-dialog">
      <h2>{t("payments.title")}</h2>
      {unavailable && (
        <p className="warning" role="alert" data-testid="payment-unavailable">
          {unavailable}
        </p>
      )}
      {options && !unavailable && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Field label={t("payments.provider")}>
            <select value={provider} onChange={(e) => setProvider(e.target.value as PaymentProvider)} data-testid="payment-provider">
              {options.providers.map((p) => (
                <option key={p} value={p}>
                  {t(`payments.providers.${p}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("payments.amount", { largest: options.largest_amount })}>
            <input
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              placeholder="0.00"
              onChange={(e) => setAmount(e.target.value)}
              data-testid="payment-amount"
            />
          </Field>
          <Field label={t("payments.subject")}>
            <input value={subject} maxLength={40} onChange={(e) => setSubject(e.target.value)} data-testid="payment-subject" />
          </Field>
          <Field label={t("payments.minutes")}>
            <input inputMode="numeric" value={minutes} onChange={(e) => setMinutes(e.target.value)} data-testid="payment-minutes" />
          </Field>
          <p className="muted">{t(provider === "wechat" ? "payments.wechatHint" : provider === "merchant" ? "payments.merchantHint" : "payments.alipayHint")}</p>
          <ErrorLine message={problem} />
          <div className="row-actions">
            <button type="submit" className="primary" disabled={busy || !provider} data-testid="payment-submit">
              {busy ? t("payments.sending") : t("payments.send")}
            </button>
            <button type="button" onClick={props.onClose}>
              {t("payments.cancel")}
            </button>
          </div>
        </form>
      )}
      {(!options || unavailable) && (
        <div className="row-actions">
          <ErrorLine message={options ? null : problem} />
          <button type="button" onClick={props.onClose}>
            {t("payments.cancel")}
          </button>
        </div>
      )}
    </div>
  );
}
