//! The merchant's order book, and the three faces it shows to AgentDesk's declarative connector:
//! "Lumen OMS" under `/oms/v1` (an order API of the kind merchants run themselves: the demo's
//! default order source), a Shopify Admin GraphQL endpoint under `/shopify`, and a Salesforce REST
//! query endpoint under `/salesforce`. Every customer of every tenant (by phone) has 1–3 orders
//! derived from their phone number, the newest being the one the simulated visitor asks about; each
//! shipped order's parcel is registered with the carriers, so Kuaidi100 and SF Express can track it.
//!
//! The Shopify and Salesforce faces answer the shape of AgentDesk's presets' queries; they do not
//! execute GraphQL or SOQL (docs/PROTOCOL.md).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::logistics::Parcel;
use crate::wire::{china_time, query_map};
use crate::world::now_ms;
use crate::SandboxState;

/// The OMS's published demo key (bearer token, API key, Basic password, OAuth2 client secret and
/// signing key alike) and the ids that go with it.
pub const OMS_KEY: &str = "sandbox-oms-key";
pub const OMS_APP_ID: &str = "agentdesk-demo";
pub const OMS_CLIENT_ID: &str = "agentdesk-demo";
pub const OMS_BASIC_USER: &str = "agentdesk";
pub const SHOPIFY_TOKEN: &str = "shpat_sandbox_0123456789";
pub const SALESFORCE_CLIENT_ID: &str = "3MVG9sandbox.agentdesk";
pub const SALESFORCE_CLIENT_SECRET: &str = "sandbox-salesforce-secret";
/// A signed request's timestamp must be this close to the sandbox's clock.
const SIGNATURE_WINDOW: Duration = Duration::from_secs(300);
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

const CATALOG: [(&str, i64); 6] = [
    ("流明保温杯 Lumen Flask 500ml", 39900),
    ("降噪耳机 Pro / ANC Headphones Pro", 129900),
    ("羊毛围巾 Wool Scarf", 25900),
    ("手机壳 Phone Case", 4900),
    ("蓝牙音箱 Mini Speaker", 19900),
    ("香薰蜡烛 Scented Candle", 8900),
];

fn phone_hash(phone: &str) -> u64 {
    phone.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    })
}

/// The number of the customer's `index`-th newest order (the simulated visitor asks about index 0).
pub fn order_number(phone: &str, index: usize) -> String {
    let h = phone_hash(phone).wrapping_add(index as u64 * 7919);
    format!("LM{}", 100_000_000 + h % 900_000_000)
}

