// Generated from src-tauri/src/commands.rs (`UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands`):
// do not edit. One method per command of the core, its arguments in the Rust order.

import type { AccountInput, AccountView, AgentInput, AgentStatus, AgentView, ApiError, ApiHealthView, AssistInput, AssistantPolicy, AssistantPreset, AssistantStatus, ConnectionReport, ConnectorView, CustomerNoteView, CustomerTickets, CustomerView, DashboardQuery, DashboardView, DraftFate, KbSuggestionView, MerchantInput, MerchantView, Message, PaymentLinkRequest, PaymentOptions, PaymentPolicy, PaymentProgress, PersonalField, ReplyDraft, SessionMood, Settings, StatusLogEntry, SystemKind, TemplateField, TenantOption, TicketDetail, TicketFigures, TicketForm, TicketProgress, TicketRequest, TicketSystemView, TransferTarget, TransferTargets, UpdateStatus, WorkbenchSnapshot, WriteBackView } from "./bindings";

export interface Commands {
  snapshot(): Promise<WorkbenchSnapshot>;
  tenants(): Promise<TenantOption[]>;
  /** Swaps the workspace for another tenant's. The shell keeps nothing of any tenant (notices carry the customer's name), so nothing of the previous one stays here. */
  switchTenant(tenantId: string): Promise<WorkbenchSnapshot>;
  messages(sessionId: string, limit: number): Promise<Message[]>;
  sendText(sessionId: string, text: string, clientMsgId: string | null): Promise<string>;
  sendImage(sessionId: string, fileName: string, mime: string, dataBase64: string, clientMsgId: string): Promise<string>;
  fetchImage(address: string): Promise<string>;
  inviteRating(sessionId: string): Promise<void>;
  transferTargets(): Promise<TransferTargets>;
  transfer(sessionId: string, target: TransferTarget): Promise<void>;
  submitSummary(sessionId: string, summary: string, resolved: boolean): Promise<void>;
  retrySend(clientMsgId: string): Promise<void>;
  endSession(sessionId: string): Promise<void>;
  setAgentStatus(status: AgentStatus): Promise<AgentStatus>;
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  setUnreadTotal(count: number): Promise<void>;
  /** Accounts with which secrets are set (never the secrets). */
  accounts(): Promise<AccountView[]>;
  /** Adds or edits an account; secrets in `input` go to the OS keychain and are not kept here. */
  saveAccount(input: AccountInput): Promise<void>;
  removeAccount(name: string): Promise<void>;
  /** The account mode's connector files and whether each has its key (never the key). */
  connectors(): Promise<ConnectorView[]>;
  /** Stores a connector's key in the OS keychain; the window never reads it back. */
  setConnectorKey(name: string, key: string): Promise<void>;
  testAccount(name: string): Promise<ConnectionReport>;
  merchants(): Promise<MerchantView[]>;
  addMerchant(input: MerchantInput): Promise<void>;
  updateMerchant(input: MerchantInput): Promise<void>;
  merchantAgents(): Promise<AgentView[]>;
  addAgent(input: AgentInput): Promise<void>;
  updateAgent(input: AgentInput): Promise<void>;
  deleteAgent(email: string): Promise<void>;
  statusLog(): Promise<StatusLogEntry[]>;
  /** Why the chosen account did not start, if it did not (the workbench then runs in demo mode). */
  startupWarning(): Promise<ApiError | null>;
  /** The 360° view of a session's customer: from the cache at once (`refresh: false`), or asked of every source (`refresh: true`). */
  customerView(sessionId: string, refresh: boolean): Promise<CustomerView>;
  /** The best knowledge-base articles for `query`, or for the session's newest customer message. */
  knowledgeSuggestions(sessionId: string, query: string | null): Promise<KbSuggestionView[]>;
  /** The agent sent this article's answer: the customer's question becomes one of its questions. */
  learnFromAnswer(sessionId: string, articleId: string): Promise<boolean>;
  /** The session's mood from its last customer messages, and whether to warn. */
  sessionMood(sessionId: string): Promise<SessionMood>;
  /** The agent's note about the session's customer. */
  customerNote(sessionId: string): Promise<CustomerNoteView>;
  /** Replaces the agent's note about the session's customer (blank removes it). */
  saveCustomerNote(sessionId: string, text: string): Promise<CustomerNoteView>;
  /** One masked field in full; the reveal is audited. */
  revealCustomerField(sessionId: string, field: PersonalField): Promise<string>;
  /** The supervisor dashboard for a date range and, optionally, one agent group. */
  dashboard(query: DashboardQuery): Promise<DashboardView>;
  /** Writes the dashboard as CSV into the Downloads folder (a new file each time); answers its path. */
  exportDashboard(query: DashboardQuery): Promise<string>;
  /** API health now: per-endpoint figures, the push connection and the outbox. */
  apiHealth(): Promise<ApiHealthView>;
  /** The in-app updater's state (off and why, up to date, an update ready, one refused). */
  updateStatus(): Promise<UpdateStatus>;
  /** Installs the verified update and starts the new version (on Windows the installer takes over). Off the main thread: on Linux installing waits for the administrator password prompt. */
  restartToUpdate(): Promise<void>;
  /** The model providers the account form offers (OpenAI, Azure, 百炼, DeepSeek, local servers…). */
  assistantPresets(): Promise<AssistantPreset[]>;
  /** Whether the reply assistant is on for the merchant on screen, and why not. */
  assistantStatus(): Promise<AssistantStatus>;
  /** A supervisor's choice for the merchant on screen: on or off, the features, the daily budget. */
  setAssistantPolicy(policy: AssistantPolicy): Promise<void>;
  /** Starts a draft, summary, translation or rewrite; its text arrives as `assist` events. Answers the call's id. */
  startAssist(sessionId: string, input: AssistInput, agentLanguage: string): Promise<string>;
  /** Stops a call at once (what arrived is kept as a partial answer). */
  cancelAssist(callId: string): Promise<boolean>;
  /** What the agent did with a draft: sent as is, edited, or discarded. */
  recordDraftFate(callId: string, fate: DraftFate): Promise<boolean>;
  /** The merchant's ticket systems, with what each can do. */
  ticketSystems(): Promise<TicketSystemView[]>;
  /** The choices for a new ticket in `system` (kept per merchant, refreshed in the background). */
  ticketForm(system: SystemKind): Promise<TicketForm>;
  /** The template fields of a ticket category. */
  ticketTemplate(system: SystemKind, typeId: string): Promise<TemplateField[]>;
  /** Submits a ticket: checked, then created exactly once in the background (progress as events). */
  createTicket(request: TicketRequest): Promise<TicketProgress>;
  /** Every ticket submitted in this run and where it is. */
  ticketAttempts(): Promise<TicketProgress[]>;
  /** The session's customer's tickets in every system, open ones first: kept (`refresh: false`) or asked of each system. */
  customerTickets(sessionId: string, refresh: boolean): Promise<CustomerTickets>;
  ticketDetail(system: SystemKind, ticketId: string): Promise<TicketDetail>;
  /** The merchant's ticket figures over a range of days (none without Sobot 工单). */
  ticketFigures(from: string, to: string): Promise<TicketFigures | null>;
  /** Replies to a ticket (with a status change where the system takes one); the ticket afterwards. */
  replyTicket(system: SystemKind, ticketId: string, reply: ReplyDraft): Promise<TicketDetail>;
  /** The newest write-backs to the merchant's systems (the dashboard's API health lists the ones that did not go through). */
  writeBacks(limit: number): Promise<WriteBackView[]>;
  /** The merchant's form link tagged with this session, for the agent to send to the customer. */
  formLink(sessionId: string): Promise<string>;
  /** A customer's voice message as a `data:` URL to play or save (its type read from its bytes). */
  voiceAudio(address: string): Promise<string>;
  /** Reads a voice message as text again (after the speech service failed); the transcript comes as an event. */
  readVoiceAgain(sessionId: string, msgId: string): Promise<void>;
  /** What the conversation's payment button offers now (the merchant's systems, the policy). */
  paymentOptions(): Promise<PaymentOptions>;
  /** Makes a payment link and sends it to the customer, exactly once (the same `attempt_id` again is the same link); followed afterwards, its progress as events. */
  createPaymentLink(request: PaymentLinkRequest): Promise<PaymentProgress>;
  /** The payment links of a session, oldest first. */
  sessionPaymentLinks(sessionId: string): Promise<PaymentProgress[]>;
  /** Closes an unpaid payment link. */
  closePaymentLink(outTradeNo: string): Promise<PaymentProgress>;
  /** The merchant's payment-link policy (supervisor). */
  paymentPolicy(): Promise<PaymentPolicy>;
  /** Sets who may make payment links and the largest amount (supervisor), as saved. */
  setPaymentPolicy(policy: PaymentPolicy): Promise<PaymentPolicy>;
}

