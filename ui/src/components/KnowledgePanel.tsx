// The Knowledge tab: the best articles for the customer's newest message (asked again whenever the
// customer writes), or for the agent's own search, with the words that matched marked. "Use" puts an
// answer into the reply box for the agent to edit; when that reply is sent, the core learns the
// customer's question as one of the article's (App calls `learnFromAnswer`).

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "../backend/backend";
import type { IndexingProgress, KbSuggestionView, Session } from "../backend/bindings";
import { useDeskEvents } from "../backend/useDeskEvents";
import { describeError } from "../errors";
import { ErrorLine } from "./formParts";

/** The matched question with its matched words in <mark>: text split at the ranges, never markup. */
function Marked({ text, ranges }: { text: string; ranges: [number, number][] }) {
  const chars = Array.from(text);
  const parts: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const [from, to] of ranges) {
    if (from > at) parts.push({ text: chars.slice(at, from).join(""), marked: false });
    parts.push({ text: chars.slice(from, to).join(""), marked: true });
    at = to;
  }
  if (at < chars.length) parts.push({ text: chars.slice(at).join(""), marked: false });
  return (
    <>
      {parts.map((part, index) => (part.marked ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>))}
    </>
  );
}

export function KnowledgePanel(props: {
  backend: Backend;
  session: Session;
  /** Changes whenever the customer writes, so the suggestions follow the newest message. */
  newestInbound: string | null;
  onUse: (article: KbSuggestionView) => void;
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [asked, setAsked] = useState<string | null>(null);
  const [suggestions, setSuggestions] = useState<KbSuggestionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [indexing, setIndexing] = useState<IndexingProgress | null>(null);
  const sessionId = props.session.id;

  useDeskEvents(props.backend, { indexing: (event) => setIndexing(event.progress) });

  useEffect(() => {
    let current = true;
    setError(null);
    props.backend
      .knowledgeSuggestions(sessionId, asked)
      .then((found) => current && setSuggestions(found))
      .catch((e: unknown) => current && setError(describeError(e)));
    return () => {
      current = false;
    };
  }, [props.backend, sessionId, asked, props.newestInbound]);

  return (
    <section role="tabpanel" className="knowledge">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(query.trim() ? query.trim() : null);
        }}
      >
        <input
          type="search"
          aria-label={t("knowledge.search")}
          placeholder={t("knowledge.search")}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          data-testid="kb-search"
        />
        <button type="submit">{t("knowledge.searchButton")}</button>
      </form>
      {indexing && <IndexingNote indexing={indexing} />}
      <p className="muted">{asked ? t("knowledge.forQuery", { query: asked }) : t("knowledge.forMessage")}</p>
      {suggestions === null && !error && <p role="status">{t("knowledge.loading")}</p>}
      {suggestions?.length === 0 && <p className="muted">{t("knowledge.none")}</p>}
      <ol className="suggestions">
        {suggestions?.map((s) => (
          <li key={s.id} data-testid="kb-suggestion" data-article-id={s.id}>
            <strong>{s.title}</strong>
            <div className="muted">
              <Marked text={s.matched_question} ranges={s.highlights} />
            </div>
            <p>{s.answer}</p>
            <button type="button" className="link" onClick={() => props.onUse(s)} data-testid="kb-use">
              {t("knowledge.use")}
            </button>
          </li>
        ))}
      </ol>
      <ErrorLine message={error && t("knowledge.failed", { message: error })} />
    </section>
  );
}

/** How far the knowledge base's indexing is, or that it ranks by words only (and why, on hover). */
function IndexingNote({ indexing }: { indexing: IndexingProgress }) {
  const { t } = useTranslation();
  return (
    <>
      {indexing.problem && (
        <p className="muted" role="note" data-testid="kb-lexical-only" title={indexing.problem}>
          {t("knowledge.wordsOnly")}
        </p>
      )}
      {!indexing.problem && indexing.done < indexing.total && (
        <p role="status" className="muted" data-testid="kb-indexing">
          <progress value={indexing.done} max={indexing.total} />{" "}
          {t("knowledge.indexing", { done: indexing.done, total: indexing.total })}
        </p>
      )}
    </>
  );
}
