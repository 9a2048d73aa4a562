//! Fault injection, set through `POST /__sandbox/faults`. Random choices come from the world's
//! seeded RNG, so a run with the same seed and the same calls injects the same faults.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every platform call (not to `/__sandbox/`).
    pub latency_ms: u64,
    /// Fraction (0–1) of platform calls answered with an HTTP error.
    pub error_rate: f64,
    /// The HTTP status of injected errors: 500, 502, 503 or 429.
    pub error_status: Option<u16>,
    /// When injected errors happen: `Some(true)` always after the handler ran (the platform did the
    /// work, the answer was lost), `Some(false)` always before it, `None` half and half.
    pub errors_after_handler: Option<bool>,
    /// When not empty, latency and errors are injected only into calls whose path ends with one of
    /// these (e.g. `"/send"`: replies fail while everything else works; `"/get_order"`: one slow
    /// source).
    pub only_paths: Vec<String>,
    /// Faults of their own for single sources, by path suffix (e.g. `"/oms/v1/orders"`: the order
    /// system hangs while `"/poll/query.do"` fails): a call whose path ends with a key (or, for a
    /// key ending with `/`, lies under it) gets that entry's latency and errors instead of the ones
    /// above.
    pub sources: std::collections::BTreeMap<String, SourceFaults>,
    /// Fraction (0–1) of pushes after which the agent's socket is closed.
    pub drop_socket_rate: f64,
    /// Fraction (0–1) of pushes sent twice.
    pub duplicate_push_rate: f64,
    /// Fraction (0–1) of pushes held back and sent after the next one.
    pub reorder_push_rate: f64,
    /// When set in a request: every token and agent login is invalidated now (one-shot).
    pub expire_tokens: bool,
    /// Lifetime of newly issued tokens, in seconds (default 86400, as documented).
    pub token_lifetime_secs: Option<u64>,
    /// Sessions whose agent sends are slow, by cid: a `send` for that session is answered this many
    /// milliseconds later than the others (one customer's conversation on a struggling shard).
    pub slow_sessions: std::collections::BTreeMap<String, u64>,
    /// The model provider's own faults (`/v1/chat/completions`).
    pub llm: LlmFaults,
}

/// Whether the `sources` key `key` names `path`: a path ending with it, or for a key ending with
/// `/` (`"/oms/v1/service-notes/"`) any path under it (a resource's calls each name their own id).
fn source_matches(key: &str, path: &str) -> bool {
    path.ends_with(key) || (key.ends_with('/') && path.contains(key))
}

/// One source's faults (see `Faults::sources`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SourceFaults {
    pub latency_ms: u64,
    pub error_rate: f64,
    pub error_status: Option<u16>,
    /// Answers 200 with a body that is not the API's (an HTML error page from a proxy).
    pub garbage: bool,
}

impl Faults {
    /// The latency, error rate and error status that apply to a call to `path`.
    pub fn for_path(&self, path: &str) -> (u64, f64, Option<u16>) {
        if let Some(own) = self
            .sources
            .iter()
            .find(|(key, _)| source_matches(key, path))
            .map(|(_, faults)| faults)
        {
            return (own.latency_ms, own.error_rate, own.error_status);
        }
        let targeted =
            self.only_paths.is_empty() || self.only_paths.iter().any(|p| path.ends_with(p));
        if targeted {
            (self.latency_ms, self.error_rate, self.error_status)
        } else {
            (0, 0.0, None)
        }
    }

    /// How much later an agent's `send` in session `cid` is answered (see `slow_sessions`).
    pub fn send_delay_ms(&self, cid: &str) -> u64 {
        self.slow_sessions.get(cid).copied().unwrap_or(0)
    }

    /// Whether a call to `path` is answered with garbage (see `SourceFaults::garbage`).
    pub fn garbage_for(&self, path: &str) -> bool {
        self.sources
            .iter()
            .any(|(key, faults)| faults.garbage && source_matches(key, path))
    }

    pub fn validate(&self) -> Result<(), String> {
        self.llm.validate()?;
        for (path, own) in &self.sources {
            let as_whole = Faults {
                latency_ms: own.latency_ms,
                error_rate: own.error_rate,
                error_status: own.error_status,
                ..Faults::default()
            };
            as_whole
                .validate()
                .map_err(|e| format!("sources[{path:?}]: {e}"))?;
        }
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("drop_socket_rate", self.drop_socket_rate),
            ("duplicate_push_rate", self.duplicate_push_rate),
            ("reorder_push_rate", self.reorder_push_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if let Some(status) = self.error_status {
            if ![429, 500, 502, 503, 504].contains(&status) {
                return Err(format!(
                    "error_status must be 429, 500, 502, 503 or 504, got {status}"
                ));
            }
        }
        if self.latency_ms > 30_000 {
            return Err("latency_ms must be at most 30000".into());
        }
        if let Some((cid, ms)) = self.slow_sessions.iter().find(|(_, ms)| **ms > 30_000) {
            return Err(format!(
                "slow_sessions[{cid:?}] must be at most 30000 ms, got {ms}"
            ));
        }
        Ok(())
    }
}

/// The model provider's faults (`Faults::llm`, applied by `llm`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LlmFaults {
    /// Before the first token (or the whole answer), in milliseconds.
    pub first_token_delay_ms: u64,
    /// Between two pieces of a streamed answer (default 15 ms, so the demo visibly streams).
    pub token_delay_ms: Option<u64>,
    /// The connection is broken after this many pieces of the answer.
    pub cut_after_tokens: Option<u32>,
    /// Answer with this HTTP status instead (400, 401, 403, 404, 429, 500, 502, 503).
    pub status: Option<u16>,
    /// With status 429: the Retry-After header, in seconds.
    pub retry_after_secs: Option<u64>,
    /// 200 with an HTML page instead of a completion (a proxy's error page).
    pub garbage: bool,
    /// 400 with a content-moderation refusal (as DashScope's data_inspection_failed).
    pub refuse: bool,
    /// The status, garbage, refusal or cut apply to this many requests, then stop (none: all).
    pub times: Option<u32>,
}

impl LlmFaults {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(status) = self.status {
            if ![400, 401, 403, 404, 429, 500, 502, 503].contains(&status) {
                return Err(format!(
                    "llm.status must be 400, 401, 403, 404, 429, 500, 502 or 503, got {status}"
                ));
            }
        }
        if self.first_token_delay_ms > 120_000 || self.token_delay_ms.unwrap_or(0) > 10_000 {
            return Err(
                "llm.first_token_delay_ms must be at most 120000 and llm.token_delay_ms at most 10000"
                    .into(),
            );
        }
        Ok(())
    }
}
