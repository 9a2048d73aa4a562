//! Platform accounts: what AgentDesk signs in with. `accounts.json` in the config directory holds
//! only what is not secret (name, platform, base URL, appid, sign-in e-mails); every secret (app key,
//! union key) is in the OS keychain under the names of `agentdesk_secrets::SecretName`. The UI and
//! the CLI can set or replace a secret, never read one back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use agentdesk_domain::Secret;
use agentdesk_secrets::{Keychain, SecretName};
use agentdesk_sobot::client::TokenCache;
use agentdesk_sobot::protocol::RetCode;
use agentdesk_sobot::{AgentCredentials, ClientError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode, ErrorReason, KeyKind};

/// The platforms an account can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Sobot,
    /// AgentDesk's sandbox platform (same protocols; for training and testing).
    Sandbox,
}

impl std::str::FromStr for Platform {
    type Err = ApiError;
    fn from_str(value: &str) -> Result<Platform, ApiError> {
        match value {
            "sobot" => Ok(Platform::Sobot),
            "sandbox" => Ok(Platform::Sandbox),
            other => Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("unknown platform {other:?}: use sobot or sandbox"),
            )),
        }
    }
}

/// Sobot's environments (reference §1.1): the account's base URL must be the one its company is on.
pub const SOBOT_BASE_URLS: [&str; 4] = [
    "https://www.sobot.com",
    "https://www.soboten.com",
    "https://sg.sobot.io",
    "https://us.sobot.com",
];

/// A supervisor's sign-in to Sobot's e-commerce platform API (tenant management).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SupervisorLogin {
    /// `unionCode`, issued by Sobot.
    pub union_code: String,
    /// The platform super-administrator's e-mail (part of the request token).
    pub email: String,
}

/// One account, as saved (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Account {
    /// Unique; names the keychain items and the local database folder.
    pub name: String,
    pub platform: Platform,
    pub base_url: String,
    pub appid: String,
    /// The agent's sign-in e-mail; empty until set.
    #[serde(default)]
    pub agent_email: String,
    /// Set for supervisors who manage tenants.
    #[serde(default)]
    pub supervisor: Option<SupervisorLogin>,
    /// The reply assistant's model provider for this account (its key is in the keychain).
    #[serde(default)]
    pub assistant: Option<AssistantProviderSettings>,
    /// The account's own merchant, as AgentDesk first met it (kept by AgentDesk, not edited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub home: Option<HomeTenant>,
    /// The ticket systems its merchants file tickets in (their credentials in the keychain).
    #[serde(default)]
    pub tickets: Vec<crate::TicketSystemSettings>,
    /// The payment systems its merchants take (their keys placed by IT in the keychain).
    #[serde(default)]
    pub payments: Vec<crate::PaymentSystemSettings>,
    /// The speech service voice messages are read with (its AccessKey secret in the keychain).
    #[serde(default)]
    pub speech: Option<crate::SpeechSettings>,
}

/// An account's own merchant. Its database is named once, at the account's first start, and keeps
/// that name: by the company id if the union platform said it then, else by the appid (a first start
/// offline). So replies queued during an offline start are in the same file as everything else, and
/// the company id, once known, is recorded here to tell the home merchant among the union's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HomeTenant {
    /// Names the home database: `accounts/{account}/{database_id}.sqlite3`.
    pub database_id: String,
    /// The platform's company id, once known.
    #[serde(default)]
    pub company_id: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
}

/// A model provider the settings offer, for the account form (from `PRESETS`, the one list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistantPreset {
    pub id: String,
    pub name: String,
    /// `{resource}` marks the part the customer fills in (Azure).
    pub base_url: String,
    pub model: String,
    pub needs_key: bool,
    /// Runs on the agent's machine or the company's network.
    pub local: bool,
}

/// Every preset, in the order the settings list them.
pub fn assistant_presets() -> Vec<AssistantPreset> {
    agentdesk_llm::provider::PRESETS
        .iter()
        .map(|p| AssistantPreset {
            id: p.id.into(),
            name: p.name.into(),
            base_url: p.base_url.into(),
            model: p.model.into(),
            needs_key: p.needs_key,
            local: p.local,
        })
        .collect()
}

/// An OpenAI-compatible chat-completions service: one of the presets
/// (`agentdesk_llm::provider::PRESETS`) or `custom`, with its address and model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AssistantProviderSettings {
    pub preset: String,
    pub base_url: String,
    pub model: String,
}

