// An in-memory backend: for unit tests, and for working on the UI in a plain browser (`npm run dev`).
// It behaves like the engine only where the UI can tell (pending then sent, events after commands,
// tenants swapping whole); it keeps none of the core's rules: a test that needs a refusal says so
// (`vi.spyOn(backend, "…").mockRejectedValue(…)`), so nothing here is a second core to keep in step.

import type { Backend, StartupInfo, TransferTarget } from "./backend";
import { BackendError } from "./backend";
import type {
  UpdateStatus,
  ApiError,
  CustomerNoteView,
  CustomerView,
  PersonalField,
  AccountInput, AccountView, ConnectionReport, ConnectorView, KbSuggestionView, SessionMood, AgentInput, AgentView, MerchantInput, MerchantView, StatusLogEntry,
  ApiHealthAlert, ApiHealthView, IndexingProgress, DashboardQuery, DashboardView,
  AssistEvent, AssistInput, AssistOutcome, AssistantPolicy, AssistantPreset, AssistantStatus, DraftFate, Feature,
  AgentStatus, DeskEvent, DomainEvent, Message, Session, Settings, TenantOption, TransferTargets, WorkbenchSnapshot,
  PaymentLinkRequest, PaymentOptions, PaymentPolicy, PaymentProgress,
  CustomerTickets, ReplyDraft, SystemKind, TemplateField, TicketDetail, TicketFigures, TicketForm, TicketProgress, TicketRequest, TicketSystemView,
} from "./bindings";

export class FakeBackend implements Backend {
  sessions: Session[] = [];
  history: Record<string, Message[]> = {};
  sent: { sessionId: string; text: string; clientMsgId: string }[] = [];
  unreadTotal = 0;
  settings: Settings = { notify_new_session: true, notify_new_message: true, notification_sound: true, language: "", active_account: "", mood_warning_percent: 75, notify_upset_customer: true, audit_retention_days: 90 };
  /** When set, sends fail with this error. */
  failSends: BackendError | null = null;
  /** When false, sends stay pending until `confirm` is called. */
  autoConfirm = true;
  /** Whoever listens to the workbench's events (`onDesk`). */
  private deskListeners: ((event: DeskEvent) => void)[] = [];
  /** Message ids handed out so far (the platform's msgId). */
  private ids = 0;
  /** The workspace generation; a tenant switch starts a new one. */
  workspace = 1;
  tenantList: TenantOption[] = [
    { id: "lumen", name: "Lumen Mall 流明商城", enabled: true, active: true },
    { id: "harbor", name: "Harbor Tea 港湾茶舍", enabled: true, active: false },
    { id: "old", name: "Old Shop 旧店", enabled: false, active: false },
  ];
  /** Other tenants' sessions and histories, waiting for a switch. */
  parked: Record<string, { sessions: Session[]; history: Record<string, Message[]> }> = {};

  /** Sends one of the workbench's events to every listener. */
  publish(event: DeskEvent) {
    for (const listener of this.deskListeners) listener(event);
  }

  /** A domain event of `workspace` (the one on screen unless said). */
  emit(event: DomainEvent, workspace = this.workspace) {
    this.publish({ kind: "domain", workspace, event });
  }

  addSession(session: Session, messages: Message[] = []) {
    this.sessions.push(session);
    this.history[session.id] = messages;
  }

  /** The customer writes: stored, then announced. */
  customerWrites(sessionId: string, content: string, at = Date.now(), kind: Message["kind"] = "text") {
    const name = this.sessions.find((s) => s.id === sessionId)?.visitor_name ?? "";
    const message: Message = {
      session_id: sessionId, msg_id: `m-${sessionId}-${++this.ids}`, client_msg_id: null, direction: "in",
      kind, content, sender_name: name, sent_at_ms: at, status: "sent",
    };
    (this.history[sessionId] ??= []).push(message);
    this.emit({ type: "message_stored", message });
  }

  confirm(clientMsgId: string) {
    for (const [sessionId, list] of Object.entries(this.history)) {
      const message = list.find((m) => m.client_msg_id === clientMsgId);
      if (!message) continue;
      Object.assign(message, { msg_id: `m-${sessionId}-${++this.ids}`, status: "sent" });
      this.emit({ type: "message_status_changed", session_id: sessionId, client_msg_id: clientMsgId, status: "sent", msg_id: message.msg_id, error: null, failure: null });
    }
  }

  async tenants(): Promise<TenantOption[]> {
    return this.tenantList.map((t) => ({ ...t }));
  }

