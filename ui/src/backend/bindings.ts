// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands

export type Account = { 
/**
 * Unique; names the keychain items and the local database folder.
 */
name: string, platform: Platform, base_url: string, appid: string, 
/**
 * The agent's sign-in e-mail; empty until set.
 */
agent_email: string, 
/**
 * Set for supervisors who manage tenants.
 */
supervisor: SupervisorLogin | null, 
/**
 * The reply assistant's model provider for this account (its key is in the keychain).
 */
assistant: AssistantProviderSettings | null, 
/**
 * The account's own merchant, as AgentDesk first met it (kept by AgentDesk, not edited).
 */
home?: HomeTenant, 
/**
 * The ticket systems its merchants file tickets in (their credentials in the keychain).
 */
tickets: Array<TicketSystemSettings>, 
/**
 * The payment systems its merchants take (their keys placed by IT in the keychain).
 */
payments: Array<PaymentSystemSettings>, 
/**
 * The speech service voice messages are read with (its AccessKey secret in the keychain).
 */
speech: SpeechSettings | null, };

export type AccountInput = { account: Account, 
/**
 * When editing: the name it had (renaming moves its keychain items).
 */
previous_name: string | null, app_key: string | null, union_key: string | null, 
/**
 * The model provider's key; `Some("")` removes it (a local server needs none).
 */
assistant_key: string | null, 
/**
 * Ticket systems' credentials typed in the form (an empty one removes it).
 */
ticket_keys: Array<TicketKeyInput>, };

export type AccountView = { account: Account, has_app_key: boolean, has_union_key: boolean, has_assistant_key: boolean, 
/**
 * The ticket systems whose credential is in the keychain.
 */
ticket_keys: Array<SystemKind>, };

export type AgentFigures = { id: string, name: string, group_id: string | null, 
/**
 * 有效咨询会话
 */
valid_sessions: number, 
/**
 * 首次接待首响会话
 */
first_responses: number, transfer_first_responses: number, 
/**
 * 首响 60s 应答率, in percent.
 */
within_60s_percent: number, 
/**
 * From the platform's daily exports (`tenantExportData` 7): sessions ended and sessions rated;
 * none when the exports could not be had (`reports_problem` says why).
 */
ended_sessions: number | null, rated_sessions: number | null, 
/**
 * From `tenantExportData` 8: the average first response over the range, in seconds.
 */
average_first_response_seconds: number | null, };

export type AgentGroup = { id: string, name: string, };

export type AgentInput = { email: string, name: string, nick: string, role: AgentRole, phone: string, max_accept: number, 
/**
 * Adding only.
 */
password: string | null, };

export type AgentRole = "online_agent" | "online_admin" | "ticket_agent" | "ticket_admin";

export type AgentStatus = { "status": "online" } | { "status": "busy", reason: number, } | { "status": "offline" };

export type AgentTicketFigures = { agent_name: string, handled: number, replies: number, 
/**
 * The platform's own text (e.g. `50%`).
 */
solved_rate: string, };

export type AgentTimeline = { id: string, name: string, spans: Array<StatusSpan>, };

export type AgentView = { id: string, email: string, name: string, nick: string, role: AgentRole | null, 
/**
 * Masked.
 */
phone: string, max_accept: number, online: boolean, };

export type ApiError = { code: ErrorCode, reason: ErrorReason, message: string, };

export type ApiHealthAlert = { raised: boolean, failure_percent: number, calls: number, failures: number, 
/**
 * The endpoint with the most failures in the window (when raised).
 */
worst_endpoint: string | null, at_ms: number, };

export type ApiHealthView = { generated_at_ms: number, 
/**
 * The alert window, in minutes.
 */
window_minutes: number, 
/**
 * Failed calls over the alert window, in percent, and how many calls it holds.
 */
window_failure_percent: number, window_calls: number, 
/**
 * Since when the alert is raised (none: healthy).
 */
alert_since_ms: number | null, endpoints: Array<EndpointHealth>, push: PushHealth, outbox_depth: number, target_success_percent: number, target_mean_ms: number, alert_failure_percent: number, };

export type AssistEvent = { call_id: string, session_id: string, feature: Feature, step: AssistStep, };

