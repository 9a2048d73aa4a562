//! The declarative connector's configuration file (TOML): where the system is, how to sign in, which
//! request answers "who is this customer" and "what did they order" for each identifier the view
//! may know, and where in the answers the fields are (JSON pointers). A preset (`preset =
//! "shopify"`) is a ready-made file the merchant's own file is laid over, key by key.
//!
//! Loading checks everything it can before any request is made, and says which key is wrong.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::RestError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorConfig {
    /// Names the connector in the view and its keychain item `connector/{name}/key`.
    pub name: String,
    /// The preset this file was laid over, if any (informational once loaded).
    #[serde(default)]
    pub preset: Option<String>,
    /// `rest` (this format, the default) or `qiyu_crm`: a CRM that speaks the Qiyu CRM integration
    /// protocol at `base_url` (`get_token`, `get_user_info`, `get_order`), with `appid` here and
    /// its appsecret as the key; it needs no request tables.
    #[serde(default)]
    pub protocol: Protocol,
    /// The Qiyu CRM protocol's appid.
    #[serde(default)]
    pub appid: Option<String>,
    /// Kuaidi100's `customer` id (its key is the connector's key).
    #[serde(default)]
    pub customer: Option<String>,
    /// SF Express's `partnerID` (its check word is the connector's key).
    #[serde(default)]
    pub partner_id: Option<String>,
    pub base_url: String,
    /// What the connector answers: `profile`, `orders`, or both.
    pub provides: Vec<Role>,
    /// Per-call limit for the HTTP client; the view's own per-source timeout (800 ms) still applies.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// The system's API version, `{api_version}` in the requests (a preset sets its default:
    /// Shopify's quarterly releases leave support after a year, so a merchant can move on without
    /// waiting for a release of AgentDesk).
    #[serde(default)]
    pub api_version: Option<String>,
    /// The ISO 4217 code of amounts the system gives as bare numbers (a Salesforce org without
    /// multiple currencies), written after them.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub profile: Option<ProfileConfig>,
    #[serde(default)]
    pub orders: Option<OrdersConfig>,
    /// What the system is told when a service ends (`[[write_back]]` tables).
    #[serde(default)]
    pub write_back: Vec<WriteBackAction>,
    /// The merchant's own payment service: how a payment link is made, followed and closed.
    #[serde(default)]
    pub payment_link: Option<PaymentLinkConfig>,
}

/// A payment link through the merchant's own payment service (`[payment_link]`): the requests
/// (placeholders `{out_trade_no}`, `{amount}` in yuan, `{amount_fen}`, `{subject}`,
/// `{expire_minutes}`, `{expires_at}`) and where the answers say what.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentLinkConfig {
    pub create: RequestTemplate,
    /// Where the create answer has the link.
    pub link: String,
    /// `url` (a page to tap, the default) or `code_url` (a code scanned inside WeChat, sent as a
    /// QR image).
    #[serde(default)]
    pub link_kind: Option<String>,
    pub query: RequestTemplate,
    /// Where the query answer has the payment's state, and its paid amount (yuan), if it says.
    pub state: String,
    #[serde(default)]
    pub paid_amount: Option<String>,
    /// The service's state words, sorted into AgentDesk's: any word not named is `waiting`.
    #[serde(default)]
    pub paid: Vec<String>,
    #[serde(default)]
    pub closed: Vec<String>,
    #[serde(default)]
    pub expired: Vec<String>,
    #[serde(default)]
    pub refunded: Vec<String>,
    #[serde(default)]
    pub failed: Vec<String>,
    /// How an unpaid link is closed; none: the service closes links itself at their expiry.
    #[serde(default)]
    pub close: Option<RequestTemplate>,
}

/// When a write-back is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteBackEvent {
    /// The agent submitted the service summary.
    SummarySubmitted,
    /// A ticket was created from the session.
    TicketCreated,
}

