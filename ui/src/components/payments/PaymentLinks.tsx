// The payment links of the open conversation, under its header: each with its system, amount, what
// it is for and where it stands (being made, being checked, waiting until a time, paid, closed,
// expired...), followed live from the core's events; an unpaid one can be closed. A link the
// customer must scan says so (its QR image is in the conversation).

import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../../backend/backend";
import type { PaymentProgress } from "../../backend/bindings";
import { useDeskEvents } from "../../backend/useDeskEvents";
import { describeError } from "../../errors";

const CLOSABLE = new Set(["waiting", "failed"]);

export function PaymentLinks(props: { backend: Backend; sessionId: string; onError: (error: unknown) => void }) {
  const { t, i18n } = useTranslation();
  const [links, setLinks] = useState<PaymentProgress[]>([]);
  const [closing, setClosing] = useState<string | null>(null);
  const { backend, sessionId, onError } = props;

  useEffect(() => {
    let current = true;
    setLinks([]);
    backend
      .sessionPaymentLinks(sessionId)
      .then((found) => current && setLinks(found))
      .catch(onError);
    return () => {
      current = false;
    };
  }, [backend, sessionId, onError]);

  const take = useCallback(
    (link: PaymentProgress) => {
      if (link.session_id !== sessionId) return;
      setLinks((known) => {
        const at = known.findIndex((l) => l.out_trade_no === link.out_trade_no);
        if (at < 0) return [...known, link];
        const next = known.slice();
        next[at] = link;
        return next;
      });
    },
    [sessionId],
  );
  useDeskEvents(backend, { payment: (event) => take(event.link) });

  const close = async (outTradeNo: string) => {
    setClosing(outTradeNo);
    try {
      take(await backend.closePaymentLink(outTradeNo));
    } catch (e) {
      onError(e);
    } finally {
      setClosing(null);
    }
  };

  if (links.length === 0) return null;
  const time = (ms: number) => new Date(ms).toLocaleTimeString(i18n.language, { hour: "2-digit", minute: "2-digit" });
  return (
    <ul className="payment-links" aria-label={t("payments.links")}>
      {links.map((link) => (
        <li key={link.out_trade_no} data-testid="payment-link" data-state={link.state} className={`payment-link ${link.state}`}>
          <strong>{t(`payments.providers.${link.provider}`)}</strong>
          <span>¥{link.paid_amount ?? link.amount}</span>
          <span className="muted">{link.subject}</span>
          <span role="status" data-testid="payment-state">
            {link.state === "waiting" ? t("payments.waitingUntil", { time: time(link.expires_at_ms) }) : t(`payments.states.${link.state}`)}
          </span>
          {link.scan_only && link.state === "waiting" && <span className="muted">{t("payments.qrSent")}</span>}
          {link.error && link.state !== "paid" && (
            <span className="warning" title={link.error.message}>
              {describeError(link.error)}
            </span>
          )}
          {CLOSABLE.has(link.state) && (
            <button type="button" disabled={closing === link.out_trade_no} onClick={() => void close(link.out_trade_no)} data-testid="payment-close">
              {t("payments.close")}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
