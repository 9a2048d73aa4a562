//! AgentDesk's use cases, called the same way by the desktop shell, `agentdesk-cli` and the tests.
//! Opening an agent workspace (platform client + session engine on the account's database), demo
//! mode (the embedded sandbox on loopback, its first agent signed in), and the accounts in the
//! keychain.

mod accounts;
mod assistant;
mod bus;
mod connectors;
mod conversations;
mod customer;
mod dashboard;
mod database_key;
#[cfg(feature = "demo")]
mod demo;
mod error;
mod health;
mod images;
mod knowledge;
mod mood;
mod notes;
mod provisioning;
mod settings;
mod supervisor;
mod updates;
mod workbench;
mod workspace;

pub use accounts::{
    assistant_presets, Account, AccountBook, AccountInput, AccountView, AssistantPreset,
    AssistantProviderSettings, ConnectionProblem, ConnectionReport, Platform, SupervisorLogin,
    SOBOT_BASE_URLS,
};
pub use assistant::{
    AssistEvent, AssistInput, AssistOutcome, AssistStep, Assistant, AssistantFigures, AssistantOff,
    AssistantPolicy, AssistantStatus, CitedArticle, DraftFate, Feature,
};
pub use bus::{DeskEvent, DeskEvents, Notice, NoticePolicy};
pub use connectors::{ChosenConnectors, ConnectorCatalog, ConnectorProbe, ConnectorView};
pub use conversations::{
    AgentStatus, Conversations, TransferAgent, TransferGroup, TransferTarget, TransferTargets,
};
pub use customer::{
    Card, CardState, CustomerView, Customers, OrderLineView, OrderView, PastSessionView,
    PersonalField, PlatformRecordView, ProfileView, ShipmentView, TrackingEventView,
};
pub use dashboard::{
    export_folder, AgentFigures, AgentTimeline, DashboardQuery, DashboardTotals, DashboardView,
    DayFigures, Reports, SatisfactionFigures, StaffStatus, StatusSpan,
};
#[cfg(feature = "demo")]
pub use demo::{demo_connector_file, demo_sandbox, DemoSandbox, DemoWorkspace, SANDBOX_URL_ENV};
pub use error::{ApiError, ErrorCode, ErrorReason, KeyKind};
pub use health::{
    ApiHealth, ApiHealthAlert, ApiHealthView, EndpointHealth, PushHealth, ALERT_WINDOW_MS,
};
pub use knowledge::{
    set_model_folders, IndexingProgress, KbSuggestionView, Knowledge, SessionMood,
    DEFAULT_RISK_THRESHOLD,
};
pub use mood::{MoodChange, MoodEvent, MoodWatch};
pub use notes::{CustomerNoteView, MAX_NOTE_CHARS};
pub use provisioning::{
    system_provisioning_path, Provisioning, ProvisioningReport, UpdatePolicy, PROVISIONING_ENV,
    PROVISIONING_FILE,
};
pub use settings::{Settings, SettingsFile, AUDIT_RETENTION_DAYS, MOOD_WARNING_PERCENT};
pub use supervisor::{
    AgentInput, AgentRole, AgentView, MerchantInput, MerchantView, StatusLogEntry, Supervision,
};
pub use updates::{UpdateStatus, UpdatesOff};
pub use workbench::{
    ResyncEvent, SessionSummary, TenantOption, Workbench, WorkbenchEvent, WorkbenchSnapshot,
    WorkspaceMode,
};
pub use workspace::{AgentWorkspace, WorkspaceError, WorkspaceOptions};

/// Tauri's bundle identifier: the app's configuration lives in `{config_dir}/{APP_IDENTIFIER}`.
pub const APP_IDENTIFIER: &str = "dev.agentdesk.workbench";

/// The configuration directory the app uses (Tauri's `app_config_dir`), for the CLI to share it.
pub fn default_config_dir() -> Option<std::path::PathBuf> {
    dirs::config_dir().map(|dir| dir.join(APP_IDENTIFIER))
}

