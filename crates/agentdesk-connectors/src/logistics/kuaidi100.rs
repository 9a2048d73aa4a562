//! Kuaidi100 (快递100) real-time query (reference §3.1): a form POST to `/poll/query.do` with
//! `customer`, `param` (a JSON string) and `sign = UPPER(MD5(param + key + customer))` over the exact
//! `param` bytes sent. Every value in the answer is a string; `state` codes map to `ShipmentState`.
//! The document asks for at least 30 minutes between queries of one waybill (else it locks the
//! waybill): callers keep answers that long (`MIN_QUERY_INTERVAL`).

use std::time::Duration;

use agentdesk_domain::Secret;
use serde::Deserialize;
use serde_json::json;

use super::{md5_hex, LogisticsError, Shipment, ShipmentState, TrackingEvent};

pub const CARRIER: &str = "kuaidi100";
pub const PRODUCTION_URL: &str = "https://poll.kuaidi100.com";
/// "请控制每一单查询频率至少在半小时以上，否则会造成锁单".
pub const MIN_QUERY_INTERVAL: Duration = Duration::from_secs(30 * 60);
/// Carriers whose queries need a phone number (documented: 顺丰速运, 顺丰快运, 中通).
pub const PHONE_REQUIRED: [&str; 3] = ["shunfeng", "shunfengkuaiyun", "zhongtong"];

pub fn sign(param: &str, key: &str, customer: &str) -> String {
    md5_hex(format!("{param}{key}{customer}").as_bytes()).to_uppercase()
}

/// The base state codes and the advanced (resultv2=4) ones.
pub fn state_of(code: &str) -> ShipmentState {
    match code {
        "101" | "102" => ShipmentState::AwaitingPickup,
        "1" | "103" => ShipmentState::PickedUp,
        "0" | "1001" | "1002" | "1003" => ShipmentState::InTransit,
        "5" | "501" => ShipmentState::OutForDelivery,
        "3" | "301" | "302" | "303" | "304" => ShipmentState::Delivered,
        "2" => ShipmentState::Problem,
        "4" | "14" => ShipmentState::Refused,
        "6" => ShipmentState::Returning,
        "7" => ShipmentState::Redirected,
        "8" | "10" | "11" | "12" | "13" => ShipmentState::Customs,
        code if code.starts_with('2') && code.len() == 3 => ShipmentState::Problem,
        _ => ShipmentState::Unknown,
    }
}

/// A query: carrier code (lowercase, e.g. `yuantong`), waybill, and a phone number when the carrier
/// needs one (the last 4 digits are enough).
#[derive(Debug, Clone)]
pub struct Query {
    pub com: String,
    pub num: String,
    pub phone: Option<String>,
}

impl Query {
    /// The `param` JSON string, exactly as it is sent and signed.
    pub fn param(&self) -> String {
        let mut param = json!({"com": self.com, "num": self.num, "resultv2": "4", "order": "desc"});
        if let Some(phone) = &self.phone {
            param["phone"] = json!(phone);
        }
        param.to_string()
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    result: Option<bool>,
    #[serde(default, rename = "returnCode")]
    return_code: Option<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    nu: String,
    #[serde(default)]
    com: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    data: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    #[serde(default)]
    ftime: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    context: String,
    #[serde(default, rename = "areaName")]
    area_name: Option<String>,
    #[serde(default, rename = "statusCode")]
    status_code: Option<String>,
}

/// Reads an answer body: a shipment, or the error its `returnCode` means.
pub fn parse(body: &str) -> Result<Shipment, LogisticsError> {
    let answer: Answer = serde_json::from_str(body).map_err(|e| LogisticsError::Decode {
        carrier: CARRIER,
        message: e.to_string(),
        body: body.to_string(),
    })?;
    if answer.result == Some(false) || answer.return_code.is_some() {
        let code = answer.return_code.unwrap_or_default();
        let message = answer.message;
        return Err(match code.as_str() {
            "500" => LogisticsError::NoResult {
                carrier: CARRIER,
                message,
            },
            "408" => LogisticsError::PhoneRequired {
                carrier: CARRIER,
                message,
            },
            "503" => LogisticsError::Signature {
                carrier: CARRIER,
                code,
                message,
            },
            _ => LogisticsError::Refused {
                carrier: CARRIER,
                code,
                message,
            },
        });
    }
    let events = answer
        .data
        .into_iter()
        .map(|step| TrackingEvent {
            at: if step.ftime.is_empty() {
                step.time
            } else {
                step.ftime
            },
            place: step.area_name.filter(|a| !a.is_empty()),
            text: step.context,
            state: step.status_code.as_deref().map(state_of),
        })
        .collect();
    Ok(Shipment {
        carrier: answer.com,
        waybill: answer.nu,
        state: state_of(&answer.state),
        events,
    })
}

pub struct Kuaidi100Client {
    http: agentdesk_http::HttpClient,
    base_url: String,
    customer: String,
    key: Secret,
}

impl Kuaidi100Client {
    /// `base_url`: `PRODUCTION_URL`, or the sandbox's.
    pub fn new(
        base_url: &str,
        customer: &str,
        key: Secret,
        http: agentdesk_http::HttpClient,
    ) -> Kuaidi100Client {
        Kuaidi100Client {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            customer: customer.to_string(),
            key,
        }
    }