export type AssistInput = { "task": "draft" } | { "task": "summary" } | { "task": "translate", text: string | null, to: string, } | { "task": "rewrite", text: string, style: string, };

export type AssistOutcome = { text: string, articles: Array<CitedArticle>, 
/**
 * The answer stopped early (`problem` and `error` say why); `text` is what arrived.
 */
partial: boolean, 
/**
 * The failure's kind (unreachable, timed_out, rate_limited, key_refused, refused, server,
 * garbage, cut, cancelled), for the window's words.
 */
problem: string | null, 
/**
 * The failure in English words, as details.
 */
error: string | null, prompt_tokens: number, completion_tokens: number, first_token_ms: number | null, total_ms: number, 
/**
 * A summary's category and text, read from the answer.
 */
classification: string | null, summary: string | null, };

export type AssistStep = { "kind": "text", text: string, } | { "kind": "waiting", seconds: number, reason: string, } | { "kind": "done", outcome: AssistOutcome, };

export type AssistantFigures = { calls: number, failed: number, prompt_tokens: number, completion_tokens: number, 
/**
 * Median time to the first token, of the calls that had one.
 */
median_first_token_ms: number | null, drafts_sent: number, drafts_edited: number, drafts_discarded: number, };

export type AssistantOff = "turned_off" | "no_provider" | "budget_spent";

export type AssistantPolicy = { enabled: boolean, draft: boolean, summary: boolean, translate: boolean, rewrite: boolean, 
/**
 * A draft starts by itself for each new customer question.
 */
draft_on_new_question: boolean, 
/**
 * Tokens (prompt and answer) the merchant's agents on this desk may use a day; 0 = no limit.
 */
daily_token_budget: number, };

export type AssistantPreset = { id: string, name: string, 
/**
 * `{resource}` marks the part the customer fills in (Azure).
 */
base_url: string, model: string, needs_key: boolean, 
/**
 * Runs on the agent's machine or the company's network.
 */
local: boolean, };

export type AssistantProviderSettings = { preset: string, base_url: string, model: string, };

export type AssistantStatus = { on: boolean, off_reason: AssistantOff | null, policy: AssistantPolicy, 
/**
 * The provider's host and model (never its key).
 */
provider: string | null, model: string | null, tokens_today: number, };

export type AttachmentInput = { name: string, data_base64: string, };

export type Card<T> = { state: CardState, value: T | null, as_of_ms: number | null, 
/**
 * What failed, in words.
 */
error: string | null, 
/**
 * When the source is tried again (its breaker is open).
 */
retry_in_ms: number | null, };

export type CardState = "fresh" | "cached" | "failed" | "unconfigured";

export type Category = { id: string, name: string, 
/**
 * Only a leaf may be a ticket's category.
 */
leaf: boolean, children: Array<Category>, };

export type Channel = "web" | "wechat" | "app" | "weibo" | "mobile_web" | "wecom_work" | "mini_program" | "other";

export type CitedArticle = { id: string, title: string, };

export type ConnectionProblem = "bad_signature" | "unknown_appid" | "network" | "missing_secret" | "keychain" | "edition_not_supported" | "refused";

export type ConnectionReport = { ok: boolean, problem: ConnectionProblem | null, 
/**
 * What happened and what to do, for people.
 */
message: string, };

export type ConnectionState = { "state": "connecting" } | { "state": "connected" } | { "state": "reconnecting", attempt: number, retry_in_ms: number, } | { "state": "offline", reason: string, };

export type ConnectorView = { name: string, preset: string | null, base_url: string, 
/**
 * `profile`, `orders`.
 */
provides: Array<string>, has_key: boolean, 
/**
 * Where the file is.
 */
path: string, 
/**
 * Why the file cannot be used, when it cannot.
 */
problem: string | null, };

export type CopiedAgent = { name: string, email: string, };

export type CustomerNoteView = { 
/**
 * Empty when there is no note yet.
 */
text: string, updated_at_ms: number | null, };

export type CustomerTicket = { system: SystemKind, ticket: TicketSummary, };

export type CustomerTickets = { tickets: Array<CustomerTicket>, failures: Array<TicketListFailure>, as_of_ms: number | null, };

