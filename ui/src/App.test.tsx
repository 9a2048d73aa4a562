// The workbench against the in-memory backend: it renders sessions, sends optimistically, shows
// delivery states, and renders hostile customer text as text.

import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";

import { App } from "./App";
import { BackendError } from "./backend/backend";
import { FakeBackend } from "./backend/fakeBackend";
import { initI18n } from "./i18n";

function setup() {
  const backend = new FakeBackend();
  backend.addSession({ id: "c1", visitor_id: "u1", visitor_name: "王芳", channel: "wechat", state: "active", started_at_ms: Date.now(), rating: null });
  backend.customerWrites("c1", "我的快递到哪了？");
  render(<App backend={backend} />);
  return backend;
}

/** Opens the session and sends `text` without the platform answering yet. */
async function sendUnconfirmed(backend: FakeBackend, text: string) {
  fireEvent.click(await screen.findByTestId("session-item"));
  backend.autoConfirm = false;
  const composer = screen.getByTestId("composer");
  fireEvent.change(composer, { target: { value: text } });
  fireEvent.keyDown(composer, { key: "Enter" });
  await waitFor(() => expect(backend.sent).toHaveLength(1));
}

describe("workbench", () => {
  beforeEach(() => {
    initI18n("en");
    localStorage.clear();
  });
  afterEach(cleanup);

  it("shows the demo banner and the session, and sends a reply that turns from pending to sent", async () => {
    const backend = setup();
    await screen.findByTestId("demo-banner");
    const item = await screen.findByTestId("session-item");
    expect(item.getAttribute("data-session-id")).toBe("c1");
    fireEvent.click(item);
    await waitFor(() => expect(screen.getAllByTestId("message")[0].textContent).toContain("我的快递到哪了？"));

    backend.autoConfirm = false;
    const composer = screen.getByTestId("composer");
    fireEvent.change(composer, { target: { value: "马上为您查询" } });
    fireEvent.keyDown(composer, { key: "Enter" });
    const pending = await waitFor(() => {
      const out = screen.getAllByTestId("message").filter((m) => m.dataset.direction === "out");
      expect(out).toHaveLength(1);
      return out[0];
    });
    expect(pending.dataset.status).toBe("pending");
    expect((composer as HTMLTextAreaElement).value).toBe("");
    act(() => backend.confirm(backend.sent[0].clientMsgId));
    await waitFor(() => expect(screen.getAllByTestId("message").filter((m) => m.dataset.direction === "out")[0].dataset.status).toBe("sent"));
    expect(backend.sent).toHaveLength(1);
  });

  it("announces a verified update with a restart button, and a refused one as a warning, in the agent's language", async () => {
    const backend = setup();
    await screen.findByTestId("session-item");
    expect(screen.queryByTestId("update-banner")).toBeNull();
    act(() => backend.updateChanged({ state: "ready", version: "0.2.0", notes: null }));
    const ready = await screen.findByTestId("update-banner");
    expect(ready.dataset.state).toBe("ready");
    expect(ready.textContent).toContain("0.2.0 is ready");
    fireEvent.click(within(ready).getByText("Restart now"));
    await waitFor(() => expect(backend.restartsToUpdate).toBe(1));

    act(() => backend.updateChanged({ state: "refused", version: "0.2.1", reason: "signature" }));
    const refused = await screen.findByTestId("update-banner");
    expect(refused.dataset.state).toBe("refused");
    expect(refused.getAttribute("role")).toBe("alert");
    act(() => initI18n("zh-CN"));
    await waitFor(() => expect(screen.getByTestId("update-banner").textContent).toContain("签名校验失败"));
  });

  it("names a picture in the session list by its kind, not by its address", async () => {
    const backend = setup();
    await screen.findByTestId("session-item");
    act(() => backend.customerWrites("c1", "/__sandbox/files/f1/photo.png", Date.now(), "image"));
    await waitFor(() => expect(screen.getByTestId("session-item").querySelector(".preview")?.textContent).toBe("Image"));
  });

  it("Shift+Enter adds a line instead of sending", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    const composer = screen.getByTestId("composer");
    fireEvent.change(composer, { target: { value: "line one" } });
    fireEvent.keyDown(composer, { key: "Enter", shiftKey: true });
    expect(backend.sent).toHaveLength(0);
  });

  it("a refused send is marked failed and can be retried", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    backend.failSends = new (await import("./backend/backend")).BackendError("offline", "network down");
    const composer = screen.getByTestId("composer");
    fireEvent.change(composer, { target: { value: "hello" } });
    fireEvent.click(screen.getByTestId("send-button"));
    await waitFor(() => expect(screen.getAllByTestId("message").some((m) => m.dataset.status === "failed")).toBe(true));
    backend.failSends = null;
    fireEvent.click(screen.getByTestId("retry-button"));
    await waitFor(() => expect(screen.getAllByTestId("message").filter((m) => m.dataset.direction === "out")[0].dataset.status).toBe("sent"));
  });

  it("retrying an image the core never accepted sends the image again, not its file name", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    backend.failSends = new (await import("./backend/backend")).BackendError("offline", "network down");
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], "shot.png", { type: "image/png" });
    fireEvent.paste(screen.getByTestId("composer"), {
      clipboardData: { items: [{ kind: "file", type: "image/png", getAsFile: () => png }] },
    });
    await waitFor(() => expect(screen.getAllByTestId("message").some((m) => m.dataset.status === "failed")).toBe(true));
    backend.failSends = null;
    fireEvent.click(screen.getByTestId("retry-button"));
    await waitFor(() => expect(backend.images).toHaveLength(1));
    expect(backend.images[0]).toMatchObject({ sessionId: "c1", fileName: "shot.png", mime: "image/png" });
    expect(backend.sent).toEqual([]);
  });

  it("says why the platform did not deliver a reply, in the agent's language, and while it checks an unanswered one", async () => {
    const backend = setup();
    await sendUnconfirmed(backend, "加微信转账");
    const clientMsgId = backend.sent[0].clientMsgId;
    const reply = () => screen.getAllByTestId("message").filter((m) => m.dataset.direction === "out")[0];
    act(() => backend.emit({ type: "message_status_changed", session_id: "c1", client_msg_id: clientMsgId, status: "unknown", msg_id: null, error: "timed out", failure: null }));
    await waitFor(() => expect(reply().dataset.status).toBe("unknown"));
    expect(reply().textContent).toContain("Checking whether it arrived");
    const details = "the platform refused send: 200032 消息包含敏感词";
    act(() => backend.emit({ type: "message_status_changed", session_id: "c1", client_msg_id: clientMsgId, status: "failed", msg_id: null, error: details, failure: "sensitive_word" }));
    await waitFor(() => expect(reply().dataset.status).toBe("failed"));
    const reason = within(reply()).getByTestId("delivery-reason");
    expect(reason.textContent).toContain("a word the platform blocks");
    expect(reason.getAttribute("title")).toBe(details);
  });

  it("says a not-delivered reason in Chinese for a Chinese-speaking agent", async () => {
    const backend = new FakeBackend();
    backend.settings.language = "zh-CN";
    backend.addSession({ id: "c1", visitor_id: "u1", visitor_name: "王芳", channel: "wechat", state: "active", started_at_ms: Date.now(), rating: null });
    render(<App backend={backend} />);
    await sendUnconfirmed(backend, "加微信转账");
    act(() => backend.emit({ type: "message_status_changed", session_id: "c1", client_msg_id: backend.sent[0].clientMsgId, status: "failed", msg_id: null, error: "200032", failure: "sensitive_word" }));
    const reason = await screen.findByTestId("delivery-reason");
    expect(reason.textContent).toContain("敏感词");
    expect(reason.textContent).not.toMatch(/[a-z]{4}/i);
  });

  it("renders customer markup as literal text and runs nothing", async () => {
    const backend = setup();
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    act(() => backend.customerWrites("c1", hostile));
    fireEvent.click(await screen.findByTestId("session-item"));
    const shown = await waitFor(() => {
      const texts = [...document.querySelectorAll('[data-testid="message"] .text')].map((e) => e.textContent);
      expect(texts).toContain(hostile);
      return texts;
    });
    expect(shown).toContain(hostile);
    expect(document.querySelector(".history img")).toBeNull();
    expect(document.querySelector(".history script")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("counts unread messages and reports the total to the backend (tray)", async () => {
    const backend = setup();
    await screen.findByTestId("session-item");
    act(() => backend.customerWrites("c1", "还在吗？"));
    await waitFor(() => expect(backend.unreadTotal).toBe(1));
    expect(screen.getByTestId("unread-badge").textContent).toBe("1");
    fireEvent.click(screen.getByTestId("session-item"));
    await waitFor(() => expect(backend.unreadTotal).toBe(0));
  });

  it("sends a pasted image and shows a platform image only on the agent's click, through the backend", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], "shot.png", { type: "image/png" });
    fireEvent.paste(screen.getByTestId("composer"), {
      clipboardData: { items: [{ kind: "file", type: "image/png", getAsFile: () => png }] },
    });
    await waitFor(() => expect(backend.images).toHaveLength(1));
    expect(backend.images[0]).toMatchObject({ sessionId: "c1", fileName: "shot.png", mime: "image/png" });

    act(() => {
      backend.history.c1.push({
        session_id: "c1", msg_id: "m99", client_msg_id: null, direction: "in", kind: "image",
        content: "/__sandbox/files/f1/x.png", sender_name: "王芳", sent_at_ms: Date.now(), status: "sent",
      });
      backend.emit({ type: "message_stored", message: backend.history.c1.at(-1)! });
    });
    const show = await screen.findByText("Show image");
    expect(backend.fetched).toEqual([]);
    expect(document.querySelector(".history img")).toBeNull();
    fireEvent.click(show);
    await waitFor(() => expect(document.querySelector(".history img")?.getAttribute("src")).toMatch(/^data:image\/png;base64,/));
    expect(backend.fetched).toEqual(["/__sandbox/files/f1/x.png"]);
  });

  it("switches language from Settings", async () => {
    setup();
    fireEvent.click(await screen.findByTestId("open-settings"));
    fireEvent.change(screen.getByTestId("language-select"), { target: { value: "zh-CN" } });
    await screen.findByRole("dialog", { name: "设置" });
    expect(screen.getByTestId("tab-mine").textContent).toContain("我的");
  });

  it("a long queue keeps only the visible rows in the DOM, and ↓ walks past them", async () => {
    const backend = new FakeBackend();
    for (let i = 0; i < 300; i++) {
      backend.addSession({ id: `s${i}`, visitor_id: `u${i}`, visitor_name: `Visitor ${i}`, channel: "web", state: "active", started_at_ms: 1_000_000 - i, rating: null });
    }
    render(<App backend={backend} />);
    await waitFor(() => expect(screen.getByTestId("tab-mine").textContent).toContain("300"));
    const rows = screen.getAllByTestId("session-item");
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(rows[0].getAttribute("aria-setsize")).toBe("300");

    fireEvent.click(rows[0]);
    const list = screen.getByRole("listbox");
    for (let i = 0; i < 60; i++) fireEvent.keyDown(list, { key: "ArrowDown" });
    await waitFor(() => expect(document.querySelector('[data-session-id="s60"]')?.getAttribute("aria-selected")).toBe("true"));
    expect(document.querySelector('[data-session-id="s0"]')).toBeNull();
  });

  it("a burst of pushed messages is shown in full", async () => {
    const backend = setup();
    await screen.findByTestId("session-item");
    act(() => {
      for (let i = 0; i < 50; i++) backend.customerWrites("c1", `消息 ${i}`);
    });
    await waitFor(() => expect(screen.getByTestId("unread-badge").textContent).toBe("50"));
    expect(screen.getByTestId("session-item").textContent).toContain("消息 49");
  });

  it("after the event stream fell behind, the open conversation shows the messages it missed", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    await waitFor(() => expect(screen.getAllByTestId("message")).toHaveLength(1));
    act(() => {
      backend.customerWritesUnseen("c1", "还在吗？");
      backend.customerWritesUnseen("c1", "请尽快回复");
      backend.fallBehind();
    });
    await waitFor(() => expect(screen.getAllByTestId("message")).toHaveLength(3));
    expect(screen.getAllByTestId("message")[2].textContent).toContain("请尽快回复");
  });

  it("switches merchant from the keyboard, and nothing of the previous merchant stays listed", async () => {
    const backend = setup();
    backend.parked.harbor = {
      sessions: [{ id: "h1", visitor_id: "hu1", visitor_name: "Olivia", channel: "web", state: "active", started_at_ms: Date.now(), rating: null }],
      history: { h1: [] },
    };
    await screen.findByTestId("session-item");
    fireEvent.keyDown(window, { key: "M", ctrlKey: true, shiftKey: true });
    await waitFor(() => expect(screen.getAllByTestId("tenant-option")).toHaveLength(3));
    const search = screen.getByRole("searchbox", { name: "Search merchants" });
    fireEvent.change(search, { target: { value: "harbor" } });
    expect(screen.getAllByTestId("tenant-option").map((o) => o.dataset.tenantId)).toEqual(["harbor"]);
    fireEvent.keyDown(search, { key: "Enter" });
    await waitFor(() => expect(screen.getByTestId("tenant-switcher").textContent).toContain("Harbor Tea"));
    const ids = screen.getAllByTestId("session-item").map((i) => i.dataset.sessionId);
    expect(ids).toEqual(["h1"]);
    // A late event of the previous merchant is dropped.
    act(() => backend.emit({ type: "session_opened", session: { id: "c9", visitor_id: "u9", visitor_name: "Late", channel: "web", state: "active", started_at_ms: Date.now(), rating: null } }, 1));
    await new Promise((r) => setTimeout(r, 80));
    expect(screen.getAllByTestId("session-item").map((i) => i.dataset.sessionId)).toEqual(["h1"]);
  });

  it("refuses a disabled merchant with a reason", async () => {
    setup();
    fireEvent.click(await screen.findByTestId("tenant-switcher"));
    const old = await waitFor(() => screen.getAllByTestId("tenant-option").find((o) => o.dataset.tenantId === "old")!);
    fireEvent.click(old);
    expect((await screen.findByRole("alert")).textContent).toContain("Old Shop");
    expect(screen.getByTestId("tenant-switcher").textContent).toContain("Lumen Mall");
  });

  it("adds, tests, edits and removes an account; a key is never shown back", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("open-settings"));
    fireEvent.click(await screen.findByTestId("account-add"));
    fireEvent.change(screen.getByTestId("account-name"), { target: { value: "Shop A" } });
    fireEvent.change(screen.getByTestId("account-appid"), { target: { value: "app-1" } });
    fireEvent.change(screen.getByTestId("account-app-key"), { target: { value: "wrong-key-7f3a" } });
    fireEvent.click(screen.getByTestId("account-save"));
    const item = await screen.findByTestId("account-item");
    expect(item.textContent).toContain("Shop A");
    expect(item.textContent).toContain("app key stored");
    expect(backend.keychain["Shop A/app-key"]).toBe("wrong-key-7f3a");
    expect(document.body.innerHTML).not.toContain("wrong-key-7f3a");

    fireEvent.click(screen.getByTestId("account-test"));
    expect((await screen.findByTestId("account-report")).textContent).toContain("Wrong key:");

    // Editing without typing a key keeps the stored one; typing one replaces it.
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    expect((screen.getByTestId("account-app-key") as HTMLInputElement).value).toBe("");
    fireEvent.change(screen.getByTestId("account-app-key"), { target: { value: "good-key" } });
    fireEvent.click(screen.getByTestId("account-save"));
    await waitFor(() => expect(backend.keychain["Shop A/app-key"]).toBe("good-key"));
    fireEvent.click(await screen.findByTestId("account-test"));
    await waitFor(() => expect(screen.getByTestId("account-report").dataset.ok).toBe("true"));

    const confirm = window.confirm;
    window.confirm = () => true;
    fireEvent.click(screen.getByRole("button", { name: "Remove" }));
    window.confirm = confirm;
    await waitFor(() => expect(screen.queryByTestId("account-item")).toBeNull());
    expect(backend.keychain["Shop A/app-key"]).toBeUndefined();
  });

  it("supervisor screens: merchants, agents and the status log, with refusals in words", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("open-supervisor"));
    await waitFor(() => expect(screen.getAllByTestId("merchant-row")).toHaveLength(2));
    const oldShop = screen.getAllByTestId("merchant-row")[1];
    expect(oldShop.textContent).toContain("Disabled");
    fireEvent.click(within(oldShop).getByTestId("merchant-toggle"));
    await waitFor(() => expect(screen.getAllByTestId("merchant-row")[1].textContent).toContain("Enabled"));
    expect(backend.merchantList[1].enabled).toBe(true);

    // The platform refuses an external id it has already.
    vi.spyOn(backend, "addMerchant").mockRejectedValueOnce(
      new BackendError("platform", "That already exists: choose another. (999999 customerCode 已存在!)"),
    );
    fireEvent.click(screen.getByTestId("merchant-add"));
    fireEvent.change(screen.getByTestId("merchant-name"), { target: { value: "Again" } });
    fireEvent.change(screen.getByTestId("merchant-code"), { target: { value: "lumen-mall" } });
    fireEvent.change(screen.getByTestId("merchant-email"), { target: { value: "a@b.test" } });
    fireEvent.change(screen.getByTestId("merchant-password"), { target: { value: "password-1" } });
    fireEvent.click(screen.getByTestId("merchant-save"));
    expect((await screen.findByRole("alert")).textContent).toContain("already exists");

    fireEvent.click(screen.getByTestId("supervisor-tab-agents"));
    await waitFor(() => expect(screen.getAllByTestId("agent-row")).toHaveLength(1));
    const addAgent = (email: string) => {
      fireEvent.click(screen.getByTestId("agent-add"));
      fireEvent.change(screen.getByTestId("agent-email"), { target: { value: email } });
      fireEvent.change(screen.getByTestId("agent-name"), { target: { value: "New Agent" } });
      fireEvent.change(screen.getByTestId("agent-nick"), { target: { value: "New" } });
      fireEvent.change(screen.getByTestId("agent-phone"), { target: { value: "13812345678" } });
      fireEvent.click(screen.getByTestId("agent-save"));
    };
    addAgent("n1@lumen.test");
    await waitFor(() => expect(screen.getAllByTestId("agent-row")).toHaveLength(2));
    expect(screen.getAllByTestId("agent-row")[1].textContent).toContain("138****5678");
    addAgent("n2@lumen.test");
    await waitFor(() => expect(screen.getAllByTestId("agent-row")).toHaveLength(3));
    vi.spyOn(backend, "addAgent").mockRejectedValueOnce(
      new BackendError("platform", "Not enough agent seats: raise the merchant's maximum number of agents, or remove agents first. (200007 在线客服数量不足)"),
    );
    addAgent("n3@lumen.test");
    expect((await screen.findByRole("alert")).textContent).toContain("Not enough agent seats");

    fireEvent.click(screen.getByTestId("supervisor-tab-log"));
    expect((await screen.findByTestId("status-log-row")).textContent).toContain("Online");
  });

  it("chooses the account the workbench signs in with, and says why a chosen account did not start", async () => {
    const backend = new FakeBackend();
    backend.accountList = [{ account: { name: "Desk 1", platform: "sobot", base_url: "https://www.sobot.com", appid: "a", agent_email: "a@b.test", supervisor: null, assistant: null, tickets: [], payments: [], speech: null }, has_app_key: true, has_union_key: false, has_assistant_key: false, ticket_keys: [] }];
    backend.warning = { code: "keychain", reason: { key: "general" }, message: "The system keychain is locked." };
    render(<App backend={backend} />);
    expect((await screen.findByRole("alert")).textContent).toContain("The system keychain is locked.");
    fireEvent.click(screen.getByTestId("open-settings"));
    fireEvent.click(await screen.findByTestId("account-use"));
    await waitFor(() => expect(backend.settings.active_account).toBe("Desk 1"));
    expect((await screen.findByTestId("account-in-use")).textContent).toContain("restart AgentDesk");
    fireEvent.click(screen.getByTestId("account-use-demo"));
    await waitFor(() => expect(backend.settings.active_account).toBe(""));
  });

  it("shows the customer's orders and parcel, labels and earlier sessions, reveals the phone on request, and puts tracking in the reply", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    const panel = await screen.findByTestId("customer-panel");
    await waitFor(() => expect(within(panel).getAllByTestId("order-item")).toHaveLength(1));
    expect(within(panel).getAllByTestId("tracking-event")).toHaveLength(2);
    expect(panel.textContent).toContain("out for delivery");
    // The platform's label beside the CRM's tags, where each card came from, and the earlier
    // WeChat session.
    expect(panel.textContent).toContain("回头客");
    expect(panel.textContent).toContain("From Lumen OMS.");
    const past = within(panel).getByTestId("past-session");
    expect(past.textContent).toContain("WeChat");
    expect(past.textContent).toContain("2 messages");
    expect(past.textContent).toContain("发票怎么开？");
    expect(panel.textContent).toContain("138****5678");
    expect(panel.textContent).not.toContain("13812345678");
    fireEvent.click(within(panel).getByTestId("reveal-phone"));
    await waitFor(() => expect(panel.textContent).toContain("13812345678"));
    expect(backend.reveals).toEqual(["c1:phone"]);
    fireEvent.click(within(panel).getByTestId("insert-tracking"));
    expect((screen.getByTestId("composer") as HTMLTextAreaElement).value).toContain("SF1400000000002");
  });

  it("sends the merchant's form tagged with the session and shows the customer's submissions with their labels", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    const panel = await screen.findByTestId("customer-panel");
    expect((await within(panel).findByText("Form: 售后申请")).tagName).toBe("H3");
    expect(panel.textContent).toContain("No submissions yet.");
    fireEvent.click(within(panel).getByTestId("send-form"));
    // The customer writes Chinese: the form goes in Chinese, through the reply path.
    await waitFor(() => expect(backend.sent.at(-1)?.text).toBe("请填写表单（售后申请）：https://jinshuju.net/f/AbCd12?x_field_1=c1"));
    expect(within(panel).getByTestId("send-form").textContent).toBe("Form sent: submissions show here");
    backend.formSubmissions = [
      { serial_number: 7, created_at: "2026-12-07T08:00:00.000Z", tagged: true, fields: [{ label: "问题类型", value: "退货" }, { label: "手机", value: "138****5678" }] },
    ];
    // Followed while the session is open: the next look shows it.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(15_000);
    });
    const submission = await within(panel).findByTestId("form-submission");
    expect(submission.textContent).toContain("问题类型退货");
    expect(submission.textContent).toContain("#7");
    expect(submission.textContent).not.toContain("13812345678");
  });

  it("lists connectors, stores a key without keeping it, and says why a file is unused", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("open-settings"));
    const rows = await screen.findAllByTestId("connector-row");
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain("Key missing");
    expect(rows[1].textContent).toContain("is not a JSON pointer");
    expect(within(rows[1]).queryByTestId("connector-key")).toBeNull();
    const key = within(rows[0]).getByTestId("connector-key") as HTMLInputElement;
    fireEvent.change(key, { target: { value: "oms-secret" } });
    fireEvent.click(within(rows[0]).getByTestId("connector-save-key"));
    await waitFor(() => expect(backend.keychain["connector/Shop OMS/key"]).toBe("oms-secret"));
    await waitFor(() => expect(screen.getAllByTestId("connector-row")[0].textContent).toContain("Key stored"));
    expect((within(screen.getAllByTestId("connector-row")[0]).getByTestId("connector-key") as HTMLInputElement).value).toBe("");
  });

  it("suggests articles with the matched words marked, uses one, and learns when the reply is sent", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    fireEvent.click(await screen.findByRole("tab", { name: "Knowledge" }));
    const suggestions = await screen.findAllByTestId("kb-suggestion");
    expect(suggestions).toHaveLength(2);
    const marks = Array.from(suggestions[0].querySelectorAll("mark")).map((m) => m.textContent);
    expect(marks).toEqual(["耳机", "退款"]);
    fireEvent.click(within(suggestions[0]).getByTestId("kb-use"));
    const composer = screen.getByTestId("composer") as HTMLTextAreaElement;
    expect(composer.value).toContain("退款审核通过后");
    fireEvent.keyDown(composer, { key: "Enter" });
    await waitFor(() => expect(backend.learned).toEqual(["c1:doc-0009"]));
  });

  it("shows the knowledge base being understood, and says when suggestions match words only", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    fireEvent.click(await screen.findByRole("tab", { name: "Knowledge" }));
    await screen.findAllByTestId("kb-suggestion");
    act(() => backend.indexing({ done: 64, total: 5000, problem: null }));
    const status = await screen.findByTestId("kb-indexing");
    expect(status.textContent).toContain("64 of 5000");
    expect((status.querySelector("progress") as HTMLProgressElement).value).toBe(64);
    act(() => backend.indexing({ done: 5000, total: 5000, problem: null }));
    await waitFor(() => expect(screen.queryByTestId("kb-indexing")).toBeNull());
    act(() => backend.indexing({ done: 0, total: 0, problem: "the model file is missing" }));
    expect((await screen.findByTestId("kb-lexical-only")).textContent).toContain("Reinstall AgentDesk");
  });

  it("warns about an upset customer with the cues marked, and not about a calm one", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    await screen.findByTestId("composer");
    expect(screen.queryByTestId("sentiment-warning")).toBeNull();
    act(() => backend.customerWrites("c1", "再不处理我就去12315投诉！"));
    act(() => backend.moodChanges({ session_id: "c1", risk: 0.92, label: "negative", cues: ["12315", "投诉"], warn: true }));
    const warning = await screen.findByRole("alert");
    expect(warning.dataset.testid).toBe("sentiment-warning");
    expect(warning.textContent).toContain("92%");
    expect(Array.from(warning.querySelectorAll("mark")).map((m) => m.textContent)).toEqual(["12315", "投诉"]);
    // Calm again: the warning goes.
    act(() => backend.moodChanges({ session_id: "c1", risk: 0.2, label: "neutral", cues: [], warn: false }));
    await waitFor(() => expect(screen.queryByTestId("sentiment-warning")).toBeNull());
  });

  it("marks an upset customer in the session list even when another conversation is open", async () => {
    const backend = setup();
    backend.addSession({ id: "c2", visitor_id: "u2", visitor_name: "Sam", channel: "web", state: "active", started_at_ms: Date.now(), rating: null });
    backend.customerWrites("c2", "hello");
    const rows = await screen.findAllByTestId("session-item");
    fireEvent.click(rows.find((r) => r.dataset.sessionId === "c1")!);
    await screen.findByTestId("composer");
    act(() => backend.moodChanges({ session_id: "c2", risk: 0.88, label: "negative", cues: ["lawyer"], warn: true }));
    const row = await waitFor(() => {
      const found = screen.getAllByTestId("session-item").find((r) => r.dataset.sessionId === "c2")!;
      expect(within(found).getByTestId("sentiment-warning")).toBeTruthy();
      return found;
    });
    expect(within(row).getByTestId("sentiment-warning").getAttribute("aria-label")).toBe("Upset customer: complaint risk 88%");
    // The open conversation's customer is calm: no banner, no mark on its row.
    expect(screen.queryByRole("alert")).toBeNull();
    const first = screen.getAllByTestId("session-item").find((r) => r.dataset.sessionId === "c1")!;
    expect(within(first).queryByTestId("sentiment-warning")).toBeNull();
    // A judgement from a tenant the workbench has left goes nowhere.
    act(() => backend.moodChanges({ session_id: "c1", risk: 0.99, label: "negative", cues: [], warn: true }, 99));
    expect(within(first).queryByTestId("sentiment-warning")).toBeNull();
  });

  it("sets the warning threshold and the upset-customer notification in Settings", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    const threshold = (await screen.findByTestId("mood-threshold")) as HTMLSelectElement;
    expect(threshold.value).toBe("75");
    fireEvent.change(threshold, { target: { value: "60" } });
    await waitFor(() => expect(backend.settings.mood_warning_percent).toBe(60));
    fireEvent.click(screen.getByLabelText("Notify me when a customer crosses it"));
    await waitFor(() => expect(backend.settings.notify_upset_customer).toBe(false));
  });

  it("says when demo data is kept only for this run (no keychain)", async () => {
    const backend = new FakeBackend();
    backend.storageWarning = { code: "keychain", reason: { key: "general" }, message: "The system keychain is not available (no D-Bus)." };
    render(<App backend={backend} />);
    const warning = await screen.findByTestId("storage-warning");
    expect(warning.textContent).toContain("for this run only");
    expect(warning.textContent).toContain("no D-Bus");
  });

  it("says while new messages cannot be saved (a full disk), keeps the conversation, and clears when it can", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByTestId("session-item"));
    await screen.findByTestId("message");
    expect(screen.queryByTestId("storage-problem")).toBeNull();
    act(() => backend.emit({ type: "storage_changed", problem: "database or disk is full" }));
    const banner = await screen.findByTestId("storage-problem");
    expect(banner.textContent).toContain("database or disk is full");
    expect(banner.textContent).toContain("free some disk space");
    expect(screen.getByTestId("message").textContent).toContain("我的快递到哪了？");
    act(() => backend.emit({ type: "storage_changed", problem: null }));
    await waitFor(() => expect(screen.queryByTestId("storage-problem")).toBeNull());
  });

  it("sets how long the audit log is kept", async () => {
    const backend = setup();
    fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    const retention = (await screen.findByTestId("audit-retention")) as HTMLSelectElement;
    expect(retention.value).toBe("90");
    fireEvent.change(retention, { target: { value: "365" } });
    await waitFor(() => expect(backend.settings.audit_retention_days).toBe(365));
  });
});
