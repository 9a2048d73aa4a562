//! The declarative REST connector: a merchant attaches its own CRM or order system with a
//! configuration file and no code (format in `config`, presets for Shopify's Admin GraphQL API and
//! Salesforce's SOQL query API in `presets/`). It looks the customer up by the first identifier its
//! file has a request for, follows pages, and maps the answers into the view's profile and orders.

pub mod auth;
pub mod config;
pub mod template;

use std::time::Duration;

use agentdesk_domain::Secret;
use serde_json::Value;

use crate::profile::{CustomerProfile, Field, Order, OrderLine, TrackingRef};
use auth::{Authenticator, Outgoing};
use config::{ConnectorConfig, Lookups, Paging, RequestTemplate, Role};
use template::{fill, fill_json, read, Vars};

/// At most this many orders are collected, whatever the paging allows.
pub const MAX_ORDERS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    #[error("connector configuration: {0}")]
    Config(String),
    #[error("{source_name}: its key is not in the keychain; store it with `agentdesk-cli connector set-key {source_name}`")]
    MissingKey { source_name: String },
    #[error("{source_name} could not be reached: {message}")]
    Network {
        source_name: String,
        message: String,
    },
    /// The request left but no answer came (a timeout, a connection cut): it may have arrived.
    #[error("{source_name} did not answer: {message}")]
    NoAnswer {
        source_name: String,
        message: String,
    },
    #[error("{source_name} refused the credentials (HTTP {status}): {message}; check the connector's key and settings")]
    Auth {
        source_name: String,
        status: u16,
        message: String,
    },
    #[error("{source_name} answered HTTP {status}: {body}")]
    Http {
        source_name: String,
        status: u16,
        body: String,
    },
    #[error("unexpected answer from {source_name}: {message}")]
    Decode {
        source_name: String,
        message: String,
    },
}

impl agentdesk_http::CallFailure for RestError {
    fn outcome(&self) -> String {
        match self {
            RestError::Network { .. } | RestError::NoAnswer { .. } => "network".into(),
            RestError::Http { status, .. } => format!("http_{status}"),
            RestError::Decode { .. } => "decode".into(),
            RestError::Config(_) | RestError::MissingKey { .. } => "config".into(),
            RestError::Auth { status, .. } => format!("auth_{status}"),
        }
    }

