import { beforeAll, describe, expect, it } from "vitest";

import type { Message, OrderView, ShipmentView } from "./backend/bindings";
import { customerLanguage, orderMessage, trackingMessage } from "./customerMessages";
import { initI18n } from "./i18n";

function message(direction: "in" | "out", content: string, kind: Message["kind"] = "text"): Message {
  return {
    session_id: "c1",
    msg_id: "m",
    client_msg_id: null,
    direction,
    kind,
    content,
    sender_name: "x",
    sent_at_ms: 0,
    status: "sent",
  };
}

const parcel: ShipmentView = {
  carrier: "shunfeng",
  waybill: "SF1234567890",
  state: "in_transit",
  events: [
    { at: "2026-12-07 10:20", place: "深圳", text: "快件已到达深圳转运中心" },
    { at: "2026-12-06 18:02", place: "广州", text: "已揽收" },
  ],
  summary: "shunfeng SF1234567890: 快件已到达深圳转运中心 (2026-12-07 10:20, 深圳)",
};

const order: OrderView = {
  id: "#LM1001",
  status: "已发货",
  amount: "299.00 CNY",
  placed_at: "2026-12-05",
  lines: [
    { name: "降噪耳机", quantity: "1", price: "299.00" },
    { name: "耳机套", quantity: null, price: null },
  ],
  shipment: null,
};

describe("what is sent to the customer from the Customer tab", () => {
  beforeAll(() => {
    // The agent works in English: the customer's language still decides.
    initI18n("en");
  });

  it("is in the language the customer writes in", () => {
    expect(customerLanguage([message("in", "我的快递到哪了？"), message("out", "Checking")], "en")).toBe("zh-CN");
    expect(customerLanguage([message("in", "在吗"), message("in", "Where is my parcel?")], "zh-CN")).toBe("en");
    expect(customerLanguage([message("in", "/img.png", "image"), message("in", "你好")], "en")).toBe("zh-CN");
    expect(customerLanguage([message("out", "您好")], "en")).toBe("en");
  });

  it("tells the parcel's carrier, state and latest scan", () => {
    expect(trackingMessage(parcel, "zh-CN")).toBe(
      "您的包裹（顺丰速运 SF1234567890）当前状态：运输中。最新动态：2026-12-07 10:20【深圳】 快件已到达深圳转运中心",
    );
    expect(trackingMessage(parcel, "en")).toBe(
      "Your parcel (SF Express SF1234567890) is in transit. Latest update 2026-12-07 10:20, 深圳: 快件已到达深圳转运中心",
    );
    const unknownCarrier = { ...parcel, carrier: "acme", events: [] };
    expect(trackingMessage(unknownCarrier, "en")).toBe("Your parcel (acme SF1234567890) is in transit; the carrier has no updates yet.");
  });

  it("sums an order up", () => {
    expect(orderMessage(order, "zh-CN")).toBe(
      "您的订单 #LM1001：状态 已发货，金额 299.00 CNY，下单时间 2026-12-05，商品：降噪耳机 × 1、耳机套。",
    );
    expect(orderMessage({ ...order, status: null, lines: [] }, "en")).toBe(
      "Your order #LM1001: amount 299.00 CNY; placed 2026-12-05.",
    );
  });
});
