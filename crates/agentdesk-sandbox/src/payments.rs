//! Alipay's open platform gateway (`/alipay/gateway.do`) and WeChat Pay API v3 (`/wechatpay/v3/…`)
//! on loopback, as business-actions.md §1–2 describe them: requests are checked against the demo
//! merchant's public key (RSA2 over the sorted parameters; the `WECHATPAY2-SHA256-RSA2048`
//! Authorization header), answers are signed with the sandbox's own keys (Alipay: over the raw
//! `<method>_response` text; WeChat: the `Wechatpay-*` headers, under the 微信支付公钥's id or the
//! platform certificate's serial, as `/__sandbox/payments/wechat-key-mode` says).
//!
//! Orders are kept by `out_trade_no`, unique per merchant as on the real systems: a repeated
//! request with the same number and details answers the order already held, other details are
//! refused. An Alipay QR order is unknown to `query` until the buyer scans it (§1.6); the control
//! `POST /__sandbox/payments/{out_trade_no}/pay` scans and pays. Choices the sources do not make are
//! in docs/PROTOCOL.md ("The sandbox's payment systems").

use std::collections::HashMap;
use std::sync::Arc;

use agentdesk_payments::{Certificate, MerchantKey, ProviderKey};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng as _;
use serde::Serialize;
use serde_json::{json, Value};

use crate::{lock, world::now_ms, SandboxState};

pub const ALIPAY_APP_ID: &str = "2021000100000001";
pub const WECHAT_APPID: &str = "wx8888888888888888";
pub const WECHAT_MCHID: &str = "1900000109";
/// The demo merchant's API certificate serial (商户API证书序列号).
pub const WECHAT_MERCHANT_SERIAL: &str = "4F2A6E1B9C0D3E5F7A8B9C0D1E2F3A4B5C6D7E8F";
pub const WECHAT_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000001092026120700000000000001";
pub const DEMO_MERCHANT_PRIVATE_KEY: &str = include_str!("../keys/demo-merchant.key.pem");
pub const DEMO_MERCHANT_PUBLIC_KEY: &str = include_str!("../keys/demo-merchant.pub.pem");
pub const ALIPAY_PUBLIC_KEY: &str = include_str!("../keys/alipay-gateway.pub.pem");
const ALIPAY_PRIVATE_KEY: &str = include_str!("../keys/alipay-gateway.key.pem");
pub const WECHATPAY_PUBLIC_KEY: &str = include_str!("../keys/wechatpay-platform.pub.pem");
pub const WECHATPAY_CERTIFICATE: &str = include_str!("../keys/wechatpay-platform.crt.pem");
const WECHATPAY_PRIVATE_KEY: &str = include_str!("../keys/wechatpay-platform.key.pem");
/// How far a request's timestamp may be from the sandbox's clock (invented: the sources give the
/// client's check of answers, 300 s, and the server is taken to hold requests to the same).
const CLOCK_SKEW_SECONDS: i64 = 300;

/// One order either system holds.
#[derive(Debug, Clone, Serialize)]
pub struct HeldPayment {
    pub provider: &'static str,
    pub out_trade_no: String,
    pub total_fen: u64,
    pub subject: String,
    /// `WAIT_BUYER_PAY`, `TRADE_SUCCESS`, `TRADE_CLOSED` (Alipay) / `NOTPAY`, `SUCCESS`, `CLOSED`.
    pub state: String,
    /// An Alipay QR order is known to `query` once scanned.
    pub scanned: bool,
    pub link: String,
    pub expires_at_ms: i64,
    pub paid_at_ms: Option<i64>,
    /// How many create requests named this order (a repeat answers the same order).
    pub create_requests: u32,
    /// When the first create request made it (for a simulated customer to tell which QR image
    /// the agent sent them).
    pub created_at_ms: i64,
}

/// The payment systems' state.
#[derive(Default)]
pub(crate) struct PaymentBook {
    pub orders: HashMap<String, HeldPayment>,
    /// WeChat's answers are signed under the platform certificate's serial instead of the public
    /// key's id.
    pub wechat_certificate_mode: bool,
    /// Requests refused for a bad signature, per system (the tests read them).
    pub refused_signatures: u32,
}

fn book(state: &SandboxState) -> std::sync::MutexGuard<'_, PaymentBook> {
    lock(&state.payments)
}

