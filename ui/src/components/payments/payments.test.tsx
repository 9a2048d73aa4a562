// Payment links in the conversation: the dialog sends the link in the customer's language (the core
// puts the link where `{link}` stands), one request id per link asked for; a refusal is worded in
// the agent's language and a refused request gets a new id; links follow the core's events until
// paid; a merchant with links off says so and offers no form.

import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { BackendError } from "../../backend/backend";
import type { Session } from "../../backend/bindings";
import { FakeBackend } from "../../backend/fakeBackend";
import { initI18n } from "../../i18n";
import { PaymentDialog } from "./PaymentDialog";
import { PaymentLinks } from "./PaymentLinks";
import { PaymentPolicyForm } from "./PaymentPolicyForm";

const session: Session = { id: "c1", visitor_id: "u1", visitor_name: "王芳", channel: "web", state: "active", started_at_ms: 0, rating: null };

function fill(amount: string, subject: string) {
  fireEvent.change(screen.getByTestId("payment-amount"), { target: { value: amount } });
  fireEvent.change(screen.getByTestId("payment-subject"), { target: { value: subject } });
}

describe("payment links", () => {
  beforeEach(() => initI18n("en"));
  afterEach(cleanup);

  it("sends the link in the customer's language and follows it until paid", async () => {
    const backend = new FakeBackend();
    backend.addSession(session);
    const create = vi.spyOn(backend, "createPaymentLink");
    const onSent = vi.fn();
    const onClose = vi.fn();
    render(
      <>
        <PaymentLinks backend={backend} sessionId="c1" onError={(e) => { throw e; }} />
        <PaymentDialog backend={backend} session={session} customerLanguage="zh-CN" onClose={onClose} onSent={onSent} />
      </>,
    );
    await screen.findByTestId("payment-amount");
    expect(screen.getByText("Amount in yuan (up to ¥5000.00)")).toBeTruthy();
    fill("12.34", "耳机延保");
    fireEvent.click(screen.getByTestId("payment-submit"));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(onSent).toHaveBeenCalledWith("Payment link for ¥12.34 sent");
    const request = create.mock.calls[0][0];
    expect(request).toMatchObject({ session_id: "c1", provider: "alipay", amount: "12.34", subject: "耳机延保", expire_minutes: 30 });
    // The customer writes Chinese: the words are Chinese, the link's place kept for the core.
    expect(request.link_message).toBe("请在 30 分钟内支付 ¥12.34（耳机延保）：{link}");
    expect(request.scan_message).toBe("请用微信扫描上方二维码，在 30 分钟内支付 ¥12.34（耳机延保）。");
    expect(request.attempt_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(backend.sent[0].text).toMatch(/^请在 30 分钟内支付 ¥12\.34（耳机延保）：https:\/\/qr\.alipay\.com\/AD/);

    const link = await screen.findByTestId("payment-link");
    expect(link.dataset.state).toBe("waiting");
    expect(screen.getByTestId("payment-close")).toBeTruthy();
    backend.pay(backend.paymentLinks[0].out_trade_no);
    await waitFor(() => expect(screen.getByTestId("payment-link").dataset.state).toBe("paid"));
    expect(screen.getByTestId("payment-state").textContent).toBe("Paid");
    expect(screen.queryByTestId("payment-close")).toBeNull();
  });

  it("words a refusal in the agent's language and asks again under a new id", async () => {
    initI18n("zh-CN");
    const backend = new FakeBackend();
    const create = vi
      .spyOn(backend, "createPaymentLink")
      .mockRejectedValueOnce(
        new BackendError("invalid_input", "12.345 has more than two decimals", { key: "payment_amount", issue: "too_precise", limit: "5000.00" }),
      )
      .mockRejectedValueOnce(new BackendError("offline", "no answer", { key: "payment_no_answer", provider: "wechat" }));
    render(<PaymentDialog backend={backend} session={session} customerLanguage="en" onClose={() => {}} onSent={() => {}} />);
    await screen.findByTestId("payment-amount");
    fireEvent.change(screen.getByTestId("payment-provider"), { target: { value: "wechat" } });
    fill("12.345", "Warranty");
    fireEvent.click(screen.getByTestId("payment-submit"));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("金额最多两位小数（分），请检查金额。"));
    fill("12.34", "Warranty");
    fireEvent.click(screen.getByTestId("payment-submit"));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("微信支付没有应答"));
    fireEvent.click(screen.getByTestId("payment-submit"));
    await waitFor(() => expect(create).toHaveBeenCalledTimes(3));
    const ids = create.mock.calls.map((call) => call[0].attempt_id);
    // Refused whole: a new id. No answer: the same id, so the core looks the link up first.
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[2]).toBe(ids[1]);
    expect(create.mock.calls[2][0].link_message).toBe("Please pay ¥12.34 for Warranty within 30 minutes: {link}");
  });

  it("says when links are off and offers no form", async () => {
    const backend = new FakeBackend();
    vi.spyOn(backend, "paymentOptions").mockResolvedValue({
      providers: [],
      unavailable: { code: "invalid_input", message: "off", reason: { key: "payments_off" } },
      largest_amount: "5000.00",
      default_expire_minutes: 30,
    });
    render(<PaymentDialog backend={backend} session={session} customerLanguage="en" onClose={() => {}} onSent={() => {}} />);
    const said = await screen.findByTestId("payment-unavailable");
    expect(said.textContent).toContain("Payment links are off for this merchant");
    expect(screen.queryByTestId("payment-amount")).toBeNull();
  });

  it("lets a supervisor name the agents and the largest amount", async () => {
    const backend = new FakeBackend();
    const save = vi.spyOn(backend, "setPaymentPolicy");
    render(<PaymentPolicyForm backend={backend} merchant="Lumen" />);
    fireEvent.change(await screen.findByTestId("payment-policy-agents"), { target: { value: " agent1@demo \n\nagent2@demo, " } });
    fireEvent.change(screen.getByTestId("payment-policy-largest"), { target: { value: "800" } });
    fireEvent.click(screen.getByTestId("payment-policy-save"));
    await screen.findByText("Saved");
    expect(save).toHaveBeenCalledWith({ enabled: true, agents: ["agent1@demo", "agent2@demo"], largest_amount: "800" });
  });
});
