// The workbench: the state and the hooks that feed it (the workbench's stream, the outbox, where a
// reply came from, the dashboard screen, shortcuts, the theme), and the layout: the top bar, the
// banners, and the three panes (or the dashboard).

import { Suspense, useCallback, useEffect, useReducer, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Backend } from "./backend/backend";
import type { AgentStatus, Settings } from "./backend/bindings";
import { Banners } from "./app/Banners";
import { Panes } from "./app/Panes";
import { type DashboardScreen, preloadDashboard, useDashboardScreen } from "./app/useDashboardScreen";
import { useOpenConversation } from "./app/useOpenConversation";
import { useOutbox } from "./app/useOutbox";
import { useReplySources } from "./app/useReplySources";
import { useShortcuts } from "./app/useShortcuts";
import { useTheme } from "./app/useTheme";
import { useWorkbenchStream } from "./app/useWorkbenchStream";
import type { AssistantPanelHandle } from "./components/assistant/AssistantPanel";
import type { ComposerHandle } from "./components/Composer";
import type { SessionListHandle } from "./components/SessionList";
import { SettingsDialog } from "./components/SettingsDialog";
import { SupervisorDialog } from "./components/SupervisorDialog";
import { TopBar } from "./components/TopBar";
import { describeError } from "./errors";
import { TicketDialog } from "./components/tickets/TicketDialog";
import { initI18n, systemLanguage, type Language } from "./i18n";
import { initialState, reduce, totalUnread, type WorkbenchState } from "./state/workbench";

/**
 * The composition root: it creates the workbench's state and hands each part its share. (Longer
 * than a component should be, because every wire is here, one prop per line, and split up the
 * wiring would no longer read in one place.)
 */
export function App({ backend }: { backend: Backend }) {
  const [state, dispatch] = useReducer(reduce, initialState);
  const [theme, setTheme] = useTheme();
  // One dialog at a time: settings or the supervisor's screens.
  const [dialog, setDialog] = useState<"settings" | "supervisor" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The Create ticket dialog, for the open session, with the transcript text selected when opened.
  const [ticket, setTicket] = useState<{ sessionId: string; selection: string } | null>(null);
  const refs = {
    composer: useRef<ComposerHandle>(null),
    assistant: useRef<AssistantPanelHandle>(null),
    sessionList: useRef<SessionListHandle>(null),
  };
  const { t, i18n } = useTranslation();
  const showError = useCallback((error: unknown) => setNotice(describeError(error)), []);
  const [status, changeStatus] = useAgentStatus(backend, showError);

  const stream = useWorkbenchStream(backend, dispatch, (message) => setNotice(t("accounts.startFailed", { message })));
  const dashboard = useDashboardScreen(backend);
  const replies = useReplySources(backend, state.selected, refs.composer);
  const outbox = useOutbox(backend, state, dispatch, replies.replySent);
  const open = useOpenConversation(backend, state, dispatch, showError);
  const unread = useUnreadCount(backend, state);
  const endSession = useEndSession(backend, state, showError);
  const openTicket = useCallback(() => {
    if (state.selected) setTicket({ sessionId: state.selected, selection: window.getSelection()?.toString() ?? "" });
  }, [state.selected]);
  useShortcuts(state, dispatch, { ...refs, endSession: () => void endSession(), createTicket: openTicket });

  const saveSettings = useSaveSettings(backend, stream.setSettings, setNotice);

  if (stream.startError || !state.ready) return <StartupScreen error={stream.startError} />;

  return (
    <div className="workbench" lang={i18n.language}>
      <TopBar
        state={state}
        status={status}
        onStatus={changeStatus}
        unread={unread}
        onSettings={() => setDialog("settings")}
        onSupervisor={() => setDialog("supervisor")}
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
        onOpenSettings={() => setDialog("settings")}
        update={stream.update}
        onDismissUpdate={stream.dismissUpdate}
        healthAlert={stream.healthAlert}
        onDismissHealthAlert={stream.dismissHealthAlert}
      />
      {dashboard.open ? (
        <DashboardPane dashboard={dashboard} backend={backend} activity={stream.sessionActivity} />
      ) : (
        <Panes
          state={state}
          onSelect={(id) => dispatch({ type: "select", sessionId: id })}
          backend={backend}
          open={open}
          outbox={outbox}
          replies={replies}
          refs={refs}
          onError={showError}
          onNotice={setNotice}
          onEnd={endSession}
          onCreateTicket={openTicket}
        />
      )}
      {ticket && state.sessions[ticket.sessionId] && (
        <TicketDialog
          backend={backend}
          session={state.sessions[ticket.sessionId]}
          messages={state.selected === ticket.sessionId ? open.messages : []}
          selection={ticket.selection}
          onClose={() => setTicket(null)}
        />
      )}
      {dialog === "supervisor" && (
        <SupervisorDialog backend={backend} tenantName={state.snapshot?.tenant_name ?? ""} onClose={() => setDialog(null)} />
      )}
      {dialog === "settings" && stream.settings && (
        <SettingsDialog
          settings={stream.settings}
          theme={theme}
          onTheme={setTheme}
          onSave={saveSettings}
          onClose={() => setDialog(null)}
          backend={backend}
        />
      )}
    </div>
  );
}

