//! The API crate's integration tests: the workbench against the embedded sandbox, on real SQLite files.
//! One test program for the crate (one link instead of one per file); each file is a module.

mod accounts;
mod assistant;
mod common;
mod connectors;
mod customer;
mod dashboard;
mod demo;
mod encryption;
mod full_disk;
mod knowledge;
mod payments;
mod supervisor;
mod tenants;
mod tickets;
mod voice;
mod write_backs;
