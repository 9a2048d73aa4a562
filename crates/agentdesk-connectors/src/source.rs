//! One face over every source of profiles and orders, so the view asks "the profile source" and
//! "the order source" without caring which protocol answers: a declarative REST connector, or a CRM
//! speaking the Qiyu CRM protocol. Built from a connector file and its key.

use std::time::Duration;

use agentdesk_domain::Secret;

use crate::crm::qiyu::QiyuCrmClient;
use crate::profile::{CustomerProfile, Order};
use crate::rest::config::{ConnectorConfig, Protocol, Role};
use crate::rest::{Lookup, RestConnector, RestError};

/// How many orders a Qiyu-protocol CRM is asked for.
const QIYU_ORDER_COUNT: u32 = 20;

pub enum Connector {
    /// Boxed: a REST connector carries its whole configuration.
    Rest(Box<RestConnector>),
    QiyuCrm {
        name: String,
        provides: Vec<Role>,
        client: Box<QiyuCrmClient>,
    },
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// The connector a file describes; `secret` is its key from the keychain.
    pub fn from_config(
        config: ConnectorConfig,
        secret: Option<Secret>,
        context: &agentdesk_http::HttpContext,
    ) -> Result<Connector, RestError> {
        match config.protocol {
            Protocol::Rest => {
                RestConnector::new(config, secret, context).map(|c| Connector::Rest(Box::new(c)))
            }
            Protocol::Kuaidi100 | Protocol::SfExpress => Err(RestError::Config(format!(
                "{} is a carrier: it tracks parcels, it has no profiles or orders",
                config.name
            ))),
            Protocol::QiyuCrm => {
                let secret = secret.ok_or_else(|| RestError::MissingKey {
                    source_name: config.name.clone(),
                })?;
                let timeout = Duration::from_millis(config.timeout_ms.unwrap_or(10_000));
                let http = context
                    .client(agentdesk_http::HttpSettings::within(timeout))
                    .map_err(|e| RestError::Config(e.to_string()))?;
                Ok(Connector::QiyuCrm {
                    client: Box::new(QiyuCrmClient::new(
                        &config.base_url,
                        config.appid.as_deref().unwrap_or_default(),
                        secret,
                        http,
                    )),
                    name: config.name,
                    provides: config.provides,
                })
            }
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Connector::Rest(rest) => rest.name(),
            Connector::QiyuCrm { name, .. } => name,
        }
    }

    pub fn provides(&self, role: Role) -> bool {
        match self {
            Connector::Rest(rest) => rest.provides(role),
            Connector::QiyuCrm { provides, .. } => provides.contains(&role),
        }
    }

    /// The customer's profile (`None`: no such customer, or no identifier this source uses). A
    /// Qiyu-protocol CRM looks customers up by the platform's partner id (`external_id`).
    pub async fn profile(&self, who: &Lookup) -> Result<Option<CustomerProfile>, String> {
        match self {
            Connector::Rest(rest) => rest.profile(who).await.map_err(|e| e.to_string()),
            Connector::QiyuCrm { client, .. } => match &who.external_id {
                Some(id) => client
                    .user_info(id)
                    .await
                    .map(|p| Some(p).filter(|p| *p != CustomerProfile::default()))
                    .map_err(|e| e.to_string()),
                None => Ok(None),
            },
        }
    }

    pub async fn orders(&self, who: &Lookup) -> Result<Vec<Order>, String> {
        match self {
            Connector::Rest(rest) => rest.orders(who).await.map_err(|e| e.to_string()),
            Connector::QiyuCrm { client, .. } => match &who.external_id {
                Some(id) => client
                    .orders(id, QIYU_ORDER_COUNT, 0)
                    .await
                    .map(|(orders, _)| orders)
                    .map_err(|e| e.to_string()),
                None => Ok(Vec::new()),
            },
        }
    }
}
