// One call to the reply assistant as the window sees it: started through the core, its text
// appended as the core streams it (`assist` events), then ended with the core's outcome. Steps that
// arrive before the core has answered with the call's id (the stream can outrun the command's reply)
// are held and replayed, so no token is lost; steps of other calls are ignored.

import { useCallback, useRef, useState } from "react";

import type { Backend } from "../../backend/backend";
import type { AssistEvent, AssistInput, AssistOutcome } from "../../backend/bindings";
import { useDeskEvents } from "../../backend/useDeskEvents";

export interface AssistCall {
  /** The core's id, once it has answered. */
  id: string | null;
  sessionId: string;
  input: AssistInput;
  /** What has arrived so far (personal data already put back by the core). */
  text: string;
  /** The provider asked to wait this many seconds before the call goes on. */
  waitingSeconds: number | null;
  outcome: AssistOutcome | null;
}

/** Steps of a call whose id is not known yet are held, up to this many. */
const MAX_HELD_STEPS = 10_000;

/** The agent's language as the assistant's `zh` / `en`. */
export function assistantLanguage(language: string): "zh" | "en" {
  return language.toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function useAssistCall(backend: Backend, onError: (error: unknown) => void) {
  const [call, setCall] = useState<AssistCall | null>(null);
  /** The id of the call on screen; "" while its start is under way. */
  const current = useRef<string | null>(null);
  const held = useRef<AssistEvent[]>([]);
  /** Each start gets a number: a start overtaken by a newer one is dropped when it answers. */
  const generation = useRef(0);

  const apply = useCallback((event: AssistEvent) => {
    setCall((c) => {
      if (!c || c.id !== event.call_id || c.outcome) return c;
      const step = event.step;
      if (step.kind === "text") return { ...c, text: c.text + step.text, waitingSeconds: null };
      if (step.kind === "waiting") return { ...c, waitingSeconds: step.seconds };
      return { ...c, text: step.outcome.text, waitingSeconds: null, outcome: step.outcome };
    });
  }, []);

  useDeskEvents(backend, {
    assist: ({ step: event }) => {
      if (current.current === "") {
        if (held.current.length < MAX_HELD_STEPS) held.current.push(event);
      } else if (event.call_id === current.current) apply(event);
    },
  });

  const cancel = useCallback(() => {
    const id = current.current;
    if (id) void backend.cancelAssist(id).catch(() => {});
  }, [backend]);

  const start = useCallback(
    async (sessionId: string, input: AssistInput, agentLanguage: string) => {
      // A new request replaces the one on screen; one still streaming is stopped first.
      if (call && call.id && !call.outcome) cancel();
      const mine = ++generation.current;
      current.current = "";
      held.current = [];
      setCall({ id: null, sessionId, input, text: "", waitingSeconds: null, outcome: null });
      try {
        const id = await backend.startAssist(sessionId, input, assistantLanguage(agentLanguage));
        if (mine !== generation.current) {
          void backend.cancelAssist(id).catch(() => {});
          return;
        }
        current.current = id;
        setCall((c) => (c ? { ...c, id } : c));
        const early = held.current.filter((e) => e.call_id === id);
        held.current = [];
        for (const event of early) apply(event);
      } catch (error) {
        if (mine !== generation.current) return;
        current.current = null;
        held.current = [];
        setCall(null);
        onError(error);
      }
    },
    [backend, apply, call, cancel, onError],
  );

  const clear = useCallback(() => {
    generation.current += 1;
    current.current = null;
    held.current = [];
    setCall(null);
  }, []);

  /** The agent edits a finished answer in place before using it. */
  const edit = useCallback((text: string) => setCall((c) => (c && c.outcome ? { ...c, text } : c)), []);

  return { call, start, cancel, clear, edit };
}
