//! Voice messages read as text: a customer's audio is recognised by Aliyun NLS one-sentence
//! recognition (business-actions.md §3), through the one observed HTTP client, so the agent reads
//! it with the sound off and the knowledge suggestions, the sentiment warning and the assistant see
//! it as if typed. What cannot be recognised (over 60 s, a format NLS does not take, a failed
//! call) is said in words and the audio stays as it was.

pub mod audio;
pub mod nls;

pub use audio::{AudioError, AudioFormat, PreparedAudio};
pub use nls::{Nls, NlsSettings, Transcript};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VoiceError {
    #[error("{0}")]
    Audio(#[from] AudioError),
    #[error("could not reach the speech service at {endpoint}: {message}. Check the network and the speech settings, then try again.")]
    Unreachable { endpoint: String, message: String },
    #[error("the speech service answered HTTP {status} at {endpoint}: {message}")]
    Http {
        endpoint: String,
        status: u16,
        message: String,
    },
    #[error("the speech service refused {endpoint}: {words} ({code})")]
    Refused {
        endpoint: String,
        code: String,
        words: String,
        /// The recognition gateway refused the token (it is fetched again once).
        token_refused: bool,
    },
    #[error("the speech service answered {endpoint} with something that is not its API's answer ({message}). Check the speech service's address.")]
    Garbled { endpoint: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl VoiceError {
    pub(crate) fn transport(endpoint: &str, error: &reqwest::Error) -> VoiceError {
        VoiceError::Unreachable {
            endpoint: endpoint.into(),
            message: agentdesk_http::transport_reason(error),
        }
    }

    /// The service's code (or AgentDesk's label), for scripts.
    pub fn code(&self) -> String {
        match self {
            VoiceError::Audio(AudioError::TooLong { .. }) => "too_long".into(),
            VoiceError::Audio(AudioError::Unsupported(_)) => "unsupported_format".into(),
            VoiceError::Audio(AudioError::Damaged(_)) => "damaged_audio".into(),
            VoiceError::Unreachable { .. } => "unreachable".into(),
            VoiceError::Http { status, .. } => format!("http_{status}"),
            VoiceError::Refused { code, .. } => code.clone(),
            VoiceError::Garbled { .. } => "garbled".into(),
            VoiceError::Invalid(_) => "invalid".into(),
        }
    }
}
