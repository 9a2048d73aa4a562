//! Parcels: one shipment model every carrier maps into (a readable timeline of events, newest
//! first), and the errors a carrier query can end in.

pub mod kuaidi100;
pub mod sf;

use serde::Serialize;

/// Where a parcel is, in words the agent can repeat to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentState {
    /// Ordered, not yet with the carrier.
    AwaitingPickup,
    PickedUp,
    InTransit,
    OutForDelivery,
    Delivered,
    /// Held up: address, contact or damage problem (疑难).
    Problem,
    /// Refused by the recipient (退签 / 拒签).
    Refused,
    /// On its way back to the sender (退回).
    Returning,
    /// Handed to another carrier (转投).
    Redirected,
    /// In customs clearance.
    Customs,
    Unknown,
}

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackingEvent {
    /// As the carrier wrote it (`yyyy-MM-dd HH:mm:ss`, China time).
    pub at: String,
    pub place: Option<String>,
    pub text: String,
    pub state: Option<ShipmentState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shipment {
    /// The carrier's code (`shunfeng`, `zhongtong`, ... or `sf` for SF Express's own API).
    pub carrier: String,
    pub waybill: String,
    pub state: ShipmentState,
    /// Newest first.
    pub events: Vec<TrackingEvent>,
}

impl Shipment {
    /// One line for the composer: "SF1234567890: in transit, 2026-10-02 11:30 深圳 已到达...".
    pub fn summary(&self) -> String {
        match self.events.first() {
            Some(last) => format!(
                "{} {}: {} ({}{})",
                self.carrier,
                self.waybill,
                last.text,
                last.at,
                last.place
                    .as_deref()
                    .map(|p| format!(", {p}"))
                    .unwrap_or_default()
            ),
            None => format!("{} {}: no tracking events yet", self.carrier, self.waybill),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogisticsError {
    #[error("{carrier} could not be reached: {message}")]
    Network {
        carrier: &'static str,
        message: String,
    },
    #[error("{carrier} rejected the signature: check the key and customer id in Settings ({code} {message})")]
    Signature {
        carrier: &'static str,
        code: String,
        message: String,
    },
    #[error("{carrier} has no tracking for this waybill yet ({message}); try again later")]
    NoResult {
        carrier: &'static str,
        message: String,
    },
    #[error("{carrier} needs the recipient's or sender's phone number (last 4 digits) for this carrier ({message})")]
    PhoneRequired {
        carrier: &'static str,
        message: String,
    },
    #[error("{carrier} refused the query: {code} {message}")]
    Refused {
        carrier: &'static str,
        code: String,
        message: String,
    },
    #[error("unexpected answer from {carrier}: {message}")]
    Decode {
        carrier: &'static str,
        message: String,
        body: String,
    },
}

impl agentdesk_http::CallFailure for LogisticsError {
    fn outcome(&self) -> String {
        match self {
            LogisticsError::Network { .. } => "network".into(),
            LogisticsError::Decode { .. } => "decode".into(),
            LogisticsError::Signature { .. } => "signature".into(),
            LogisticsError::NoResult { .. } => "no_result".into(),
            LogisticsError::PhoneRequired { .. } => "phone_required".into(),
            LogisticsError::Refused { code, .. } => format!("refused_{code}"),
        }
    }

    fn is_transient(&self) -> bool {
        matches!(self, LogisticsError::Network { .. })
    }
}

/// Posts a carrier's form and reads the answer body; any transport failure or non-2xx status is
/// `Network` (the carrier did not answer the query).
pub(crate) async fn post_form(
    http: &reqwest::Client,
    carrier: &'static str,
    url: String,
    form: &[(&str, &str)],
) -> Result<String, LogisticsError> {
    let network = |e: reqwest::Error| LogisticsError::Network {
        carrier,
        message: agentdesk_http::transport_reason(&e),
    };
    let response = http.post(url).form(form).send().await.map_err(network)?;
    let status = response.status();
    let body = response.text().await.map_err(network)?;
    if !status.is_success() {
        // A gateway or server failure, not an answer about the parcel.
        return Err(LogisticsError::Network {
            carrier,
            message: format!(
                "HTTP {}: {}",
                status.as_u16(),
                body.chars().take(200).collect::<String>()
            ),
        });
    }
    Ok(body)
}

/// Lowercase hex of an MD5 digest.
pub(crate) fn md5_hex(input: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(input)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
