//! WeChat Pay API v3 for a direct merchant (直连商户): Native prepay (`code_url`), query and close by
//! `out_trade_no`. business-actions.md §2: each request carries `Authorization:
//! WECHATPAY2-SHA256-RSA2048` over `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` with the merchant's API
//! key; each 2xx answer is verified over `TIMESTAMP\nNONCE\nBODY\n` with the key its
//! `Wechatpay-Serial` names: the 微信支付公钥 (serial = its id) or a platform certificate (serial =
//! the certificate's), both accepted as wechatpay-go's combined verifier does.

use agentdesk_http::{HttpClient, Retry};
use chrono::{FixedOffset, TimeZone as _};
use rand::Rng as _;
use serde_json::{json, Value};

use crate::{
    Certificate, Fen, MerchantKey, PaymentError, PaymentLink, PaymentOrder, PaymentState,
    PaymentStatus, PaymentTarget, Provider, ProviderKey,
};

const PROVIDER: Provider = Provider::Wechat;
/// An answer's timestamp further than this from now is refused (wechatpay-go's validator).
const ANSWER_CLOCK_SKEW_SECONDS: i64 = 300;

/// The keys WeChat Pay's answers are checked with.
#[derive(Debug, Clone, Default)]
pub struct WechatPayVerifier {
    /// 微信支付公钥 and its id (`PUB_KEY_ID_…`).
    pub public_key: Option<(String, ProviderKey)>,
    /// Platform certificates (平台证书), each named by its serial.
    pub certificates: Vec<Certificate>,
}

