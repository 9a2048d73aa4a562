// The workbench's state as pure functions: ordering of messages, unread counts, optimistic sends.
// Components render it; the backend's events and answers feed it. Nothing here touches the DOM or IPC,
// so every rule is unit-tested.

import type { ConnectionState, DeliveryFailure, DomainEvent, Message, Session, SessionMood, WorkbenchSnapshot } from "../backend/bindings";
import type { DeskEventOf } from "../backend/events";

/** A domain event of a workspace, as the workbench sends it. */
export type DomainUpdate = DeskEventOf<"domain">;
/** A session's mood changed what the window shows. */
export type MoodUpdate = DeskEventOf<"mood">;
/** Events were lost on the way: everything shown is read again. */
export type Resync = DeskEventOf<"resync">;

export type SessionTab = "waiting" | "mine" | "ended";

export interface WorkbenchState {
  ready: boolean;
  /** The workspace generation on screen (changes with a tenant switch); 0 before the first snapshot. */
  workspace: number;
  /** Events of a newer workspace that arrived before its snapshot: applied once it lands. */
  early: DomainUpdate[];
  snapshot: Pick<WorkbenchSnapshot, "mode" | "account_name" | "tenant_id" | "tenant_name" | "agent_login" | "storage_warning"> | null;
  sessions: Record<string, Session>;
  lastMessage: Record<string, Message | undefined>;
  /** Conversations loaded so far, each in display order. */
  messages: Record<string, Message[]>;
  unread: Record<string, number>;
  selected: string | null;
  connection: ConnectionState;
  /** When each session's visitor last showed typing (ms). */
  typingAt: Record<string, number>;
  queueWaiting: number;
  /** Why an outbound message failed, by client id: the details as given... */
  sendErrors: Record<string, string>;
  /** ...and, when the platform refused it, the kind of refusal (said in the agent's language). */
  sendFailures: Record<string, DeliveryFailure>;
  /** Client ids the core never accepted (the send call itself failed): a retry sends them again. */
  unsentLocally: Record<string, true>;
  /** Each session's mood as last judged (after its customer's newest message). */
  moods: Record<string, SessionMood>;
  /** Why nothing new can be saved on this computer right now (a full disk), if so. */
  storageProblem: string | null;
  /** How often each session was caught up from the platform's records: a loaded conversation is
   * read again when its count moves (messages may have been added or moved to exact times). */
  caughtUp: Record<string, number>;
  /** How often the window missed events and had to read everything again: the open conversation is
   * read again when it moves. */
  resyncs: number;
}

export const initialState: WorkbenchState = {
  ready: false,
  workspace: 0,
  early: [],
  snapshot: null,
  sessions: {},
  lastMessage: {},
  messages: {},
  unread: {},
  selected: null,
  connection: { state: "connecting" },
  typingAt: {},
  queueWaiting: 0,
  sendErrors: {},
  sendFailures: {},
  unsentLocally: {},
  moods: {},
  storageProblem: null,
  caughtUp: {},
  resyncs: 0,
};

export type Action =
  | { type: "snapshot"; snapshot: WorkbenchSnapshot }
  | { type: "messagesLoaded"; sessionId: string; messages: Message[] }
  | { type: "event"; event: DomainEvent; now: number }
  | { type: "events"; events: DomainUpdate[]; now: number }
  | { type: "mood"; event: MoodUpdate }
  | { type: "resynced"; event: Resync }
  | { type: "select"; sessionId: string | null }
  | { type: "optimisticSend"; message: Message }
  | { type: "sendFailed"; clientMsgId: string; sessionId: string; error: string }
  | { type: "retrying"; clientMsgId: string; sessionId: string };

/** By the platform's time (Sobot numbers no messages); an outbound message not confirmed yet by
 * when the agent wrote it. Equal times keep their arrival order (the sort is stable). */
export function compareMessages(a: Message, b: Message): number {
  return a.sent_at_ms - b.sent_at_ms;
}

function sameMessage(a: Message, b: Message): boolean {
  if (a.client_msg_id && b.client_msg_id) return a.client_msg_id === b.client_msg_id;
  return !!a.msg_id && a.msg_id === b.msg_id;
}

