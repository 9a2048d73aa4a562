// The agent's replies on their way out, as the window sees them: shown at once as pending (an
// optimistic copy under a client id the core keeps, so a double click or a retry sends once), then
// confirmed by the core's events; a reply the core never accepted stays here, marked, to be retried;
// an image the core has not accepted yet is kept so a retry sends the image itself again.

import { type Dispatch, useCallback, useRef } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { Message } from "../backend/bindings";
import type { PastedImage } from "../components/Composer";
import { describeError } from "../errors";
import type { Action, WorkbenchState } from "../state/workbench";

function newClientId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `ui-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** The reply as the window shows it until the core's events confirm it. */
function pendingCopy(sessionId: string, clientMsgId: string, kind: Message["kind"], content: string, senderName: string): Message {
  return {
    session_id: sessionId,
    msg_id: null,
    client_msg_id: clientMsgId,
    direction: "out",
    kind,
    content,
    sender_name: senderName,
    sent_at_ms: Date.now(),
    status: "pending",
  };
}

export interface Outbox {
  send: (text: string) => Promise<void>;
  sendImage: (image: PastedImage) => Promise<void>;
  retry: (message: Message) => Promise<void>;
  loadImage: (address: string) => Promise<string>;
  /** A customer's voice message as a `data:` URL (its type read from its bytes). */
  loadVoice: (address: string) => Promise<string>;
  /** Reads a voice message as text again (its transcript comes as an event). */
  readVoiceAgain: (message: Message) => Promise<void>;
}

/** `onSent(sessionId, text)` hears of each text reply the core accepted. */
export function useOutbox(
  backend: Backend,
  state: WorkbenchState,
  dispatch: Dispatch<Action>,
  onSent: (sessionId: string, text: string) => void,
): Outbox {
  const { t } = useTranslation();
  const unacceptedImages = useRef<Record<string, PastedImage>>({});
  const selected = state.selected;

  const optimistic = useCallback(
    (sessionId: string, clientMsgId: string, kind: Message["kind"], content: string) =>
      pendingCopy(sessionId, clientMsgId, kind, content, t("conversation.you")),
    [t],
  );

  const send = useCallback(
    async (text: string) => {
      if (!selected) return;
      const clientMsgId = newClientId();
      dispatch({ type: "optimisticSend", message: optimistic(selected, clientMsgId, "text", text) });
      try {
        await backend.sendText(selected, text, clientMsgId);
        onSent(selected, text);
      } catch (error) {
        dispatch({ type: "sendFailed", sessionId: selected, clientMsgId, error: describeError(error) });
      }
    },
    [backend, selected, dispatch, optimistic, onSent],
  );

  const sendImage = useCallback(
    async (image: PastedImage) => {
      if (!selected) return;
      const clientMsgId = newClientId();
      unacceptedImages.current[clientMsgId] = image;
      dispatch({ type: "optimisticSend", message: optimistic(selected, clientMsgId, "image", image.fileName) });
      try {
        await backend.sendImage(selected, image.fileName, image.mime, image.dataBase64, clientMsgId);
        delete unacceptedImages.current[clientMsgId];
      } catch (error) {
        dispatch({ type: "sendFailed", sessionId: selected, clientMsgId, error: describeError(error) });
      }
    },
    [backend, selected, dispatch, optimistic],
  );

  const unsentLocally = state.unsentLocally;
  const retry = useCallback(
    async (message: Message) => {
      const clientMsgId = message.client_msg_id;
      if (!clientMsgId) return;
      const sessionId = message.session_id;
      const neverAccepted = unsentLocally[clientMsgId] === true;
      dispatch({ type: "retrying", clientMsgId, sessionId });
      try {
        // A message the core never accepted is sent again (same id, so at most once); one the core
        // holds as failed goes back into its outbox.
        const image = unacceptedImages.current[clientMsgId];
        if (neverAccepted && image) {
          await backend.sendImage(sessionId, image.fileName, image.mime, image.dataBase64, clientMsgId);
          delete unacceptedImages.current[clientMsgId];
        } else if (neverAccepted) await backend.sendText(sessionId, message.content, clientMsgId);
        else await backend.retrySend(clientMsgId);
      } catch (error) {
        dispatch({ type: "sendFailed", sessionId, clientMsgId, error: describeError(error) });
      }
    },
    [backend, unsentLocally, dispatch],
  );

  const loadImage = useCallback((address: string) => backend.fetchImage(address).catch((error) => Promise.reject(new Error(describeError(error)))), [backend]);

  const loadVoice = useCallback((address: string) => backend.voiceAudio(address).catch((error) => Promise.reject(new Error(describeError(error)))), [backend]);
  const readVoiceAgain = useCallback(
    async (message: Message) => {
      if (!message.msg_id) return;
      await backend.readVoiceAgain(message.session_id, message.msg_id).catch((error) => Promise.reject(new Error(describeError(error))));
    },
    [backend],
  );
  return { send, sendImage, retry, loadImage, loadVoice, readVoiceAgain };
}
