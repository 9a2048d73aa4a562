// The one way the UI talks to AgentDesk's core. `TauriBackend` implements it over IPC; `FakeBackend`
// implements it in memory for tests and for working on the UI in a plain browser.

import type {
  ApiHealthAlert,
  UpdateStatus,
  ApiHealthView,
  DashboardQuery,
  DashboardView,
  MoodEvent,
  CustomerNoteView,
  CustomerView,
  PersonalField,
  AgentInput,
  AgentView,
  MerchantInput,
  MerchantView,
  StatusLogEntry,
  AccountInput,
  AccountView,
  AgentStatus,
  ConnectionReport,
  ConnectorView,
  KbSuggestionView,
  ResyncEvent,
  SessionMood,
  ApiError,
  ErrorCode,
  ErrorReason,
  Message,
  Settings,
  TenantOption,
  TransferTargets,
  WorkbenchEvent,
  WorkbenchSnapshot,
} from "./bindings";

export type StartupInfo = { ok: true } | { ok: false; error: ApiError };

export type TransferTarget = { kind: "agent"; id: string } | { kind: "group"; id: string; name: string };

export interface Backend {
  snapshot(): Promise<WorkbenchSnapshot>;
  /** The tenants the supervisor can switch to. */
  tenants(): Promise<TenantOption[]>;
  /** Swaps the whole workspace for another tenant's; answers with its snapshot. */
  switchTenant(tenantId: string): Promise<WorkbenchSnapshot>;
  messages(sessionId: string, limit: number): Promise<Message[]>;
  /** Queues a reply; `clientMsgId` is the UI's id for its optimistic copy. */
  sendText(sessionId: string, text: string, clientMsgId: string): Promise<string>;
  /** Queues a pasted image (`dataBase64`: its bytes in base64). */
  sendImage(sessionId: string, image: { fileName: string; mime: string; dataBase64: string }, clientMsgId: string): Promise<string>;
  /** Loads an image a message refers to, through the core, as a `data:` URL. */
  fetchImage(address: string): Promise<string>;
  retrySend(clientMsgId: string): Promise<void>;
  endSession(sessionId: string): Promise<void>;
  inviteRating(sessionId: string): Promise<void>;
  transferTargets(): Promise<TransferTargets>;
  transfer(sessionId: string, target: TransferTarget): Promise<void>;
  submitSummary(sessionId: string, summary: string, resolved: boolean): Promise<void>;
  setAgentStatus(status: AgentStatus): Promise<AgentStatus>;
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  setUnreadTotal(count: number): Promise<void>;
  /** Accounts and which of their secrets are set; never a secret. */
  accounts(): Promise<AccountView[]>;
  /** Adds or edits an account; its secrets go to the OS keychain. */
  saveAccount(input: AccountInput): Promise<void>;
  removeAccount(name: string): Promise<void>;
  testAccount(name: string): Promise<ConnectionReport>;
  /** The best knowledge-base articles for `query`, or for the session's newest customer message. */
  knowledgeSuggestions(sessionId: string, query: string | null): Promise<KbSuggestionView[]>;
  /** The agent sent an article's answer: the customer's question becomes one of its questions. */
  learnFromAnswer(sessionId: string, articleId: string): Promise<boolean>;
  /** The session's mood and whether to warn. */
  sessionMood(sessionId: string): Promise<SessionMood>;
  /** The account mode's connector files and whether each has its key; never a key. */
  connectors(): Promise<ConnectorView[]>;
  /** Stores a connector's key in the OS keychain. */
  setConnectorKey(name: string, key: string): Promise<void>;
  /** Supervisor: the union platform's merchants, and changes to them. */
  merchants(): Promise<MerchantView[]>;
  addMerchant(input: MerchantInput): Promise<void>;
  updateMerchant(input: MerchantInput): Promise<void>;
  /** Supervisor: the agents of the merchant on screen, and changes to them. */
  merchantAgents(): Promise<AgentView[]>;
  addAgent(input: AgentInput): Promise<void>;
  updateAgent(input: AgentInput): Promise<void>;
  deleteAgent(email: string): Promise<void>;
  statusLog(): Promise<StatusLogEntry[]>;
  /** The 360° view of a session's customer: cached at once (`refresh` false) or asked of every source. */
  customerView(sessionId: string, refresh: boolean): Promise<CustomerView>;
  /** One masked field in full (audited). */
  revealCustomerField(sessionId: string, field: PersonalField): Promise<string>;
  /** The agent's note about the session's customer (kept encrypted with the workspace's data). */
  customerNote(sessionId: string): Promise<CustomerNoteView>;
  /** Replaces that note; blank removes it. Answers what is kept. */
  saveCustomerNote(sessionId: string, text: string): Promise<CustomerNoteView>;
  /** Why the chosen account did not start (the workbench then runs in demo mode), if it did not. */
  startupWarning(): Promise<ApiError | null>;
  onEvent(listener: (event: WorkbenchEvent) => void): Promise<() => void>;
  onStartup(listener: (info: StartupInfo) => void): Promise<() => void>;
  /** The window missed events (the bridge fell behind): read again what is shown. */
  onResync(listener: (event: ResyncEvent) => void): Promise<() => void>;
  /** Each customer message's effect on its session's mood. */
  onMood(listener: (event: MoodEvent) => void): Promise<() => void>;
  /** Supervisor dashboard: the merchant's figures for a date range (and optionally one group). */
  dashboard(query: DashboardQuery): Promise<DashboardView>;
  /** Writes the dashboard as CSV into the Downloads folder; answers the file's path. */
  exportDashboard(query: DashboardQuery): Promise<string>;
  /** Per-endpoint call figures, the push connection and the outbox, now. */
  apiHealth(): Promise<ApiHealthView>;
  /** The API failure alert, raised and cleared. */
  onApiHealth(listener: (alert: ApiHealthAlert) => void): Promise<() => void>;
  /** The in-app updater: off (and why), up to date, an update ready, one refused. */
  updateStatus(): Promise<UpdateStatus>;
  /** Installs the verified update and starts the new version. */
  restartToUpdate(): Promise<void>;
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
