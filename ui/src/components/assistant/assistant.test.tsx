// The reply assistant in the workbench against the in-memory backend: a draft streams into the
// area beside the composer, is inserted (never sent) and its fate counted when the agent sends; a
// failure keeps the partial text and says what to do; steps that outrun the command's answer are not
// lost; the summary form is filled in; the supervisor's policy turns it off with a reason.

import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { App } from "../../App";
import { FakeBackend } from "../../backend/fakeBackend";
import { initI18n } from "../../i18n";

async function openSession(before: (backend: FakeBackend) => void = () => {}) {
  const backend = new FakeBackend();
  backend.addSession({ id: "c1", visitor_id: "u1", visitor_name: "王芳", channel: "wechat", state: "active", started_at_ms: Date.now(), rating: null });
  backend.customerWrites("c1", "我的快递到哪了？");
  before(backend);
  render(<App backend={backend} />);
  fireEvent.click((await screen.findAllByTestId("session-item")).find((i) => i.dataset.sessionId === "c1")!);
  await waitFor(() => expect(screen.getByTestId("assistant-status").dataset.on).toBe("true"));
  return backend;
}

const area = () => screen.getByTestId("assist-area");
const draftText = () => (screen.getByTestId("assist-text") as HTMLTextAreaElement).value;
const composer = () => screen.getByTestId("composer") as HTMLTextAreaElement;

