// The agent's notes about a customer: kept by the core (encrypted), never in the webview's storage;
// saved as the agent types and when they move on; an old plain note moves into the core and leaves.

import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { BackendError } from "../backend/backend";
import type { Session } from "../backend/bindings";
import { FakeBackend } from "../backend/fakeBackend";
import { initI18n } from "../i18n";
import { CustomerNotes } from "./CustomerNotes";

const session = (id: string, visitor: string): Session => ({
  id, visitor_id: visitor, visitor_name: visitor, channel: "web", state: "active", started_at_ms: Date.now(), rating: null,
});

function setUp() {
  const backend = new FakeBackend();
  const first = session("c1", "u1");
  const other = session("c2", "u2");
  const returning = session("c3", "u1");
  for (const s of [first, other, returning]) backend.addSession(s);
  return { backend, first, other, returning };
}

function plainStorageKeys(): string[] {
  return Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i)!);
}

describe("customer notes", () => {
  beforeEach(() => {
    initI18n("en");
    localStorage.clear();
  });
  afterEach(cleanup);

  it("are saved to the core as the agent types, never to the webview's storage", async () => {
    const { backend, first, returning } = setUp();
    const save = vi.spyOn(backend, "saveCustomerNote");
    const view = render(<CustomerNotes backend={backend} session={first} />);
    const box = await screen.findByTestId("customer-note");
    await waitFor(() => expect((box as HTMLTextAreaElement).disabled).toBe(false));
    fireEvent.change(box, { target: { value: "只接受下午来电" } });
    expect(screen.getByTestId("customer-note-status").textContent).toBe("Saving…");
    fireEvent.change(box, { target: { value: "只接受下午来电，手机 13812345678" } });
    await waitFor(() => expect(screen.getByTestId("customer-note-status").textContent).toMatch(/^Saved at/), { timeout: 2000 });
    // One save for the burst of typing, with the last text.
    expect(save).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenCalledWith("c1", "只接受下午来电，手机 13812345678");
    expect(plainStorageKeys().filter((k) => k.includes("note"))).toEqual([]);
    // The same customer in a later session sees it.
    view.rerender(<CustomerNotes backend={backend} session={returning} />);
    await waitFor(() => expect((screen.getByTestId("customer-note") as HTMLTextAreaElement).value).toBe("只接受下午来电，手机 13812345678"));
  });

  it("are saved at once when the agent moves to another session before the pause", async () => {
    const { backend, first, other } = setUp();
    const view = render(<CustomerNotes backend={backend} session={first} />);
    const box = await screen.findByTestId("customer-note");
    await waitFor(() => expect((box as HTMLTextAreaElement).disabled).toBe(false));
    fireEvent.change(box, { target: { value: "退款已处理" } });
    view.rerender(<CustomerNotes backend={backend} session={other} />);
    await waitFor(() => expect(backend.notes.get("u1")?.text).toBe("退款已处理"));
    await waitFor(() => expect((screen.getByTestId("customer-note") as HTMLTextAreaElement).value).toBe(""));
    expect(backend.notes.has("u2")).toBe(false);
  });

  it("move from the old plain storage into the core, keeping both texts", async () => {
    const { backend, first, other } = setUp();
    localStorage.setItem("agentdesk.note.u1", "旧备注：VIP");
    localStorage.setItem("agentdesk.note.u2", "second customer, from before");
    backend.notes.set("u2", { text: "already in the core", updated_at_ms: 1 });
    const view = render(<CustomerNotes backend={backend} session={first} />);
    await waitFor(() => expect((screen.getByTestId("customer-note") as HTMLTextAreaElement).value).toBe("旧备注：VIP"));
    expect(backend.notes.get("u1")?.text).toBe("旧备注：VIP");
    expect(localStorage.getItem("agentdesk.note.u1")).toBeNull();
    view.rerender(<CustomerNotes backend={backend} session={other} />);
    await waitFor(() =>
      expect((screen.getByTestId("customer-note") as HTMLTextAreaElement).value).toBe("already in the core\n\nsecond customer, from before"),
    );
    expect(localStorage.getItem("agentdesk.note.u2")).toBeNull();
  });

  it("say why a save failed and keep the text", async () => {
    const { backend, first } = setUp();
    vi.spyOn(backend, "saveCustomerNote").mockRejectedValue(new BackendError("storage", "database or disk is full"));
    render(<CustomerNotes backend={backend} session={first} />);
    const box = await screen.findByTestId("customer-note");
    await waitFor(() => expect((box as HTMLTextAreaElement).disabled).toBe(false));
    fireEvent.change(box, { target: { value: "重要" } });
    const status = await screen.findByRole("alert", {}, { timeout: 2000 });
    expect(status.textContent).toContain("database or disk is full");
    expect(status.textContent).toContain("keep typing to try again");
    expect((box as HTMLTextAreaElement).value).toBe("重要");
  });
});