  async switchTenant(tenantId: string): Promise<WorkbenchSnapshot> {
    const target = this.tenantList.find((t) => t.id === tenantId);
    if (!target) throw new BackendError("not_found", `there is no tenant ${tenantId}`);
    if (!target.enabled) throw new BackendError("invalid_input", `${target.name} is disabled`);
    const current = this.tenantList.find((t) => t.active);
    if (current && current.id !== tenantId) {
      this.parked[current.id] = { sessions: this.sessions, history: this.history };
      const next = this.parked[tenantId] ?? { sessions: [], history: {} };
      this.sessions = next.sessions;
      this.history = next.history;
      this.workspace += 1;
      for (const t of this.tenantList) t.active = t.id === tenantId;
    }
    return this.snapshot();
  }

  async snapshot(): Promise<WorkbenchSnapshot> {
    const tenant = this.tenantList.find((t) => t.active);
    return {
      workspace: this.workspace, tenant_id: tenant?.id ?? "", tenant_name: tenant?.name ?? "",
      mode: "demo", account_name: "Sandbox", agent_login: "a*****@sandbox.test",
      sessions: this.sessions.map((session) => ({ session, last_message: this.history[session.id]?.at(-1) ?? null })),
      connection: { state: "connected" },
      storage_warning: this.storageWarning,
      storage_problem: null,
    };
  }

  /** Demo mode without a keychain (see `WorkbenchSnapshot.storage_warning`). */
  storageWarning: ApiError | null = null;

  async messages(sessionId: string): Promise<Message[]> {
    return [...(this.history[sessionId] ?? [])];
  }

  async sendText(sessionId: string, text: string, clientMsgId: string): Promise<string> {
    if (this.failSends) throw this.failSends;
    this.sent.push({ sessionId, text, clientMsgId });
    const message: Message = {
      session_id: sessionId, msg_id: null, client_msg_id: clientMsgId, direction: "out", kind: "text",
      content: text, sender_name: "Agent", sent_at_ms: Date.now(), status: "pending",
    };
    (this.history[sessionId] ??= []).push(message);
    this.emit({ type: "message_stored", message: { ...message } });
    if (this.autoConfirm) setTimeout(() => this.confirm(clientMsgId), 0);
    return clientMsgId;
  }

  images: { sessionId: string; fileName: string; mime: string; clientMsgId: string }[] = [];

  async sendImage(sessionId: string, fileName: string, mime: string, _dataBase64: string, clientMsgId: string) {
    if (this.failSends) throw this.failSends;
    this.images.push({ sessionId, fileName, mime, clientMsgId });
    const message: Message = {
      session_id: sessionId, msg_id: null, client_msg_id: clientMsgId, direction: "out", kind: "image",
      content: fileName, sender_name: "Agent", sent_at_ms: Date.now(), status: "pending",
    };
    (this.history[sessionId] ??= []).push(message);
    this.emit({ type: "message_stored", message: { ...message } });
    if (this.autoConfirm) setTimeout(() => this.confirm(clientMsgId), 0);
    return clientMsgId;
  }

  fetched: string[] = [];

  async fetchImage(address: string) {
    this.fetched.push(address);
    return "data:image/png;base64,iVBORw0KGgo=";
  }

  async retrySend(clientMsgId: string) {
    this.confirm(clientMsgId);
  }

  async endSession(sessionId: string) {
    this.emit({ type: "session_ended", session_id: sessionId });
  }

  async inviteRating() {}

  async transferTargets(): Promise<TransferTargets> {
    return { agents: [{ id: "a2", name: "Chen Jing", online: true }], groups: [{ id: "g1", name: "After-sales" }] };
  }

  async transfer(sessionId: string, _target: TransferTarget) {
    this.emit({ type: "session_ended", session_id: sessionId });
  }

  async submitSummary() {}

  async setAgentStatus(status: AgentStatus) {
    return status;
  }

  async getSettings() {
    return { ...this.settings };
  }

  async saveSettings(settings: Settings) {
    this.settings = { ...settings };
  }

  async setUnreadTotal(count: number) {
    this.unreadTotal = count;
  }

  /** Saved accounts; the secrets given are kept apart, as the keychain would. */
  accountList: AccountView[] = [];
  keychain: Record<string, string> = {};

  async accounts() {
    return this.accountList.map((v) => ({ ...v, account: { ...v.account } }));
  }