/** Inserts or replaces `message` (matched by client id, then platform id), keeping order. */
export function upsertMessage(list: Message[], message: Message): Message[] {
  // From the end: an update is nearly always about one of the newest messages.
  let index = list.length - 1;
  while (index >= 0 && !sameMessage(list[index], message)) index--;
  const next = index >= 0 ? list.map((m, i) => (i === index ? { ...m, ...message } : m)) : [...list, message];
  // Lists arrive nearly sorted: only re-sort when the new message is out of place.
  const position = index >= 0 ? index : next.length - 1;
  const prev = next[position - 1];
  const after = next[position + 1];
  if ((prev && compareMessages(prev, next[position]) > 0) || (after && compareMessages(next[position], after) > 0)) {
    return [...next].sort(compareMessages);
  }
  return next;
}

function newer(a: Message | undefined, b: Message): Message {
  return !a || compareMessages(a, b) <= 0 || a.session_id !== b.session_id ? b : a;
}

export function reduce(state: WorkbenchState, action: Action): WorkbenchState {
  switch (action.type) {
    case "snapshot":
      return fromSnapshot(state, action.snapshot);
    case "messagesLoaded": {
      // Keep optimistic messages the backend does not know yet.
      const loaded = [...action.messages].sort(compareMessages);
      const local = (state.messages[action.sessionId] ?? []).filter(
        (m) => m.client_msg_id && !loaded.some((l) => sameMessage(l, m)),
      );
      const merged = local.reduce(upsertMessage, loaded);
      return { ...state, messages: { ...state.messages, [action.sessionId]: merged } };
    }
    case "select":
      return selectSession(state, action.sessionId);
    case "optimisticSend":
      return storeMessage(state, action.message, false);
    case "sendFailed": {
      const list = state.messages[action.sessionId] ?? [];
      const messages = list.map((m) => (m.client_msg_id === action.clientMsgId ? { ...m, status: "failed" as const } : m));
      return {
        ...state,
        messages: { ...state.messages, [action.sessionId]: messages },
        sendErrors: { ...state.sendErrors, [action.clientMsgId]: action.error },
        unsentLocally: { ...state.unsentLocally, [action.clientMsgId]: true },
      };
    }
    case "retrying": {
      const list = state.messages[action.sessionId] ?? [];
      const messages = list.map((m) => (m.client_msg_id === action.clientMsgId ? { ...m, status: "pending" as const } : m));
      const sendErrors = { ...state.sendErrors };
      delete sendErrors[action.clientMsgId];
      const unsentLocally = { ...state.unsentLocally };
      delete unsentLocally[action.clientMsgId];
      return { ...state, messages: { ...state.messages, [action.sessionId]: messages }, sendErrors, unsentLocally };
    }
    case "event":
      return applyEvent(state, action.event, action.now);
    case "mood":
      // A previous tenant's judgement goes nowhere.
      if (action.event.workspace !== state.workspace) return state;
      return { ...state, moods: { ...state.moods, [action.event.mood.session_id]: action.event.mood } };
    case "resynced":
      // A previous tenant's bridge lagging says nothing about this one (its snapshot is read anyway).
      if (action.event.workspace !== state.workspace) return state;
      return { ...state, resyncs: state.resyncs + 1 };
    case "events":
      // Only the workspace on screen: a previous tenant's stragglers are dropped, a newer one's wait
      // for its snapshot.
      return action.events.reduce((next, e) => {
        // Once a newer workspace has spoken, the one on screen is over even before its snapshot.
        const superseded = next.early.some((early) => early.workspace > e.workspace);
        if (e.workspace === next.workspace && !superseded) return applyEvent(next, e.event, action.now);
        if (e.workspace > next.workspace) return { ...next, early: [...next.early, e] };
        return next;
      }, state);
  }
}

