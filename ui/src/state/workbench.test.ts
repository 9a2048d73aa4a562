import { describe, expect, it } from "vitest";

import type { DomainEvent, Message, Session, WorkbenchSnapshot } from "../backend/bindings";
import { compareMessages, initialState, nextUnread, reduce, sessionsForTab, totalUnread, upsertMessage, type WorkbenchState } from "./workbench";

function session(id: string, overrides: Partial<Session> = {}): Session {
  return { id, visitor_id: `u-${id}`, visitor_name: `Visitor ${id}`, channel: "web", state: "active", started_at_ms: 1000, rating: null, ...overrides };
}

/** The customer's `n`th message, at platform time `n` seconds by default. */
function inbound(sessionId: string, n: number, at = n * 1000): Message {
  return {
    session_id: sessionId, msg_id: `m-${sessionId}-${n}`, client_msg_id: null, direction: "in", kind: "text",
    content: `message ${n}`, sender_name: "Visitor", sent_at_ms: at, status: "sent",
  };
}

const label = (m: Message) => m.msg_id ?? m.client_msg_id;

function pending(sessionId: string, clientId: string, at: number): Message {
  return {
    session_id: sessionId, msg_id: null, client_msg_id: clientId, direction: "out", kind: "text",
    content: `reply ${clientId}`, sender_name: "Agent", sent_at_ms: at, status: "pending",
  };
}

function loaded(sessions: Session[]): WorkbenchState {
  const snapshot: WorkbenchSnapshot = {
    workspace: 1, tenant_id: "shop", mode: "demo", account_name: "Sandbox", tenant_name: "Shop", agent_login: "a***@x",
    sessions: sessions.map((s) => ({ session: s, last_message: null })),
    connection: { state: "connected" },
    storage_warning: null, storage_problem: null,
  };
  return reduce(initialState, { type: "snapshot", snapshot });
}

const event = (state: WorkbenchState, e: DomainEvent) => reduce(state, { type: "events", events: [{ kind: "domain", workspace: state.workspace, event: e }], now: 0 });

describe("message ordering", () => {
  it("orders by the platform's time, a reply not confirmed yet by when it was written", () => {
    const list = [pending("a", "p2", 5000), inbound("a", 3), pending("a", "p1", 1500), inbound("a", 1), inbound("a", 2)];
    expect([...list].sort(compareMessages).map(label)).toEqual(["m-a-1", "p1", "m-a-2", "m-a-3", "p2"]);
  });

  it("keeps arrival order within one time (a push carries whole seconds)", () => {
    const list = [inbound("a", 2, 1000), inbound("a", 1, 1000)];
    expect([...list].sort(compareMessages).map(label)).toEqual(["m-a-2", "m-a-1"]);
  });

  it("inserts an out-of-order arrival in its place and replaces duplicates", () => {
    let list = [inbound("a", 1), inbound("a", 3)];
    list = upsertMessage(list, inbound("a", 2));
    list = upsertMessage(list, inbound("a", 2));
    expect(list.map(label)).toEqual(["m-a-1", "m-a-2", "m-a-3"]);
  });

  it("counts catch-ups so that a loaded conversation is read again", () => {
    let state = loaded([session("a")]);
    state = event(state, { type: "session_caught_up", session_id: "a" });
    state = event(state, { type: "session_caught_up", session_id: "a" });
    expect(state.caughtUp).toEqual({ a: 2 });
  });
});

describe("unread counts", () => {
  it("counts inbound messages of sessions not in focus, and clears on selection", () => {
    let state = loaded([session("a"), session("b")]);
    state = reduce(state, { type: "select", sessionId: "a" });
    state = event(state, { type: "message_stored", message: inbound("a", 1) });
    state = event(state, { type: "message_stored", message: inbound("b", 1) });
    state = event(state, { type: "message_stored", message: inbound("b", 2) });
    expect(state.unread).toEqual({ b: 2 });
    expect(totalUnread(state)).toBe(2);
    expect(nextUnread(state)).toBe("b");
    state = reduce(state, { type: "select", sessionId: "b" });
    expect(totalUnread(state)).toBe(0);
    expect(nextUnread(state)).toBeNull();
  });

  it("does not count the agent's own messages", () => {
    let state = loaded([session("a")]);
    state = event(state, { type: "message_stored", message: pending("a", "p1", 5) });
    expect(totalUnread(state)).toBe(0);
  });
});

