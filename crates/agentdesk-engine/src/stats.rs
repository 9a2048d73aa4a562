//! An engine's figures: what it received, stored, sent and caught up, and how fast a push reached
//! the window.

use serde::Serialize;

use crate::latency::LatencyHistogram;

#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineStats {
    pub pushes_received: u64,
    pub messages_stored: u64,
    pub duplicates_dropped: u64,
    /// Sessions read from the platform's records (`queryHistoryRecords`).
    pub catch_ups: u64,
    /// Catch-ups due or running, and reception lists asked for: what may still change what is
    /// stored without anything new from the platform (0 once all that is known is settled; counted
    /// after each commit).
    pub catch_ups_pending: u64,
    pub connects: u64,
    pub disconnects: u64,
    pub malformed_frames: u64,
    pub sends_accepted: u64,
    pub sends_postponed: u64,
    pub sends_failed: u64,
    /// Sends that got no answer...
    pub sends_unknown: u64,
    /// ...then found in the session's records (stored after all)...
    pub sends_found_in_history: u64,
    /// ...or not found there, and so sent again.
    pub sends_resent_after_check: u64,
    pub commit_failures: u64,
    /// From push frame read to event emitted, for new messages.
    pub push_to_event: LatencyHistogram,
}
