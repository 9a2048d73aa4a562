//! AgentDesk's use cases, called the same way by the desktop shell, `agentdesk-cli` and the tests:
//! the workbench host (`Workbench`: demo mode on the embedded sandbox, or a saved account; the tenant
//! on screen as one workspace with its services; tenant switches), the services that live here
//! (conversations, the supervisor's screens), and what belongs to the desk rather than a tenant:
//! accounts and their keys in the keychain, settings, IT's provisioning file, connector files, API
//! health, updates. The other services have crates of their own and are re-exported here.

mod accounts;
mod connectors;
mod conversations;
mod database_key;
#[cfg(feature = "demo")]
mod demo;
mod health;
mod images;
mod payments;
mod provisioning;
mod services;
mod settings;
mod supervision;
mod tickets;
mod updates;
mod voice;
mod workbench;
mod write_backs;

pub use accounts::{
    assistant_presets, Account, AccountBook, AccountInput, AccountView, AssistantPreset,
    AssistantProviderSettings, ConnectionProblem, ConnectionReport, HomeTenant, Platform,
    SupervisorLogin, SOBOT_BASE_URLS,
};
pub use agentdesk_assistant::{
    AssistInput, Assistant, AssistantFigures, AssistantPolicy, AssistantStatus, DraftFate,
};
pub use agentdesk_customer360::{
    Card, CardState, CustomerNoteView, CustomerSources, CustomerView, Customers, FormFieldView,
    FormSource, FormSubmissionView, OrderLineView, OrderView, PastSessionView, PersonalField,
    PlatformRecordView, ProfileView, ShipmentView, TrackingEventView,
};
pub use agentdesk_knowledge::{set_model_folders, KbSuggestionView, Knowledge};
pub use agentdesk_payments::{
    PaymentDesk, PaymentLinkRequest, PaymentOptions, PaymentPolicy, Provider as PaymentProvider,
};
pub use agentdesk_reports::{
    export_folder, AgentFigures, AgentGroup, AgentTimeline, DashboardQuery, DashboardTotals,
    DashboardView, DayFigures, Reports, SatisfactionFigures, StaffStatus, StatusSpan,
};
pub use agentdesk_tickets::{
    AgentTicketFigures, AttachmentInput, Category, CopiedAgent, CustomerTicket, CustomerTickets,
    Dictionary, FieldKind, FieldValue, Named, ReplyDraft, SystemKind, TemplateField, TicketDesk,
    TicketDetail, TicketFigures, TicketForm, TicketListFailure, TicketReply, TicketRequest,
    TicketSummary, TicketSystemView,
};
pub use agentdesk_workspace::{
    ApiError, ApiHealthAlert, AssistEvent, AssistOutcome, AssistStep, AssistantOff, Bus,
    CitedArticle, DeskEvent, DraftProblem, ErrorCode, ErrorReason, Feature, IndexingProgress,
    KeyKind, Notice, NoticePolicy, PaymentLinkState, PaymentProgress, SessionMood, Subscription,
    TicketProgress, TicketState, Workspace, WorkspaceMode, WorkspaceOptions,
    DEFAULT_RISK_THRESHOLD,
};
pub use connectors::{ChosenConnectors, ConnectorCatalog, ConnectorProbe, ConnectorView};
pub use conversations::{
    AgentStatus, Conversations, TransferAgent, TransferGroup, TransferTarget, TransferTargets,
};
#[cfg(feature = "demo")]
pub use demo::{
    demo_connector_file, demo_sandbox, DemoOptions, DemoSandbox, DemoWorkspace, SANDBOX_URL_ENV,
};
pub use health::{ApiHealth, ApiHealthView, EndpointHealth, PushHealth, ALERT_WINDOW_MS};
pub use payments::PaymentSystemSettings;
pub use provisioning::{
    system_provisioning_path, Provisioning, ProvisioningReport, UpdatePolicy, PROVISIONING_ENV,
    PROVISIONING_FILE,
};
pub use settings::{Settings, SettingsFile, AUDIT_RETENTION_DAYS, MOOD_WARNING_PERCENT};
pub use supervision::{
    AgentInput, AgentRole, AgentView, MerchantInput, MerchantView, StatusLogEntry, Supervision,
};
pub use tickets::{TicketKeyInput, TicketSystemSettings};
pub use updates::{UpdateStatus, UpdatesOff};
pub use voice::{SpeechSettings, VoiceReader};
pub use workbench::{SessionSummary, TenantOption, Workbench, WorkbenchSnapshot};
pub use write_backs::{WriteBackView, WriteBacks};

/// Tauri's bundle identifier: the app's configuration lives in `{config_dir}/{APP_IDENTIFIER}`.
pub const APP_IDENTIFIER: &str = "dev.agentdesk.workbench";

/// The configuration directory the app uses (Tauri's `app_config_dir`), for the CLI to share it.
pub fn default_config_dir() -> Option<std::path::PathBuf> {
    dirs::config_dir().map(|dir| dir.join(APP_IDENTIFIER))
}