/** How each method is invoked: the command's name and its arguments' names, in order. */
export const COMMANDS: { [K in keyof Commands]: { command: string; args: string[] } } = {
  snapshot: { command: "snapshot", args: [] },
  tenants: { command: "tenants", args: [] },
  switchTenant: { command: "switch_tenant", args: ["tenantId"] },
  messages: { command: "messages", args: ["sessionId", "limit"] },
  sendText: { command: "send_text", args: ["sessionId", "text", "clientMsgId"] },
  sendImage: { command: "send_image", args: ["sessionId", "fileName", "mime", "dataBase64", "clientMsgId"] },
  fetchImage: { command: "fetch_image", args: ["address"] },
  inviteRating: { command: "invite_rating", args: ["sessionId"] },
  transferTargets: { command: "transfer_targets", args: [] },
  transfer: { command: "transfer", args: ["sessionId", "target"] },
  submitSummary: { command: "submit_summary", args: ["sessionId", "summary", "resolved"] },
  retrySend: { command: "retry_send", args: ["clientMsgId"] },
  endSession: { command: "end_session", args: ["sessionId"] },
  setAgentStatus: { command: "set_agent_status", args: ["status"] },
  getSettings: { command: "get_settings", args: [] },
  saveSettings: { command: "save_settings", args: ["settings"] },
  setUnreadTotal: { command: "set_unread_total", args: ["count"] },
  accounts: { command: "accounts", args: [] },
  saveAccount: { command: "save_account", args: ["input"] },
  removeAccount: { command: "remove_account", args: ["name"] },
  connectors: { command: "connectors", args: [] },
  setConnectorKey: { command: "set_connector_key", args: ["name", "key"] },
  testAccount: { command: "test_account", args: ["name"] },
  merchants: { command: "merchants", args: [] },
  addMerchant: { command: "add_merchant", args: ["input"] },
  updateMerchant: { command: "update_merchant", args: ["input"] },
  merchantAgents: { command: "merchant_agents", args: [] },
  addAgent: { command: "add_agent", args: ["input"] },
  updateAgent: { command: "update_agent", args: ["input"] },
  deleteAgent: { command: "delete_agent", args: ["email"] },
  statusLog: { command: "status_log", args: [] },
  startupWarning: { command: "startup_warning", args: [] },
  customerView: { command: "customer_view", args: ["sessionId", "refresh"] },
  knowledgeSuggestions: { command: "knowledge_suggestions", args: ["sessionId", "query"] },
  learnFromAnswer: { command: "learn_from_answer", args: ["sessionId", "articleId"] },
  sessionMood: { command: "session_mood", args: ["sessionId"] },
  customerNote: { command: "customer_note", args: ["sessionId"] },
  saveCustomerNote: { command: "save_customer_note", args: ["sessionId", "text"] },
  revealCustomerField: { command: "reveal_customer_field", args: ["sessionId", "field"] },
  dashboard: { command: "dashboard", args: ["query"] },
  exportDashboard: { command: "export_dashboard", args: ["query"] },
  apiHealth: { command: "api_health", args: [] },
  updateStatus: { command: "update_status", args: [] },
  restartToUpdate: { command: "restart_to_update", args: [] },
  assistantPresets: { command: "assistant_presets", args: [] },
  assistantStatus: { command: "assistant_status", args: [] },
  setAssistantPolicy: { command: "set_assistant_policy", args: ["policy"] },
  startAssist: { command: "start_assist", args: ["sessionId", "input", "agentLanguage"] },
  cancelAssist: { command: "cancel_assist", args: ["callId"] },
  recordDraftFate: { command: "record_draft_fate", args: ["callId", "fate"] },
  ticketSystems: { command: "ticket_systems", args: [] },
  ticketForm: { command: "ticket_form", args: ["system"] },
  ticketTemplate: { command: "ticket_template", args: ["system", "typeId"] },
  createTicket: { command: "create_ticket", args: ["request"] },
  ticketAttempts: { command: "ticket_attempts", args: [] },
  customerTickets: { command: "customer_tickets", args: ["sessionId", "refresh"] },
  ticketDetail: { command: "ticket_detail", args: ["system", "ticketId"] },
  ticketFigures: { command: "ticket_figures", args: ["from", "to"] },
  replyTicket: { command: "reply_ticket", args: ["system", "ticketId", "reply"] },
  writeBacks: { command: "write_backs", args: ["limit"] },
  formLink: { command: "form_link", args: ["sessionId"] },
  voiceAudio: { command: "voice_audio", args: ["address"] },
  readVoiceAgain: { command: "read_voice_again", args: ["sessionId", "msgId"] },
  paymentOptions: { command: "payment_options", args: [] },
  createPaymentLink: { command: "create_payment_link", args: ["request"] },
  sessionPaymentLinks: { command: "session_payment_links", args: ["sessionId"] },
  closePaymentLink: { command: "close_payment_link", args: ["outTradeNo"] },
  paymentPolicy: { command: "payment_policy", args: [] },
  setPaymentPolicy: { command: "set_payment_policy", args: ["policy"] },
};