    pub async fn query(&self, query: &Query) -> Result<Shipment, LogisticsError> {
        if PHONE_REQUIRED.contains(&query.com.as_str()) && query.phone.is_none() {
            return Err(LogisticsError::PhoneRequired {
                carrier: CARRIER,
                message: format!("{} requires it", query.com),
            });
        }
        let param = query.param();
        let signature = sign(&param, self.key.expose(), &self.customer);
        let url = format!("{}/poll/query.do", self.base_url);
        let form = [
            ("customer", self.customer.as_str()),
            ("param", param.as_str()),
            ("sign", signature.as_str()),
        ];
        self.http
            .observed("kuaidi100:query", async {
                parse(&super::post_form(self.http.reqwest(), CARRIER, url, &form).await?)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_is_upper_md5_of_param_key_customer() {
        let param = r#"{"com":"yuantong","num":"YT1234567890"}"#;
        let signed = sign(param, "KEY", "CUSTOMER");
        assert_eq!(
            signed,
            md5_hex(format!("{param}KEYCUSTOMER").as_bytes()).to_uppercase()
        );
        assert_eq!(signed.len(), 32);
        assert!(signed
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        // The exact bytes matter: one space changes the signature.
        assert_ne!(sign(&param.replace(',', ", "), "KEY", "CUSTOMER"), signed);
    }

    #[test]
    fn a_success_answer_becomes_a_timeline_newest_first() {
        let body = r#"{"message":"ok","nu":"SF1234567890","ischeck":"0","com":"shunfeng","status":"200",
            "state":"5","condition":"00","data":[
            {"time":"2026-10-02 11:30:00","ftime":"2026-10-02 11:30:00","context":"快件派送中","areaName":"广东,深圳市","statusCode":"5"},
            {"time":"2026-10-01 20:00:00","ftime":"2026-10-01 20:00:00","context":"已到达深圳转运中心","areaName":"","statusCode":"1002"}]}"#;
        let shipment = parse(body).unwrap();
        assert_eq!(shipment.state, ShipmentState::OutForDelivery);
        assert_eq!(shipment.events.len(), 2);
        assert_eq!(shipment.events[0].place.as_deref(), Some("广东,深圳市"));
        assert_eq!(shipment.events[1].place, None);
        assert_eq!(shipment.events[1].state, Some(ShipmentState::InTransit));
        assert!(shipment.summary().contains("快件派送中"));
    }

    #[test]
    fn failure_codes_become_typed_errors() {
        let error =
            parse(r#"{"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"}"#)
                .unwrap_err();
        assert!(matches!(error, LogisticsError::NoResult { .. }));
        let error = parse(r#"{"result":false,"returnCode":"408","message":"请输入正确的手机号"}"#)
            .unwrap_err();
        assert!(matches!(error, LogisticsError::PhoneRequired { .. }));
        assert!(matches!(
            parse("<html>").unwrap_err(),
            LogisticsError::Decode { .. }
        ));
    }

    #[test]
    fn every_documented_state_code_has_a_meaning() {
        for code in [
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "10", "11", "12", "13", "14", "101",
            "102", "103", "1001", "1002", "1003", "501", "301", "302", "303", "304",
        ] {
            assert_ne!(state_of(code), ShipmentState::Unknown, "{code}");
        }
        assert_eq!(state_of("999"), ShipmentState::Unknown);
    }
}