export type CustomerView = { session_id: string, name: string, partner_id: string | null, 
/**
 * Masked (138****5678) unless revealed.
 */
phone: string | null, email: string | null, identity: Card<null>, 
/**
 * The platform's customer center.
 */
record: Card<PlatformRecordView>, 
/**
 * Earlier sessions on every channel, newest first (this one left out).
 */
history: Card<Array<PastSessionView>>, profile: Card<ProfileView>, orders: Card<Array<OrderView>>, 
/**
 * The customer's submissions to the merchant's form, newest first.
 */
forms: Card<Array<FormSubmissionView>>, 
/**
 * The form's name when the merchant has one (the agent can send its link).
 */
form_title: string | null, 
/**
 * Which connector the profile and the orders come from.
 */
profile_source: string | null, orders_source: string | null, };

export type DashboardQuery = { from: string, to: string, group_id: string | null, };

export type DashboardTotals = { sessions: number, valid_sessions: number, 
/**
 * Sessions no agent answered.
 */
not_received: number, 
/**
 * From the per-agent exports (the statistics API gives no first-response figures).
 */
average_first_response_seconds: number, within_60s_percent: number, 
/**
 * Customers waiting for an agent in this workbench now.
 */
waiting_now: number, agents_online: number, };

export type DashboardView = { query: DashboardQuery, groups: Array<AgentGroup>, 
/**
 * Day by day: Sobot's statistics give totals over a range and nothing per hour, so each day is
 * one `human_session` call (finished days are kept).
 */
days: Array<DayFigures>, agents: Array<AgentFigures>, satisfaction: SatisfactionFigures, timelines: Array<AgentTimeline>, timeline_from_ms: number, timeline_to_ms: number, totals: DashboardTotals, 
/**
 * False when the account has no union code and key: per-agent figures and timelines need them.
 */
per_agent_available: boolean, 
/**
 * Why the platform's daily exports (`tenantExportData`) are missing from the per-agent figures
 * (all of them, or only today's), when they are; the rest of the dashboard does not depend on
 * them.
 */
reports_problem: string | null, 
/**
 * The reply assistant on this desk over the range (calls are counted where they are made:
 * the platform knows nothing of them).
 */
assistant: AssistantFigures, generated_at_ms: number, };

export type DayFigures = { 
/**
 * `yyyy-MM-dd`, China time.
 */
day: string, 
/**
 * Sessions customers opened with human service that day (咨询会话).
 */
sessions: number, 
/**
 * Of those, answered by an agent, and not answered.
 */
received: number, not_received: number, transferred: number, 
/**
 * Customers who said their problem was solved.
 */
solved: number, };

export type DeliveryFailure = "sensitive_word" | "session_ended" | "refused";

export type DeliveryStatus = "pending" | "sent" | "failed" | "unknown";

export type DeskEvent = { "kind": "domain", workspace: number, event: DomainEvent, } | { "kind": "mood", workspace: number, mood: SessionMood, } | { "kind": "indexing", workspace: number, progress: IndexingProgress, } | { "kind": "assist", workspace: number, step: AssistEvent, } | { "kind": "resync", workspace: number, skipped: number, } | { "kind": "notice", workspace: number, notice: Notice, } | { "kind": "ticket", workspace: number, progress: TicketProgress, } | { "kind": "payment", workspace: number, link: PaymentProgress, } | { "kind": "api_health", alert: ApiHealthAlert, };

export type Dictionary = { categories: Array<Category>, levels: Array<Named>, statuses: Array<Named>, groups: Array<Named>, agents: Array<Named>, };

export type Direction = "in" | "out";

export type DomainEvent = { "type": "session_opened", session: Session, } | { "type": "session_ended", session_id: string, } | { "type": "message_stored", message: Message, } | { "type": "message_status_changed", session_id: string, client_msg_id: string, status: DeliveryStatus, msg_id: string | null, 
/**
 * The details, in the platform's or the system's words (for a tooltip and the logs).
 */
error: string | null, 
/**
 * Why a `Failed` message was not delivered, for the window to say in the agent's language.
 */
failure: DeliveryFailure | null, } | { "type": "message_transcribed", session_id: string, msg_id: string, transcript: Transcript, } | { "type": "session_caught_up", session_id: string, } | { "type": "visitor_typing", session_id: string, } | { "type": "session_rated", session_id: string, score: number, } | { "type": "queue_changed", waiting: number, } | { "type": "connection_changed", state: ConnectionState, } | { "type": "storage_changed", problem: string | null, };

