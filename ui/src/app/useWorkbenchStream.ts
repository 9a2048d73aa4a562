// The workbench's stream into the window: at start the settings (the language), the snapshot and the
// subscription; then domain events in batches (at most one render per EVENT_BATCH_MS, as a
// transition: a burst of pushes costs a few renders, and the agent's own typing still goes first),
// moods, resyncs (the snapshot and the open conversation read again), the API health alert, the
// updater's state, and the shell's word that the workbench started.

import { type Dispatch, startTransition, useLayoutEffect, useRef, useState } from "react";

import type { Backend } from "../backend/backend";
import type { ApiHealthAlert, Settings, UpdateStatus } from "../backend/bindings";
import { dispatchDeskEvent, type DeskEventHandlers } from "../backend/events";
import { describeError } from "../errors";
import { initI18n, systemLanguage, type Language } from "../i18n";
import { markLaunch } from "../launchMarks";
import type { Action, DomainUpdate } from "../state/workbench";

/** Longest a pushed event waits before it is shown (two frames). */
const EVENT_BATCH_MS = 32;

export interface WorkbenchStream {
  settings: Settings | null;
  setSettings: (settings: Settings) => void;
  startError: string | null;
  /** The API health alert while raised; the recovery notice after it clears. */
  healthAlert: ApiHealthAlert | null;
  dismissHealthAlert: () => void;
  /** The in-app updater's state; its banner shows while an update is ready or was refused. */
  update: UpdateStatus | null;
  dismissUpdate: () => void;
  /** Counts sessions opening and ending: the dashboard fetches its figures again when it moves. */
  sessionActivity: number;
}

export function useWorkbenchStream(
  backend: Backend,
  dispatch: Dispatch<Action>,
  onStartupWarning: (message: string) => void,
): WorkbenchStream {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [healthAlert, setHealthAlert] = useState<ApiHealthAlert | null>(null);
  const [update, setUpdate] = useState<UpdateStatus | null>(null);
  const [sessionActivity, setSessionActivity] = useState(0);
  const warn = useRef(onStartupWarning);
  warn.current = onStartupWarning;

  // A layout effect: the first calls leave before the startup screen is painted, not a frame later.
  useLayoutEffect(() => {
    markLaunch("mounted");
    let unlisten: (() => void)[] = [];
    let cancelled = false;
    let firstSnapshot = true;
    // `after`: the first snapshot shows once the language is set, never in the wrong one first.
    const load = (after: Promise<unknown> = Promise.resolve()) =>
      backend
        .snapshot()
        .then(async (snapshot) => {
          await after;
          if (cancelled) return;
          if (firstSnapshot) {
            firstSnapshot = false;
            markLaunch("snapshot");
            requestAnimationFrame(() => requestAnimationFrame(() => markLaunch("sessions-painted")));
          }
          dispatch({ type: "snapshot", snapshot });
        })
        .catch((error) => !cancelled && setStartError(describeError(error)));
    const batch = domainBatches((events) => {
      if (events.some((e) => e.event.type === "session_opened" || e.event.type === "session_ended")) {
        setSessionActivity((n) => n + 1);
      }
      if (!cancelled) startTransition(() => dispatch({ type: "events", events, now: Date.now() }));
    });
    const handlers: DeskEventHandlers = {
      domain: batch.push,
      mood: (event) => startTransition(() => dispatch({ type: "mood", event })),
      // Events were lost on the way: the list comes again with the snapshot, the open conversation
      // with its messages (the reducer counts resyncs; the conversation is read again when it moves).
      resync: (event) => {
        if (cancelled) return;
        dispatch({ type: "resynced", event });
        void load();
      },
      api_health: ({ alert }) => !cancelled && setHealthAlert(alert),
    };
    void (async () => {
      unlisten.push(batch.stop);
      // The settings (the language) and the subscriptions are asked for together; the snapshot
      // only once the events are heard, so nothing happens between the two unseen.
      const settingsLoaded = backend
        .getSettings()
        .catch(() => null)
        .then((loaded) => {
          if (cancelled) return;
          markLaunch("settings");
          setSettings(loaded);
          initI18n((loaded?.language as Language) || systemLanguage());
        });
      const subscriptions = await Promise.all([
        backend.onDesk((event) => dispatchDeskEvent(event, handlers)),
        backend.onUpdate((status) => !cancelled && setUpdate(status)),
        backend.onStartup((info) => {
          if (info.ok) void load();
          else setStartError(describeError(info.error));
        }),
      ]);
      if (cancelled) {
        subscriptions.forEach((u) => u());
        return;
      }
      unlisten.push(...subscriptions);
      void backend.updateStatus().then((status) => !cancelled && setUpdate(status)).catch(() => {});
      await load(settingsLoaded);
      const warning = await backend.startupWarning().catch(() => null);
      if (warning && !cancelled) warn.current(describeError(warning));
    })();
    return () => {
      cancelled = true;
      unlisten.forEach((u) => u());
      unlisten = [];
    };
  }, [backend, dispatch]);

  return {
    settings,
    setSettings,
    startError,
    healthAlert,
    dismissHealthAlert: () => setHealthAlert(null),
    update,
    dismissUpdate: () => setUpdate(null),
    sessionActivity,
  };
}

/** Collects domain events for `EVENT_BATCH_MS` and hands them on together: one render per burst. */
function domainBatches(flush: (events: DomainUpdate[]) => void) {
  let pending: DomainUpdate[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    push: (event: DomainUpdate) => {
      pending.push(event);
      timer ??= setTimeout(() => {
        timer = null;
        const events = pending;
        pending = [];
        flush(events);
      }, EVENT_BATCH_MS);
    },
    stop: () => {
      if (timer !== null) clearTimeout(timer);
    },
  };
}
