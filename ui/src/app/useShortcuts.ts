// The workbench's keyboard shortcuts (Ctrl on Windows and Linux, ⌘ on macOS): the next unread
// session, the reply box, the session search, a draft from the assistant, ending the session, a ticket
// from the session.

import { type Dispatch, type RefObject, useEffect } from "react";

import type { AssistantPanelHandle } from "../components/assistant/AssistantPanel";
import type { ComposerHandle } from "../components/Composer";
import type { SessionListHandle } from "../components/SessionList";
import { commandKey } from "../shortcuts";
import { type Action, nextUnread, type WorkbenchState } from "../state/workbench";

export interface ShortcutTargets {
  composer: RefObject<ComposerHandle | null>;
  sessionList: RefObject<SessionListHandle | null>;
  assistant: RefObject<AssistantPanelHandle | null>;
  endSession: () => void;
  createTicket: () => void;
}

export function useShortcuts(state: WorkbenchState, dispatch: Dispatch<Action>, targets: ShortcutTargets): void {
  const { composer, sessionList, assistant, endSession, createTicket } = targets;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!commandKey(e)) return;
      const key = e.key.toLowerCase();
      if (key === "j") {
        const id = nextUnread(state);
        if (id) dispatch({ type: "select", sessionId: id });
      } else if (key === "l") {
        composer.current?.focus();
      } else if (key === "f") {
        sessionList.current?.focusSearch();
      } else if (key === "d" && e.shiftKey) {
        assistant.current?.draft();
      } else if (key === "e" && e.shiftKey) {
        endSession();
      } else if (key === "t" && e.shiftKey) {
        createTicket();
      } else {
        return;
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [state, dispatch, composer, sessionList, assistant, endSession, createTicket]);
}
