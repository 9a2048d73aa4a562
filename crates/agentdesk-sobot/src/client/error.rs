//! Typed client errors. Every variant names the endpoint, and decoding failures keep the raw body,
//! so a log line or an error shown to the agent says exactly what the platform answered.

use crate::protocol::RetCode;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("could not reach the platform at {endpoint}: {message}. Check the network connection and the account's base URL.")]
    Network { endpoint: String, message: String },
    #[error("the platform answered HTTP {status} at {endpoint}")]
    Http {
        endpoint: String,
        status: u16,
        body: String,
    },
    #[error("the platform refused {endpoint}: {code_text} {message}")]
    Platform {
        endpoint: String,
        code: RetCode,
        code_text: String,
        message: String,
    },
    #[error("unexpected response from {endpoint}: {message}")]
    Decode {
        endpoint: String,
        message: String,
        body: String,
    },
    #[error("invalid account configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// Worth trying again later: the network, a 5xx or 429, or a platform-side unknown error.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Network { .. } => true,
            ClientError::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            ClientError::Platform { code, .. } => {
                matches!(code, RetCode::Unknown) || code.needs_reauth()
            }
            ClientError::Decode { .. } | ClientError::Config(_) => false,
        }
    }

    pub fn platform_code(&self) -> Option<&str> {
        match self {
            ClientError::Platform { code_text, .. } => Some(code_text),
            _ => None,
        }
    }

    /// Short outcome label for the audit log: `ok` is never an error, so this is the code or class.
    pub fn outcome_label(&self) -> String {
        match self {
            ClientError::Network { .. } => "network".into(),
            ClientError::Http { status, .. } => format!("http_{status}"),
            ClientError::Platform { code_text, .. } => code_text.clone(),
            ClientError::Decode { .. } => "decode".into(),
            ClientError::Config(_) => "config".into(),
        }
    }
}