export type DraftFate = "sent" | "edited" | "discarded";

export type DraftProblem = { "key": "no_title" } | { "key": "no_content" } | { "key": "no_category" } | { "key": "unknown_category", id: string, } | { "key": "not_a_leaf", name: string, } | { "key": "field_required", field: string, } | { "key": "not_an_option", field: string, value: string, } | { "key": "not_a_number", field: string, value: string, } | { "key": "not_a_date", field: string, value: string, } | { "key": "not_a_time", field: string, value: string, } | { "key": "not_a_date_time", field: string, value: string, } | { "key": "too_many_attachments", system: string, max: number, } | { "key": "attachment_unreadable", name: string, } | { "key": "attachment_too_large", name: string, system: string, max_mb: number, } | { "key": "attachments_too_large", system: string, max_mb: number, } | { "key": "attachment_damaged", name: string, } | { "key": "empty_reply" } | { "key": "ticket_closed" } | { "key": "ticket_deleted" } | { "key": "no_reply_api", system: string, } | { "key": "bad_attempt_id" };

export type EndpointHealth = { endpoint: string, calls: number, failures: number, 
/**
 * Business refusals (not failures).
 */
refusals: number, success_percent: number, mean_ms: number, p50_ms: number, p95_ms: number, p99_ms: number, 
/**
 * Success ≥ 99.9% and mean under 800 ms.
 */
meets_target: boolean, };

export type ErrorCode = "invalid_input" | "not_found" | "offline" | "platform" | "storage" | "not_ready" | "keychain";

export type ErrorReason = { "key": "general" } | { "key": "assistant_off", why: AssistantOff, } | { "key": "still_starting" } | { "key": "no_session", session: string, } | { "key": "image_outside_platform" } | { "key": "image_too_large", max_mb: number, } | { "key": "image_not_shown", mime: string, } | { "key": "image_unreachable" } | { "key": "image_not_base64" } | { "key": "account_exists", name: string, } | { "key": "account_name_spaces" } | { "key": "no_account", name: string, } | { "key": "account_key_missing", name: string, which: KeyKind, } | { "key": "not_a_date", text: string, } | { "key": "range_reversed" } | { "key": "range_too_long", days: number, } | { "key": "range_in_future" } | { "key": "summary_length", max: number, } | { "key": "audit_retention_range", min: number, max: number, } | { "key": "mood_threshold_range", min: number, max: number, } | { "key": "tenant_disabled", name: string, } | { "key": "no_tenant", tenant: string, } | { "key": "no_union_account" } | { "key": "not_on_union" } | { "key": "already_rated" } | { "key": "channel_cannot_rate" } | { "key": "rating_needs_customer_message" } | { "key": "customer_not_loaded" } | { "key": "no_export_folder" } | { "key": "no_update_waiting" } | { "key": "update_failed" } | { "key": "bad_message_id" } | { "key": "unknown_busy_reason" } | { "key": "no_ticket_system", system: string, } | { "key": "ticket_unreachable", system: string, } | { "key": "ticket_no_answer", system: string, } | { "key": "ticket_http", system: string, status: number, } | { "key": "ticket_refused", system: string, code: string, words: RefusalWords, } | { "key": "ticket_garbled", system: string, } | { "key": "ticket_draft", problem: DraftProblem, } | { "key": "payments_off" } | { "key": "payment_not_allowed" } | { "key": "no_payment_system", provider: string, } | { "key": "payment_amount", issue: string, limit: string, } | { "key": "payment_unreachable", provider: string, } | { "key": "payment_no_answer", provider: string, } | { "key": "payment_refused", provider: string, code: string, said: string, } | { "key": "payment_unverified", provider: string, } | { "key": "payment_settled", state: string, };

export type Feature = "draft" | "summary" | "translate" | "rewrite";

export type FieldKind = "text" | "multiline_text" | "date" | "time" | "number" | "dropdown" | "checkbox" | "radio" | "cascade" | "area" | "date_time";

export type FieldValue = { id: string, value: string, };

export type FormFieldView = { label: string, value: string, };

