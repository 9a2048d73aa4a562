//! The CLI's integration tests: the built agentdesk-cli program run against a loopback sandbox.
//! One test program for the crate (one link instead of one per file); each file is a module.

mod account;
mod asr;
mod assist;
mod common;
mod connector;
mod kb;
mod pay;
mod sentiment;
mod soak;
mod ticket;
mod ticket_soak;
