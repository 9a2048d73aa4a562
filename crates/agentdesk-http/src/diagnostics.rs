//! How every AgentDesk process (the app, the sandbox, the CLI) writes its own diagnostics: to stderr,
//! filtered by `AGENTDESK_LOG` (tracing's directive syntax), warnings and worse when it is unset.
//! Personal data is masked where it is logged (`agentdesk_domain::pii`), not here.

/// The environment variable that chooses which diagnostics a process writes.
pub const LOG_FILTER_ENV: &str = "AGENTDESK_LOG";

/// Sends this process's diagnostics to stderr. Call once, first thing in `main`.
pub fn log_to_stderr() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env(LOG_FILTER_ENV)
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
}