export type FormSubmissionView = { serial_number: number, 
/**
 * As Jinshuju gives it (UTC, ISO-8601).
 */
created_at: string, 
/**
 * The form's labels and the answers, in the form's order.
 */
fields: Array<FormFieldView>, 
/**
 * Matched by the link sent in this session (else by the customer's phone).
 */
tagged: boolean, };

export type HomeTenant = { 
/**
 * Names the home database: `accounts/{account}/{database_id}.sqlite3`.
 */
database_id: string, 
/**
 * The platform's company id, once known.
 */
company_id: string | null, company_name: string | null, };

export type IndexingProgress = { done: number, total: number, 
/**
 * Set when the encoder cannot run (its model file missing or damaged): suggestions then match
 * words only.
 */
problem: string | null, };

export type KbSuggestionView = { id: string, title: string, answer: string, 
/**
 * The article's question that matched, and the matched words in it (character ranges).
 */
matched_question: string, highlights: Array<[number, number]>, };

export type KeyKind = "app" | "union";

export type Limits = { max_text_chars: number, max_image_bytes: number, image_types: [string, string, string, string], max_shown_image_bytes: number, max_summary_chars: number, max_note_chars: number, };

export type MerchantInput = { customer_code: string, name: string, email: string, max_agents: number, contact_name: string, contact_tel: string, 
/**
 * Adding only: the administrator's first password.
 */
password: string | null, enabled: boolean | null, };

export type MerchantView = { id: string, name: string, 
/**
 * `customerCode`: the merchant's id on the union platform.
 */
customer_code: string, 
/**
 * The merchant's super-administrator e-mail.
 */
email: string, contact_name: string, 
/**
 * Masked (138****5678).
 */
contact_tel: string, agents: number, max_agents: number, created: string, enabled: boolean, };

export type Message = { session_id: string, 
/**
 * The platform's message id (`msgId`); `None` until the platform confirmed an outbound message.
 */
msg_id: string | null, 
/**
 * AgentDesk's own id for an outbound message (the outbox key). It never leaves this machine:
 * Sobot has no field for it.
 */
client_msg_id: string | null, direction: Direction, kind: MessageKind, 
/**
 * Text, or for media the platform's URL. Always data, never markup.
 */
content: string, sender_name: string, 
/**
 * The platform's time of the message (what orders a session's messages); for an outbound
 * message not confirmed yet, when the agent wrote it.
 */
sent_at_ms: number, status: DeliveryStatus, 
/**
 * A customer's voice message read as text (or why it could not be), once it was.
 */
transcript?: Transcript, };

export type MessageKind = "text" | "image" | "voice" | "file" | "video" | "other";

export type Named = { value: string, name: string, };

export type Notice = { "kind": "new_session", session_id: string, customer: string, } | { "kind": "new_message", session_id: string, customer: string, preview: string, } | { "kind": "upset_customer", session_id: string, customer: string, percent: number, cues: Array<string>, } | { "kind": "payment_received", session_id: string, customer: string, 
/**
 * Yuan with two decimals.
 */
amount: string, subject: string, };

export type OrderLineView = { name: string, quantity: string | null, price: string | null, };

export type OrderView = { id: string, status: string | null, amount: string | null, placed_at: string | null, lines: Array<OrderLineView>, 
/**
 * The parcel of the order, when it has a waybill.
 */
shipment: Card<ShipmentView> | null, };

export type PastSessionView = { cid: string, started_ms: number, 
/**
 * The channel it came in on (`web`, `wechat`, `app`, ...: the session list's names).
 */
channel: string | null, 
/**
 * The customer's first message, masked, at most 120 characters.
 */
preview: string | null, messages: number, };

export type PaymentLinkRequest = { 
/**
 * The window's id for the request (a UUID): the same id asked again is the same link.
 */
attempt_id: string, session_id: string, provider: PaymentProvider, 
/**
 * Yuan as typed (`12.34`): at most two decimals.
 */
amount: string, subject: string, expire_minutes: number, 
/**
 * The message with the link, `{link}` where the link goes, in the customer's language.
 */
link_message: string, 
/**
 * The message under the QR image, for a code that must be scanned.
 */
scan_message: string, };

export type PaymentLinkState = "creating" | "checking" | "not_created" | "waiting" | "paid" | "closed" | "expired" | "refunded" | "failed";

