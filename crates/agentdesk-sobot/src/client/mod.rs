//! The agent-side Sobot client: `TokenCache` (one open-platform token per credential, shared
//! process-wide), `AgentClient` (the agent component SDK's HTTP operations, with re-login), and
//! `PushConnection` (the push channel as an actor with heartbeat and reconnect), and `UnionClient`
//! (the e-commerce platform API a supervisor manages tenants with). The HTTP clients share one core
//! (`http`): answers and envelopes, the retry policy, re-authentication and the call observer.

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
pub use error::ClientError;
pub use http::{CallObserver, CallRecord, Retry};
pub use push::{PushConnection, PushEndpoint, PushHandle, PushInput};
pub use token::TokenCache;
pub use union::{
    parse_report, AddedTenant, AgentProfile, ChatIndexItem, CompanyStaffLogs, ExportTask,
    NewTenant, ReportRow, StaffFigures, StaffLogEntry, StaffLogs, TenantCredentials, TenantPage,
    TenantQuery, TenantRecord, TenantUpdate, UnionClient, UnionCredentials,
};

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with full jitter: attempt 1 waits up to `base`, doubling up to `cap`.
/// Jitter spreads the reconnects of many agent PCs after a platform outage.
pub fn backoff_with_jitter(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
    let ceiling = exp.min(cap);
    let half = ceiling / 2;
    half + ceiling.mul_f64(rand::thread_rng().gen_range(0.0..0.5))
}

/// When a call started, for its record (the audit log and API health); the platform's own times come
/// with its answers.
pub(crate) fn now_millis() -> i64 {
    use agentdesk_domain::Clock as _;
    agentdesk_domain::SystemClock.now().as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(5);
        for _ in 0..100 {
            let first = backoff_with_jitter(1, base, cap);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let late = backoff_with_jitter(30, base, cap);
            assert!(late >= Duration::from_millis(2500) && late <= cap);
        }
    }
}
