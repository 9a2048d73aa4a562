//! A merchant CRM speaking the Qiyu CRM integration protocol (reference §2.5), mounted under
//! `/qiyu-crm`: `get_token`, `get_user_info`, `get_order`, with `rlt` 0 / 1 (bad appid or secret) /
//! 2 (expired token). Its customers are the demo tenant's visitors (by partner id), with an order
//! each whose parcel is registered with the carriers for the customer's phone, so the 360° view of
//! a simulated customer shows real-looking orders and tracking.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequest, RawQuery, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::wire::{params, query_map, str_param};
use crate::{seed, SandboxState};

pub const APPID: &str = "sandbox-crm";
pub const APPSECRET: &str = "sandbox-crm-secret";
const TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 3600);

/// How many variants of tier, tags and parcel progress customers get.
const VARIANTS: usize = 4;

#[derive(Default)]
pub struct CrmTokens {
    issued: HashMap<String, Instant>,
}

fn tokens(state: &SandboxState) -> std::sync::MutexGuard<'_, CrmTokens> {
    state
        .crm_tokens
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn rlt(code: i64, msg: &str) -> Response {
    Json(json!({"rlt": code, "msg": msg})).into_response()
}

/// `GET /qiyu-crm/get_token?appid=&appsecret=`
pub async fn get_token(
    State(state): State<Arc<SandboxState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query_map(query.as_deref());
    if query.get("appid").map(String::as_str) != Some(APPID)
        || query.get("appsecret").map(String::as_str) != Some(APPSECRET)
    {
        return rlt(1, "appid 或 appsecret 错误");
    }
    let token = {
        let mut world = state.world();
        seed::hex_token(&mut world.rng, 32)
    };
    tokens(&state)
        .issued
        .insert(token.clone(), Instant::now() + TOKEN_LIFETIME);
    Json(json!({"rlt": 0, "token": token, "expires": TOKEN_LIFETIME.as_millis() as u64}))
        .into_response()
}

/// Checks `appid` and `token`; answers the refusal when they do not hold.
fn authorize(state: &SandboxState, body: &serde_json::Map<String, Value>) -> Option<Response> {
    if str_param(body, "appid").as_deref() != Some(APPID) {
        return Some(rlt(1, "appid 错误"));
    }
    let token = str_param(body, "token").unwrap_or_default();
    match tokens(state).issued.get(&token) {
        Some(expires) if *expires > Instant::now() => None,
        _ => Some(rlt(2, "token 已过期")),
    }
}

/// The customer behind a partner id: the demo tenant's visitor with that id.
fn customer(state: &SandboxState, userid: &str) -> Option<(String, String, usize)> {
    let world = state.world();
    let session = world
        .sessions
        .values()
        .filter(|s| s.partnerid == userid)
        .max_by_key(|s| s.started_ms)?;
    // A stable choice of parcel per customer.
    let pick = userid
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    Some((
        session.visitor_name.clone(),
        session.phone.clone().unwrap_or_default(),
        pick,
    ))
}

/// The `userid` a call asks about, once its token checked out; extracting it answers the protocol's
/// refusal instead.
pub struct AuthorizedUser(String);

impl FromRequest<Arc<SandboxState>> for AuthorizedUser {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<SandboxState>) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Ok(body) = params(&headers, &body) else {
            return Err(rlt(3, "请求体不是 JSON"));
        };
        if let Some(refusal) = authorize(state, &body) {
            return Err(refusal);
        }
        Ok(AuthorizedUser(
            str_param(&body, "userid").unwrap_or_default(),
        ))
    }
}

/// `POST /qiyu-crm/get_user_info` `{appid, token, userid}`
pub async fn get_user_info(
    State(state): State<Arc<SandboxState>>,
    AuthorizedUser(userid): AuthorizedUser,
) -> Response {
    let Some((name, phone, pick)) = customer(&state, &userid) else {
        return Json(json!({"rlt": 0, "data": []})).into_response();
    };
    let tiers = ["普通会员", "银卡", "金卡", "黑金"];
    Json(json!({"rlt": 0, "data": [
        {"index": 0, "key": "real_name", "label": "姓名", "value": name, "map": "real_name"},
        {"index": 1, "key": "mobile_phone", "label": "手机", "value": phone, "map": "mobile_phone"},
        {"index": 2, "key": "level", "label": "会员等级", "value": tiers[pick % VARIANTS % tiers.len()]},
        {"index": 3, "key": "tags", "label": "标签", "value": if pick % 2 == 0 { "复购, 高价值" } else { "新客" }},
        {"index": 4, "key": "total_amount", "label": "累计消费", "value": format!("¥{}.00", 399 * (pick % VARIANTS + 1) * 3)},
        {"index": 5, "key": "city", "label": "城市", "value": "上海"},
    ]}))
    .into_response()
}

/// `POST /qiyu-crm/get_order` `{appid, token, userid, count, from, type}`
pub async fn get_order(
    State(state): State<Arc<SandboxState>>,
    AuthorizedUser(userid): AuthorizedUser,
) -> Response {
    let Some((_, phone, _)) = customer(&state, &userid) else {
        return Json(json!({"rlt": 0, "count": 0, "orders": []})).into_response();
    };
    // The shop's order book for this customer's phone; shipped orders' parcels are registered with
    // the carriers there.
    let orders: Vec<Value> = crate::shop::orders_for(&state, &phone)
        .iter()
        .enumerate()
        .map(|(index, o)| {
            let money = |cents: i64| format!("¥{}.{:02}", cents / 100, cents % 100);
            let mut title = vec![
                json!({"index": 0, "key": "order_id", "label": "订单号", "value": o.number}),
                json!({"index": 1, "key": "status", "label": "状态", "value": o.status_text}),
                json!({"index": 2, "key": "amount", "label": "金额", "value": money(o.total_cents)}),
                json!({"index": 3, "key": "date", "label": "下单时间", "value": crate::wire::china_time(o.placed_ms)}),
            ];
            if let Some((com, _, waybill)) = &o.shipment {
                title.push(json!({"index": 4, "key": "logistics_company", "label": "快递公司", "value": com}));
                title.push(json!({"index": 5, "key": "logistics_no", "label": "运单号", "value": waybill}));
            }
            let mut blocks = vec![json!({"index": 0, "is_title": true, "data": title})];
            for (line, (name, quantity, price)) in o.items.iter().enumerate() {
                blocks.push(json!({"index": line + 1, "is_title": false, "data": [
                    {"index": 0, "key": "goods_name", "label": "商品", "value": name},
                    {"index": 1, "key": "goods_count", "label": "数量", "value": quantity},
                    {"index": 2, "key": "goods_price", "label": "单价", "value": money(*price)}]}));
            }
            json!({"index": index, "blocks": blocks})
        })
        .collect();
    Json(json!({"rlt": 0, "count": orders.len(), "orders": orders})).into_response()
}