    fn is_transient(&self) -> bool {
        match self {
            RestError::Network { .. } | RestError::NoAnswer { .. } => true,
            RestError::Http { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// What the view knows about the customer, to look them up by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    pub external_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The first 200 characters of an answer, for error messages.
pub(crate) fn excerpt(body: &str) -> String {
    let mut cut: String = body.chars().take(200).collect();
    if cut.len() < body.len() {
        cut.push('…');
    }
    cut
}

pub struct RestConnector {
    config: ConnectorConfig,
    base_url: url::Url,
    http: agentdesk_http::HttpClient,
    auth: Authenticator,
}

impl std::fmt::Debug for RestConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestConnector")
            .field("name", &self.config.name)
            .field("base_url", &self.config.base_url)
            .finish_non_exhaustive()
    }
}

impl RestConnector {
    /// `secret` is the connector's key from the keychain (`connector/{name}/key`); every auth kind
    /// but `none` needs one.
    pub fn new(
        config: ConnectorConfig,
        secret: Option<Secret>,
        context: &agentdesk_http::HttpContext,
    ) -> Result<RestConnector, RestError> {
        let base_url = url::Url::parse(&config.base_url)
            .map_err(|e| RestError::Config(format!("base_url: {e}")))?;
        let timeout = Duration::from_millis(config.timeout_ms.unwrap_or(10_000));
        let http = context
            .client(agentdesk_http::HttpSettings::within(timeout))
            .map_err(|e| RestError::Config(e.to_string()))?;
        let auth = Authenticator::new(&config.name, config.auth.clone(), secret, &base_url)?;
        Ok(RestConnector {
            config,
            base_url,
            http,
            auth,
        })
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn provides(&self, role: Role) -> bool {
        self.config.provides.contains(&role)
    }

    /// The customer's profile; `None` when the system has no such customer or the view knows none
    /// of the identifiers the file looks up by.
    pub async fn profile(&self, who: &Lookup) -> Result<Option<CustomerProfile>, RestError> {
        let Some(profile) = self.config.profile.as_ref() else {
            return Ok(None);
        };
        let Some((template, mut vars)) = self.lookup(&profile.lookups, who) else {
            return Ok(None);
        };
        vars.insert("page", "1".into());
        vars.insert("offset", "0".into());
        let answer = self.request("profile", template, &vars, None).await?;
        let map = &profile.map;
        let mut root = template::at(&answer, &map.root);
        if let Some(Value::Array(items)) = root {
            root = items.first();
        }
        let Some(root) = root else {
            return Ok(None);
        };
        let get = |mapping: &Option<String>| mapping.as_deref().and_then(|m| read(root, m));
        let tags = match map.tags.as_deref().and_then(|m| template::at(root, m)) {
            Some(Value::Array(items)) => items.iter().filter_map(template::text).collect(),
            Some(value) => template::text(value)
                .map(|s| {
                    s.split([',', '，'])
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(Some(CustomerProfile {
            name: get(&map.name),
            phone: get(&map.phone),
            email: get(&map.email),
            tier: get(&map.tier),
            tags,
            lifetime_value: get(&map.lifetime_value),
            fields: labelled(root, &map.fields),
        }))
    }

    /// The customer's orders, newest first as the system lists them, following pages up to
    /// `max_pages` and `MAX_ORDERS`.
    pub async fn orders(&self, who: &Lookup) -> Result<Vec<Order>, RestError> {
        let Some(orders) = self.config.orders.as_ref() else {
            return Ok(Vec::new());
        };
        let Some((template, mut vars)) = self.lookup(&orders.lookups, who) else {
            return Ok(Vec::new());
        };
        let mut collected: Vec<Order> = Vec::new();
        let mut page = NextPage {
            number: match orders.paging {
                Paging::Page { start, .. } => start,
                _ => 1,
            },
            offset: 0,
            url: None,
        };
        for _ in 0..orders.paging.max_pages() {
            vars.insert("page", page.number.to_string());
            vars.insert("offset", page.offset.to_string());
            if let Paging::Offset { limit, .. } = orders.paging {
                vars.insert("limit", limit.to_string());
            }
            let answer = self
                .request("orders", template, &vars, page.url.take())
                .await?;
            let items = match template::at(&answer, &orders.map.list) {
                Some(Value::Array(items)) => items.as_slice(),
                None => &[],
                Some(_) => {
                    return Err(RestError::Decode {
                        source_name: self.config.name.clone(),
                        message: format!("{} is not a list of orders", orders.map.list),
                    })
                }
            };
            if items.is_empty() {
                break;
            }
            let room = MAX_ORDERS - collected.len();
            collected.extend(items.iter().filter_map(|item| self.order(item)).take(room));
            if collected.len() >= MAX_ORDERS
                || !self.advance(&orders.paging, &mut page, &answer, items.len(), &mut vars)?
            {
                break;
            }
        }
        Ok(collected)
    }

    /// The request for what the view knows, with the file's settings as variables too.
    fn lookup<'a>(
        &self,
        lookups: &'a config::Lookups,
        who: &Lookup,
    ) -> Option<(&'a RequestTemplate, Vars)> {
        let (template, mut vars) = pick_lookup(lookups, who)?;
        if let Some(version) = &self.config.api_version {
            vars.insert("api_version", version.trim().to_string());
        }
        Some((template, vars))
    }

    /// Moves `page` past the page just read, by the system's paging style. False when the answer
    /// says there is no next page.
    fn advance(
        &self,
        paging: &Paging,
        page: &mut NextPage,
        answer: &Value,
        items_read: usize,
        vars: &mut Vars,
    ) -> Result<bool, RestError> {
        // A `has_more` pointer, when the system gives one, must say true ("true", true or 1).
        let more = |has_more: &Option<String>| {
            has_more.as_deref().is_none_or(|p| {
                matches!(template::at(answer, p), Some(Value::Bool(true)))
                    || template::at(answer, p)
                        .and_then(template::text)
                        .is_some_and(|t| t == "true" || t == "1")
            })
        };
        match paging {
            Paging::None => return Ok(false),
            Paging::Page { has_more, .. } => {
                if !more(has_more) {
                    return Ok(false);
                }
                page.number += 1;
            }
            Paging::Offset { .. } => page.offset += items_read as u64,
            Paging::Cursor { next, has_more, .. } => {
                let Some(cursor) = template::at(answer, next).and_then(template::text) else {
                    return Ok(false);
                };
                if !more(has_more) || cursor.is_empty() {
                    return Ok(false);
                }
                vars.insert("cursor", cursor);
            }
            Paging::NextUrl { next, done, .. } => {
                let Some(path) = template::at(answer, next).and_then(template::text) else {
                    let more_follow = done.as_deref().is_some_and(|pointer| {
                        matches!(template::at(answer, pointer), Some(Value::Bool(false)))
                    });
                    if more_follow {
                        return Err(RestError::Decode {
                            source_name: self.config.name.clone(),
                            message: format!(
                                "the answer says more records follow ({} is false) but gives no {next}: the list would be cut short",
                                done.as_deref().unwrap_or_default()
                            ),
                        });
                    }
                    return Ok(false);
                };
                page.url = Some(self.base_url.join(&path).map_err(|e| RestError::Decode {
                    source_name: self.config.name.clone(),
                    message: format!("next page {path:?} is not a path: {e}"),
                })?);
            }
        }
        Ok(true)
    }

    fn order(&self, item: &Value) -> Option<Order> {
        let map = &self.config.orders.as_ref()?.map;
        let get = |mapping: &Option<String>| mapping.as_deref().and_then(|m| read(item, m));
        let id = read(item, &map.id)?;
        let lines = match (map.lines.as_deref(), map.line_name.as_deref()) {
            (Some(lines), Some(name)) => match template::at(item, lines) {
                Some(Value::Array(lines)) => lines
                    .iter()
                    .filter_map(|line| {
                        Some(OrderLine {
                            name: read(line, name)?,
                            quantity: map.line_quantity.as_deref().and_then(|m| read(line, m)),
                            price: map.line_price.as_deref().and_then(|m| read(line, m)),
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let tracking = match (get(&map.carrier), get(&map.waybill)) {
            (Some(carrier), Some(waybill)) => vec![TrackingRef {
                carrier: map
                    .carrier_codes
                    .get(&carrier)
                    .cloned()
                    .unwrap_or_else(|| carrier.to_lowercase()),
                waybill,
            }],
            _ => Vec::new(),
        };
        // A bare number gets the currency the file says the system counts in.
        let amount = get(&map.amount).map(|amount| match &self.config.currency {
            Some(currency) if amount.parse::<f64>().is_ok() => format!("{amount} {currency}"),
            _ => amount,
        });
        Some(Order {
            id,
            status: get(&map.status),
            amount,
            placed_at: get(&map.placed_at),
            lines,
            tracking,
            fields: labelled(item, &map.fields),
        })
    }

    /// Sends one templated request (or the given next-page URL) and answers its JSON.
    async fn request(
        &self,
        what: &str,
        template: &RequestTemplate,
        vars: &Vars,
        next_url: Option<url::Url>,
    ) -> Result<Value, RestError> {
        let method = reqwest::Method::from_bytes(template.method.as_bytes())
            .map_err(|_| RestError::Config(format!("method {:?}", template.method)))?;
        let url = match next_url {
            Some(url) => url,
            None => {
                let mut path_vars = vars.clone();
                for value in path_vars.values_mut() {
                    *value = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
                }
                let path = fill(&template.path, &path_vars);
                let mut url = url::Url::parse(&format!(
                    "{}{}",
                    self.config.base_url.trim_end_matches('/'),
                    path
                ))
                .map_err(|e| RestError::Config(format!("path {path:?}: {e}")))?;
                if !template.query.is_empty() {
                    let mut pairs = url.query_pairs_mut();
                    for (name, value) in &template.query {
                        pairs.append_pair(name, &fill(value, vars));
                    }
                }
                url
            }
        };
        let body = match &template.body {
            Some(body) => {
                let parsed: Value = serde_json::from_str(body)
                    .map_err(|e| RestError::Config(format!("body is not JSON: {e}")))?;
                Some(fill_json(&parsed, vars).to_string())
            }
            None => None,
        };
        let headers: Vec<(String, String)> = template
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), fill(v, vars)))
            .collect();
        let mut second_chance = true;
        loop {
            let mut outgoing = Outgoing {
                method: method.clone(),
                url: url.clone(),
                headers: headers.clone(),
                body: body.clone(),
            };
            self.auth.apply(&self.http, &mut outgoing).await?;
            let mut request = self.http.reqwest().request(outgoing.method, outgoing.url);
            for (name, value) in &outgoing.headers {
                request = request.header(name, value);
            }
            if let Some(body) = outgoing.body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(body);
            }
            let endpoint = format!("{}:{what}", self.config.name);
            let answer = self.http.observed(&endpoint, self.answer_of(request)).await;
            match answer {
                Err(RestError::Auth { .. }) if second_chance && self.auth.refused().await => {
                    second_chance = false;
                }
                answer => return answer,
            }
        }
    }

    /// The merchant's payment service the file describes, if any.
    pub fn payment_link(&self) -> Option<&config::PaymentLinkConfig> {
        self.config.payment_link.as_ref()
    }

    /// One request of the payment service (`what` names it in API health), its answer as JSON
    /// (`null` for an empty 2xx).
    pub async fn payment_call(
        &self,
        what: &str,
        template: &RequestTemplate,
        vars: &Vars,
    ) -> Result<Value, RestError> {
        self.request(what, template, vars, None).await
    }

    /// Whether the file declares any write-back.
    pub fn has_write_backs(&self) -> bool {
        !self.config.write_back.is_empty()
    }

    /// The write-back named `name`.
    pub fn write_back_action(&self, name: &str) -> Option<&config::WriteBackAction> {
        self.config.write_back.iter().find(|a| a.name == name)
    }

    /// The actions the file writes back on `event`.
    pub fn write_backs(&self, event: config::WriteBackEvent) -> Vec<&config::WriteBackAction> {
        self.config
            .write_back
            .iter()
            .filter(|a| a.on == event)
            .collect()
    }

    /// Sends write-back `action` with `vars` (`{write_back_id}` among them: the same id on every
    /// try, and the `idempotency_header`'s value where the file names one). Answers the system's
    /// reply, if any.
    pub async fn write_back(
        &self,
        action: &config::WriteBackAction,
        vars: &Vars,
    ) -> Result<Value, RestError> {
        let mut headers = action.headers.clone();
        if let Some(header) = &action.idempotency_header {
            headers.insert(header.clone(), "{write_back_id}".into());
        }
        let template = RequestTemplate {
            method: action.method.clone(),
            path: action.path.clone(),
            query: action.query.clone(),
            headers,
            body: action.body.clone(),
        };
        self.request(
            &format!("write_back:{}", action.name),
            &template,
            vars,
            None,
        )
        .await
    }

    /// One request's answer as JSON: a refusal of the credentials, another HTTP error and a body
    /// that is not JSON each as their own error.
    async fn answer_of(&self, request: reqwest::RequestBuilder) -> Result<Value, RestError> {
        let network = |e: reqwest::Error| {
            let source_name = self.config.name.clone();
            let message = agentdesk_http::transport_reason(&e);
            if e.is_connect() {
                RestError::Network {
                    source_name,
                    message,
                }
            } else {
                RestError::NoAnswer {
                    source_name,
                    message,
                }
            }
        };
        let response = request.send().await.map_err(network)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(network)?;
        if status == 401 || status == 403 {
            return Err(RestError::Auth {
                source_name: self.config.name.clone(),
                status,
                message: excerpt(&text),
            });
        }
        if !(200..300).contains(&status) {
            return Err(RestError::Http {
                source_name: self.config.name.clone(),
                status,
                body: excerpt(&text),
            });
        }
        if status == 204 || (text.trim().is_empty() && status != 200) {
            // A write answered with no content (204, or a 201/202 without a body).
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| RestError::Decode {
            source_name: self.config.name.clone(),
            message: format!("not JSON ({e}): {}", excerpt(&text)),
        })
    }
}

/// The first request whose identifier is known, with that identifier as a variable.
fn pick_lookup<'a>(lookups: &'a Lookups, who: &Lookup) -> Option<(&'a RequestTemplate, Vars)> {
    let known = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let mut vars = Vars::new();
    for (template, key, value) in [
        (
            &lookups.by_external_id,
            "external_id",
            known(&who.external_id),
        ),
        (&lookups.by_phone, "phone", known(&who.phone)),
        (&lookups.by_email, "email", known(&who.email)),
    ] {
        if let (Some(template), Some(value)) = (template, value) {
            vars.insert(key, value);
            return Some((template, vars));
        }
    }
    None
}

fn labelled(value: &Value, fields: &std::collections::BTreeMap<String, String>) -> Vec<Field> {
    fields
        .iter()
        .filter_map(|(label, mapping)| {
            Some(Field {
                key: label.clone(),
                label: label.clone(),
                value: read(value, mapping)?,
            })
        })
        .collect()
}

/// Where the next page of orders is, in whichever terms the system pages by.
struct NextPage {
    number: u64,
    offset: u64,
    url: Option<url::Url>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn salesforce() -> RestConnector {
        let config = config::parse(
            "preset = \"salesforce\"\nname = \"Salesforce\"\nbase_url = \"https://example.my.salesforce.com\"\n[auth]\nclient_id = \"id\"",
        )
        .unwrap();
        RestConnector::new(
            config,
            Some(Secret::new("secret")),
            &agentdesk_http::HttpContext::unrecorded(),
        )
        .unwrap()
    }

    #[test]
    fn more_records_without_a_next_page_is_said_not_taken_as_the_end() {
        let connector = salesforce();
        let paging = &connector.config.orders.as_ref().unwrap().paging;
        let mut page = NextPage {
            number: 1,
            offset: 0,
            url: None,
        };
        let mut vars = Vars::new();
        let last = json!({"done": true, "records": [{}]});
        assert!(!connector
            .advance(paging, &mut page, &last, 1, &mut vars)
            .unwrap());
        let next = json!({"done": false, "records": [{}], "nextRecordsUrl": "/services/data/v60.0/query/01g-2000"});
        assert!(connector
            .advance(paging, &mut page, &next, 1, &mut vars)
            .unwrap());
        assert_eq!(
            page.url.as_ref().unwrap().path(),
            "/services/data/v60.0/query/01g-2000"
        );
        let cut = json!({"done": false, "records": [{}]});
        let error = connector
            .advance(paging, &mut page, &cut, 1, &mut vars)
            .unwrap_err();
        assert!(error.to_string().contains("cut short"), "{error}");
    }

    #[test]
    fn the_api_version_is_a_setting_with_the_preset_s_default() {
        assert_eq!(salesforce().config.api_version.as_deref(), Some("v60.0"));
        let moved = config::parse(
            "preset = \"shopify\"\nname = \"Shopify\"\nbase_url = \"https://shop.myshopify.com\"\napi_version = \"2026-07\"",
        )
        .unwrap();
        assert_eq!(moved.api_version.as_deref(), Some("2026-07"));
        let error = config::parse(
            "preset = \"shopify\"\nname = \"Shopify\"\nbase_url = \"https://shop.myshopify.com\"\napi_version = \"2026/07\"",
        )
        .unwrap_err();
        assert!(error.to_string().contains("api_version"), "{error}");
        let error = config::parse(
            "name = \"x\"\nbase_url = \"https://x.example\"\nprovides = [\"orders\"]\n[orders.by_phone]\npath = \"/api/{api_version}/orders\"\n[orders.map]\nlist = \"/orders\"\nid = \"/id\"",
        )
        .unwrap_err();
        assert!(error.to_string().contains("sets no api_version"), "{error}");
        let error = config::parse(
            "preset = \"salesforce\"\nname = \"S\"\nbase_url = \"https://x.my.salesforce.com\"\ncurrency = \"rmb\"\n[auth]\nclient_id = \"id\"",
        )
        .unwrap_err();
        assert!(error.to_string().contains("ISO 4217"), "{error}");
    }
}