fn merchant_key() -> ProviderKey {
    ProviderKey::from_text(DEMO_MERCHANT_PUBLIC_KEY).expect("the demo merchant's public key")
}

fn parse_fen(yuan: &str) -> Option<u64> {
    agentdesk_payments::Fen::parse_yuan(yuan)
        .ok()
        .map(|fen| fen.get())
}

fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Whether an order can still be paid, in any system's words.
fn waiting(order: &HeldPayment) -> bool {
    matches!(
        order.state.as_str(),
        "WAIT_BUYER_PAY" | "NOTPAY" | "PENDING"
    )
}

/// Closes an order whose time is up (every system closes unpaid orders at their expiry).
fn expire(order: &mut HeldPayment, now: i64) {
    if now >= order.expires_at_ms && waiting(order) {
        order.state = match order.provider {
            "alipay" => "TRADE_CLOSED",
            "merchant" => "EXPIRED",
            _ => "CLOSED",
        }
        .into();
    }
}

// ---------------------------------------------------------------------------------------------
// Alipay

/// `POST /alipay/gateway.do` (parameters in the form body and/or the query, §1.1), and `GET` for a
/// wap payment page opened by the customer.
pub(crate) async fn alipay_gateway(
    State(state): State<Arc<SandboxState>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    params.extend(url::form_urlencoded::parse(&body).into_owned());
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let method = param("method");
    let node = format!("{}_response", method.replace('.', "_"));
    if param("app_id") != ALIPAY_APP_ID {
        return alipay_answer(
            "error_response",
            json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-app-id", "sub_msg": "无效的AppID参数"}),
        );
    }
    if param("sign_type") != "RSA2" || !alipay_signature_holds(&params) {
        book(&state).refused_signatures += 1;
        return alipay_answer(
            "error_response",
            json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
                   "sub_msg": "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配"}),
        );
    }
    let biz: Value = match serde_json::from_str(&param("biz_content")) {
        Ok(biz) => biz,
        Err(_) => {
            return alipay_answer(
                &node,
                json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-biz-content", "sub_msg": "biz_content 不是合法的 JSON"}),
            )
        }
    };
    let text = |name: &str| biz[name].as_str().unwrap_or_default().to_string();
    let out_trade_no = text("out_trade_no");
    let now = now_ms();
    let answer = match method.as_str() {
        "alipay.trade.precreate" | "alipay.trade.wap.pay" => {
            let Some(total) = parse_fen(&text("total_amount")) else {
                return alipay_answer(
                    &node,
                    json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter", "sub_msg": "total_amount 金额格式错误"}),
                );
            };
            if out_trade_no.is_empty() || text("subject").is_empty() {
                return alipay_answer(
                    &node,
                    json!({"code": "40001", "msg": "Missing Required Arguments", "sub_code": "isv.missing-parameter", "sub_msg": "缺少必选参数"}),
                );
            }
            let minutes = text("timeout_express")
                .strip_suffix('m')
                .and_then(|m| m.parse::<i64>().ok())
                .unwrap_or(90 * 24 * 60);
            let mut book = book(&state);
            let link = format!(
                "{}/alipay/qr/bax{:08x}",
                state.base_url,
                rand::thread_rng().gen::<u32>()
            );
            let order = book
                .orders
                .entry(out_trade_no.clone())
                .or_insert_with(|| HeldPayment {
                    provider: "alipay",
                    out_trade_no: out_trade_no.clone(),
                    total_fen: total,
                    subject: text("subject"),
                    state: "WAIT_BUYER_PAY".into(),
                    scanned: method == "alipay.trade.wap.pay",
                    link,
                    expires_at_ms: now + minutes * 60_000,
                    paid_at_ms: None,
                    create_requests: 0,
                    created_at_ms: now,
                });
            order.create_requests += 1;
            expire(order, now);
            if order.total_fen != total || order.subject != text("subject") {
                json!({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.CONTEXT_INCONSISTENT", "sub_msg": "交易信息被篡改"})
            } else if order.state == "TRADE_SUCCESS" {
                json!({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_HAS_SUCCESS", "sub_msg": "交易已被支付"})
            } else if order.state == "TRADE_CLOSED" {
                json!({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_HAS_CLOSE", "sub_msg": "交易已经关闭"})
            } else if method == "alipay.trade.wap.pay" {
                return wap_page(order);
            } else {
                json!({"code": "10000", "msg": "Success", "out_trade_no": out_trade_no, "qr_code": order.link})
            }
        }
        "alipay.trade.query" => {
            let mut book = book(&state);
            match book.orders.get_mut(&out_trade_no).filter(|o| o.scanned) {
                None => {
                    json!({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"})
                }
                Some(order) => {
                    expire(order, now);
                    let mut answer = json!({"code": "10000", "msg": "Success",
                        "trade_no": format!("2026{:0>24}", order.out_trade_no.len()),
                        "out_trade_no": order.out_trade_no, "trade_status": order.state,
                        "total_amount": yuan(order.total_fen), "buyer_logon_id": "138******78"});
                    if let Some(paid) = order.paid_at_ms {
                        answer["buyer_pay_amount"] = json!(yuan(order.total_fen));
                        answer["send_pay_date"] =
                            json!(agentdesk_payments::alipay::china_time(paid));
                    }
                    answer
                }
            }
        }
        "alipay.trade.close" => {
            let mut book = book(&state);
            match book.orders.get_mut(&out_trade_no).filter(|o| o.scanned) {
                None => {
                    json!({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"})
                }
                Some(order) if order.state == "TRADE_SUCCESS" => {
                    json!({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"})
                }
                Some(order) => {
                    order.state = "TRADE_CLOSED".into();
                    json!({"code": "10000", "msg": "Success", "out_trade_no": out_trade_no})
                }
            }
        }
        _ => {
            json!({"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method", "sub_msg": "不存在的方法名"})
        }
    };
    alipay_answer(&node, answer)
}

/// RSA2 over every parameter but `sign` (`sign_type` included), non-empty, sorted, joined raw
/// (§1.3). Written here apart from the client's, so one mistake is not made twice.
fn alipay_signature_holds(params: &[(String, String)]) -> bool {
    let mut signed: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k != "sign" && !v.is_empty())
        .collect();
    signed.sort();
    let content = signed
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let sign = params
        .iter()
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    merchant_key().verifies(content.as_bytes(), sign)
}

/// `{"<node>": {...}, "sign": "..."}`, signed over the node's text exactly as written.
fn alipay_answer(node: &str, answer: Value) -> Response {
    let inner = answer.to_string();
    let key = MerchantKey::from_text(ALIPAY_PRIVATE_KEY).expect("the sandbox's Alipay key");
    let sign = key.sign_base64(inner.as_bytes());
    let body = format!(
        "{{{}:{inner},\"sign\":{}}}",
        Value::from(node),
        Value::from(sign)
    );
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The customer's wap cashier page: what is paid, and the order's number (text, escaped).
fn wap_page(order: &HeldPayment) -> Response {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>支付宝 (sandbox)</title><h1>¥{}</h1><p>{}</p><p>{}</p>",
        yuan(order.total_fen),
        escape(&order.subject),
        escape(&order.out_trade_no)
    );
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "text/html;charset=utf-8")],
        page,
    )
        .into_response()
}

/// `GET /alipay/qr/{code}`: what scanning the QR shows (the order it belongs to).
pub(crate) async fn alipay_qr(
    State(state): State<Arc<SandboxState>>,
    Path(code): Path<String>,
) -> Response {
    let book = book(&state);
    match book
        .orders
        .values()
        .find(|o| o.link.ends_with(&format!("/{code}")))
    {
        Some(order) => wap_page(order),
        None => (StatusCode::NOT_FOUND, "no such payment code").into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// WeChat Pay v3

/// Checks a request's Authorization header (§2.4) against the demo merchant's key.
fn wechat_authorization_holds(
    headers: &HeaderMap,
    method: &str,
    uri: &str,
    body: &str,
) -> Result<(), &'static str> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("缺少 Authorization")?;
    let fields = header
        .strip_prefix("WECHATPAY2-SHA256-RSA2048 ")
        .ok_or("Authorization 的认证类型不正确")?;
    let mut values = HashMap::new();
    for pair in fields.split(',') {
        let (key, value) = pair.split_once('=').ok_or("Authorization 格式不正确")?;
        values.insert(key.trim(), value.trim().trim_matches('"'));
    }
    let field = |name: &str| values.get(name).copied().ok_or("Authorization 缺少字段");
    if field("mchid")? != WECHAT_MCHID {
        return Err("商户号与证书不匹配");
    }
    if field("serial_no")? != WECHAT_MERCHANT_SERIAL {
        return Err("商户证书序列号有误");
    }
    let timestamp: i64 = field("timestamp")?.parse().map_err(|_| "时间戳格式错误")?;
    if (now_ms() / 1000 - timestamp).abs() > CLOCK_SKEW_SECONDS {
        return Err("时间戳已过期");
    }
    let message = format!(
        "{method}\n{uri}\n{timestamp}\n{}\n{body}\n",
        field("nonce_str")?
    );
    if merchant_key().verifies(message.as_bytes(), field("signature")?) {
        Ok(())
    } else {
        Err("签名错误，请检查后再试")
    }
}

/// A signed WeChat answer (§2.5): the body and its `Wechatpay-*` headers.
fn wechat_answer(state: &SandboxState, status: StatusCode, body: Option<Value>) -> Response {
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let timestamp = now_ms() / 1000;
    let nonce = format!("{:032x}", rand::thread_rng().gen::<u128>());
    let key = MerchantKey::from_text(WECHATPAY_PRIVATE_KEY).expect("the sandbox's WeChat key");
    let signature = key.sign_base64(format!("{timestamp}\n{nonce}\n{text}\n").as_bytes());
    let serial = if book(state).wechat_certificate_mode {
        Certificate::from_text(WECHATPAY_CERTIFICATE)
            .expect("the sandbox's platform certificate")
            .serial
    } else {
        WECHAT_PUBLIC_KEY_ID.to_string()
    };
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        ("wechatpay-timestamp", timestamp.to_string()),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature),
        ("wechatpay-serial", serial),
        (
            "request-id",
            format!("08{:030x}", rand::thread_rng().gen::<u128>()),
        ),
    ] {
        headers.insert(name, value.parse().expect("a header value"));
    }
    if status != StatusCode::NO_CONTENT {
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            "application/json".parse().expect("a header value"),
        );
    }
    response
}

/// A refusal `{"code","message"}`: not signed, as the SDK reads non-2xx without verifying.
fn wechat_refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"code": code, "message": message}))).into_response()
}

