// The conversation in focus: loaded whole (it is virtualized, so its size is no problem), and again
// whenever the core caught it up from the platform's records or the window resynced; its customer's
// newest message (the knowledge tab follows it once a burst has settled); and its mood (each
// customer message brings the new one; a session opened before any message since start is asked).

import { type Dispatch, useEffect, useMemo } from "react";

import type { Backend } from "../backend/backend";
import type { Message, SessionMood } from "../backend/bindings";
import type { Action, WorkbenchState } from "../state/workbench";
import { useSettled } from "../useSettled";

const MESSAGE_PAGE = 10_000;
/** How long the customer must pause before the knowledge tab follows their newest message. */
const INBOUND_SETTLE_MS = 250;

export interface OpenConversation {
  messages: Message[];
  newestInbound: Message | null;
  /** Names the newest customer message once the customer has paused. */
  newestInboundKey: string | null;
  mood: SessionMood | undefined;
}

export function useOpenConversation(
  backend: Backend,
  state: WorkbenchState,
  dispatch: Dispatch<Action>,
  onError: (error: unknown) => void,
): OpenConversation {
  const id = state.selected;
  const caughtUp = id ? (state.caughtUp[id] ?? 0) : 0;
  const resyncs = state.resyncs;
  useEffect(() => {
    if (!id) return;
    backend
      .messages(id, MESSAGE_PAGE)
      .then((messages) => dispatch({ type: "messagesLoaded", sessionId: id, messages }))
      .catch(onError);
  }, [backend, id, caughtUp, resyncs, dispatch, onError]);

  const workspace = state.workspace;
  useEffect(() => {
    let current = true;
    if (id) {
      backend
        .sessionMood(id)
        .then((mood) => current && dispatch({ type: "mood", event: { kind: "mood", workspace, mood } }))
        .catch(() => {});
    }
    return () => {
      current = false;
    };
  }, [backend, id, workspace, dispatch]);

  const messages = useMemo(() => (id ? state.messages[id] ?? [] : []), [id, state.messages]);
  const newestInbound = useMemo(() => {
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i].direction === "in") return messages[i];
    return null;
  }, [messages]);
  // A voice message names itself again once it is read: its words are then the customer's question.
  const newestInboundKey = useSettled(
    newestInbound
      ? `${newestInbound.session_id}:${newestInbound.msg_id ?? newestInbound.sent_at_ms}${newestInbound.transcript ? ":read" : ""}`
      : null,
    INBOUND_SETTLE_MS,
  );
  return { messages, newestInbound, newestInboundKey, mood: id ? state.moods[id] : undefined };
}
