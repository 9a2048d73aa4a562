//! Command-line options and how the workspace starts: the account chosen in Settings, or demo mode
//! on the embedded sandbox (or the sandbox named by `--sandbox-url`, else `AGENTDESK_SANDBOX_URL`,
//! both read here once and handed to the workbench: nothing writes the environment).

use std::path::PathBuf;

use agentdesk_api::{AccountBook, ApiError, DemoOptions, Workbench, SANDBOX_URL_ENV};
use agentdesk_sandbox::SandboxConfig;

#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    pub sandbox_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// Simulated customers per minute on the embedded sandbox.
    pub visitors_per_minute: Option<f64>,
    /// Benchmarks only: a bare window on a blank page, no engine (the memory baseline).
    pub empty_window: bool,
    /// The API health alert window in seconds (default five minutes; tests shorten it so a
    /// recovery shows within a test's time).
    pub api_health_window_secs: Option<u64>,
}

impl LaunchOptions {
    /// `--sandbox-url URL` (else `AGENTDESK_SANDBOX_URL`), `--data-dir DIR`,
    /// `--visitors-per-minute R`, `--api-health-window-secs S`; unknown arguments are ignored (the
    /// single-instance plugin forwards a second launch's arguments here too).
    pub fn from_args(args: impl Iterator<Item = String>) -> LaunchOptions {
        let mut options = LaunchOptions::parse(args);
        options.sandbox_url = options
            .sandbox_url
            .or_else(|| std::env::var(SANDBOX_URL_ENV).ok())
            .filter(|url| !url.trim().is_empty());
        options
    }

    fn parse(args: impl Iterator<Item = String>) -> LaunchOptions {
        let mut options = LaunchOptions::default();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--sandbox-url" => options.sandbox_url = args.next(),
                "--data-dir" => options.data_dir = args.next().map(PathBuf::from),
                "--visitors-per-minute" => {
                    options.visitors_per_minute = args.next().and_then(|v| v.parse().ok())
                }
                "--api-health-window-secs" => {
                    options.api_health_window_secs = args
                        .next()
                        .and_then(|v| v.parse().ok())
                        .filter(|secs| (1..=3600).contains(secs))
                }
                _ => {}
            }
        }
        options
    }
}

/// The workbench: the account chosen in Settings (`active_account`), or demo mode when none is
/// chosen or `--sandbox-url` asks for a sandbox. If the chosen account cannot start (keychain locked,
/// key missing), AgentDesk starts in demo mode instead and returns the reason as a warning, so the
/// agent can reach Settings to fix it.
pub async fn start_workbench(
    options: &LaunchOptions,
    data_dir: PathBuf,
    accounts: &AccountBook,
    active_account: &str,
) -> Result<(Workbench, Option<ApiError>), ApiError> {
    let mut warning = None;
    if options.sandbox_url.is_none() && !active_account.is_empty() {
        match Workbench::start_account(data_dir.clone(), accounts, active_account).await {
            Ok(workbench) => return Ok((workbench, None)),
            Err(error) => {
                tracing::error!(%error, account = active_account, "the chosen account could not start; demo mode instead");
                warning = Some(error);
            }
        }
    }
    let config = SandboxConfig {
        visitors_per_minute: options.visitors_per_minute.unwrap_or(4.0),
        ..SandboxConfig::default()
    };
    let demo = DemoOptions::at(options.sandbox_url.clone(), config);
    Ok((Workbench::start_demo(data_dir, demo).await?, warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--sandbox-url` reaches the workbench as an argument: setting the process environment while
    /// the runtime's threads read it is undefined behaviour on Linux.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sandbox_named_on_the_command_line_is_used_without_touching_the_environment() {
        let sandbox = agentdesk_testkit::sandbox(None).await;
        let url = sandbox.info().base_url.clone();
        let options =
            LaunchOptions::from_args(["--sandbox-url".to_string(), url.clone()].into_iter());
        let config = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        let accounts = AccountBook::new(
            config.path(),
            agentdesk_secrets::Keychain::with_service("agentdesk-launch-test"),
        );
        let before = std::env::var_os(SANDBOX_URL_ENV);
        let (workbench, warning) =
            start_workbench(&options, data.path().to_path_buf(), &accounts, "")
                .await
                .unwrap();
        assert!(warning.is_none());
        assert_eq!(workbench.sandbox_url(), url);
        assert_eq!(
            std::env::var_os(SANDBOX_URL_ENV),
            before,
            "the environment is untouched"
        );
        workbench.shutdown().await;
        sandbox.shutdown().await;
    }
}