/// `POST /wechatpay/v3/pay/transactions/native`.
pub(crate) async fn wechat_native(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body).to_string();
    if let Err(words) = wechat_authorization_holds(&headers, "POST", &uri.to_string(), &text) {
        book(&state).refused_signatures += 1;
        return wechat_refusal(StatusCode::UNAUTHORIZED, "SIGN_ERROR", words);
    }
    let Ok(request) = serde_json::from_str::<Value>(&text) else {
        return wechat_refusal(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "请求体不是合法的 JSON",
        );
    };
    let field = |name: &str| request[name].as_str().unwrap_or_default().to_string();
    for required in [
        "appid",
        "mchid",
        "description",
        "out_trade_no",
        "notify_url",
    ] {
        if field(required).is_empty() {
            return wechat_refusal(
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                &format!("输入源“/body/{required}”映射到字段“{required}”必填性规则校验失败，此字段为必填项"),
            );
        }
    }
    if field("appid") != WECHAT_APPID {
        return wechat_refusal(
            StatusCode::BAD_REQUEST,
            "APPID_MCHID_NOT_MATCH",
            "appid和mch_id不匹配",
        );
    }
    if !field("notify_url").starts_with("https://") {
        return wechat_refusal(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "notify_url 需为 https 地址",
        );
    }
    let Some(total) = request["amount"]["total"].as_u64().filter(|t| *t > 0) else {
        return wechat_refusal(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "amount.total 需为正整数（单位：分）",
        );
    };
    let expires = chrono::DateTime::parse_from_rfc3339(&field("time_expire"))
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(|_| now_ms() + 2 * 3600 * 1000);
    let out_trade_no = field("out_trade_no");
    let now = now_ms();
    let answer = {
        let mut book = book(&state);
        let order = book
            .orders
            .entry(out_trade_no.clone())
            .or_insert_with(|| HeldPayment {
                provider: "wechat",
                out_trade_no: out_trade_no.clone(),
                total_fen: total,
                subject: field("description"),
                state: "NOTPAY".into(),
                scanned: true,
                link: format!(
                    "weixin://wxpay/bizpayurl/up?pr=sbx{:010x}&groupid=00",
                    rand::thread_rng().gen::<u64>() & 0xff_ffff_ffff
                ),
                expires_at_ms: expires,
                paid_at_ms: None,
                create_requests: 0,
                created_at_ms: now,
            });
        order.create_requests += 1;
        expire(order, now);
        if order.total_fen != total || order.subject != field("description") {
            Err(("OUT_TRADE_NO_USED", "商户订单号重复"))
        } else if order.state == "SUCCESS" {
            Err(("ORDERPAID", "该订单已支付"))
        } else if order.state == "CLOSED" {
            Err(("ORDER_CLOSED", "该订单已关闭"))
        } else {
            Ok(order.link.clone())
        }
    };
    match answer {
        Ok(code_url) => wechat_answer(&state, StatusCode::OK, Some(json!({"code_url": code_url}))),
        Err((code, message)) => wechat_refusal(StatusCode::BAD_REQUEST, code, message),
    }
}

