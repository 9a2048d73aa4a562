// A few sessions for working on the UI in a plain browser (`npm run dev`), without the core.

import { FakeBackend } from "./fakeBackend";

export function demoFakeBackend(): FakeBackend {
  const backend = new FakeBackend();
  const now = Date.now();
  backend.addSession({ id: "c1", visitor_id: "u1", visitor_name: "王芳", channel: "wechat", state: "active", started_at_ms: now - 300_000, rating: null });
  backend.addSession({ id: "c2", visitor_id: "u2", visitor_name: "Emma Lee", channel: "web", state: "active", started_at_ms: now - 120_000, rating: null });
  backend.customerWrites("c1", "你好，我的订单LM123456789什么时候发货？", now - 290_000);
  backend.customerWrites("c2", "Where is my parcel?", now - 100_000);
  return backend;
}