/// An account as listed: which secrets are set (never their values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountView {
    pub account: Account,
    pub has_app_key: bool,
    pub has_union_key: bool,
    pub has_assistant_key: bool,
    /// The ticket systems whose credential is in the keychain.
    pub ticket_keys: Vec<agentdesk_tickets::SystemKind>,
}

/// Adding or editing an account. A secret left `None` keeps the one in the keychain.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AccountInput {
    pub account: Account,
    /// When editing: the name it had (renaming moves its keychain items).
    #[serde(default)]
    pub previous_name: Option<String>,
    #[serde(default)]
    pub app_key: Option<String>,
    #[serde(default)]
    pub union_key: Option<String>,
    /// The model provider's key; `Some("")` removes it (a local server needs none).
    #[serde(default)]
    pub assistant_key: Option<String>,
    /// Ticket systems' credentials typed in the form (an empty one removes it).
    #[serde(default)]
    pub ticket_keys: Vec<crate::TicketKeyInput>,
}

/// What a connection test found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionProblem {
    /// 900003: the app key (or union key) does not match.
    BadSignature,
    /// 900004: the platform has no company with this appid.
    UnknownAppid,
    /// The base URL could not be reached.
    Network,
    /// The account has no app key (or union key) in the keychain.
    MissingSecret,
    /// The keychain is missing or locked.
    Keychain,
    /// 700046: the company's edition has no API access.
    EditionNotSupported,
    /// Any other refusal; the message has the platform's words.
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConnectionReport {
    pub ok: bool,
    pub problem: Option<ConnectionProblem>,
    /// What happened and what to do, for people.
    pub message: String,
}

impl ConnectionReport {
    fn ok(message: impl Into<String>) -> ConnectionReport {
        ConnectionReport {
            ok: true,
            problem: None,
            message: message.into(),
        }
    }

    fn failed(problem: ConnectionProblem, message: impl Into<String>) -> ConnectionReport {
        ConnectionReport {
            ok: false,
            problem: Some(problem),
            message: message.into(),
        }
    }
}

const MAX_NAME_CHARS: usize = 64;

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

/// A provider preset that exists, and a base URL with nothing left to fill in.
fn validate_assistant(assistant: &AssistantProviderSettings) -> Result<(), ApiError> {
    let presets = agentdesk_llm::provider::PRESETS;
    if assistant.preset != "custom" && !presets.iter().any(|p| p.id == assistant.preset) {
        return Err(invalid(format!(
            "no model provider preset {:?}: choose one of {} or custom",
            assistant.preset,
            presets.iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
        )));
    }
    if assistant.base_url.contains('{') {
        return Err(invalid(format!(
            "the assistant's base URL {:?} still has a part to fill in (the braces)",
            assistant.base_url
        )));
    }
    agentdesk_llm::Provider::new(&assistant.base_url, &assistant.model, None)
        .map_err(|why| invalid(why.to_string()))?;
    Ok(())
}

impl Account {
    /// Checks the account before anything is written.
    pub fn validate(&self) -> Result<(), ApiError> {
        self.validate_name()?;
        self.validate_base_url()?;
        if self.appid.trim().is_empty() && self.supervisor.is_none() {
            return Err(invalid("an agent account needs its appid".into()));
        }
        if let Some(supervisor) = &self.supervisor {
            if supervisor.union_code.trim().is_empty() || !supervisor.email.contains('@') {
                return Err(invalid(
                    "a supervisor account needs its union code and the super-administrator's e-mail"
                        .into(),
                ));
            }
        }
        if !self.agent_email.is_empty() && !self.agent_email.contains('@') {
            return Err(invalid(format!(
                "{:?} is not an e-mail address",
                self.agent_email
            )));
        }
        if let Some(assistant) = &self.assistant {
            validate_assistant(assistant)?;
        }
        crate::tickets::validate_systems(&self.tickets)?;
        crate::payments::validate_systems(&self.payments)?;
        if let Some(speech) = &self.speech {
            speech.validate()?;
        }
        Ok(())
    }

