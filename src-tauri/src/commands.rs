//! The IPC surface: each command is one call into `agentdesk_api`. Errors cross as `ApiError`
//! (`{code, message}`); arguments are validated by the API, not here.

use std::sync::Arc;

use agentdesk_api::{
    AccountInput, AccountView, AgentInput, AgentStatus, AgentView, ApiError, ApiHealthView,
    AssistInput, AssistantPolicy, AssistantPreset, AssistantStatus, ConnectionReport,
    ConnectorView, CustomerNoteView, CustomerView, DashboardQuery, DashboardView, DraftFate,
    KbSuggestionView, MerchantInput, MerchantView, PersonalField, SessionMood, Settings,
    StatusLogEntry, TenantOption, TransferTarget, TransferTargets, UpdateStatus, WorkbenchSnapshot,
};
use agentdesk_api::{
    CustomerTickets, ReplyDraft, SystemKind, TemplateField, TicketDetail, TicketFigures,
    TicketForm, TicketProgress, TicketRequest, TicketSystemView,
};
use agentdesk_api::{
    PaymentLinkRequest, PaymentOptions, PaymentPolicy, PaymentProgress, WriteBackView,
};
use agentdesk_domain::Message;
use tauri::State;

use crate::state::AppState;

type Shell<'a> = State<'a, Arc<AppState>>;

#[tauri::command]
pub async fn snapshot(state: Shell<'_>) -> Result<WorkbenchSnapshot, ApiError> {
    state.workbench().await?.snapshot().await
}

#[tauri::command]
pub async fn tenants(state: Shell<'_>) -> Result<Vec<TenantOption>, ApiError> {
    state.workbench().await?.tenants().await
}

/// Swaps the workspace for another tenant's. The shell keeps nothing of any tenant (notices carry
/// the customer's name), so nothing of the previous one stays here.
#[tauri::command]
pub async fn switch_tenant(
    state: Shell<'_>,
    tenant_id: String,
) -> Result<WorkbenchSnapshot, ApiError> {
    state.workbench().await?.switch_tenant(&tenant_id).await
}

#[tauri::command]
pub async fn messages(
    state: Shell<'_>,
    session_id: String,
    limit: u32,
) -> Result<Vec<Message>, ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .messages(&session_id, limit)
        .await
}

#[tauri::command]
pub async fn send_text(
    state: Shell<'_>,
    session_id: String,
    text: String,
    client_msg_id: Option<String>,
) -> Result<String, ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .send_text(&session_id, &text, client_msg_id.as_deref())
        .await
}

#[tauri::command]
pub async fn send_image(
    state: Shell<'_>,
    session_id: String,
    file_name: String,
    mime: String,
    data_base64: String,
    client_msg_id: String,
) -> Result<String, ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .send_image(&session_id, &file_name, &mime, &data_base64, &client_msg_id)
        .await
}

#[tauri::command]
pub async fn fetch_image(state: Shell<'_>, address: String) -> Result<String, ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .fetch_image(&address)
        .await
}

#[tauri::command]
pub async fn invite_rating(state: Shell<'_>, session_id: String) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .invite_rating(&session_id)
        .await
}

#[tauri::command]
pub async fn transfer_targets(state: Shell<'_>) -> Result<TransferTargets, ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .transfer_targets()
        .await
}

#[tauri::command]
pub async fn transfer(
    state: Shell<'_>,
    session_id: String,
    target: TransferTarget,
) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .transfer(&session_id, target)
        .await
}

#[tauri::command]
pub async fn submit_summary(
    state: Shell<'_>,
    session_id: String,
    summary: String,
    resolved: bool,
) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .submit_summary(&session_id, &summary, resolved)
        .await
}

#[tauri::command]
pub async fn retry_send(state: Shell<'_>, client_msg_id: String) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .retry_send(&client_msg_id)
        .await
}

#[tauri::command]
pub async fn end_session(state: Shell<'_>, session_id: String) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .end_session(&session_id)
        .await
}

#[tauri::command]
pub async fn set_agent_status(
    state: Shell<'_>,
    status: AgentStatus,
) -> Result<AgentStatus, ApiError> {
    state
        .workbench()
        .await?
        .conversations()
        .set_agent_status(status)
        .await
}

