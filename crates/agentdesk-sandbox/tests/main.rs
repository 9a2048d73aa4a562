//! The sandbox's integration tests: its protocols over loopback, read as raw answers and through the real clients.
//! One test program for the crate (one link instead of one per file); each file is a module.

mod customer_records;
mod forms;
mod golden;
mod logistics;
mod protocol;
mod push_client;
mod qiyu_crm;
mod rest_connector;
mod tenant_api;
