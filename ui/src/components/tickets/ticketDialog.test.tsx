// The Create ticket dialog: leaves of the category tree only, filtered as the agent types; a required
// template field named before anything is sent; the draft kept across closing; created with its
// number from the core's event; the refusal reasons worded in the agent's language.

import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { BackendError } from "../../backend/backend";
import type { Message, Session } from "../../backend/bindings";
import { FakeBackend } from "../../backend/fakeBackend";
import { describeError } from "../../errors";
import { initI18n } from "../../i18n";
import { leafCategories, TicketDialog } from "./TicketDialog";

const session: Session = { id: "c1", visitor_id: "u1", visitor_name: "王芳", channel: "web", state: "active", started_at_ms: 0, rating: null };
const said = (content: string): Message => ({
  session_id: "c1", msg_id: "m1", client_msg_id: null, direction: "in", kind: "text", content, sender_name: "王芳", sent_at_ms: 0, status: "sent",
});

describe("the ticket dialog", () => {
  beforeEach(() => initI18n("en"));
  afterEach(cleanup);

  it("offers only leaves, names a missing required field before sending, and shows the created number", async () => {
    const backend = new FakeBackend();
    const create = vi.spyOn(backend, "createTicket");
    const close = vi.fn();
    const view = render(<TicketDialog backend={backend} session={session} messages={[said("我要退款")]} selection="" onClose={close} />);
    await screen.findByTestId("ticket-category-T110");
    expect(screen.queryByTestId("ticket-category-T100")).toBeNull();
    expect((screen.getByTestId("ticket-title") as HTMLInputElement).value).toBe("我要退款");
    expect((screen.getByTestId("ticket-content") as HTMLTextAreaElement).value).toBe("王芳: 我要退款");
    fireEvent.change(screen.getByTestId("ticket-category-filter"), { target: { value: "投诉" } });
    expect(screen.queryByTestId("ticket-category-T110")).toBeNull();
    fireEvent.change(screen.getByTestId("ticket-category-filter"), { target: { value: "退" } });
    fireEvent.click(screen.getByTestId("ticket-category-T110"));
    await screen.findByTestId("ticket-field-F1");
    fireEvent.click(screen.getByTestId("ticket-submit"));
    expect(screen.getByRole("alert").textContent).toBe('"订单号" is required.');
    expect(create).not.toHaveBeenCalled();

    // Closed and opened again: the draft is still there.
    view.unmount();
    render(<TicketDialog backend={backend} session={session} messages={[]} selection="" onClose={close} />);
    const orderField = await screen.findByTestId("ticket-field-F1");
    fireEvent.change(orderField, { target: { value: "8812" } });
    fireEvent.click(screen.getByTestId("ticket-submit"));
    await waitFor(() => expect(screen.getByTestId("ticket-state").dataset.state).toBe("created"));
    expect(screen.getByTestId("ticket-number").textContent).toBe("GD10001");
    expect(create).toHaveBeenCalledTimes(1);
    expect(create.mock.calls[0][0]).toMatchObject({ type_id: "T110", fields: [{ id: "F1", value: "8812" }], session_id: "c1" });

    // Created: the next ticket of the session starts afresh, with an attempt of its own.
    cleanup();
    render(<TicketDialog backend={backend} session={session} messages={[]} selection="" onClose={close} />);
    await screen.findByTestId("ticket-submit");
    expect(screen.queryByTestId("ticket-state")).toBeNull();
    expect((screen.getByTestId("ticket-title") as HTMLInputElement).value).toBe("");
  });

  it("takes the title from the assistant's summary and copies agents by their e-mails", async () => {
    const backend = new FakeBackend();
    backend.assistantPolicy = { ...backend.assistantPolicy, enabled: true };
    backend.assistantProvider = "sandbox";
    const create = vi.spyOn(backend, "createTicket");
    render(<TicketDialog backend={backend} session={{ ...session, id: "c2" }} messages={[said("我要投诉")]} selection="快递员态度很差" onClose={() => {}} />);
    expect((screen.getByTestId("ticket-content") as HTMLTextAreaElement).value).toBe("快递员态度很差");
    fireEvent.click(await screen.findByTestId("ticket-title-assist"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
    expect(backend.assistCalls[0].input).toEqual({ task: "summary" });
    act(() => backend.assistDone("", { summary: "客户投诉快递员态度\n第二行" }));
    await waitFor(() => expect((screen.getByTestId("ticket-title") as HTMLInputElement).value).toBe("客户投诉快递员态度"));
    fireEvent.click(await screen.findByTestId("ticket-category-T200"));
    fireEvent.change(screen.getByTestId("ticket-copied"), { target: { value: "lead@shop.test, finance" } });
    fireEvent.click(screen.getByTestId("ticket-submit"));
    expect(screen.getByRole("alert").textContent).toBe('"finance" is not an e-mail address; copy agents by their e-mail.');
    expect(create).not.toHaveBeenCalled();
    fireEvent.change(screen.getByTestId("ticket-copied"), { target: { value: "lead@shop.test，finance@shop.test" } });
    fireEvent.click(screen.getByTestId("ticket-submit"));
    await waitFor(() => expect(create).toHaveBeenCalledTimes(1));
    expect(create.mock.calls[0][0].copied).toEqual([
      { email: "lead@shop.test", name: "lead" },
      { email: "finance@shop.test", name: "finance" },
    ]);
  });

  it("words the core's ticket refusals in the agent's language", () => {
    initI18n("zh-CN");
    const refused = new BackendError("platform", "sobot refused", {
      key: "ticket_refused", system: "sobot", code: "900003", words: { en: "the app key is wrong", zh: "app key 不正确" },
    });
    expect(describeError(refused)).toBe("智齿工单 拒绝了请求：app key 不正确（900003）");
    const draft = new BackendError("invalid_input", "x", { key: "ticket_draft", problem: { key: "not_a_leaf", name: "售后" } });
    expect(describeError(draft)).toBe("“售后”下还有子分类，请选择其中之一。");
  });

  it("flattens the category tree into its leaves with their paths", () => {
    const leaves = leafCategories([
      { id: "a", name: "售后", leaf: false, children: [{ id: "b", name: "退款", leaf: true, children: [] }] },
      { id: "c", name: "投诉", leaf: true, children: [] },
    ]);
    expect(leaves).toEqual([
      { id: "b", path: "售后 / 退款" },
      { id: "c", path: "投诉" },
    ]);
  });
});