impl WriteBackEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteBackEvent::SummarySubmitted => "summary_submitted",
            WriteBackEvent::TicketCreated => "ticket_created",
        }
    }
}

/// Whether sending a write-back again after a lost answer is safe. Nothing in HTTP says so: the
/// merchant's file does, for its own system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatSafety {
    /// Sending it twice makes one result (a `PUT` or upsert keyed by `{write_back_id}`, or a
    /// system that honours the `idempotency_header`).
    Safe,
    /// A second send could make a second result: once it may have arrived, it is not sent again
    /// and is shown as needing a look.
    #[default]
    Unsafe,
}

/// One request the system receives when `on` happens: the result of the service written back to
/// the CRM or order system (a Salesforce Task, a note on a Shopify order, an OMS call).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteBackAction {
    /// Names it in API health and the audit log.
    pub name: String,
    pub on: WriteBackEvent,
    #[serde(default = "post")]
    pub method: String,
    /// Appended to `base_url`; placeholders: `{write_back_id}`, `{session_id}`, `{customer_name}`,
    /// `{external_id}`, `{phone}`, `{email}`, `{order_id}` (the newest order), `{summary}`,
    /// `{classification}`, `{resolved}`, `{agent}`, `{ticket_number}`, `{ticket_system}`, `{at}`.
    pub path: String,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body with the same placeholders inside its strings.
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub repeat: RepeatSafety,
    /// A header the system reads as an idempotency key (`Idempotency-Key`): it carries
    /// `{write_back_id}`, and makes a repeat safe.
    #[serde(default)]
    pub idempotency_header: Option<String>,
}

impl WriteBackAction {
    /// Whether a second send after a lost answer still makes one result.
    pub fn repeat_is_safe(&self) -> bool {
        self.repeat == RepeatSafety::Safe || self.idempotency_header.is_some()
    }
}

fn post() -> String {
    "POST".into()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    #[default]
    Rest,
    QiyuCrm,
    /// Kuaidi100's real-time query at `base_url` (https://poll.kuaidi100.com), with `customer`.
    Kuaidi100,
    /// SF Express's route query at `base_url` (https://bspgw.sf-express.com), with `partner_id`.
    SfExpress,
}