describe("reply assistant", () => {
  beforeEach(() => {
    initI18n("en");
    localStorage.clear();
  });
  afterEach(cleanup);

  it("streams a draft, cites its articles, inserts it for the agent, and counts it sent as written", async () => {
    const backend = await openSession();
    fireEvent.click(screen.getByTestId("assist-draft"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
    expect(backend.assistCalls[0]).toMatchObject({ sessionId: "c1", input: { task: "draft" }, agentLanguage: "en" });
    await waitFor(() => expect(area().dataset.state).toBe("streaming"));
    act(() => backend.assistStep({ kind: "text", text: "您好，" }));
    act(() => backend.assistStep({ kind: "text", text: "包裹已到<b>上海</b>。" }));
    expect(draftText()).toBe("您好，包裹已到<b>上海</b>。");
    expect(screen.getByTestId("assist-text").hasAttribute("readonly")).toBe(true);
    // Nothing is offered for sending while it streams.
    expect(screen.queryByTestId("assist-insert")).toBeNull();
    act(() => backend.assistDone("您好，包裹已到<b>上海</b>。", { articles: [{ id: "kb-7", title: "查询物流" }] }));
    expect(area().dataset.state).toBe("done");
    expect(screen.getByTestId("assist-sources").textContent).toContain("查询物流");
    expect(area().querySelector("b")).toBeNull();

    fireEvent.click(screen.getByTestId("assist-insert"));
    expect(composer().value).toBe("您好，包裹已到<b>上海</b>。");
    expect(screen.queryByTestId("assist-area")).toBeNull();
    expect(backend.sent).toHaveLength(0);
    fireEvent.keyDown(composer(), { key: "Enter" });
    await waitFor(() => expect(backend.draftFates).toEqual([{ callId: "call-1", fate: "sent" }]));
    expect(backend.sent[0].text).toBe("您好，包裹已到<b>上海</b>。");
  });

  it("counts a draft the agent changed as edited, and a discarded one as discarded", async () => {
    const backend = await openSession();
    fireEvent.click(screen.getByTestId("assist-draft"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
    act(() => backend.assistDone("您好，已为您查询。"));
    fireEvent.click(screen.getByTestId("assist-insert"));
    fireEvent.change(composer(), { target: { value: "您好，已为您查询，预计明天送达。" } });
    fireEvent.keyDown(composer(), { key: "Enter" });
    await waitFor(() => expect(backend.draftFates).toEqual([{ callId: "call-1", fate: "edited" }]));

    fireEvent.click(screen.getByTestId("assist-draft"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(2));
    act(() => backend.assistDone("另一份草稿"));
    fireEvent.click(screen.getByTestId("assist-discard"));
    await waitFor(() => expect(backend.draftFates.at(-1)).toEqual({ callId: "call-2", fate: "discarded" }));
    expect(composer().value).toBe("");
  });

  it("keeps a cut-off answer marked partial and says what happened; the composer still sends", async () => {
    const backend = await openSession();
    fireEvent.click(screen.getByTestId("assist-draft"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
    act(() => backend.assistStep({ kind: "waiting", seconds: 3, reason: "rate limited" }));
    expect(screen.getByTestId("assist-progress").textContent).toContain("3 s");
    act(() => backend.assistStep({ kind: "text", text: "您好，您的订单" }));
    act(() => backend.assistDone("您好，您的订单", { partial: true, problem: "cut", error: "the stream ended early" }));
    expect(area().dataset.state).toBe("partial");
    expect(screen.getByTestId("assist-partial").textContent).toMatch(/Partial/);
    expect(screen.getByTestId("assist-problem").textContent).toMatch(/cut off/);
    expect(draftText()).toBe("您好，您的订单");
    fireEvent.change(composer(), { target: { value: "我自己来回复" } });
    fireEvent.keyDown(composer(), { key: "Enter" });
    await waitFor(() => expect(backend.sent).toHaveLength(1));
  });

  it("stops a streaming answer on request, and a provider that cannot be reached is said in words", async () => {
    const backend = await openSession();
    fireEvent.click(screen.getByTestId("assist-draft"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId("assist-stop")).toBeTruthy());
    fireEvent.click(screen.getByTestId("assist-stop"));
    await waitFor(() => expect(backend.cancelledCalls).toEqual(["call-1"]));

    fireEvent.click(screen.getByTestId("assist-draft"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(2));
    act(() => backend.assistDone("", { problem: "unreachable", error: "connection refused" }));
    expect(area().dataset.state).toBe("failed");
    expect(screen.getByTestId("assist-problem").textContent).toMatch(/could not be reached/);
    expect(screen.queryByTestId("assist-insert")).toBeNull();
  });

  it("does not lose text that arrives before the core has answered with the call's id", async () => {
    const backend = await openSession();
    let release!: () => void;
    const started = backend.startAssist.bind(backend);
    backend.startAssist = async (...args) => {
      const id = await started(...args);
      // The stream outruns the command's answer.
      backend.assistStep({ kind: "text", text: "先到的字" }, id);
      await new Promise<void>((resolve) => (release = resolve));
      return id;
    };
    fireEvent.click(screen.getByTestId("assist-draft"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
    act(() => release());
    await waitFor(() => expect(draftText()).toBe("先到的字"));
    act(() => backend.assistStep({ kind: "text", text: "，后到的字" }));
    expect(draftText()).toBe("先到的字，后到的字");
  });

  it("rewrites and translates the agent's reply with the original beside it, and replaces the reply", async () => {
    const backend = await openSession();
    fireEvent.click(screen.getByTestId("assist-rewrite-warmer"));
    expect(screen.getByRole("status").textContent ?? "").not.toBe("");
    expect(backend.assistCalls).toHaveLength(0);
    fireEvent.change(composer(), { target: { value: "已发货" } });
    fireEvent.click(screen.getByTestId("assist-rewrite-warmer"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
    expect(backend.assistCalls[0].input).toEqual({ task: "rewrite", text: "已发货", style: "warmer" });
    act(() => backend.assistDone("亲，您的包裹已经发出啦～"));
    expect(screen.getByTestId("assist-original").textContent).toBe("已发货");
    fireEvent.click(screen.getByTestId("assist-insert"));
    expect(composer().value).toBe("亲，您的包裹已经发出啦～");

    fireEvent.click(screen.getByTestId("assist-translate-out"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(2));
    expect(backend.assistCalls[1].input).toEqual({ task: "translate", text: "亲，您的包裹已经发出啦～", to: "customer" });

    fireEvent.click(screen.getByTestId("assist-translate-in"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(3));
    expect(backend.assistCalls[2].input).toEqual({ task: "translate", text: "我的快递到哪了？", to: "en" });
    // The previous call, still streaming, was stopped.
    expect(backend.cancelledCalls).toContain("call-2");
    act(() => backend.assistDone("Where is my parcel?"));
    expect(screen.getByTestId("assist-original").textContent).toBe("我的快递到哪了？");
    expect(draftText()).toBe("Where is my parcel?");
    // A translation of the customer's words is for the agent to read, not to send.
    expect(screen.queryByTestId("assist-insert")).toBeNull();
  });

  it("drafts from the keyboard", async () => {
    const backend = await openSession();
    fireEvent.keyDown(window, { key: "D", ctrlKey: true, shiftKey: true });
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
  });

  it("fills in the service summary for the agent to check and submit", async () => {
    const backend = await openSession();
    const submitted: string[] = [];
    const original = backend.submitSummary.bind(backend);
    backend.submitSummary = async (...args: Parameters<FakeBackend["submitSummary"]>) => {
      submitted.push(String((args as unknown[])[1]));
      return original(...args);
    };
    fireEvent.click(screen.getByText("Service summary"));
    fireEvent.click(await screen.findByTestId("assist-summary"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1));
    expect(backend.assistCalls[0].input).toEqual({ task: "summary" });
    expect(screen.getByTestId("assist-summary-progress")).toBeTruthy();
    act(() => backend.assistDone("分类：物流查询\n小结：客户询问快递位置。", { classification: "物流查询", summary: "客户询问快递位置。" }));
    expect((screen.getByTestId("summary-classification") as HTMLInputElement).value).toBe("物流查询");
    expect((screen.getByTestId("summary-text") as HTMLTextAreaElement).value).toBe("客户询问快递位置。");
    screen.getByTestId("assist-summary-filled");
    fireEvent.click(screen.getByText("Submit"));
    await waitFor(() => expect(submitted).toEqual(["【物流查询】客户询问快递位置。"]));
  });

  it("says why it is off, and the supervisor turns it on again with a budget", async () => {
    const backend = await openSession();
    backend.assistantPolicy = { ...backend.assistantPolicy, enabled: false };
    fireEvent.click(screen.getByTestId("assist-draft"));
    await waitFor(() => expect(screen.getByTestId("assistant-status").dataset.on).toBe("false"));
    expect(screen.getByTestId("assistant-status").textContent).toMatch(/supervisor has not turned it on/);
    expect((screen.getByTestId("assist-draft") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole("alert").textContent).toMatch(/The assistant is not available/);

    fireEvent.click(screen.getByTestId("open-supervisor"));
    fireEvent.click(await screen.findByTestId("supervisor-tab-assistant"));
    const form = await screen.findByTestId("assistant-policy");
    fireEvent.click(within(form).getByTestId("policy-enabled"));
    fireEvent.change(within(form).getByTestId("policy-budget"), { target: { value: "-5" } });
    fireEvent.click(within(form).getByTestId("policy-save"));
    expect(within(form).getByTestId("policy-message").textContent).toMatch(/whole number/);
    expect(backend.assistantPolicy.enabled).toBe(false);
    fireEvent.change(within(form).getByTestId("policy-budget"), { target: { value: "50000" } });
    fireEvent.click(within(form).getByTestId("policy-auto-draft"));
    fireEvent.click(within(form).getByTestId("policy-save"));
    await waitFor(() => expect(backend.assistantPolicy).toMatchObject({ enabled: true, daily_token_budget: 50000, draft_on_new_question: true }));
  });

  it("drafts by itself for a new customer question when the supervisor chose so", async () => {
    const backend = await openSession((b) => {
      b.addSession({ id: "c2", visitor_id: "u2", visitor_name: "Li", channel: "web", state: "active", started_at_ms: Date.now(), rating: null });
      b.customerWrites("c2", "hello");
    });
    // The status is read again when another session is opened.
    backend.assistantPolicy = { ...backend.assistantPolicy, draft_on_new_question: true };
    const items = await screen.findAllByTestId("session-item");
    fireEvent.click(items.find((i) => i.dataset.sessionId === "c2")!);
    await new Promise((r) => setTimeout(r, 400));
    // An old question does not start one; a new one does, once the burst settles.
    expect(backend.assistCalls).toHaveLength(0);
    act(() => backend.customerWrites("c2", "how do I return this?"));
    await waitFor(() => expect(backend.assistCalls).toHaveLength(1), { timeout: 2000 });
    expect(backend.assistCalls[0]).toMatchObject({ sessionId: "c2", input: { task: "draft" } });
  });

  it("sets an account's model provider from a preset, its key kept by the core and never shown back", async () => {
    const backend = await openSession();
    fireEvent.click(screen.getByTestId("open-settings"));
    fireEvent.click(await screen.findByTestId("account-add"));
    fireEvent.change(screen.getByTestId("account-name"), { target: { value: "Shop A" } });
    fireEvent.change(screen.getByTestId("account-appid"), { target: { value: "app-1" } });
    fireEvent.change(screen.getByTestId("account-app-key"), { target: { value: "app-key-1" } });
    await waitFor(() => expect(within(screen.getByTestId("account-assistant-preset")).getAllByRole("option").length).toBeGreaterThan(2));
    fireEvent.change(screen.getByTestId("account-assistant-preset"), { target: { value: "openai" } });
    expect((screen.getByTestId("account-assistant-base-url") as HTMLInputElement).value).toBe("https://api.openai.com/v1");
    expect((screen.getByTestId("account-assistant-model") as HTMLInputElement).value).toBe("gpt-4o-mini");
    fireEvent.change(screen.getByTestId("account-assistant-key"), { target: { value: "sk-secret-9d2c" } });
    fireEvent.click(screen.getByTestId("account-save"));
    const item = await screen.findByTestId("account-item");
    expect(item.textContent).toContain("gpt-4o-mini");
    expect(item.textContent).toContain("assistant key set");
    expect(backend.keychain["Shop A/assistant-key"]).toBe("sk-secret-9d2c");
    expect(backend.accountList[0].account.assistant).toEqual({ preset: "openai", base_url: "https://api.openai.com/v1", model: "gpt-4o-mini" });
    expect(document.body.innerHTML).not.toContain("sk-secret-9d2c");
  });
});
