//! Turning a source's outcome (or the cache) into a card.

use agentdesk_connectors::fanout::SourceOutcome;
use agentdesk_workspace::Kept;
use ts_rs::TS;

use crate::view::{Card, CardState};

pub(crate) fn card<T: TS>(state: CardState, value: Option<T>, as_of_ms: Option<i64>) -> Card<T> {
    Card {
        state,
        value,
        as_of_ms,
        error: None,
        retry_in_ms: None,
    }
}

/// A card drawn from the cache (empty when nothing was ever fetched).
pub(crate) fn cached_card<T: TS>(kept: Kept<T>) -> Card<T> {
    let as_of_ms = kept.as_ref().map(|(_, at)| *at);
    card(CardState::Cached, kept.map(|(v, _)| v), as_of_ms)
}

/// A card from a source's outcome fetched at `now_ms`, falling back to the kept value on failure.
pub(crate) fn outcome_card<T: TS>(
    outcome: SourceOutcome<T>,
    kept: Kept<T>,
    now_ms: i64,
) -> Card<T> {
    let (error, retry_in_ms) = match outcome {
        SourceOutcome::Ok { value, .. } => {
            return card(CardState::Fresh, Some(value), Some(now_ms))
        }
        SourceOutcome::Failed { error, retry_in_ms } => (error, retry_in_ms),
        SourceOutcome::Skipped { retry_in_ms } => (
            "paused after repeated failures".to_string(),
            Some(retry_in_ms),
        ),
    };
    Card {
        state: CardState::Failed,
        as_of_ms: kept.as_ref().map(|(_, at)| *at),
        value: kept.map(|(v, _)| v),
        error: Some(error),
        retry_in_ms,
    }
}

/// Transforms a successful outcome's value (and keeps failures as they are).
pub(crate) fn map_outcome<A, B>(
    outcome: SourceOutcome<A>,
    f: impl FnOnce(A) -> B,
) -> SourceOutcome<B> {
    match outcome {
        SourceOutcome::Ok { value, took } => SourceOutcome::Ok {
            value: f(value),
            took,
        },
        SourceOutcome::Failed { error, retry_in_ms } => {
            SourceOutcome::Failed { error, retry_in_ms }
        }
        SourceOutcome::Skipped { retry_in_ms } => SourceOutcome::Skipped { retry_in_ms },
    }
}