/** The workspace as a snapshot shows it; events that came before it (for its workspace) applied on top. */
function fromSnapshot(state: WorkbenchState, snapshot: WorkbenchSnapshot): WorkbenchState {
  // Another workspace (a tenant switch) starts from nothing: no session, message, draft count
  // or selection of the previous tenant survives.
  const base = snapshot.workspace === state.workspace ? state : { ...initialState, early: state.early };
  const sessions: Record<string, Session> = {};
  const lastMessage: Record<string, Message | undefined> = {};
  for (const summary of snapshot.sessions) {
    sessions[summary.session.id] = summary.session;
    lastMessage[summary.session.id] = summary.last_message ?? undefined;
  }
  const { mode, account_name, tenant_id, tenant_name, agent_login, storage_warning } = snapshot;
  const next: WorkbenchState = {
    ...base,
    ready: true,
    workspace: snapshot.workspace,
    early: [],
    snapshot: { mode, account_name, tenant_id, tenant_name, agent_login, storage_warning },
    sessions,
    lastMessage,
    connection: snapshot.connection,
    storageProblem: snapshot.storage_problem,
  };
  return base.early
    .filter((e) => e.workspace === snapshot.workspace)
    .reduce((acc, e) => applyEvent(acc, e.event, Date.now()), next);
}

/** Opens a session: its unread count cleared, and only its conversation kept in memory. */
function selectSession(state: WorkbenchState, sessionId: string | null): WorkbenchState {
  const unread = { ...state.unread };
  if (sessionId) delete unread[sessionId];
  // Only the open conversation stays in memory (a switch back reloads it from the local
  // database in milliseconds); messages the core never accepted live only here, so they stay.
  const messages: Record<string, Message[]> = {};
  for (const [id, list] of Object.entries(state.messages)) {
    const kept = id === sessionId ? list : list.filter((m) => m.client_msg_id && state.unsentLocally[m.client_msg_id]);
    if (id === sessionId || kept.length > 0) messages[id] = kept;
  }
  return { ...state, selected: sessionId, unread, messages };
}

function storeMessage(state: WorkbenchState, message: Message, countUnread: boolean): WorkbenchState {
  const id = message.session_id;
  const loaded = state.messages[id];
  const messages = loaded ? { ...state.messages, [id]: upsertMessage(loaded, message) } : state.messages;
  const unread =
    countUnread && message.direction === "in" && state.selected !== id
      ? { ...state.unread, [id]: (state.unread[id] ?? 0) + 1 }
      : state.unread;
  const typingAt = { ...state.typingAt };
  if (message.direction === "in") delete typingAt[id];
  return { ...state, messages, unread, typingAt, lastMessage: { ...state.lastMessage, [id]: newer(state.lastMessage[id], message) } };
}

