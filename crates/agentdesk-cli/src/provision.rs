//! `agentdesk-cli provision check|apply [FILE]`: IT's provisioning file (accounts without secrets,
//! connectors, settings, updates on/off), checked or applied the way the app applies it at start.
//! Without FILE, the file the app would use: `AGENTDESK_PROVISIONING`, beside the installed
//! programs, or the system-wide place.

use std::path::PathBuf;

use agentdesk_api::{AccountBook, Provisioning, SettingsFile};
use agentdesk_secrets::Keychain;
use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Args)]
pub struct ProvisionArgs {
    /// The configuration directory (default: the app's, e.g. ~/.config/dev.agentdesk.workbench).
    #[arg(long, env = "AGENTDESK_CONFIG_DIR", global = true)]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: ProvisionCommand,
}

#[derive(Subcommand)]
enum ProvisionCommand {
    /// Check the file and print what it holds; writes nothing.
    Check { file: Option<PathBuf> },
    /// Apply it: accounts added or brought in line (their secrets untouched), connectors written,
    /// settings laid over the agent's when the file changed. Prints a JSON report.
    Apply { file: Option<PathBuf> },
}

fn locate(file: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(file) = file {
        return Ok(file);
    }
    Provisioning::locate_for_this_program().with_context(|| {
        format!(
            "no provisioning file found: name one, set {}, or place {} beside the programs or in {}",
            agentdesk_api::PROVISIONING_ENV,
            agentdesk_api::PROVISIONING_FILE,
            agentdesk_api::system_provisioning_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )
    })
}

pub async fn run(args: ProvisionArgs) -> anyhow::Result<i32> {
    let (file, apply) = match args.command {
        ProvisionCommand::Check { file } => (locate(file)?, false),
        ProvisionCommand::Apply { file } => (locate(file)?, true),
    };
    let provisioning = Provisioning::load(&file).map_err(|e| anyhow::anyhow!(e.message))?;
    let updates_enabled = provisioning.updates.is_none_or(|policy| policy.enabled);
    if !apply {
        println!(
            "{}",
            json!({
                "file": file.display().to_string(),
                "accounts": provisioning.accounts.iter().map(|a| &a.name).collect::<Vec<_>>(),
                "connectors": provisioning.connectors.len(),
                "settings": provisioning.settings,
                "updates_enabled": updates_enabled,
            })
        );
        return Ok(0);
    }
    let config_dir = crate::config_dir(args.config_dir)?;
    let book = AccountBook::new(&config_dir, Keychain::os());
    let report = provisioning
        .apply(&book, &SettingsFile::new(&config_dir))
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    println!(
        "{}",
        json!({
            "file": file.display().to_string(),
            "report": report,
            "updates_enabled": updates_enabled,
        })
    );
    Ok(0)
}
