//! What every service of a workspace stands on: the `Workspace` (one tenant's engine, platform
//! client, database and clock, with a publisher bound to its generation), the event bus and its
//! events, the errors that cross into the window, and the answers kept of outside systems.
//! The host (`agentdesk-api`) opens a workspace per tenant on screen and builds the services on it;
//! the services (`agentdesk-customer360`, `agentdesk-knowledge`, `agentdesk-assistant`,
//! `agentdesk-reports`, and the API's own) hold their state and reach nothing but their workspace
//! and what the host hands them.

pub mod answers;
pub mod bus;
pub mod error;
pub mod events;
pub mod workspace;

pub use answers::{AnswerCache, Kept};
pub use bus::{Bus, NoticePolicy, Publisher, Subscription, DEFAULT_RISK_THRESHOLD};
pub use error::{
    union_refusal, ApiError, AssistantOff, DraftProblem, ErrorCode, ErrorReason, KeyKind,
    RefusalWords,
};
pub use events::{
    ApiHealthAlert, AssistEvent, AssistOutcome, AssistStep, CitedArticle, DeskEvent, Feature,
    IndexingProgress, Notice, PaymentLinkState, PaymentProgress, SessionMood, TicketProgress,
    TicketState,
};
pub use workspace::{ConnectionObserver, Workspace, WorkspaceMode, WorkspaceOptions};
