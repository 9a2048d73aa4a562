//! The view's steps, one per source: who the visitor is (the platform), the customer center, past
//! sessions, the CRM's profile, the orders and each order's parcel. Each step answers from what is
//! kept when it is fresh enough (or when the window asked for no refresh), and otherwise asks its
//! source through the source's breaker and timeout, keeps the answer, and says how current it is.

use agentdesk_connectors::fanout::{guarded, SourceOutcome};
use agentdesk_connectors::logistics::kuaidi100::{self, Query};
use agentdesk_connectors::logistics::Shipment;
use agentdesk_connectors::profile::{CustomerProfile, Order};
use agentdesk_connectors::rest::Lookup;
use agentdesk_domain::mask_pii;
use agentdesk_workspace::{Kept, Workspace};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::cards::{cached_card, card, map_outcome, outcome_card};
use crate::sources::CustomerSources;
use crate::view::*;

/// How long an answer counts as fresh: within it a refresh reuses the cached answer instead of
/// asking the source again (per source: who the visitor is and their profile change rarely, orders
/// more often).
const IDENTITY_TTL_MS: i64 = 10 * 60 * 1000;
const PROFILE_TTL_MS: i64 = 10 * 60 * 1000;
const ORDERS_TTL_MS: i64 = 2 * 60 * 1000;
const RECORD_TTL_MS: i64 = 10 * 60 * 1000;
const HISTORY_TTL_MS: i64 = 2 * 60 * 1000;
/// The form's submissions are followed while the session is open (the window looks every 15 s):
/// shorter than that look, so each look asks Jinshuju and a submission shows within 15 s.
const FORMS_TTL_MS: i64 = 10 * 1000;
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

/// What the platform says about the visitor (cached as `platform:{uid}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Identity {
    pub(crate) name: String,
    pub(crate) partner_id: String,
    pub(crate) phone: String,
    pub(crate) email: String,
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

/// The customer center's key: by partner id, or by phone when the visitor has no partner id.
pub(crate) fn record_key(identity: &Identity) -> Option<String> {
    let known = |v: &str| Some(v.to_string()).filter(|v| !v.is_empty());
    known(&identity.partner_id)
        .map(|p| format!("partner:{p}"))
        .or_else(|| known(&identity.phone).map(|p| format!("tel:{p}")))
}

/// One view being drawn.
pub(crate) struct ViewRequest<'a> {
    pub workspace: &'a Workspace,
    pub sources: &'a CustomerSources,
    pub session_id: &'a str,
    pub refresh: bool,
}