impl Protocol {
    /// The name a connector file writes it with.
    fn file_name(self) -> &'static str {
        match self {
            Protocol::Rest => "rest",
            Protocol::QiyuCrm => "qiyu_crm",
            Protocol::Kuaidi100 => "kuaidi100",
            Protocol::SfExpress => "sf_express",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Profile,
    Orders,
    /// Parcel tracking (carriers).
    Tracking,
}

/// How each request proves who is asking. The secret (token, password, API key, client secret or
/// signing key) is never in the file: it comes from the keychain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthConfig {
    #[default]
    None,
    /// `Authorization: Bearer {secret}`.
    Bearer,
    /// `Authorization: Basic base64(username:secret)`.
    Basic { username: String },
    /// `{header}: {secret}`.
    ApiKeyHeader { header: String },
    /// A token from `token_url` (a full URL, or a path appended to `base_url`;
    /// grant_type=client_credentials, client_id, client_secret = the
    /// secret, scope), cached until it expires, sent as `Authorization: Bearer`.
    Oauth2ClientCredentials {
        token_url: String,
        client_id: String,
        #[serde(default)]
        scope: Option<String>,
    },
    /// A signature over a template of the request, put into headers or query parameters.
    Signature(SignatureConfig),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureConfig {
    pub algorithm: SignatureAlgorithm,
    /// What is signed: `{method}`, `{path}`, `{query}`, `{body}`, `{timestamp}`, `{nonce}`, and for
    /// the plain digests `{secret}` where the system's document puts the key.
    pub message: String,
    #[serde(default)]
    pub encoding: SignatureEncoding,
    #[serde(default)]
    pub timestamp: TimestampUnit,
    /// Headers to add; values are templates that may use `{signature}` too.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Query parameters to add, the same way.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureAlgorithm {
    Md5,
    Sha1,
    Sha256,
    HmacSha1,
    HmacSha256,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureEncoding {
    #[default]
    Hex,
    HexUpper,
    Base64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampUnit {
    #[default]
    UnixSeconds,
    UnixMillis,
}

/// One request, by template. Placeholders: `{phone}`, `{email}`, `{external_id}`, and in paged
/// requests `{page}`, `{offset}`, `{limit}`, `{cursor}`. A filter after `|` escapes the value for
/// where it goes: `soql` (inside a SOQL string literal), `search` (inside a quoted search term).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestTemplate {
    #[serde(default = "get")]
    pub method: String,
    /// Appended to `base_url`.
    pub path: String,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body; placeholders are filled inside its strings, and a string that is only
    /// `{cursor}` becomes `null` on the first page.
    #[serde(default)]
    pub body: Option<String>,
}

fn get() -> String {
    "GET".into()
}

/// Requests keyed by the identifier they look the customer up by; the view uses the first whose
/// identifier it knows, in the order external id, phone, e-mail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookups {
    #[serde(default)]
    pub by_external_id: Option<RequestTemplate>,
    #[serde(default)]
    pub by_phone: Option<RequestTemplate>,
    #[serde(default)]
    pub by_email: Option<RequestTemplate>,
}

impl Lookups {
    pub fn is_empty(&self) -> bool {
        self.by_external_id.is_none() && self.by_phone.is_none() && self.by_email.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    #[serde(flatten)]
    pub lookups: Lookups,
    pub map: ProfileMap,
}

/// Where the profile's fields are. Each value is a JSON pointer (`/data/name`) or a template of
/// pointers (`"{/amount} {/currency}"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileMap {
    /// The customer object in the answer; an array means its first element.
    #[serde(default)]
    pub root: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    /// An array of strings or a comma-separated string.
    #[serde(default)]
    pub tags: Option<String>,
    #[serde(default)]
    pub lifetime_value: Option<String>,
    /// Other labelled fields: label = pointer.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersConfig {
    #[serde(flatten)]
    pub lookups: Lookups,
    #[serde(default)]
    pub paging: Paging,
    pub map: OrderMap,
}

/// How further pages are asked for, and when to stop. Every kind stops at an empty page and at
/// `max_pages`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Paging {
    /// One request only.
    #[default]
    None,
    /// `{page}` counts from `start`; stops when `has_more` (if given) is false.
    Page {
        #[serde(default = "one")]
        start: u64,
        #[serde(default = "default_max_pages")]
        max_pages: u32,
        #[serde(default)]
        has_more: Option<String>,
    },
    /// `{offset}` grows by the page's length, `{limit}` is `limit`.
    Offset {
        limit: u64,
        #[serde(default = "default_max_pages")]
        max_pages: u32,
    },
    /// `{cursor}` is the value at `next`; stops when it is missing, or `has_more` is false.
    Cursor {
        next: String,
        #[serde(default)]
        has_more: Option<String>,
        #[serde(default = "default_max_pages")]
        max_pages: u32,
    },
    /// The answer gives the next page's path (`nextRecordsUrl`), relative to `base_url`'s origin.
    NextUrl {
        next: String,
        /// Where the answer says whether it was the last page (Salesforce's `done`): an answer
        /// saying there is more but giving no next page is reported, not taken as the end.
        #[serde(default)]
        done: Option<String>,
        #[serde(default = "default_max_pages")]
        max_pages: u32,
    },
}

fn one() -> u64 {
    1
}

impl Paging {
    /// How many pages one look-up reads at most.
    pub(crate) fn max_pages(&self) -> u32 {
        match self {
            Paging::None => 1,
            Paging::Page { max_pages, .. }
            | Paging::Offset { max_pages, .. }
            | Paging::Cursor { max_pages, .. }
            | Paging::NextUrl { max_pages, .. } => (*max_pages).max(1),
        }
    }
}

