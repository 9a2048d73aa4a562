//! The one error shape that crosses into the UI: `{code, message}`. `code` is a small enum the UI
//! branches on; `message` is already written for the agent (what happened, what to do). The UI never
//! matches on message text.

use agentdesk_engine::EngineError;
use agentdesk_sobot::ClientError;
use agentdesk_store::StoreError;
use serde::Serialize;
use ts_rs::TS;

use crate::WorkspaceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself is wrong (empty message, bad status code): fix the input.
    InvalidInput,
    /// The session or message no longer exists here.
    NotFound,
    /// The platform cannot be reached: AgentDesk keeps working offline and retries.
    Offline,
    /// The platform refused the request; the message says why.
    Platform,
    /// The local database failed (disk full, read-only, damaged).
    Storage,
    /// The workspace is not running (starting up, or stopped).
    NotReady,
    /// The OS keychain is missing, locked or refused; the message says how to fix it.
    Keychain,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<ClientError> for ApiError {
    fn from(error: ClientError) -> Self {
        let code = match &error {
            ClientError::Network { .. } | ClientError::Http { .. } => ErrorCode::Offline,
            ClientError::Config(_) => ErrorCode::InvalidInput,
            ClientError::Platform { .. } | ClientError::Decode { .. } => ErrorCode::Platform,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::new(ErrorCode::Storage, error.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::Store(error) => error.into(),
            EngineError::Platform(error) => error.into(),
            EngineError::UnknownSession(_) => ApiError::new(ErrorCode::NotFound, error.to_string()),
            EngineError::InvalidInput(_) => {
                ApiError::new(ErrorCode::InvalidInput, error.to_string())
            }
            EngineError::Stopped => ApiError::new(ErrorCode::NotReady, error.to_string()),
        }
    }
}

impl From<WorkspaceError> for ApiError {
    fn from(error: WorkspaceError) -> Self {
        match error {
            WorkspaceError::Platform(error) => error.into(),
            WorkspaceError::Engine(error) => error.into(),
            WorkspaceError::Sandbox { .. } => ApiError::new(ErrorCode::Offline, error.to_string()),
        }
    }
}