impl ViewRequest<'_> {
    /// Whether `kept` stands for this view: no refresh was asked for, or it is fresh enough.
    fn kept_will_do<T>(&self, kept: &Kept<T>, ttl_ms: i64) -> bool {
        !self.refresh || self.workspace.answers().fresh(kept, ttl_ms)
    }

    fn keep<T: Serialize>(&self, source: &str, key: &str, value: &T) {
        self.workspace.answers().put(source, key, value);
    }

    async fn kept<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        source: &str,
        key: &str,
    ) -> Kept<T> {
        self.workspace.answers().get(source, key).await
    }

    fn card_of<T: ts_rs::TS>(&self, outcome: SourceOutcome<T>, kept: Kept<T>) -> Card<T> {
        outcome_card(outcome, kept, self.workspace.now_ms())
    }

    /// Who the customer is, as the platform's record of the visitor says (everything else looks
    /// them up by it), and how current that is.
    pub(crate) async fn identity(&self, uid: &str) -> (Identity, Card<()>) {
        let kept: Kept<Identity> = self.kept("platform", uid).await;
        let kept_time = || kept.as_ref().map(|(_, at)| ((), *at));
        if self.kept_will_do(&kept, IDENTITY_TTL_MS) {
            let card = cached_card(kept_time());
            return (kept.map(|(i, _)| i).unwrap_or_default(), card);
        }
        let client = self.workspace.client();
        let outcome = guarded(
            self.sources.breaker("platform"),
            self.sources.timeout,
            async { client.user_info(uid).await },
        )
        .await;
        let fresh = match &outcome {
            SourceOutcome::Ok { value, .. } => {
                let identity = Identity {
                    name: value.uname.clone(),
                    partner_id: value.partner_id.clone(),
                    phone: value.tel.clone(),
                    email: value.email.clone(),
                };
                self.keep("platform", uid, &identity);
                Some(identity)
            }
            _ => None,
        };
        let card = self.card_of(map_outcome(outcome, |_| ()), kept_time());
        let identity = fresh.or(kept.map(|(i, _)| i)).unwrap_or_default();
        (identity, card)
    }

    /// The platform's customer center (its VIP level, labels and remark).
    pub(crate) async fn record(
        &self,
        identity: &Identity,
        key: Option<&str>,
    ) -> Card<PlatformRecordView> {
        let Some(key) = key else {
            return cached_card(None);
        };
        let kept: Kept<PlatformRecordView> = self.kept("record", key).await;
        if self.kept_will_do(&kept, RECORD_TTL_MS) {
            return cached_card(kept);
        }
        let client = self.workspace.client();
        let outcome = guarded(
            self.sources.breaker("record"),
            self.sources.timeout,
            async {
                if identity.partner_id.is_empty() {
                    client.customer_by_tel(&identity.phone).await
                } else {
                    client.customer_by_partnerid(&identity.partner_id).await
                }
            },
        )
        .await;
        let outcome = map_outcome(outcome, |found| {
            let view = record_view(found.as_ref());
            self.keep("record", key, &view);
            if let Some(found) = &found {
                let contact = PlatformContact {
                    tel: found.tel.clone(),
                    email: found.email.clone(),
                };
                self.keep("record-contact", key, &contact);
            }
            view
        });
        self.card_of(outcome, kept)
    }

    /// The customer's earlier sessions on every channel, newest first, this one left out.
    pub(crate) async fn history(&self, partner: Option<&str>) -> Card<Vec<PastSessionView>> {
        let Some(partner) = partner else {
            return cached_card(None);
        };
        // Per session: the list leaves out the session it is shown beside.
        let key = format!("{partner}:{}", self.session_id);
        let kept: Kept<Vec<PastSessionView>> = self.kept("history", &key).await;
        if self.kept_will_do(&kept, HISTORY_TTL_MS) {
            return cached_card(kept);
        }
        let outcome = guarded(
            self.sources.breaker("history"),
            self.sources.timeout,
            self.past_sessions(partner),
        )
        .await;
        if let SourceOutcome::Ok { value, .. } = &outcome {
            self.keep("history", &key, value);
        }
        self.card_of(outcome, kept)
    }

    async fn past_sessions(
        &self,
        partner: &str,
    ) -> Result<Vec<PastSessionView>, agentdesk_sobot::ClientError> {
        let client = self.workspace.client();
        let earlier: Vec<_> = client
            .past_sessions(partner)
            .await?
            .into_iter()
            .filter(|s| s.cid != self.session_id)
            .take(HISTORY_SHOWN)
            .collect();
        let details =
            futures_util::future::join_all(earlier.iter().map(|s| client.session_messages(&s.cid)))
                .await;
        Ok(earlier
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
                        // Masked before it is cut, so a number at the cut is never left half-shown.
                        .map(|m| mask_pii(&m.msg).chars().take(120).collect()),
                    messages: messages.len() as u32,
                }
            })
            .collect())
    }

    /// The CRM's profile.
    pub(crate) async fn profile(&self, identity: &Identity) -> Card<ProfileView> {
        let Some(source) = &self.sources.profile else {
            return card(CardState::Unconfigured, None, None);
        };
        let key = kept_key(source.name(), identity);
        let kept: Kept<ProfileView> = self.kept("profile", &key).await;
        if self.kept_will_do(&kept, PROFILE_TTL_MS) {
            return cached_card(kept);
        }
        let outcome = guarded(
            self.sources.breaker("profile"),
            self.sources.timeout,
            source.profile(&lookup(identity)),
        )
        .await;
        let outcome = map_outcome(outcome, |found| {
            let view = profile_view(&found.unwrap_or_default());
            self.keep("profile", &key, &view);
            view
        });
        self.card_of(outcome, kept)
    }

    /// The customer's submissions to the merchant's form: tagged with this session, else matched
    /// by phone (kept per session, their personal data masked).
    pub(crate) async fn forms(&self, identity: &Identity) -> Card<Vec<FormSubmissionView>> {
        let Some(source) = &self.sources.form else {
            return card(CardState::Unconfigured, None, None);
        };
        let key = format!("{}:{}", source.form, self.session_id);
        let kept: Kept<Vec<FormSubmissionView>> = self.kept("forms", &key).await;
        if self.kept_will_do(&kept, FORMS_TTL_MS) {
            return cached_card(kept);
        }
        let phone = Some(identity.phone.as_str()).filter(|p| !p.is_empty());
        let outcome = guarded(
            self.sources.breaker("forms"),
            self.sources.timeout,
            source
                .client
                .submissions(&source.form, self.session_id, phone),
        )
        .await;
        let outcome = map_outcome(outcome, |found| {
            let view: Vec<FormSubmissionView> = found
                .into_iter()
                .map(|s| FormSubmissionView {
                    serial_number: s.serial_number,
                    created_at: s.created_at,
                    fields: s
                        .fields
                        .into_iter()
                        .map(|(label, value)| FormFieldView {
                            label,
                            value: mask_pii(&value).into_owned(),
                        })
                        .collect(),
                    tagged: s.tagged,
                })
                .collect();
            self.keep("forms", &key, &view);
            view
        });
        self.card_of(outcome, kept)
    }

    /// The orders, each with its parcel.
    pub(crate) async fn orders(&self, identity: &Identity) -> Card<Vec<OrderView>> {
        let Some(source) = &self.sources.orders else {
            return card(CardState::Unconfigured, None, None);
        };
        let key = kept_key(source.name(), identity);
        let kept: Kept<Vec<CachedOrder>> = self.kept("orders", &key).await;
        let orders: Card<Vec<CachedOrder>> = if self.kept_will_do(&kept, ORDERS_TTL_MS) {
            cached_card(kept)
        } else {
            let outcome = guarded(
                self.sources.breaker("orders"),
                self.sources.timeout,
                source.orders(&lookup(identity)),
            )
            .await;
            let outcome = map_outcome(outcome, |found| {
                let list: Vec<CachedOrder> = found.iter().map(cached_order).collect();
                self.keep("orders", &key, &list);
                list
            });
            self.card_of(outcome, kept)
        };
        // Each order's parcel, all at once.
        let phone_last4: Option<String> = Some(identity.phone.clone())
            .filter(|p| p.len() >= 4)
            .map(|p| p[p.len() - 4..].to_string());
        let order_list = orders.value.clone().unwrap_or_default();
        let shipments = futures_util::future::join_all(
            order_list
                .iter()
                .map(|order| self.parcel(order, phone_last4.as_deref())),
        )
        .await;
        let views = order_list
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
            value: orders.value.map(|_| views),
            as_of_ms: orders.as_of_ms,
            error: orders.error,
            retry_in_ms: orders.retry_in_ms,
        }
    }

    /// One order's parcel: SF Express's own route query for `shunfeng` waybills when configured,
    /// Kuaidi100 otherwise. An answer younger than 30 minutes is reused (Kuaidi100 locks waybills
    /// queried more often).
    async fn parcel(
        &self,
        order: &CachedOrder,
        phone_last4: Option<&str>,
    ) -> Option<Card<ShipmentView>> {
        let (Some(carrier), Some(waybill)) = (&order.carrier, &order.waybill) else {
            return None;
        };
        let sources = self.sources;
        let use_sf = carrier == "shunfeng" && sources.sf.is_some();
        if !use_sf && sources.kuaidi100.is_none() {
            return Some(card(CardState::Unconfigured, None, None));
        }
        let key = format!("{carrier}:{waybill}");
        let kept: Kept<ShipmentView> = self.kept("parcel", &key).await;
        if self.kept_will_do(&kept, TRACKING_TTL_MS) {
            return Some(cached_card(kept));
        }
        let outcome = match (&sources.sf, &sources.kuaidi100) {
            (Some(sf), _) if use_sf => {
                let request_id = uuid::Uuid::new_v4().simple().to_string();
                guarded(
                    sources.breaker("sf"),
                    sources.timeout,
                    sf.routes(waybill, phone_last4, &request_id),
                )
                .await
            }
            (_, Some(kuaidi100)) => {
                let query = Query {
                    com: carrier.clone(),
                    num: waybill.clone(),
                    phone: phone_last4.map(str::to_string),
                };
                guarded(
                    sources.breaker("kuaidi100"),
                    sources.timeout,
                    kuaidi100.query(&query),
                )
                .await
            }
            _ => return Some(card(CardState::Unconfigured, None, None)),
        };
        let outcome = map_outcome(outcome, |shipment: Shipment| {
            let view = shipment_view(&shipment);
            self.keep("parcel", &key, &view);
            view
        });
        Some(self.card_of(outcome, kept))
    }

    /// The visitor record completed with the customer center's phone or e-mail where it had none,
    /// kept for the next look-up.
    pub(crate) async fn completed_identity(
        &self,
        mut identity: Identity,
        uid: &str,
        record_key: &str,
    ) -> Identity {
        let Some((found, _)) = self
            .kept::<PlatformContact>("record-contact", record_key)
            .await
        else {
            return identity;
        };
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
            self.keep("platform", uid, &identity);
        }
        identity
    }
}

/// Where a source's answer for a customer is kept: the source (so a new CRM is never answered from
/// the old one's cache) and the customer as the platform and the CRM know them.
fn kept_key(source: &str, identity: &Identity) -> String {
    format!("{source}:{}:{}", identity.partner_id, identity.phone)
}