#[derive(Debug, Clone)]
pub struct ShopOrder {
    pub number: String,
    /// `shipped`, `delivered`, `awaiting_shipment`.
    pub status: &'static str,
    pub status_text: &'static str,
    pub total_cents: i64,
    pub placed_ms: i64,
    /// (title, quantity, unit price in cents)
    pub items: Vec<(&'static str, i64, i64)>,
    /// (Kuaidi100 code, carrier name, waybill)
    pub shipment: Option<(&'static str, &'static str, String)>,
}

/// The customer's orders, newest first; shipped ones' parcels are registered with the carriers.
pub fn orders_for(state: &SandboxState, phone: &str) -> Vec<ShopOrder> {
    let h = phone_hash(phone);
    let count = 1 + (h % 3) as usize;
    let day = 86_400_000;
    let today = now_ms() / day * day;
    let mut orders = Vec::with_capacity(count);
    for index in 0..count {
        let hi = phone_hash(&order_number(phone, index));
        let items: Vec<(&'static str, i64, i64)> = (0..1 + (hi % 2) as usize)
            .map(|k| {
                let (title, price) = CATALOG[((hi >> (8 * k)) % CATALOG.len() as u64) as usize];
                (title, 1 + ((hi >> (16 + k)) % 2) as i64, price)
            })
            .collect();
        let total_cents = items.iter().map(|(_, q, p)| q * p).sum();
        let (status, status_text, shipment) = match index {
            0 => (
                "shipped",
                "已发货 Shipped",
                Some((
                    "shunfeng",
                    "SF Express",
                    format!("SF15{:011}", hi % 100_000_000_000),
                )),
            ),
            1 => (
                "delivered",
                "已签收 Delivered",
                Some((
                    "zhongtong",
                    "ZTO Express",
                    format!("ZT75{:011}", hi % 100_000_000_000),
                )),
            ),
            _ => ("awaiting_shipment", "待发货 Awaiting shipment", None),
        };
        let placed_ms = today - (1 + index as i64 * 9) * day + 10 * 3_600_000;
        if let Some((com, _, waybill)) = &shipment {
            state
                .parcels
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .ensure(Parcel {
                    com: (*com).into(),
                    waybill: waybill.clone(),
                    phone: phone.to_string(),
                    progress: if status == "delivered" {
                        5
                    } else {
                        2 + (hi % 3) as usize
                    },
                    dispatched_ms: placed_ms + day / 2,
                });
        }
        orders.push(ShopOrder {
            number: order_number(phone, index),
            status,
            status_text,
            total_cents,
            placed_ms,
            items,
            shipment,
        });
    }
    orders
}

/// A customer of any tenant with this phone: (name, partner id).
pub fn customer_by_phone(state: &SandboxState, phone: &str) -> Option<(String, String)> {
    if phone.is_empty() {
        return None;
    }
    state.tenants().iter().find_map(|tenant| {
        let world = crate::lock(tenant);
        world
            .sessions
            .values()
            .filter(|s| s.phone.as_deref() == Some(phone))
            .max_by_key(|s| s.started_ms)
            .map(|s| (s.visitor_name.clone(), s.partnerid.clone()))
    })
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// OAuth2 tokens the OMS and the Salesforce face issued, with their expiry; and the service notes
/// written back to the OMS.
#[derive(Default)]
pub struct ShopTokens {
    issued: HashMap<String, Instant>,
    /// Service notes by their id (`PUT /oms/v1/service-notes/{id}`), in arrival order.
    notes: Vec<ServiceNote>,
}

/// A service's result as the OMS keeps it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServiceNote {
    pub id: String,
    pub note: Value,
    /// How many requests wrote it (a repeat of the same id changes nothing else).
    pub requests: u32,
}

/// `PUT /oms/v1/service-notes/{id}` (signed like every OMS call): stores the note under the
/// caller's id, or replaces it with the same content when it is already there (an upsert: the
/// same request twice is one note).
pub async fn oms_service_note(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    if let Err(refusal) = oms_authorize(&state, &method, &uri, &headers, &body) {
        return unauthorized(refusal);
    }
    let Ok(note) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": 400, "message": "the body is not JSON"})),
        )
            .into_response();
    };
    let mut book = crate::lock(&state.shop_tokens);
    match book.notes.iter_mut().find(|n| n.id == id) {
        Some(known) => {
            known.note = note;
            known.requests += 1;
        }
        None => book.notes.push(ServiceNote {
            id: id.clone(),
            note,
            requests: 1,
        }),
    }
    Json(json!({"code": 0, "data": {"id": id}})).into_response()
}

/// `GET /__sandbox/service-notes`: the notes written back to the OMS.
pub async fn service_notes(State(state): State<Arc<SandboxState>>) -> Response {
    Json(json!({"notes": crate::lock(&state.shop_tokens).notes.clone()})).into_response()
}

fn issue_token(state: &SandboxState, prefix: &str) -> String {
    let token = {
        let mut world = state.world();
        format!("{prefix}{}", crate::seed::hex_token(&mut world.rng, 32))
    };
    state
        .shop_tokens
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .issued
        .insert(token.clone(), Instant::now() + TOKEN_LIFETIME);
    token
}

fn token_valid(state: &SandboxState, token: &str) -> bool {
    state
        .shop_tokens
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .issued
        .get(token)
        .is_some_and(|expires| *expires > Instant::now())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"code": 401, "message": message})),
    )
        .into_response()
}