    /// The name names the account's keychain items and database folder: no path characters.
    fn validate_name(&self) -> Result<(), ApiError> {
        let name = self.name.trim();
        if name.is_empty() || name != self.name {
            return Err(ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::AccountNameSpaces,
                "an account needs a name without leading or trailing spaces",
            ));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(invalid(format!(
                "account names are at most {MAX_NAME_CHARS} characters"
            )));
        }
        if name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\'))
            || name == "."
            || name == ".."
        {
            return Err(invalid(format!(
                "the account name {name:?} may not contain / \\ or control characters"
            )));
        }
        Ok(())
    }

    /// A Sobot account signs in at one of Sobot's data centres; a sandbox anywhere over http(s).
    fn validate_base_url(&self) -> Result<(), ApiError> {
        let Ok(url) = url::Url::parse(&self.base_url) else {
            return Err(invalid(format!(
                "the base URL {:?} is not a URL (e.g. https://www.sobot.com)",
                self.base_url
            )));
        };
        match self.platform {
            Platform::Sobot => {
                let origin = url.origin().ascii_serialization();
                if !SOBOT_BASE_URLS.contains(&origin.as_str()) || url.path().len() > 1 {
                    return Err(invalid(format!(
                        "a Sobot account's base URL is one of {}; {:?} is not",
                        SOBOT_BASE_URLS.join(", "),
                        self.base_url
                    )));
                }
            }
            Platform::Sandbox => {
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(invalid(format!(
                        "the sandbox base URL {:?} must be http(s)://host:port",
                        self.base_url
                    )));
                }
            }
        }
        Ok(())
    }

    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// The saved account a save replaces (its previous name on an edit, else its own name), refusing an
/// edit of an account that is gone and a new name that another account has.
fn name_being_replaced(
    accounts: &[Account],
    account: &Account,
    previous_name: Option<&str>,
) -> Result<String, ApiError> {
    let replacing = previous_name.unwrap_or(&account.name).to_string();
    let exists = accounts.iter().any(|a| a.name == replacing);
    if previous_name.is_some() && !exists {
        return Err(ApiError::because(
            ErrorCode::NotFound,
            ErrorReason::NoAccount {
                name: replacing.clone(),
            },
            format!("there is no account named {replacing:?} to edit"),
        ));
    }
    let taken = if previous_name.is_none() {
        exists.then(|| {
            format!(
                "an account named {:?} already exists; edit it or remove it first",
                account.name
            )
        })
    } else {
        (replacing != account.name && accounts.iter().any(|a| a.name == account.name))
            .then(|| format!("an account named {:?} already exists", account.name))
    };
    match taken {
        Some(message) => Err(ApiError::because(
            ErrorCode::InvalidInput,
            ErrorReason::AccountExists {
                name: account.name.clone(),
            },
            message,
        )),
        None => Ok(replacing),
    }
}

/// The accounts file and the keychain together.
#[derive(Clone)]
pub struct AccountBook {
    path: PathBuf,
    keychain: Keychain,
}