/// `GET /wechatpay/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…`.
pub(crate) async fn wechat_query(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(out_trade_no): Path<String>,
) -> Response {
    if let Err(words) = wechat_authorization_holds(&headers, "GET", &uri.to_string(), "") {
        book(&state).refused_signatures += 1;
        return wechat_refusal(StatusCode::UNAUTHORIZED, "SIGN_ERROR", words);
    }
    if !uri
        .query()
        .unwrap_or_default()
        .contains(&format!("mchid={WECHAT_MCHID}"))
    {
        return wechat_refusal(StatusCode::BAD_REQUEST, "PARAM_ERROR", "缺少 mchid");
    }
    let now = now_ms();
    let found = {
        let mut book = book(&state);
        book.orders
            .get_mut(&out_trade_no)
            .filter(|o| o.provider == "wechat")
            .map(|order| {
                expire(order, now);
                order.clone()
            })
    };
    let Some(order) = found else {
        return wechat_refusal(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在");
    };
    let description = match order.state.as_str() {
        "SUCCESS" => "支付成功",
        "CLOSED" => "订单已关闭",
        _ => "订单未支付",
    };
    let mut transaction = json!({
        "appid": WECHAT_APPID, "mchid": WECHAT_MCHID, "out_trade_no": order.out_trade_no,
        "trade_type": "NATIVE", "trade_state": order.state, "trade_state_desc": description,
        "amount": {"total": order.total_fen, "currency": "CNY"},
    });
    if let Some(paid) = order.paid_at_ms {
        transaction["transaction_id"] =
            json!(format!("4200002026{:0>18}", order.out_trade_no.len()));
        transaction["success_time"] = json!(agentdesk_payments::wechat::rfc3339_china(paid));
        transaction["bank_type"] = json!("OTHERS");
        transaction["amount"]["payer_total"] = json!(order.total_fen);
        transaction["amount"]["payer_currency"] = json!("CNY");
        transaction["payer"] = json!({"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"});
    }
    wechat_answer(&state, StatusCode::OK, Some(transaction))
}

/// `POST /wechatpay/v3/pay/transactions/out-trade-no/{out_trade_no}/close` → 204.
pub(crate) async fn wechat_close(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(out_trade_no): Path<String>,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body).to_string();
    if let Err(words) = wechat_authorization_holds(&headers, "POST", &uri.to_string(), &text) {
        book(&state).refused_signatures += 1;
        return wechat_refusal(StatusCode::UNAUTHORIZED, "SIGN_ERROR", words);
    }
    let outcome = {
        let mut book = book(&state);
        match book
            .orders
            .get_mut(&out_trade_no)
            .filter(|o| o.provider == "wechat")
        {
            None => Err((StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在")),
            Some(order) if order.state == "SUCCESS" => {
                Err((StatusCode::BAD_REQUEST, "ORDERPAID", "该订单已支付"))
            }
            Some(order) => {
                order.state = "CLOSED".into();
                Ok(())
            }
        }
    };
    match outcome {
        Ok(()) => wechat_answer(&state, StatusCode::NO_CONTENT, None),
        Err((status, code, message)) => wechat_refusal(status, code, message),
    }
}

// ---------------------------------------------------------------------------------------------
// Controls

/// `POST /__sandbox/payments/{out_trade_no}/pay`: the customer scans and pays.
pub(crate) async fn pay(
    State(state): State<Arc<SandboxState>>,
    Path(out_trade_no): Path<String>,
) -> Response {
    let now = now_ms();
    let mut book = book(&state);
    let Some(order) = book.orders.get_mut(&out_trade_no) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such payment"})),
        )
            .into_response();
    };
    expire(order, now);
    if !waiting(order) {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": format!("the payment is {}", order.state)})),
        )
            .into_response();
    }
    settle_paid(order, now);
    Json(json!({"paid": order.clone()})).into_response()
}