export type PaymentOptions = { 
/**
 * The merchant's payment systems.
 */
providers: Array<PaymentProvider>, 
/**
 * Why the agent cannot make a link now (off, not allowed, no system), if so.
 */
unavailable: ApiError | null, 
/**
 * The largest amount a link may ask for (yuan).
 */
largest_amount: string, default_expire_minutes: number, };

export type PaymentPolicy = { enabled: boolean, 
/**
 * The agents (sign-in names) who may make links; none named: every agent of the merchant.
 */
agents: Array<string>, 
/**
 * The largest amount one link may ask for, in yuan (`5000.00`).
 */
largest_amount: string, };

export type PaymentProgress = { 
/**
 * The merchant's order number: the link's identity.
 */
out_trade_no: string, session_id: string | null, 
/**
 * `alipay` or `wechat`.
 */
provider: string, 
/**
 * Yuan with two decimals (`12.34`).
 */
amount: string, subject: string, state: PaymentLinkState, 
/**
 * Once made: what the customer opens (a URL) or scans (WeChat's `weixin://` code).
 */
link: string | null, 
/**
 * The link must be scanned (sent as a QR image), not tapped.
 */
scan_only: boolean, 
/**
 * When it stops being payable (ms).
 */
expires_at_ms: number, 
/**
 * What was paid, once paid.
 */
paid_amount: string | null, 
/**
 * Why it was not made, or why it is being looked up.
 */
error: ApiError | null, };

export type PaymentProvider = "alipay" | "wechat" | "merchant";

export type PaymentSystemSettings = { provider: PaymentProvider, 
/**
 * The merchants (company ids) it serves; none: every merchant of the account.
 */
tenants: Array<string>, 
/**
 * Alipay: the gateway (`https://openapi.alipay.com/gateway.do`); WeChat Pay: the API's address
 * (`https://api.mch.weixin.qq.com`).
 */
base_url: string, 
/**
 * Alipay's `app_id`; WeChat Pay's `appid`.
 */
app_id: string, 
/**
 * WeChat Pay: the merchant id (`mchid`) and its API certificate's serial.
 */
mch_id: string, merchant_serial: string, 
/**
 * WeChat Pay in the 微信支付公钥 mode: the key's id (`PUB_KEY_ID_…`); empty: the provider key in
 * the keychain is a platform certificate.
 */
public_key_id: string, 
/**
 * Alipay: `qr` (precreate's QR link, the default) or `wap` (a payment page).
 */
alipay_link: string, 
/**
 * WeChat Pay's notice address (required by Native prepay; AgentDesk queries instead).
 */
notify_url: string, };

export type PersonalField = "phone" | "email";

export type Platform = "sobot" | "sandbox";

export type PlatformRecordView = { vip_level: string | null, labels: Array<string>, remark: string | null, };

export type ProfileView = { name: string | null, tier: string | null, tags: Array<string>, lifetime_value: string | null, 
/**
 * Other labelled fields (label, value).
 */
fields: Array<[string, string]>, };

export type PushHealth = { state: ConnectionState | null, connected_since_ms: number | null, 
/**
 * Share of this run the connection was up.
 */
uptime_percent: number, reconnects: number, };

export type RefusalWords = { en: string, zh: string, };

export type ReplyDraft = { content: string, internal: boolean, status: number | null, level: number | null, 
/**
 * Sobot: reassign the ticket with the reply (to a group, an agent, or both).
 */
group_id: string | null, group_name: string | null, assignee_id: string | null, assignee_name: string | null, };

export type SatisfactionFigures = { ratings: number, 
/**
 * Ratings of 1 to 5 stars.
 */
stars: number[], average: number, good_percent: number, solved_percent: number, 
/**
 * Ratings per valid session, in percent.
 */
comment_percent: number, invites: number, };

export type Session = { 
/**
 * Sobot's `cid`.
 */
id: string, 
/**
 * Sobot's visitor id (`uid`), needed on every agent-side call about this session.
 */
visitor_id: string, visitor_name: string, channel: Channel, state: SessionState, started_at_ms: number, 
/**
 * The visitor's satisfaction score (1–5) once they rated the service.
 */
rating: number | null, };

