//! Payment links sent in the conversation: Alipay's open platform (precreate's QR link or a wap
//! payment URL) and WeChat Pay API v3 (Native's `code_url`, scanned inside WeChat), each client
//! following `shared/reference/business-actions.md` field for field through the one observed HTTP
//! client. Every request is signed with the merchant's key and every answer verified with the
//! provider's before it is believed; amounts are whole fen.
//!
//! A link is created once (`once::create_once`): its `out_trade_no` is chosen and recorded before
//! the request leaves, and an attempt whose outcome is unknown is settled by a query. Neither
//! provider takes an idempotency key; both keep `out_trade_no` unique per merchant, which is what
//! makes a repeated request for the same number safe (docs/PROTOCOL.md, "Payment links").

pub mod alipay;
mod amount;
mod desk;
mod error;
pub mod keys;
pub mod merchant;
pub mod once;
mod qr;
pub mod wechat;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use alipay::{Alipay, AlipayLinkKind, AlipaySettings};
pub use amount::{AmountError, Fen, LARGEST_FEN};
pub use desk::{payment_error, PaymentDesk, PaymentLinkRequest, PaymentOptions, PaymentPolicy};
pub use error::PaymentError;
pub use keys::{Certificate, KeyError, MerchantKey, ProviderKey};
pub use wechat::{WechatPay, WechatPaySettings, WechatPayVerifier};

/// A payment system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "PaymentProvider")]
pub enum Provider {
    Alipay,
    Wechat,
    /// The merchant's own payment service, described in its connector file.
    Merchant,
}

impl Provider {
    pub fn parse(text: &str) -> Option<Provider> {
        match text.trim().to_ascii_lowercase().as_str() {
            "alipay" => Some(Provider::Alipay),
            "wechat" | "wechatpay" | "wxpay" => Some(Provider::Wechat),
            "merchant" => Some(Provider::Merchant),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Alipay => "alipay",
            Provider::Wechat => "wechat",
            Provider::Merchant => "merchant",
        }
    }

    /// The name an agent reads.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Alipay => "Alipay",
            Provider::Wechat => "WeChat Pay",
            Provider::Merchant => "the merchant's payment service",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the customer is asked to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOrder {
    /// The merchant's order number: chosen before the first request and never reused.
    pub out_trade_no: String,
    pub amount: Fen,
    pub subject: String,
    /// When it was first asked for (real time, ms) and for how long it can be paid: both fixed
    /// once, so a repeated request is the first one again.
    pub created_at_ms: i64,
    pub expire_minutes: u32,
}

/// How long a link can be paid unless the agent says otherwise.
pub const DEFAULT_EXPIRE_MINUTES: u32 = 30;
/// Alipay's `timeout_express` goes to 15 days; WeChat's `time_expire` is not bounded in the
/// sources, so both are held to Alipay's.
pub const LONGEST_EXPIRE_MINUTES: u32 = 15 * 24 * 60;

/// Longest subject Alipay and WeChat Pay take (WeChat's `description` is 127 bytes; Alipay's
/// `subject` 256 characters).
pub const SUBJECT_BYTES: usize = 127;

impl PaymentOrder {
    /// Checks what a provider would refuse, before anything is recorded or sent.
    pub fn validate(&self) -> Result<(), PaymentError> {
        let invalid = |reason: String| Err(PaymentError::Invalid(reason));
        if !(1..=LONGEST_EXPIRE_MINUTES).contains(&self.expire_minutes) {
            return invalid(format!(
                "a link can be payable for 1 to {LONGEST_EXPIRE_MINUTES} minutes (15 days), not {}",
                self.expire_minutes
            ));
        }
        let number = &self.out_trade_no;
        if number.len() < 6
            || number.len() > 32
            || !number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            // WeChat Pay: 6–32 characters of letters, digits, _ - | * ; Alipay: up to 64 of
            // letters, digits and underscores. The intersection, so one number suits both.
            return invalid(format!(
                "the order number {number:?} must be 6 to 32 letters, digits, _ or -"
            ));
        }
        let subject = self.subject.trim();
        if subject.is_empty() {
            return invalid("the payment needs a subject (what the customer pays for)".into());
        }
        if subject.len() > SUBJECT_BYTES {
            return invalid(format!(
                "the subject is {} bytes long; WeChat Pay takes at most {SUBJECT_BYTES} (about 40 Chinese characters)",
                subject.len()
            ));
        }
        if subject.chars().any(char::is_control) {
            return invalid("the subject holds control characters".into());
        }
        Ok(())
    }

    /// When it stops being payable (real time, ms).
    pub fn expires_at_ms(&self) -> i64 {
        self.created_at_ms + i64::from(self.expire_minutes) * 60_000
    }

    /// A new order number: the time and randomness, so two desks never pick the same one.
    pub fn new_out_trade_no(now_ms: i64) -> String {
        use rand::Rng;
        let random: u32 = rand::thread_rng().gen_range(0..1_000_000);
        format!("AD{now_ms}{random:06}")
    }
}

/// How the customer pays: a link to tap, or a code to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentTarget {
    /// Alipay's wap payment page: opens in the phone's browser or Alipay.
    Url { url: String },
    /// Alipay precreate's `qr_code` (an https link that also works tapped on a phone).
    QrCode { qr_code: String },
    /// WeChat Pay Native's `code_url` (`weixin://…`): must be shown as a QR image and scanned in
    /// WeChat; tapping it does nothing.
    CodeUrl { code_url: String },
}

