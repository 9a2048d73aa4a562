//! IT's provisioning file: accounts (never their secrets), connectors, settings and the update
//! policy, placed beside the installed app or in a system path so a silent install arrives
//! configured. The agent then types only their own key, once, into the keychain.
//!
//! The file is TOML (`agentdesk-provisioning.toml`, docs/DEPLOYMENT.md):
//!
//! ```toml
//! [updates]
//! enabled = false            # an IT-managed install may turn in-app updates off
//!
//! [settings]                 # any of Settings' fields; applied when the file changes
//! language = "zh-CN"
//! active_account = "shop"
//!
//! [[accounts]]               # added, or brought in line with the file, at every start
//! name = "shop"
//! platform = "sobot"
//! base_url = "https://www.sobot.com"
//! appid = "…"
//! agent_email = "agent@example.com"
//!
//! [[connectors]]             # the same fields as a connector file (agentdesk-cli connector add)
//! name = "orders"
//! …
//! ```
//!
//! A key, password, token or secret anywhere in it is refused outright: such a file would leave
//! the secret on every PC's disk, which AgentDesk never does.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{AccountBook, AccountInput, ApiError, ErrorCode, Settings, SettingsFile};

/// The provisioning file's name, beside the installed app (or the installer, which copies it).
pub const PROVISIONING_FILE: &str = "agentdesk-provisioning.toml";
/// Names a provisioning file anywhere (tests, unusual deployments); it wins over the other places.
pub const PROVISIONING_ENV: &str = "AGENTDESK_PROVISIONING";

/// Field names that hold a secret. Matched whole, case-insensitively, after removing `_` and `-`.
const SECRET_FIELDS: [&str; 9] = [
    "appkey",
    "unionkey",
    "key",
    "apikey",
    "password",
    "secret",
    "token",
    "accesstoken",
    "clientsecret",
];

/// The update policy IT sets (enforced at every start; the agent cannot turn it back on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicy {
    pub enabled: bool,
}

/// A parsed, checked provisioning file.
#[derive(Debug, Clone)]
pub struct Provisioning {
    pub path: PathBuf,
    pub accounts: Vec<crate::Account>,
    /// Each connector as the TOML text a connector file holds.
    pub connectors: Vec<String>,
    /// The settings' fields the file names, as JSON, laid over the agent's own.
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub updates: Option<UpdatePolicy>,
    /// A digest of the file: settings are applied again only when it changes.
    digest: String,
}

/// What applying a provisioning file did, for logs and `agentdesk-cli provision`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ProvisioningReport {
    pub accounts_added: Vec<String>,
    pub accounts_updated: Vec<String>,
    pub connectors_written: Vec<String>,
    /// False when the file's settings were already applied (unchanged since).
    pub settings_applied: bool,
    /// Accounts that still need their key typed into the keychain.
    pub accounts_missing_key: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvisioningText {
    #[serde(default)]
    accounts: Vec<crate::Account>,
    #[serde(default)]
    connectors: Vec<toml::Table>,
    #[serde(default)]
    settings: toml::Table,
    #[serde(default)]
    updates: Option<UpdatePolicy>,
}

fn invalid(path: &Path, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidInput,
        format!(
            "the provisioning file {} cannot be used: {message}",
            path.display()
        ),
    )
}

/// Where a secret sits in the file (`accounts[0].app_key`), if anywhere.
fn find_secret(value: &toml::Value, at: &str) -> Option<String> {
    match value {
        toml::Value::Table(table) => table.iter().find_map(|(key, value)| {
            let normalised: String = key
                .chars()
                .filter(|c| *c != '_' && *c != '-')
                .collect::<String>()
                .to_lowercase();
            let here = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if SECRET_FIELDS.contains(&normalised.as_str()) {
                Some(here)
            } else {
                find_secret(value, &here)
            }
        }),
        toml::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_secret(item, &format!("{at}[{i}]"))),
        _ => None,
    }
}

