// The backend over Tauri IPC: commands are `invoke`, domain events arrive as `agentdesk://event`.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { Backend, StartupInfo, TransferTarget } from "./backend";
import { BackendError } from "./backend";
import type { ApiError, ApiHealthAlert, ApiHealthView, DashboardQuery, DashboardView, CustomerNoteView, CustomerView, PersonalField, AgentInput, AgentView, MerchantInput, MerchantView, StatusLogEntry, AccountInput, AccountView, AgentStatus, ConnectionReport, ConnectorView, KbSuggestionView, Message, MoodEvent, ResyncEvent, SessionMood, Settings, TenantOption, TransferTargets, UpdateStatus, WorkbenchEvent, WorkbenchSnapshot } from "./bindings";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw BackendError.from(error);
  }
}

export class TauriBackend implements Backend {
  snapshot = () => call<WorkbenchSnapshot>("snapshot");
  tenants = () => call<TenantOption[]>("tenants");
  switchTenant = (tenantId: string) => call<WorkbenchSnapshot>("switch_tenant", { tenantId });
  messages = (sessionId: string, limit: number) => call<Message[]>("messages", { sessionId, limit });
  sendText = (sessionId: string, text: string, clientMsgId: string) =>
    call<string>("send_text", { sessionId, text, clientMsgId });
  sendImage = (sessionId: string, image: { fileName: string; mime: string; dataBase64: string }, clientMsgId: string) =>
    call<string>("send_image", { sessionId, fileName: image.fileName, mime: image.mime, dataBase64: image.dataBase64, clientMsgId });
  fetchImage = (address: string) => call<string>("fetch_image", { address });
  retrySend = (clientMsgId: string) => call<void>("retry_send", { clientMsgId });
  endSession = (sessionId: string) => call<void>("end_session", { sessionId });
  inviteRating = (sessionId: string) => call<void>("invite_rating", { sessionId });
  transferTargets = () => call<TransferTargets>("transfer_targets");
  transfer = (sessionId: string, target: TransferTarget) =>
    call<void>("transfer", {
      sessionId,
      target: target.kind === "agent" ? { kind: "agent", id: target.id } : { kind: "group", id: target.id, name: target.name },
    });
  submitSummary = (sessionId: string, summary: string, resolved: boolean) =>
    call<void>("submit_summary", { sessionId, summary, resolved });
  setAgentStatus = (status: AgentStatus) => call<AgentStatus>("set_agent_status", { status });
  getSettings = () => call<Settings>("get_settings");
  saveSettings = (settings: Settings) => call<void>("save_settings", { settings });
  setUnreadTotal = (count: number) => call<void>("set_unread_total", { count });
  accounts = () => call<AccountView[]>("accounts");
  saveAccount = (input: AccountInput) => call<void>("save_account", { input });
  removeAccount = (name: string) => call<void>("remove_account", { name });
  connectors = () => call<ConnectorView[]>("connectors");
  knowledgeSuggestions = (sessionId: string, query: string | null) => call<KbSuggestionView[]>("knowledge_suggestions", { sessionId, query });
  learnFromAnswer = (sessionId: string, articleId: string) => call<boolean>("learn_from_answer", { sessionId, articleId });
  sessionMood = (sessionId: string) => call<SessionMood>("session_mood", { sessionId });
  setConnectorKey = (name: string, key: string) => call<void>("set_connector_key", { name, key });
  testAccount = (name: string) => call<ConnectionReport>("test_account", { name });
  merchants = () => call<MerchantView[]>("merchants");
  addMerchant = (input: MerchantInput) => call<void>("add_merchant", { input });
  updateMerchant = (input: MerchantInput) => call<void>("update_merchant", { input });
  merchantAgents = () => call<AgentView[]>("merchant_agents");
  addAgent = (input: AgentInput) => call<void>("add_agent", { input });
  updateAgent = (input: AgentInput) => call<void>("update_agent", { input });
  deleteAgent = (email: string) => call<void>("delete_agent", { email });
  statusLog = () => call<StatusLogEntry[]>("status_log");
  customerView = (sessionId: string, refresh: boolean) => call<CustomerView>("customer_view", { sessionId, refresh });
  revealCustomerField = (sessionId: string, field: PersonalField) => call<string>("reveal_customer_field", { sessionId, field });
  customerNote = (sessionId: string) => call<CustomerNoteView>("customer_note", { sessionId });
  saveCustomerNote = (sessionId: string, text: string) => call<CustomerNoteView>("save_customer_note", { sessionId, text });
  startupWarning = () => call<ApiError | null>("startup_warning");
  onEvent = (listener: (event: WorkbenchEvent) => void) =>
    listen<WorkbenchEvent>("agentdesk://event", (event) => listener(event.payload));
  onStartup = (listener: (info: StartupInfo) => void) =>
    listen<StartupInfo>("agentdesk://startup", (event) => listener(event.payload));
  onResync = (listener: (event: ResyncEvent) => void) =>
    listen<ResyncEvent>("agentdesk://resync", (event) => listener(event.payload));
  onMood = (listener: (event: MoodEvent) => void) => listen<MoodEvent>("agentdesk://mood", (event) => listener(event.payload));
  dashboard = (query: DashboardQuery) => call<DashboardView>("dashboard", { query });
  exportDashboard = (query: DashboardQuery) => call<string>("export_dashboard", { query });
  apiHealth = () => call<ApiHealthView>("api_health");
  onApiHealth = (listener: (alert: ApiHealthAlert) => void) =>
    listen<ApiHealthAlert>("agentdesk://api-health", (event) => listener(event.payload));
  updateStatus = () => call<UpdateStatus>("update_status");
  restartToUpdate = () => call<void>("restart_to_update");
  onUpdate = (listener: (status: UpdateStatus) => void) =>
    listen<UpdateStatus>("agentdesk://update", (event) => listener(event.payload));
}

/** True inside the Tauri window (false in a plain browser or a test). */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}
