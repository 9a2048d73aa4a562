//! The session engine: it turns the platform's push channel and session records into ordered,
//! de-duplicated, stored messages and a domain event stream, and turns the agent's replies into
//! durable outbox items that reach the customer once, through network loss, 5xx, token expiry and
//! killed processes, with only what Sobot offers (its `msgId`s, its times, its session records).
//!
//! Shape: one actor task owns all decisions (`actor`: session bookkeeping, ordering, catch-up, the
//! sends' outcomes); one thread owns the database writes (`writer`); the push connection and the
//! outbox sender are their own tasks and talk to the actor over channels; readers share a pool of
//! read-only connections. Events are emitted only after their batch has committed. `handle` is what
//! the rest of AgentDesk holds.

mod actor;
mod config;
mod error;
mod handle;
mod latency;
mod outbox;
mod stats;
mod writer;

pub use actor::EXACT_TIMES_AFTER;
pub use config::EngineConfig;
pub use error::EngineError;
pub use handle::{EngineHandle, SessionEngine};
pub use latency::LatencyHistogram;
pub use stats::EngineStats;