  async saveAccount(input: AccountInput) {
    const name = input.account.name;
    const replacing = input.previous_name ?? name;
    const old = this.accountList.find((v) => v.account.name === replacing);
    if (input.app_key) this.keychain[`${name}/app-key`] = input.app_key;
    if (input.union_key) this.keychain[`${name}/union-key`] = input.union_key;
    if (input.assistant_key) this.keychain[`${name}/assistant-key`] = input.assistant_key;
    if (input.assistant_key === "") delete this.keychain[`${name}/assistant-key`];
    this.accountList = this.accountList.filter((v) => v.account.name !== replacing);
    this.accountList.push({
      account: { ...input.account },
      has_app_key: Boolean(input.app_key) || Boolean(old?.has_app_key),
      has_union_key: Boolean(input.union_key) || Boolean(old?.has_union_key),
      has_assistant_key: input.assistant_key === "" ? false : Boolean(input.assistant_key) || Boolean(old?.has_assistant_key),
      ticket_keys: [...new Set([...(old?.ticket_keys ?? []), ...input.ticket_keys.filter((k) => k.key).map((k) => k.system)])],
    });
    for (const typed of input.ticket_keys) this.keychain[`${name}/tickets/${typed.system}`] = typed.key;
  }

  /** Learned (session, article) pairs, as the core's index would take them. */
  learned: string[] = [];

  async knowledgeSuggestions(sessionId: string, query: string | null): Promise<KbSuggestionView[]> {
    const asked = query ?? this.lastInbound(sessionId);
    if (!asked) return [];
    return [
      { id: "doc-0009", title: "耳机退款多久到账？", answer: "退款审核通过后，原路退回。", matched_question: "耳机退款多久到账？", highlights: [[0, 2], [2, 4]] },
      { id: "doc-0011", title: "How long does a refund for headphones take?", answer: "Refunds take 1–5 business days.", matched_question: "When will I get my money back for the headphones", highlights: [[38, 48]] },
    ];
  }

  async learnFromAnswer(sessionId: string, articleId: string) {
    this.learned.push(`${sessionId}:${articleId}`);
    return true;
  }

  /** The mood a test sets per session; calm unless set. */
  moods: Record<string, SessionMood> = {};

  async sessionMood(sessionId: string): Promise<SessionMood> {
    return this.moods[sessionId] ?? { session_id: sessionId, risk: 0.1, label: "neutral", cues: [], warn: false };
  }

