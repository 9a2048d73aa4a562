//! The agent-side Sobot client: `TokenCache` (one open-platform token per credential, shared
//! process-wide), `AgentClient` (the agent component SDK's HTTP operations, with re-login), and
//! `PushConnection` (the push channel as an actor with heartbeat and reconnect), and `UnionClient`
//! (the e-commerce platform API a supervisor manages tenants with). The HTTP clients are built on
//! `agentdesk_http` (timeouts, retries, re-authentication, the ledger of calls); `http` adds Sobot's
//! answers and envelopes.

mod agent;
mod error;
mod http;
mod push;
mod token;
mod union;

pub use agent::{
    AgentClient, AgentCredentials, HumanSatisfaction, HumanSessionTotals, KnowledgeDoc,
    KnowledgePage, OutgoingAttachment, OutgoingMessage, PastMessage, PastSession, PlatformCustomer,
    SendFailure, SessionSummary,
};
pub use agentdesk_http::{backoff_with_jitter, CallLedger, CallObserver, CallRecord, Retry};
pub use error::ClientError;
pub use push::{PushConnection, PushEndpoint, PushHandle, PushInput};
pub use token::TokenCache;
pub use union::{
    parse_report, AddedTenant, AgentProfile, ChatIndexItem, CompanyStaffLogs, ExportTask,
    NewTenant, ReportRow, StaffFigures, StaffLogEntry, StaffLogs, TenantCredentials, TenantPage,
    TenantQuery, TenantRecord, TenantUpdate, UnionClient, UnionCredentials,
};
