// The conversation's rows: one day separator wherever the local day changes, none within a day.

import { describe, expect, it } from "vitest";

import type { Message } from "../backend/bindings";
import { rows } from "./Conversation";

function message(n: number, at: Date): Message {
  return {
    session_id: "c1", msg_id: `m${n}`, client_msg_id: null, direction: "in", kind: "text",
    content: `m${n}`, sender_name: "王芳", sent_at_ms: at.getTime(), status: "sent",
  };
}

describe("rows", () => {
  it("puts a separator before the first message of each day", () => {
    const list = [
      message(1, new Date(2026, 10, 19, 23, 59)),
      message(2, new Date(2026, 10, 20, 0, 0)),
      message(3, new Date(2026, 10, 20, 12, 0)),
      message(4, new Date(2026, 10, 20, 23, 59, 59)),
      message(5, new Date(2026, 10, 22, 8, 0)),
    ];
    const kinds = rows(list).map((r) => (r.kind === "day" ? `day` : r.message.msg_id));
    expect(kinds).toEqual(["day", "m1", "day", "m2", "m3", "m4", "day", "m5"]);
    expect(new Set(rows(list).map((r) => r.key)).size).toBe(8);
  });

  it("is empty for no messages", () => {
    expect(rows([])).toEqual([]);
  });
});