/// The customer scanned and paid `order` (one still waiting).
fn settle_paid(order: &mut HeldPayment, now: i64) {
    order.scanned = true;
    order.paid_at_ms = Some(now);
    order.state = match order.provider {
        "alipay" => "TRADE_SUCCESS",
        "merchant" => "PAID",
        _ => "SUCCESS",
    }
    .into();
}

/// The waiting order a message of the agent's in a conversation offers the customer: an Alipay
/// link in the text, or for WeChat Pay a picture (the QR code) sent within a minute of the order
/// being made. `sent` is each agent message's (text or picture, time).
pub(crate) fn offered_order(
    state: &SandboxState,
    sent: &[(bool, &str, i64)],
    skip: &std::collections::HashSet<String>,
) -> Option<String> {
    let mut book = book(state);
    let now = now_ms();
    book.orders.values_mut().find_map(|order| {
        expire(order, now);
        let waiting = waiting(order);
        let offered = sent.iter().any(|(picture, content, at)| {
            if order.provider != "wechat" {
                !picture && content.contains(&order.link)
            } else {
                *picture && (order.created_at_ms..order.created_at_ms + 60_000).contains(at)
            }
        });
        (waiting && offered && !skip.contains(&order.out_trade_no))
            .then(|| order.out_trade_no.clone())
    })
}

