//! How every AgentDesk process (the app, the sandbox, the CLI) writes its own diagnostics: to stderr,
//! filtered by `AGENTDESK_LOG` (tracing's directive syntax), warnings and worse when it is unset.
//! Personal data is masked where it is logged (`agentdesk_domain::pii`), not here.

/// The environment variable that chooses which diagnostics a process writes.
pub const LOG_FILTER_ENV: &str = "AGENTDESK_LOG";

/// Runs a program's async main to its end on a multi-threaded runtime (the CLI's and the sandbox's
/// programs); when the runtime cannot start, says so and exits with 1.
pub fn block_on_program<F: std::future::Future>(main: F) -> F::Output {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(main),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            std::process::exit(1);
        }
    }
}

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