function applyEvent(state: WorkbenchState, event: DomainEvent, now: number): WorkbenchState {
  switch (event.type) {
    case "session_opened":
      return { ...state, sessions: { ...state.sessions, [event.session.id]: event.session } };
    case "session_ended": {
      const session = state.sessions[event.session_id];
      if (!session) return state;
      // An ended session warns no more.
      const { [event.session_id]: _ended, ...moods } = state.moods;
      return { ...state, moods, sessions: { ...state.sessions, [event.session_id]: { ...session, state: "ended" } } };
    }
    case "session_rated": {
      const session = state.sessions[event.session_id];
      if (!session) return state;
      return { ...state, sessions: { ...state.sessions, [event.session_id]: { ...session, rating: event.score } } };
    }
    case "message_stored":
      return storeMessage(state, event.message, true);
    case "message_transcribed": {
      // A voice message read as text: the words appear under it (and the knowledge tab follows).
      const apply = (m: Message): Message => (m.msg_id === event.msg_id ? { ...m, transcript: event.transcript } : m);
      const list = state.messages[event.session_id];
      const messages = list?.some((m) => m.msg_id === event.msg_id) ? { ...state.messages, [event.session_id]: list.map(apply) } : state.messages;
      const last = state.lastMessage[event.session_id];
      const lastMessage = last && last.msg_id === event.msg_id ? { ...state.lastMessage, [event.session_id]: apply(last) } : state.lastMessage;
      return { ...state, messages, lastMessage };
    }
    case "session_caught_up":
      return { ...state, caughtUp: { ...state.caughtUp, [event.session_id]: (state.caughtUp[event.session_id] ?? 0) + 1 } };
    case "message_status_changed": {
      const id = event.session_id;
      const apply = (m: Message): Message =>
        m.client_msg_id === event.client_msg_id
          ? { ...m, status: event.status, msg_id: event.msg_id ?? m.msg_id }
          : m;
      const sessionIds = id ? [id] : Object.keys(state.messages);
      const messages = { ...state.messages };
      for (const sid of sessionIds) {
        const list = messages[sid];
        if (list && list.some((m) => m.client_msg_id === event.client_msg_id)) {
          messages[sid] = [...list.map(apply)].sort(compareMessages);
        }
      }
      const last = id ? state.lastMessage[id] : undefined;
      const lastMessage = last && last.client_msg_id === event.client_msg_id ? { ...state.lastMessage, [id]: apply(last) } : state.lastMessage;
      const sendErrors = { ...state.sendErrors };
      if (event.error) sendErrors[event.client_msg_id] = event.error;
      else delete sendErrors[event.client_msg_id];
      const sendFailures = { ...state.sendFailures };
      if (event.failure) sendFailures[event.client_msg_id] = event.failure;
      else delete sendFailures[event.client_msg_id];
      return { ...state, messages, lastMessage, sendErrors, sendFailures };
    }
    case "visitor_typing":
      return { ...state, typingAt: { ...state.typingAt, [event.session_id]: now } };
    case "queue_changed":
      return { ...state, queueWaiting: event.waiting };
    case "connection_changed":
      return { ...state, connection: event.state };
    case "storage_changed":
      return { ...state, storageProblem: event.problem };
  }
}

export function totalUnread(state: WorkbenchState): number {
  return Object.values(state.unread).reduce((sum, n) => sum + n, 0);
}

/** The customer wrote last and is waiting for the agent: since when (ms), else null. */
export function waitingSince(state: Pick<WorkbenchState, "sessions" | "lastMessage">, sessionId: string): number | null {
  const last = state.lastMessage[sessionId];
  return last && last.direction === "in" && state.sessions[sessionId]?.state === "active" ? last.sent_at_ms : null;
}

/**
 * Sessions of a tab. Waiting: open sessions whose customer wrote last, longest wait first. Mine:
 * every open session, most recent activity first. Ended: most recent first.
 */
export function sessionsForTab(state: Pick<WorkbenchState, "sessions" | "lastMessage">, tab: SessionTab, search: string): Session[] {
  const needle = search.trim().toLowerCase();
  const activity = (s: Session) => state.lastMessage[s.id]?.sent_at_ms ?? s.started_at_ms;
  const all = Object.values(state.sessions).filter(
    (s) =>
      !needle ||
      s.visitor_name.toLowerCase().includes(needle) ||
      (state.lastMessage[s.id]?.content ?? "").toLowerCase().includes(needle),
  );
  switch (tab) {
    case "waiting":
      return all
        .filter((s) => waitingSince(state, s.id) !== null)
        .sort((a, b) => (waitingSince(state, a.id) ?? 0) - (waitingSince(state, b.id) ?? 0));
    case "mine":
      return all.filter((s) => s.state === "active").sort((a, b) => activity(b) - activity(a));
    case "ended":
      return all.filter((s) => s.state === "ended").sort((a, b) => activity(b) - activity(a));
  }
}

/** The next session with unread messages after the selected one (wrapping), for the shortcut. */
export function nextUnread(state: WorkbenchState): string | null {
  const ids = sessionsForTab(state, "mine", "").map((s) => s.id);
  const start = state.selected ? ids.indexOf(state.selected) : -1;
  for (let step = 1; step <= ids.length; step++) {
    const id = ids[(start + step + ids.length) % ids.length];
    if ((state.unread[id] ?? 0) > 0) return id;
  }
  return null;
}

/** Whether the visitor showed typing in the last few seconds. */
export function isTyping(state: WorkbenchState, sessionId: string, now: number): boolean {
  const at = state.typingAt[sessionId];
  return at !== undefined && now - at < 6000;
}
