//! The session engine: it turns the platform's push channel and session records into ordered,
//! de-duplicated, stored messages and a domain event stream, and turns the agent's replies into
//! durable outbox items that reach the customer once, through network loss, 5xx, token expiry and
//! killed processes, with only what Sobot offers (its `msgId`s, its times, its session records).
//!
//! Shape: one actor task owns all decisions (the `Sequencer`, session bookkeeping); one thread owns
//! the database writes (`StoreWriter`); the push connection and the outbox sender are their own tasks
//! and talk to the actor over channels. Events are emitted only after their batch has committed.

mod engine;
mod latency;
mod outbox;
mod writer;

pub use engine::{EngineConfig, EngineError, EngineHandle, EngineStats, SessionEngine};
pub use latency::LatencyHistogram;
