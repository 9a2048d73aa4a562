//! What an engine starts with: its workspace's database, the platform client, the agent's name on
//! pending replies, and the clock.

use std::sync::Arc;

use agentdesk_domain::SharedClock;
use agentdesk_sobot::AgentClient;
use agentdesk_store::Database;

pub struct EngineConfig {
    /// The workspace's database (its file and key).
    pub database: Database,
    pub client: Arc<AgentClient>,
    /// Shown on the agent's outbound messages until the platform confirms them.
    pub agent_name: String,
    /// What "now" is for queue times, retry schedules and catch-up waits.
    pub clock: SharedClock,
}
