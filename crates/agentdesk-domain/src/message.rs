//! A message in a session, inbound from the visitor or outbound from the agent.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::UnixMillis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the visitor (or the platform's system) to the agent.
    In,
    /// From the agent to the visitor.
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn parse(text: &str) -> Direction {
        if text == "out" {
            Direction::Out
        } else {
            Direction::In
        }
    }
}

/// Sobot's in-chat `msgType` codes (protocol reference §1b), reduced to what the workbench renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    Image,
    Voice,
    File,
    Video,
    /// Rich or card content the workbench shows as text.
    Other,
}

impl MessageKind {
    pub fn from_sobot_msg_type(code: i64) -> MessageKind {
        match code {
            0 | 3 | 4 | 5 | 7 => MessageKind::Text,
            1 => MessageKind::Image,
            2 => MessageKind::Voice,
            // 18 (mp4) sits inside the file range (12–21) but is shown as a video.
            6 | 18 | 23 => MessageKind::Video,
            12..=21 => MessageKind::File,
            _ => MessageKind::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Voice => "voice",
            MessageKind::File => "file",
            MessageKind::Video => "video",
            MessageKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> MessageKind {
        match text {
            "text" => MessageKind::Text,
            "image" => MessageKind::Image,
            "voice" => MessageKind::Voice,
            "file" => MessageKind::File,
            "video" => MessageKind::Video,
            _ => MessageKind::Other,
        }
    }
}

/// Why the platform did not deliver an outbound message, for the window to say in the agent's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryFailure {
    /// A sensitive word (`200032`): stored hidden from the customer.
    SensitiveWord,
    /// The session had ended.
    SessionEnded,
    /// Any other refusal; the error text has the platform's code and words.
    Refused,
}

impl DeliveryFailure {
    /// The failure a platform return code means.
    pub fn from_platform_code(code: &str) -> DeliveryFailure {
        match code {
            "200032" => DeliveryFailure::SensitiveWord,
            "200003" => DeliveryFailure::SessionEnded,
            _ => DeliveryFailure::Refused,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Queued in the durable outbox; not yet accepted by the platform.
    Pending,
    /// Accepted by the platform (inbound messages are always `Sent`).
    Sent,
    /// The platform refused it (a sensitive word, an ended session, …): the customer did not get
    /// it. The agent may edit it or try again.
    Failed,
    /// Sent, but no answer said whether the platform stored it (a timeout, a lost connection).
    /// AgentDesk looks for it in the session's history before it would ever send it again.
    Unknown,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> DeliveryStatus {
        match text {
            "pending" => DeliveryStatus::Pending,
            "failed" => DeliveryStatus::Failed,
            "unknown" => DeliveryStatus::Unknown,
            _ => DeliveryStatus::Sent,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Message {
    pub session_id: String,
    /// The platform's message id (`msgId`); `None` until the platform confirmed an outbound message.
    pub msg_id: Option<String>,
    /// AgentDesk's own id for an outbound message (the outbox key). It never leaves this machine:
    /// Sobot has no field for it.
    pub client_msg_id: Option<String>,
    pub direction: Direction,
    pub kind: MessageKind,
    /// Text, or for media the platform's URL. Always data, never markup.
    pub content: String,
    pub sender_name: String,
    /// The platform's time of the message (what orders a session's messages); for an outbound
    /// message not confirmed yet, when the agent wrote it.
    #[ts(type = "number")]
    pub sent_at_ms: UnixMillis,
    pub status: DeliveryStatus,
    /// A customer's voice message read as text (or why it could not be), once it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub transcript: Option<Transcript>,
}

impl Message {
    /// What the message says in words: a text's content, a voice message's transcript; `None` for
    /// pictures, files and voice not (yet) read. What the knowledge suggestions, the mood judge and
    /// the assistant read, so a spoken question counts as a typed one.
    pub fn said(&self) -> Option<&str> {
        let words = match self.kind {
            MessageKind::Text => self.content.as_str(),
            MessageKind::Voice => self.transcript.as_ref()?.text.as_str(),
            _ => return None,
        };
        Some(words).filter(|w| !w.trim().is_empty())
    }
}

/// A voice message read as text: the words, or why there are none (the audio stays playable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Transcript {
    pub text: String,
    pub problem: Option<TranscriptProblem>,
}

/// Why a voice message has no words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptProblem {
    /// Longer than the recognition takes (60 s).
    TooLong,
    /// A format the recognition (or AgentDesk's conversion) does not read.
    Unsupported,
    /// The audio could not be fetched from the platform.
    NotFetched,
    /// The speech service refused or could not be reached.
    ServiceFailed,
    /// The recognition heard no speech.
    NoSpeech,
}

impl TranscriptProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptProblem::TooLong => "too_long",
            TranscriptProblem::Unsupported => "unsupported",
            TranscriptProblem::NotFetched => "not_fetched",
            TranscriptProblem::ServiceFailed => "service_failed",
            TranscriptProblem::NoSpeech => "no_speech",
        }
    }

    pub fn parse(text: &str) -> Option<TranscriptProblem> {
        Some(match text {
            "too_long" => TranscriptProblem::TooLong,
            "unsupported" => TranscriptProblem::Unsupported,
            "not_fetched" => TranscriptProblem::NotFetched,
            "service_failed" => TranscriptProblem::ServiceFailed,
            "no_speech" => TranscriptProblem::NoSpeech,
            _ => return None,
        })
    }
}
