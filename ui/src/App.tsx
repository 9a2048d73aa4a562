// The workbench: wires the backend to the state, and lays out the top bar and the three panes.

import { type ComponentProps, type ComponentType, lazy, startTransition, Suspense, useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "./backend/backend";
import type { AgentStatus, ApiHealthAlert, DashboardQuery, DashboardView, KbSuggestionView, Message, Settings, UpdateStatus, WorkbenchEvent } from "./backend/bindings";
import { commandKey } from "./shortcuts";
import { defaultQuery } from "./components/dashboard/range";
import { Composer, type ComposerHandle, type PastedImage } from "./components/Composer";
import { Conversation } from "./components/Conversation";
import { AssistantPanel, type AssistantPanelHandle, type DraftUse } from "./components/assistant/AssistantPanel";
import { DetailsPanel } from "./components/DetailsPanel";
import { SessionActions } from "./components/SessionActions";
import { SessionList, type SessionListHandle } from "./components/SessionList";
import { SettingsDialog, type Theme } from "./components/SettingsDialog";
import { SupervisorDialog } from "./components/SupervisorDialog";
import { TopBar } from "./components/TopBar";
import { customerText } from "./format";
import { initI18n, systemLanguage, type Language } from "./i18n";
import { preloadIfUsedBefore, rememberDashboardUsed } from "./dashboardPreload";
import { useSettled } from "./useSettled";
import { initialState, nextUnread, reduce, totalUnread } from "./state/workbench";
import { describeError } from "./errors";

// The dashboard and its charting library load when first opened (or, for someone who has opened it
// before, when the window is idle after start): an agent who never opens it never pays for them at
// start or in memory.
type DashboardModule = typeof import("./components/dashboard/Dashboard");
/** The dashboard's code once loaded: then it is shown at once, with no loading step in between
 * (React's `lazy` would still suspend once, and painting that step costs a frame). */
let loadedDashboard: DashboardModule | null = null;
const loadDashboard = () =>
  import("./components/dashboard/Dashboard").then((m) => {
    loadedDashboard = m;
    return m;
  });
const LazyDashboard = lazy(() => loadDashboard().then((m) => ({ default: m.Dashboard })));
/** Starts loading the dashboard's code when the pointer or focus reaches its button. */
const preloadDashboard = () => void loadDashboard().catch(() => {});

const MESSAGE_PAGE = 10_000;
/** Longest a pushed event waits before it is shown (two frames). */
const EVENT_BATCH_MS = 32;
/** How long the customer must pause before the knowledge tab follows their newest message. */
const INBOUND_SETTLE_MS = 250;

function storedTheme(): Theme {
  const value = typeof localStorage === "undefined" ? null : localStorage.getItem("agentdesk.theme");
  return value === "light" || value === "dark" ? value : "system";
}

function newClientId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `ui-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export function App({ backend }: { backend: Backend }) {
  const [state, dispatch] = useReducer(reduce, initialState);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [theme, setTheme] = useState<Theme>(storedTheme);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [supervisorOpen, setSupervisorOpen] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [status, setStatus] = useState<AgentStatus>({ status: "online" });
  const [view, setView] = useState<"workbench" | "dashboard">("workbench");
  /** The dashboard's first figures, asked for on opening so the fetch overlaps loading its code. */
  const [prefetched, setPrefetched] = useState<{ query: DashboardQuery; figures: Promise<DashboardView> } | null>(null);
  const dashboardScreen = useRef<ComponentType<ComponentProps<DashboardModule["Dashboard"]>>>(LazyDashboard);
  const toggleDashboard = useCallback(() => {
    if (view === "dashboard") {
      setView("workbench");
      return;
    }
    rememberDashboardUsed();
    // Chosen once per opening: switching from the lazy to the loaded component while it is on
    // screen would remount it and lose its range.
    dashboardScreen.current = loadedDashboard?.Dashboard ?? LazyDashboard;
    const query = defaultQuery();
    const figures = backend.dashboard(query);
    // A failure is shown by the dashboard when it uses these; never unhandled here.
    figures.catch(() => {});
    setPrefetched({ query, figures });
    setView("dashboard");
  }, [backend, view]);
  /** Counts sessions opening and ending: the dashboard fetches its figures again when it moves. */
  const [sessionActivity, setSessionActivity] = useState(0);
  /** The API health alert while raised; the recovery notice after it clears. */
  const [healthAlert, setHealthAlert] = useState<ApiHealthAlert | null>(null);
  /** The in-app updater's state; its banner shows while an update is ready or was refused. */
  const [update, setUpdate] = useState<UpdateStatus | null>(null);
  const composer = useRef<ComposerHandle>(null);
  const assistant = useRef<AssistantPanelHandle>(null);
  const sessionList = useRef<SessionListHandle>(null);
  const { t, i18n } = useTranslation();

  const showError = useCallback(
    (error: unknown) => {
      setNotice(describeError(error));
    },
    [],
  );

  // Start: settings (language), the snapshot, and the event stream.
  useEffect(() => {
    let unlisten: (() => void)[] = [];
    let cancelled = false;
    const load = () =>
      backend
        .snapshot()
        .then((snapshot) => !cancelled && dispatch({ type: "snapshot", snapshot }))
        .catch((error) => !cancelled && setStartError(describeError(error)));
    void (async () => {
      const loaded = await backend.getSettings().catch(() => null);
      if (cancelled) return;
      setSettings(loaded);
      initI18n((loaded?.language as Language) || systemLanguage());
      // Events are applied in batches, at most one render per EVENT_BATCH_MS: a burst of pushes
      // (a reconnect's resync, 200 busy sessions) costs a few renders instead of one per message.
      let pending: WorkbenchEvent[] = [];
      let flushTimer: ReturnType<typeof setTimeout> | null = null;
      const flush = () => {
        flushTimer = null;
        const events = pending;
        pending = [];
        if (events.some((e) => e.event.type === "session_opened" || e.event.type === "session_ended")) {
          setSessionActivity((n) => n + 1);
        }
        // A transition: React renders the batch in slices and yields to the browser between them, so
        // a busy stream never holds up a frame (the agent's own typing and clicks still go first).
        if (!cancelled) startTransition(() => dispatch({ type: "events", events, now: Date.now() }));
      };
      unlisten.push(() => flushTimer !== null && clearTimeout(flushTimer));
      unlisten.push(
        await backend.onEvent((event) => {
          pending.push(event);
          flushTimer ??= setTimeout(flush, EVENT_BATCH_MS);
        }),
      );
      // Events were dropped on the way: the list comes again with the snapshot, the open conversation
      // with its messages (the reducer counts resyncs, the conversation effect below depends on it).
      unlisten.push(
        await backend.onResync((event) => {
          if (cancelled) return;
          dispatch({ type: "resynced", event });
          void load();
        }),
      );
      unlisten.push(await backend.onMood((event) => startTransition(() => dispatch({ type: "mood", event }))));
      unlisten.push(await backend.onApiHealth((alert) => !cancelled && setHealthAlert(alert)));
      unlisten.push(await backend.onUpdate((status) => !cancelled && setUpdate(status)));
      void backend.updateStatus().then((status) => !cancelled && setUpdate(status)).catch(() => {});
      unlisten.push(
        await backend.onStartup((info) => {
          if (info.ok) void load();
          else setStartError(describeError(info.error));
        }),
      );
      await load();
      preloadIfUsedBefore(preloadDashboard);
      const warning = await backend.startupWarning().catch(() => null);
      if (warning && !cancelled) setNotice(t("accounts.startFailed", { message: describeError(warning) }));
    })();
    return () => {
      cancelled = true;
      unlisten.forEach((u) => u());
      unlisten = [];
    };
  }, [backend]);

  // The conversation in focus is loaded whole (it is virtualized, so size is not a problem), and
  // again whenever the core caught it up from the platform's records.
  const caughtUp = state.selected ? (state.caughtUp[state.selected] ?? 0) : 0;
  const resyncs = state.resyncs;
  useEffect(() => {
    const id = state.selected;
    if (!id) return;
    backend
      .messages(id, MESSAGE_PAGE)
      .then((messages) => dispatch({ type: "messagesLoaded", sessionId: id, messages }))
      .catch(showError);
  }, [backend, state.selected, caughtUp, resyncs, showError]);

  const unread = totalUnread(state);
  useEffect(() => {
    void backend.setUnreadTotal(unread).catch(() => {});
    document.title = unread > 0 ? `(${unread}) ${t("app.title")}` : t("app.title");
  }, [backend, unread, t]);

  useEffect(() => {
    const dark = theme === "dark" || (theme === "system" && window.matchMedia?.("(prefers-color-scheme: dark)").matches);
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    localStorage.setItem("agentdesk.theme", theme);
  }, [theme]);

  /** Per session, the article whose answer the agent put into the reply box. */
  const usedArticle = useRef<Record<string, string>>({});

  const send = useCallback(
    async (text: string) => {
      const sessionId = state.selected;
      if (!sessionId) return;
      const clientMsgId = newClientId();
      const optimistic: Message = {
        session_id: sessionId, msg_id: null, client_msg_id: clientMsgId, direction: "out", kind: "text",
        content: text, sender_name: t("conversation.you"), sent_at_ms: Date.now(), status: "pending",
      };
      dispatch({ type: "optimisticSend", message: optimistic });
      try {
        await backend.sendText(sessionId, text, clientMsgId);
        // A reply built from an article: the customer's question becomes one of the article's.
        const article = usedArticle.current[sessionId];
        if (article) {
          delete usedArticle.current[sessionId];
          backend.learnFromAnswer(sessionId, article).catch(() => {});
        }
        // A reply built from the assistant's answer: sent as it wrote it, or edited first.
        const draft = usedDraft.current[sessionId];
        if (draft) {
          delete usedDraft.current[sessionId];
          const fate = draft.asWritten !== null && text.trim() === draft.asWritten.trim() ? "sent" : "edited";
          backend.recordDraftFate(draft.callId, fate).catch(() => {});
        }
      } catch (error) {
        dispatch({ type: "sendFailed", sessionId, clientMsgId, error: describeError(error) });
      }
    },
    [backend, state.selected, t],
  );

  /** Images the core has not accepted yet, by client id: a retry sends the image itself again. */
  const unacceptedImages = useRef<Record<string, PastedImage>>({});

  const sendImage = useCallback(
    async (image: PastedImage) => {
      const sessionId = state.selected;
      if (!sessionId) return;
      const clientMsgId = newClientId();
      unacceptedImages.current[clientMsgId] = image;
      dispatch({
        type: "optimisticSend",
        message: {
          session_id: sessionId, msg_id: null, client_msg_id: clientMsgId, direction: "out", kind: "image",
          content: image.fileName, sender_name: t("conversation.you"), sent_at_ms: Date.now(), status: "pending",
        },
      });
      try {
        await backend.sendImage(sessionId, image.fileName, image.mime, image.dataBase64, clientMsgId);
        delete unacceptedImages.current[clientMsgId];
      } catch (error) {
        dispatch({ type: "sendFailed", sessionId, clientMsgId, error: describeError(error) });
      }
    },
    [backend, state.selected, t],
  );

  const loadImage = useCallback(
    (address: string) =>
      backend.fetchImage(address).catch((error) => {
        throw new Error(describeError(error));
      }),
    [backend],
  );

  const retry = useCallback(
    async (message: Message) => {
      const clientMsgId = message.client_msg_id;
      if (!clientMsgId) return;
      const sessionId = message.session_id;
      const neverAccepted = state.unsentLocally[clientMsgId] === true;
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
    [backend, state.unsentLocally],
  );

  const endSession = useCallback(async () => {
    const id = state.selected;
    if (!id || state.sessions[id]?.state !== "active") return;
    if (!window.confirm(t("actions.confirmEnd"))) return;
    await backend.endSession(id).catch(showError);
  }, [backend, state.selected, state.sessions, t, showError]);

  // Keyboard shortcuts.
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
        void endSession();
      } else {
        return;
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [state, endSession]);

  const saveSettings = useCallback(
    async (next: Settings) => {
      setSettings(next);
      initI18n((next.language as Language) || systemLanguage());
      await backend.saveSettings(next).catch((error) => setNotice(t("settings.saveFailed", { message: describeError(error) })));
    },
    [backend, t],
  );

  const changeStatus = useCallback(
    async (next: AgentStatus) => {
      try {
        setStatus(await backend.setAgentStatus(next));
      } catch (error) {
        showError(error);
      }
    },
    [backend, showError],
  );

  const insertIntoReply = useCallback((text: string) => composer.current?.insert(text), []);
  /** The assistant's answer the agent put into the reply, by session: its fate is known at send.
   * `asWritten` is the reply it made unchanged, or null when the agent had already changed it (in
   * the draft area, or by adding it to a reply they had begun). */
  const usedDraft = useRef<Record<string, { callId: string; asWritten: string | null }>>({});
  const useAssistantAnswer = useCallback(
    (callId: string, text: string, use: DraftUse, original: string) => {
      if (!state.selected) return;
      const begun = use === "insert" && (composer.current?.text().trim() ?? "") !== "";
      usedDraft.current[state.selected] = { callId, asWritten: text === original && !begun ? text : null };
      if (use === "insert") composer.current?.insert(text);
      else composer.current?.replace(text);
    },
    [state.selected],
  );
  const readReply = useCallback(() => composer.current?.text() ?? "", []);
  const putArticleIntoReply = useCallback(
    (article: KbSuggestionView) => {
      if (state.selected) usedArticle.current[state.selected] = article.id;
      composer.current?.insert(article.answer);
    },
    [state.selected],
  );

  const selected = state.selected ? state.sessions[state.selected] : undefined;
  const messages = useMemo(() => (state.selected ? state.messages[state.selected] ?? [] : []), [state.selected, state.messages]);
  const newestInbound = useMemo(() => {
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i].direction === "in") return messages[i];
    return null;
  }, [messages]);
  // The knowledge tab follows the customer's newest message once a burst of messages has settled.
  const newestInboundKey = useSettled(
    newestInbound ? `${newestInbound.session_id}:${newestInbound.msg_id ?? newestInbound.sent_at_ms}` : null,
    INBOUND_SETTLE_MS,
  );
  // The mood of every session comes with each customer message (onMood); a session opened before
  // any message arrived since start is asked once.
  const workspace = state.workspace;
  useEffect(() => {
    let current = true;
    if (state.selected) {
      backend
        .sessionMood(state.selected)
        .then((mood) => current && dispatch({ type: "mood", event: { workspace, mood } }))
        .catch(() => {});
    }
    return () => {
      current = false;
    };
  }, [backend, state.selected, workspace]);
  const mood = state.selected ? state.moods[state.selected] : undefined;

  if (startError) {
    return (
      <div className="startup" role="alert">
        {t("app.startFailed", { message: startError })}
      </div>
    );
  }
  if (!state.ready) {
    return (
      <div className="startup" role="status" aria-live="polite">
        {t("app.loading")}
      </div>
    );
  }

  return (
    <div className="workbench" lang={i18n.language}>
      <TopBar
        state={state}
        status={status}
        onStatus={changeStatus}
        unread={unread}
        onSettings={() => setSettingsOpen(true)}
        onSupervisor={() => setSupervisorOpen(true)}
        onDashboard={toggleDashboard}
        dashboardOpen={view === "dashboard"}
        onDashboardIntent={preloadDashboard}
        backend={backend}
        onTenantSwitched={(snapshot) => dispatch({ type: "snapshot", snapshot })}
      />
      {state.snapshot?.mode === "demo" && (
        <div className="banner" role="note" data-testid="demo-banner">
          <span>{t("banner.demo")}</span>
          <button type="button" onClick={() => setSettingsOpen(true)}>
            {t("banner.openSettings")}
          </button>
        </div>
      )}
      {state.snapshot?.storage_warning && (
        <div className="notice" role="alert" data-testid="storage-warning">
          <span>{t("banner.notKept", { message: describeError(state.snapshot.storage_warning) })}</span>
        </div>
      )}
      {state.storageProblem && (
        <div className="warning" role="alert" data-testid="storage-problem">
          <span>{t("banner.storageProblem", { message: state.storageProblem })}</span>
        </div>
      )}
      {notice && (
        <div className="notice" role="alert">
          <span>{notice}</span>
          <button type="button" onClick={() => setNotice(null)}>
            {t("errors.dismiss")}
          </button>
        </div>
      )}
      {update?.state === "ready" && (
        <div className="notice" role="status" data-testid="update-banner" data-state="ready">
          <span>{t("updates.ready", { version: update.version })}</span>
          <button
            type="button"
            onClick={() =>
              void backend.restartToUpdate().catch((error) => setNotice(t("updates.restartFailed", { message: describeError(error) })))
            }
          >
            {t("updates.restartNow")}
          </button>
          <button type="button" onClick={() => setUpdate(null)}>
            {t("updates.later")}
          </button>
        </div>
      )}
      {update?.state === "refused" && (
        <div className="warning" role="alert" data-testid="update-banner" data-state="refused" title={update.reason}>
          <span>{t("updates.refused", { version: update.version })}</span>
          <button type="button" onClick={() => setUpdate(null)}>
            {t("errors.dismiss")}
          </button>
        </div>
      )}
      {healthAlert && (
        <div className={healthAlert.raised ? "warning health-alert" : "notice"} role="alert" data-testid="api-health-alert" data-raised={healthAlert.raised}>
          <span>
            {healthAlert.raised
              ? t("health.alertRaised", {
                  percent: healthAlert.failure_percent,
                  failures: healthAlert.failures,
                  calls: healthAlert.calls,
                  endpoint: healthAlert.worst_endpoint ?? "",
                })
              : t("health.alertCleared", { percent: healthAlert.failure_percent })}
          </span>
          {!healthAlert.raised && (
            <button type="button" onClick={() => setHealthAlert(null)}>
              {t("errors.dismiss")}
            </button>
          )}
        </div>
      )}
      {view === "dashboard" ? (
        <Suspense
          fallback={
            <div className="dashboard muted" role="status" aria-live="polite">
              {t("dashboard.loading")}
            </div>
          }
        >
          <dashboardScreen.current
            backend={backend}
            onClose={() => setView("workbench")}
            activity={sessionActivity}
            dark={document.documentElement.dataset.theme === "dark"}
            prefetched={prefetched}
          />
        </Suspense>
      ) : (
        <div className="panes">
          <SessionList ref={sessionList} state={state} onSelect={(id) => dispatch({ type: "select", sessionId: id })} />
          <main className="centre" aria-label={t("conversation.label")}>
            {selected ? (
              <>
                <header className="conversation-header">
                  <h1>{customerText(selected.visitor_name)}</h1>
                  <span className="muted">{t(`channels.${selected.channel}`)}</span>
                  <SessionActions backend={backend} session={selected} onError={showError} onNotice={setNotice} onEnd={endSession} />
                </header>
                {mood?.warn && (
                  <div className="warning" role="alert" data-testid="sentiment-warning">
                    {t("mood.warning", { percent: Math.round(mood.risk * 100) })}
                    {mood.cues.map((cue) => (
                      <mark key={cue}>{cue}</mark>
                    ))}
                  </div>
                )}
                <Conversation state={state} session={selected} messages={messages} onRetry={retry} onLoadImage={loadImage} />
                <AssistantPanel
                  ref={assistant}
                  backend={backend}
                  session={selected}
                  newestInbound={newestInboundKey}
                  newestInboundText={newestInbound?.kind === "text" ? newestInbound.content : null}
                  readReply={readReply}
                  onUse={useAssistantAnswer}
                  onError={showError}
                  onNotice={setNotice}
                  workspace={state.workspace}
                />
                <Composer
                  ref={composer}
                  disabled={selected.state !== "active"}
                  onSend={send}
                  onSendImage={sendImage}
                  onNotice={setNotice}
                />
              </>
            ) : (
              <div className="empty">{t("conversation.none")}</div>
            )}
          </main>
          <DetailsPanel
            session={selected}
            backend={backend}
            onInsert={insertIntoReply}
            newestInbound={newestInboundKey}
            onUseArticle={putArticleIntoReply}
          />
        </div>
      )}
      {supervisorOpen && (
        <SupervisorDialog backend={backend} tenantName={state.snapshot?.tenant_name ?? ""} onClose={() => setSupervisorOpen(false)} />
      )}
      {settingsOpen && settings && (
        <SettingsDialog
          settings={settings}
          theme={theme}
          onTheme={setTheme}
          onSave={saveSettings}
          onClose={() => setSettingsOpen(false)}
          backend={backend}
        />
      )}
    </div>
  );
}
