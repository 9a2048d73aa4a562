//! Follows every session's mood as its customer writes, so the session list can warn about any of
//! them and the agent is told once when a customer crosses the warning threshold, not on every
//! angry line after that. Only changes to what the window shows are sent.

use std::collections::HashMap;

use agentdesk_domain::{Direction, DomainEvent};
use serde::Serialize;
use ts_rs::TS;

use crate::SessionMood;

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

/// What the window shows of a session's mood: whether it warns, and when it does, the risk in whole
/// percent and the cues.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    warn: bool,
    percent: u8,
    cues: Vec<String>,
}

impl Shown {
    fn of(mood: &SessionMood) -> Shown {
        if mood.warn {
            Shown {
                warn: true,
                percent: (mood.risk * 100.0).round() as u8,
                cues: mood.cues.clone(),
            }
        } else {
            // A calm session shows nothing, whatever its exact risk.
            Shown {
                warn: false,
                percent: 0,
                cues: Vec::new(),
            }
        }
    }
}

/// What the window shows of each session, to send only changes (a busy queue of calm customers
/// sends nothing) and to tell a crossing from a session that stays upset.
#[derive(Debug, Default)]
pub struct MoodWatch {
    shown: HashMap<String, Shown>,
}

impl MoodWatch {
    pub fn new() -> MoodWatch {
        MoodWatch::default()
    }

    /// The session whose mood `event` asks to judge (a customer's message), if any; a session that
    /// ended is forgotten here.
    pub fn to_judge<'a>(&mut self, event: &'a DomainEvent) -> Option<&'a str> {
        match event {
            DomainEvent::MessageStored { message } if message.direction == Direction::In => {
                Some(&message.session_id)
            }
            DomainEvent::SessionEnded { session_id } => {
                self.shown.remove(session_id);
                None
            }
            _ => None,
        }
    }

    /// A session's new mood, judged after its customer's message: what it changed in the window
    /// (nothing when the window would show the same).
    pub fn judged(&mut self, workspace: u64, mood: SessionMood) -> Option<MoodChange> {
        let shown = Shown::of(&mood);
        // Never judged before counts as calm: that is what the window assumes.
        let before = self
            .shown
            .insert(mood.session_id.clone(), shown.clone())
            .unwrap_or_else(|| Shown::of(&SessionMood::calm(&mood.session_id)));
        if before == shown {
            return None;
        }
        Some(MoodChange {
            crossed: shown.warn && !before.warn,
            event: MoodEvent { workspace, mood },
        })
    }
}