pub fn hmac_sha256_hex(key: &str, message: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The OMS accepts any one of: a bearer token (the key, or one it issued), Basic
/// `agentdesk:{key}`, `X-Api-Key: {key}`, an HMAC-SHA256 signature in `X-App-Id` / `X-Timestamp`
/// / `X-Signature`, or an MD5 signature in the query (`appid`, `ts`, `sign = UPPER(MD5(appid + ts
/// + key))`). Says why it refused.
pub(crate) fn oms_authorize(
    state: &SandboxState,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), &'static str> {
    let now_s = now_ms() / 1000;
    let fresh = |ts: &str| {
        ts.parse::<i64>()
            .is_ok_and(|t| (now_s - t).unsigned_abs() <= SIGNATURE_WINDOW.as_secs())
    };
    if let Some(auth) = header(headers, "authorization") {
        if let Some(token) = auth.strip_prefix("Bearer ") {
            return if token == OMS_KEY || token_valid(state, token) {
                Ok(())
            } else {
                Err("bearer token not recognised or expired")
            };
        }
        if let Some(encoded) = auth.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            return if decoded.as_deref() == Some(&format!("{OMS_BASIC_USER}:{OMS_KEY}")) {
                Ok(())
            } else {
                Err("wrong user name or password")
            };
        }
    }
    if let Some(key) = header(headers, "x-api-key") {
        return if key == OMS_KEY {
            Ok(())
        } else {
            Err("unknown API key")
        };
    }
    if let Some(signature) = header(headers, "x-signature") {
        let ts = header(headers, "x-timestamp").unwrap_or_default();
        if header(headers, "x-app-id") != Some(OMS_APP_ID) {
            return Err("unknown X-App-Id");
        }
        if !fresh(ts) {
            return Err("X-Timestamp missing or more than 5 minutes off");
        }
        let message = format!(
            "{}\n{}\n{ts}\n{}",
            method.as_str(),
            uri.path(),
            String::from_utf8_lossy(body)
        );
        return if signature == hmac_sha256_hex(OMS_KEY, &message) {
            Ok(())
        } else {
            Err("signature does not match")
        };
    }
    let query = query_map(uri.query());
    if let (Some(appid), Some(ts), Some(sign)) =
        (query.get("appid"), query.get("ts"), query.get("sign"))
    {
        if appid != OMS_APP_ID || !fresh(ts) {
            return Err("unknown appid or stale ts");
        }
        let expected = hex::encode_upper(Md5::digest(format!("{appid}{ts}{OMS_KEY}")));
        return if *sign == expected {
            Ok(())
        } else {
            Err("sign does not match")
        };
    }
    Err("no credentials")
}