impl Provisioning {
    /// The provisioning file that applies, if any: `AGENTDESK_PROVISIONING`, then beside the app's
    /// executable (where the Windows installer puts it), then the system-wide place
    /// ([`system_provisioning_path`]).
    pub fn locate(app_dir: Option<&Path>) -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(PROVISIONING_ENV) {
            return Some(PathBuf::from(path));
        }
        app_dir
            .map(|dir| dir.join(PROVISIONING_FILE))
            .into_iter()
            .chain(system_provisioning_path())
            .find(|path| path.is_file())
    }

    /// [`Provisioning::locate`] for the running program: beside its executable.
    pub fn locate_for_this_program() -> Option<PathBuf> {
        let program_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf));
        Provisioning::locate(program_dir.as_deref())
    }

    /// Reads and checks the file. Nothing is written: a broken file changes nothing.
    pub fn load(path: &Path) -> Result<Provisioning, ApiError> {
        let text = std::fs::read_to_string(path).map_err(|e| invalid(path, e))?;
        Provisioning::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Provisioning, ApiError> {
        let value: toml::Table = toml::from_str(text).map_err(|e| invalid(path, e))?;
        if let Some(at) = find_secret(&toml::Value::Table(value.clone()), "") {
            return Err(invalid(
                path,
                format!(
                    "it holds a secret ({at}). Secrets go only into each agent's keychain \
                     (the app's Settings, or agentdesk-cli account add); remove the field and deploy the file again"
                ),
            ));
        }
        let parsed: ProvisioningText = value.try_into().map_err(|e| invalid(path, e))?;
        for account in &parsed.accounts {
            account
                .validate()
                .map_err(|e| invalid(path, format!("account {:?}: {}", account.name, e.message)))?;
        }
        let mut connectors = Vec::new();
        for table in parsed.connectors {
            let text = toml::to_string(&table).map_err(|e| invalid(path, e))?;
            agentdesk_connectors::rest::config::parse(&text)
                .map_err(|e| invalid(path, format!("connector: {e}")))?;
            connectors.push(text);
        }
        let settings = serde_json::to_value(&parsed.settings)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        let defaults = serde_json::to_value(Settings::default()).unwrap_or_default();
        if let Some(unknown) = settings.keys().find(|k| defaults.get(k.as_str()).is_none()) {
            return Err(invalid(
                path,
                format!("there is no setting named {unknown:?}"),
            ));
        }
        merge_settings(&Settings::default(), &settings).map_err(|e| invalid(path, e))?;
        Ok(Provisioning {
            path: path.to_path_buf(),
            accounts: parsed.accounts,
            connectors,
            settings,
            updates: parsed.updates,
            digest: digest(text),
        })
    }

    /// Applies the file: accounts added or brought in line (their secrets untouched), connectors
    /// written, settings laid over the agent's when the file changed since they were last applied.
    pub async fn apply(
        &self,
        accounts: &AccountBook,
        settings: &SettingsFile,
    ) -> Result<ProvisioningReport, ApiError> {
        let mut report = ProvisioningReport::default();
        let existing = accounts.accounts()?;
        for account in &self.accounts {
            let current = existing.iter().find(|a| a.name == account.name);
            if current == Some(account) {
                continue;
            }
            accounts
                .save(AccountInput {
                    account: account.clone(),
                    previous_name: current.map(|a| a.name.clone()),
                    app_key: None,
                    union_key: None,
                    assistant_key: None,
                    ticket_keys: Vec::new(),
                })
                .await?;
            if current.is_some() {
                report.accounts_updated.push(account.name.clone());
            } else {
                report.accounts_added.push(account.name.clone());
            }
        }
        for view in accounts.list().await? {
            let named = self.accounts.iter().any(|a| a.name == view.account.name);
            if named && !view.has_app_key {
                report.accounts_missing_key.push(view.account.name);
            }
        }
        let catalog = accounts.connectors();
        for text in &self.connectors {
            let config = catalog.add(text, None).await?;
            report.connectors_written.push(config.name);
        }
        let marker = settings.path().with_file_name("provisioning.applied");
        let applied = std::fs::read_to_string(&marker).unwrap_or_default();
        if !self.settings.is_empty() && applied.trim() != self.digest {
            let merged = merge_settings(&settings.load(), &self.settings)?;
            settings.save(&merged)?;
            std::fs::write(&marker, &self.digest).map_err(|e| {
                ApiError::new(
                    ErrorCode::Storage,
                    format!("cannot write {}: {e}", marker.display()),
                )
            })?;
            report.settings_applied = true;
        }
        Ok(report)
    }
}

/// `current` with the provisioned fields laid over it.
fn merge_settings(
    current: &Settings,
    provisioned: &serde_json::Map<String, serde_json::Value>,
) -> Result<Settings, ApiError> {
    let mut value = serde_json::to_value(current).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        for (key, field) in provisioned {
            object.insert(key.clone(), field.clone());
        }
    }
    serde_json::from_value(value)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("settings: {e}")))
}