impl WechatPayVerifier {
    /// The key an answer signed under `serial` is checked with.
    fn key(&self, serial: &str) -> Option<&ProviderKey> {
        match &self.public_key {
            Some((id, key)) if id == serial => Some(key),
            _ => self
                .certificates
                .iter()
                .find(|c| c.serial.eq_ignore_ascii_case(serial))
                .map(|c| &c.key),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.public_key.is_none() && self.certificates.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct WechatPaySettings {
    /// `https://api.mch.weixin.qq.com`.
    pub base_url: String,
    pub appid: String,
    pub mchid: String,
    /// The serial of the merchant's API certificate (商户API证书序列号).
    pub merchant_serial: String,
    pub merchant_key: MerchantKey,
    pub verifier: WechatPayVerifier,
    /// Required by Native prepay (HTTPS, no query). A desk follows payments by querying; this is
    /// where WeChat would also post its notices.
    pub notify_url: String,
}

pub struct WechatPay {
    http: HttpClient,
    settings: WechatPaySettings,
}

impl WechatPay {
    pub fn new(http: HttpClient, settings: WechatPaySettings) -> Result<WechatPay, PaymentError> {
        let invalid = |reason: String| Err(PaymentError::Invalid(reason));
        if url::Url::parse(&settings.base_url).is_err() {
            return invalid(format!(
                "WeChat Pay's address {:?} is not a URL (e.g. https://api.mch.weixin.qq.com)",
                settings.base_url
            ));
        }
        for (value, what) in [
            (&settings.appid, "the appid"),
            (&settings.mchid, "the merchant id (mchid)"),
            (
                &settings.merchant_serial,
                "the merchant certificate's serial",
            ),
        ] {
            if value.trim().is_empty() {
                return invalid(format!("WeChat Pay needs {what}"));
            }
        }
        match url::Url::parse(&settings.notify_url) {
            Ok(url) if url.scheme() == "https" && url.query().is_none() => {}
            _ => {
                return invalid(format!(
                    "WeChat Pay's notify_url {:?} must be an https address without a query",
                    settings.notify_url
                ))
            }
        }
        if settings.verifier.is_empty() {
            return invalid(
                "WeChat Pay needs its public key (微信支付公钥, with its id) or a platform certificate to check its answers".into(),
            );
        }
        Ok(WechatPay { http, settings })
    }

    pub fn account(&self) -> String {
        format!(
            "{}#{}",
            self.settings.base_url.trim_end_matches('/'),
            self.settings.mchid
        )
    }

    pub async fn create(&self, order: &PaymentOrder) -> Result<PaymentLink, PaymentError> {
        order.validate()?;
        let body = json!({
            "appid": self.settings.appid,
            "mchid": self.settings.mchid,
            "description": order.subject.trim(),
            "out_trade_no": order.out_trade_no,
            "time_expire": rfc3339_china(order.expires_at_ms()),
            "notify_url": self.settings.notify_url,
            "amount": { "total": order.amount.get(), "currency": "CNY" },
        })
        .to_string();
        let answer = self
            .call(
                "POST",
                "/v3/pay/transactions/native",
                Some(body),
                Retry::Never,
            )
            .await?
            .unwrap_or(Value::Null);
        match answer["code_url"].as_str() {
            Some(code_url) if !code_url.is_empty() => Ok(PaymentLink {
                provider: PROVIDER,
                out_trade_no: order.out_trade_no.clone(),
                target: PaymentTarget::CodeUrl {
                    code_url: code_url.to_string(),
                },
            }),
            _ => Err(PaymentError::Garbled {
                provider: PROVIDER,
                endpoint: "native".into(),
                message: "a success without code_url".into(),
            }),
        }
    }

    pub async fn query(&self, out_trade_no: &str) -> Result<PaymentStatus, PaymentError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={}",
            encode_path(out_trade_no),
            encode_path(&self.settings.mchid)
        );
        let answer = match self.call("GET", &path, None, Retry::Transient).await {
            Ok(answer) => answer.unwrap_or(Value::Null),
            Err(PaymentError::Refused { code, .. }) if code == "ORDER_NOT_EXIST" => {
                return Ok(PaymentStatus {
                    out_trade_no: out_trade_no.to_string(),
                    state: PaymentState::Waiting,
                    paid_amount: None,
                    provider_state: code,
                    known: false,
                })
            }
            Err(error) => return Err(error),
        };
        let trade_state = answer["trade_state"].as_str().unwrap_or_default();
        let state = match trade_state {
            "NOTPAY" | "USERPAYING" | "ACCEPT" => PaymentState::Waiting,
            "SUCCESS" => PaymentState::Paid,
            "CLOSED" | "REVOKED" => PaymentState::Closed,
            "REFUND" => PaymentState::Refunded,
            "PAYERROR" => PaymentState::Failed,
            other => {
                return Err(PaymentError::Garbled {
                    provider: PROVIDER,
                    endpoint: "query".into(),
                    message: format!("an unknown trade_state {other:?}"),
                })
            }
        };
        let paid_amount = match state {
            PaymentState::Paid | PaymentState::Refunded => {
                answer["amount"]["total"].as_u64().and_then(Fen::new)
            }
            _ => None,
        };
        Ok(PaymentStatus {
            out_trade_no: out_trade_no.to_string(),
            state,
            paid_amount,
            provider_state: trade_state.to_string(),
            known: true,
        })
    }

    /// Closes an unpaid order (HTTP 204 with an empty body).
    pub async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}/close",
            encode_path(out_trade_no)
        );
        let body = json!({ "mchid": self.settings.mchid }).to_string();
        self.call("POST", &path, Some(body), Retry::Never)
            .await
            .map(|_| ())
    }

    /// The `Authorization` header of a request (§2.4).
    pub fn authorization(
        &self,
        method: &str,
        canonical_url: &str,
        timestamp: i64,
        nonce: &str,
        body: &str,
    ) -> String {
        let message = format!("{method}\n{canonical_url}\n{timestamp}\n{nonce}\n{body}\n");
        let signature = self.settings.merchant_key.sign_base64(message.as_bytes());
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{signature}\"",
            self.settings.mchid, self.settings.merchant_serial
        )
    }

    /// One call: the verified JSON answer (`None` for an empty 2xx such as close's 204).
    async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<String>,
        retry: Retry,
    ) -> Result<Option<Value>, PaymentError> {
        let endpoint = endpoint_name(path_and_query);
        self.http
            .run(&endpoint, retry, || async {
                let timestamp = self.http.signing_time_ms() / 1000;
                let nonce = nonce();
                let body_text = body.clone().unwrap_or_default();
                let url = format!(
                    "{}{path_and_query}",
                    self.settings.base_url.trim_end_matches('/')
                );
                // The canonical URL is the request's whole path and query as sent (wechatpay-go
                // signs `URL.RequestURI()`), so a base address with a path of its own signs it too.
                let canonical = url::Url::parse(&url)
                    .map(|u| match u.query() {
                        Some(query) => format!("{}?{query}", u.path()),
                        None => u.path().to_string(),
                    })
                    .unwrap_or_else(|_| path_and_query.to_string());
                let authorization =
                    self.authorization(method, &canonical, timestamp, &nonce, &body_text);
                let mut request = self
                    .http
                    .reqwest()
                    .request(method.parse().unwrap_or(reqwest::Method::GET), url)
                    .header(reqwest::header::AUTHORIZATION, authorization)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .header(reqwest::header::USER_AGENT, "AgentDesk/0.1");
                if let Some(body) = &body {
                    request = request
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.clone());
                }
                let response = request
                    .send()
                    .await
                    .map_err(|e| PaymentError::transport(PROVIDER, &endpoint, &e))?;
                let status = response.status();
                let headers = response.headers().clone();
                let text = response
                    .text()
                    .await
                    .map_err(|e| PaymentError::transport(PROVIDER, &endpoint, &e))?;
                if !status.is_success() {
                    return Err(refusal(&endpoint, status.as_u16(), &text));
                }
                self.verify(&endpoint, &headers, &text)?;
                if text.trim().is_empty() {
                    return Ok(None);
                }
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|_| PaymentError::Garbled {
                        provider: PROVIDER,
                        endpoint: endpoint.clone(),
                        message: format!("not JSON: {}", agentdesk_http::truncate(&text)),
                    })
            })
            .await
    }

    /// Checks a 2xx answer's signature headers (§2.5).
    fn verify(
        &self,
        endpoint: &str,
        headers: &reqwest::header::HeaderMap,
        body: &str,
    ) -> Result<(), PaymentError> {
        let unverified = |message: String| PaymentError::Unverified {
            provider: PROVIDER,
            endpoint: endpoint.to_string(),
            message,
        };
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .ok_or_else(|| unverified(format!("the answer has no {name} header")))
        };
        let (timestamp, nonce, signature, serial) = (
            header("Wechatpay-Timestamp")?,
            header("Wechatpay-Nonce")?,
            header("Wechatpay-Signature")?,
            header("Wechatpay-Serial")?,
        );
        let seconds: i64 = timestamp
            .parse()
            .map_err(|_| unverified(format!("Wechatpay-Timestamp {timestamp:?} is not a time")))?;
        let now = self.http.signing_time_ms() / 1000;
        if (now - seconds).abs() >= ANSWER_CLOCK_SKEW_SECONDS {
            return Err(unverified(format!(
                "the answer was signed {} s away from this computer's clock (at most {ANSWER_CLOCK_SKEW_SECONDS} s); check the clock",
                now - seconds
            )));
        }
        let key = self.settings.verifier.key(&serial).ok_or_else(|| {
            unverified(format!(
                "it is signed with key {serial}, which this merchant's settings do not hold: add WeChat Pay's public key with that id, or the platform certificate"
            ))
        })?;
        let message = format!("{timestamp}\n{nonce}\n{body}\n");
        if key.verifies(message.as_bytes(), &signature) {
            Ok(())
        } else {
            Err(unverified(format!(
                "the signature does not match key {serial}"
            )))
        }
    }
}

