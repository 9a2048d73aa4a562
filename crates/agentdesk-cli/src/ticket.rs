//! `agentdesk-cli ticket create|list|show`: tickets in Sobot 工单, Jira, Zendesk or Qiyu from a
//! script, through the same clients and the same exactly-once path as the app. The system's secret
//! is the first line on stdin; answers are JSON on stdout. Exit 0 done, 2 refused or unreachable
//! (`{"error", "code"}`), 1 bad input.
//!
//! `create` is exactly once per draft: its attempt is the digest of the system, the site and the
//! draft, recorded in a journal (encrypted, its key in the keychain) before the request leaves. Run
//! again after a crash or a lost answer, the same command looks the ticket up before sending, and
//! prints the ticket it already created.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use agentdesk_domain::Secret;
use agentdesk_secrets::{Keychain, SecretName};
use agentdesk_tickets::once::{create_once, DatabaseJournal};
use agentdesk_tickets::*;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::json;
use sha2::Digest as _;

#[derive(Args)]
pub struct TicketArgs {
    #[command(subcommand)]
    command: TicketCommand,
}

#[derive(Subcommand)]
enum TicketCommand {
    /// Create a ticket once: prints {"system","id","number","url"}.
    Create {
        #[command(flatten)]
        system: SystemArgs,
        #[arg(long)]
        title: String,
        /// The ticket's description, from a UTF-8 file.
        #[arg(long)]
        content_file: PathBuf,
        /// The chat session it comes from (Sobot `recordid`).
        #[arg(long)]
        cid: Option<String>,
        /// The customer (Sobot `userid`, Qiyu `uid`).
        #[arg(long)]
        uid: Option<String>,
        /// The category: a leaf of Sobot's tree, Qiyu's `typeId`.
        #[arg(long)]
        type_id: Option<String>,
        /// 0 low, 1 medium, 2 high, 3 urgent.
        #[arg(long, value_parser = clap::value_parser!(i64).range(0..=3))]
        level: Option<i64>,
        /// A template field: ID=VALUE (repeatable).
        #[arg(long = "field")]
        fields: Vec<String>,
        /// A file to attach (repeatable).
        #[arg(long = "attach")]
        attachments: Vec<PathBuf>,
        #[arg(long, env = "AGENTDESK_CONFIG_DIR")]
        config_dir: Option<PathBuf>,
    },
    /// The customer's tickets, open ones first: one JSON line per ticket.
    List {
        #[command(flatten)]
        system: SystemArgs,
        #[arg(long)]
        uid: String,
    },
    /// One ticket with its replies: one JSON object.
    Show {
        #[command(flatten)]
        system: SystemArgs,
        #[arg(long)]
        id: String,
    },
}

/// Which system, where, and as whom (the secret comes on stdin).
#[derive(Args)]
struct SystemArgs {
    /// sobot, jira, zendesk or qiyu.
    #[arg(long)]
    system: String,
    #[arg(long)]
    base_url: String,
    /// Sobot: the open platform's appid (app key on stdin).
    #[arg(long)]
    appid: Option<String>,
    #[arg(long)]
    company_id: Option<String>,
    #[arg(long)]
    agent_id: Option<String>,
    #[arg(long)]
    agent_name: Option<String>,
    /// Jira, Zendesk: the account's e-mail (API token on stdin).
    #[arg(long)]
    user: Option<String>,
    /// Jira: the project key and issue type new issues get.
    #[arg(long)]
    project: Option<String>,
    #[arg(long, default_value = "Task")]
    issue_type: String,
    /// Qiyu: the app key (app secret on stdin) and the staff tickets are filed as.
    #[arg(long)]
    app_key: Option<String>,
    #[arg(long)]
    staff_id: Option<String>,
}

/// Bad input: exit 1 with the reason.
struct BadInput(String);

fn need(value: &Option<String>, flag: &str, system: &str) -> Result<String, BadInput> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(BadInput(format!("{system} needs {flag}"))),
    }
}

