// The session queue: tabs (waiting / mine / ended), search, and keyboard navigation (↑/↓ in the
// list). Each row: customer, channel, last message, waiting time, unread count. The list is
// virtualized and its rows memoized: a supervisor-sized queue of hundreds of sessions keeps only the
// visible rows in the DOM, and a new message re-renders the one row it changed.

import { useVirtualizer } from "@tanstack/react-virtual";
import { forwardRef, memo, type RefObject, useCallback, useImperativeHandle, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Message, Session } from "../backend/bindings";
import { customerText, duration } from "../format";
import { sessionsForTab, waitingSince, type SessionTab, type WorkbenchState } from "../state/workbench";
import { useNow } from "../useNow";

export interface SessionListHandle {
  focusSearch(): void;
}

const TABS: SessionTab[] = ["waiting", "mine", "ended"];
const ROW_HEIGHT = 68;

export const SessionList = forwardRef<SessionListHandle, { state: WorkbenchState; onSelect: (id: string) => void }>(
  function SessionList({ state, onSelect }, ref) {
    const { t } = useTranslation();
    const [tab, setTab] = useState<SessionTab>("mine");
    const [search, setSearch] = useState("");
    const searchBox = useRef<HTMLInputElement>(null);
    const listRef = useRef<HTMLUListElement>(null);
    const now = useNow(1000);
    useImperativeHandle(ref, () => ({ focusSearch: () => searchBox.current?.focus() }));
    // Order and filter depend only on sessions and last messages: typing or unread changes reuse them.
    const { sessions: allSessions, lastMessage } = state;
    const sessions = useMemo(
      () => sessionsForTab({ sessions: allSessions, lastMessage }, tab, search),
      [allSessions, lastMessage, tab, search],
    );
    const counts = useMemo(
      () => Object.fromEntries(TABS.map((name) => [name, sessionsForTab({ sessions: allSessions, lastMessage }, name, "").length])),
      [allSessions, lastMessage],
    );

    const { virtualizer, move } = useQueueNavigation(sessions, state.selected, onSelect, listRef);

    return (
      <nav className="sessions" aria-label={t("sessions.label")}>
        <QueueTabs tab={tab} onTab={setTab} counts={counts} />
        <input
          ref={searchBox}
          type="search"
          className="search"
          placeholder={t("sessions.search")}
          aria-label={t("sessions.search")}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <ul
          ref={listRef}
          className="session-list"
          role="listbox"
          aria-label={t(`sessions.tabs.${tab}`)}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") move(1);
            else if (e.key === "ArrowUp") move(-1);
            else return;
            e.preventDefault();
          }}
        >
          {sessions.length === 0 && <li className="empty">{t(`sessions.empty.${tab}`)}</li>}
          {sessions.length > 0 && (
            <li role="presentation" className="session-list-spacer" style={{ height: virtualizer.getTotalSize() }}>
              {virtualizer.getVirtualItems().map((item) => (
                <SessionRow
                  key={item.key}
                  index={item.index}
                  total={sessions.length}
                  top={item.start}
                  measure={virtualizer.measureElement}
                  onSelect={onSelect}
                  {...rowContent(state, sessions[item.index], (since) => duration(t, now - since))}
                />
              ))}
            </li>
          )}
        </ul>
      </nav>
    );
  },
);

/** The virtualized rows and ↑/↓: moving selects the next session, scrolls it in and focuses it. */
function useQueueNavigation(
  sessions: Session[],
  selected: string | null,
  onSelect: (id: string) => void,
  listRef: RefObject<HTMLUListElement | null>,
) {
  // Stable per list, so the virtualizer keeps its measurements across renders of the same list.
  const getItemKey = useCallback((index: number) => sessions[index].id, [sessions]);
  const virtualizer = useVirtualizer({
    count: sessions.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    // Rows are drawn on the first frame, before the list has been measured.
    initialRect: { width: 280, height: 800 },
    getItemKey,
  });

  const move = (delta: number) => {
    if (sessions.length === 0) return;
    const index = sessions.findIndex((s) => s.id === selected);
    const nextIndex = Math.min(sessions.length - 1, Math.max(0, index + delta));
    const next = sessions[nextIndex];
    onSelect(next.id);
    // The row may not be in the DOM yet: scroll it in, then focus it once it is drawn.
    virtualizer.scrollToIndex(nextIndex);
    requestAnimationFrame(() => {
      const rows = listRef.current?.querySelectorAll<HTMLElement>("[data-session-id]") ?? [];
      Array.from(rows).find((row) => row.dataset.sessionId === next.id)?.focus();
    });
  };
  return { virtualizer, move };
}

