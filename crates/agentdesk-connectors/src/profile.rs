//! What the 360° view shows about a customer, whichever source it came from: a profile, orders with
//! their lines, and the waybills to track. Every source maps into these.

use serde::Serialize;

/// One labelled value as the source named it (kept for fields the view has no slot for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CustomerProfile {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    /// As the source wrote it (currency included).
    pub lifetime_value: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLine {
    pub name: String,
    pub quantity: Option<String>,
    pub price: Option<String>,
}

/// A waybill to track: carrier code (Kuaidi100's, e.g. `shunfeng`) and number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackingRef {
    pub carrier: String,
    pub waybill: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Order {
    pub id: String,
    pub status: Option<String>,
    pub amount: Option<String>,
    pub placed_at: Option<String>,
    pub lines: Vec<OrderLine>,
    pub tracking: Vec<TrackingRef>,
    pub fields: Vec<Field>,
}