#[tauri::command]
pub fn get_settings(state: Shell<'_>) -> Settings {
    state.settings()
}

#[tauri::command]
pub fn save_settings(state: Shell<'_>, settings: Settings) -> Result<(), ApiError> {
    state.settings_file.save(&settings)?;
    if let Some(workbench) = state.started_workbench() {
        workbench.set_notice_policy(agentdesk_api::NoticePolicy::from(&settings));
    }
    *state.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings;
    Ok(())
}

#[tauri::command]
pub fn set_unread_total(app: tauri::AppHandle, count: u32) {
    crate::tray::show_unread(&app, count);
}

/// Accounts with which secrets are set (never the secrets).
#[tauri::command]
pub async fn accounts(state: Shell<'_>) -> Result<Vec<AccountView>, ApiError> {
    state.accounts.list().await
}

/// Adds or edits an account; secrets in `input` go to the OS keychain and are not kept here.
#[tauri::command]
pub async fn save_account(state: Shell<'_>, input: AccountInput) -> Result<(), ApiError> {
    state.accounts.save(input).await
}

#[tauri::command]
pub async fn remove_account(state: Shell<'_>, name: String) -> Result<(), ApiError> {
    state.accounts.remove(&name).await
}

/// The account mode's connector files and whether each has its key (never the key).
#[tauri::command]
pub async fn connectors(state: Shell<'_>) -> Result<Vec<ConnectorView>, ApiError> {
    state.accounts.connectors().list().await
}

/// Stores a connector's key in the OS keychain; the window never reads it back.
#[tauri::command]
pub async fn set_connector_key(
    state: Shell<'_>,
    name: String,
    key: String,
) -> Result<(), ApiError> {
    state
        .accounts
        .connectors()
        .set_key(&name, agentdesk_domain::Secret::new(key))
        .await
}

#[tauri::command]
pub async fn test_account(state: Shell<'_>, name: String) -> Result<ConnectionReport, ApiError> {
    state.accounts.test_connection(&name).await
}

#[tauri::command]
pub async fn merchants(state: Shell<'_>) -> Result<Vec<MerchantView>, ApiError> {
    state.workbench().await?.supervision().merchants().await
}

#[tauri::command]
pub async fn add_merchant(state: Shell<'_>, input: MerchantInput) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .supervision()
        .add_merchant(input)
        .await
}

#[tauri::command]
pub async fn update_merchant(state: Shell<'_>, input: MerchantInput) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .supervision()
        .update_merchant(input)
        .await
}

#[tauri::command]
pub async fn merchant_agents(state: Shell<'_>) -> Result<Vec<AgentView>, ApiError> {
    state
        .workbench()
        .await?
        .supervision()
        .merchant_agents()
        .await
}

#[tauri::command]
pub async fn add_agent(state: Shell<'_>, input: AgentInput) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .supervision()
        .add_agent(input)
        .await
}

#[tauri::command]
pub async fn update_agent(state: Shell<'_>, input: AgentInput) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .supervision()
        .update_agent(input)
        .await
}

#[tauri::command]
pub async fn delete_agent(state: Shell<'_>, email: String) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .supervision()
        .delete_agent(&email)
        .await
}

#[tauri::command]
pub async fn status_log(state: Shell<'_>) -> Result<Vec<StatusLogEntry>, ApiError> {
    state.workbench().await?.supervision().status_log().await
}

/// Why the chosen account did not start, if it did not (the workbench then runs in demo mode).
#[tauri::command]
pub async fn startup_warning(state: Shell<'_>) -> Result<Option<ApiError>, ApiError> {
    state.workbench().await?;
    Ok(state
        .startup_warning
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone())
}

/// The 360° view of a session's customer: from the cache at once (`refresh: false`), or asked of
/// every source (`refresh: true`).
#[tauri::command]
pub async fn customer_view(
    state: Shell<'_>,
    session_id: String,
    refresh: bool,
) -> Result<CustomerView, ApiError> {
    state
        .workbench()
        .await?
        .customers()
        .customer_view(&session_id, refresh)
        .await
}

