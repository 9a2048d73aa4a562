//! The 360° view of the customer in focus: who they are (the platform's record of the visitor and its
//! customer center), their past sessions on every channel, their CRM profile and orders (the Qiyu
//! CRM protocol or a declarative REST connector), and each order's parcel (SF Express directly,
//! other carriers through Kuaidi100), asked of every source at once, each with its own timeout and
//! circuit breaker. Answers are cached in the tenant's database: a view is first drawn
//! from the cache with its "as of" time, then refreshed. Personal data is masked unless the agent
//! reveals it, and every reveal is audited.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_connectors::fanout::{guarded, CircuitBreaker, SourceOutcome, DEFAULT_TIMEOUT};
use agentdesk_connectors::logistics::kuaidi100::{self, Kuaidi100Client, Query};
use agentdesk_connectors::logistics::sf::SfClient;
use agentdesk_connectors::logistics::Shipment;
use agentdesk_connectors::profile::{CustomerProfile, Order};
use agentdesk_connectors::rest::Lookup;
use agentdesk_connectors::source::Connector;
use agentdesk_domain::{mask_pii, SharedClock};
use agentdesk_engine::EngineHandle;
use agentdesk_store::{AuditEntry, Store, Write};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode, ErrorReason, Workbench};

/// How long an answer counts as fresh: within it a refresh reuses the cached answer instead of
/// asking the source again (per source: who the visitor is and their profile change rarely, orders
/// more often).
const IDENTITY_TTL_MS: i64 = 10 * 60 * 1000;
const PROFILE_TTL_MS: i64 = 10 * 60 * 1000;
const ORDERS_TTL_MS: i64 = 2 * 60 * 1000;
const RECORD_TTL_MS: i64 = 10 * 60 * 1000;
const HISTORY_TTL_MS: i64 = 2 * 60 * 1000;
/// Past sessions shown, newest first, each with its first customer message.
const HISTORY_SHOWN: usize = 5;
/// Kuaidi100 locks a waybill queried more often than every 30 minutes.
const TRACKING_TTL_MS: i64 = kuaidi100::MIN_QUERY_INTERVAL.as_millis() as i64;

/// What the view knows about the customer, to look them up by.
fn lookup(identity: &Identity) -> Lookup {
    let known = |v: &str| Some(v.to_string()).filter(|v| !v.is_empty());
    Lookup {
        external_id: known(&identity.partner_id),
        phone: known(&identity.phone),
        email: known(&identity.email),
    }
}

/// The sources of the view, with a breaker each.
pub(crate) struct CustomerSources {
    pub profile: Option<Arc<Connector>>,
    pub orders: Option<Arc<Connector>>,
    pub kuaidi100: Option<Kuaidi100Client>,
    /// SF Express's own route query, used for `shunfeng` waybills when configured.
    pub sf: Option<SfClient>,
    breakers: HashMap<&'static str, CircuitBreaker>,
    pub timeout: Duration,
}