impl SystemArgs {
    fn settings(&self, secret: Secret) -> Result<TicketSettings, BadInput> {
        let base_url = self.base_url.trim().to_string();
        if url::Url::parse(&base_url).is_err() {
            return Err(BadInput(format!("--base-url {base_url:?} is not a URL")));
        }
        let Some(kind) = SystemKind::parse(&self.system) else {
            return Err(BadInput(format!(
                "--system {:?}: use sobot, jira, zendesk or qiyu",
                self.system
            )));
        };
        Ok(match kind {
            SystemKind::Sobot => TicketSettings::Sobot(SobotSettings {
                base_url,
                appid: need(&self.appid, "--appid", "sobot")?,
                app_key: secret,
                company_id: need(&self.company_id, "--company-id", "sobot")?,
                agent_id: need(&self.agent_id, "--agent-id", "sobot")?,
                agent_name: need(&self.agent_name, "--agent-name", "sobot")?,
            }),
            SystemKind::Jira => TicketSettings::Jira(JiraSettings {
                base_url,
                email: need(&self.user, "--user", "jira")?,
                api_token: secret,
                project_key: need(&self.project, "--project", "jira")?,
                issue_type: self.issue_type.clone(),
            }),
            SystemKind::Zendesk => TicketSettings::Zendesk(ZendeskSettings {
                base_url,
                email: need(&self.user, "--user", "zendesk")?,
                api_token: secret,
            }),
            SystemKind::Qiyu => TicketSettings::Qiyu(QiyuSettings {
                base_url,
                app_key: need(&self.app_key, "--app-key", "qiyu")?,
                app_secret: secret,
                staff_id: need(&self.staff_id, "--staff-id", "qiyu")?,
            }),
        })
    }
}

/// The system's secret: the first line on stdin (or typed without echo).
fn read_secret(system: &str) -> anyhow::Result<Secret> {
    let label = match SystemKind::parse(system) {
        Some(SystemKind::Sobot) => "app key",
        Some(SystemKind::Qiyu) => "app secret",
        _ => "API token",
    };
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{label} (not shown): "))?
    } else {
        match std::io::stdin().lock().lines().next() {
            Some(line) => line.context("cannot read stdin")?,
            None => bail!("expected the {label} on stdin, found end of input"),
        }
    };
    if value.trim().is_empty() {
        bail!("the {label} on stdin is empty");
    }
    Ok(Secret::new(value.trim()))
}

pub async fn run(args: TicketArgs) -> anyhow::Result<i32> {
    let system_args = match &args.command {
        TicketCommand::Create { system, .. }
        | TicketCommand::List { system, .. }
        | TicketCommand::Show { system, .. } => system,
    };
    let secret = match read_secret(&system_args.system) {
        Ok(secret) => secret,
        Err(error) => return Ok(bad_input(&error.to_string())),
    };
    let settings = match system_args.settings(secret) {
        Ok(settings) => settings,
        Err(BadInput(reason)) => return Ok(bad_input(&reason)),
    };
    let http = agentdesk_http::HttpContext::unrecorded().client(
        agentdesk_http::HttpSettings::within(std::time::Duration::from_secs(30)),
    )?;
    let system = TicketSystem::new(http, settings.clone());
    match args.command {
        TicketCommand::List { uid, .. } => Ok(match system.list(&uid).await {
            Ok(tickets) => {
                for ticket in tickets {
                    println!("{}", serde_json::to_string(&ticket)?);
                }
                0
            }
            Err(error) => refused(&error),
        }),
        TicketCommand::Show { id, .. } => Ok(match system.detail(&id).await {
            Ok(detail) => {
                println!("{}", serde_json::to_string(&detail)?);
                0
            }
            Err(error) => refused(&error),
        }),
        TicketCommand::Create {
            title,
            content_file,
            cid,
            uid,
            type_id,
            level,
            fields,
            attachments,
            config_dir,
            ..
        } => {
            let draft = match draft(
                title,
                &content_file,
                cid,
                uid,
                type_id,
                level,
                &fields,
                &attachments,
            ) {
                Ok(draft) => draft,
                Err(BadInput(reason)) => return Ok(bad_input(&reason)),
            };
            create(&system, &settings, draft, config_dir).await
        }
    }
}

