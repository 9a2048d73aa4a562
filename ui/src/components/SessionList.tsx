// The session queue: tabs (waiting / mine / ended), search, and keyboard navigation (↑/↓ in the
// list). Each row: customer, channel, last message, waiting time, unread count.

import { forwardRef, useImperativeHandle, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { duration } from "../format";
import { sessionsForTab, waitingSince, type SessionTab, type WorkbenchState } from "../state/workbench";
import { useNow } from "../useNow";

export interface SessionListHandle {
  focusSearch(): void;
}

const TABS: SessionTab[] = ["waiting", "mine", "ended"];

export const SessionList = forwardRef<SessionListHandle, { state: WorkbenchState; onSelect: (id: string) => void }>(
  function SessionList({ state, onSelect }, ref) {
    const { t } = useTranslation();
    const [tab, setTab] = useState<SessionTab>("mine");
    const [search, setSearch] = useState("");
    const searchBox = useRef<HTMLInputElement>(null);
    const listRef = useRef<HTMLUListElement>(null);
    const now = useNow(1000);
    useImperativeHandle(ref, () => ({ focusSearch: () => searchBox.current?.focus() }));
    const sessions = sessionsForTab(state, tab, search);

    const move = (delta: number) => {
      if (sessions.length === 0) return;
      const index = sessions.findIndex((s) => s.id === state.selected);
      const next = sessions[Math.min(sessions.length - 1, Math.max(0, index + delta))];
      onSelect(next.id);
      listRef.current?.querySelector<HTMLElement>(`[data-session-id="${CSS.escape(next.id)}"]`)?.focus();
    };

    return (
      <nav className="sessions" aria-label={t("sessions.label")}>
        <div role="tablist" className="tabs">
          {TABS.map((name) => {
            const count = sessionsForTab(state, name, "").length;
            return (
              <button key={name} type="button" role="tab" aria-selected={tab === name} onClick={() => setTab(name)} data-testid={`tab-${name}`}>
                {t(`sessions.tabs.${name}`)} <span className="count">{count}</span>
              </button>
            );
          })}
        </div>
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
          {sessions.map((session) => {
            const last = state.lastMessage[session.id];
            const unread = state.unread[session.id] ?? 0;
            const since = waitingSince(state, session.id);
            const selected = session.id === state.selected;
            return (
              <li
                key={session.id}
                role="option"
                aria-selected={selected}
                tabIndex={selected ? 0 : -1}
                className={`session-item${selected ? " selected" : ""}`}
                data-testid="session-item"
                data-session-id={session.id}
                onClick={() => onSelect(session.id)}
                onKeyDown={(e) => e.key === "Enter" && onSelect(session.id)}
              >
                <div className="row">
                  <span className="name">{session.visitor_name}</span>
                  <span className="channel">{t(`channels.${session.channel}`)}</span>
                  {unread > 0 && (
                    <span className="badge" aria-label={t("sessions.unreadBadge", { count: unread })} data-testid="unread-badge">
                      {unread}
                    </span>
                  )}
                </div>
                <div className="row">
                  <span className="preview">{last ? last.content : t("sessions.noMessages")}</span>
                </div>
                <div className="row meta">
                  {since !== null && <span className="waiting">{t("sessions.waitingFor", { duration: duration(t, now - since) })}</span>}
                  {session.rating !== null && <span>{t("sessions.rated", { score: session.rating })}</span>}
                </div>
              </li>
            );
          })}
        </ul>
      </nav>
    );
  },
);
