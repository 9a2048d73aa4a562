//! The merchant's own connectors for the 360° view in account mode: declarative REST configuration
//! files in `{config_dir}/connectors/` (format in the README, "Connectors") and each one's key in the
//! keychain as `connector/{name}/key`. Adding checks the file first and stores the key before the
//! file, so a bad file or a refused keychain leaves nothing half-added.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agentdesk_connectors::logistics::kuaidi100::Kuaidi100Client;
use agentdesk_connectors::logistics::sf::SfClient;
use agentdesk_connectors::rest::config::{parse, ConnectorConfig, Protocol, Role};
use agentdesk_connectors::rest::Lookup;
use agentdesk_connectors::source::Connector;
use agentdesk_domain::Secret;
use agentdesk_http::{HttpContext, HttpSettings};
use agentdesk_secrets::{Keychain, SecretName};
use serde::Serialize;
use ts_rs::TS;

use crate::{ApiError, ErrorCode};

/// One connector file, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConnectorView {
    pub name: String,
    pub preset: Option<String>,
    pub base_url: String,
    /// `profile`, `orders`.
    pub provides: Vec<String>,
    pub has_key: bool,
    /// Where the file is.
    pub path: String,
    /// Why the file cannot be used, when it cannot.
    pub problem: Option<String>,
}

/// What a connector test found for one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorProbe {
    pub profile_name: Option<String>,
    pub orders: usize,
    pub waybills: usize,
    /// The orders as the view will show them (id, status, amount with its currency, lines,
    /// parcels), so a mapping that reads the wrong field shows here and not in front of an agent.
    pub mapped_orders: Vec<agentdesk_connectors::profile::Order>,
}

/// The connectors the view uses: the first (by file name) providing each role, and the carriers.
#[derive(Default)]
pub struct ChosenConnectors {
    pub profile: Option<Arc<Connector>>,
    pub orders: Option<Arc<Connector>>,
    pub kuaidi100: Option<Kuaidi100Client>,
    pub sf: Option<SfClient>,
    /// Files that could not be used, or were passed over, and why.
    pub warnings: Vec<String>,
}

/// A file and what reading it gave: its configuration, or why it cannot be used.
type ConnectorFile = (PathBuf, Result<ConnectorConfig, String>);

pub struct ConnectorCatalog {
    dir: PathBuf,
    keychain: Keychain,
}

