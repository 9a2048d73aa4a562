//! What the window shows of the customer: cards, each with its value and how current it is (fresh,
//! from the cache with its time, failed with the cached value kept, or not configured).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

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
    /// The customer's submissions to the merchant's form, newest first.
    pub forms: Card<Vec<FormSubmissionView>>,
    /// The form's name when the merchant has one (the agent can send its link).
    pub form_title: Option<String>,
    /// Which connector the profile and the orders come from.
    pub profile_source: Option<String>,
    pub orders_source: Option<String>,
}

/// One submission of the merchant's form, its personal data masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FormSubmissionView {
    #[ts(type = "number")]
    pub serial_number: i64,
    /// As Jinshuju gives it (UTC, ISO-8601).
    pub created_at: String,
    /// The form's labels and the answers, in the form's order.
    pub fields: Vec<FormFieldView>,
    /// Matched by the link sent in this session (else by the customer's phone).
    pub tagged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FormFieldView {
    pub label: String,
    pub value: String,
}