impl AccountBook {
    pub fn new(config_dir: &Path, keychain: Keychain) -> AccountBook {
        AccountBook {
            path: config_dir.join("accounts.json"),
            keychain,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The keychain the accounts' secrets (and their databases' keys) live in.
    pub fn keychain(&self) -> &Keychain {
        &self.keychain
    }

    /// IT places a payment system's keys: the merchant's private key and the provider's public key
    /// or certificate (PEM, or bare base64 as the vendors' tools give them), checked to load
    /// before either is stored. The account must name the system.
    pub async fn store_payment_keys(
        &self,
        name: &str,
        provider: agentdesk_payments::Provider,
        merchant_key: &str,
        provider_key: &str,
    ) -> Result<(), ApiError> {
        let account = self.account(name)?;
        if !account.payments.iter().any(|p| p.provider == provider) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("account {name:?} does not name {provider} among its payment systems: add it in the provisioning file first"),
            ));
        }
        let bad = |what: &str, e: String| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("{what}: {e}; nothing was stored"),
            )
        };
        agentdesk_payments::MerchantKey::from_text(merchant_key)
            .map_err(|e| bad("the merchant's private key", e.0))?;
        agentdesk_payments::ProviderKey::from_text(provider_key)
            .map(drop)
            .or_else(|_| agentdesk_payments::Certificate::from_text(provider_key).map(drop))
            .map_err(|e| bad(&format!("{provider}'s public key or certificate"), e.0))?;
        for (part, text) in [
            ("merchant-key", merchant_key),
            ("provider-key", provider_key),
        ] {
            self.keychain
                .store(
                    &crate::payments::payment_key(name, provider, part),
                    &Secret::new(text.trim().to_string()),
                )
                .await?;
        }
        Ok(())
    }

    /// IT places the speech service's AccessKey secret; the account must name the service.
    pub async fn store_speech_secret(&self, name: &str, secret: &str) -> Result<(), ApiError> {
        let account = self.account(name)?;
        if account.speech.is_none() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("account {name:?} has no speech service: add [accounts.speech] in the provisioning file first"),
            ));
        }
        if secret.trim().is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the AccessKey secret is empty; nothing was stored",
            ));
        }
        self.keychain
            .store(
                &SecretName::SpeechSecret {
                    account: name.to_string(),
                },
                &Secret::new(secret.trim().to_string()),
            )
            .await
            .map_err(Into::into)
    }

    /// The connector files beside the accounts file, with keys in the same keychain.
    pub fn connectors(&self) -> crate::ConnectorCatalog {
        crate::ConnectorCatalog::new(
            self.path.parent().unwrap_or_else(|| Path::new(".")),
            self.keychain.clone(),
        )
    }

    /// The saved accounts. A damaged file is an error (never silently replaced: it is the only
    /// record of which keychain items belong to whom).
    pub fn accounts(&self) -> Result<Vec<Account>, ApiError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::new(
                    ErrorCode::Storage,
                    format!(
                        "the accounts file {} is damaged ({e}); fix or remove it and add the accounts again",
                        self.path.display()
                    ),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(ApiError::new(
                ErrorCode::Storage,
                format!("cannot read {}: {e}", self.path.display()),
            )),
        }
    }

    pub fn account(&self, name: &str) -> Result<Account, ApiError> {
        self.accounts()?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::NotFound,
                    ErrorReason::NoAccount {
                        name: name.to_string(),
                    },
                    format!("there is no account named {name:?}"),
                )
            })
    }

    /// Accounts with which of their secrets are set.
    pub async fn list(&self) -> Result<Vec<AccountView>, ApiError> {
        let mut views = Vec::new();
        for account in self.accounts()? {
            let has_app_key = self
                .keychain
                .contains(&SecretName::PlatformAppKey {
                    account: account.name.clone(),
                })
                .await?;
            let has_union_key = self
                .keychain
                .contains(&SecretName::UnionKey {
                    account: account.name.clone(),
                })
                .await?;
            let has_assistant_key = self
                .keychain
                .contains(&SecretName::AssistantKey {
                    account: account.name.clone(),
                })
                .await?;
            let mut ticket_keys = Vec::new();
            for system in &account.tickets {
                if crate::tickets::needs_key(system.system)
                    && self
                        .keychain
                        .contains(&crate::tickets::ticket_key(&account.name, system.system))
                        .await?
                {
                    ticket_keys.push(system.system);
                }
            }
            views.push(AccountView {
                account,
                has_app_key,
                has_union_key,
                has_assistant_key,
                ticket_keys,
            });
        }
        Ok(views)
    }

    /// Adds an account or replaces one. Secrets go to the keychain first: if the keychain refuses,
    /// nothing changes.
    pub async fn save(&self, input: AccountInput) -> Result<(), ApiError> {
        let AccountInput {
            mut account,
            previous_name,
            app_key,
            union_key,
            assistant_key,
            ticket_keys,
        } = input;
        account.validate()?;
        let mut accounts = self.accounts()?;
        let replacing = name_being_replaced(&accounts, &account, previous_name.as_deref())?;
        let name = account.name.clone();
        // A rename carries the existing secrets over to the new name.
        if replacing != name {
            for (old, new) in SecretName::of_account(&replacing)
                .into_iter()
                .zip(SecretName::of_account(&name))
            {
                if let Some(secret) = self.keychain.load(&old).await? {
                    self.keychain.store(&new, &secret).await?;
                }
            }
        }
        self.store_secrets(&name, app_key, union_key, assistant_key)
            .await?;
        for typed in ticket_keys {
            let secret_name = crate::tickets::ticket_key(&name, typed.system);
            match typed.key.trim() {
                "" => {
                    self.keychain.remove(&secret_name).await?;
                }
                key => {
                    self.keychain
                        .store(&secret_name, &Secret::new(key.to_string()))
                        .await?;
                }
            }
        }
        // The home merchant AgentDesk recorded stays with the account while it is the same company
        // (the window never sends it).
        if account.home.is_none() {
            account.home = accounts
                .iter()
                .find(|a| {
                    a.name == replacing && a.appid == account.appid && a.base() == account.base()
                })
                .and_then(|a| a.home.clone());
        }
        accounts.retain(|a| a.name != replacing);
        accounts.push(account);
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
        self.write(&accounts)?;
        if replacing != name {
            for old in SecretName::of_account(&replacing) {
                self.keychain.remove(&old).await?;
            }
        }
        Ok(())
    }

    /// Stores the secrets an edit typed (`None` keeps the stored one). The platform's keys may not
    /// be empty; an empty provider key removes it (a server on this machine or network may need none).
    async fn store_secrets(
        &self,
        account: &str,
        app_key: Option<String>,
        union_key: Option<String>,
        assistant_key: Option<String>,
    ) -> Result<(), ApiError> {
        let account = account.to_string();
        for (value, secret_name) in [
            (
                app_key,
                SecretName::PlatformAppKey {
                    account: account.clone(),
                },
            ),
            (
                union_key,
                SecretName::UnionKey {
                    account: account.clone(),
                },
            ),
        ] {
            let Some(value) = value else { continue };
            let value = value.trim();
            if value.is_empty() {
                return Err(invalid(format!("the {} is empty", describe(&secret_name))));
            }
            self.keychain
                .store(&secret_name, &Secret::new(value.to_string()))
                .await?;
        }
        if let Some(value) = assistant_key {
            let secret_name = SecretName::AssistantKey { account };
            match value.trim() {
                "" => {
                    self.keychain.remove(&secret_name).await?;
                }
                key => {
                    self.keychain
                        .store(&secret_name, &Secret::new(key.to_string()))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Removes the account and its keychain items.
    pub async fn remove(&self, name: &str) -> Result<(), ApiError> {
        let mut accounts = self.accounts()?;
        let before = accounts.len();
        accounts.retain(|a| a.name != name);
        if accounts.len() == before {
            return Err(ApiError::because(
                ErrorCode::NotFound,
                ErrorReason::NoAccount {
                    name: name.to_string(),
                },
                format!("there is no account named {name:?}"),
            ));
        }
        for secret in SecretName::of_account(name) {
            self.keychain.remove(&secret).await?;
        }
        self.write(&accounts)
    }

    /// The agent credentials of an account, with its app key from the keychain.
    pub async fn agent_credentials(&self, name: &str) -> Result<AgentCredentials, ApiError> {
        let account = self.account(name)?;
        let app_key = self.app_key(&account).await?;
        if account.agent_email.is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "account {name:?} has no agent e-mail: add it in Settings → Accounts \
                     (or `agentdesk-cli account add ... --agent-email`)"
                ),
            ));
        }
        Ok(AgentCredentials {
            base_url: account.base().to_string(),
            appid: account.appid.clone(),
            app_key,
            email: account.agent_email.clone(),
            password: None,
        })
    }

    /// The reply assistant's provider of an account, with its key from the keychain; `None` when
    /// the account has none set up. A preset that needs a key and has none says so.
    pub async fn assistant_provider(
        &self,
        account: &Account,
    ) -> Result<Option<agentdesk_llm::Provider>, ApiError> {
        let Some(settings) = &account.assistant else {
            return Ok(None);
        };
        let key = self
            .keychain
            .load(&SecretName::AssistantKey {
                account: account.name.clone(),
            })
            .await?;
        let needs_key = agentdesk_llm::provider::PRESETS
            .iter()
            .find(|p| p.id == settings.preset)
            .is_some_and(|p| p.needs_key);
        if needs_key && key.is_none() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "account {:?} has no key for its model provider in the keychain: set it in Settings → Accounts",
                    account.name
                ),
            ));
        }
        agentdesk_llm::Provider::new(&settings.base_url, &settings.model, key)
            .map(Some)
            .map_err(|why| ApiError::new(ErrorCode::InvalidInput, why))
    }

    /// A supervisor account's union key, from the keychain.
    pub(crate) async fn union_key(&self, account: &Account) -> Result<Secret, ApiError> {
        self.keychain
            .load(&SecretName::UnionKey {
                account: account.name.clone(),
            })
            .await?
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::InvalidInput, ErrorReason::AccountKeyMissing { name: account.name.clone(), which: KeyKind::Union },
                    format!(
                        "account {:?} has no union key in the keychain: set it in Settings → Accounts",
                        account.name
                    ),
                )
            })
    }

    async fn app_key(&self, account: &Account) -> Result<Secret, ApiError> {
        self.keychain
            .load(&SecretName::PlatformAppKey {
                account: account.name.clone(),
            })
            .await?
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::InvalidInput, ErrorReason::AccountKeyMissing { name: account.name.clone(), which: KeyKind::App },
                    format!(
                        "account {:?} has no app key in the keychain: set it in Settings → Accounts",
                        account.name
                    ),
                )
            })
    }

    /// Fetches a token with the account's credentials and says exactly what is wrong, if anything.
    pub async fn test_connection(&self, name: &str) -> Result<ConnectionReport, ApiError> {
        let account = self.account(name)?;
        if account.appid.is_empty() {
            return Ok(ConnectionReport::failed(
                ConnectionProblem::MissingSecret,
                "this account has no appid to test",
            ));
        }
        let app_key = match self
            .keychain
            .load(&SecretName::PlatformAppKey {
                account: account.name.clone(),
            })
            .await
        {
            Ok(Some(key)) => key,
            Ok(None) => {
                return Ok(ConnectionReport::failed(
                    ConnectionProblem::MissingSecret,
                    "no app key is set for this account: enter it and save",
                ))
            }
            Err(error) => {
                return Ok(ConnectionReport::failed(
                    ConnectionProblem::Keychain,
                    error.to_string(),
                ))
            }
        };
        // Before any workbench exists: the call is made like every other, recorded nowhere.
        let http = agentdesk_http::HttpContext::unrecorded()
            .client(agentdesk_http::HttpSettings::within(Duration::from_secs(
                10,
            )))
            .map_err(|e| ApiError::new(ErrorCode::Offline, e.to_string()))?;
        let tokens = TokenCache::new(http, account.base(), &account.appid, app_key);
        Ok(match tokens.token().await {
            Ok(_) => ConnectionReport::ok(format!(
                "signed in to {} with appid {}: a token was issued",
                account.base(),
                account.appid
            )),
            Err(error) => report_token_error(&account, error),
        })
    }

    /// Records `home` as the account's own merchant (see `HomeTenant`).
    pub(crate) fn remember_home(&self, name: &str, home: &HomeTenant) -> Result<(), ApiError> {
        let mut accounts = self.accounts()?;
        let Some(account) = accounts.iter_mut().find(|a| a.name == name) else {
            return Ok(());
        };
        if account.home.as_ref() == Some(home) {
            return Ok(());
        }
        account.home = Some(home.clone());
        self.write(&accounts)
    }

    fn write(&self, accounts: &[Account]) -> Result<(), ApiError> {
        let storage = |e: std::io::Error| {
            ApiError::new(
                ErrorCode::Storage,
                format!("cannot save accounts to {}: {e}", self.path.display()),
            )
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(storage)?;
        }
        let temp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(accounts).unwrap_or_default();
        std::fs::write(&temp, bytes).map_err(storage)?;
        std::fs::rename(&temp, &self.path).map_err(storage)
    }
}