/// `POST /oms/v1/oauth/token` (client credentials).
pub async fn oms_token(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let valid = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id").map(String::as_str) == Some(OMS_CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(OMS_KEY);
    if !valid {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let token = issue_token(&state, "oms_");
    Json(json!({"access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME.as_secs()}))
        .into_response()
}

/// `GET /oms/v1/customers?phone=` and `GET /oms/v1/orders?phone=&page=&page_size=`.
pub async fn oms(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refusal) = oms_authorize(&state, &method, &uri, &headers, &body) {
        return unauthorized(refusal);
    }
    let query = query_map(uri.query());
    let phone = query.get("phone").cloned().unwrap_or_default();
    let known = customer_by_phone(&state, &phone);
    if uri.path().ends_with("/customers") {
        let customers: Vec<Value> = known
            .map(|(name, partnerid)| {
                let orders = orders_for(&state, &phone);
                let spent: i64 = orders.iter().map(|o| o.total_cents).sum();
                let levels = ["普通会员 Member", "银卡 Silver", "金卡 Gold"];
                let level = levels[(phone_hash(&phone) % 3) as usize];
                vec![json!({
                    "id": partnerid, "name": name, "phone": phone,
                    "email": format!("{partnerid}@customers.sandbox.agentdesk.test"),
                    "level": level,
                    "tags": if orders.len() > 1 { vec!["复购 Repeat buyer"] } else { vec!["新客 New"] },
                    "total_spent": money(spent), "currency": "CNY",
                })]
            })
            .unwrap_or_default();
        return Json(json!({"code": 0, "data": {"customers": customers}})).into_response();
    }
    let page: usize = query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let size: usize = query
        .get("page_size")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let all = if known.is_some() {
        orders_for(&state, &phone)
    } else {
        Vec::new()
    };
    let orders: Vec<Value> = all
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|o| {
            json!({
                "order_no": o.number, "status": o.status, "status_text": o.status_text,
                "total": money(o.total_cents), "currency": "CNY",
                "created_at": china_time(o.placed_ms),
                "items": o.items.iter().map(|(title, q, p)| json!({"title": title, "quantity": q, "unit_price": money(*p)})).collect::<Vec<_>>(),
                "shipment": o.shipment.as_ref().map(|(_, carrier, waybill)| json!({"carrier": carrier, "tracking_no": waybill})),
            })
        })
        .collect();
    let has_more = page * size < all.len();
    Json(json!({"code": 0, "data": {"orders": orders, "page": page, "has_more": has_more, "total": all.len()}}))
        .into_response()
}

/// The phone or e-mail inside a Shopify search term (`phone:'138…'`).
fn search_term(q: &str, field: &str) -> Option<String> {
    let rest = q.split_once(&format!("{field}:"))?.1;
    Some(
        rest.trim_matches(|c| c == '\'' || c == '"')
            .split(['\'', '"'])
            .next()
            .unwrap_or_default()
            .to_string(),
    )
}

/// The Admin API versions the sandbox's Shopify supports (Shopify supports each quarterly release
/// for about a year; this list is the window as of December 2026, fixed so tests pass on any day).
pub const SHOPIFY_SUPPORTED_VERSIONS: [&str; 4] = ["2026-01", "2026-04", "2026-07", "2026-10"];

/// The version Shopify serves for `requested`: itself when supported; a retired one falls forward
/// to the oldest supported; anything else (a version not released yet) is served the newest.
pub fn shopify_served_version(requested: &str) -> &'static str {
    if let Some(v) = SHOPIFY_SUPPORTED_VERSIONS.iter().find(|v| **v == requested) {
        return v;
    }
    if requested < SHOPIFY_SUPPORTED_VERSIONS[0] {
        SHOPIFY_SUPPORTED_VERSIONS[0]
    } else {
        SHOPIFY_SUPPORTED_VERSIONS[SHOPIFY_SUPPORTED_VERSIONS.len() - 1]
    }
}

/// Shopify's phone search matches the E.164 form it stores (`+8613812345678`); the sandbox's
/// customers are Chinese mobiles kept as national numbers.
fn national_of_e164(term: &str) -> Option<String> {
    term.strip_prefix("+86")
        .filter(|n| n.len() == 11 && n.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

/// `POST /shopify/admin/api/{version}/graphql.json`: answers the presets' customer and order
/// queries (header `X-Shopify-Access-Token`), orders one per page so paging is exercised. The
/// served version is in `X-Shopify-API-Version`; from 2025-04 a customer's e-mail and phone are
/// `defaultEmailAddress` / `defaultPhoneNumber` and the superseded `email` / `phone` answer null.
pub async fn shopify_graphql(
    State(state): State<Arc<SandboxState>>,
    axum::extract::Path(version): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let served = shopify_served_version(&version);
    let mut response = shopify_answer(&state, &headers, &body);
    response.headers_mut().insert(
        "x-shopify-api-version",
        served.parse().expect("a header value"),
    );
    response
}

fn shopify_answer(state: &SandboxState, headers: &HeaderMap, body: &Bytes) -> Response {
    if header(headers, "x-shopify-access-token") != Some(SHOPIFY_TOKEN) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})),
        )
            .into_response();
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": "body is not JSON"})),
        )
            .into_response();
    };
    let query = request["query"].as_str().unwrap_or_default();
    let q = request["variables"]["q"].as_str().unwrap_or_default();
    let phone = match search_term(q, "phone") {
        Some(term) => national_of_e164(&term).unwrap_or_default(),
        None => search_term(q, "email")
            .and_then(|email| email.split('@').next().map(str::to_string))
            .and_then(|partnerid| phone_of_partner(state, &partnerid))
            .unwrap_or_default(),
    };
    let Some((name, partnerid)) = customer_by_phone(state, &phone) else {
        return Json(json!({"data": {"customers": {"edges": []}}})).into_response();
    };
    let orders = orders_for(state, &phone);
    let node = if query.contains("orders(") {
        let after: usize = request["variables"]["after"]
            .as_str()
            .and_then(|c| c.strip_prefix("cursor-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let page: Vec<Value> = orders
            .iter()
            .skip(after)
            .take(1)
            .map(|o| json!({"node": {
                "name": format!("#{}", o.number),
                "createdAt": chrono::DateTime::from_timestamp_millis(o.placed_ms).map(|t| t.to_rfc3339()),
                "displayFinancialStatus": "PAID",
                "displayFulfillmentStatus": if o.shipment.is_some() { "FULFILLED" } else { "UNFULFILLED" },
                "totalPriceSet": {"shopMoney": {"amount": money(o.total_cents), "currencyCode": "CNY"}},
                "lineItems": {"edges": o.items.iter().map(|(t, q, p)| json!({"node": {"title": t, "quantity": q, "originalUnitPriceSet": {"shopMoney": {"amount": money(*p), "currencyCode": "CNY"}}}})).collect::<Vec<_>>()},
                "fulfillments": o.shipment.as_ref().map(|(_, carrier, waybill)| vec![json!({"trackingInfo": [{"company": carrier, "number": waybill}]})]).unwrap_or_default(),
            }}))
            .collect();
        let next = after + 1;
        json!({"orders": {"edges": page, "pageInfo": {"hasNextPage": next < orders.len(), "endCursor": format!("cursor-{next}")}}})
    } else {
        let spent: i64 = orders.iter().map(|o| o.total_cents).sum();
        json!({
            "id": format!("gid://shopify/Customer/{}", phone_hash(&phone) % 10_000_000),
            "displayName": name, "phone": null, "email": null,
            "defaultPhoneNumber": {"phoneNumber": format!("+86{phone}")},
            "defaultEmailAddress": {"emailAddress": format!("{partnerid}@customers.sandbox.agentdesk.test")},
            "tags": ["sandbox"], "numberOfOrders": orders.len().to_string(),
            "amountSpent": {"amount": money(spent), "currencyCode": "CNY"},
        })
    };
    Json(json!({"data": {"customers": {"edges": [{"node": node}]}}})).into_response()
}

fn phone_of_partner(state: &SandboxState, partnerid: &str) -> Option<String> {
    state.tenants().iter().find_map(|tenant| {
        let world = crate::lock(tenant);
        world
            .sessions
            .values()
            .find(|s| s.partnerid == partnerid)
            .and_then(|s| s.phone.clone())
    })
}

/// `POST /salesforce/services/oauth2/token` (client credentials).
pub async fn salesforce_token(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let valid = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id").map(String::as_str) == Some(SALESFORCE_CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(SALESFORCE_CLIENT_SECRET);
    if !valid {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_client", "error_description": "invalid client credentials"})),
        )
            .into_response();
    }
    let token = issue_token(&state, "00Dsandbox!");
    Json(json!({
        "access_token": token, "instance_url": state.base_url, "token_type": "Bearer",
        "issued_at": now_ms().to_string(),
    }))
    .into_response()
}

