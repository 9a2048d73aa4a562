//! The `agentdesk-sandbox` program: `agentdesk-sandbox --listen 127.0.0.1:0 [--seed N]
//! [--visitors-per-minute R] [--history-days D] [--agents N]` runs the sandbox platform and prints
//! one JSON line on stdout when ready (logs go to stderr). Run by `src/main.rs` and by the installed
//! app's one program (`agentdesk --as agentdesk-sandbox`, or a link of that name).

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use crate::{Sandbox, SandboxConfig};
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "agentdesk-sandbox",
    version,
    about = "AgentDesk's sandbox platform: Sobot's protocols on loopback, with simulated customers"
)]
struct Args {
    /// Address to listen on; port 0 picks a free port (the ready line tells which).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Seed for all generated data and injected faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated visitors arriving per minute while an agent is online.
    #[arg(long, default_value_t = 0.0)]
    visitors_per_minute: f64,
    /// Lifetime of issued tokens in seconds (the platform's is 86400).
    #[arg(long, default_value_t = 86_400)]
    token_lifetime_secs: u64,
    /// Days of past sessions every tenant starts with (for the statistics endpoints).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=366))]
    history_days: u32,
    /// Agents of the demo tenant besides its supervisor (five have names of their own).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    agents: u64,
}

/// Runs the sandbox program on `args` (the first is the program's name) until Ctrl+C.
pub fn main_with(args: impl IntoIterator<Item = std::ffi::OsString>) -> ! {
    let args = Args::parse_from(args);
    agentdesk_http::diagnostics::block_on_program(serve(args));
    std::process::exit(0)
}

async fn serve(args: Args) {
    agentdesk_http::diagnostics::log_to_stderr();
    if args.visitors_per_minute < 0.0 || !args.visitors_per_minute.is_finite() {
        eprintln!("error: --visitors-per-minute must be a non-negative number");
        std::process::exit(2);
    }
    let config = SandboxConfig {
        seed: args.seed,
        visitors_per_minute: args.visitors_per_minute,
        token_lifetime: Duration::from_secs(args.token_lifetime_secs.max(1)),
        history_days: args.history_days,
        agents: args.agents as usize,
    };
    let sandbox = match Sandbox::start(args.listen, config).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!(
                "error: cannot listen on {}: {error}. Choose another address or port.",
                args.listen
            );
            std::process::exit(1);
        }
    };
    let line = serde_json::to_string(sandbox.info()).unwrap_or_default();
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
    drop(stdout);
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
}