/// A simulated customer pays `out_trade_no`; false when it is no longer waiting.
pub(crate) fn pay_now(state: &SandboxState, out_trade_no: &str) -> bool {
    let mut book = book(state);
    let now = now_ms();
    match book.orders.get_mut(out_trade_no) {
        Some(order) => {
            expire(order, now);
            let waiting = waiting(order);
            if waiting {
                settle_paid(order, now);
            }
            waiting
        }
        None => false,
    }
}

/// `GET /__sandbox/payments`: every order both systems hold, and refused signatures.
pub(crate) async fn held(State(state): State<Arc<SandboxState>>) -> Response {
    let book = book(&state);
    let mut orders: Vec<&HeldPayment> = book.orders.values().collect();
    orders.sort_by(|a, b| a.out_trade_no.cmp(&b.out_trade_no));
    Json(json!({"orders": orders, "refused_signatures": book.refused_signatures})).into_response()
}

/// `POST /__sandbox/payments/wechat-key-mode` `{"mode": "public_key" | "certificate"}`: which of
/// WeChat Pay's two key modes signs its answers.
pub(crate) async fn wechat_key_mode(
    State(state): State<Arc<SandboxState>>,
    Json(body): Json<Value>,
) -> Response {
    let mode = body["mode"].as_str().unwrap_or_default();
    let certificate = match mode {
        "public_key" => false,
        "certificate" => true,
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "mode is public_key or certificate"})),
            )
                .into_response()
        }
    };
    book(&state).wechat_certificate_mode = certificate;
    Json(json!({"mode": mode})).into_response()
}

// ---------------------------------------------------------------------------------------------
// The demo order system's own payment service (`/oms/v1/payments`, the `sandbox-oms` preset's
// `[payment_link]`): invented, as a merchant's own service would be (docs/PROTOCOL.md).

