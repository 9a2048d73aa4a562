//! The `agentdesk` binary: the workbench window, and the install's tools when started as one
//! (`agentdesk-cli`, `agentdesk-sandbox`: see `multicall`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some((tool, tool_args)) = agentdesk::multicall::tool_invocation(&args) {
        agentdesk::multicall::run_tool(tool, tool_args);
    }
    agentdesk::run();
}