#[allow(clippy::too_many_arguments)] // the command's flags, one to one
fn draft(
    title: String,
    content_file: &std::path::Path,
    cid: Option<String>,
    uid: Option<String>,
    type_id: Option<String>,
    level: Option<i64>,
    fields: &[String],
    attachments: &[PathBuf],
) -> Result<TicketDraft, BadInput> {
    let content = std::fs::read_to_string(content_file).map_err(|e| {
        BadInput(format!(
            "cannot read --content-file {}: {e}",
            content_file.display()
        ))
    })?;
    let fields = fields
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((id, value)) if !id.trim().is_empty() => Ok(FieldValue {
                id: id.trim().to_string(),
                value: value.to_string(),
            }),
            _ => Err(BadInput(format!("--field {pair:?}: write ID=VALUE"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let attachments = attachments
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| BadInput(format!("--attach {}: not a file", path.display())))?;
            Ok(AttachmentFile {
                name,
                path: path.clone(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TicketDraft {
        title,
        content,
        customer: TicketCustomer {
            uid,
            cid,
            ..TicketCustomer::default()
        },
        type_id,
        level,
        fields,
        attachments,
        ..TicketDraft::default()
    })
}

/// The same draft for the same system and site is the same attempt (see the module's comment).
fn attempt_id(settings: &TicketSettings, draft: &TicketDraft) -> anyhow::Result<String> {
    let mut digest = sha2::Sha256::new();
    digest.update(settings.kind().as_str());
    digest.update([0]);
    digest.update(settings.base_url().trim_end_matches('/'));
    digest.update([0]);
    let mut shape = draft.clone();
    shape.attachments.clear();
    digest.update(serde_json::to_vec(&shape)?);
    for file in &draft.attachments {
        digest.update(file.name.as_bytes());
        digest.update(std::fs::read(&file.path).unwrap_or_default());
    }
    Ok(hex::encode(&digest.finalize()[..16]))
}

async fn create(
    system: &TicketSystem,
    settings: &TicketSettings,
    draft: TicketDraft,
    config_dir: Option<PathBuf>,
) -> anyhow::Result<i32> {
    let template = match system {
        TicketSystem::Sobot(sobot) if draft.type_id.is_some() => {
            let dictionary = sobot.dictionary().await;
            let fields = sobot
                .template_fields(draft.type_id.as_deref().unwrap_or_default())
                .await;
            match (dictionary, fields) {
                (Ok(dictionary), Ok(fields)) => Some((dictionary, fields)),
                (Err(error), _) | (_, Err(error)) => return Ok(refused(&error)),
            }
        }
        _ => None,
    };
    let (dictionary, fields) = match &template {
        Some((dictionary, fields)) => (Some(dictionary), fields.as_slice()),
        None => (None, &[][..]),
    };
    if let Err(error) = validate_draft(settings.kind(), &draft, dictionary, fields) {
        return Ok(bad_input(&error.to_string()));
    }
    let journal = journal(config_dir).await?;
    let attempt = attempt_id(settings, &draft)?;
    match create_once(&journal, system, settings.base_url(), &attempt, &draft).await {
        Ok(ticket) => {
            println!("{}", serde_json::to_string(&ticket)?);
            Ok(0)
        }
        Err(TicketError::Invalid(reason)) => Ok(bad_input(&reason)),
        Err(error) => Ok(refused(&error)),
    }
}

/// The CLI's journal of ticket attempts: `{config_dir}/tickets/journal.sqlite3`, encrypted with a
/// key kept in the keychain (drafts hold customers' words). Scripts run many of these commands at
/// once: the key is made and the file created under a lock, or two processes would each file a key
/// of their own and one would find the journal locked with the other's.
async fn journal(config_dir: Option<PathBuf>) -> anyhow::Result<DatabaseJournal> {
    let dir = crate::config_dir(config_dir)?.join("tickets");
    std::fs::create_dir_all(&dir).with_context(|| {
        format!(
            "cannot create the ticket journal's folder {}",
            dir.display()
        )
    })?;
    let lock = std::fs::File::create(dir.join("journal.lock"))
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    lock.lock()
        .with_context(|| format!("cannot lock {}", dir.join("journal.lock").display()))?;
    let keychain = Keychain::os();
    let name = SecretName::DatabaseKey {
        account: "cli".into(),
        tenant: "tickets".into(),
    };
    let key = match keychain.load(&name).await? {
        Some(stored) => agentdesk_store::DatabaseKey::from_hex(stored.expose())
            .context("the ticket journal's key in the keychain is malformed: remove the item database/cli/tickets and run again")?,
        None => {
            let key = agentdesk_store::DatabaseKey::generate();
            keychain.store(&name, &Secret::new(key.to_hex())).await?;
            key
        }
    };
    let journal = DatabaseJournal::new(agentdesk_store::Database::encrypted(
        dir.join("journal.sqlite3"),
        key,
    ));
    // Created and migrated while the lock is held.
    journal
        .unfinished()
        .map_err(|e| anyhow::anyhow!("the ticket journal cannot be opened: {e}"))?;
    drop(lock);
    Ok(journal)
}

fn bad_input(reason: &str) -> i32 {
    println!("{}", json!({"error": reason}));
    1
}

fn refused(error: &TicketError) -> i32 {
    println!(
        "{}",
        json!({"error": error.to_string(), "code": error.code(), "outcome_unknown": error.outcome_unknown()})
    );
    2
}
