//! One program for the whole install: the app's `agentdesk` also runs `agentdesk-cli` and
//! `agentdesk-sandbox`, so an install carries one copy of the engine instead of three. It runs as a
//! tool when started under the tool's name (the links the Linux packages install) or with
//! `--as TOOL` first (how the Windows installer's small launchers start it, since Windows cannot
//! start a program under another name). The tools' interfaces are theirs, unchanged.

use std::ffi::OsString;
use std::path::Path;

/// A tool of the install, run by this program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Cli,
    Sandbox,
}

impl Tool {
    const ALL: [Tool; 2] = [Tool::Cli, Tool::Sandbox];

    /// The tool's program name, as installed and as its `--version` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Cli => "agentdesk-cli",
            Tool::Sandbox => "agentdesk-sandbox",
        }
    }

    fn named(name: &str) -> Option<Tool> {
        Tool::ALL
            .into_iter()
            .find(|tool| name.eq_ignore_ascii_case(tool.name()))
    }
}

/// The tool this process was started as, with the arguments it gets (the first being the tool's
/// name, as a program's own are); `None`: the window.
pub fn tool_invocation(args: &[OsString]) -> Option<(Tool, Vec<OsString>)> {
    let by_name = args
        .first()
        .and_then(|program| Path::new(program).file_stem())
        .and_then(|stem| stem.to_str())
        .and_then(Tool::named);
    if let Some(tool) = by_name {
        let mut tool_args = vec![OsString::from(tool.name())];
        tool_args.extend(args.iter().skip(1).cloned());
        return Some((tool, tool_args));
    }
    if args.get(1).is_some_and(|flag| flag == "--as") {
        let tool = args
            .get(2)
            .and_then(|name| name.to_str())
            .and_then(Tool::named)?;
        let mut tool_args = vec![OsString::from(tool.name())];
        tool_args.extend(args.iter().skip(3).cloned());
        return Some((tool, tool_args));
    }
    None
}

/// Runs `tool` on `args` and exits with its code.
pub fn run_tool(tool: Tool, args: Vec<OsString>) -> ! {
    attach_to_parent_console();
    match tool {
        Tool::Cli => agentdesk_cli::main_with(
            args,
            vec![OsString::from("--as"), OsString::from(tool.name())],
        ),
        Tool::Sandbox => agentdesk_sandbox::program::main_with(args),
    }
}

/// The release app on Windows is a window program, which has no console of its own: as a tool it
/// joins its launcher's console, so that Ctrl+C reaches it and text it writes without redirection
/// shows there. (Redirected streams come through the handles it was started with.)
#[cfg(all(windows, not(debug_assertions)))]
#[allow(unsafe_code)]
fn attach_to_parent_console() {
    const ATTACH_PARENT_PROCESS: u32 = u32::MAX;
    #[link(name = "kernel32")]
    extern "system" {
        fn AttachConsole(process_id: u32) -> i32;
    }
    // SAFETY: plain Win32 call; failing (no parent console) leaves the process as it was.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}

#[cfg(not(all(windows, not(debug_assertions))))]
fn attach_to_parent_console() {}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_link_named_after_a_tool_runs_that_tool_with_every_argument() {
        assert_eq!(
            tool_invocation(&args(&["/usr/bin/agentdesk-cli", "account", "list"])),
            Some((Tool::Cli, args(&["agentdesk-cli", "account", "list"])))
        );
        assert_eq!(
            tool_invocation(&args(&["agentdesk-sandbox", "--listen", "127.0.0.1:0"])),
            Some((
                Tool::Sandbox,
                args(&["agentdesk-sandbox", "--listen", "127.0.0.1:0"])
            ))
        );
    }

    #[test]
    fn as_tool_runs_the_tool_with_the_arguments_after_its_name() {
        assert_eq!(
            tool_invocation(&args(&[
                "C:/AgentDesk/agentdesk.exe",
                "--as",
                "agentdesk-cli",
                "--version"
            ])),
            Some((Tool::Cli, args(&["agentdesk-cli", "--version"])))
        );
        assert_eq!(
            tool_invocation(&args(&["agentdesk", "--as", "AGENTDESK-SANDBOX"])),
            Some((Tool::Sandbox, args(&["agentdesk-sandbox"])))
        );
    }

    #[test]
    fn the_app_s_own_arguments_and_unknown_tools_open_the_window() {
        assert_eq!(tool_invocation(&args(&["/usr/bin/agentdesk"])), None);
        assert_eq!(
            tool_invocation(&args(&["agentdesk", "--empty-window"])),
            None
        );
        assert_eq!(tool_invocation(&args(&["agentdesk", "--as", "bash"])), None);
        assert_eq!(tool_invocation(&args(&["agentdesk", "--as"])), None);
        assert_eq!(tool_invocation(&[]), None);
    }
}
