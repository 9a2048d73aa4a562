//! Answers of outside systems kept in the tenant's database (the 360° view's sources, the platform's
//! daily reports): read on the pool, written through the engine's single writer, each with the time
//! it was fetched, so a service can show it at once and decide when to ask again.

use agentdesk_domain::SharedClock;
use agentdesk_engine::EngineHandle;
use agentdesk_store::Write;
use serde::{de::DeserializeOwned, Serialize};

/// A kept answer and when it was fetched (ms, the workbench's clock).
pub type Kept<T> = Option<(T, i64)>;

pub struct AnswerCache {
    engine: EngineHandle,
    clock: SharedClock,
}

impl AnswerCache {
    pub(crate) fn new(engine: EngineHandle, clock: SharedClock) -> AnswerCache {
        AnswerCache { engine, clock }
    }

    /// The kept answer of `source` for `key` (none if never kept, unreadable, or of another shape).
    pub async fn get<T: DeserializeOwned + Send + 'static>(
        &self,
        source: &str,
        key: &str,
    ) -> Kept<T> {
        let (source, key) = (source.to_string(), key.to_string());
        let answer = self
            .engine
            .reads()
            .read(move |store| store.cached_answer(&source, &key))
            .await
            .ok()??;
        serde_json::from_str(&answer.body)
            .ok()
            .map(|value| (value, answer.fetched_at_ms))
    }

    /// Keeps an answer fetched now (best effort: an answer that could not be kept is only asked for
    /// again next time).
    pub fn put<T: Serialize>(&self, source: &str, key: &str, value: &T) {
        if let Ok(body) = serde_json::to_string(value) {
            self.engine.write_soon(vec![Write::CacheAnswer {
                source: source.to_string(),
                key: key.to_string(),
                body,
                fetched_at_ms: self.clock.now().as_i64(),
            }]);
        }
    }

    /// Waits until every answer put so far is in the database (the writer takes writes in the order
    /// they were handed over, so an empty batch answered means the ones before it are committed).
    pub async fn settled(&self) {
        if let Err(error) = self.engine.write(Vec::new()).await {
            tracing::debug!(%error, "the kept answers could not be waited for");
        }
    }

    /// Whether a kept answer is younger than `ttl_ms`.
    pub fn fresh<T>(&self, kept: &Kept<T>, ttl_ms: i64) -> bool {
        let now = self.clock.now().as_i64();
        kept.as_ref().is_some_and(|(_, at)| now - at < ttl_ms)
    }
}
