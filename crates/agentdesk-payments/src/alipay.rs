//! Alipay's open platform gateway (`gateway.do`, "OpenAPI v1"): `alipay.trade.precreate` for a QR
//! link, a signed `alipay.trade.wap.pay` URL, `alipay.trade.query` and `alipay.trade.close`.
//! business-actions.md §1: every parameter but `sign`, non-empty, sorted, joined raw as `k=v&…`,
//! SHA256withRSA with the app's private key; the answer's `<method>_response` verified over its raw
//! text exactly as it came (the official SDK's `SignContentExtractor`), never re-serialised.

use agentdesk_http::{HttpClient, Retry};
use chrono::{FixedOffset, TimeZone as _};
use serde_json::{json, Value};

use crate::{
    MerchantKey, PaymentError, PaymentLink, PaymentOrder, PaymentState, PaymentStatus,
    PaymentTarget, Provider, ProviderKey,
};

const PROVIDER: Provider = Provider::Alipay;

/// Which link an Alipay payment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlipayLinkKind {
    /// `alipay.trade.precreate`: a `qr_code` link, payable until its timeout (the default: one
    /// server call, and the link does not depend on the request's timestamp).
    Qr,
    /// `alipay.trade.wap.pay`: the signed gateway URL itself (no server call).
    Wap,
}

#[derive(Debug, Clone)]
pub struct AlipaySettings {
    /// The gateway's full address (`https://openapi.alipay.com/gateway.do`).
    pub gateway: String,
    pub app_id: String,
    pub app_private_key: MerchantKey,
    /// 支付宝公钥: verifies every answer.
    pub alipay_public_key: ProviderKey,
    pub link_kind: AlipayLinkKind,
    /// Optional asynchronous notice address (a desktop polls instead).
    pub notify_url: Option<String>,
}

pub struct Alipay {
    http: HttpClient,
    settings: AlipaySettings,
}

impl Alipay {
    pub fn new(http: HttpClient, settings: AlipaySettings) -> Result<Alipay, PaymentError> {
        let gateway = url::Url::parse(&settings.gateway).map_err(|_| {
            PaymentError::Invalid(format!(
                "Alipay's gateway {:?} is not a URL (e.g. https://openapi.alipay.com/gateway.do)",
                settings.gateway
            ))
        })?;
        if !matches!(gateway.scheme(), "https" | "http") {
            return Err(PaymentError::Invalid(format!(
                "Alipay's gateway {:?} must be an https address",
                settings.gateway
            )));
        }
        if settings.app_id.trim().is_empty() {
            return Err(PaymentError::Invalid("Alipay needs the app's APPID".into()));
        }
        Ok(Alipay { http, settings })
    }

    pub fn account(&self) -> String {
        format!(
            "{}#{}",
            self.settings.gateway.trim_end_matches('/'),
            self.settings.app_id
        )
    }

    pub async fn create(&self, order: &PaymentOrder) -> Result<PaymentLink, PaymentError> {
        order.validate()?;
        let target = match self.settings.link_kind {
            AlipayLinkKind::Qr => PaymentTarget::QrCode {
                qr_code: self.precreate(order).await?,
            },
            AlipayLinkKind::Wap => PaymentTarget::Url {
                url: self.wap_url(order),
            },
        };
        Ok(PaymentLink {
            provider: PROVIDER,
            out_trade_no: order.out_trade_no.clone(),
            target,
        })
    }

    async fn precreate(&self, order: &PaymentOrder) -> Result<String, PaymentError> {
        let biz = json!({
            "out_trade_no": order.out_trade_no,
            "total_amount": order.amount.yuan(),
            "subject": order.subject.trim(),
            "timeout_express": format!("{}m", order.expire_minutes),
        });
        let answer = self
            .call("alipay.trade.precreate", &biz, Retry::Never)
            .await?;
        match answer["qr_code"].as_str() {
            Some(code) if !code.is_empty() => Ok(code.to_string()),
            _ => Err(PaymentError::Garbled {
                provider: PROVIDER,
                endpoint: "alipay.trade.precreate".into(),
                message: "a success without qr_code".into(),
            }),
        }
    }

    /// The signed GET address of the wap payment page (business-actions.md §1.7).
    pub fn wap_url(&self, order: &PaymentOrder) -> String {
        let expire = china_time(order.expires_at_ms());
        let biz = json!({
            "out_trade_no": order.out_trade_no,
            "total_amount": order.amount.yuan(),
            "subject": order.subject.trim(),
            "product_code": "QUICK_WAP_WAY",
            "time_expire": expire,
        });
        let params = self.signed_params("alipay.trade.wap.pay", &biz);
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        format!("{}?{query}", self.settings.gateway)
    }

