//! AgentDesk's use cases, called the same way by the desktop shell, `agentdesk-cli` and the tests.
//! For now: opening an agent workspace (platform client + session engine on the account's database)
//! and demo mode, which starts the embedded sandbox on loopback and signs its first agent in.

mod demo;
mod error;
mod settings;
mod workbench;
mod workspace;

pub use demo::{demo_sandbox, DemoSandbox, DemoWorkspace, SANDBOX_URL_ENV};
pub use error::{ApiError, ErrorCode};
pub use settings::{Settings, SettingsFile};
pub use workbench::{
    AgentStatus, SessionSummary, TransferAgent, TransferGroup, TransferTarget, TransferTargets,
    Workbench, WorkbenchSnapshot, WorkspaceMode,
};
pub use workspace::{AgentWorkspace, WorkspaceError, WorkspaceOptions};

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
        agentdesk_domain::Message::decl(&config),
        agentdesk_domain::ConnectionState::decl(&config),
        agentdesk_domain::DomainEvent::decl(&config),
        ErrorCode::decl(&config),
        ApiError::decl(&config),
        WorkspaceMode::decl(&config),
        SessionSummary::decl(&config),
        WorkbenchSnapshot::decl(&config),
        AgentStatus::decl(&config),
        TransferAgent::decl(&config),
        TransferGroup::decl(&config),
        TransferTargets::decl(&config),
        TransferTarget::decl(&config),
        Settings::decl(&config),
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