/// The best knowledge-base articles for `query`, or for the session's newest customer message.
#[tauri::command]
pub async fn knowledge_suggestions(
    state: Shell<'_>,
    session_id: String,
    query: Option<String>,
) -> Result<Vec<KbSuggestionView>, ApiError> {
    state
        .workbench()
        .await?
        .knowledge()
        .knowledge_suggestions(&session_id, query)
        .await
}

/// The agent sent this article's answer: the customer's question becomes one of its questions.
#[tauri::command]
pub async fn learn_from_answer(
    state: Shell<'_>,
    session_id: String,
    article_id: String,
) -> Result<bool, ApiError> {
    state
        .workbench()
        .await?
        .knowledge()
        .learn_from_answer(&session_id, &article_id)
        .await
}

/// The session's mood from its last customer messages, and whether to warn.
#[tauri::command]
pub async fn session_mood(state: Shell<'_>, session_id: String) -> Result<SessionMood, ApiError> {
    let threshold = state.settings().mood_threshold();
    state
        .workbench()
        .await?
        .knowledge()
        .session_mood(&session_id, threshold)
        .await
}

/// The agent's note about the session's customer.
#[tauri::command]
pub async fn customer_note(
    state: Shell<'_>,
    session_id: String,
) -> Result<CustomerNoteView, ApiError> {
    state
        .workbench()
        .await?
        .customers()
        .customer_note(&session_id)
        .await
}

/// Replaces the agent's note about the session's customer (blank removes it).
#[tauri::command]
pub async fn save_customer_note(
    state: Shell<'_>,
    session_id: String,
    text: String,
) -> Result<CustomerNoteView, ApiError> {
    state
        .workbench()
        .await?
        .customers()
        .save_customer_note(&session_id, &text)
        .await
}

/// One masked field in full; the reveal is audited.
#[tauri::command]
pub async fn reveal_customer_field(
    state: Shell<'_>,
    session_id: String,
    field: PersonalField,
) -> Result<String, ApiError> {
    state
        .workbench()
        .await?
        .customers()
        .reveal_customer_field(&session_id, field)
        .await
}

/// The supervisor dashboard for a date range and, optionally, one agent group.
#[tauri::command]
pub async fn dashboard(state: Shell<'_>, query: DashboardQuery) -> Result<DashboardView, ApiError> {
    state.workbench().await?.reports().dashboard(query).await
}

/// Writes the dashboard as CSV into the Downloads folder (a new file each time); answers its path.
#[tauri::command]
pub async fn export_dashboard(state: Shell<'_>, query: DashboardQuery) -> Result<String, ApiError> {
    let folder = agentdesk_api::export_folder()?;
    let path = state
        .workbench()
        .await?
        .reports()
        .export_dashboard(query, &folder)
        .await?;
    Ok(path.display().to_string())
}

/// API health now: per-endpoint figures, the push connection and the outbox.
#[tauri::command]
pub async fn api_health(state: Shell<'_>) -> Result<ApiHealthView, ApiError> {
    Ok(state.workbench().await?.api_health().await)
}

/// The in-app updater's state (off and why, up to date, an update ready, one refused).
#[tauri::command]
pub fn update_status(updates: State<'_, Arc<crate::updates::Updates>>) -> UpdateStatus {
    updates.status()
}

/// Installs the verified update and starts the new version (on Windows the installer takes over).
/// Off the main thread: on Linux installing waits for the administrator password prompt.
#[tauri::command]
pub async fn restart_to_update(
    app: tauri::AppHandle,
    updates: State<'_, Arc<crate::updates::Updates>>,
) -> Result<(), ApiError> {
    let updates = updates.inner().clone();
    let installed = tauri::async_runtime::spawn_blocking(move || updates.install_ready())
        .await
        .map_err(|error| {
            ApiError::because(
                agentdesk_api::ErrorCode::Storage,
                agentdesk_api::ErrorReason::UpdateFailed,
                format!(
                    "the update could not be installed ({error}); restart AgentDesk and try again"
                ),
            )
        })?;
    match installed {
        Ok(true) => app.restart(),
        Ok(false) => Err(ApiError::because(
            agentdesk_api::ErrorCode::NotFound,
            agentdesk_api::ErrorReason::NoUpdateWaiting,
            "no update is waiting to be installed",
        )),
        Err(message) => Err(ApiError::new(agentdesk_api::ErrorCode::Storage, message)),
    }
}

