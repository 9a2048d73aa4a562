// The backend over Tauri IPC: every command of the generated client is an `invoke` (its arguments
// named as the table says); the workbench's events arrive on one channel (`DESK_EVENT`), the shell's
// own on theirs.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { Backend, StartupInfo } from "./backend";
import { BackendError } from "./backend";
import type { DeskEvent, UpdateStatus } from "./bindings";
import { COMMANDS, type Commands } from "./commands";
import { DESK_EVENT } from "./events";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw BackendError.from(error);
  }
}

/** One `invoke` per command, each argument passed under its name. */
function commandClient(): Commands {
  const client: Record<string, (...values: unknown[]) => Promise<unknown>> = {};
  for (const [method, { command, args }] of Object.entries(COMMANDS)) {
    client[method] = (...values: unknown[]) => call(command, Object.fromEntries(args.map((name, i) => [name, values[i] ?? null])));
  }
  return client as unknown as Commands;
}

function on<T>(event: string, listener: (payload: T) => void) {
  return listen<T>(event, (e) => listener(e.payload));
}

export function tauriBackend(): Backend {
  return {
    ...commandClient(),
    onDesk: (listener: (event: DeskEvent) => void) => on(DESK_EVENT, listener),
    onStartup: (listener: (info: StartupInfo) => void) => on("agentdesk://startup", listener),
    onUpdate: (listener: (status: UpdateStatus) => void) => on("agentdesk://update", listener),
  };
}

export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}
