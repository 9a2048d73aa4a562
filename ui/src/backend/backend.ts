// The one way the UI talks to AgentDesk's core. `tauriBackend()` implements it over IPC; `FakeBackend`
// implements it in memory for tests and for working on the UI in a plain browser.

import type {
  ApiError,
  ApiHealthAlert,
  AssistEvent,
  IndexingProgress,
  ErrorCode,
  ErrorReason,
  MoodEvent,
  ResyncEvent,
  UpdateStatus,
  WorkbenchEvent,
} from "./bindings";
import type { Commands } from "./commands";

export type { TransferTarget } from "./bindings";

export type StartupInfo = { ok: true } | { ok: false; error: ApiError };

/** The core's commands (generated from the Rust definitions) and the events the window listens to. */
export interface Backend extends Commands {
  onEvent(listener: (event: WorkbenchEvent) => void): Promise<() => void>;
  onStartup(listener: (info: StartupInfo) => void): Promise<() => void>;
  /** The window missed events (the bridge fell behind): read again what is shown. */
  onResync(listener: (event: ResyncEvent) => void): Promise<() => void>;
  /** Each customer message's effect on its session's mood. */
  onMood(listener: (event: MoodEvent) => void): Promise<() => void>;
  /** The knowledge base's questions being understood in the background. */
  onIndexing(listener: (progress: IndexingProgress) => void): Promise<() => void>;
  /** The API failure alert, raised and cleared. */
  onApiHealth(listener: (alert: ApiHealthAlert) => void): Promise<() => void>;
  onUpdate(listener: (status: UpdateStatus) => void): Promise<() => void>;
  /** The reply assistant's calls: their text as it streams, waits, and their end. */
  onAssist(listener: (event: AssistEvent) => void): Promise<() => void>;
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
