//! The `agentdesk` binary: the workbench window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    agentdesk::run();
}
