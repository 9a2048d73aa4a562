//! Running `agentdesk-cli` as a provisioning script would: one subcommand, secrets on stdin, a
//! configuration directory and a keychain service of the test's own.

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub struct Cli {
    /// `account` or `connector`.
    pub subcommand: &'static str,
    pub config_dir: tempfile::TempDir,
    pub service: String,
}

impl Cli {
    pub fn new(subcommand: &'static str) -> Cli {
        Cli {
            subcommand,
            config_dir: tempfile::tempdir().unwrap(),
            service: format!("agentdesk-test-{}", uuid::Uuid::new_v4()),
        }
    }

    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentdesk-cli"))
            .arg(self.subcommand)
            .args(args)
            .env("AGENTDESK_CONFIG_DIR", self.config_dir.path())
            .env("AGENTDESK_KEYCHAIN_SERVICE", &self.service)
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
}

/// Everything the command printed, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
