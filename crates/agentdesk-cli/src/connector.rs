//! `agentdesk-cli connector …`: attaching a merchant's CRM or order system with a configuration file
//! (README, "Connectors"). The file is checked before it is saved; its key is read from stdin (or
//! typed without echo) and goes straight to the OS keychain as `connector/{name}/key`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use agentdesk_api::ConnectorCatalog;
use agentdesk_connectors::rest::Lookup;
use agentdesk_domain::Secret;
use agentdesk_secrets::Keychain;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct ConnectorArgs {
    /// The configuration directory (default: the app's, e.g. ~/.config/dev.agentdesk.workbench).
    #[arg(long, env = "AGENTDESK_CONFIG_DIR", global = true)]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: ConnectorCommand,
}

#[derive(Subcommand)]
enum ConnectorCommand {
    /// Check a connector file and save it; its key is read from stdin (first line) unless
    /// --no-key (auth kind `none`).
    Add {
        /// The TOML file (`-` for stdin is not accepted: stdin carries the key).
        file: PathBuf,
        #[arg(long)]
        no_key: bool,
    },
    /// Replace a connector's key (read from stdin).
    SetKey { name: String },
    /// List the connector files, what they provide and whether their key is set.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Look one customer up through a connector, to check its settings and key.
    Test {
        name: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        external_id: Option<String>,
    },
    /// Remove a connector file and its key.
    Remove { name: String },
}

pub async fn run(args: ConnectorArgs) -> anyhow::Result<i32> {
    let config_dir = crate::config_dir(args.config_dir)?;
    let catalog = ConnectorCatalog::new(&config_dir, Keychain::os());
    match args.command {
        ConnectorCommand::Add { file, no_key } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let key = if no_key { None } else { Some(read_key()?) };
            let config = catalog.add(&text, key).await?;
            println!(
                "added connector {:?} ({}); its key is in the OS keychain as connector/{}/key",
                config.name, config.base_url, config.name
            );
            Ok(0)
        }
        ConnectorCommand::SetKey { name } => {
            catalog.set_key(&name, read_key()?).await?;
            println!("stored the key of connector {name:?} in the OS keychain");
            Ok(0)
        }
        ConnectorCommand::List { json } => {
            let views = catalog.list().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&views)?);
                return Ok(0);
            }
            if views.is_empty() {
                println!(
                    "no connectors in {} (add one with `agentdesk-cli connector add FILE`)",
                    catalog.dir().display()
                );
            }
            for view in views {
                match &view.problem {
                    Some(problem) => println!("{}\tUNUSABLE: {problem}\t{}", view.name, view.path),
                    None => println!(
                        "{}\t{}\t{}\t{}\tkey {}",
                        view.name,
                        view.preset.as_deref().unwrap_or("custom"),
                        view.base_url,
                        view.provides.join("+"),
                        if view.has_key { "set" } else { "MISSING" }
                    ),
                }
            }
            Ok(0)
        }
        ConnectorCommand::Test {
            name,
            phone,
            email,
            external_id,
        } => {
            if phone.is_none() && email.is_none() && external_id.is_none() {
                bail!("say whom to look up: --phone, --email or --external-id");
            }
            let who = Lookup {
                external_id,
                phone,
                email,
            };
            match catalog.probe(&name, &who).await {
                Ok(probe) => {
                    println!("{}", serde_json::to_string(&probe)?);
                    Ok(0)
                }
                Err(error) if error.code == agentdesk_api::ErrorCode::Platform => {
                    eprintln!("failed: {error}");
                    Ok(2)
                }
                Err(error) => Err(error.into()),
            }
        }
        ConnectorCommand::Remove { name } => {
            catalog.remove(&name).await?;
            println!("removed connector {name:?} and its key");
            Ok(0)
        }
    }
}

/// The key: the first line of stdin, or typed without echo on a terminal.
fn read_key() -> anyhow::Result<Secret> {
    let key = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Connector key (not shown): ")?
    } else {
        match std::io::stdin().lock().lines().next() {
            Some(line) => line.context("cannot read stdin")?,
            None => bail!("expected the connector's key on stdin, found end of input"),
        }
    };
    if key.trim().is_empty() {
        bail!("the connector's key is empty");
    }
    Ok(Secret::new(key))
}
