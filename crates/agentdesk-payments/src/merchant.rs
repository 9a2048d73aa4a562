//! Payment links through the merchant's own payment service, described in its connector file
//! (`[payment_link]`: the create, query and close requests and where their answers say what), for a
//! merchant whose shop already takes payments its own way. The link is made once the same way as
//! with Alipay and WeChat Pay: the order number is chosen and recorded before the request leaves,
//! and an unknown outcome is settled by a query; what makes a repeat safe is the service keeping
//! `{out_trade_no}` unique, which docs/PROTOCOL.md names as the file's contract.

use std::sync::Arc;

use agentdesk_connectors::rest::config::PaymentLinkConfig;
use agentdesk_connectors::rest::template::{self, Vars};
use agentdesk_connectors::rest::{RestConnector, RestError};
use agentdesk_connectors::source::Connector;

use crate::{
    Fen, PaymentError, PaymentLink, PaymentOrder, PaymentState, PaymentStatus, PaymentTarget,
    Provider,
};

const PROVIDER: Provider = Provider::Merchant;

/// The merchant's payment service behind a connector.
pub struct MerchantService {
    connector: Arc<Connector>,
}

impl MerchantService {
    /// The service `connector`'s file describes; none when it has no `[payment_link]`.
    pub fn of(connector: Arc<Connector>) -> Option<MerchantService> {
        match connector.as_ref() {
            Connector::Rest(rest) if rest.payment_link().is_some() => {}
            _ => return None,
        }
        Some(MerchantService { connector })
    }

    fn rest(&self) -> &RestConnector {
        match self.connector.as_ref() {
            Connector::Rest(rest) => rest,
            _ => unreachable!("a merchant service is a REST connector's (checked in `of`)"),
        }
    }

    fn config(&self) -> &PaymentLinkConfig {
        self.rest()
            .payment_link()
            .expect("a merchant service has its [payment_link] (checked in `of`)")
    }

    /// The connector's name (what the agent sees the service called).
    pub fn name(&self) -> &str {
        self.connector.name()
    }

    pub fn account(&self) -> String {
        format!("merchant#{}", self.connector.name())
    }

    pub async fn create(&self, order: &PaymentOrder) -> Result<PaymentLink, PaymentError> {
        let config = self.config();
        let answer = self
            .rest()
            .payment_call("payment:create", &config.create, &vars(order))
            .await
            .map_err(|e| failure("create", e))?;
        let link = template::read(&answer, &config.link)
            .filter(|l| !l.trim().is_empty())
            .ok_or_else(|| PaymentError::Garbled {
                provider: PROVIDER,
                endpoint: "create".into(),
                message: format!("no link at {} in the answer", config.link),
            })?;
        let target = match config.link_kind.as_deref() {
            Some("code_url") => PaymentTarget::CodeUrl { code_url: link },
            _ => PaymentTarget::Url { url: link },
        };
        Ok(PaymentLink {
            provider: PROVIDER,
            out_trade_no: order.out_trade_no.clone(),
            target,
        })
    }

    pub async fn query(&self, out_trade_no: &str) -> Result<PaymentStatus, PaymentError> {
        let config = self.config();
        let vars = number_only(out_trade_no);
        let answer = match self
            .rest()
            .payment_call("payment:query", &config.query, &vars)
            .await
        {
            Ok(answer) => answer,
            // Never made (or not yet): waiting, unknown to the service.
            Err(RestError::Http { status: 404, .. }) => {
                return Ok(PaymentStatus {
                    out_trade_no: out_trade_no.into(),
                    state: PaymentState::Waiting,
                    paid_amount: None,
                    provider_state: "NOT_FOUND".into(),
                    known: false,
                })
            }
            Err(error) => return Err(failure("query", error)),
        };
        let word = template::read(&answer, &config.state).unwrap_or_default();
        let named = |words: &[String]| words.iter().any(|w| w.eq_ignore_ascii_case(&word));
        let state = if named(&config.paid) {
            PaymentState::Paid
        } else if named(&config.refunded) {
            PaymentState::Refunded
        } else if named(&config.expired) {
            PaymentState::Expired
        } else if named(&config.closed) {
            PaymentState::Closed
        } else if named(&config.failed) {
            PaymentState::Failed
        } else {
            PaymentState::Waiting
        };
        let paid_amount = config
            .paid_amount
            .as_deref()
            .and_then(|pointer| template::read(&answer, pointer))
            .and_then(|yuan| Fen::parse_yuan(&yuan).ok());
        Ok(PaymentStatus {
            out_trade_no: out_trade_no.into(),
            state,
            paid_amount,
            provider_state: word,
            known: true,
        })
    }

    pub async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError> {
        let Some(close) = &self.config().close else {
            return Err(PaymentError::Invalid(
                "the merchant's payment service closes links itself at their expiry; its file has no [payment_link.close]".into(),
            ));
        };
        self.rest()
            .payment_call("payment:close", close, &number_only(out_trade_no))
            .await
            .map(drop)
            .map_err(|e| failure("close", e))
    }
}

fn number_only(out_trade_no: &str) -> Vars {
    Vars::from([("out_trade_no", out_trade_no.to_string())])
}

fn vars(order: &PaymentOrder) -> Vars {
    let expires_at = chrono::DateTime::from_timestamp_millis(order.expires_at_ms())
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Vars::from([
        ("out_trade_no", order.out_trade_no.clone()),
        ("amount", order.amount.yuan()),
        ("amount_fen", order.amount.get().to_string()),
        ("subject", order.subject.trim().to_string()),
        ("expire_minutes", order.expire_minutes.to_string()),
        ("expires_at", expires_at),
    ])
}

/// A connector's failure as a payment system's: whether it may have arrived decides a query first.
fn failure(endpoint: &str, error: RestError) -> PaymentError {
    let endpoint = endpoint.to_string();
    match error {
        RestError::Network { message, .. } => PaymentError::Unreachable {
            provider: PROVIDER,
            endpoint,
            message,
        },
        RestError::NoAnswer { message, .. } => PaymentError::NoAnswer {
            provider: PROVIDER,
            endpoint,
            message,
        },
        RestError::Http { status, body, .. } => PaymentError::Http {
            provider: PROVIDER,
            endpoint,
            status,
            message: body,
        },
        RestError::Auth {
            status, message, ..
        } => PaymentError::Http {
            provider: PROVIDER,
            endpoint,
            status,
            message: format!("the service refused the connector's credentials: {message}"),
        },
        RestError::Decode { message, .. } => PaymentError::Garbled {
            provider: PROVIDER,
            endpoint,
            message,
        },
        RestError::Config(message)
        | RestError::MissingKey {
            source_name: message,
        } => PaymentError::Invalid(message),
    }
}
