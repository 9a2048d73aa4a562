// The Customer tab: the 360° view of the customer in focus. It draws the cached view at once (with
// its "as of" time), then asks every source and redraws; a source that failed says what and when it
// is tried again, without holding up the others. Phone and e-mail are masked until the agent reveals
// them (the core audits each reveal). A parcel's summary goes into the reply box in one click. The
// platform's labels sit in the header; earlier sessions on every channel are listed under the orders.
// A parcel's tracking or an order's summary goes to the customer in one click, in their language, as
// does the merchant's form (its link tagged with the session); the customer's submissions to it show
// here, followed while the session is open.

import { useEffect, useLayoutEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { Card, CustomerView, OrderView, PersonalField, Session } from "../backend/bindings";
import { formMessage, orderMessage, trackingMessage } from "../customerMessages";
import type { Language } from "../i18n";
import { describeError } from "../errors";
import { ErrorLine } from "./formParts";
import { CustomerTickets } from "./tickets/CustomerTickets";

function CardNote<T>({ card }: { card: Card<T> }) {
  const { t, i18n } = useTranslation();
  const time = card.as_of_ms ? new Date(card.as_of_ms).toLocaleTimeString(i18n.language, { hour: "2-digit", minute: "2-digit" }) : null;
  if (card.state === "failed") {
    return (
      <div className="card-note failed" role="status">
        {t("customer.failed", { error: card.error ?? "" })}
        {card.retry_in_ms !== null && ` ${t("customer.retryIn", { seconds: Math.ceil(card.retry_in_ms / 1000) })}`}
        {time && ` ${t("customer.asOf", { time })}`}
      </div>
    );
  }
  if (card.state === "unconfigured") return <div className="card-note muted">{t("customer.unconfigured")}</div>;
  if (card.state === "cached" && time) return <div className="card-note muted">{t("customer.asOf", { time })}</div>;
  return null;
}

export function CustomerPanel(props: {
  backend: Backend;
  session: Session;
  onInsert: (text: string) => void;
  onSendToCustomer: (text: string) => void;
  customerLanguage: Language;
}) {
  const { t } = useTranslation();
  const { view, refreshing, error, revealed, reveal } = useCustomerView(props.backend, props.session.id, props.session.state !== "ended");
  const profile = view?.profile.value ?? null;
  const orders = view?.orders.value ?? null;
  const record = view?.record.value ?? null;
  const labels = [...(profile?.tags ?? []), ...(record?.labels ?? []).filter((l) => !(profile?.tags ?? []).includes(l))];
  return (
    <section data-testid="customer-panel" role="tabpanel" className="customer-panel" aria-busy={refreshing}>
      <header className="customer-header">
        <h2>{profile?.name ?? view?.name ?? props.session.visitor_name}</h2>
        {profile?.tier && <span className="tier">{profile.tier}</span>}
        {record?.vip_level && <span className="tier">{t("customer.vip", { level: record.vip_level })}</span>}
        {labels.map((tag) => (
          <span key={tag} className="tag">
            {tag}
          </span>
        ))}
        {refreshing && (
          <span className="muted" role="status">
            {t("customer.refreshing")}
          </span>
        )}
      </header>
      <Facts session={props.session} view={view} revealed={revealed} onReveal={(field) => void reveal(field)} />
      {view?.profile_source && <div className="card-note muted">{t("customer.from", { source: view.profile_source })}</div>}
      {view && <CardNote card={view.profile} />}
      {view && view.record.state === "failed" && <CardNote card={view.record} />}

      <h3>{t("customer.orders")}</h3>
      {view?.orders_source && <div className="card-note muted">{t("customer.from", { source: view.orders_source })}</div>}
      {view && <CardNote card={view.orders} />}
      {orders !== null && orders.length === 0 && <p className="muted">{t("customer.noOrders")}</p>}
      {orders === null && !view && <p className="muted">{t("customer.loading")}</p>}
      <ul className="orders">
        {orders?.map((order) => (
          <OrderItem
            key={order.id}
            order={order}
            onInsert={props.onInsert}
            onSend={props.onSendToCustomer}
            language={props.customerLanguage}
          />
        ))}
      </ul>
      {view?.form_title && (
        <Forms
          view={view}
          title={view.form_title}
          onSendLink={() =>
            props.backend
              .formLink(props.session.id)
              .then((link) => props.onSendToCustomer(formMessage(view.form_title ?? "", link, props.customerLanguage)))
          }
        />
      )}
      <CustomerTickets backend={props.backend} session={props.session} />
      <PastSessions view={view} />
      <ErrorLine message={error} />
    </section>
  );
}

/**
 * The customer's view for `sessionId`: the cached one at once, then the fresh one. Revealed
 * personal fields are forgotten when the session changes.
 */
/** How often an open session's view is asked again, so a form the customer submits shows (the
 * core asks each source only once its kept answer is older than the source's own freshness). */
const FOLLOW_MS = 15_000;

function useCustomerView(backend: Backend, sessionId: string, open: boolean) {
  const [view, setView] = useState<CustomerView | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<Partial<Record<PersonalField, string>>>({});

  // A layout effect, so the cached view is asked for before the new session's first paint rather
  // than after it (a frame sooner on screen).
  useLayoutEffect(() => {
    let current = true;
    setView(null);
    setRevealed({});
    setError(null);
    setRefreshing(true);
    backend
      .customerView(sessionId, false)
      .then((cached) => current && setView(cached))
      .catch(() => {});
    backend
      .customerView(sessionId, true)
      .then((fresh) => current && setView(fresh))
      .catch((e: unknown) => current && setError(describeError(e)))
      .finally(() => current && setRefreshing(false));
    return () => {
      current = false;
    };
  }, [backend, sessionId]);

  useEffect(() => {
    if (!open) return;
    let current = true;
    const timer = setInterval(() => {
      backend
        .customerView(sessionId, true)
        .then((fresh) => current && setView(fresh))
        .catch(() => {});
    }, FOLLOW_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [backend, sessionId, open]);

  const reveal = (field: PersonalField) =>
    backend
      .revealCustomerField(sessionId, field)
      .then((value) => setRevealed((r) => ({ ...r, [field]: value })))
      .catch((e: unknown) => setError(describeError(e)));

  return { view, refreshing, error, revealed, reveal };
}

/** What is known of the customer: channel, phone and e-mail (masked until revealed), the CRM's fields. */
function Facts({
  session,
  view,
  revealed,
  onReveal,
}: {
  session: Session;
  view: CustomerView | null;
  revealed: Partial<Record<PersonalField, string>>;
  onReveal: (field: PersonalField) => void;
}) {
  const { t } = useTranslation();
  const profile = view?.profile.value ?? null;
  const record = view?.record.value ?? null;
  return (
    <dl>
      <dt>{t("panel.channel")}</dt>
      <dd>{t(`channels.${session.channel}`)}</dd>
      {view?.phone && (
        <>
          <dt>{t("customer.phone")}</dt>
          <dd>
            {revealed.phone ?? view.phone}{" "}
            {!revealed.phone && (
              <button type="button" className="link" onClick={() => onReveal("phone")} data-testid="reveal-phone">
                {t("customer.reveal")}
              </button>
            )}
          </dd>
        </>
      )}
      {view?.email && (
        <>
          <dt>{t("customer.email")}</dt>
          <dd>
            {revealed.email ?? view.email}{" "}
            {!revealed.email && (
              <button type="button" className="link" onClick={() => onReveal("email")}>
                {t("customer.reveal")}
              </button>
            )}
          </dd>
        </>
      )}
      {profile?.lifetime_value && (
        <>
          <dt>{t("customer.lifetimeValue")}</dt>
          <dd>{profile.lifetime_value}</dd>
        </>
      )}
      {profile?.fields.map(([label, value]) => (
        <span key={label} style={{ display: "contents" }}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </span>
      ))}
      {record?.remark && (
        <>
          <dt>{t("customer.remark")}</dt>
          <dd>{record.remark}</dd>
        </>
      )}
    </dl>
  );
}

/** One order: its lines, and its parcel's journey with a button that puts the summary in the reply. */
function OrderItem({
  order,
  onInsert,
  onSend,
  language,
}: {
  order: OrderView;
  onInsert: (text: string) => void;
  onSend: (text: string) => void;
  language: Language;
}) {
  const { t } = useTranslation();
  const parcel = order.shipment?.value;
  return (
    <li className="order" data-testid="order-item">
      <div className="row">
        <strong>{order.id}</strong>
        {order.status && <span className="status">{order.status}</span>}
        {order.amount && <span className="muted">{order.amount}</span>}
        <button type="button" className="link" onClick={() => onSend(orderMessage(order, language))} data-testid="send-order">
          {t("customer.sendOrder")}
        </button>
      </div>
      {order.placed_at && <div className="muted">{t("customer.placedAt", { time: order.placed_at })}</div>}
      <ul className="lines">
        {order.lines.map((line, index) => (
          <li key={index}>
            {line.name}
            {line.quantity && ` × ${line.quantity}`}
            {line.price && ` · ${line.price}`}
          </li>
        ))}
      </ul>
      {order.shipment && (
        <div className="shipment">
          {parcel && (
            <>
              <div className="row">
                <span>
                  {parcel.carrier} {parcel.waybill} · {t(`customer.shipmentStates.${parcel.state}`, { defaultValue: parcel.state })}
                </span>
                <button type="button" className="link" onClick={() => onInsert(parcel.summary)} data-testid="insert-tracking">
                  {t("customer.insertTracking")}
                </button>
                <button type="button" className="link" onClick={() => onSend(trackingMessage(parcel, language))} data-testid="send-tracking">
                  {t("customer.sendTracking")}
                </button>
              </div>
              <ol className="timeline">
                {parcel.events.map((event, index) => (
                  <li key={index} data-testid="tracking-event">
                    <span className="muted">{event.at}</span> {event.place && <span className="muted">{event.place}</span>} {event.text}
                  </li>
                ))}
              </ol>
            </>
          )}
          <CardNote card={order.shipment} />
        </div>
      )}
    </li>
  );
}

/** The customer's earlier sessions on every channel. */
/** The merchant's form: its link sent in one click, and the customer's submissions, newest first. */
function Forms({ view, title, onSendLink }: { view: CustomerView; title: string; onSendLink: () => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const [failed, setFailed] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const submissions = view.forms.value ?? null;
  return (
    <>
      <h3>{t("customer.forms", { title })}</h3>
      <button
        type="button"
        className="link"
        onClick={() =>
          onSendLink()
            .then(() => setSent(true))
            .catch((e: unknown) => setFailed(describeError(e)))
        }
        data-testid="send-form"
      >
        {sent ? t("customer.formSent") : t("customer.sendForm")}
      </button>
      <CardNote card={view.forms} />
      {submissions !== null && submissions.length === 0 && <p className="muted">{t("customer.noSubmissions")}</p>}
      <ul className="form-submissions">
        {submissions?.map((submission) => (
          <li key={submission.serial_number} data-testid="form-submission">
            <div className="muted">
              {new Date(submission.created_at).toLocaleString(i18n.language)} · #{submission.serial_number}
              {!submission.tagged && ` · ${t("customer.matchedByPhone")}`}
            </div>
            <dl>
              {submission.fields.map((field) => (
                <div key={field.label} className="row">
                  <dt>{field.label}</dt>
                  <dd>{field.value}</dd>
                </div>
              ))}
            </dl>
          </li>
        ))}
      </ul>
      <ErrorLine message={failed} />
    </>
  );
}

function PastSessions({ view }: { view: CustomerView | null }) {
  const { t, i18n } = useTranslation();
  const history = view?.history.value ?? null;
  return (
    <>
      <h3>{t("customer.pastSessions")}</h3>
      {view && <CardNote card={view.history} />}
      {history !== null && history.length === 0 && <p className="muted">{t("customer.noPastSessions")}</p>}
      <ul className="past-sessions">
        {history?.map((past) => (
          <li key={past.cid} data-testid="past-session">
            <div className="row">
              <span>{new Date(past.started_ms).toLocaleDateString(i18n.language)}</span>
              {past.channel && <span className="tag">{t(`channels.${past.channel}`, { defaultValue: past.channel })}</span>}
              <span className="muted">{t("customer.messages", { count: past.messages })}</span>
            </div>
            {past.preview && <div className="preview">{past.preview}</div>}
          </li>
        ))}
      </ul>
    </>
  );
}
