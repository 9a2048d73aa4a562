//! What the window is told about in-app updates (the shell's updater does the work: Tauri's
//! updater plugin, a minisign-signed feed). One type, so the window and the CLI read the same words.

use serde::Serialize;
use ts_rs::TS;

/// Why this install never checks for updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UpdatesOff {
    /// The build has no update feed or no public key (a development build).
    NotConfigured,
    /// IT's provisioning file turned updates off (`[updates] enabled = false`).
    TurnedOffByIt,
}

/// The updater's state, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateStatus {
    Off {
        reason: UpdatesOff,
    },
    /// Checked; this is the newest version (or the check is still to come).
    UpToDate,
    /// Downloaded and its signature verified; installs when AgentDesk restarts.
    Ready {
        version: String,
        notes: Option<String>,
    },
    /// The update's signature did not verify against the public key this build trusts: it was
    /// thrown away and will not be installed.
    Refused {
        version: String,
        reason: String,
    },
    /// The feed or the download could not be reached; checked again later.
    CheckFailed {
        reason: String,
    },
}
