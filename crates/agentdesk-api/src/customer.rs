//! The 360° view of the customer in focus: who they are (the platform's record of the visitor), their
//! CRM profile and orders, and each order's parcel, asked of every source at once, each with its own
//! timeout and circuit breaker. Answers are cached in the tenant's database: a view is first drawn
//! from the cache with its "as of" time, then refreshed. Personal data is masked unless the agent
//! reveals it, and every reveal is audited.

use std::collections::HashMap;
use std::time::Duration;

use agentdesk_connectors::crm::qiyu::QiyuCrmClient;
use agentdesk_connectors::fanout::{guarded, CircuitBreaker, SourceOutcome, DEFAULT_TIMEOUT};
use agentdesk_connectors::logistics::kuaidi100::{self, Kuaidi100Client, Query};
use agentdesk_connectors::logistics::Shipment;
use agentdesk_connectors::profile::{CustomerProfile, Order};
use agentdesk_domain::{mask_pii, Secret};
use agentdesk_store::{AuditEntry, Store, Write};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode, Workbench};

/// How long an answer counts as fresh: within it a refresh reuses the cached answer instead of
/// asking the source again (per source: who the visitor is and their profile change rarely, orders
/// more often).
const IDENTITY_TTL_MS: i64 = 10 * 60 * 1000;
const PROFILE_TTL_MS: i64 = 10 * 60 * 1000;
const ORDERS_TTL_MS: i64 = 2 * 60 * 1000;
/// Kuaidi100 locks a waybill queried more often than every 30 minutes.
const TRACKING_TTL_MS: i64 = kuaidi100::MIN_QUERY_INTERVAL.as_millis() as i64;

/// The sources of the view, with a breaker each.
pub(crate) struct CustomerSources {
    pub qiyu: Option<QiyuCrmClient>,
    pub kuaidi100: Option<Kuaidi100Client>,
    breakers: HashMap<&'static str, CircuitBreaker>,
    pub timeout: Duration,
}