/** The queue's tabs, each with how many sessions it holds. */
function QueueTabs({ tab, onTab, counts }: { tab: SessionTab; onTab: (tab: SessionTab) => void; counts: Record<string, number> }) {
  const { t } = useTranslation();
  return (
    <div role="tablist" className="tabs">
      {TABS.map((name) => (
        <button key={name} type="button" role="tab" aria-selected={tab === name} onClick={() => onTab(name)} data-testid={`tab-${name}`}>
          {t(`sessions.tabs.${name}`)} <span className="count">{counts[name]}</span>
        </button>
      ))}
    </div>
  );
}

/** What a session's row shows, from the workbench's state (plain values, so the memoized row compares them). */
function rowContent(state: WorkbenchState, session: Session, waitedFor: (since: number) => string) {
  const since = waitingSince(state, session.id);
  return {
    session,
    last: state.lastMessage[session.id],
    unread: state.unread[session.id] ?? 0,
    upsetRisk: state.moods[session.id]?.warn ? state.moods[session.id].risk : null,
    waiting: since === null ? null : waitedFor(since),
    selected: session.id === state.selected,
  };
}

/** One row; memoized, so only rows whose content changed are rendered again. */
const SessionRow = memo(function SessionRow(props: {
  index: number;
  total: number;
  top: number;
  measure: (element: HTMLElement | null) => void;
  session: Session;
  last: Message | undefined;
  unread: number;
  /** The complaint risk when the customer is upset enough to warn about, else null. */
  upsetRisk: number | null;
  waiting: string | null;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const { t } = useTranslation();
  const { session, last, unread, selected, onSelect } = props;
  return (
    <div
      ref={props.measure}
      data-index={props.index}
      role="option"
      aria-selected={selected}
      aria-setsize={props.total}
      aria-posinset={props.index + 1}
      tabIndex={selected ? 0 : -1}
      className={`session-item${selected ? " selected" : ""}`}
      data-testid="session-item"
      data-session-id={session.id}
      style={{ transform: `translateY(${props.top}px)` }}
      onClick={() => onSelect(session.id)}
      onKeyDown={(e) => e.key === "Enter" && onSelect(session.id)}
    >
      <div className="row">
        <span className="name">{customerText(session.visitor_name)}</span>
        <span className="channel">{t(`channels.${session.channel}`)}</span>
        {props.upsetRisk !== null && (
          <span
            className="mood-badge"
            role="img"
            aria-label={t("sessions.moodBadge", { percent: Math.round(props.upsetRisk * 100) })}
            title={t("sessions.moodBadge", { percent: Math.round(props.upsetRisk * 100) })}
            data-testid="sentiment-warning"
          >
            ⚠
          </span>
        )}
        {unread > 0 && (
          <span className="badge" aria-label={t("sessions.unreadBadge", { count: unread })} data-testid="unread-badge">
            {unread}
          </span>
        )}
      </div>
      <div className="row">
        <span className="preview">
          {/* A picture, file or voice message is named by its kind, not by its address. */}
          {!last ? t("sessions.noMessages") : last.kind === "text" ? customerText(last.content.slice(0, 200)) : t(`conversation.${last.kind}`)}
        </span>
      </div>
      <div className="row meta">
        {props.waiting !== null && <span className="waiting">{t("sessions.waitingFor", { duration: props.waiting })}</span>}
        {session.rating !== null && <span>{t("sessions.rated", { score: session.rating })}</span>}
      </div>
    </div>
  );
});
