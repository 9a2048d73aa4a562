//! The store's integration tests, on real SQLite files.
//! One test program for the crate (one link instead of one per file); each file is a module.

mod encryption;
mod tables;