/// A stable digest of the file's text (FNV-1a, 64 bits: enough to notice an edit).
fn digest(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The system-wide provisioning file: `%ProgramData%\AgentDesk\` on Windows,
/// `/Library/Application Support/AgentDesk/` on macOS, `/etc/agentdesk/` elsewhere.
pub fn system_provisioning_path() -> Option<PathBuf> {
    #[cfg(windows)]
    {
        std::env::var_os("ProgramData")
            .map(|dir| PathBuf::from(dir).join("AgentDesk").join(PROVISIONING_FILE))
    }
    #[cfg(target_os = "macos")]
    {
        Some(PathBuf::from("/Library/Application Support/AgentDesk").join(PROVISIONING_FILE))
    }
    #[cfg(not(any(windows, target_os = "macos")))]
    {
        Some(PathBuf::from("/etc/agentdesk").join(PROVISIONING_FILE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentdesk_secrets::Keychain;

    const FILE: &str = r#"
[updates]
enabled = false

[settings]
language = "zh-CN"
active_account = "shop"

[[accounts]]
name = "shop"
platform = "sobot"
base_url = "https://www.sobot.com"
appid = "app-1"
agent_email = "agent@example.com"
"#;

    #[test]
    fn the_example_in_the_deployment_guide_is_a_valid_file() {
        let guide = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/DEPLOYMENT.md"),
        )
        .unwrap();
        let start = guide.find("```toml\n").unwrap() + "```toml\n".len();
        let example = &guide[start..start + guide[start..].find("```").unwrap()];
        let parsed = Provisioning::parse(Path::new("DEPLOYMENT.md"), example).unwrap();
        assert_eq!(parsed.accounts.len(), 1);
        let tickets: Vec<_> = parsed.accounts[0]
            .tickets
            .iter()
            .map(|t| t.system)
            .collect();
        assert_eq!(
            tickets,
            [
                agentdesk_tickets::SystemKind::Sobot,
                agentdesk_tickets::SystemKind::Jira
            ]
        );
        assert_eq!(parsed.connectors.len(), 1);
        assert_eq!(parsed.updates, Some(UpdatePolicy { enabled: false }));
        assert_eq!(parsed.settings.len(), 5);
    }

    #[test]
    fn a_secret_anywhere_is_refused_and_named() {
        let with_key = FILE.replace(
            "agent_email = \"agent@example.com\"",
            "agent_email = \"a@b.c\"\napp_key = \"s3cret\"",
        );
        let error = Provisioning::parse(Path::new("p.toml"), &with_key).unwrap_err();
        assert!(
            error.message.contains("accounts[0].app_key"),
            "{}",
            error.message
        );
        let nested =
            format!("{FILE}\n[[connectors]]\nname = \"x\"\n[connectors.auth]\nApi-Key = \"k\"\n");
        let error = Provisioning::parse(Path::new("p.toml"), &nested).unwrap_err();
        assert!(
            error.message.contains("connectors[0].auth.Api-Key"),
            "{}",
            error.message
        );
    }

    #[test]
    fn unknown_settings_and_bad_accounts_are_refused_before_anything_is_written() {
        let unknown = FILE.replace("language = \"zh-CN\"", "langauge = \"zh-CN\"");
        let error = Provisioning::parse(Path::new("p.toml"), &unknown).unwrap_err();
        assert!(error.message.contains("langauge"), "{}", error.message);
        let bad_value = FILE.replace("language = \"zh-CN\"", "mood_warning_percent = \"high\"");
        assert!(Provisioning::parse(Path::new("p.toml"), &bad_value).is_err());
        let bad_account = FILE.replace("name = \"shop\"", "name = \" shop\"");
        assert!(Provisioning::parse(Path::new("p.toml"), &bad_account).is_err());
        let parsed = Provisioning::parse(Path::new("p.toml"), FILE).unwrap();
        assert_eq!(parsed.updates, Some(UpdatePolicy { enabled: false }));
    }

    #[tokio::test]
    async fn applying_adds_accounts_without_secrets_and_settings_once_per_version_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let book = AccountBook::new(
            dir.path(),
            Keychain::with_service(format!("agentdesk-test-{}", uuid::Uuid::new_v4())),
        );
        let settings = SettingsFile::new(dir.path());
        let provisioning = Provisioning::parse(Path::new("p.toml"), FILE).unwrap();

        let report = provisioning.apply(&book, &settings).await.unwrap();
        assert_eq!(report.accounts_added, vec!["shop".to_string()]);
        assert_eq!(report.accounts_missing_key, vec!["shop".to_string()]);
        assert!(report.settings_applied);
        assert_eq!(settings.load().language, "zh-CN");
        assert_eq!(book.account("shop").unwrap().appid, "app-1");

        // The agent changes the language; the same file does not undo it at the next start.
        let mut mine = settings.load();
        mine.language = "en".into();
        settings.save(&mine).unwrap();
        let again = provisioning.apply(&book, &settings).await.unwrap();
        assert_eq!(
            again,
            ProvisioningReport {
                accounts_missing_key: vec!["shop".into()],
                ..ProvisioningReport::default()
            }
        );
        assert_eq!(settings.load().language, "en");

        // IT changes the file: its settings and account apply again.
        let changed = FILE.replace("app-1", "app-2");
        let changed = Provisioning::parse(Path::new("p.toml"), &changed).unwrap();
        let report = changed.apply(&book, &settings).await.unwrap();
        assert_eq!(report.accounts_updated, vec!["shop".to_string()]);
        assert!(report.settings_applied);
        assert_eq!(settings.load().language, "zh-CN");
        assert_eq!(book.account("shop").unwrap().appid, "app-2");
        // No file written anywhere holds anything but what the file said.
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            assert!(!text.contains("s3cret"));
        }
    }
}
