// A customer's voice message: its words under it once the core has read them (or why it could
// not: too long, a format the speech service does not take, a failed call), and the audio fetched
// through the app on the agent's click: played where the webview can play its format, else offered
// to save. The words are customer text: shown as text, never markup.

import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { Message } from "../backend/bindings";
import { customerText } from "../format";

/** What a webview plays everywhere AgentDesk runs (WebView2, WebKitGTK, WKWebView). AMR and SILK
 * are saved instead. */
const PLAYABLE = ["audio/wav", "audio/mpeg", "audio/ogg"];

/** Problems a second try may get past (the audio or the service was unreachable a moment). */
const RETRIABLE = new Set(["not_fetched", "service_failed"]);

export function VoiceMessage({
  message,
  onLoadVoice,
  onReadAgain,
}: {
  message: Message;
  onLoadVoice: (address: string) => Promise<string>;
  onReadAgain: (message: Message) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [audio, setAudio] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const transcript = message.transcript;
  const mime = audio?.slice(5, audio.indexOf(";")) ?? "";

  const load = () => {
    setLoading(true);
    setFailed(null);
    onLoadVoice(message.content)
      .then(setAudio)
      .catch((e: unknown) => setFailed(e instanceof Error ? e.message : String(e)))
      .finally(() => setLoading(false));
  };

  return (
    <span className="voice" data-testid="voice-message">
      <span className="voice-head">
        <span>{t("conversation.voice")}</span>
        {!audio && (
          <button type="button" className="link" disabled={loading} onClick={load} data-testid="voice-play">
            {loading ? t("conversation.voiceLoading") : t("conversation.voicePlay")}
          </button>
        )}
        {audio && PLAYABLE.includes(mime) && <audio controls autoPlay src={audio} data-testid="voice-audio" />}
        {audio && !PLAYABLE.includes(mime) && (
          <a href={audio} download={`voice-${message.msg_id ?? "message"}`} data-testid="voice-save">
            {t("conversation.voiceSave")}
          </a>
        )}
        {failed && <span className="muted"> {failed}</span>}
      </span>
      {!transcript && message.direction === "in" && (
        <span className="voice-transcript muted" data-testid="voice-reading">
          {t("conversation.voiceReading")}
        </span>
      )}
      {transcript && !transcript.problem && (
        <span className="voice-transcript" data-testid="voice-transcript">
          {customerText(transcript.text)}
        </span>
      )}
      {transcript?.problem && (
        <span className="voice-transcript warning" data-testid="voice-problem" data-problem={transcript.problem}>
          {t(`conversation.voiceProblems.${transcript.problem}`)}{" "}
          {RETRIABLE.has(transcript.problem) && (
            <button type="button" className="link" onClick={() => onReadAgain(message).catch((e: unknown) => setFailed(e instanceof Error ? e.message : String(e)))} data-testid="voice-read-again">
              {t("conversation.voiceReadAgain")}
            </button>
          )}
        </span>
      )}
    </span>
  );
}