describe("optimistic sends", () => {
  it("shows a pending copy at once and completes it in place when the platform confirms", () => {
    let state = loaded([session("a")]);
    state = reduce(state, { type: "select", sessionId: "a" });
    state = reduce(state, { type: "messagesLoaded", sessionId: "a", messages: [inbound("a", 1)] });
    state = reduce(state, { type: "optimisticSend", message: pending("a", "c1", 5000) });
    expect(state.messages.a.map((m) => m.status)).toEqual(["sent", "pending"]);
    // The core's own pending copy (same client id) arrives: still one message.
    state = event(state, { type: "message_stored", message: { ...pending("a", "c1", 5001), sender_name: "Tester" } });
    expect(state.messages.a).toHaveLength(2);
    state = event(state, { type: "message_status_changed", session_id: "a", client_msg_id: "c1", status: "sent", msg_id: "m9", error: null, failure: null });
    expect(state.messages.a.map((m) => [m.msg_id, m.status])).toEqual([["m-a-1", "sent"], ["m9", "sent"]]);
    expect(state.lastMessage.a?.client_msg_id).toBe("c1");
  });

  it("marks a refused send failed with its reason", () => {
    let state = loaded([session("a")]);
    state = reduce(state, { type: "messagesLoaded", sessionId: "a", messages: [] });
    state = reduce(state, { type: "optimisticSend", message: pending("a", "c1", 10) });
    state = reduce(state, { type: "sendFailed", sessionId: "a", clientMsgId: "c1", error: "the message is empty" });
    expect(state.messages.a[0].status).toBe("failed");
    expect(state.sendErrors.c1).toBe("the message is empty");
  });

  it("keeps optimistic messages when the conversation is reloaded", () => {
    let state = loaded([session("a")]);
    state = reduce(state, { type: "messagesLoaded", sessionId: "a", messages: [] });
    state = reduce(state, { type: "optimisticSend", message: pending("a", "c1", 2000) });
    state = reduce(state, { type: "messagesLoaded", sessionId: "a", messages: [inbound("a", 1)] });
    expect(state.messages.a.map(label)).toEqual(["m-a-1", "c1"]);
  });
});

describe("session tabs", () => {
  it("waiting holds open sessions whose customer spoke last, longest wait first", () => {
    let state = loaded([session("a"), session("b"), session("c", { state: "ended" })]);
    state = event(state, { type: "message_stored", message: inbound("a", 1, 5000) });
    state = event(state, { type: "message_stored", message: inbound("b", 1, 2000) });
    state = event(state, { type: "message_stored", message: inbound("c", 1, 1000) });
    expect(sessionsForTab(state, "waiting", "").map((s) => s.id)).toEqual(["b", "a"]);
    state = event(state, { type: "message_stored", message: { ...pending("b", "r", 6000), status: "pending" } });
    expect(sessionsForTab(state, "waiting", "").map((s) => s.id)).toEqual(["a"]);
    expect(sessionsForTab(state, "ended", "").map((s) => s.id)).toEqual(["c"]);
    expect(sessionsForTab(state, "mine", "visitor b").map((s) => s.id)).toEqual(["b"]);
  });

  it("follows session end and rating events", () => {
    let state = loaded([session("a")]);
    state = event(state, { type: "session_rated", session_id: "a", score: 4 });
    state = event(state, { type: "session_ended", session_id: "a" });
    expect(state.sessions.a).toMatchObject({ state: "ended", rating: 4 });
  });
});

describe("retrying", () => {
  it("a retry clears the error and shows the message pending again", () => {
    let state = loaded([session("a")]);
    state = reduce(state, { type: "messagesLoaded", sessionId: "a", messages: [] });
    state = reduce(state, { type: "optimisticSend", message: pending("a", "c1", 10) });
    state = reduce(state, { type: "sendFailed", sessionId: "a", clientMsgId: "c1", error: "offline" });
    expect(state.unsentLocally.c1).toBe(true);
    state = reduce(state, { type: "retrying", sessionId: "a", clientMsgId: "c1" });
    expect(state.messages.a[0].status).toBe("pending");
    expect(state.sendErrors.c1).toBeUndefined();
    expect(state.unsentLocally.c1).toBeUndefined();
  });
});