  private lastInbound(sessionId: string): string | null {
    const list = this.history[sessionId] ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i].direction === "in") return list[i].content;
    return null;
  }

  connectorList: ConnectorView[] = [
    { name: "Shop OMS", preset: "sandbox-oms", base_url: "https://oms.example.com/v1", provides: ["orders"], has_key: false, path: "/cfg/connectors/Shop%20OMS.toml", problem: null },
    { name: "broken", preset: null, base_url: "", provides: [], has_key: false, path: "/cfg/connectors/broken.toml", problem: "connector configuration: orders.map.id = \"id\" is not a JSON pointer" },
  ];

  async connectors() {
    return this.connectorList.map((c) => ({ ...c }));
  }

  async setConnectorKey(name: string, key: string) {
    this.keychain[`connector/${name}/key`] = key;
    const connector = this.connectorList.find((c) => c.name === name);
    if (connector) connector.has_key = true;
  }

  async removeAccount(name: string) {
    this.accountList = this.accountList.filter((v) => v.account.name !== name);
    delete this.keychain[`${name}/app-key`];
    delete this.keychain[`${name}/union-key`];
  }

  async testAccount(name: string): Promise<ConnectionReport> {
    const key = this.keychain[`${name}/app-key`];
    if (key === "good-key") return { ok: true, problem: null, message: "a token was issued" };
    return { ok: false, problem: "bad_signature", message: "900003: the app key does not belong to the appid" };
  }

  merchantList: MerchantView[] = [
    { id: "lumen", name: "Lumen Mall 流明商城", customer_code: "lumen-mall", email: "owner@lumen.test", contact_name: "周明", contact_tel: "131****0001", agents: 2, max_agents: 20, created: "2025-03-01", enabled: true },
    { id: "old", name: "Old Shop 旧店", customer_code: "old-shop", email: "owner@old.test", contact_name: "", contact_tel: "", agents: 1, max_agents: 10, created: "2024-01-15", enabled: false },
  ];
  agentList: AgentView[] = [
    { id: "a0001", email: "agent1@lumen.test", name: "林晓 Lin Xiao", nick: "林晓", role: "online_agent", phone: "138****5678", max_accept: 50, online: true },
  ];

  async merchants() {
    return this.merchantList.map((m) => ({ ...m }));
  }

  async addMerchant(input: MerchantInput) {
    this.merchantList.push({
      id: `m-${input.customer_code}`, name: input.name, customer_code: input.customer_code, email: input.email,
      contact_name: input.contact_name, contact_tel: input.contact_tel, agents: 1, max_agents: input.max_agents, created: "2026-11-21", enabled: true,
    });
  }

  async updateMerchant(input: MerchantInput) {
    const merchant = this.merchantList.find((m) => m.customer_code === input.customer_code);
    if (merchant) Object.assign(merchant, { name: input.name, max_agents: input.max_agents, contact_name: input.contact_name, enabled: input.enabled ?? merchant.enabled });
  }

  async merchantAgents() {
    return this.agentList.map((a) => ({ ...a }));
  }

  async addAgent(input: AgentInput) {
    this.agentList.push({ id: `a${this.agentList.length + 1}`, email: input.email, name: input.name, nick: input.nick, role: input.role, phone: input.phone.slice(0, 3) + "****" + input.phone.slice(7), max_accept: input.max_accept, online: false });
  }

  async updateAgent(input: AgentInput) {
    const agent = this.agentList.find((a) => a.email === input.email);
    if (agent) Object.assign(agent, { name: input.name, nick: input.nick, max_accept: input.max_accept });
  }

  async deleteAgent(email: string) {
    this.agentList = this.agentList.filter((a) => a.email !== email);
  }

  async statusLog(): Promise<StatusLogEntry[]> {
    return [{ agent_id: "a0001", at_ms: 1_700_000_000_000, action: "在线", source: "pc" }];
  }

  warning: ApiError | null = null;
  /** Reveals asked for (the core audits them). */
  reveals: string[] = [];

  // ---- tickets: one Sobot system with a two-level category tree; a ticket is created at once ----
  ticketRequests: TicketRequest[] = [];
  ticketDetails: Record<string, TicketDetail> = {};

  async ticketSystems(): Promise<TicketSystemView[]> {
    return [{ system: "sobot", categories: true, assignees: true, replies: true, status_changes: true, max_attachments: 10, max_file_mb: 20, max_total_mb: 100 }];
  }

  async ticketForm(system: SystemKind): Promise<TicketForm> {
    return {
      system,
      as_of_ms: Date.now(),
      dictionary: {
        categories: [
          { id: "T100", name: "售后", leaf: false, children: [{ id: "T110", name: "退款", leaf: true, children: [] }] },
          { id: "T200", name: "投诉", leaf: true, children: [] },
        ],
        levels: [{ value: "0", name: "低" }, { value: "1", name: "中" }],
        statuses: [],
        groups: [{ value: "G1", name: "售后组" }],
        agents: [{ value: "A1", name: "小周" }],
      },
    };
  }

  async ticketTemplate(_system: SystemKind, typeId: string): Promise<TemplateField[]> {
    return typeId === "T110" ? [{ id: "F1", name: "订单号", kind: "text", required: true, options: [] }] : [];
  }

  async createTicket(request: TicketRequest): Promise<TicketProgress> {
    this.ticketRequests.push(request);
    const progress: TicketProgress = { attempt_id: request.attempt_id, session_id: request.session_id, system: request.system, state: "creating", ticket_id: null, number: null, url: null, error: null };
    const number = `GD${10000 + this.ticketRequests.length}`;
    this.ticketDetails[number] = {
      summary: { id: number, number, title: request.title, status: "0", status_name: "尚未受理", open: true, level: request.level, level_name: "", assignee: "", created_at: "", updated_at: "" },
      content: request.content,
      replies: [],
      log: [],
      attachments: request.attachments.map((a) => a.name),
    };
    setTimeout(() => this.publish({ kind: "ticket", workspace: this.workspace, progress: { ...progress, state: "created", ticket_id: number, number } }), 0);
    return progress;
  }

  /** The write-backs to the merchant's systems, newest first. */
  writeBacksShown: import("./bindings").WriteBackView[] = [];

  async writeBacks(limit: number): Promise<import("./bindings").WriteBackView[]> {
    return this.writeBacksShown.slice(0, limit);
  }

  /** Voice messages' audio by address (a `data:` URL), as the core fetches it. */
  voiceAudioShown: Record<string, string> = {};
  voiceReadAgain: { sessionId: string; msgId: string }[] = [];

  async voiceAudio(address: string): Promise<string> {
    const audio = this.voiceAudioShown[address];
    if (!audio) throw new BackendError("offline", `the platform answered HTTP 404 for this voice message`);
    return audio;
  }

  async readVoiceAgain(sessionId: string, msgId: string): Promise<void> {
    this.voiceReadAgain.push({ sessionId, msgId });
  }

  /** The core read a voice message: stored with it, then announced. */
  transcribe(sessionId: string, msgId: string, transcript: { text: string; problem: import("./bindings").TranscriptProblem | null }) {
    const message = (this.history[sessionId] ?? []).find((m) => m.msg_id === msgId);
    if (message) message.transcript = transcript;
    this.emit({ type: "message_transcribed", session_id: sessionId, msg_id: msgId, transcript });
  }

  /** Payment links asked for, by order number; the policy a supervisor set. */
  paymentLinks: PaymentProgress[] = [];
  paymentPolicyShown: PaymentPolicy = { enabled: true, agents: [], largest_amount: "5000.00" };

  async paymentOptions(): Promise<PaymentOptions> {
    return { providers: ["alipay", "wechat"], unavailable: null, largest_amount: this.paymentPolicyShown.largest_amount, default_expire_minutes: 30 };
  }

  async createPaymentLink(request: PaymentLinkRequest): Promise<PaymentProgress> {
    const number = `AD${request.attempt_id.replace(/-/g, "").slice(0, 30).toUpperCase()}`;
    const known = this.paymentLinks.find((l) => l.out_trade_no === number);
    if (known) return known;
    const scanOnly = request.provider === "wechat";
    const link = scanOnly ? `weixin://wxpay/bizpayurl?pr=${number}` : `https://qr.alipay.com/${number}`;
    const made: PaymentProgress = {
      out_trade_no: number, session_id: request.session_id, provider: request.provider, amount: request.amount, subject: request.subject,
      state: "waiting", link, scan_only: scanOnly, expires_at_ms: Date.now() + request.expire_minutes * 60_000, paid_amount: null, error: null,
    };
    this.paymentLinks.push(made);
    await this.sendText(request.session_id, scanOnly ? request.scan_message : request.link_message.replace("{link}", link), `pay-${number}`);
    setTimeout(() => this.publish({ kind: "payment", workspace: this.workspace, link: made }), 0);
    return made;
  }

  /** The customer pays: announced as the follower would. */
  pay(outTradeNo: string) {
    const at = this.paymentLinks.findIndex((l) => l.out_trade_no === outTradeNo);
    const paid: PaymentProgress = { ...this.paymentLinks[at], state: "paid", paid_amount: this.paymentLinks[at].amount };
    this.paymentLinks[at] = paid;
    this.publish({ kind: "payment", workspace: this.workspace, link: paid });
  }

  async sessionPaymentLinks(sessionId: string): Promise<PaymentProgress[]> {
    return this.paymentLinks.filter((l) => l.session_id === sessionId);
  }

  async closePaymentLink(outTradeNo: string): Promise<PaymentProgress> {
    const at = this.paymentLinks.findIndex((l) => l.out_trade_no === outTradeNo);
    if (at < 0) throw new BackendError("not_found", `no payment link ${outTradeNo}`);
    this.paymentLinks[at] = { ...this.paymentLinks[at], state: "closed" };
    return this.paymentLinks[at];
  }

  async paymentPolicy(): Promise<PaymentPolicy> {
    return this.paymentPolicyShown;
  }

  async setPaymentPolicy(policy: PaymentPolicy): Promise<PaymentPolicy> {
    this.paymentPolicyShown = policy;
    return policy;
  }

  /** The merchant's ticket figures (null: the merchant does not use Sobot 工单). */
  ticketFiguresShown: TicketFigures | null = { unassigned: 2, unsolved: 5, agents: [{ agent_name: "小周", handled: 7, replies: 12, solved_rate: "57%" }] };

  async ticketFigures(_from: string, _to: string): Promise<TicketFigures | null> {
    return this.ticketFiguresShown;
  }

  async ticketAttempts(): Promise<TicketProgress[]> {
    return [];
  }

  async customerTickets(_sessionId: string, _refresh: boolean): Promise<CustomerTickets> {
    return { tickets: Object.values(this.ticketDetails).map((d) => ({ system: "sobot", ticket: d.summary })), failures: [], as_of_ms: Date.now() };
  }

  async ticketDetail(_system: SystemKind, ticketId: string): Promise<TicketDetail> {
    const detail = this.ticketDetails[ticketId];
    if (!detail) throw new BackendError("not_found", `no ticket ${ticketId}`);
    return detail;
  }

  async replyTicket(system: SystemKind, ticketId: string, reply: ReplyDraft): Promise<TicketDetail> {
    const detail = await this.ticketDetail(system, ticketId);
    detail.replies.push({ author: "me", content: reply.content, internal: reply.internal, at: "" });
    if (reply.status !== null) detail.summary = { ...detail.summary, status: String(reply.status), open: reply.status < 3 };
    return detail;
  }

  async customerView(sessionId: string, refresh: boolean): Promise<CustomerView> {
    const session = this.sessions.find((s) => s.id === sessionId);
    const asOf = refresh ? Date.now() : Date.now() - 5 * 60_000;
    const state = refresh ? ("fresh" as const) : ("cached" as const);
    const card = <T,>(value: T) => ({ state, value, as_of_ms: asOf, error: null, retry_in_ms: null });
    return {
      session_id: sessionId, name: session?.visitor_name ?? "", partner_id: "buyer-1", phone: "138****5678", email: null,
      identity: card(null),
      record: card({ vip_level: "2", labels: ["回头客"], remark: null }),
      history: card([
        { cid: "cid-earlier", started_ms: 1_763_000_000_000, channel: "wechat", preview: "发票怎么开？", messages: 2 },
      ]),
      profile_source: "Lumen CRM",
      orders_source: "Lumen OMS",
      form_title: "售后申请",
      forms: card(this.formSubmissions),
      profile: card({ name: session?.visitor_name ?? null, tier: "金卡", tags: ["复购"], lifetime_value: "¥1197.00", fields: [["城市", "上海"]] as [string, string][] }),
      orders: card([{
        id: "LM100000000", status: "已发货", amount: "¥399.00", placed_at: "2026-11-18 10:21:00",
        lines: [{ name: "流明保温杯 500ml", quantity: "1", price: "¥399.00" }],
        shipment: card({
          carrier: "shunfeng", waybill: "SF1400000000002", state: "out_for_delivery", summary: "shunfeng SF1400000000002: 快件交给快递员，正在派送途中 (2026-11-20 09:00:00, 上海,上海市)",
          events: [
            { at: "2026-11-20 09:00:00", place: "上海,上海市", text: "快件交给快递员，正在派送途中" },
            { at: "2026-11-19 20:00:00", place: "广东,深圳市", text: "快件已由顺丰速运收取" },
          ],
        }),
      }]),
    };
  }

  /** The customer's submissions to the merchant's form, newest first. */
  formSubmissions: import("./bindings").FormSubmissionView[] = [];

  async formLink(sessionId: string): Promise<string> {
    return `https://jinshuju.net/f/AbCd12?x_field_1=${sessionId}`;
  }

  async revealCustomerField(sessionId: string, field: PersonalField) {
    this.reveals.push(`${sessionId}:${field}`);
    return field === "phone" ? "13812345678" : "";
  }

  /** Notes by visitor, as the core keeps them (one per customer, across sessions). */
  notes = new Map<string, CustomerNoteView>();

  async customerNote(sessionId: string): Promise<CustomerNoteView> {
    return this.notes.get(this.visitorOf(sessionId)) ?? { text: "", updated_at_ms: null };
  }

  async saveCustomerNote(sessionId: string, text: string): Promise<CustomerNoteView> {
    const visitor = this.visitorOf(sessionId);
    const kept = text.trim() ? { text, updated_at_ms: Date.now() } : { text: "", updated_at_ms: null };
    if (kept.updated_at_ms === null) this.notes.delete(visitor);
    else this.notes.set(visitor, kept);
    return kept;
  }

  private visitorOf(sessionId: string): string {
    const session = this.sessions.find((s) => s.id === sessionId);
    if (!session) throw new BackendError("not_found", `no session ${sessionId} in this workspace`);
    return session.visitor_id;
  }

  async startupWarning() {
    return this.warning;
  }

  async onDesk(listener: (event: DeskEvent) => void) {
    this.deskListeners.push(listener);
    return () => {
      this.deskListeners = this.deskListeners.filter((l) => l !== listener);
    };
  }

  private startupListeners: ((info: StartupInfo) => void)[] = [];

  async onStartup(listener: (info: StartupInfo) => void) {
    this.startupListeners.push(listener);
    return () => {
      this.startupListeners = this.startupListeners.filter((l) => l !== listener);
    };
  }

  /** The customer writes while the window's event stream has fallen behind: stored, never announced. */
  customerWritesUnseen(sessionId: string, content: string, at = Date.now()) {
    const name = this.sessions.find((s) => s.id === sessionId)?.visitor_name ?? "";
    (this.history[sessionId] ??= []).push({
      session_id: sessionId, msg_id: `m-${sessionId}-${++this.ids}`, client_msg_id: null, direction: "in",
      kind: "text", content, sender_name: name, sent_at_ms: at, status: "sent",
    });
  }

  /** Events were lost on the way to the window: it is told so, as the workbench does. */
  fallBehind(skipped = 1) {
    this.publish({ kind: "resync", workspace: this.workspace, skipped });
  }

  /** The core judged a session's mood (after a customer message): set it and announce it. */
  moodChanges(mood: SessionMood, workspace = this.workspace) {
    this.moods[mood.session_id] = mood;
    this.publish({ kind: "mood", workspace, mood });
  }

  /** The dashboard's figures; `dashboardQueries` records what was asked. */
  dashboardView: DashboardView = fakeDashboard();
  dashboardQueries: DashboardQuery[] = [];
  exports: DashboardQuery[] = [];
  healthView: ApiHealthView = fakeHealth();

  async dashboard(query: DashboardQuery): Promise<DashboardView> {
    this.dashboardQueries.push(query);
    if (query.from > query.to) throw new BackendError("invalid_input", "the end date is before the start date: swap them");
    return { ...this.dashboardView, query };
  }

  async exportDashboard(query: DashboardQuery): Promise<string> {
    this.exports.push(query);
    return `/home/agent/Downloads/agentdesk-dashboard-${query.from}-${query.to}.csv`;
  }

  async apiHealth(): Promise<ApiHealthView> {
    return this.healthView;
  }

  /** The core reports how far the knowledge base's questions are understood. */
  indexing(progress: IndexingProgress) {
    this.publish({ kind: "indexing", workspace: this.workspace, progress });
  }

  updateState: UpdateStatus = { state: "up_to_date" };
  restartsToUpdate = 0;
  private updateListeners: ((status: UpdateStatus) => void)[] = [];

  async updateStatus(): Promise<UpdateStatus> {
    return this.updateState;
  }

  async restartToUpdate(): Promise<void> {
    if (this.updateState.state !== "ready") throw new BackendError("not_found", "no update is waiting to be installed");
    this.restartsToUpdate += 1;
  }

  async onUpdate(listener: (status: UpdateStatus) => void) {
    this.updateListeners.push(listener);
    return () => {
      this.updateListeners = this.updateListeners.filter((l) => l !== listener);
    };
  }

  /** Test helper: the updater's state changed. */
  updateChanged(status: UpdateStatus) {
    this.updateState = status;
    for (const listener of this.updateListeners) listener(status);
  }

  /** The reply assistant: its policy, the calls started, and what became of their drafts. */
  assistantPolicy: AssistantPolicy = {
    enabled: true, draft: true, summary: true, translate: true, rewrite: true, draft_on_new_question: false, daily_token_budget: 0,
  };
  assistantProvider: string | null = "127.0.0.1";
  assistCalls: { callId: string; sessionId: string; input: AssistInput; agentLanguage: string }[] = [];
  cancelledCalls: string[] = [];
  draftFates: { callId: string; fate: DraftFate }[] = [];

  async assistantPresets(): Promise<AssistantPreset[]> {
    return [
      { id: "openai", name: "OpenAI", base_url: "https://api.openai.com/v1", model: "gpt-4o-mini", needs_key: true, local: false },
      { id: "ollama", name: "Ollama", base_url: "http://127.0.0.1:11434/v1", model: "qwen2.5:7b", needs_key: false, local: true },
    ];
  }

  async assistantStatus(): Promise<AssistantStatus> {
    const off = !this.assistantPolicy.enabled ? "turned_off" : this.assistantProvider === null ? "no_provider" : null;
    return {
      on: off === null, off_reason: off, policy: { ...this.assistantPolicy },
      provider: this.assistantProvider, model: this.assistantProvider ? "sandbox-chat" : null, tokens_today: 0,
    };
  }

  async setAssistantPolicy(policy: AssistantPolicy): Promise<void> {
    this.assistantPolicy = { ...policy };
  }

  async startAssist(sessionId: string, input: AssistInput, agentLanguage: string): Promise<string> {
    const status = await this.assistantStatus();
    if (status.off_reason) {
      throw new BackendError("invalid_input", "the assistant is off", { key: "assistant_off", why: status.off_reason });
    }
    const callId = `call-${this.assistCalls.length + 1}`;
    this.assistCalls.push({ callId, sessionId, input, agentLanguage });
    return callId;
  }

  async cancelAssist(callId: string): Promise<boolean> {
    this.cancelledCalls.push(callId);
    return true;
  }

  async recordDraftFate(callId: string, fate: DraftFate): Promise<boolean> {
    this.draftFates.push({ callId, fate });
    return true;
  }

  /** Test helper: a step of the latest call (its text, a wait, or its end). */
  assistStep(step: AssistEvent["step"], callId = this.assistCalls.at(-1)?.callId ?? "") {
    const call = this.assistCalls.find((c) => c.callId === callId);
    const feature = (call?.input.task ?? "draft") as Feature;
    this.publish({ kind: "assist", workspace: this.workspace, step: { call_id: callId, session_id: call?.sessionId ?? "", feature, step } });
  }

  /** Test helper: the latest call ends with `text` (and what else `outcome` says). */
  assistDone(text: string, outcome: Partial<AssistOutcome> = {}, callId?: string) {
    this.assistStep({
      kind: "done",
      outcome: {
        text, articles: [], partial: false, problem: null, error: null, prompt_tokens: 100, completion_tokens: 20,
        first_token_ms: 120, total_ms: 400, classification: null, summary: null, ...outcome,
      },
    }, callId);
  }

  /** Test helper: the core raised or cleared the API health alert. */
  healthAlert(alert: ApiHealthAlert) {
    this.publish({ kind: "api_health", alert });
  }
}