/** The supervisor dashboard in place of the panes, with a loading line while its code arrives. */
function DashboardPane({ dashboard, backend, activity }: { dashboard: DashboardScreen; backend: Backend; activity: number }) {
  const { t } = useTranslation();
  return (
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
        activity={activity}
        dark={document.documentElement.dataset.theme === "dark"}
        prefetched={dashboard.prefetched}
      />
    </Suspense>
  );
}

/** The unread total, on the window's title and the taskbar badge. */
function useUnreadCount(backend: Backend, state: WorkbenchState): number {
  const { t } = useTranslation();
  const unread = totalUnread(state);
  useEffect(() => {
    void backend.setUnreadTotal(unread).catch(() => {});
    document.title = unread > 0 ? `(${unread}) ${t("app.title")}` : t("app.title");
  }, [backend, unread, t]);
  return unread;
}

/** The agent's status as the platform last confirmed it, and a way to change it. */
function useAgentStatus(backend: Backend, showError: (error: unknown) => void): [AgentStatus, (next: AgentStatus) => Promise<void>] {
  const [status, setStatus] = useState<AgentStatus>({ status: "online" });
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
  return [status, changeStatus];
}

/** What the window shows until the workbench is up: that it is starting, or why it could not. */
function StartupScreen({ error }: { error: string | null }) {
  const { t } = useTranslation();
  if (error) {
    return (
      <div className="startup" role="alert">
        {t("app.startFailed", { message: error })}
      </div>
    );
  }
  return (
    <div className="startup" role="status" aria-live="polite">
      {t("app.loading")}
    </div>
  );
}

/** Ends the open session, once the agent confirms; nothing for a session that is not active. */
function useEndSession(backend: Backend, state: WorkbenchState, showError: (error: unknown) => void) {
  const { t } = useTranslation();
  return useCallback(async () => {
    const id = state.selected;
    if (!id || state.sessions[id]?.state !== "active") return;
    if (!window.confirm(t("actions.confirmEnd"))) return;
    await backend.endSession(id).catch(showError);
  }, [backend, state.selected, state.sessions, t, showError]);
}

/** Applies new settings at once (the language too) and saves them, saying so if saving failed. */
function useSaveSettings(backend: Backend, apply: (settings: Settings) => void, onNotice: (notice: string) => void) {
  const { t } = useTranslation();
  return useCallback(
    async (next: Settings) => {
      apply(next);
      initI18n((next.language as Language) || systemLanguage());
      await backend.saveSettings(next).catch((error) => onNotice(t("settings.saveFailed", { message: describeError(error) })));
    },
    [backend, t, apply, onNotice],
  );
}