export type SessionMood = { session_id: string, 
/**
 * 0 (calm) to 1 (about to complain), from the last customer messages.
 */
risk: number, 
/**
 * `negative`, `neutral`, `positive`: the newest customer message.
 */
label: string, 
/**
 * Escalation cues in the last customer messages (masked).
 */
cues: Array<string>, warn: boolean, };

export type SessionState = "waiting" | "active" | "ended";

export type SessionSummary = { session: Session, last_message: Message | null, };

export type Settings = { notify_new_session: boolean, notify_new_message: boolean, notification_sound: boolean, 
/**
 * `zh-CN` or `en`; empty follows the OS.
 */
language: string, 
/**
 * The account the workbench signs in with at start; empty runs demo mode.
 */
active_account: string, 
/**
 * The risk (percent) from which a session is warned about (an escalation cue always warns).
 */
mood_warning_percent: number, 
/**
 * A desktop notification when a customer crosses that threshold.
 */
notify_upset_customer: boolean, 
/**
 * Days the audit log (every platform and connector call, every reveal of masked data) is kept.
 */
audit_retention_days: number, };

export type ShipmentView = { carrier: string, waybill: string, 
/**
 * `in_transit`, `delivered`, ... (the UI translates it).
 */
state: string, 
/**
 * Newest first.
 */
events: Array<TrackingEventView>, 
/**
 * One line for the composer.
 */
summary: string, };

export type SpeechSettings = { 
/**
 * The NLS project's Appkey (项目Appkey: names the project, not a secret; called so here because
 * IT's provisioning file refuses any field named like a key).
 */
project_appkey: string, access_key_id: string, 
/**
 * `cn-shanghai` unless the project is elsewhere (it names both addresses).
 */
region: string, 
/**
 * Other addresses than the region's (a private deployment, the sandbox): the recognition
 * gateway and the token service.
 */
recognition_url: string | null, token_url: string | null, };

export type StaffStatus = "online" | "busy" | "offline";

export type StatusLogEntry = { agent_id: string, at_ms: number, 
/**
 * The platform's words: 在线, 忙碌, 离线.
 */
action: string, 
/**
 * pc or app.
 */
source: string, };

export type StatusSpan = { from_ms: number, to_ms: number, status: StaffStatus, 
/**
 * The platform's own word for it (在线, 忙碌, 小休…).
 */
label: string, };

export type SupervisorLogin = { 
/**
 * `unionCode`, issued by Sobot.
 */
union_code: string, 
/**
 * The platform super-administrator's e-mail (part of the request token).
 */
email: string, };

export type SystemKind = "sobot" | "jira" | "zendesk" | "qiyu";

export type TemplateField = { id: string, name: string, kind: FieldKind, required: boolean, options: Array<Named>, };

export type TenantOption = { 
/**
 * The platform's company id.
 */
id: string, name: string, enabled: boolean, 
/**
 * The tenant the workbench shows now.
 */
active: boolean, };

export type TicketDetail = { summary: TicketSummary, content: string, replies: Array<TicketReply>, 
/**
 * The system's log of changes, as lines.
 */
log: Array<string>, 
/**
 * Attachment names.
 */
attachments: Array<string>, };

export type TicketFigures = { unassigned: number, unsolved: number, agents: Array<AgentTicketFigures>, };

export type TicketForm = { system: SystemKind, dictionary: Dictionary, as_of_ms: number | null, };

export type TicketKeyInput = { system: SystemKind, key: string, };

export type TicketListFailure = { system: SystemKind, error: ApiError, };

export type TicketProgress = { 
/**
 * The window's id for the submission: the same id submitted again is the same ticket.
 */
attempt_id: string, 
/**
 * The session it comes from.
 */
session_id: string | null, 
/**
 * `sobot`, `jira`, `zendesk` or `qiyu`.
 */
system: string, state: TicketState, 
/**
 * Once created: the system's id (for its detail), the number people use, where it opens.
 */
ticket_id: string | null, number: string | null, url: string | null, 
/**
 * Why it was not created, or why it is being checked.
 */
error: ApiError | null, };

export type TicketReply = { author: string, content: string, 
/**
 * Seen only by agents.
 */
internal: boolean, at: string, };

