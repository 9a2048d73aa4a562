//! Customer records from CRMs: the Qiyu CRM integration protocol first (the way many merchants
//! already expose their CRM to a customer-service console).

pub mod qiyu;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrmError {
    #[error("{source_name} could not be reached: {message}")]
    Network {
        source_name: &'static str,
        message: String,
    },
    #[error(
        "{source_name} refused the credentials (rlt {rlt}): check the appid and secret in Settings"
    )]
    Auth {
        source_name: &'static str,
        rlt: String,
    },
    #[error("{source_name} answered rlt {rlt}: {message}")]
    Refused {
        source_name: &'static str,
        rlt: String,
        message: String,
    },
    #[error("unexpected answer from {source_name}: {message}")]
    Decode {
        source_name: &'static str,
        message: String,
        body: String,
    },
}

impl agentdesk_http::CallFailure for CrmError {
    fn outcome(&self) -> String {
        match self {
            CrmError::Network { .. } => "network".into(),
            CrmError::Decode { .. } => "decode".into(),
            CrmError::Auth { rlt, .. } | CrmError::Refused { rlt, .. } => format!("rlt_{rlt}"),
        }
    }

    fn is_transient(&self) -> bool {
        matches!(self, CrmError::Network { .. })
    }
}
