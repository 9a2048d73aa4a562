//! Follows every session's mood as its customer writes, so the session list can warn about any of
//! them and the agent is told once when a customer crosses the warning threshold, not on every
//! angry line after that.

use std::collections::HashMap;

use agentdesk_domain::{Direction, DomainEvent};
use serde::Serialize;
use ts_rs::TS;

use crate::{ApiError, SessionMood, Workbench};

/// A session's new mood, for the UI (`workspace` as in `WorkbenchEvent`: a mood of a tenant the
/// workbench has since switched away from is dropped).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MoodEvent {
    #[ts(type = "number")]
    pub workspace: u64,
    pub mood: SessionMood,
}

/// What one customer message did to its session's mood.
#[derive(Debug, Clone, PartialEq)]
pub struct MoodChange {
    pub event: MoodEvent,
    /// The session was calm before this message and is warned about now.
    pub crossed: bool,
}

/// Which sessions are being warned about, to tell a crossing from a session that stays upset.
#[derive(Debug, Default)]
pub struct MoodWatch {
    warned: HashMap<String, bool>,
}

impl MoodWatch {
    pub fn new() -> MoodWatch {
        MoodWatch::default()
    }

    /// The mood after `event` when it is a customer's message (judged against `threshold`); a
    /// session that ended is forgotten.
    pub fn observe(
        &mut self,
        workbench: &Workbench,
        workspace: u64,
        event: &DomainEvent,
        threshold: f32,
    ) -> Result<Option<MoodChange>, ApiError> {
        match event {
            DomainEvent::MessageStored { message } if message.direction == Direction::In => {
                let mood = workbench.session_mood(&message.session_id, threshold)?;
                let was_warned = self
                    .warned
                    .insert(message.session_id.clone(), mood.warn)
                    .unwrap_or(false);
                Ok(Some(MoodChange {
                    crossed: mood.warn && !was_warned,
                    event: MoodEvent { workspace, mood },
                }))
            }
            DomainEvent::SessionEnded { session_id } => {
                self.warned.remove(session_id);
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}