export type TicketRequest = { 
/**
 * Made by the window when the dialog opens, and kept until the ticket is created: submitting
 * again (after a refusal, a lost answer, a restart) is the same ticket, never a second one.
 */
attempt_id: string, session_id: string, system: SystemKind, title: string, content: string, type_id: string | null, level: number | null, fields: Array<FieldValue>, group_id: string | null, group_name: string | null, assignee_id: string | null, assignee_name: string | null, copied: Array<CopiedAgent>, attachments: Array<AttachmentInput>, };

export type TicketState = "creating" | "checking" | "created" | "not_created";

export type TicketSummary = { id: string, number: string, title: string, 
/**
 * The system's own status value, and its name.
 */
status: string, status_name: string, 
/**
 * Whether the ticket still needs work (not solved, closed or deleted).
 */
open: boolean, level: number | null, level_name: string, assignee: string, created_at: string, updated_at: string, };

export type TicketSystemSettings = { system: SystemKind, 
/**
 * The merchants (company ids) it serves; none: every merchant of the account.
 */
tenants: Array<string>, 
/**
 * Jira, Zendesk, Qiyu: the system's address (`https://team.atlassian.net`,
 * `https://team.zendesk.com`, `https://qiyukf.com`). Sobot: the account's platform.
 */
base_url: string, 
/**
 * Jira, Zendesk: the e-mail the API token belongs to. Qiyu: the app key.
 */
user: string, 
/**
 * Jira: the project key and issue type new issues get.
 */
project: string, issue_type: string, 
/**
 * Qiyu: the staff id tickets are filed as.
 */
staff_id: string, };

export type TicketSystemView = { system: SystemKind, 
/**
 * It has a category tree and per-category templates (Sobot).
 */
categories: boolean, 
/**
 * Groups and agents to assign to, and agents to copy (Sobot).
 */
assignees: boolean, 
/**
 * Replies from AgentDesk (all but Qiyu), and status changes with them (Sobot, Zendesk).
 */
replies: boolean, status_changes: boolean, max_attachments: number, max_file_mb: number, max_total_mb: number, };

export type TrackingEventView = { at: string, place: string | null, text: string, };

export type Transcript = { text: string, problem: TranscriptProblem | null, };

export type TranscriptProblem = "too_long" | "unsupported" | "not_fetched" | "service_failed" | "no_speech";

export type TransferAgent = { id: string, name: string, online: boolean, };

export type TransferGroup = { id: string, name: string, };

export type TransferTarget = { "kind": "agent", id: string, } | { "kind": "group", id: string, name: string, };

export type TransferTargets = { agents: Array<TransferAgent>, groups: Array<TransferGroup>, };

export type UpdateStatus = { "state": "off", reason: UpdatesOff, } | { "state": "up_to_date" } | { "state": "ready", version: string, notes: string | null, } | { "state": "refused", version: string, reason: string, } | { "state": "check_failed", reason: string, };

export type UpdatesOff = "not_configured" | "turned_off_by_it";

export type WorkbenchSnapshot = { 
/**
 * The workspace generation: events of the workspace carry it too.
 */
workspace: number, mode: WorkspaceMode, account_name: string, 
/**
 * The tenant's (company's) id on the platform.
 */
tenant_id: string, tenant_name: string, 
/**
 * The agent's sign-in, personal data masked.
 */
agent_login: string, sessions: Array<SessionSummary>, connection: ConnectionState, 
/**
 * Demo mode without a keychain: why the local data lasts only until exit.
 */
storage_warning: ApiError | null, 
/**
 * Why nothing new can be saved right now (a full disk); later changes arrive as
 * `storage_changed` events.
 */
storage_problem: string | null, };

export type WorkspaceMode = "demo" | "account";

export type WriteBackView = { id: string, connector: string, action: string, event: string, session_id: string, 
/**
 * `pending`, `sending`, `sent`, `unknown` (may have arrived; not sent again), `failed`.
 */
state: string, attempts: number, last_error: string | null, updated_at_ms: number, };

/** The limits the core keeps, for the window to stop the agent before the core refuses. */
export const LIMITS: Limits = {
  "max_text_chars": 20000,
  "max_image_bytes": 5242880,
  "image_types": [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp"
  ],
  "max_shown_image_bytes": 10485760,
  "max_summary_chars": 2000,
  "max_note_chars": 20000
};
