// Voice messages in the conversation: "reading" until the core's transcript event, then the words
// (as text, never markup), a problem in the agent's language with "read again" where a second try
// may help, the audio played where the webview plays its format and offered to save otherwise; the
// knowledge tab's key and the customer's language follow the spoken words.

import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Message } from "../backend/bindings";
import { customerLanguage } from "../customerMessages";
import { saidIn } from "../format";
import { initI18n } from "../i18n";
import { initialState, reduce } from "../state/workbench";
import { VoiceMessage } from "./VoiceMessage";

const voice = (transcript?: Message["transcript"]): Message => ({
  session_id: "c1", msg_id: "m9", client_msg_id: null, direction: "in", kind: "voice", content: "/__sandbox/files/f1/voice.wav",
  sender_name: "王芳", sent_at_ms: 0, status: "sent", transcript,
});

describe("voice messages", () => {
  beforeEach(() => initI18n("en"));
  afterEach(cleanup);

  it("shows the words once read, as text", () => {
    const view = render(<VoiceMessage message={voice()} onLoadVoice={vi.fn()} onReadAgain={vi.fn()} />);
    expect(screen.getByTestId("voice-reading").textContent).toBe("Reading the voice message…");
    view.rerender(<VoiceMessage message={voice({ text: "<b>退款</b>什么时候到账", problem: null })} onLoadVoice={vi.fn()} onReadAgain={vi.fn()} />);
    const words = screen.getByTestId("voice-transcript");
    expect(words.textContent).toBe("<b>退款</b>什么时候到账");
    expect(words.querySelector("b")).toBeNull();
    expect(screen.queryByTestId("voice-reading")).toBeNull();
  });

  it("says why there are no words and offers to read again only where it may help", async () => {
    initI18n("zh-CN");
    const readAgain = vi.fn().mockResolvedValue(undefined);
    const view = render(<VoiceMessage message={voice({ text: "", problem: "too_long" })} onLoadVoice={vi.fn()} onReadAgain={readAgain} />);
    expect(screen.getByTestId("voice-problem").textContent).toContain("超过 60 秒");
    expect(screen.queryByTestId("voice-read-again")).toBeNull();
    view.rerender(<VoiceMessage message={voice({ text: "", problem: "service_failed" })} onLoadVoice={vi.fn()} onReadAgain={readAgain} />);
    fireEvent.click(screen.getByTestId("voice-read-again"));
    expect(readAgain).toHaveBeenCalledWith(expect.objectContaining({ msg_id: "m9" }));
  });

  it("plays WAV and offers AMR to save", async () => {
    const wav = vi.fn().mockResolvedValue("data:audio/wav;base64,UklGRg==");
    render(<VoiceMessage message={voice()} onLoadVoice={wav} onReadAgain={vi.fn()} />);
    fireEvent.click(screen.getByTestId("voice-play"));
    await screen.findByTestId("voice-audio");
    expect(wav).toHaveBeenCalledWith("/__sandbox/files/f1/voice.wav");
    cleanup();
    const amr = vi.fn().mockResolvedValue("data:audio/amr;base64,IyFBTVIK");
    render(<VoiceMessage message={voice()} onLoadVoice={amr} onReadAgain={vi.fn()} />);
    fireEvent.click(screen.getByTestId("voice-play"));
    const save = await screen.findByTestId("voice-save");
    expect(save.getAttribute("href")).toBe("data:audio/amr;base64,IyFBTVIK");
    expect(screen.queryByTestId("voice-audio")).toBeNull();
  });

  it("a transcript event reaches the stored message, and the spoken words count as the customer's", () => {
    let state = reduce(initialState, { type: "messagesLoaded", sessionId: "c1", messages: [voice()] });
    expect(saidIn(state.messages.c1[0])).toBeNull();
    state = reduce(state, {
      type: "event",
      now: 0,
      event: { type: "message_transcribed", session_id: "c1", msg_id: "m9", transcript: { text: "how long does a refund take", problem: null } },
    });
    const [read] = state.messages.c1;
    expect(saidIn(read)).toBe("how long does a refund take");
    expect(customerLanguage([read], "zh-CN")).toBe("en");
  });
});