/// A non-2xx answer: `{"code","message"}` in words (§2.6). 5xx and 429 stay HTTP errors (worth
/// another try; the outcome of a create is then unknown).
fn refusal(endpoint: &str, status: u16, text: &str) -> PaymentError {
    let parsed: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let code = parsed["code"].as_str().unwrap_or_default();
    let message = parsed["message"].as_str().unwrap_or_default();
    if status >= 500 || status == 429 || code.is_empty() {
        return PaymentError::Http {
            provider: PROVIDER,
            endpoint: endpoint.to_string(),
            status,
            message: if message.is_empty() {
                agentdesk_http::truncate(text)
            } else {
                format!("{code}: {message}")
            },
        };
    }
    let words = match code {
        "SIGN_ERROR" => "WeChat Pay could not verify the request's signature: the merchant API key in the keychain or the certificate serial does not match what the merchant platform holds".to_string(),
        "ORDERPAID" => "this order number was already paid".to_string(),
        "ORDER_CLOSED" => "this order number was closed; make a new link".to_string(),
        "OUT_TRADE_NO_USED" => "this order number was already used with other details".to_string(),
        "APPID_MCHID_NOT_MATCH" => "the appid is not bound to this merchant id".to_string(),
        _ => message.to_string(),
    };
    PaymentError::Refused {
        provider: PROVIDER,
        endpoint: endpoint.to_string(),
        code: code.to_string(),
        words,
    }
}

/// The ledger's name of a call: the path without the order number or the query.
fn endpoint_name(path_and_query: &str) -> String {
    let path = path_and_query.split('?').next().unwrap_or_default();
    if path.ends_with("/close") {
        "close".into()
    } else if path.contains("/out-trade-no/") {
        "query".into()
    } else {
        path.rsplit('/').next().unwrap_or(path).to_string()
    }
}