    pub async fn query(&self, out_trade_no: &str) -> Result<PaymentStatus, PaymentError> {
        let biz = json!({ "out_trade_no": out_trade_no });
        let answer = match self
            .call("alipay.trade.query", &biz, Retry::Transient)
            .await
        {
            Ok(answer) => answer,
            // A precreated order exists at Alipay only once it is scanned (§1.6).
            Err(PaymentError::Refused { code, .. }) if code.ends_with("ACQ.TRADE_NOT_EXIST") => {
                return Ok(PaymentStatus {
                    out_trade_no: out_trade_no.to_string(),
                    state: PaymentState::Waiting,
                    paid_amount: None,
                    provider_state: "TRADE_NOT_EXIST".into(),
                    known: false,
                })
            }
            Err(error) => return Err(error),
        };
        let status = answer["trade_status"].as_str().unwrap_or_default();
        let state = match status {
            "WAIT_BUYER_PAY" => PaymentState::Waiting,
            "TRADE_SUCCESS" | "TRADE_FINISHED" => PaymentState::Paid,
            "TRADE_CLOSED" => PaymentState::Closed,
            other => {
                return Err(PaymentError::Garbled {
                    provider: PROVIDER,
                    endpoint: "alipay.trade.query".into(),
                    message: format!("an unknown trade_status {other:?}"),
                })
            }
        };
        let paid_amount = match state {
            PaymentState::Paid => {
                let paid = answer["total_amount"].as_str().unwrap_or_default();
                Some(
                    crate::Fen::parse_yuan(paid).map_err(|_| PaymentError::Garbled {
                        provider: PROVIDER,
                        endpoint: "alipay.trade.query".into(),
                        message: format!("total_amount {paid:?} is not an amount"),
                    })?,
                )
            }
            _ => None,
        };
        Ok(PaymentStatus {
            out_trade_no: out_trade_no.to_string(),
            state,
            paid_amount,
            provider_state: status.to_string(),
            known: true,
        })
    }

    /// Closes an unpaid order. An order Alipay does not know (a QR never scanned) has nothing to
    /// close there: its code stays payable until its `timeout_express`, so the caller keeps
    /// following it (docs/PROTOCOL.md).
    pub async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError> {
        let biz = json!({ "out_trade_no": out_trade_no });
        match self.call("alipay.trade.close", &biz, Retry::Never).await {
            Ok(_) => Ok(()),
            Err(PaymentError::Refused { code, .. }) if code.ends_with("ACQ.TRADE_NOT_EXIST") => {
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// Every parameter of a request, `sign` last.
    fn signed_params(&self, method: &str, biz: &Value) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = vec![
            ("app_id".into(), self.settings.app_id.clone()),
            ("method".into(), method.into()),
            ("format".into(), "JSON".into()),
            ("charset".into(), "utf-8".into()),
            ("sign_type".into(), "RSA2".into()),
            ("timestamp".into(), china_time(self.http.signing_time_ms())),
            ("version".into(), "1.0".into()),
            // Serialised once: the signed text is the sent text.
            ("biz_content".into(), biz.to_string()),
        ];
        if let Some(notify) = self.settings.notify_url.as_ref().filter(|u| !u.is_empty()) {
            params.push(("notify_url".into(), notify.clone()));
        }
        let sign = self
            .settings
            .app_private_key
            .sign_base64(sign_content(&params).as_bytes());
        params.push(("sign".into(), sign));
        params
    }

    /// One gateway call: its verified `<method>_response` object when `code` is 10000.
    async fn call(&self, method: &str, biz: &Value, retry: Retry) -> Result<Value, PaymentError> {
        self.http
            .run(method, retry, || async {
                let params = self.signed_params(method, biz);
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .finish();
                let response = self
                    .http
                    .reqwest()
                    .post(&self.settings.gateway)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded;charset=utf-8",
                    )
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| PaymentError::transport(PROVIDER, method, &e))?;
                let status = response.status();
                let text = response
                    .text()
                    .await
                    .map_err(|e| PaymentError::transport(PROVIDER, method, &e))?;
                if !status.is_success() {
                    return Err(PaymentError::Http {
                        provider: PROVIDER,
                        endpoint: method.into(),
                        status: status.as_u16(),
                        message: agentdesk_http::truncate(&text),
                    });
                }
                verified_response(&text, method, &self.settings.alipay_public_key)
            })
            .await
    }
}