/// The model providers the account form offers (OpenAI, Azure, 百炼, DeepSeek, local servers…).
#[tauri::command]
pub fn assistant_presets() -> Vec<AssistantPreset> {
    agentdesk_api::assistant_presets()
}

/// Whether the reply assistant is on for the merchant on screen, and why not.
#[tauri::command]
pub async fn assistant_status(state: Shell<'_>) -> Result<AssistantStatus, ApiError> {
    state.workbench().await?.assistant().status().await
}

/// A supervisor's choice for the merchant on screen: on or off, the features, the daily budget.
#[tauri::command]
pub async fn set_assistant_policy(
    state: Shell<'_>,
    policy: AssistantPolicy,
) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .assistant()
        .set_policy(policy)
        .await
}

/// Starts a draft, summary, translation or rewrite; its text arrives as `assist` events. Answers
/// the call's id.
#[tauri::command]
pub async fn start_assist(
    state: Shell<'_>,
    session_id: String,
    input: AssistInput,
    agent_language: String,
) -> Result<String, ApiError> {
    state
        .workbench()
        .await?
        .assistant()
        .start(&session_id, input, &agent_language)
        .await
}

/// Stops a call at once (what arrived is kept as a partial answer).
#[tauri::command]
pub async fn cancel_assist(state: Shell<'_>, call_id: String) -> Result<bool, ApiError> {
    Ok(state.workbench().await?.assistant().cancel(&call_id))
}

/// What the agent did with a draft: sent as is, edited, or discarded.
#[tauri::command]
pub async fn record_draft_fate(
    state: Shell<'_>,
    call_id: String,
    fate: DraftFate,
) -> Result<bool, ApiError> {
    state
        .workbench()
        .await?
        .assistant()
        .record_fate(&call_id, fate)
        .await
}

/// The merchant's ticket systems, with what each can do.
#[tauri::command]
pub async fn ticket_systems(state: Shell<'_>) -> Result<Vec<TicketSystemView>, ApiError> {
    Ok(state.workbench().await?.tickets().systems())
}

/// The choices for a new ticket in `system` (kept per merchant, refreshed in the background).
#[tauri::command]
pub async fn ticket_form(state: Shell<'_>, system: SystemKind) -> Result<TicketForm, ApiError> {
    state.workbench().await?.tickets().ticket_form(system).await
}

/// The template fields of a ticket category.
#[tauri::command]
pub async fn ticket_template(
    state: Shell<'_>,
    system: SystemKind,
    type_id: String,
) -> Result<Vec<TemplateField>, ApiError> {
    state
        .workbench()
        .await?
        .tickets()
        .template_fields(system, &type_id)
        .await
}

/// Submits a ticket: checked, then created exactly once in the background (progress as events).
#[tauri::command]
pub async fn create_ticket(
    state: Shell<'_>,
    request: TicketRequest,
) -> Result<TicketProgress, ApiError> {
    state
        .workbench()
        .await?
        .tickets()
        .create_ticket(request)
        .await
}

/// Every ticket submitted in this run and where it is.
#[tauri::command]
pub async fn ticket_attempts(state: Shell<'_>) -> Result<Vec<TicketProgress>, ApiError> {
    Ok(state.workbench().await?.tickets().attempts())
}

/// The session's customer's tickets in every system, open ones first: kept (`refresh: false`) or
/// asked of each system.
#[tauri::command]
pub async fn customer_tickets(
    state: Shell<'_>,
    session_id: String,
    refresh: bool,
) -> Result<CustomerTickets, ApiError> {
    state
        .workbench()
        .await?
        .tickets()
        .customer_tickets(&session_id, refresh)
        .await
}

#[tauri::command]
pub async fn ticket_detail(
    state: Shell<'_>,
    system: SystemKind,
    ticket_id: String,
) -> Result<TicketDetail, ApiError> {
    state
        .workbench()
        .await?
        .tickets()
        .ticket_detail(system, &ticket_id)
        .await
}