function fakeDashboard(): DashboardView {
  const days = Array.from({ length: 2 }, (_, i) => ({
    day: `2026-11-${20 + i}`,
    sessions: 300,
    received: 290 - i,
    not_received: 10 + i,
    transferred: 4,
    solved: 200 + i,
  }));
  return {
    query: { from: "2026-11-20", to: "2026-11-21", group_id: null },
    groups: [
      { id: "g-presales", name: "售前 Pre-sales" },
      { id: "g-aftersales", name: "售后 After-sales" },
    ],
    days,
    agents: [
      { id: "a1", name: "林晓 Lin Xiao", group_id: "g-presales", valid_sessions: 120, first_responses: 118, transfer_first_responses: 0, within_60s_percent: 91, ended_sessions: 117, rated_sessions: 70, average_first_response_seconds: 18.4 },
      { id: "a2", name: "=cmd|' /C calc'!A0", group_id: "g-aftersales", valid_sessions: 80, first_responses: 77, transfer_first_responses: 1, within_60s_percent: 84, ended_sessions: 80, rated_sessions: 30, average_first_response_seconds: 26 },
    ],
    satisfaction: { ratings: 100, stars: [5, 5, 10, 20, 60], average: 4.25, good_percent: 80, solved_percent: 90, comment_percent: 50, invites: 150 },
    timelines: [
      { id: "a1", name: "林晓 Lin Xiao", spans: [{ from_ms: 1_763_600_000_000, to_ms: 1_763_610_000_000, status: "online", label: "在线" }] },
    ],
    timeline_from_ms: 1_763_000_000_000,
    timeline_to_ms: 1_763_700_000_000,
    totals: { sessions: 600, valid_sessions: 200, not_received: 21, average_first_response_seconds: 22.4, within_60s_percent: 88.1, waiting_now: 2, agents_online: 4 },
    per_agent_available: true,
    reports_problem: null,
    assistant: { calls: 12, failed: 1, prompt_tokens: 24_000, completion_tokens: 3_100, median_first_token_ms: 640, drafts_sent: 5, drafts_edited: 4, drafts_discarded: 2 },
    generated_at_ms: 1_763_700_000_000,
  };
}

function fakeHealth(): ApiHealthView {
  return {
    generated_at_ms: 1_763_700_000_000,
    window_minutes: 5,
    window_failure_percent: 0,
    window_calls: 120,
    alert_since_ms: null,
    endpoints: [
      { endpoint: "send", calls: 100, failures: 0, refusals: 0, success_percent: 100, mean_ms: 40, p50_ms: 35, p95_ms: 80, p99_ms: 120, meets_target: true },
      { endpoint: "query_cids", calls: 20, failures: 1, refusals: 0, success_percent: 95, mean_ms: 900, p50_ms: 850, p95_ms: 1200, p99_ms: 1300, meets_target: false },
    ],
    push: { state: { state: "connected" }, connected_since_ms: 1_763_690_000_000, uptime_percent: 99.5, reconnects: 1 },
    outbox_depth: 0,
    target_success_percent: 99.9,
    target_mean_ms: 800,
    alert_failure_percent: 1,
  };
}