/// The text Alipay signs: parameters but `sign`, with a key and a value, sorted by key, `k=v`
/// joined with `&`, values raw (§1.3).
pub fn sign_content(params: &[(String, String)]) -> String {
    let mut kept: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k != "sign" && !k.is_empty() && !v.is_empty())
        .collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `yyyy-MM-dd HH:mm:ss` in China's time (GMT+8), as the gateway reads `timestamp`.
pub fn china_time(ms: i64) -> String {
    let china = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    china
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(|| china.timestamp_millis_opt(0).unwrap())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The raw text of `node`'s value in `body` and where it ends, as the official SDK extracts it:
/// from the first `{` (or `"`) after the node's name to its matching close, braces inside strings
/// ignored (`SignContentExtractor`).
pub fn signed_text<'a>(body: &'a str, node: &str) -> Option<(&'a str, usize)> {
    let quoted = format!("\"{node}\"");
    let at = body.find(&quoted)? + quoted.len();
    let bytes = body.as_bytes();
    let mut begin = at;
    while begin < bytes.len() && bytes[begin] != b'{' && bytes[begin] != b'"' {
        begin += 1;
    }
    if begin >= bytes.len() {
        return None;
    }
    if bytes[begin] == b'"' {
        let end = body[begin + 1..].find('"').map(|i| begin + 1 + i + 1)?;
        return Some((&body[begin..end], end));
    }
    let (mut depth, mut in_string, mut escapes) = (0usize, false, 0usize);
    for (index, &byte) in bytes.iter().enumerate().skip(begin) {
        match byte {
            b'"' if escapes % 2 == 0 => in_string = !in_string,
            b'{' if !in_string => depth += 1,
            b'}' if !in_string => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some((&body[begin..=index], index + 1));
                }
            }
            _ => {}
        }
        escapes = if byte == b'\\' { escapes + 1 } else { 0 };
    }
    None
}

/// Checks an answer's signature over the raw `<method>_response` (or `error_response`) text and
/// returns that object when its `code` is 10000; a refusal in words otherwise.
pub fn verified_response(
    body: &str,
    method: &str,
    key: &ProviderKey,
) -> Result<Value, PaymentError> {
    let garbled = |message: String| PaymentError::Garbled {
        provider: PROVIDER,
        endpoint: method.into(),
        message,
    };
    let parsed: Value = serde_json::from_str(body)
        .map_err(|_| garbled(format!("not JSON: {}", agentdesk_http::truncate(body))))?;
    let node = format!("{}_response", method.replace('.', "_"));
    let (name, answer) = match (parsed.get(&node), parsed.get("error_response")) {
        (Some(answer), _) => (node.as_str(), answer),
        (None, Some(answer)) => ("error_response", answer),
        (None, None) => return Err(garbled(format!("no {node} in the answer"))),
    };
    let code = answer["code"].as_str().unwrap_or_default();
    let refusal = || {
        let sub_code = answer["sub_code"].as_str().unwrap_or_default();
        let words = [answer["msg"].as_str(), answer["sub_msg"].as_str()]
            .into_iter()
            .flatten()
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        PaymentError::Refused {
            provider: PROVIDER,
            endpoint: method.into(),
            code: if sub_code.is_empty() {
                code.to_string()
            } else {
                format!("{code}/{sub_code}")
            },
            words: refusal_words(sub_code).map(str::to_string).unwrap_or(words),
        }
    };
    let Some(sign) = parsed["sign"].as_str() else {
        // An unsigned answer is an error answer at best (§1.4): never a success.
        return Err(if code.is_empty() || code == "10000" {
            PaymentError::Unverified {
                provider: PROVIDER,
                endpoint: method.into(),
                message: "the answer has no sign".into(),
            }
        } else {
            refusal()
        });
    };
    let (text, end) =
        signed_text(body, name).ok_or_else(|| garbled(format!("{name} cannot be read")))?;
    if body[end..].contains(&format!("\"{name}\"")) {
        return Err(PaymentError::Unverified {
            provider: PROVIDER,
            endpoint: method.into(),
            message: format!("{name} appears twice in the answer"),
        });
    }
    if !key.verifies(text.as_bytes(), sign) {
        return Err(PaymentError::Unverified {
            provider: PROVIDER,
            endpoint: method.into(),
            message: "the signature does not match Alipay's public key".into(),
        });
    }
    if code == "10000" {
        Ok(answer.clone())
    } else {
        Err(refusal())
    }
}