fn describe(name: &SecretName) -> &'static str {
    match name {
        SecretName::PlatformAppKey { .. } => "app key",
        SecretName::UnionKey { .. } => "union key",
        SecretName::AssistantKey { .. } => "model provider key",
        SecretName::AgentPassword { .. } => "agent password",
        SecretName::ConnectorKey { .. } => "connector key",
        SecretName::DatabaseKey { .. } => "database key",
        SecretName::TicketKey { .. } => "ticket system key",
        SecretName::PaymentKey { .. } => "payment system key",
        SecretName::SpeechSecret { .. } => "speech service secret",
    }
}

fn report_token_error(account: &Account, error: ClientError) -> ConnectionReport {
    match &error {
        ClientError::Platform { code, message, .. } => match code {
            RetCode::BadSignature => ConnectionReport::failed(
                ConnectionProblem::BadSignature,
                format!(
                    "the platform rejected the signature (900003 {message}): the app key does not \
                     belong to appid {}. Copy both again from the platform's settings.",
                    account.appid
                ),
            ),
            RetCode::UnknownAppId => ConnectionReport::failed(
                ConnectionProblem::UnknownAppid,
                format!(
                    "{} has no company with appid {} (900004 {message}): check the appid, and that \
                     the base URL is the environment the company is on.",
                    account.base(),
                    account.appid
                ),
            ),
            RetCode::EditionNotSupported => ConnectionReport::failed(
                ConnectionProblem::EditionNotSupported,
                format!("the company's edition has no API access (700046 {message})"),
            ),
            _ => ConnectionReport::failed(ConnectionProblem::Refused, error.to_string()),
        },
        ClientError::Network { .. } | ClientError::Http { .. } => ConnectionReport::failed(
            ConnectionProblem::Network,
            format!("cannot reach {}: {error}", account.base()),
        ),
        _ => ConnectionReport::failed(ConnectionProblem::Refused, error.to_string()),
    }
}