impl PaymentTarget {
    /// The text inside the link or code.
    pub fn text(&self) -> &str {
        match self {
            PaymentTarget::Url { url } => url,
            PaymentTarget::QrCode { qr_code } => qr_code,
            PaymentTarget::CodeUrl { code_url } => code_url,
        }
    }
}

/// A created payment link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLink {
    pub provider: Provider,
    pub out_trade_no: String,
    pub target: PaymentTarget,
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Not paid yet (Alipay: not even scanned yet, or waiting; WeChat: NOTPAY, USERPAYING, ACCEPT).
    Waiting,
    Paid,
    /// Closed unpaid (by the merchant, or the provider's timeout).
    Closed,
    /// Not paid before its expiry: AgentDesk closed it.
    Expired,
    /// Paid, then refunded (WeChat REFUND; Alipay reports a full refund as TRADE_CLOSED).
    Refunded,
    /// The payer's payment failed (WeChat PAYERROR); the customer may try again.
    Failed,
}

impl PaymentState {
    pub fn is_final(self) -> bool {
        !matches!(self, PaymentState::Waiting | PaymentState::Failed)
    }
}

/// A query's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentStatus {
    pub out_trade_no: String,
    pub state: PaymentState,
    /// What was paid, once paid.
    pub paid_amount: Option<Fen>,
    /// The provider's own state word (`TRADE_SUCCESS`, `NOTPAY`, …), for the audit log.
    pub provider_state: String,
    /// Whether the provider knows the order at all (Alipay knows a precreated one only once it is
    /// scanned; WeChat answers ORDER_NOT_EXIST for a number it never took).
    pub known: bool,
}

/// A merchant's payment system as settings (keys included), to be built with the HTTP client.
#[derive(Debug, Clone)]
pub enum PaymentSetup {
    Alipay(AlipaySettings),
    Wechat(WechatPaySettings),
}

/// One merchant's payment system, set up.
pub enum PaymentSystem {
    Alipay(Alipay),
    Wechat(WechatPay),
    Merchant(merchant::MerchantService),
}

impl PaymentSystem {
    /// The client of `setup` (its settings checked: addresses, ids).
    pub fn new(
        http: agentdesk_http::HttpClient,
        setup: PaymentSetup,
    ) -> Result<PaymentSystem, PaymentError> {
        Ok(match setup {
            PaymentSetup::Alipay(settings) => PaymentSystem::Alipay(Alipay::new(http, settings)?),
            PaymentSetup::Wechat(settings) => {
                PaymentSystem::Wechat(WechatPay::new(http, settings)?)
            }
        })
    }

    pub fn provider(&self) -> Provider {
        match self {
            PaymentSystem::Alipay(_) => Provider::Alipay,
            PaymentSystem::Wechat(_) => Provider::Wechat,
            PaymentSystem::Merchant(_) => Provider::Merchant,
        }
    }

    /// The merchant's account at the provider: the same order number never goes to another.
    pub fn account(&self) -> String {
        match self {
            PaymentSystem::Alipay(alipay) => alipay.account(),
            PaymentSystem::Wechat(wechat) => wechat.account(),
            PaymentSystem::Merchant(service) => service.account(),
        }
    }

    pub async fn create(&self, order: &PaymentOrder) -> Result<PaymentLink, PaymentError> {
        match self {
            PaymentSystem::Alipay(alipay) => alipay.create(order).await,
            PaymentSystem::Wechat(wechat) => wechat.create(order).await,
            PaymentSystem::Merchant(service) => service.create(order).await,
        }
    }

    pub async fn query(&self, out_trade_no: &str) -> Result<PaymentStatus, PaymentError> {
        match self {
            PaymentSystem::Alipay(alipay) => alipay.query(out_trade_no).await,
            PaymentSystem::Wechat(wechat) => wechat.query(out_trade_no).await,
            PaymentSystem::Merchant(service) => service.query(out_trade_no).await,
        }
    }

    pub async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError> {
        match self {
            PaymentSystem::Alipay(alipay) => alipay.close(out_trade_no).await,
            PaymentSystem::Wechat(wechat) => wechat.close(out_trade_no).await,
            PaymentSystem::Merchant(service) => service.close(out_trade_no).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(number: &str, subject: &str) -> PaymentOrder {
        PaymentOrder {
            out_trade_no: number.into(),
            amount: Fen::new(100).unwrap(),
            subject: subject.into(),
            created_at_ms: 1_733_550_000_000,
            expire_minutes: 30,
        }
    }

    #[test]
    fn an_order_is_checked_before_it_is_recorded() {
        assert!(order("AD1733550000000123456", "耳机 延保一年")
            .validate()
            .is_ok());
        for (number, subject) in [
            ("abc", "x"),
            ("has space 12", "x"),
            ("订单号123456", "x"),
            ("AD1234567", "  "),
            ("AD1234567", &"长".repeat(43)),
            ("AD1234567", "a\u{7}b"),
        ] {
            assert!(
                matches!(
                    order(number, subject).validate(),
                    Err(PaymentError::Invalid(_))
                ),
                "{number:?} {subject:?}"
            );
        }
        let fresh = PaymentOrder::new_out_trade_no(1_733_550_000_000);
        assert!(order(&fresh, "x").validate().is_ok(), "{fresh}");
    }
}
