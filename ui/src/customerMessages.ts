// What the agent sends the customer in one click from the Customer tab: a parcel's latest tracking
// or an order's summary, written in the customer's language (not the agent's), from the one
// catalogue of strings. The customer's language is the one they write in: Chinese when their
// newest message has Chinese characters, English otherwise.

import type { Message, OrderView, ShipmentView } from "./backend/bindings";
import { saidIn } from "./format";
import { i18n, type Language } from "./i18n";

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** The language the customer writes in: their newest message with words (typed, or spoken and
 * read); `fallback` before they wrote. */
export function customerLanguage(messages: Message[], fallback: Language): Language {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    const words = message.direction === "in" ? saidIn(message) : null;
    if (!words) continue;
    return CJK.test(words) ? "zh-CN" : "en";
  }
  return fallback;
}

/** The parcel's carrier, state and latest scan (time, place, what happened), as one message. */
export function trackingMessage(parcel: ShipmentView, language: Language): string {
  const t = i18n.getFixedT(language);
  const carrier = t(`customerMessages.carriers.${parcel.carrier}`, { defaultValue: parcel.carrier });
  const state = t(`customer.shipmentStates.${parcel.state}`, { defaultValue: parcel.state });
  const last = parcel.events[0];
  if (!last) return t("customerMessages.trackingNoScan", { carrier, waybill: parcel.waybill, state });
  return t("customerMessages.tracking", {
    carrier,
    waybill: parcel.waybill,
    state,
    time: last.at,
    place: last.place ? t("customerMessages.place", { place: last.place }) : "",
    scan: last.text,
  });
}

/** The order's number, state, amount, date and items, as one message. */
export function orderMessage(order: OrderView, language: Language): string {
  const t = i18n.getFixedT(language);
  const items = order.lines
    .map((line) => (line.quantity ? t("customerMessages.item", { name: line.name, quantity: line.quantity }) : line.name))
    .join(t("customerMessages.itemSeparator"));
  const parts = [
    order.status ? t("customerMessages.orderStatus", { status: order.status }) : null,
    order.amount ? t("customerMessages.orderAmount", { amount: order.amount }) : null,
    order.placed_at ? t("customerMessages.orderPlaced", { time: order.placed_at }) : null,
    items ? t("customerMessages.orderItems", { items }) : null,
  ].filter((part): part is string => part !== null);
  return t("customerMessages.order", { id: order.id, details: parts.join(t("customerMessages.partSeparator")) });
}

/** The words sent with a payment link: `link` keeps `{link}` for the core to put the link in;
 * `scan` goes under the QR image of a code the customer scans in WeChat. */
export function paymentMessages(amount: string, subject: string, minutes: number, language: Language): { link: string; scan: string } {
  const t = i18n.getFixedT(language);
  const words = { amount, subject, minutes, link: "{link}" };
  return { link: t("customerMessages.paymentLink", words), scan: t("customerMessages.paymentScan", words) };
}

/** The merchant's form, sent to the customer: its name and its link (tagged with the session). */
export function formMessage(title: string, link: string, language: Language): string {
  return i18n.getFixedT(language)("customerMessages.form", { title, link });
}
