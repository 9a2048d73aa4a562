//! The Windows installer's `agentdesk-cli.exe` and `agentdesk-sandbox.exe`: copies of this small
//! console program, which runs `agentdesk.exe` beside it as the tool its own name says
//! (`agentdesk.exe --as agentdesk-cli ARGS…`), so that an install holds one copy of the engine.
//! Windows cannot start a program under another name the way a Linux link does, and the app is a
//! window program, which a console would neither wait for nor show the output of; this one is a
//! console program, so `cmd`, PowerShell and IT's scripts wait for it, and its console, standard
//! streams and exit code pass through, and the tool ends with it (a job object), as a program of its
//! own would when Task Manager or a script ends it. Standard library and Win32 bindings only: the
//! copies stay small.

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
    let mut child = match Command::new(&app)
        .arg("--as")
        .arg(tool)
        .args(std::env::args_os().skip(1))
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            eprintln!(
                "error: cannot start {} ({error}). Reinstall AgentDesk.",
                app.display()
            );
            return ExitCode::from(1);
        }
    };
    let _ends_with_launcher = end_with_launcher(&child);
    match child.wait() {
        // The whole code, as Windows has it (a program that could not start ends with an NTSTATUS
        // such as 0xC0000135, which must not read as success).
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(error) => {
            eprintln!("error: lost track of {} ({error})", app.display());
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
#[allow(unsafe_code)]
fn ignore_ctrl_c() {
    use windows_sys::Win32::System::Console::SetConsoleCtrlHandler;
    // SAFETY: no handler with `add` true only sets this process to ignore Ctrl+C.
    unsafe {
        SetConsoleCtrlHandler(None, 1);
    }
}

#[cfg(not(windows))]
fn ignore_ctrl_c() {}

/// Puts `child` in a job that ends it when this launcher ends, however that happens (the job's one
/// handle closes with the process). Without it, ending `agentdesk-sandbox.exe` would leave the
/// sandbox running. The job lives as long as the returned handle.
#[cfg(windows)]
#[allow(unsafe_code)]
fn end_with_launcher(
    child: &std::process::Child,
) -> Option<windows_sys::Win32::Foundation::HANDLE> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation,
        SetInformationJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    };
    // SAFETY: plain Win32 calls on a job this function creates and the child's own handle; the
    // limit structure is zeroed (valid for every field) and passed with its exact size.
    unsafe {
        let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
        if job.is_null() {
            return None;
        }
        let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        let set = SetInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            (&limits as *const JOBOBJECT_EXTENDED_LIMIT_INFORMATION).cast(),
            std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        );
        if set == 0 || AssignProcessToJobObject(job, child.as_raw_handle() as _) == 0 {
            return None;
        }
        Some(job)
    }
}

/// Elsewhere the launcher is not installed (links run the app directly).
#[cfg(not(windows))]
fn end_with_launcher(_child: &std::process::Child) -> Option<()> {
    None
}

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
