//! AgentDesk's domain: what a session, a message and an event are, independent of any platform,
//! storage or UI. Everything here is plain data and pure functions, so every other crate can share
//! it and the UI can be generated from it.

pub mod clock;
pub mod event;
pub mod limits;
pub mod message;
pub mod pii;
pub mod secret;
pub mod session;

pub use clock::{system_clock, Clock, ManualClock, Millis, SharedClock, SystemClock};
pub use event::{ConnectionState, DomainEvent};
pub use message::{
    DeliveryFailure, DeliveryStatus, Direction, Message, MessageKind, Transcript, TranscriptProblem,
};
pub use pii::mask_pii;
pub use secret::Secret;
pub use session::{Channel, Session, SessionState};

/// Milliseconds since the Unix epoch. Passed in explicitly by callers (never read from the clock
/// inside domain logic) so the logic stays testable.
pub type UnixMillis = i64;