impl CustomerSources {
    pub fn new(
        profile: Option<Arc<Connector>>,
        orders: Option<Arc<Connector>>,
        kuaidi100: Option<Kuaidi100Client>,
        sf: Option<SfClient>,
    ) -> CustomerSources {
        let breakers = [
            "platform",
            "record",
            "history",
            "profile",
            "orders",
            "kuaidi100",
            "sf",
        ]
        .into_iter()
        .map(|name| (name, CircuitBreaker::new(3, Duration::from_secs(30))))
        .collect();
        CustomerSources {
            profile,
            orders,
            kuaidi100,
            sf,
            breakers,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// No sources beside the platform (an account without connectors).
    pub fn platform_only() -> CustomerSources {
        CustomerSources::new(None, None, None, None)
    }

    fn breaker(&self, name: &str) -> &CircuitBreaker {
        &self.breakers[name]
    }
}

/// What one card of the view shows: the value and how current it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CardState {
    /// Fetched just now.
    Fresh,
    /// From the cache; `as_of_ms` says when it was fetched.
    Cached,
    /// The source failed (the value, if any, is the cached one).
    Failed,
    /// No such source is configured for this account.
    Unconfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Card<T: TS> {
    pub state: CardState,
    pub value: Option<T>,
    #[ts(type = "number | null")]
    pub as_of_ms: Option<i64>,
    /// What failed, in words.
    pub error: Option<String>,
    /// When the source is tried again (its breaker is open).
    #[ts(type = "number | null")]
    pub retry_in_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProfileView {
    pub name: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub lifetime_value: Option<String>,
    /// Other labelled fields (label, value).
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TrackingEventView {
    pub at: String,
    pub place: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShipmentView {
    pub carrier: String,
    pub waybill: String,
    /// `in_transit`, `delivered`, ... (the UI translates it).
    pub state: String,
    /// Newest first.
    pub events: Vec<TrackingEventView>,
    /// One line for the composer.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrderLineView {
    pub name: String,
    pub quantity: Option<String>,
    pub price: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OrderView {
    pub id: String,
    pub status: Option<String>,
    pub amount: Option<String>,
    pub placed_at: Option<String>,
    pub lines: Vec<OrderLineView>,
    /// The parcel of the order, when it has a waybill.
    pub shipment: Option<Card<ShipmentView>>,
}

/// Fields that can be revealed (personal data is masked by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PersonalField {
    Phone,
    Email,
}

/// What the platform's customer center adds: its VIP level, labels and the agents' remark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlatformRecordView {
    pub vip_level: Option<String>,
    pub labels: Vec<String>,
    pub remark: Option<String>,
}

/// One of the customer's earlier sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PastSessionView {
    pub cid: String,
    #[ts(type = "number")]
    pub started_ms: i64,
    /// The channel it came in on (`web`, `wechat`, `app`, ...: the session list's names).
    pub channel: Option<String>,
    /// The customer's first message, masked, at most 120 characters.
    pub preview: Option<String>,
    pub messages: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CustomerView {
    pub session_id: String,
    pub name: String,
    pub partner_id: Option<String>,
    /// Masked (138****5678) unless revealed.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub identity: Card<()>,
    /// The platform's customer center.
    pub record: Card<PlatformRecordView>,
    /// Earlier sessions on every channel, newest first (this one left out).
    pub history: Card<Vec<PastSessionView>>,
    pub profile: Card<ProfileView>,
    pub orders: Card<Vec<OrderView>>,
    /// Which connector the profile and the orders come from.
    pub profile_source: Option<String>,
    pub orders_source: Option<String>,
}

/// What the platform says about the visitor (cached as `platform:{uid}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Identity {
    name: String,
    partner_id: String,
    phone: String,
    email: String,
}

fn profile_view(p: &CustomerProfile) -> ProfileView {
    ProfileView {
        name: p.name.clone(),
        tier: p.tier.clone(),
        tags: p.tags.clone(),
        lifetime_value: p.lifetime_value.clone(),
        fields: p
            .fields
            .iter()
            .map(|f| (f.label.clone(), mask_pii(&f.value).into_owned()))
            .collect(),
    }
}

fn shipment_view(s: &Shipment) -> ShipmentView {
    let state = serde_json::to_value(s.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    ShipmentView {
        carrier: s.carrier.clone(),
        waybill: s.waybill.clone(),
        state,
        events: s
            .events
            .iter()
            .map(|e| TrackingEventView {
                at: e.at.clone(),
                place: e.place.clone(),
                text: e.text.clone(),
            })
            .collect(),
        summary: s.summary(),
    }
}

/// Cached orders keep what the view needs (order with its waybill), as JSON.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
struct CachedOrder {
    id: String,
    status: Option<String>,
    amount: Option<String>,
    placed_at: Option<String>,
    lines: Vec<OrderLineView>,
    carrier: Option<String>,
    waybill: Option<String>,
}

fn cached_order(o: &Order) -> CachedOrder {
    CachedOrder {
        id: o.id.clone(),
        status: o.status.clone(),
        amount: o.amount.clone(),
        placed_at: o.placed_at.clone(),
        lines: o
            .lines
            .iter()
            .map(|l| OrderLineView {
                name: l.name.clone(),
                quantity: l.quantity.clone(),
                price: l.price.clone(),
            })
            .collect(),
        carrier: o.tracking.first().map(|t| t.carrier.clone()),
        waybill: o.tracking.first().map(|t| t.waybill.clone()),
    }
}

/// The cache on the tenant's database: read on its own read-only connection, written through the
/// engine's single writer.
pub(crate) struct Cache {
    pub(crate) store: std::sync::Mutex<Store>,
    pub(crate) engine: EngineHandle,
    /// When answers were fetched, and how old they are.
    pub(crate) clock: SharedClock,
}

impl Cache {
    fn now_ms(&self) -> i64 {
        self.clock.now().as_i64()
    }

    /// Whether a cached answer is younger than `ttl_ms`.
    fn fresh_enough<T>(&self, cached: &Option<(T, i64)>, ttl_ms: i64) -> bool {
        let now = self.now_ms();
        cached.as_ref().is_some_and(|(_, at)| now - at < ttl_ms)
    }

    /// A card from a source's outcome, falling back to the cached value on failure.
    fn outcome_card<T: TS, C>(
        &self,
        outcome: SourceOutcome<C>,
        cached: Option<(T, i64)>,
        fresh: impl FnOnce(C) -> T,
    ) -> Card<T> {
        match outcome {
            SourceOutcome::Ok { value, .. } => {
                card(CardState::Fresh, Some(fresh(value)), Some(self.now_ms()))
            }
            SourceOutcome::Failed { error, retry_in_ms } => Card {
                state: CardState::Failed,
                as_of_ms: cached.as_ref().map(|(_, at)| *at),
                value: cached.map(|(v, _)| v),
                error: Some(error),
                retry_in_ms,
            },
            SourceOutcome::Skipped { retry_in_ms } => Card {
                state: CardState::Failed,
                as_of_ms: cached.as_ref().map(|(_, at)| *at),
                value: cached.map(|(v, _)| v),
                error: Some("paused after repeated failures".into()),
                retry_in_ms: Some(retry_in_ms),
            },
        }
    }

    pub(crate) fn get<T: DeserializeOwned>(&self, source: &str, key: &str) -> Option<(T, i64)> {
        let answer = self
            .store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .cached_answer(source, key)
            .ok()??;
        serde_json::from_str(&answer.body)
            .ok()
            .map(|value| (value, answer.fetched_at_ms))
    }

    /// Keeps an answer (best effort: a cache that could not be written is only slower next time).
    pub(crate) fn put<T: Serialize>(&self, source: &str, key: &str, value: &T) {
        if let Ok(body) = serde_json::to_string(value) {
            self.engine.write_soon(vec![Write::CacheAnswer {
                source: source.to_string(),
                key: key.to_string(),
                body,
                fetched_at_ms: self.now_ms(),
            }]);
        }
    }
}

fn card<T: TS>(state: CardState, value: Option<T>, as_of_ms: Option<i64>) -> Card<T> {
    Card {
        state,
        value,
        as_of_ms,
        error: None,
        retry_in_ms: None,
    }
}

impl Workbench {
    /// Reports a connector call to API health and the audit log, as the platform clients do for
    /// theirs (the connectors have no call observer of their own). A call the breaker held back was
    /// not made, and is not counted.
    fn report_connector_call<T>(
        &self,
        cache: &Cache,
        endpoint: &str,
        started: Instant,
        outcome: &SourceOutcome<T>,
    ) {
        let (label, detail) = match outcome {
            SourceOutcome::Ok { .. } => ("ok", String::new()),
            SourceOutcome::Failed { error, .. } => ("network", mask_pii(error).into_owned()),
            SourceOutcome::Skipped { .. } => return,
        };
        let took = started.elapsed();
        let started_at_ms = self.now_ms() - took.as_millis() as i64;
        let duration_ms = took.as_secs_f64() * 1000.0;
        self.health().record(&agentdesk_sobot::client::CallRecord {
            endpoint: endpoint.to_string(),
            started_at_ms,
            duration_ms,
            outcome: label.into(),
            detail: detail.clone(),
        });
        let agent = self.client().credentials().email.clone();
        cache.engine.write_soon(vec![Write::Audit(AuditEntry {
            at_ms: started_at_ms,
            actor: mask_pii(&agent).into_owned(),
            endpoint: endpoint.to_string(),
            duration_ms,
            outcome: label.into(),
            detail,
        })]);
    }
}

/// A card drawn from the cache (empty when nothing was ever fetched).
fn cached_card<T: TS>(cached: Option<(T, i64)>) -> Card<T> {
    let as_of_ms = cached.as_ref().map(|(_, at)| *at);
    card(CardState::Cached, cached.map(|(v, _)| v), as_of_ms)
}

/// Transforms a successful outcome's value (and keeps failures as they are).
fn map_outcome<A, B>(outcome: SourceOutcome<A>, f: impl FnOnce(A) -> B) -> SourceOutcome<B> {
    match outcome {
        SourceOutcome::Ok { value, took } => SourceOutcome::Ok {
            value: f(value),
            took,
        },
        SourceOutcome::Failed { error, retry_in_ms } => {
            SourceOutcome::Failed { error, retry_in_ms }
        }
        SourceOutcome::Skipped { retry_in_ms } => SourceOutcome::Skipped { retry_in_ms },
    }
}

/// The customer center's phone and e-mail, kept to complete the visitor record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PlatformContact {
    tel: String,
    email: String,
}

fn record_view(found: Option<&agentdesk_sobot::PlatformCustomer>) -> PlatformRecordView {
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty() && s != "0");
    PlatformRecordView {
        vip_level: found.and_then(|c| {
            nonempty(&c.vip_level).or_else(|| (c.user_level == 1).then(|| "VIP".to_string()))
        }),
        labels: found
            .map(|c| {
                c.user_label
                    .split([',', '，', ';', '；'])
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        remark: found
            .and_then(|c| nonempty(&c.remark))
            .map(|r: String| mask_pii(&r).into_owned()),
    }
}

impl Workbench {
    /// The workspace's cache: one connection to its database, kept while the workspace is on
    /// screen (a tenant switch opens the next tenant's).
    /// Deletes audit entries older than `days` from the workspace on screen's database; answers
    /// whether any went. (Each tenant's database is pruned when it is on screen.)
    pub async fn prune_audit_log(&self, days: u16) -> Result<bool, ApiError> {
        let before_ms = self.clock().now().days_before(u32::from(days)).as_i64();
        let applied = self
            .engine()
            .write(vec![Write::PruneAudit { before_ms }])
            .await?;
        Ok(applied.first().copied().unwrap_or(false))
    }

    pub(crate) fn cache(&self) -> Result<Arc<Cache>, ApiError> {
        let current = self.current();
        if let Some(cache) = current.customer_cache.get() {
            return Ok(cache.clone());
        }
        let opened = Arc::new(Cache {
            store: std::sync::Mutex::new(self.database().open_read_only()?),
            engine: self.engine(),
            clock: self.clock(),
        });
        Ok(current.customer_cache.get_or_init(|| opened).clone())
    }

    pub(crate) fn visitor_uid(&self, session_id: &str) -> Result<(String, String), ApiError> {
        self.engine()
            .sessions()?
            .into_iter()
            .find(|s| s.id == session_id)
            .map(|s| (s.visitor_id, s.visitor_name))
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::NotFound,
                    ErrorReason::NoSession {
                        session: session_id.to_string(),
                    },
                    format!("no session {session_id} in this workspace"),
                )
            })
    }

    /// One order's parcel: SF Express's own route query for `shunfeng` waybills when configured,
    /// Kuaidi100 otherwise.
    async fn parcel(
        &self,
        order: &CachedOrder,
        phone_last4: Option<&str>,
        cache: &Cache,
        refresh: bool,
    ) -> Option<Card<ShipmentView>> {
        let (Some(carrier), Some(waybill)) = (&order.carrier, &order.waybill) else {
            return None;
        };
        let sources = self.customer_sources();
        let key = format!("{carrier}:{waybill}");
        let cached: Option<(ShipmentView, i64)> = cache.get("parcel", &key);
        let use_sf = carrier == "shunfeng" && sources.sf.is_some();
        if !use_sf && sources.kuaidi100.is_none() {
            return Some(card(CardState::Unconfigured, None, None));
        }
        if !refresh || cache.fresh_enough(&cached, TRACKING_TTL_MS) {
            return Some(cached_card(cached));
        }
        let started = Instant::now();
        let (endpoint, outcome) = match (&sources.sf, &sources.kuaidi100) {
            (Some(sf), _) if use_sf => {
                let request_id = uuid::Uuid::new_v4().simple().to_string();
                let outcome = guarded(
                    sources.breaker("sf"),
                    sources.timeout,
                    sf.routes(waybill, phone_last4, &request_id, self.now_ms()),
                )
                .await;
                ("sf:routes", outcome)
            }
            (_, Some(kuaidi100)) => {
                let query = Query {
                    com: carrier.clone(),
                    num: waybill.clone(),
                    phone: phone_last4.map(str::to_string),
                };
                let outcome = guarded(
                    sources.breaker("kuaidi100"),
                    sources.timeout,
                    kuaidi100.query(&query),
                )
                .await;
                ("kuaidi100:query", outcome)
            }
            _ => return Some(card(CardState::Unconfigured, None, None)),
        };
        self.report_connector_call(cache, endpoint, started, &outcome);
        let outcome = map_outcome(outcome, |shipment| {
            let view = shipment_view(&shipment);
            cache.put("parcel", &key, &view);
            view
        });
        Some(cache.outcome_card(outcome, cached, |v| v))
    }
}

/// An account's sources: its connector files (profile, orders, carriers) with keys from the keychain. A
/// file that cannot be used is logged and passed over, so the view still starts.
pub(crate) async fn account_sources(catalog: &crate::ConnectorCatalog) -> CustomerSources {
    let chosen = match catalog.choose().await {
        Ok(chosen) => chosen,
        Err(error) => {
            tracing::warn!(%error, "the connectors could not be read; the view shows the platform's records only");
            return CustomerSources::platform_only();
        }
    };
    for warning in &chosen.warnings {
        tracing::warn!(%warning, "connector passed over");
    }
    CustomerSources::new(chosen.profile, chosen.orders, chosen.kuaidi100, chosen.sf)
}

/// The customer in front of the agent: the 360° view and one masked field in full (audited).
pub struct Customers<'a> {
    pub(crate) host: &'a Workbench,
}