impl CustomerSources {
    pub fn new(qiyu: Option<QiyuCrmClient>, kuaidi100: Option<Kuaidi100Client>) -> CustomerSources {
        let breakers = ["platform", "crm", "orders", "kuaidi100"]
            .into_iter()
            .map(|name| (name, CircuitBreaker::new(3, Duration::from_secs(30))))
            .collect();
        CustomerSources {
            qiyu,
            kuaidi100,
            breakers,
            timeout: DEFAULT_TIMEOUT,
        }
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CustomerView {
    pub session_id: String,
    pub name: String,
    pub partner_id: Option<String>,
    /// Masked (138****5678) unless revealed.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub identity: Card<()>,
    pub profile: Card<ProfileView>,
    pub orders: Card<Vec<OrderView>>,
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

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The cache, read and written on the tenant's database file.
struct Cache {
    store: std::sync::Mutex<Store>,
}

impl Cache {
    fn get<T: DeserializeOwned>(&self, source: &str, key: &str) -> Option<(T, i64)> {
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

    fn put<T: Serialize>(&self, source: &str, key: &str, value: &T) {
        if let Ok(body) = serde_json::to_string(value) {
            if let Err(error) = self
                .store
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .cache_answer(source, key, &body, now_ms())
            {
                tracing::warn!(%error, source, "could not cache an answer");
            }
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

/// A card from a source's outcome, falling back to the cached value on failure.
fn outcome_card<T: TS, C>(
    outcome: SourceOutcome<C>,
    cached: Option<(T, i64)>,
    fresh: impl FnOnce(C) -> T,
) -> Card<T> {
    match outcome {
        SourceOutcome::Ok { value, .. } => {
            card(CardState::Fresh, Some(fresh(value)), Some(now_ms()))
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

impl Workbench {
    fn cache(&self) -> Result<Cache, ApiError> {
        Ok(Cache {
            store: std::sync::Mutex::new(Store::open(&self.database_path())?),
        })
    }

    fn visitor_uid(&self, session_id: &str) -> Result<(String, String), ApiError> {
        self.engine()
            .sessions()?
            .into_iter()
            .find(|s| s.id == session_id)
            .map(|s| (s.visitor_id, s.visitor_name))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("no session {session_id} in this workspace"),
                )
            })
    }

    /// The view of the session's customer. `refresh: false` answers from the cache at once (a card
    /// never fetched is empty and `cached`); `refresh: true` asks every source at once.
    pub async fn customer_view(
        &self,
        session_id: &str,
        refresh: bool,
    ) -> Result<CustomerView, ApiError> {
        let (uid, session_name) = self.visitor_uid(session_id)?;
        let cache = self.cache()?;
        let sources = self.customer_sources();
        let timeout = sources.timeout;

        // Who the customer is: the platform's record.
        let cached_identity: Option<(Identity, i64)> = cache.get("platform", &uid);
        let identity_card: Card<()>;
        let identity_is_recent = cached_identity
            .as_ref()
            .is_some_and(|(_, at)| now_ms() - at < IDENTITY_TTL_MS);
        let identity = if refresh && !identity_is_recent {
            let client = self.client();
            let outcome = guarded(sources.breaker("platform"), timeout, async {
                client.user_info(&uid).await
            })
            .await;
            let fresh = match &outcome {
                SourceOutcome::Ok { value, .. } => {
                    let text = |k: &str| value[k].as_str().unwrap_or_default().to_string();
                    let identity = Identity {
                        name: text("uname"),
                        partner_id: text("partnerId"),
                        phone: text("tel"),
                        email: text("email"),
                    };
                    cache.put("platform", &uid, &identity);
                    Some(identity)
                }
                _ => None,
            };
            identity_card = outcome_card(
                outcome,
                cached_identity.clone().map(|(_, at)| ((), at)),
                |_| (),
            );
            fresh.or(cached_identity.map(|(i, _)| i))
        } else {
            identity_card = card(
                CardState::Cached,
                cached_identity.as_ref().map(|_| ()),
                cached_identity.as_ref().map(|(_, at)| *at),
            );
            cached_identity.map(|(i, _)| i)
        };
        let identity = identity.unwrap_or_default();
        let partner = Some(identity.partner_id.clone()).filter(|p| !p.is_empty());

        let (profile, orders) = match (&sources.qiyu, &partner) {
            (None, _) => (
                card(CardState::Unconfigured, None, None),
                card(CardState::Unconfigured, None, None),
            ),
            (Some(_), None) => (
                card(CardState::Cached, None, None),
                card(CardState::Cached, None, None),
            ),
            (Some(crm), Some(partner)) => {
                let cached_profile: Option<(ProfileView, i64)> = cache.get("crm", partner);
                let cached_orders: Option<(Vec<CachedOrder>, i64)> = cache.get("orders", partner);
                let recent =
                    |cached: Option<i64>, ttl: i64| cached.is_some_and(|at| now_ms() - at < ttl);
                let profile_recent =
                    recent(cached_profile.as_ref().map(|(_, at)| *at), PROFILE_TTL_MS);
                let orders_recent =
                    recent(cached_orders.as_ref().map(|(_, at)| *at), ORDERS_TTL_MS);
                if refresh && !(profile_recent && orders_recent) {
                    let (profile, orders) = tokio::join!(
                        guarded(sources.breaker("crm"), timeout, crm.user_info(partner)),
                        guarded(
                            sources.breaker("orders"),
                            timeout,
                            crm.orders(partner, 20, 0)
                        ),
                    );
                    if let SourceOutcome::Ok { value, .. } = &profile {
                        cache.put("crm", partner, &profile_view(value));
                    }
                    if let SourceOutcome::Ok { value, .. } = &orders {
                        let list: Vec<CachedOrder> = value.0.iter().map(cached_order).collect();
                        cache.put("orders", partner, &list);
                    }
                    (
                        outcome_card(profile, cached_profile, |p| profile_view(&p)),
                        outcome_card(orders, cached_orders, |(o, _)| {
                            o.iter().map(cached_order).collect()
                        }),
                    )
                } else {
                    (
                        card(
                            CardState::Cached,
                            cached_profile.as_ref().map(|(v, _)| v.clone()),
                            cached_profile.as_ref().map(|(_, at)| *at),
                        ),
                        card(
                            CardState::Cached,
                            cached_orders.as_ref().map(|(v, _)| v.clone()),
                            cached_orders.as_ref().map(|(_, at)| *at),
                        ),
                    )
                }
            }
        };

        // Each order's parcel, all at once; an answer younger than 30 minutes is reused (the carrier
        // locks waybills queried more often).
        let order_list = orders.value.clone().unwrap_or_default();
        let phone_last4: Option<String> = Some(identity.phone.clone())
            .filter(|p| p.len() >= 4)
            .map(|p| p[p.len() - 4..].to_string());
        let shipments = futures_util::future::join_all(order_list.iter().map(|order| {
            let cache = &cache;
            let sources = &sources;
            let phone = phone_last4.clone();
            async move {
                let (Some(carrier), Some(waybill)) = (&order.carrier, &order.waybill) else {
                    return None;
                };
                let key = format!("{carrier}:{waybill}");
                let cached: Option<(ShipmentView, i64)> = cache.get("kuaidi100", &key);
                let Some(client) = &sources.kuaidi100 else {
                    return Some(card(CardState::Unconfigured, None, None));
                };
                let recent = cached
                    .as_ref()
                    .is_some_and(|(_, at)| now_ms() - at < TRACKING_TTL_MS);
                if !refresh || recent {
                    return Some(card(
                        CardState::Cached,
                        cached.as_ref().map(|(v, _)| v.clone()),
                        cached.as_ref().map(|(_, at)| *at),
                    ));
                }
                let query = Query {
                    com: carrier.clone(),
                    num: waybill.clone(),
                    phone,
                };
                let outcome = guarded(
                    sources.breaker("kuaidi100"),
                    sources.timeout,
                    client.query(&query),
                )
                .await;
                if let SourceOutcome::Ok { value, .. } = &outcome {
                    cache.put("kuaidi100", &key, &shipment_view(value));
                }
                Some(outcome_card(outcome, cached, |s| shipment_view(&s)))
            }
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
        let orders_card = Card {
            state: orders.state,
            value: orders.value.map(|_| order_views),
            as_of_ms: orders.as_of_ms,
            error: orders.error,
            retry_in_ms: orders.retry_in_ms,
        };
        let nonempty = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        Ok(CustomerView {
            session_id: session_id.to_string(),
            name: nonempty(&identity.name).unwrap_or(session_name),
            partner_id: partner,
            phone: nonempty(&identity.phone).map(|p| mask_pii(&p).into_owned()),
            email: nonempty(&identity.email).map(|e| mask_pii(&e).into_owned()),
            identity: identity_card,
            profile,
            orders: orders_card,
        })
    }

    /// Shows one masked field in full, and writes who saw what to the audit log.
    pub async fn reveal_customer_field(
        &self,
        session_id: &str,
        field: PersonalField,
    ) -> Result<String, ApiError> {
        let (uid, _) = self.visitor_uid(session_id)?;
        let cache = self.cache()?;
        let identity: Identity = cache.get("platform", &uid).map(|(i, _)| i).ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                "the customer's details are not loaded yet: open the Customer tab first",
            )
        })?;
        let value = match field {
            PersonalField::Phone => identity.phone,
            PersonalField::Email => identity.email,
        };
        let agent = self.client().credentials().email.clone();
        cache.store_audit(AuditEntry {
            at_ms: now_ms(),
            actor: mask_pii(&agent).into_owned(),
            endpoint: "reveal".into(),
            duration_ms: 0.0,
            outcome: "ok".into(),
            detail: format!("{field:?} of session {session_id}"),
        })?;
        Ok(value)
    }
}

impl Cache {
    fn store_audit(&self, entry: AuditEntry) -> Result<(), ApiError> {
        self.store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .apply(&[Write::Audit(entry)])?;
        Ok(())
    }
}

/// The demo sources: the sandbox's CRM and Kuaidi100, with their published credentials.
pub(crate) fn demo_sources(info: &agentdesk_sandbox::ReadyInfo) -> CustomerSources {
    // The fan-out's per-source timeout (800 ms) cuts a call short; the HTTP client's own limit only
    // guards against a call that outlives it.
    let timeout = Duration::from_secs(10);
    CustomerSources::new(
        Some(QiyuCrmClient::new(
            &info.qiyu_crm.base_url,
            &info.qiyu_crm.appid,
            Secret::new(info.qiyu_crm.appsecret.clone()),
            timeout,
        )),
        Some(Kuaidi100Client::new(
            &info.base_url,
            &info.carriers.kuaidi100_customer,
            Secret::new(info.carriers.kuaidi100_key.clone()),
            timeout,
        )),
    )
}