/// What the agent should read for the codes an agent meets (business-actions.md §1.5).
fn refusal_words(sub_code: &str) -> Option<&'static str> {
    Some(match sub_code {
        "isv.invalid-signature" => "Alipay could not verify the request's signature: the app private key in the keychain does not match the public key set for this APPID in Alipay's console",
        "isv.invalid-app-id" => "Alipay does not know this APPID: check the merchant's payment settings",
        "ACQ.TOTAL_FEE_EXCEED" => "the amount is over what Alipay allows for this payment",
        "ACQ.TRADE_HAS_SUCCESS" => "this order number was already paid",
        "ACQ.TRADE_HAS_CLOSE" => "this order number was closed; make a new link",
        "ACQ.CONTEXT_INCONSISTENT" => "this order number was already used with another amount or subject",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_text_is_the_sorted_raw_parameters_without_sign_or_empties() {
        let params: Vec<(String, String)> = [
            ("timestamp", "2014-07-24 03:07:50"),
            ("method", "alipay.trade.query"),
            ("app_id", "2014072300007148"),
            ("sign", "ignored"),
            ("notify_url", ""),
            ("biz_content", "{\"out_trade_no\":\"a&b=c\"}"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            sign_content(&params),
            "app_id=2014072300007148&biz_content={\"out_trade_no\":\"a&b=c\"}&method=alipay.trade.query&timestamp=2014-07-24 03:07:50"
        );
    }

    #[test]
    fn the_answer_s_text_is_cut_as_the_official_sdk_cuts_it() {
        let body = r#"{"alipay_trade_query_response":{"code":"10000","msg":"Success","subject":"a } \" { b","x":{"y":1}},"sign":"abc"}"#;
        let (text, _) = signed_text(body, "alipay_trade_query_response").unwrap();
        assert_eq!(
            text,
            r#"{"code":"10000","msg":"Success","subject":"a } \" { b","x":{"y":1}}"#
        );
        // Spaces after the colon are kept as they came.
        let spaced = "{\"error_response\" :  {\"code\":\"40002\"} , \"sign\":\"s\"}";
        assert_eq!(
            signed_text(spaced, "error_response").unwrap().0,
            "{\"code\":\"40002\"}"
        );
    }

    #[test]
    fn an_answer_is_believed_only_with_alipay_s_signature() {
        let alipay = MerchantKey::from_text(include_str!(
            "../../agentdesk-sandbox/keys/alipay-gateway.key.pem"
        ))
        .unwrap();
        let public = alipay.public_key();
        let inner = r#"{"code":"10000","msg":"Success","out_trade_no":"AD123456","qr_code":"https://qr.alipay.com/bax1"}"#;
        let sign = alipay.sign_base64(inner.as_bytes());
        let body = format!(r#"{{"alipay_trade_precreate_response":{inner},"sign":"{sign}"}}"#);
        let answer = verified_response(&body, "alipay.trade.precreate", &public).unwrap();
        assert_eq!(answer["qr_code"], "https://qr.alipay.com/bax1");

        let forged = body.replace("bax1", "bax2");
        assert!(matches!(
            verified_response(&forged, "alipay.trade.precreate", &public),
            Err(PaymentError::Unverified { .. })
        ));
        let unsigned = format!(r#"{{"alipay_trade_precreate_response":{inner}}}"#);
        assert!(matches!(
            verified_response(&unsigned, "alipay.trade.precreate", &public),
            Err(PaymentError::Unverified { .. })
        ));
        let twice = format!(
            r#"{{"alipay_trade_precreate_response":{inner},"sign":"{sign}","alipay_trade_precreate_response":{{}}}}"#
        );
        assert!(matches!(
            verified_response(&twice, "alipay.trade.precreate", &public),
            Err(PaymentError::Unverified { .. })
        ));
        let refused = r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错"}"#;
        let body = format!(
            r#"{{"error_response":{refused},"sign":"{}"}}"#,
            alipay.sign_base64(refused.as_bytes())
        );
        let error = verified_response(&body, "alipay.trade.precreate", &public).unwrap_err();
        assert_eq!(error.code(), "40002/isv.invalid-signature");
        assert!(error.to_string().contains("does not match"), "{error}");
    }

    #[test]
    fn timestamps_are_china_time() {
        // 2026-12-07 00:30 UTC is 08:30 in Beijing.
        assert_eq!(china_time(1_796_603_400_000), "2026-12-07 08:30:00");
    }
}
