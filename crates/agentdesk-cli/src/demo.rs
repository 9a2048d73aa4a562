//! `agentdesk-cli demo`: the engine headless against the sandbox. Prints one JSON line per domain
//! event (personal data masked), so the whole core can be watched working before the window exists.

use std::path::PathBuf;
use std::time::Duration;

use agentdesk_api::DemoWorkspace;
use agentdesk_domain::{mask_pii, Direction, DomainEvent};
use agentdesk_sandbox::SandboxConfig;
use anyhow::Context;
use clap::Args;

#[derive(Args)]
pub struct DemoArgs {
    /// Where the local database goes (default: a fresh temporary directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    seconds: Option<f64>,
    /// Simulated customers per minute on the embedded sandbox.
    #[arg(long, default_value_t = 12.0)]
    visitors_per_minute: f64,
    /// Answer every customer message automatically (otherwise the agent only listens).
    #[arg(long)]
    auto_reply: bool,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<i32> {
    let config = SandboxConfig {
        seed: args.seed,
        visitors_per_minute: args.visitors_per_minute,
        ..SandboxConfig::default()
    };
    let temp = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    let demo = DemoWorkspace::start(
        data_dir,
        agentdesk_api::DemoOptions::at(std::env::var(agentdesk_api::SANDBOX_URL_ENV).ok(), config),
    )
    .await?;
    eprintln!(
        "AgentDesk demo: {} sandbox at {}, signed in as {}. The window arrives with the workbench; \
         this runs the engine headless and prints its events. Ctrl-C stops.",
        if demo.sandbox.is_embedded() { "embedded" } else { "external (AGENTDESK_SANDBOX_URL)" },
        demo.sandbox.info.base_url,
        mask_pii(demo.workspace.agent_login()),
    );
    let workspace = &demo.workspace;
    let mut events = workspace.engine().subscribe();
    let engine = workspace.engine().clone();
    let deadline = args
        .seconds
        .map(|s| tokio::time::Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = tokio::signal::ctrl_c() => break,
            _ = async { match deadline { Some(at) => tokio::time::sleep_until(at).await, None => std::future::pending().await } } => break,
        };
        let Ok(event) = event else { continue };
        println!(
            "{}",
            serde_json::to_string(&event.with_personal_data_masked()).unwrap_or_default()
        );
        if let (true, DomainEvent::MessageStored { message }) = (args.auto_reply, &event) {
            if message.direction == Direction::In {
                let reply = if message.content.is_ascii() {
                    "Thanks for reaching out, let me check that for you."
                } else {
                    "您好，我来帮您查一下，请稍等。"
                };
                if let Err(error) = engine.send_text(&message.session_id, reply).await {
                    eprintln!("reply failed: {error}");
                }
            }
        }
    }
    demo.shutdown().await;
    Ok(0)
}