/// 32 characters of `[0-9A-Za-z]` (wechatpay-go `utils/nonce.go`).
fn nonce() -> String {
    const SYMBOLS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut random = rand::thread_rng();
    (0..32)
        .map(|_| SYMBOLS[random.gen_range(0..SYMBOLS.len())] as char)
        .collect()
}

/// RFC 3339 in China's time (`2018-06-08T10:34:56+08:00`), as `time_expire` is written.
pub fn rfc3339_china(ms: i64) -> String {
    let china = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    china
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(|| china.timestamp_millis_opt(0).unwrap())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn encode_path(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wechat(key: &str) -> WechatPay {
        WechatPay::new(
            agentdesk_http::HttpContext::unrecorded()
                .client(agentdesk_http::HttpSettings::within(
                    std::time::Duration::from_secs(5),
                ))
                .unwrap(),
            WechatPaySettings {
                base_url: "https://api.mch.weixin.qq.com".into(),
                appid: "wxd678efh567hg6787".into(),
                mchid: "1234567890".into(),
                merchant_serial: "F5765756002FDD77".into(),
                merchant_key: MerchantKey::from_text(key).unwrap(),
                verifier: WechatPayVerifier {
                    public_key: Some((
                        "F5765756002FDD77".into(),
                        ProviderKey::from_text(include_str!(
                            "../tests/vectors/wechatpay-go-test.pub.pem"
                        ))
                        .unwrap(),
                    )),
                    certificates: Vec::new(),
                },
                notify_url: "https://merchant.example.com/notify".into(),
            },
        )
        .unwrap()
    }

    #[test]
    fn the_authorization_header_is_the_sdk_s_format_and_its_signature_verifies() {
        let pay = wechat(include_str!("../tests/vectors/wechatpay-go-test.key.pem"));
        let header = pay.authorization("GET", "/v3/certificates", 1624523846, "A1B2C3D4E5F6G7", "");
        // wechatpay-go credentials test: the header's shape, with the signer's signature of
        // "GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n".
        let prefix = "WECHATPAY2-SHA256-RSA2048 mchid=\"1234567890\",nonce_str=\"A1B2C3D4E5F6G7\",timestamp=\"1624523846\",serial_no=\"F5765756002FDD77\",signature=\"";
        assert!(header.starts_with(prefix), "{header}");
        let signature = header[prefix.len()..].trim_end_matches('"');
        let public =
            ProviderKey::from_text(include_str!("../tests/vectors/wechatpay-go-test.pub.pem"))
                .unwrap();
        assert!(public.verifies(
            b"GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n",
            signature
        ));
    }

    #[test]
    fn settings_that_cannot_work_are_refused_in_words() {
        let http = agentdesk_http::HttpContext::unrecorded()
            .client(agentdesk_http::HttpSettings::within(
                std::time::Duration::from_secs(5),
            ))
            .unwrap();
        let settings = |notify: &str, verifier: WechatPayVerifier| WechatPaySettings {
            base_url: "https://api.mch.weixin.qq.com".into(),
            appid: "wx1".into(),
            mchid: "1900000109".into(),
            merchant_serial: "ABC".into(),
            merchant_key: MerchantKey::from_text(include_str!(
                "../tests/vectors/wechatpay-go-test.key.pem"
            ))
            .unwrap(),
            verifier,
            notify_url: notify.into(),
        };
        let error = WechatPay::new(
            http.clone(),
            settings("https://a.example/n", WechatPayVerifier::default()),
        )
        .err()
        .unwrap();
        assert!(error.to_string().contains("微信支付公钥"), "{error}");
        let key =
            ProviderKey::from_text(include_str!("../tests/vectors/wechatpay-go-test.pub.pem"))
                .unwrap();
        let verifier = WechatPayVerifier {
            public_key: Some(("PUB_KEY_ID_1".into(), key)),
            certificates: Vec::new(),
        };
        let error = WechatPay::new(http, settings("http://a.example/n?x=1", verifier))
            .err()
            .unwrap();
        assert!(error.to_string().contains("notify_url"), "{error}");
    }

    #[test]
    fn expiry_is_rfc3339_in_china_time() {
        assert_eq!(
            rfc3339_china(1_796_603_400_000),
            "2026-12-07T08:30:00+08:00"
        );
        assert_eq!(endpoint_name("/v3/pay/transactions/native"), "native");
        assert_eq!(
            endpoint_name("/v3/pay/transactions/out-trade-no/AD1?mchid=1"),
            "query"
        );
        assert_eq!(
            endpoint_name("/v3/pay/transactions/out-trade-no/AD1/close"),
            "close"
        );
    }
}
