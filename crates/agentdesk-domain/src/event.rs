//! The domain event stream: everything the UI (or a test, or the CLI) needs to follow the agent's
//! workload live. Emitted only after the change is committed to the local database, so a consumer
//! that re-reads the store after an event always finds what the event announced.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{DeliveryFailure, DeliveryStatus, Message, Session, Transcript};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ConnectionState {
    Connecting,
    Connected,
    /// Lost; the next attempt starts in `retry_in_ms`.
    Reconnecting {
        attempt: u32,
        #[ts(type = "number")]
        retry_in_ms: u64,
    },
    /// Another login took over this agent account, or the agent logged out: no automatic reconnect.
    Offline {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum DomainEvent {
    SessionOpened {
        session: Session,
    },
    SessionEnded {
        session_id: String,
    },
    MessageStored {
        message: Message,
    },
    MessageStatusChanged {
        session_id: String,
        client_msg_id: String,
        status: DeliveryStatus,
        msg_id: Option<String>,
        /// The details, in the platform's or the system's words (for a tooltip and the logs).
        error: Option<String>,
        /// Why a `Failed` message was not delivered, for the window to say in the agent's language.
        failure: Option<DeliveryFailure>,
    },
    /// A customer's voice message was read as text (or could not be): its transcript is stored.
    MessageTranscribed {
        session_id: String,
        msg_id: String,
        transcript: Transcript,
    },
    /// A session was caught up from the platform's history: messages were added or moved to the
    /// platform's exact times. A window showing it reads its messages again.
    SessionCaughtUp {
        session_id: String,
    },
    VisitorTyping {
        session_id: String,
    },
    SessionRated {
        session_id: String,
        score: u8,
    },
    QueueChanged {
        #[ts(type = "number")]
        waiting: u64,
    },
    ConnectionChanged {
        state: ConnectionState,
    },
    /// Whether the local database takes writes: `problem` says why not (a full disk, a read-only
    /// data directory) and is `None` once writes succeed again. What is stored stays readable.
    StorageChanged {
        problem: Option<String>,
    },
}

impl DomainEvent {
    /// The event with personal data in customer text masked, for logs and default displays.
    pub fn with_personal_data_masked(&self) -> DomainEvent {
        let mut event = self.clone();
        match &mut event {
            DomainEvent::MessageStored { message } => {
                message.content = crate::mask_pii(&message.content).into_owned();
                if let Some(transcript) = &mut message.transcript {
                    transcript.text = crate::mask_pii(&transcript.text).into_owned();
                }
            }
            DomainEvent::MessageTranscribed { transcript, .. } => {
                transcript.text = crate::mask_pii(&transcript.text).into_owned();
            }
            _ => {}
        }
        event
    }
}
