//! A payment system's failure in words: what happened, what to do, the provider's own code, and
//! whether the link may have been created anyway (`outcome_unknown`), which decides whether it is
//! settled by a query before it is requested again.

use agentdesk_http::CallFailure;

use crate::{AmountError, KeyError, Provider};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The request did not leave this machine: nothing was created.
    #[error("could not reach {provider} at {endpoint}: {message}. Check the network and the payment system's address, then try again.")]
    Unreachable {
        provider: Provider,
        endpoint: String,
        message: String,
    },
    /// The request left, but no answer came back: the payment may exist.
    #[error("{provider} did not answer {endpoint} ({message}); the payment link may have been made. AgentDesk checks before asking again.")]
    NoAnswer {
        provider: Provider,
        endpoint: String,
        message: String,
    },
    #[error("{provider} answered HTTP {status} at {endpoint}: {message}")]
    Http {
        provider: Provider,
        endpoint: String,
        status: u16,
        message: String,
    },
    /// The provider refused with a code of its own.
    #[error("{provider} refused {endpoint}: {words} ({code})")]
    Refused {
        provider: Provider,
        endpoint: String,
        code: String,
        words: String,
    },
    /// The answer's signature did not verify with the provider's key: it is not believed.
    #[error("{provider}'s answer to {endpoint} is not signed by {provider}'s key ({message}). Check the provider's public key or certificate in this merchant's settings; nothing in the answer was used.")]
    Unverified {
        provider: Provider,
        endpoint: String,
        message: String,
    },
    /// The answer was not the provider's (a proxy's page, a changed API).
    #[error("{provider} answered {endpoint} with something that is not its API's answer ({message}). Check the payment system's address.")]
    Garbled {
        provider: Provider,
        endpoint: String,
        message: String,
    },
    /// The order was paid or closed before an unknown attempt could be settled: nothing was sent.
    #[error("payment {out_trade_no} is already {state}; nothing was sent again")]
    AlreadySettled { out_trade_no: String, state: String },
    #[error("{0}")]
    Amount(#[from] AmountError),
    #[error("{0}")]
    Key(#[from] KeyError),
    /// The input or settings do not allow sending; nothing was sent.
    #[error("{0}")]
    Invalid(String),
}

impl PaymentError {
    /// Whether the link may exist although no answer said so.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            PaymentError::NoAnswer { .. }
            | PaymentError::Garbled { .. }
            | PaymentError::Unverified { .. } => true,
            PaymentError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The provider's code (or AgentDesk's label) for scripts.
    pub fn code(&self) -> String {
        match self {
            PaymentError::Unreachable { .. } => "unreachable".into(),
            PaymentError::NoAnswer { .. } => "no_answer".into(),
            PaymentError::Http { status, .. } => format!("http_{status}"),
            PaymentError::Refused { code, .. } => code.clone(),
            PaymentError::Unverified { .. } => "unverified_answer".into(),
            PaymentError::Garbled { .. } => "garbled".into(),
            PaymentError::AlreadySettled { .. } => "already_settled".into(),
            PaymentError::Amount(_) | PaymentError::Invalid(_) => "invalid".into(),
            PaymentError::Key(_) => "bad_key".into(),
        }
    }

    /// A transport failure of a request: `Unreachable` when it never left (connect), else
    /// `NoAnswer`.
    pub(crate) fn transport(provider: Provider, endpoint: &str, error: &reqwest::Error) -> Self {
        let message = agentdesk_http::transport_reason(error);
        if error.is_connect() {
            PaymentError::Unreachable {
                provider,
                endpoint: endpoint.into(),
                message,
            }
        } else {
            PaymentError::NoAnswer {
                provider,
                endpoint: endpoint.into(),
                message,
            }
        }
    }
}

impl CallFailure for PaymentError {
    fn outcome(&self) -> String {
        match self {
            PaymentError::Unreachable { .. } | PaymentError::NoAnswer { .. } => "network".into(),
            PaymentError::Http { status, .. } => format!("http_{status}"),
            PaymentError::Garbled { .. } | PaymentError::Unverified { .. } => "decode".into(),
            PaymentError::Key(_) => "config".into(),
            other => other.code(),
        }
    }

    fn is_transient(&self) -> bool {
        match self {
            PaymentError::Unreachable { .. } | PaymentError::NoAnswer { .. } => true,
            PaymentError::Http { status, .. } => *status >= 500 || *status == 429,
            // Alipay 20000 "service unavailable", 40005 rate limited; WeChat SYSTEM_ERROR,
            // FREQUENCY_LIMITED.
            PaymentError::Refused { code, .. } => {
                code.starts_with("20000")
                    || code.starts_with("40005")
                    || code == "SYSTEM_ERROR"
                    || code == "FREQUENCY_LIMITED"
            }
            _ => false,
        }
    }
}
