//! `agentdesk-cli account …`: provisioning accounts on many agent PCs. Secrets are read from stdin
//! (or typed without echo on a terminal) and go straight to the OS keychain; nothing secret is
//! printed, logged or written to the config directory.

use std::io::{BufRead, IsTerminal, Read};
use std::path::PathBuf;

use agentdesk_api::{
    Account, AccountBook, AccountInput, Platform, SupervisorLogin, SystemKind, TicketKeyInput,
};
use agentdesk_secrets::Keychain;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct AccountArgs {
    /// The configuration directory (default: the app's, e.g. ~/.config/dev.agentdesk.workbench).
    #[arg(long, env = "AGENTDESK_CONFIG_DIR", global = true)]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: AccountCommand,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add an account. Its app key is read from stdin (first line); with --union-code, the union
    /// key is the second line.
    Add(Box<AddArgs>),
    /// List accounts and which of their secrets are set (never the secrets).
    List {
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Fetch a token with the account's credentials and say exactly what is wrong, if anything.
    Test {
        #[arg(long)]
        name: String,
    },
    /// Remove an account and its keychain items.
    Remove {
        #[arg(long)]
        name: String,
    },
    /// Store the credential of one of the account's ticket systems in the keychain (Jira's or
    /// Zendesk's API token, Qiyu's app secret), read from stdin (first line).
    TicketKey {
        #[arg(long)]
        name: String,
        /// jira, zendesk or qiyu.
        #[arg(long)]
        system: String,
    },
    /// Store a payment system's keys in the keychain (IT): on stdin the merchant's private key, then
    /// the provider's public key or certificate (PEM blocks, or one bare base64 key a line).
    PaymentKey {
        #[arg(long)]
        name: String,
        /// alipay or wechat (the account must name it among its payment systems).
        #[arg(long)]
        provider: String,
    },
    /// Store the speech service's AccessKey secret in the keychain (IT), read from stdin (first line).
    SpeechSecret {
        #[arg(long)]
        name: String,
    },
}

#[derive(Args)]
struct AddArgs {
    #[arg(long)]
    name: String,
    /// sobot or sandbox.
    #[arg(long)]
    platform: String,
    /// Sobot: https://www.sobot.com, https://www.soboten.com, https://sg.sobot.io or
    /// https://us.sobot.com; sandbox: its http://host:port.
    #[arg(long)]
    base_url: String,
    #[arg(long)]
    appid: String,
    /// The agent's sign-in e-mail.
    #[arg(long, default_value = "")]
    agent_email: String,
    /// Supervisor accounts: Sobot's union code for the e-commerce platform API.
    #[arg(long, requires = "email")]
    union_code: Option<String>,
    /// Supervisor accounts: the platform super-administrator's e-mail.
    #[arg(long, requires = "union_code")]
    email: Option<String>,
    /// The reply assistant's OpenAI-compatible provider: openai, azure, dashscope, deepseek,
    /// moonshot, zhipu, ollama, llamacpp, vllm, litellm or custom. Its key, if it needs one, is
    /// read from AGENTDESK_LLM_API_KEY and kept in the keychain.
    #[arg(long, requires_all = ["assistant_base_url", "assistant_model"])]
    assistant_preset: Option<String>,
    #[arg(long, requires = "assistant_preset")]
    assistant_base_url: Option<String>,
    #[arg(long, requires = "assistant_preset")]
    assistant_model: Option<String>,
}

pub async fn run(args: AccountArgs) -> anyhow::Result<i32> {
    let config_dir = crate::config_dir(args.config_dir)?;
    let book = AccountBook::new(&config_dir, Keychain::os());
    match args.command {
        AccountCommand::Add(add) => add_account(&book, *add).await,
        AccountCommand::List { json } => list_accounts(&book, json).await,
        AccountCommand::Test { name } => {
            let report = book.test_connection(&name).await?;
            if report.ok {
                println!("ok: {}", report.message);
                Ok(0)
            } else {
                eprintln!("failed: {}", report.message);
                Ok(2)
            }
        }
        AccountCommand::Remove { name } => {
            book.remove(&name).await?;
            println!("removed account {name:?} and its keychain items");
            Ok(0)
        }
        AccountCommand::TicketKey { name, system } => set_ticket_key(&book, &name, &system).await,
        AccountCommand::PaymentKey { name, provider } => {
            let Some(provider) = agentdesk_payments::Provider::parse(&provider) else {
                eprintln!("--provider is alipay or wechat");
                return Ok(1);
            };
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read stdin")?;
            let Some((merchant, provider_key)) = split_keys(&text) else {
                eprintln!("stdin must hold the merchant's private key, then {provider}'s public key or certificate");
                return Ok(1);
            };
            match book
                .store_payment_keys(&name, provider, &merchant, &provider_key)
                .await
            {
                Ok(()) => {
                    println!("stored {provider}'s keys of account {name:?} in the OS keychain");
                    Ok(0)
                }
                Err(error) => {
                    eprintln!("{}", error.message);
                    Ok(1)
                }
            }
        }
        AccountCommand::SpeechSecret { name } => {
            let secret = read_lines(&["AccessKey secret"])?.remove(0);
            match book.store_speech_secret(&name, &secret).await {
                Ok(()) => {
                    println!("stored the speech service's AccessKey secret of account {name:?} in the OS keychain");
                    Ok(0)
                }
                Err(error) => {
                    eprintln!("{}", error.message);
                    Ok(1)
                }
            }
        }
    }
}

/// The merchant's private key and the provider's key from stdin: the first PEM block and the
/// rest, or (no PEM) the first two non-empty lines.
fn split_keys(text: &str) -> Option<(String, String)> {
    if text.contains("-----BEGIN") {
        let end = text.find("-----END")?;
        let line_end = text[end..]
            .find('\n')
            .map(|i| end + i + 1)
            .unwrap_or(text.len());
        let (first, rest) = text.split_at(line_end);
        let rest = rest.trim();
        (!rest.is_empty()).then(|| (first.trim().to_string(), rest.to_string()))
    } else {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        Some((lines.next()?.to_string(), lines.next()?.to_string()))
    }
}

/// `account ticket-key`: the credential of a ticket system the account names, into the keychain.
async fn set_ticket_key(book: &AccountBook, name: &str, system: &str) -> anyhow::Result<i32> {
    let account = book.account(name)?;
    let Some(kind) = SystemKind::parse(system).filter(|k| *k != SystemKind::Sobot) else {
        eprintln!("--system is jira, zendesk or qiyu (Sobot 工单 uses the account's app key)");
        return Ok(1);
    };
    if !account.tickets.iter().any(|t| t.system == kind) {
        eprintln!(
            "account {name:?} has no {kind} ticket system: add it in Settings → Accounts or the provisioning file first"
        );
        return Ok(1);
    }
    let label = if kind == SystemKind::Qiyu {
        "App secret"
    } else {
        "API token"
    };
    let key = read_lines(&[label])?.remove(0);
    book.save(AccountInput {
        previous_name: Some(name.to_string()),
        account,
        app_key: None,
        union_key: None,
        assistant_key: None,
        ticket_keys: vec![TicketKeyInput { system: kind, key }],
    })
    .await?;
    println!("stored {kind}'s credential for account {name:?} in the keychain");
    Ok(0)
}

/// `account add`: the account, its secrets from stdin, the provider's key from the environment.
async fn add_account(book: &AccountBook, add: AddArgs) -> anyhow::Result<i32> {
    let platform: Platform = add.platform.parse()?;
    let supervisor = match (add.union_code, add.email) {
        (Some(union_code), Some(email)) => Some(SupervisorLogin { union_code, email }),
        _ => None,
    };
    let mut secrets = read_secrets(supervisor.is_some())?;
    let union_key = if supervisor.is_some() {
        secrets.pop()
    } else {
        None
    };
    let app_key = secrets.pop();
    let assistant = match (
        add.assistant_preset,
        add.assistant_base_url,
        add.assistant_model,
    ) {
        (Some(preset), Some(base_url), Some(model)) => {
            Some(agentdesk_api::AssistantProviderSettings {
                preset,
                base_url,
                model,
            })
        }
        _ => None,
    };
    let assistant_key = match &assistant {
        Some(_) => std::env::var("AGENTDESK_LLM_API_KEY").ok(),
        None => None,
    };
    book.save(AccountInput {
        account: Account {
            name: add.name.clone(),
            platform,
            base_url: add.base_url,
            appid: add.appid,
            agent_email: add.agent_email,
            supervisor,
            assistant,
            home: None,
            tickets: Vec::new(),
            payments: Vec::new(),
            speech: None,
        },
        previous_name: None,
        app_key,
        union_key,
        assistant_key,
        ticket_keys: Vec::new(),
    })
    .await?;
    println!(
        "added account {:?}; its secrets are in the OS keychain (service \"agentdesk\")",
        add.name
    );
    Ok(0)
}

/// `account list`: one line per account (or JSON), saying which secrets are set, never the secrets.
async fn list_accounts(book: &AccountBook, json: bool) -> anyhow::Result<i32> {
    let views = book.list().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&views)?);
        return Ok(0);
    }
    if views.is_empty() {
        println!("no accounts (add one with `agentdesk-cli account add`)");
    }
    for view in views {
        let a = &view.account;
        let platform = match a.platform {
            Platform::Sobot => "sobot",
            Platform::Sandbox => "sandbox",
        };
        let mut line = format!(
            "{}\t{platform}\t{}\tappid {}\tapp key {}",
            a.name,
            a.base_url,
            a.appid,
            if view.has_app_key { "set" } else { "MISSING" }
        );
        if !a.agent_email.is_empty() {
            line.push_str(&format!("\tagent {}", a.agent_email));
        }
        if let Some(s) = &a.supervisor {
            line.push_str(&format!(
                "\tsupervisor {} ({}), union key {}",
                s.union_code,
                s.email,
                if view.has_union_key { "set" } else { "MISSING" }
            ));
        }
        println!("{line}");
    }
    Ok(0)
}

/// The app key, then (for supervisors) the union key: lines on stdin, or typed without echo.
fn read_secrets(with_union_key: bool) -> anyhow::Result<Vec<String>> {
    let labels: &[&str] = if with_union_key {
        &["App key", "Union key"]
    } else {
        &["App key"]
    };
    read_lines(labels)
}

/// One secret per label: lines on stdin, or typed without echo; none may be empty.
fn read_lines(labels: &[&str]) -> anyhow::Result<Vec<String>> {
    let mut values = Vec::new();
    if std::io::stdin().is_terminal() {
        for label in labels {
            values.push(rpassword::prompt_password(format!(
                "{label} (not shown): "
            ))?);
        }
    } else {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        for label in labels {
            match lines.next() {
                Some(line) => values.push(line.context("cannot read stdin")?),
                None => bail!(
                    "expected the {} on stdin (line {}), found end of input",
                    label.to_lowercase(),
                    values.len() + 1
                ),
            }
        }
    }
    for (label, value) in labels.iter().zip(&values) {
        if value.trim().is_empty() {
            bail!("the {} is empty", label.to_lowercase());
        }
    }
    Ok(values)
}
