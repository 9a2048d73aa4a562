//! What an engine answers when it cannot do what it was asked.

use agentdesk_sobot::ClientError;
use agentdesk_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the session engine has stopped; restart AgentDesk")]
    Stopped,
    #[error("no session {0} in this workspace")]
    UnknownSession(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    Platform(#[from] ClientError),
}