/// The merchant's ticket figures over a range of days (none without Sobot 工单).
#[tauri::command]
pub async fn ticket_figures(
    state: Shell<'_>,
    from: String,
    to: String,
) -> Result<Option<TicketFigures>, ApiError> {
    state
        .workbench()
        .await?
        .tickets()
        .ticket_figures(&from, &to)
        .await
}

/// Replies to a ticket (with a status change where the system takes one); the ticket afterwards.
#[tauri::command]
pub async fn reply_ticket(
    state: Shell<'_>,
    system: SystemKind,
    ticket_id: String,
    reply: ReplyDraft,
) -> Result<TicketDetail, ApiError> {
    state
        .workbench()
        .await?
        .tickets()
        .reply_ticket(system, &ticket_id, reply)
        .await
}

/// The newest write-backs to the merchant's systems (the dashboard's API health lists the ones
/// that did not go through).
#[tauri::command]
pub async fn write_backs(state: Shell<'_>, limit: u32) -> Result<Vec<WriteBackView>, ApiError> {
    state
        .workbench()
        .await?
        .write_backs()
        .recent(limit.clamp(1, 500) as usize)
        .await
}

/// The merchant's form link tagged with this session, for the agent to send to the customer.
#[tauri::command]
pub async fn form_link(state: Shell<'_>, session_id: String) -> Result<String, ApiError> {
    state
        .workbench()
        .await?
        .customers()
        .form_link(&session_id)
        .await
}

/// A customer's voice message as a `data:` URL to play or save (its type read from its bytes).
#[tauri::command]
pub async fn voice_audio(state: Shell<'_>, address: String) -> Result<String, ApiError> {
    state.workbench().await?.voice().audio(&address).await
}

/// Reads a voice message as text again (after the speech service failed); the transcript comes
/// as an event.
#[tauri::command]
pub async fn read_voice_again(
    state: Shell<'_>,
    session_id: String,
    msg_id: String,
) -> Result<(), ApiError> {
    state
        .workbench()
        .await?
        .voice()
        .read_again(&session_id, &msg_id)
        .await
}

/// What the conversation's payment button offers now (the merchant's systems, the policy).
#[tauri::command]
pub async fn payment_options(state: Shell<'_>) -> Result<PaymentOptions, ApiError> {
    state.workbench().await?.payments().options().await
}

/// Makes a payment link and sends it to the customer, exactly once (the same `attempt_id` again
/// is the same link); followed afterwards, its progress as events.
#[tauri::command]
pub async fn create_payment_link(
    state: Shell<'_>,
    request: PaymentLinkRequest,
) -> Result<PaymentProgress, ApiError> {
    state
        .workbench()
        .await?
        .payments()
        .create_link(request)
        .await
}

/// The payment links of a session, oldest first.
#[tauri::command]
pub async fn session_payment_links(
    state: Shell<'_>,
    session_id: String,
) -> Result<Vec<PaymentProgress>, ApiError> {
    state
        .workbench()
        .await?
        .payments()
        .session_links(&session_id)
        .await
}

/// Closes an unpaid payment link.
#[tauri::command]
pub async fn close_payment_link(
    state: Shell<'_>,
    out_trade_no: String,
) -> Result<PaymentProgress, ApiError> {
    state
        .workbench()
        .await?
        .payments()
        .close_link(&out_trade_no)
        .await
}

/// The merchant's payment-link policy (supervisor).
#[tauri::command]
pub async fn payment_policy(state: Shell<'_>) -> Result<PaymentPolicy, ApiError> {
    state.workbench().await?.payments().policy().await
}

/// Sets who may make payment links and the largest amount (supervisor), as saved.
#[tauri::command]
pub async fn set_payment_policy(
    state: Shell<'_>,
    policy: PaymentPolicy,
) -> Result<PaymentPolicy, ApiError> {
    state.workbench().await?.payments().set_policy(policy).await
}

// `visit_command_types`: every type above, for the window's generated bindings (see `bindings`).
include!(concat!(env!("OUT_DIR"), "/command_types.rs"));
