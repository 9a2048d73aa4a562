//! AgentDesk's use cases, called the same way by the desktop shell, `agentdesk-cli` and the tests.
//! For now: opening an agent workspace (platform client + session engine on the account's database)
//! and demo mode, which starts the embedded sandbox on loopback and signs its first agent in.

mod demo;
mod workspace;

pub use demo::{demo_sandbox, DemoSandbox, DemoWorkspace, SANDBOX_URL_ENV};
pub use workspace::{AgentWorkspace, WorkspaceError, WorkspaceOptions};