/// The phone inside `... Phone = '138…' ...` (with SOQL's backslash escapes undone).
fn soql_literal_after(soql: &str, marker: &str) -> Option<String> {
    let start = soql.find(marker)? + marker.len();
    let mut out = String::new();
    let mut chars = soql[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '\'' => return Some(out),
            other => out.push(other),
        }
    }
    None
}

/// How the sandbox's Salesforce org holds its contacts' phones: `+86 138 1234 5678`.
pub fn salesforce_phone_form(national: &str) -> String {
    if national.len() == 11 {
        format!(
            "+86 {} {} {}",
            &national[..3],
            &national[3..7],
            &national[7..]
        )
    } else {
        national.to_string()
    }
}

/// The national number of the first phone literal the query names (`Phone = '…'` or `Phone IN
/// ('…', …)`) that equals a phone as the org holds it: a query for another form finds nobody, as
/// SOQL compares text.
fn soql_phone(soql: &str) -> Option<String> {
    let held = |literal: &str| {
        let digits: String = literal.chars().filter(char::is_ascii_digit).collect();
        let national = digits
            .strip_prefix("86")
            .filter(|n| n.len() == 11)
            .unwrap_or(&digits);
        (salesforce_phone_form(national) == literal).then(|| national.to_string())
    };
    if let Some(literal) = soql_literal_after(soql, "Phone = '") {
        return held(&literal);
    }
    let list = soql.split_once("Phone IN (")?.1.split_once(')')?.0;
    list.split(',')
        .map(|item| item.trim().trim_matches('\'').replace("\\'", "'"))
        .find_map(|literal| held(&literal))
}