impl Workbench {
    /// See [`Customers`].
    pub fn customers(&self) -> Customers<'_> {
        Customers { host: self }
    }
}

impl Customers<'_> {
    /// The view of the session's customer. `refresh: false` answers from the cache at once (a card
    /// never fetched is empty and `cached`); `refresh: true` asks every source whose cached answer is
    /// older than its TTL, all at once.
    pub async fn customer_view(
        &self,
        session_id: &str,
        refresh: bool,
    ) -> Result<CustomerView, ApiError> {
        let (uid, session_name) = self.host.visitor_uid(session_id)?;
        let cache = self.host.cache()?;
        let sources = self.host.customer_sources();
        let timeout = sources.timeout;

        // Who the customer is: the platform's record of the visitor (everything else looks them up
        // by what it says).
        let cached_identity: Option<(Identity, i64)> = cache.get("platform", &uid);
        let identity_card: Card<()>;
        let identity = if refresh && !cache.fresh_enough(&cached_identity, IDENTITY_TTL_MS) {
            let client = self.host.client();
            let outcome = guarded(sources.breaker("platform"), timeout, async {
                client.user_info(&uid).await
            })
            .await;
            let fresh = match &outcome {
                SourceOutcome::Ok { value, .. } => {
                    let identity = Identity {
                        name: value.uname.clone(),
                        partner_id: value.partner_id.clone(),
                        phone: value.tel.clone(),
                        email: value.email.clone(),
                    };
                    cache.put("platform", &uid, &identity);
                    Some(identity)
                }
                _ => None,
            };
            identity_card = cache.outcome_card(
                outcome,
                cached_identity.clone().map(|(_, at)| ((), at)),
                |_| (),
            );
            fresh.or(cached_identity.map(|(i, _)| i))
        } else {
            identity_card = cached_card(cached_identity.as_ref().map(|(_, at)| ((), *at)));
            cached_identity.map(|(i, _)| i)
        };
        let identity = identity.unwrap_or_default();
        let partner = Some(identity.partner_id.clone()).filter(|p| !p.is_empty());
        let partner_key = partner.clone().unwrap_or_default();
        let who = lookup(&identity);
        let client = self.host.client();

        // Everything else at once: the customer center, past sessions, the profile, and the orders
        // followed by their parcels. Each is cut short at its own timeout.
        // The customer center by partner id, or by phone when the visitor has no partner id.
        let record_key = partner.clone().map(|p| format!("partner:{p}")).or_else(|| {
            Some(identity.phone.clone())
                .filter(|p| !p.is_empty())
                .map(|p| format!("tel:{p}"))
        });
        let record = async {
            let Some(key) = &record_key else {
                return cached_card(None);
            };
            let cached: Option<(PlatformRecordView, i64)> = cache.get("record", key);
            if !refresh || cache.fresh_enough(&cached, RECORD_TTL_MS) {
                return cached_card(cached);
            }
            let outcome = guarded(sources.breaker("record"), timeout, async {
                match &partner {
                    Some(partner) => client.customer_by_partnerid(partner).await,
                    None => client.customer_by_tel(&identity.phone).await,
                }
            })
            .await;
            let outcome = map_outcome(outcome, |found| {
                let view = record_view(found.as_ref());
                cache.put("record", key, &view);
                if let Some(found) = &found {
                    let contact = PlatformContact {
                        tel: found.tel.clone(),
                        email: found.email.clone(),
                    };
                    cache.put("record-contact", key, &contact);
                }
                view
            });
            cache.outcome_card(outcome, cached, |v| v)
        };
        let history = async {
            let Some(partner) = &partner else {
                return cached_card(None);
            };
            // Per session: the list leaves out the session it is shown beside.
            let history_key = format!("{partner}:{session_id}");
            let cached: Option<(Vec<PastSessionView>, i64)> = cache.get("history", &history_key);
            if !refresh || cache.fresh_enough(&cached, HISTORY_TTL_MS) {
                return cached_card(cached);
            }
            let outcome = guarded(sources.breaker("history"), timeout, async {
                let sessions = client.past_sessions(partner).await?;
                let earlier: Vec<_> = sessions
                    .into_iter()
                    .filter(|s| s.cid != session_id)
                    .take(HISTORY_SHOWN)
                    .collect();
                let details = futures_util::future::join_all(
                    earlier.iter().map(|s| client.session_messages(&s.cid)),
                )
                .await;
                Ok::<_, agentdesk_sobot::ClientError>(
                    earlier
                        .into_iter()
                        .zip(details)
                        .map(|(session, messages)| {
                            let messages = messages.unwrap_or_default();
                            PastSessionView {
                                cid: session.cid,
                                started_ms: session.start_date_time,
                                channel: session.source.map(|code| {
                                    agentdesk_domain::Channel::from_sobot_source(code)
                                        .as_str()
                                        .to_string()
                                }),
                                preview: messages
                                    .iter()
                                    .find(|m| m.sender_type == 0 && !m.msg.is_empty())
                                    // Masked before it is cut, so a number at the cut is
                                    // never left half-shown.
                                    .map(|m| mask_pii(&m.msg).chars().take(120).collect()),
                                messages: messages.len() as u32,
                            }
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .await;
            if let SourceOutcome::Ok { value, .. } = &outcome {
                cache.put("history", &history_key, value);
            }
            cache.outcome_card(outcome, cached, |v| v)
        };
        let profile = async {
            let Some(source) = &sources.profile else {
                return card(CardState::Unconfigured, None, None);
            };
            let key = format!("{}:{partner_key}:{}", source.name(), identity.phone);
            let cached: Option<(ProfileView, i64)> = cache.get("profile", &key);
            if !refresh || cache.fresh_enough(&cached, PROFILE_TTL_MS) {
                return cached_card(cached);
            }
            let started = Instant::now();
            let outcome = guarded(sources.breaker("profile"), timeout, source.profile(&who)).await;
            self.host.report_connector_call(
                &cache,
                &format!("{}:profile", source.name()),
                started,
                &outcome,
            );
            let outcome = map_outcome(outcome, |found| {
                let view = profile_view(&found.unwrap_or_default());
                cache.put("profile", &key, &view);
                view
            });
            cache.outcome_card(outcome, cached, |v| v)
        };
        let phone_last4: Option<String> = Some(identity.phone.clone())
            .filter(|p| p.len() >= 4)
            .map(|p| p[p.len() - 4..].to_string());
        let orders = async {
            let Some(source) = &sources.orders else {
                return card(CardState::Unconfigured, None, None);
            };
            let key = format!("{}:{partner_key}:{}", source.name(), identity.phone);
            let cached: Option<(Vec<CachedOrder>, i64)> = cache.get("orders", &key);
            let orders: Card<Vec<CachedOrder>> =
                if !refresh || cache.fresh_enough(&cached, ORDERS_TTL_MS) {
                    cached_card(cached)
                } else {
                    let started = Instant::now();
                    let outcome =
                        guarded(sources.breaker("orders"), timeout, source.orders(&who)).await;
                    self.host.report_connector_call(
                        &cache,
                        &format!("{}:orders", source.name()),
                        started,
                        &outcome,
                    );
                    let outcome = map_outcome(outcome, |found| {
                        let list: Vec<CachedOrder> = found.iter().map(cached_order).collect();
                        cache.put("orders", &key, &list);
                        list
                    });
                    cache.outcome_card(outcome, cached, |v| v)
                };
            // Each order's parcel, all at once; an answer younger than 30 minutes is reused
            // (Kuaidi100 locks waybills queried more often).
            let order_list = orders.value.clone().unwrap_or_default();
            let shipments = futures_util::future::join_all(order_list.iter().map(|order| {
                self.host
                    .parcel(order, phone_last4.as_deref(), &cache, refresh)
            }))
            .await;
            let order_views = order_list
                .into_iter()
                .zip(shipments)
                .map(|(o, shipment)| OrderView {
                    id: o.id,
                    status: o.status,
                    amount: o.amount,
                    placed_at: o.placed_at,
                    lines: o.lines,
                    shipment,
                })
                .collect::<Vec<_>>();
            Card {
                state: orders.state,
                value: orders.value.map(|_| order_views),
                as_of_ms: orders.as_of_ms,
                error: orders.error,
                retry_in_ms: orders.retry_in_ms,
            }
        };
        let (record, history, profile, orders) = tokio::join!(record, history, profile, orders);

        // The customer center may know a phone or e-mail the visitor record did not: kept for the
        // next look-up (and for reveal).
        let mut identity = identity;
        if let Some(found) = record
            .value
            .as_ref()
            .and(record_key.as_ref())
            .and_then(|key| {
                cache
                    .get::<PlatformContact>("record-contact", key)
                    .map(|(c, _)| c)
            })
        {
            let mut changed = false;
            if identity.phone.is_empty() && !found.tel.is_empty() {
                identity.phone = found.tel;
                changed = true;
            }
            if identity.email.is_empty() && !found.email.is_empty() {
                identity.email = found.email;
                changed = true;
            }
            if changed {
                cache.put("platform", &uid, &identity);
            }
        }

        let nonempty = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        Ok(CustomerView {
            session_id: session_id.to_string(),
            name: nonempty(&identity.name).unwrap_or(session_name),
            partner_id: partner,
            phone: nonempty(&identity.phone).map(|p| mask_pii(&p).into_owned()),
            email: nonempty(&identity.email).map(|e| mask_pii(&e).into_owned()),
            identity: identity_card,
            record,
            history,
            profile,
            orders,
            profile_source: sources.profile.as_ref().map(|c| c.name().to_string()),
            orders_source: sources.orders.as_ref().map(|c| c.name().to_string()),
        })
    }
    /// Shows one masked field in full, and writes who saw what to the audit log.
    pub async fn reveal_customer_field(
        &self,
        session_id: &str,
        field: PersonalField,
    ) -> Result<String, ApiError> {
        let (uid, _) = self.host.visitor_uid(session_id)?;
        let cache = self.host.cache()?;
        let identity: Identity = cache.get("platform", &uid).map(|(i, _)| i).ok_or_else(|| {
            ApiError::because(
                ErrorCode::NotFound,
                ErrorReason::CustomerNotLoaded,
                "the customer's details are not loaded yet: open the Customer tab first",
            )
        })?;
        let value = match field {
            PersonalField::Phone => identity.phone,
            PersonalField::Email => identity.email,
        };
        let agent = self.host.client().credentials().email.clone();
        // The reveal is on record before the value is given.
        cache
            .engine
            .write(vec![Write::Audit(AuditEntry {
                at_ms: self.host.now_ms(),
                actor: mask_pii(&agent).into_owned(),
                endpoint: "reveal".into(),
                duration_ms: 0.0,
                outcome: "ok".into(),
                detail: format!("{field:?} of session {session_id}"),
            })])
            .await?;
        Ok(value)
    }
}
