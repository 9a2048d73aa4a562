//! `agentdesk-cli soak-engine`: one engine process for `soak --kill-every`. Reads its credentials as
//! one JSON line on stdin (never argv, which other users can read), runs the engine and the
//! responder, and prints its latency histogram and whether it has settled as a JSON line every
//! 250 ms until it is killed.

use std::path::PathBuf;
use std::time::Duration;

use agentdesk_domain::Secret;
use agentdesk_engine::{EngineStats, LatencyHistogram};
use agentdesk_sobot::AgentCredentials;
use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncBufReadExt;

#[derive(Args)]
pub struct ChildArgs {
    #[arg(long)]
    pub data_dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
pub struct ChildCredentials {
    pub base_url: String,
    pub appid: String,
    pub app_key: String,
    pub email: String,
    pub password: String,
    /// The database key, 64 hex digits (the parent made it; never on disk or argv).
    pub database_key: String,
}

pub async fn run(args: ChildArgs) -> anyhow::Result<i32> {
    let mut line = String::new();
    tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await
        .context("reading credentials from stdin")?;
    let credentials: ChildCredentials =
        serde_json::from_str(&line).context("credentials line is not valid JSON")?;
    let workspace = super::soak_workspace(
        args.data_dir,
        AgentCredentials {
            base_url: credentials.base_url,
            appid: credentials.appid,
            app_key: Secret::new(credentials.app_key),
            email: credentials.email,
            password: Some(Secret::new(credentials.password)),
        },
        agentdesk_store::DatabaseKey::from_hex(&credentials.database_key)
            .context("the database key is not 64 hex digits")?,
    )
    .await?;
    let engine = workspace.engine().clone();
    let database = workspace.database().clone();
    tokio::spawn(async move { crate::responder::run(engine, &database).await });
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        let report = ChildReport::of(&workspace.engine().stats());
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    }
}

/// What the engine process tells the soak every 250 ms.
#[derive(Serialize, Deserialize, Clone, Default)]
pub struct ChildReport {
    pub push_to_event: LatencyHistogram,
    /// Whether all the engine knows of is settled: connected once, and no catch-up or reception
    /// list due or running.
    pub settled: bool,
}

impl ChildReport {
    pub fn of(stats: &EngineStats) -> ChildReport {
        ChildReport {
            push_to_event: stats.push_to_event.clone(),
            settled: stats.connects > 0 && stats.catch_ups_pending == 0,
        }
    }
}
