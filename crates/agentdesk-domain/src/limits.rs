//! The limits both sides of the window keep: the core refuses what is over them, and the window
//! stops the agent before that (its copy is generated from `Limits::SHARED` into
//! `ui/src/backend/bindings.ts`, so the two never drift).

use serde::Serialize;
use ts_rs::TS;

/// Longest reply text an agent can send, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Largest image an agent can send (pasted or chosen), in bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// The image types an agent can send (and the window shows).
pub const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
/// Largest image a customer's message links to that the window fetches and shows, in bytes (a
/// customer's phone photo can be larger than what an agent sends).
pub const MAX_SHOWN_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Longest service summary the platform keeps, in characters.
pub const MAX_SUMMARY_CHARS: usize = 2_000;
/// Longest note about a customer, in characters: a page of text, far beyond what an agent types,
/// short of anything pasted by mistake (a log, a whole conversation).
pub const MAX_NOTE_CHARS: usize = 20_000;

/// The limits the window needs, as one value.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Limits {
    pub max_text_chars: usize,
    pub max_image_bytes: usize,
    pub image_types: [&'static str; 4],
    pub max_shown_image_bytes: usize,
    pub max_summary_chars: usize,
    pub max_note_chars: usize,
}

impl Limits {
    pub const SHARED: Limits = Limits {
        max_text_chars: MAX_TEXT_CHARS,
        max_image_bytes: MAX_IMAGE_BYTES,
        image_types: IMAGE_TYPES,
        max_shown_image_bytes: MAX_SHOWN_IMAGE_BYTES,
        max_summary_chars: MAX_SUMMARY_CHARS,
        max_note_chars: MAX_NOTE_CHARS,
    };
}
