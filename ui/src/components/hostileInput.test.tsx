// Hostile customer input in the window: markup, script URLs, data URLs, direction overrides and
// invisible characters, a 1 MB message, malformed image and file references. All of it shows as
// text; nothing runs, and nothing is fetched from an address the customer chose.

import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { App } from "../App";
import { FakeBackend } from "../backend/fakeBackend";
import { customerAddress, customerText, LONG_MESSAGE_CHARS } from "../format";
import { initI18n } from "../i18n";

function open() {
  const backend = new FakeBackend();
  backend.addSession({ id: "c1", visitor_id: "u1", visitor_name: "Mallory", channel: "web", state: "active", started_at_ms: Date.now(), rating: null });
  render(<App backend={backend} />);
  return backend;
}

async function bubbles(count: number) {
  fireEvent.click(await screen.findByTestId("session-item"));
  return waitFor(() => {
    const all = screen.getAllByTestId("message");
    expect(all.length).toBe(count);
    return all;
  });
}

describe("hostile customer input", () => {
  beforeEach(() => initI18n("en"));
  afterEach(cleanup);

  it("script and data URLs are text, never links or images", async () => {
    const backend = open();
    const fetchImage = vi.spyOn(backend, "fetchImage");
    act(() => {
      backend.customerWrites("c1", "javascript:alert(document.cookie)");
      backend.customerWrites("c1", "data:text/html,<script>alert(1)</script>");
      backend.customerWrites("c1", "javascript:alert(1)", Date.now(), "image");
      backend.customerWrites("c1", "data:image/svg+xml,<svg onload=alert(1)>", Date.now(), "image");
      backend.customerWrites("c1", "javascript:alert(1)//.pdf", Date.now(), "file");
    });
    const shown = await bubbles(5);
    const history = document.querySelector(".history")!;
    expect(history.querySelectorAll("a, img, iframe, object, embed, script").length).toBe(0);
    expect(shown[0].textContent).toContain("javascript:alert(document.cookie)");
    expect(shown[1].textContent).toContain("data:text/html,<script>alert(1)</script>");
    // Images that are not platform addresses are named, not loaded, and offer nothing to click.
    expect(shown[2].querySelector("button")).toBeNull();
    expect(shown[3].textContent).toContain("data:image/svg+xml");
    // A file reference is revealed as text on request, never opened.
    fireEvent.click(shown[4].querySelector("button")!);
    expect(shown[4].textContent).toContain("javascript:alert(1)//.pdf");
    expect(shown[4].querySelector("a")).toBeNull();
    expect(fetchImage).not.toHaveBeenCalled();
  });

  it("an image address is fetched only when the agent asks, and through the core", async () => {
    const backend = open();
    const fetchImage = vi.spyOn(backend, "fetchImage").mockResolvedValue("data:image/png;base64,iVBORw0KGgo=");
    act(() => backend.customerWrites("c1", "https://evil.example/track.png?who=agent", Date.now(), "image"));
    const [bubble] = await bubbles(1);
    expect(bubble.querySelector("img")).toBeNull();
    expect(fetchImage).not.toHaveBeenCalled();
    fireEvent.click(bubble.querySelector("button")!);
    await waitFor(() => expect(bubble.querySelector("img")?.getAttribute("src")).toMatch(/^data:image\/png/));
    expect(fetchImage).toHaveBeenCalledWith("https://evil.example/track.png?who=agent");
  });

  it("direction overrides are shown, not obeyed; invisible characters in addresses are shown", async () => {
    const backend = open();
    const spoof = "Refund to account 1234\u202E8765\u202C please";
    act(() => {
      backend.customerWrites("c1", spoof);
      backend.customerWrites("c1", "invoice\u202Efdp.exe", Date.now(), "file");
    });
    const [text, file] = await bubbles(2);
    expect(text.textContent).not.toContain("\u202E");
    expect(text.textContent).toContain("1234⟨U+202E⟩8765⟨U+202C⟩");
    fireEvent.click(file.querySelector("button")!);
    expect(file.textContent).toContain("invoice⟨U+202E⟩fdp.exe");
    expect(customerAddress("pay\u200Bpal.com")).toBe("pay⟨U+200B⟩pal.com");
    // Joiners inside emoji sequences stay in prose.
    expect(customerText("👨\u200D👩\u200D👧")).toBe("👨\u200D👩\u200D👧");
  });

  it("a 1 MB message shows its beginning until the agent asks for all of it", async () => {
    const backend = open();
    const huge = "很长的消息".repeat(220_000);
    expect(huge.length).toBeGreaterThan(1_000_000);
    act(() => backend.customerWrites("c1", huge));
    const [bubble] = await bubbles(1);
    const text = () => bubble.querySelector(".text")!.textContent!.length;
    expect(text()).toBe(LONG_MESSAGE_CHARS);
    fireEvent.click(screen.getByTestId("show-whole-message"));
    await waitFor(() => expect(text()).toBe(huge.length));
  });
});
