// The workbench: the state and the hooks that feed it (the workbench's stream, the outbox, where a
// reply came from, the dashboard screen, shortcuts, the theme), and the layout: the top bar, the
// banners, and the three panes (or the dashboard).

import { Suspense, useCallback, useEffect, useReducer, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "./backend/backend";
import type { AgentStatus, Settings } from "./backend/bindings";
import { Banners } from "./app/Banners";
import { preloadDashboard, useDashboardScreen } from "./app/useDashboardScreen";
import { useOpenConversation } from "./app/useOpenConversation";
import { useOutbox } from "./app/useOutbox";
import { useReplySources } from "./app/useReplySources";
import { useShortcuts } from "./app/useShortcuts";
import { useTheme } from "./app/useTheme";
import { useWorkbenchStream } from "./app/useWorkbenchStream";
import { AssistantPanel, type AssistantPanelHandle } from "./components/assistant/AssistantPanel";
import { Composer, type ComposerHandle } from "./components/Composer";
import { Conversation } from "./components/Conversation";
import { DetailsPanel } from "./components/DetailsPanel";
import { SessionActions } from "./components/SessionActions";
import { SessionList, type SessionListHandle } from "./components/SessionList";
import { SettingsDialog } from "./components/SettingsDialog";
import { SupervisorDialog } from "./components/SupervisorDialog";
import { TopBar } from "./components/TopBar";
import { preloadIfUsedBefore } from "./dashboardPreload";
import { describeError } from "./errors";
import { customerText } from "./format";
import { initI18n, systemLanguage, type Language } from "./i18n";
import { initialState, reduce, totalUnread } from "./state/workbench";

export function App({ backend }: { backend: Backend }) {
  const [state, dispatch] = useReducer(reduce, initialState);
  const [theme, setTheme] = useTheme();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [supervisorOpen, setSupervisorOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [status, setStatus] = useState<AgentStatus>({ status: "online" });
  const composer = useRef<ComposerHandle>(null);
  const assistant = useRef<AssistantPanelHandle>(null);
  const sessionList = useRef<SessionListHandle>(null);
  const { t, i18n } = useTranslation();
  const showError = useCallback((error: unknown) => setNotice(describeError(error)), []);

  const stream = useWorkbenchStream(backend, dispatch, (message) => setNotice(t("accounts.startFailed", { message })));
  const dashboard = useDashboardScreen(backend);
  const replies = useReplySources(backend, state.selected, composer);
  const outbox = useOutbox(backend, state, dispatch, replies.replySent);
  const open = useOpenConversation(backend, state, dispatch, showError);
  useEffect(() => {
    preloadIfUsedBefore(preloadDashboard);
  }, []);

  const unread = totalUnread(state);
  useEffect(() => {
    void backend.setUnreadTotal(unread).catch(() => {});
    document.title = unread > 0 ? `(${unread}) ${t("app.title")}` : t("app.title");
  }, [backend, unread, t]);

  const endSession = useCallback(async () => {
    const id = state.selected;
    if (!id || state.sessions[id]?.state !== "active") return;
    if (!window.confirm(t("actions.confirmEnd"))) return;
    await backend.endSession(id).catch(showError);
  }, [backend, state.selected, state.sessions, t, showError]);
  useShortcuts(state, dispatch, { composer, sessionList, assistant, endSession: () => void endSession() });

  const saveSettings = useCallback(
    async (next: Settings) => {
      stream.setSettings(next);
      initI18n((next.language as Language) || systemLanguage());
      await backend.saveSettings(next).catch((error) => setNotice(t("settings.saveFailed", { message: describeError(error) })));
    },
    [backend, t, stream],
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
  const readReply = useCallback(() => composer.current?.text() ?? "", []);

  if (stream.startError) {
    return (
      <div className="startup" role="alert">
        {t("app.startFailed", { message: stream.startError })}
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

  const selected = state.selected ? state.sessions[state.selected] : undefined;
  const mood = open.mood;
  return (
    <div className="workbench" lang={i18n.language}>
      <TopBar
        state={state}
        status={status}
        onStatus={changeStatus}
        unread={unread}
        onSettings={() => setSettingsOpen(true)}
        onSupervisor={() => setSupervisorOpen(true)}
        onDashboard={dashboard.toggle}
        dashboardOpen={dashboard.open}
        onDashboardIntent={preloadDashboard}
        backend={backend}
        onTenantSwitched={(snapshot) => dispatch({ type: "snapshot", snapshot })}
      />
      <Banners
        state={state}
        backend={backend}
        notice={notice}
        onNotice={setNotice}
        onOpenSettings={() => setSettingsOpen(true)}
        update={stream.update}
        onDismissUpdate={stream.dismissUpdate}
        healthAlert={stream.healthAlert}
        onDismissHealthAlert={stream.dismissHealthAlert}
      />
      {dashboard.open ? (
        <Suspense
          fallback={
            <div className="dashboard muted" role="status" aria-live="polite">
              {t("dashboard.loading")}
            </div>
          }
        >
          <dashboard.Screen
            backend={backend}
            onClose={dashboard.close}
            activity={stream.sessionActivity}
            dark={document.documentElement.dataset.theme === "dark"}
            prefetched={dashboard.prefetched}
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
                <Conversation state={state} session={selected} messages={open.messages} onRetry={outbox.retry} onLoadImage={outbox.loadImage} />
                <AssistantPanel
                  ref={assistant}
                  backend={backend}
                  session={selected}
                  newestInbound={open.newestInboundKey}
                  newestInboundText={open.newestInbound?.kind === "text" ? open.newestInbound.content : null}
                  readReply={readReply}
                  onUse={replies.takeDraft}
                  onError={showError}
                  onNotice={setNotice}
                  workspace={state.workspace}
                />
                <Composer
                  ref={composer}
                  disabled={selected.state !== "active"}
                  onSend={outbox.send}
                  onSendImage={outbox.sendImage}
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
            newestInbound={open.newestInboundKey}
            onUseArticle={replies.takeArticle}
          />
        </div>
      )}
      {supervisorOpen && (
        <SupervisorDialog backend={backend} tenantName={state.snapshot?.tenant_name ?? ""} onClose={() => setSupervisorOpen(false)} />
      )}
      {settingsOpen && stream.settings && (
        <SettingsDialog
          settings={stream.settings}
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
