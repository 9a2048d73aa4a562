// The one way the UI talks to AgentDesk's core. `tauriBackend()` implements it over IPC; `FakeBackend`
// implements it in memory for tests and for working on the UI in a plain browser.

import type { ApiError, DeskEvent, ErrorCode, ErrorReason, UpdateStatus } from "./bindings";
import type { Commands } from "./commands";

export type { TransferTarget } from "./bindings";

export type StartupInfo = { ok: true } | { ok: false; error: ApiError };

/** The core's commands (generated from the Rust definitions) and the events the window listens to. */
export interface Backend extends Commands {
  /** Everything the workbench tells the window, one tagged event at a time (see `events.ts`):
   * domain events, moods, resyncs, the knowledge base's understanding, the assistant's calls, the
   * API health alert. Subscribe with `useDeskEvents`. */
  onDesk(listener: (event: DeskEvent) => void): Promise<() => void>;
  /** The shell's: the workbench started (or could not). */
  onStartup(listener: (info: StartupInfo) => void): Promise<() => void>;
  /** The shell's: the in-app updater's state. */
  onUpdate(listener: (status: UpdateStatus) => void): Promise<() => void>;
}

/** An error from the core: branch on `code`, show `message`. */
export class BackendError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly reason: ErrorReason = { key: "general" },
  ) {
    super(message);
  }

  static from(value: unknown): BackendError {
    if (value instanceof BackendError) return value;
    if (value && typeof value === "object" && "code" in value && "message" in value) {
      const { code, message, reason } = value as ApiError;
      return new BackendError(code, message, reason ?? { key: "general" });
    }
    return new BackendError("not_ready", String(value));
  }
}