/// `POST /oms/v1/payments {"out_trade_no","amount","subject","expire_minutes"}`: the order's link;
/// the same number again answers the same order, with other details 409.
pub(crate) fn merchant_create(state: &SandboxState, body: &Value) -> (StatusCode, Value) {
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_string();
    let number = text("out_trade_no");
    let Some(total) = parse_fen(&text("amount")) else {
        return (
            StatusCode::BAD_REQUEST,
            json!({"code": 400, "message": "amount must be yuan with at most two decimals"}),
        );
    };
    let minutes: i64 = text("expire_minutes").parse().unwrap_or(30);
    if number.is_empty() || text("subject").is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            json!({"code": 400, "message": "out_trade_no and subject are required"}),
        );
    }
    let now = now_ms();
    let mut book = book(state);
    let link = format!("{}/oms/pay/{number}", state.base_url);
    let order = book
        .orders
        .entry(number.clone())
        .or_insert_with(|| HeldPayment {
            provider: "merchant",
            out_trade_no: number.clone(),
            total_fen: total,
            subject: text("subject"),
            state: "PENDING".into(),
            scanned: true,
            link,
            expires_at_ms: now + minutes * 60_000,
            paid_at_ms: None,
            create_requests: 0,
            created_at_ms: now,
        });
    order.create_requests += 1;
    if order.provider != "merchant" || order.total_fen != total || order.subject != text("subject")
    {
        return (
            StatusCode::CONFLICT,
            json!({"code": 409, "message": "out_trade_no is already used for another payment"}),
        );
    }
    expire(order, now);
    (
        StatusCode::OK,
        json!({"code": 0, "data": {"out_trade_no": number, "pay_url": order.link, "status": order.state}}),
    )
}

/// The merchant service's payment `number`, expired if its time is up; 404 for a number never made.
fn merchant_order<'a>(
    book: &'a mut PaymentBook,
    number: &str,
) -> Result<&'a mut HeldPayment, (StatusCode, Value)> {
    let order = book
        .orders
        .get_mut(number)
        .filter(|o| o.provider == "merchant")
        .ok_or_else(|| {
            (
                StatusCode::NOT_FOUND,
                json!({"code": 404, "message": "no such payment"}),
            )
        })?;
    expire(order, now_ms());
    Ok(order)
}

/// `GET /oms/v1/payments/{no}`: where it stands (404 for a number never made).
pub(crate) fn merchant_query(state: &SandboxState, number: &str) -> (StatusCode, Value) {
    let mut book = book(state);
    let order = match merchant_order(&mut book, number) {
        Ok(order) => order,
        Err(not_found) => return not_found,
    };
    let paid = (order.state == "PAID").then(|| yuan(order.total_fen));
    (
        StatusCode::OK,
        json!({"code": 0, "data": {"out_trade_no": number, "status": order.state, "paid_amount": paid}}),
    )
}

/// `POST /oms/v1/payments/{no}/close`: an unpaid payment closed (409 once paid).
pub(crate) fn merchant_close(state: &SandboxState, number: &str) -> (StatusCode, Value) {
    let mut book = book(state);
    let order = match merchant_order(&mut book, number) {
        Ok(order) => order,
        Err(not_found) => return not_found,
    };
    match order.state.as_str() {
        "PAID" => (
            StatusCode::CONFLICT,
            json!({"code": 409, "message": "the payment is paid"}),
        ),
        _ => {
            if waiting(order) {
                order.state = "CLOSED".into();
            }
            (
                StatusCode::OK,
                json!({"code": 0, "data": {"status": order.state}}),
            )
        }
    }
}

/// `POST /oms/v1/payments`, `GET /oms/v1/payments/{no}`, `POST /oms/v1/payments/{no}/close` (signed
/// like every OMS call): the demo shop's own payment service.
pub(crate) async fn oms_payments(
    State(state): State<Arc<SandboxState>>,
    method: axum::http::Method,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refusal) = crate::shop::oms_authorize(&state, &method, &uri, &headers, &body) {
        return crate::shop::unauthorized(refusal);
    }
    let rest = uri.path().trim_start_matches("/oms/v1/payments");
    let (status, answer) = match (
        method.as_str(),
        rest.trim_matches('/')
            .split('/')
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        ("POST", [""]) => match serde_json::from_slice::<Value>(&body) {
            Ok(parsed) => merchant_create(&state, &parsed),
            Err(_) => (
                StatusCode::BAD_REQUEST,
                json!({"code": 400, "message": "the body is not JSON"}),
            ),
        },
        ("GET", [number]) => merchant_query(&state, number),
        ("POST", [number, "close"]) => merchant_close(&state, number),
        _ => (
            StatusCode::NOT_FOUND,
            json!({"code": 404, "message": "no such call"}),
        ),
    };
    (status, Json(answer)).into_response()
}