/// File names from connector names, one-to-one: anything but ASCII letters, digits, `-` and `_`
/// is written as `%XX` (so "订单" and "Orders/EU" each get a file of their own on every OS).
fn file_stem(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

impl ConnectorCatalog {
    pub fn new(config_dir: &Path, keychain: Keychain) -> ConnectorCatalog {
        ConnectorCatalog {
            dir: config_dir.join("connectors"),
            keychain,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key_name(name: &str) -> SecretName {
        SecretName::ConnectorKey {
            connector: name.to_string(),
        }
    }

    /// The files, in name order, each parsed (a broken one is listed with its problem).
    fn files(&self) -> Result<Vec<ConnectorFile>, ApiError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(ApiError::new(
                    ErrorCode::Storage,
                    format!("cannot read {}: {e}", self.dir.display()),
                ))
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        Ok(paths
            .into_iter()
            .map(|path| {
                let parsed = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read it: {e}"))
                    .and_then(|text| parse(&text).map_err(|e| e.to_string()));
                (path, parsed)
            })
            .collect())
    }

    pub async fn list(&self) -> Result<Vec<ConnectorView>, ApiError> {
        let mut views = Vec::new();
        for (path, parsed) in self.files()? {
            let view = match parsed {
                Ok(config) => ConnectorView {
                    has_key: self
                        .keychain
                        .contains(&Self::key_name(&config.name))
                        .await?,
                    name: config.name,
                    preset: config.preset,
                    base_url: config.base_url,
                    provides: config
                        .provides
                        .iter()
                        .map(|r| match r {
                            Role::Profile => "profile".to_string(),
                            Role::Orders => "orders".to_string(),
                            Role::Tracking => "tracking".to_string(),
                        })
                        .collect(),
                    path: path.display().to_string(),
                    problem: None,
                },
                Err(problem) => ConnectorView {
                    name: path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    preset: None,
                    base_url: String::new(),
                    provides: Vec::new(),
                    has_key: false,
                    path: path.display().to_string(),
                    problem: Some(problem),
                },
            };
            views.push(view);
        }
        Ok(views)
    }

    /// Checks a configuration file's text and saves it (replacing a connector of the same name);
    /// `key`, when given, goes to the keychain first.
    pub async fn add(&self, text: &str, key: Option<Secret>) -> Result<ConnectorConfig, ApiError> {
        let config = parse(text).map_err(|e| invalid(e.to_string()))?;
        if let Some(key) = &key {
            if key.expose().trim().is_empty() {
                return Err(invalid("the connector's key is empty"));
            }
            self.keychain
                .store(&Self::key_name(&config.name), key)
                .await?;
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!("cannot create {}: {e}", self.dir.display()),
            )
        })?;
        let path = self.dir.join(format!("{}.toml", file_stem(&config.name)));
        let temporary = path.with_extension("toml.tmp");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &path))
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::Storage,
                    format!("cannot write {}: {e}", path.display()),
                )
            })?;
        Ok(config)
    }

    /// Stores (or replaces) a connector's key.
    pub async fn set_key(&self, name: &str, key: Secret) -> Result<(), ApiError> {
        self.config(name)?;
        if key.expose().trim().is_empty() {
            return Err(invalid("the connector's key is empty"));
        }
        self.keychain.store(&Self::key_name(name), &key).await?;
        Ok(())
    }

    /// Removes the file and the key.
    pub async fn remove(&self, name: &str) -> Result<(), ApiError> {
        let (path, _) = self.find(name)?;
        self.keychain.remove(&Self::key_name(name)).await?;
        std::fs::remove_file(&path).map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!("cannot remove {}: {e}", path.display()),
            )
        })
    }

    fn find(&self, name: &str) -> Result<(PathBuf, ConnectorConfig), ApiError> {
        self.files()?
            .into_iter()
            .find_map(|(path, parsed)| match parsed {
                Ok(config) if config.name == name => Some((path, config)),
                _ => None,
            })
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!(
                        "there is no connector named {name:?} in {}",
                        self.dir.display()
                    ),
                )
            })
    }

    fn config(&self, name: &str) -> Result<ConnectorConfig, ApiError> {
        self.find(name).map(|(_, config)| config)
    }

    async fn connector(
        &self,
        config: ConnectorConfig,
        context: &HttpContext,
    ) -> Result<Connector, ApiError> {
        let key = self.keychain.load(&Self::key_name(&config.name)).await?;
        Connector::from_config(config, key, context).map_err(|e| invalid(e.to_string()))
    }

    /// A carrier file: its client, with the key from the keychain, into its slot (the first file
    /// per carrier wins).
    async fn carrier(
        &self,
        config: ConnectorConfig,
        chosen: &mut ChosenConnectors,
        context: &HttpContext,
    ) -> Result<(), ApiError> {
        let key = self
            .keychain
            .load(&Self::key_name(&config.name))
            .await?
            .ok_or_else(|| {
                invalid(format!(
                    "its key is not in the keychain; store it with `agentdesk-cli connector set-key {}`",
                    config.name
                ))
            })?;
        let timeout = std::time::Duration::from_millis(config.timeout_ms.unwrap_or(10_000));
        let http = context
            .client(HttpSettings::within(timeout))
            .map_err(|e| invalid(e.to_string()))?;
        match config.protocol {
            Protocol::Kuaidi100 if chosen.kuaidi100.is_none() => {
                chosen.kuaidi100 = Some(Kuaidi100Client::new(
                    &config.base_url,
                    config.customer.as_deref().unwrap_or_default(),
                    key,
                    http,
                ));
            }
            Protocol::SfExpress if chosen.sf.is_none() => {
                chosen.sf = Some(SfClient::new(
                    &config.base_url,
                    config.partner_id.as_deref().unwrap_or_default(),
                    key,
                    http,
                ));
            }
            _ => return Err(invalid(
                "an earlier file already configures this carrier (files are read in name order)",
            )),
        }
        Ok(())
    }

    /// Looks one customer up through one connector, to check its settings and key.
    pub async fn probe(&self, name: &str, who: &Lookup) -> Result<ConnectorProbe, ApiError> {
        let config = self.config(name)?;
        if matches!(config.protocol, Protocol::Kuaidi100 | Protocol::SfExpress) {
            return Err(invalid(format!(
                "{name:?} is a carrier: it tracks waybills, not customers (the Customer tab uses it for the orders' parcels)"
            )));
        }
        let connector = self.connector(config, &HttpContext::unrecorded()).await?;
        let fail = |e: String| ApiError::new(ErrorCode::Platform, e);
        let profile = if connector.provides(Role::Profile) {
            connector.profile(who).await.map_err(fail)?
        } else {
            None
        };
        let orders = if connector.provides(Role::Orders) {
            connector.orders(who).await.map_err(fail)?
        } else {
            Vec::new()
        };
        Ok(ConnectorProbe {
            profile_name: profile.and_then(|p| p.name),
            waybills: orders.iter().map(|o| o.tracking.len()).sum(),
            orders: orders.len(),
            mapped_orders: orders,
        })
    }

    /// The connectors the view will use. A file that cannot be used is passed over with a warning
    /// (the view still starts).
    pub async fn choose(&self, context: &HttpContext) -> Result<ChosenConnectors, ApiError> {
        let mut chosen = ChosenConnectors::default();
        for (path, parsed) in self.files()? {
            let config = match parsed {
                Ok(config) => config,
                Err(problem) => {
                    chosen
                        .warnings
                        .push(format!("{} is not used: {problem}", path.display()));
                    continue;
                }
            };
            let name = config.name.clone();
            if matches!(config.protocol, Protocol::Kuaidi100 | Protocol::SfExpress) {
                match self.carrier(config, &mut chosen, context).await {
                    Ok(()) => {}
                    Err(error) => chosen
                        .warnings
                        .push(format!("carrier {name:?} is not used: {error}")),
                }
                continue;
            }
            let connector = match self.connector(config, context).await {
                Ok(connector) => Arc::new(connector),
                Err(error) => {
                    chosen
                        .warnings
                        .push(format!("connector {name:?} is not used: {error}"));
                    continue;
                }
            };
            for (role, slot) in [
                (Role::Profile, &mut chosen.profile),
                (Role::Orders, &mut chosen.orders),
            ] {
                if !connector.provides(role) {
                    continue;
                }
                match slot {
                    None => *slot = Some(connector.clone()),
                    Some(first) => chosen.warnings.push(format!(
                        "connectors {:?} and {name:?} both provide {role:?}; {:?} is used (files are read in name order)",
                        first.name(),
                        first.name()
                    )),
                }
            }
        }
        Ok(chosen)
    }
}

/// An account's sources for the 360° view: its connector files (profile, orders, carriers) with keys
/// from the keychain. A file that cannot be used is logged and passed over, so the view still starts.
pub(crate) async fn account_sources(
    catalog: &ConnectorCatalog,
    context: &HttpContext,
) -> agentdesk_customer360::CustomerSources {
    let chosen = match catalog.choose(context).await {
        Ok(chosen) => chosen,
        Err(error) => {
            tracing::warn!(%error, "the connectors could not be read; the view shows the platform's records only");
            return agentdesk_customer360::CustomerSources::platform_only();
        }
    };
    for warning in &chosen.warnings {
        tracing::warn!(%warning, "connector passed over");
    }
    agentdesk_customer360::CustomerSources::new(
        chosen.profile,
        chosen.orders,
        chosen.kuaidi100,
        chosen.sf,
    )
}