describe("memory", () => {
  it("keeps only the open conversation, and messages the core never accepted", () => {
    let state = loaded([session("a"), session("b")]);
    state = reduce(state, { type: "select", sessionId: "a" });
    state = reduce(state, { type: "messagesLoaded", sessionId: "a", messages: [inbound("a", 1)] });
    state = reduce(state, { type: "optimisticSend", message: pending("a", "lost", 5) });
    state = reduce(state, { type: "sendFailed", sessionId: "a", clientMsgId: "lost", error: "offline" });
    state = reduce(state, { type: "select", sessionId: "b" });
    expect(state.messages.a.map((m) => m.client_msg_id)).toEqual(["lost"]);
    expect(state.messages.b).toBeUndefined();
  });
});

describe("batched events", () => {
  it("a batch leaves the same state as its events one by one", () => {
    const start = loaded([session("a"), session("b")]);
    const events: DomainEvent[] = [
      { type: "message_stored", message: inbound("a", 2) },
      { type: "message_stored", message: inbound("a", 1) },
      { type: "visitor_typing", session_id: "b" },
      { type: "message_stored", message: inbound("b", 1) },
      { type: "session_opened", session: session("c") },
      { type: "session_ended", session_id: "a" },
    ];
    const oneByOne = events.reduce(event, start);
    const batched = reduce(start, { type: "events", events: events.map((event) => ({ kind: "domain" as const, workspace: 1, event })), now: 0 });
    expect(batched).toEqual(oneByOne);
    expect(totalUnread(batched)).toBe(3);
    expect(sessionsForTab(batched, "ended", "").map((s) => s.id)).toEqual(["a"]);
  });
});

describe("tenant switches", () => {
  const snapshotOf = (workspace: number, tenant: string, sessions: Session[]): WorkbenchSnapshot => ({
    workspace, tenant_id: tenant, tenant_name: tenant, mode: "demo", account_name: "Sandbox", agent_login: "a***@x",
    sessions: sessions.map((s) => ({ session: s, last_message: null })), connection: { state: "connected" }, storage_warning: null, storage_problem: null,
  });

  it("a new workspace starts from nothing and ignores the previous one's late events", () => {
    let state = reduce(initialState, { type: "snapshot", snapshot: snapshotOf(1, "a", [session("a1")]) });
    state = reduce(state, { type: "events", now: 0, events: [{ kind: "domain", workspace: 1, event: { type: "message_stored", message: inbound("a1", 1) } }] });
    state = reduce(state, { type: "select", sessionId: "a1" });
    expect(totalUnread(state)).toBe(0);
    state = reduce(state, { type: "events", now: 0, events: [{ kind: "domain", workspace: 1, event: { type: "message_stored", message: inbound("a1", 2) } }] });

    // Tenant b's first event overtakes its snapshot; a late event of tenant a follows it.
    state = reduce(state, {
      type: "events",
      now: 0,
      events: [
        { kind: "domain", workspace: 2, event: { type: "session_opened", session: session("b2") } },
        { kind: "domain", workspace: 1, event: { type: "session_opened", session: session("a9") } },
      ],
    });
    expect(Object.keys(state.sessions).sort()).toEqual(["a1"]);
    state = reduce(state, { type: "snapshot", snapshot: snapshotOf(2, "b", [session("b1")]) });
    expect(Object.keys(state.sessions).sort()).toEqual(["b1", "b2"]);
    expect(state.selected).toBeNull();
    expect(state.messages).toEqual({});
    expect(totalUnread(state)).toBe(0);
    expect(state.lastMessage.a1).toBeUndefined();
    state = reduce(state, { type: "events", now: 0, events: [{ kind: "domain", workspace: 1, event: { type: "message_stored", message: inbound("a1", 3) } }] });
    expect(state.sessions.a1).toBeUndefined();
    expect(state.lastMessage.a1).toBeUndefined();
  });
});