fn default_max_pages() -> u32 {
    5
}

/// Where an order's fields are, relative to one element of `list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderMap {
    /// The array of orders in the answer.
    pub list: String,
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub placed_at: Option<String>,
    /// The array of lines in an order, and where a line's fields are within one.
    #[serde(default)]
    pub lines: Option<String>,
    #[serde(default)]
    pub line_name: Option<String>,
    #[serde(default)]
    pub line_quantity: Option<String>,
    #[serde(default)]
    pub line_price: Option<String>,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub waybill: Option<String>,
    /// The system's carrier names → Kuaidi100 codes (`"SF Express" = "shunfeng"`); names not
    /// listed are lower-cased and used as they are.
    #[serde(default)]
    pub carrier_codes: BTreeMap<String, String>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// The presets shipped with AgentDesk, by name.
pub const PRESETS: [(&str, &str); 3] = [
    ("shopify", include_str!("../../presets/shopify.toml")),
    ("salesforce", include_str!("../../presets/salesforce.toml")),
    (
        "sandbox-oms",
        include_str!("../../presets/sandbox-oms.toml"),
    ),
];

/// Reads a configuration file's text: lays it over its preset, if it names one, and checks it.
pub fn parse(text: &str) -> Result<ConnectorConfig, RestError> {
    let own: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| RestError::Config(format!("not valid TOML: {e}")))?;
    let merged = match own.get("preset") {
        None => own,
        Some(toml::Value::String(preset)) => {
            let base = PRESETS
                .iter()
                .find(|(name, _)| name == preset)
                .map(|(_, text)| text)
                .ok_or_else(|| {
                    RestError::Config(format!(
                        "unknown preset {preset:?}: the presets are {}",
                        PRESETS.map(|(n, _)| n).join(", ")
                    ))
                })?;
            let base: toml::Table = base
                .parse()
                .map_err(|e| RestError::Config(format!("preset {preset}: {e}")))?;
            lay_over(base, own)
        }
        Some(_) => return Err(RestError::Config("`preset` must be a name".into())),
    };
    let config: ConnectorConfig = toml::Value::Table(merged)
        .try_into()
        .map_err(|e: toml::de::Error| RestError::Config(e.to_string()))?;
    config.check()?;
    Ok(config)
}