/// The SOQL a query asks, the page's offset, and the phone it is about (by phone, or by the e-mail
/// the sandbox gives its customers). A next page's locator is `/query/{phone}-{offset}`.
fn read_query(
    state: &SandboxState,
    uri: &axum::http::Uri,
    raw: Option<&str>,
) -> (String, usize, String) {
    // A next page: /query/{phone}-{offset}
    let (soql, offset) = match uri.path().rsplit_once("/query/") {
        Some((_, locator)) => {
            let (phone, offset) = locator.rsplit_once('-').unwrap_or((locator, "0"));
            (
                format!(
                    "FROM Order WHERE BillToContact.Phone = '{}'",
                    salesforce_phone_form(phone)
                ),
                offset.parse().unwrap_or(0),
            )
        }
        None => (query_map(raw).get("q").cloned().unwrap_or_default(), 0usize),
    };
    let phone = soql_phone(&soql)
        .or_else(|| {
            soql_literal_after(&soql, "Email = '")
                .and_then(|email| email.split('@').next().map(str::to_string))
                .and_then(|partnerid| phone_of_partner(state, &partnerid))
        })
        .unwrap_or_default();
    (soql, offset, phone)
}

/// `GET /salesforce/services/data/{version}/query?q=` and its `nextRecordsUrl` pages: answers the
/// presets' Contact and Order queries, two orders per batch.
pub async fn salesforce_query(
    State(state): State<Arc<SandboxState>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let bearer = header(&headers, "authorization").and_then(|a| a.strip_prefix("Bearer "));
    if !bearer.is_some_and(|t| token_valid(&state, t)) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])),
        )
            .into_response();
    }
    let (soql, offset, phone) = read_query(&state, &uri, raw.as_deref());
    if soql.contains("CurrencyIsoCode") {
        // An org with one currency has no such field (invented: the sandbox's org is one).
        return (
            StatusCode::BAD_REQUEST,
            Json(json!([{"message": "\nNo such column 'CurrencyIsoCode' on entity 'Order'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.", "errorCode": "INVALID_FIELD"}])),
        )
            .into_response();
    }
    let customer = customer_by_phone(&state, &phone);
    if soql.contains("FROM Contact") {
        let records: Vec<Value> = customer
            .map(|(name, partnerid)| {
                vec![json!({
                    "attributes": {"type": "Contact"},
                    "Id": format!("003{:012}", phone_hash(&phone) % 1_000_000_000_000),
                    "Name": name, "Phone": salesforce_phone_form(&phone), "MobilePhone": salesforce_phone_form(&phone),
                    "Email": format!("{partnerid}@customers.sandbox.agentdesk.test"),
                    "Title": null, "Account": {"Name": "Lumen Mall 流明商城"},
                })]
            })
            .unwrap_or_default();
        return Json(json!({"totalSize": records.len(), "done": true, "records": records}))
            .into_response();
    }
    let orders = if customer.is_some() {
        orders_for(&state, &phone)
    } else {
        Vec::new()
    };
    const BATCH: usize = 2;
    let records: Vec<Value> = orders
        .iter()
        .skip(offset)
        .take(BATCH)
        .map(|o| json!({
            "attributes": {"type": "Order"},
            "OrderNumber": o.number, "Status": o.status_text,
            "TotalAmount": o.total_cents as f64 / 100.0,
            "EffectiveDate": china_time(o.placed_ms).chars().take(10).collect::<String>(),
            "OrderItems": {"totalSize": o.items.len(), "done": true, "records": o.items.iter().map(|(t, q, p)| json!({"Product2": {"Name": t}, "Quantity": q, "UnitPrice": *p as f64 / 100.0})).collect::<Vec<_>>()},
        }))
        .collect();
    let done = offset + BATCH >= orders.len();
    let mut answer = json!({"totalSize": orders.len(), "done": done, "records": records});
    if !done {
        let version = uri
            .path()
            .split("/services/data/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("v60.0");
        answer["nextRecordsUrl"] = json!(format!(
            "/salesforce/services/data/{version}/query/{phone}-{}",
            offset + BATCH
        ));
    }
    Json(answer).into_response()
}
