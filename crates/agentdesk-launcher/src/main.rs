//! The Windows installer's `agentdesk-cli.exe` and `agentdesk-sandbox.exe`: copies of this small
//! console program, which runs `agentdesk.exe` beside it as the tool its own name says
//! (`agentdesk.exe --as agentdesk-cli ARGS…`), so that an install holds one copy of the engine.
//! Windows cannot start a program under another name the way a Linux link does, and the app is a
//! window program, which a console would neither wait for nor show the output of; this one is a
//! console program, so `cmd`, PowerShell and IT's scripts wait for it, and its console, standard
//! streams and exit code pass through. Standard library only: the copies stay small.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The tools the app's program can run, by the name this program was installed under.
const TOOLS: [&str; 2] = ["agentdesk-cli", "agentdesk-sandbox"];

fn main() -> ExitCode {
    let own_path = match std::env::current_exe() {
        Ok(path) => path,
        Err(error) => {
            eprintln!("error: cannot find this program's own path: {error}");
            return ExitCode::from(1);
        }
    };
    let Some(tool) = tool_named(&own_path) else {
        eprintln!(
            "error: this launcher runs AgentDesk's tools by its own name ({}), not as {}. Reinstall AgentDesk.",
            TOOLS.join(", "),
            own_path.display()
        );
        return ExitCode::from(2);
    };
    let app = app_beside(&own_path);
    ignore_ctrl_c();
    match Command::new(&app)
        .arg("--as")
        .arg(tool)
        .args(std::env::args_os().skip(1))
        .status()
    {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(code.clamp(0, 255) as u8),
            None => ExitCode::from(1),
        },
        Err(error) => {
            eprintln!(
                "error: cannot start {} ({error}). Reinstall AgentDesk.",
                app.display()
            );
            ExitCode::from(1)
        }
    }
}

/// The tool this copy stands for: its file name without `.exe`, if it is one of `TOOLS`.
fn tool_named(own_path: &Path) -> Option<&'static str> {
    let stem = own_path.file_stem()?.to_str()?.to_ascii_lowercase();
    TOOLS.into_iter().find(|tool| *tool == stem)
}

/// The app's program in the same folder.
fn app_beside(own_path: &Path) -> PathBuf {
    let name: OsString = if cfg!(windows) {
        "agentdesk.exe".into()
    } else {
        "agentdesk".into()
    };
    own_path.with_file_name(name)
}

/// Ctrl+C reaches every program on the console, the app's among them (it attaches to this
/// console): this one waits for the app to stop and passes on its exit code instead of ending first.
#[cfg(windows)]
fn ignore_ctrl_c() {
    #[link(name = "kernel32")]
    extern "system" {
        fn SetConsoleCtrlHandler(
            handler: Option<unsafe extern "system" fn(u32) -> i32>,
            add: i32,
        ) -> i32;
    }
    // SAFETY: a null handler with `add` true only sets this process to ignore Ctrl+C.
    unsafe {
        SetConsoleCtrlHandler(None, 1);
    }
}

#[cfg(not(windows))]
fn ignore_ctrl_c() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tool_is_the_program_s_own_name_in_any_case() {
        assert_eq!(
            tool_named(Path::new("C:/Program Files/AgentDesk/agentdesk-cli.exe")),
            Some("agentdesk-cli")
        );
        assert_eq!(
            tool_named(Path::new("/opt/agentdesk/AgentDesk-Sandbox.EXE")),
            Some("agentdesk-sandbox")
        );
        assert_eq!(
            tool_named(Path::new("/opt/agentdesk/agentdesk-launcher")),
            None
        );
        assert_eq!(tool_named(Path::new("/opt/agentdesk/agentdesk.exe")), None);
    }

    #[test]
    fn the_app_is_looked_for_in_the_launcher_s_folder() {
        let app = app_beside(Path::new("/opt/agentdesk/agentdesk-cli"));
        assert_eq!(app.parent(), Some(Path::new("/opt/agentdesk")));
        assert!(app.file_stem().is_some_and(|stem| stem == "agentdesk"));
    }
}
