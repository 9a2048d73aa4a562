// Where the agent's reply came from, remembered until it is sent: a knowledge article's answer (the
// customer's question then becomes one of the article's questions) or the assistant's draft (then
// recorded as sent as written, or edited). Per session, since the agent may move between them.

import { type RefObject, useCallback, useRef } from "react";

import type { Backend } from "../backend/backend";
import type { KbSuggestionView } from "../backend/bindings";
import type { DraftUse } from "../components/assistant/AssistantPanel";
import type { ComposerHandle } from "../components/Composer";

export interface ReplySources {
  /** The assistant's answer into the reply (inserted, or replacing it). */
  takeDraft: (callId: string, text: string, use: DraftUse, original: string) => void;
  /** An article's answer into the reply. */
  takeArticle: (article: KbSuggestionView) => void;
  /** A reply of `sessionId` was accepted: what it came from learns of it. */
  replySent: (sessionId: string, text: string) => void;
}

export function useReplySources(
  backend: Backend,
  selected: string | null,
  composer: RefObject<ComposerHandle | null>,
): ReplySources {
  const usedArticle = useRef<Record<string, string>>({});
  /** `asWritten` is the reply the draft made unchanged, or null when the agent had already changed
   * it (in the draft area, or by adding it to a reply they had begun). */
  const usedDraft = useRef<Record<string, { callId: string; asWritten: string | null }>>({});

  const takeDraft = useCallback(
    (callId: string, text: string, use: DraftUse, original: string) => {
      if (!selected) return;
      const begun = use === "insert" && (composer.current?.text().trim() ?? "") !== "";
      usedDraft.current[selected] = { callId, asWritten: text === original && !begun ? text : null };
      if (use === "insert") composer.current?.insert(text);
      else composer.current?.replace(text);
    },
    [selected, composer],
  );

  const takeArticle = useCallback(
    (article: KbSuggestionView) => {
      if (selected) usedArticle.current[selected] = article.id;
      composer.current?.insert(article.answer);
    },
    [selected, composer],
  );

  const replySent = useCallback(
    (sessionId: string, text: string) => {
      const article = usedArticle.current[sessionId];
      if (article) {
        delete usedArticle.current[sessionId];
        backend.learnFromAnswer(sessionId, article).catch(() => {});
      }
      const draft = usedDraft.current[sessionId];
      if (draft) {
        delete usedDraft.current[sessionId];
        const fate = draft.asWritten !== null && text.trim() === draft.asWritten.trim() ? "sent" : "edited";
        backend.recordDraftFate(draft.callId, fate).catch(() => {});
      }
    },
    [backend],
  );

  return { takeDraft, takeArticle, replySent };
}