/// `over`'s keys replace `base`'s; tables are merged key by key.
fn lay_over(mut base: toml::Table, over: toml::Table) -> toml::Table {
    for (key, value) in over {
        match (base.remove(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => {
                base.insert(key, toml::Value::Table(lay_over(b, o)));
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
    base
}

fn check_pointer(key: &str, value: &str) -> Result<(), RestError> {
    if value.is_empty() || value.starts_with('/') || value.contains("{/") {
        Ok(())
    } else {
        Err(RestError::Config(format!(
            "{key} = {value:?} is not a JSON pointer (it must start with `/`, like \"/data/name\") nor a template of them (\"{{/amount}} {{/currency}}\")"
        )))
    }
}

impl ConnectorConfig {
    fn check(&self) -> Result<(), RestError> {
        self.check_name_and_address()?;
        self.check_roles()?;
        match self.protocol {
            Protocol::Kuaidi100 => return self.require("customer", &self.customer),
            Protocol::SfExpress => return self.require("partner_id", &self.partner_id),
            // The Qiyu CRM protocol fixes its own requests and answers: no tables to check.
            Protocol::QiyuCrm => return self.require("appid", &self.appid),
            _ => {}
        }
        if self.provides.contains(&Role::Profile) {
            let profile = self.profile.as_ref().ok_or_else(|| {
                RestError::Config("provides has `profile` but there is no [profile] table".into())
            })?;
            require_a_request("profile", &profile.lookups)?;
            profile.map.check()?;
        }
        if self.provides.contains(&Role::Orders) {
            let orders = self.orders.as_ref().ok_or_else(|| {
                RestError::Config("provides has `orders` but there is no [orders] table".into())
            })?;
            require_a_request("orders", &orders.lookups)?;
            orders.map.check()?;
        }
        // Every table present is checked, also one that `provides` does not name yet.
        let version = self.api_version.as_deref().map(str::trim).unwrap_or("");
        if !version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(RestError::Config(format!(
                "api_version {version:?} may hold only letters, digits, `.` and `-` (e.g. \"2026-10\", \"v60.0\")"
            )));
        }
        if let Some(currency) = &self.currency {
            if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(RestError::Config(format!(
                    "currency {currency:?} must be an ISO 4217 code such as \"CNY\""
                )));
            }
        }
        if let Some(profile) = &self.profile {
            check_requests("profile", &profile.lookups, version)?;
        }
        if let Some(orders) = &self.orders {
            check_requests("orders", &orders.lookups, version)?;
        }
        if let Some(payment) = &self.payment_link {
            check_pointer("payment_link.link", &payment.link)?;
            check_pointer("payment_link.state", &payment.state)?;
            if let Some(paid) = &payment.paid_amount {
                check_pointer("payment_link.paid_amount", paid)?;
            }
            if !matches!(
                payment.link_kind.as_deref(),
                None | Some("url" | "code_url")
            ) {
                return Err(RestError::Config(format!(
                    "payment_link.link_kind {:?}: url or code_url",
                    payment.link_kind
                )));
            }
            if payment.paid.is_empty() {
                return Err(RestError::Config(
                    "payment_link.paid must name the service's word(s) for a paid payment".into(),
                ));
            }
        }
        self.check_write_backs()
    }

    /// Each write-back: a name of its own, a method that writes, a path, a body that is JSON.
    fn check_write_backs(&self) -> Result<(), RestError> {
        for (index, action) in self.write_back.iter().enumerate() {
            let at =
                |what: String| RestError::Config(format!("write_back {:?}: {what}", action.name));
            if action.name.trim().is_empty() || action.name.contains(char::is_whitespace) {
                return Err(RestError::Config(format!(
                    "write_back number {}: its name must be one word (it names the action in API health)",
                    index + 1
                )));
            }
            if self.write_back[..index]
                .iter()
                .any(|a| a.name == action.name)
            {
                return Err(at("the name is used twice".into()));
            }
            if !matches!(action.method.as_str(), "POST" | "PUT" | "PATCH") {
                return Err(at(format!(
                    "method {:?}: a write-back is POST, PUT or PATCH",
                    action.method
                )));
            }
            if !action.path.starts_with('/') {
                return Err(at(format!(
                    "path {:?} must start with `/` (it is appended to base_url)",
                    action.path
                )));
            }
            if let Some(body) = &action.body {
                serde_json::from_str::<serde_json::Value>(body)
                    .map_err(|e| at(format!("body is not JSON: {e}")))?;
            }
        }
        Ok(())
    }

    /// A name that can name a file and a keychain item; an http(s) base URL.
    fn check_name_and_address(&self) -> Result<(), RestError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && !self.name.contains('/')
            && !self.name.chars().any(char::is_control);
        if !name_ok {
            return Err(RestError::Config(format!(
                "name {:?} must be 1–64 characters without `/`",
                self.name
            )));
        }
        let url = url::Url::parse(&self.base_url).map_err(|e| {
            RestError::Config(format!("base_url {:?} is not a URL: {e}", self.base_url))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(RestError::Config(format!(
                "base_url {:?} must be http or https",
                self.base_url
            )));
        }
        Ok(())
    }

    /// Carriers track parcels and nothing else; everything else answers profiles and/or orders.
    fn check_roles(&self) -> Result<(), RestError> {
        if self.provides.is_empty() {
            return Err(RestError::Config(
                "provides must name `profile`, `orders` or both".into(),
            ));
        }
        let carrier = matches!(self.protocol, Protocol::Kuaidi100 | Protocol::SfExpress);
        if carrier != (self.provides == [Role::Tracking]) {
            return Err(RestError::Config(if carrier {
                "a carrier (kuaidi100, sf_express) provides [\"tracking\"] only".into()
            } else {
                "only carriers (protocol kuaidi100 or sf_express) provide tracking".into()
            }));
        }
        Ok(())
    }

    /// A field the protocol needs, present and not blank.
    fn require(&self, key: &str, value: &Option<String>) -> Result<(), RestError> {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            Err(RestError::Config(format!(
                "a {} connector needs its `{key}`",
                self.protocol.file_name()
            )))
        } else {
            Ok(())
        }
    }
}

impl ProfileMap {
    fn check(&self) -> Result<(), RestError> {
        check_pointer("profile.map.root", &self.root)?;
        for (key, value) in [
            ("name", &self.name),
            ("phone", &self.phone),
            ("email", &self.email),
            ("tier", &self.tier),
            ("tags", &self.tags),
            ("lifetime_value", &self.lifetime_value),
        ] {
            if let Some(value) = value {
                check_pointer(&format!("profile.map.{key}"), value)?;
            }
        }
        for (label, value) in &self.fields {
            check_pointer(&format!("profile.map.fields.{label}"), value)?;
        }
        Ok(())
    }
}

impl OrderMap {
    fn check(&self) -> Result<(), RestError> {
        check_pointer("orders.map.list", &self.list)?;
        check_pointer("orders.map.id", &self.id)?;
        for (key, value) in [
            ("status", &self.status),
            ("amount", &self.amount),
            ("placed_at", &self.placed_at),
            ("lines", &self.lines),
            ("line_name", &self.line_name),
            ("line_quantity", &self.line_quantity),
            ("line_price", &self.line_price),
            ("carrier", &self.carrier),
            ("waybill", &self.waybill),
        ] {
            if let Some(value) = value {
                check_pointer(&format!("orders.map.{key}"), value)?;
            }
        }
        if self.lines.is_some() != self.line_name.is_some() {
            return Err(RestError::Config(
                "orders.map.lines and orders.map.line_name go together".into(),
            ));
        }
        Ok(())
    }
}

/// A table the connector provides has at least one request.
fn require_a_request(table: &str, lookups: &Lookups) -> Result<(), RestError> {
    if lookups.is_empty() {
        return Err(RestError::Config(format!(
            "[{table}] needs a request: by_external_id, by_phone or by_email"
        )));
    }
    Ok(())
}

/// A table's requests are each GET or POST, with a body that is JSON.
fn check_requests(table: &str, lookups: &Lookups, api_version: &str) -> Result<(), RestError> {
    for (key, template) in [
        ("by_external_id", &lookups.by_external_id),
        ("by_phone", &lookups.by_phone),
        ("by_email", &lookups.by_email),
    ] {
        let Some(template) = template else { continue };
        if !matches!(template.method.as_str(), "GET" | "POST") {
            return Err(RestError::Config(format!(
                "{table}.{key}.method {:?} must be GET or POST",
                template.method
            )));
        }
        if let Some(body) = &template.body {
            serde_json::from_str::<serde_json::Value>(body)
                .map_err(|e| RestError::Config(format!("{table}.{key}.body is not JSON: {e}")))?;
        }
        let names_version = std::iter::once(&template.path)
            .chain(template.body.iter())
            .chain(template.query.values())
            .chain(template.headers.values())
            .any(|text| text.contains("{api_version}"));
        if names_version && api_version.is_empty() {
            return Err(RestError::Config(format!(
                "{table}.{key} names {{api_version}} but the file sets no api_version (e.g. api_version = \"2026-10\")"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "orders"
base_url = "https://oms.example.com/api"
provides = ["orders"]
[auth]
kind = "bearer"
[orders.by_phone]
path = "/orders"
query = { phone = "{phone}" }
[orders.map]
list = "/data"
id = "/id"
"#;

    fn error_of(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_minimal_file_loads() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.provides, vec![Role::Orders]);
        assert_eq!(config.auth, AuthConfig::Bearer);
        assert_eq!(config.orders.unwrap().paging, Paging::None);
    }

    #[test]
    fn every_preset_loads_once_its_name_and_address_are_given() {
        for (preset, _) in PRESETS {
            let mut text = format!(
                "preset = \"{preset}\"\nname = \"x\"\nbase_url = \"https://example.com\"\n"
            );
            if preset == "salesforce" {
                text.push_str("[auth]\nclient_id = \"id\"\n");
            }
            let config = parse(&text).unwrap_or_else(|e| panic!("{preset}: {e}"));
            assert_eq!(config.preset.as_deref(), Some(preset));
        }
    }

    #[test]
    fn the_merchants_file_overrides_the_preset_key_by_key() {
        let config = parse(
            "preset = \"shopify\"\nname = \"Shop\"\nbase_url = \"https://s.myshopify.com\"\n[orders.paging]\nmax_pages = 1\n",
        )
        .unwrap();
        match config.orders.unwrap().paging {
            Paging::Cursor {
                max_pages, next, ..
            } => {
                assert_eq!(max_pages, 1);
                assert!(
                    next.ends_with("endCursor"),
                    "the rest of the preset's table stays"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_qiyu_crm_file_needs_only_its_address_and_appid() {
        let text = "name = \"CRM\"\nprotocol = \"qiyu_crm\"\nbase_url = \"https://crm.example.com/qiyu\"\nprovides = [\"profile\", \"orders\"]\n";
        assert!(error_of(text).contains("appid"));
        let config = parse(&format!("{text}appid = \"a1\"\n")).unwrap();
        assert_eq!(config.protocol, Protocol::QiyuCrm);
    }

    #[test]
    fn carriers_need_their_ids_and_provide_tracking_only() {
        let kuaidi100 = "name = \"k\"\nprotocol = \"kuaidi100\"\nbase_url = \"https://poll.kuaidi100.com\"\nprovides = [\"tracking\"]\n";
        assert!(error_of(kuaidi100).contains("customer"));
        assert_eq!(
            parse(&format!("{kuaidi100}customer = \"C1\"\n"))
                .unwrap()
                .protocol,
            Protocol::Kuaidi100
        );
        assert!(error_of(&kuaidi100.replace("tracking", "orders")).contains("tracking"));
        assert!(
            error_of(&MINIMAL.replace("[\"orders\"]", "[\"tracking\"]")).contains("only carriers")
        );
        let sf = "name = \"sf\"\nprotocol = \"sf_express\"\nbase_url = \"https://bspgw.sf-express.com\"\nprovides = [\"tracking\"]\npartner_id = \"P\"\n";
        assert_eq!(parse(sf).unwrap().protocol, Protocol::SfExpress);
    }

    #[test]
    fn mistakes_are_named() {
        assert!(error_of("name = ").contains("not valid TOML"));
        assert!(error_of("preset = \"magento\"\nname = \"m\"").contains("shopify, salesforce"));
        assert!(error_of(&MINIMAL.replace("id = \"/id\"", "id = \"id\"")).contains("orders.map.id"));
        assert!(error_of(&MINIMAL.replace("https://oms", "ftp://oms")).contains("http or https"));
        assert!(error_of(&MINIMAL.replace("[\"orders\"]", "[\"profile\"]")).contains("[profile]"));
        assert!(
            error_of(&MINIMAL.replace("kind = \"bearer\"", "kind = \"kerberos\""))
                .contains("kerberos")
        );
        assert!(error_of(&MINIMAL.replace("list = ", "lsit = ")).contains("lsit"));
        assert!(
            error_of(&MINIMAL.replace("name = \"orders\"", "name = \"a/b\""))
                .contains("without `/`")
        );
    }
}
