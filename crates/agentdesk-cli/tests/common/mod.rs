//! Running `agentdesk-cli` as a script would: arguments, stdin, and for the provisioning commands a
//! configuration directory and a keychain service of the test's own.

use std::io::Write;
use std::process::{Command, Output, Stdio};

#[allow(dead_code)] // not every test file uses both runners
pub struct Cli {
    /// `account` or `connector`.
    pub subcommand: &'static str,
    pub config_dir: tempfile::TempDir,
    pub service: String,
}

#[allow(dead_code)]
impl Cli {
    pub fn new(subcommand: &'static str) -> Cli {
        Cli {
            subcommand,
            config_dir: tempfile::tempdir().unwrap(),
            service: format!("agentdesk-test-{}", uuid::Uuid::new_v4()),
        }
    }

    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        feed(self.command(args), stdin)
    }

    /// The command `run` would run, for a test that must hold the process (to kill it).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agentdesk-cli"));
        command
            .arg(self.subcommand)
            .args(args)
            .env("AGENTDESK_CONFIG_DIR", self.config_dir.path())
            .env("AGENTDESK_KEYCHAIN_SERVICE", &self.service);
        command
    }
}

/// Runs `agentdesk-cli ARGS` with `stdin` (commands that need no configuration).
#[allow(dead_code)] // not every test file uses both runners
pub fn run(args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentdesk-cli"));
    command.args(args);
    feed(command, stdin)
}

fn feed(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Everything the command printed, for assertion messages.
#[allow(dead_code)]
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The first line the command printed, as JSON (the documented output of the JSON commands).
pub fn json_line(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(output)))
}