/// The TypeScript declarations of every type that crosses into the UI, as one module. The committed
/// copy is `ui/src/backend/bindings.ts`; a test fails when it drifts from this.
pub fn typescript_bindings() -> String {
    use ts_rs::{Config, TS};
    let config = Config::default();
    let declarations = [
        agentdesk_domain::Channel::decl(&config),
        agentdesk_domain::SessionState::decl(&config),
        agentdesk_domain::Session::decl(&config),
        agentdesk_domain::Direction::decl(&config),
        agentdesk_domain::MessageKind::decl(&config),
        agentdesk_domain::DeliveryStatus::decl(&config),
        agentdesk_domain::DeliveryFailure::decl(&config),
        agentdesk_domain::Message::decl(&config),
        agentdesk_domain::ConnectionState::decl(&config),
        agentdesk_domain::DomainEvent::decl(&config),
        ErrorCode::decl(&config),
        KeyKind::decl(&config),
        ErrorReason::decl(&config),
        UpdatesOff::decl(&config),
        UpdateStatus::decl(&config),
        ApiError::decl(&config),
        WorkspaceMode::decl(&config),
        SessionSummary::decl(&config),
        WorkbenchSnapshot::decl(&config),
        WorkbenchEvent::decl(&config),
        MoodEvent::decl(&config),
        ResyncEvent::decl(&config),
        IndexingProgress::decl(&config),
        AssistantPolicy::decl(&config),
        AssistantOff::decl(&config),
        AssistantStatus::decl(&config),
        Feature::decl(&config),
        AssistInput::decl(&config),
        CitedArticle::decl(&config),
        AssistOutcome::decl(&config),
        AssistStep::decl(&config),
        AssistEvent::decl(&config),
        DraftFate::decl(&config),
        AssistantFigures::decl(&config),
        TenantOption::decl(&config),
        MerchantView::decl(&config),
        MerchantInput::decl(&config),
        AgentRole::decl(&config),
        AgentView::decl(&config),
        AgentInput::decl(&config),
        StatusLogEntry::decl(&config),
        CardState::decl(&config),
        Card::<()>::decl(&config),
        ProfileView::decl(&config),
        PlatformRecordView::decl(&config),
        PastSessionView::decl(&config),
        ConnectorView::decl(&config),
        KbSuggestionView::decl(&config),
        SessionMood::decl(&config),
        TrackingEventView::decl(&config),
        ShipmentView::decl(&config),
        OrderLineView::decl(&config),
        OrderView::decl(&config),
        PersonalField::decl(&config),
        CustomerView::decl(&config),
        CustomerNoteView::decl(&config),
        AgentStatus::decl(&config),
        TransferAgent::decl(&config),
        TransferGroup::decl(&config),
        TransferTargets::decl(&config),
        TransferTarget::decl(&config),
        Settings::decl(&config),
        Platform::decl(&config),
        SupervisorLogin::decl(&config),
        AssistantProviderSettings::decl(&config),
        AssistantPreset::decl(&config),
        Account::decl(&config),
        AccountView::decl(&config),
        AccountInput::decl(&config),
        ConnectionProblem::decl(&config),
        ConnectionReport::decl(&config),
        DashboardQuery::decl(&config),
        DayFigures::decl(&config),
        AgentFigures::decl(&config),
        SatisfactionFigures::decl(&config),
        StaffStatus::decl(&config),
        StatusSpan::decl(&config),
        AgentTimeline::decl(&config),
        DashboardTotals::decl(&config),
        DashboardView::decl(&config),
        ApiHealthAlert::decl(&config),
        EndpointHealth::decl(&config),
        PushHealth::decl(&config),
        ApiHealthView::decl(&config),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `agentdesk_api::typescript_bindings()`. Do not edit.\n\
         // Regenerate: UPDATE_BINDINGS=1 cargo test -p agentdesk-api --test bindings\n\n",
    );
    for declaration in declarations {
        out.push_str("export ");
        out.push_str(&declaration);
        out.push_str("\n\n");
    }
    out
}
