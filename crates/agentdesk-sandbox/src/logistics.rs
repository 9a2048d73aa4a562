//! Carriers for the 360° view: Kuaidi100's real-time query (`POST /poll/query.do`) and SF
//! Express's route query (`POST /std/service`, `EXP_RECE_SEARCH_ROUTES`), with their signatures
//! checked as documented and answers in their documented shapes. Parcels are seeded
//! deterministically and can be added through `/__sandbox/parcels`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use agentdesk_connectors::logistics::{kuaidi100, sf};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::wire::{bad_request, china_time, params, str_param};
use crate::world::now_ms;
use crate::SandboxState;

/// The sandbox's carrier credentials (part of the ready line).
pub const KUAIDI100_CUSTOMER: &str = "SANDBOXCUSTOMER0001";
pub const KUAIDI100_KEY: &str = "sandbox-kuaidi100-key";
pub const SF_PARTNER_ID: &str = "SANDBOX_SF";
pub const SF_CHECK_WORD: &str = "sandboxCheckWord0123456789abcdef";

/// One step of a parcel's route, oldest first: (minutes after dispatch, place, text, Kuaidi100
/// state code, SF op code).
type Step = (i64, &'static str, &'static str, &'static str, &'static str);

const ROUTE: [Step; 5] = [
    (0, "广东,深圳市", "快件已由顺丰速运收取", "1", "50"),
    (180, "广东,深圳市", "快件已到达 深圳转运中心", "1002", "31"),
    (
        900,
        "上海,上海市",
        "快件已到达 上海浦东集散中心",
        "1002",
        "31",
    ),
    (
        1_200,
        "上海,上海市",
        "快件交给快递员，正在派送途中",
        "5",
        "44",
    ),
    (
        1_380,
        "上海,上海市",
        "已签收，签收人凭取件码签收",
        "301",
        "80",
    ),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Parcel {
    /// Kuaidi100 carrier code (`shunfeng`, `zhongtong`, `yuantong`, ...).
    pub com: String,
    pub waybill: String,
    /// The recipient's phone: its last 4 digits are checked for shunfeng and zhongtong.
    pub phone: String,
    /// How many route steps have happened (1–5).
    pub progress: usize,
    pub dispatched_ms: i64,
}

#[derive(Default)]
pub struct Parcels {
    by_waybill: HashMap<String, Parcel>,
}

impl Parcels {
    pub fn seeded(now: i64) -> Parcels {
        let mut parcels = Parcels::default();
        let seeds = [
            ("shunfeng", "SF1400000000001", "13812345678", 5),
            ("shunfeng", "SF1400000000002", "13900001111", 4),
            ("zhongtong", "ZT7300000000003", "13700002222", 2),
            ("yuantong", "YT9800000000004", "13600003333", 3),
        ];
        for (index, (com, waybill, phone, progress)) in seeds.into_iter().enumerate() {
            parcels.add(Parcel {
                com: com.into(),
                waybill: waybill.into(),
                phone: phone.into(),
                progress,
                dispatched_ms: now - 86_400_000 * (index as i64 + 1),
            });
        }
        parcels
    }

    /// Adds the parcel unless its waybill is known already.
    pub fn ensure(&mut self, parcel: Parcel) {
        self.by_waybill
            .entry(parcel.waybill.clone())
            .or_insert(parcel);
    }

    pub fn add(&mut self, parcel: Parcel) {
        self.by_waybill.insert(parcel.waybill.clone(), parcel);
    }

    fn steps(parcel: &Parcel) -> impl Iterator<Item = (String, &'static Step)> + '_ {
        ROUTE
            .iter()
            .take(parcel.progress.clamp(1, ROUTE.len()))
            .map(|step| (china_time(parcel.dispatched_ms + step.0 * 60_000), step))
    }
}

pub type SharedParcels = Arc<Mutex<Parcels>>;

fn parcels(state: &SandboxState) -> std::sync::MutexGuard<'_, Parcels> {
    state
        .parcels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn kuaidi100_failure(code: &str, message: &str) -> Response {
    Json(json!({"result": false, "returnCode": code, "message": message})).into_response()
}

/// `POST /poll/query.do` (form): `customer`, `param`, `sign = UPPER(MD5(param + key + customer))`.
pub async fn kuaidi100_query(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(form) = params(&headers, &body) else {
        return kuaidi100_failure("400", "数据不完整");
    };
    let (Some(customer), Some(param), Some(sign)) = (
        str_param(&form, "customer"),
        str_param(&form, "param"),
        str_param(&form, "sign"),
    ) else {
        return kuaidi100_failure("400", "数据不完整");
    };
    if customer != KUAIDI100_CUSTOMER
        || sign != kuaidi100::sign(&param, KUAIDI100_KEY, KUAIDI100_CUSTOMER)
    {
        return kuaidi100_failure("503", "验证签名失败");
    }
    let Ok(query) = serde_json::from_str::<Value>(&param) else {
        return kuaidi100_failure("400", "数据不完整");
    };
    let text = |key: &str| query[key].as_str().unwrap_or_default().to_string();
    let (com, num) = (text("com"), text("num"));
    let parcels = parcels(&state);
    let Some(parcel) = parcels.by_waybill.get(&num).filter(|p| p.com == com) else {
        return kuaidi100_failure("500", "查询无结果，请隔段时间再查");
    };
    if kuaidi100::PHONE_REQUIRED.contains(&com.as_str()) {
        let phone = text("phone");
        if phone.len() < 4 || !parcel.phone.ends_with(&phone[phone.len() - 4..]) {
            return kuaidi100_failure("408", "请输入正确的收/寄件人电话号码");
        }
    }
    let mut data: Vec<Value> = Parcels::steps(parcel)
        .map(|(at, step)| {
            json!({"time": at, "ftime": at, "context": step.2, "areaName": step.1,
                   "status": "", "statusCode": step.3})
        })
        .collect();
    let state_code = Parcels::steps(parcel)
        .last()
        .map(|(_, step)| base_state(step.3))
        .unwrap_or("0");
    if text("order") != "asc" {
        data.reverse();
    }
    Json(json!({
        "message": "ok", "nu": parcel.waybill, "ischeck": if state_code == "3" { "1" } else { "0" },
        "com": parcel.com, "status": "200", "state": state_code, "condition": "00", "data": data,
    }))
    .into_response()
}

/// The base state code for an advanced one.
fn base_state(code: &str) -> &'static str {
    match code {
        "1" => "1",
        "5" => "5",
        "301" => "3",
        _ => "0",
    }
}

fn sf_answer(result_code: &str, error: &str, data: Option<Value>) -> Response {
    Json(json!({
        "apiResultCode": result_code, "apiErrorMsg": error,
        "apiResponseID": format!("sbx{}", now_ms()),
        "apiResultData": data.map(|d| d.to_string()),
    }))
    .into_response()
}

/// `POST /std/service` (form): `partnerID`, `requestID`, `serviceCode`, `timestamp`, `msgDigest`,
/// `msgData`; only the route query is served.
pub async fn sf_service(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(form) = params(&headers, &body) else {
        return bad_request("form body expected");
    };
    let get = |key: &str| str_param(&form, key).unwrap_or_default();
    if get("partnerID") != SF_PARTNER_ID {
        return sf_answer("A1001", "partnerID 不存在", None);
    }
    let digest = sf::msg_digest(&get("msgData"), &get("timestamp"), SF_CHECK_WORD);
    if get("msgDigest") != digest {
        return sf_answer("A1006", "数字签名无效", None);
    }
    if get("serviceCode") != sf::ROUTE_SERVICE {
        return sf_answer("A1004", "无对应服务权限", None);
    }
    let Ok(msg) = serde_json::from_str::<Value>(&get("msgData")) else {
        return sf_answer(
            "A1000",
            "",
            Some(json!({"success": false, "errorCode": "S0001", "errorMsg": "msgData 格式错误"})),
        );
    };
    let check_phone = msg["checkPhoneNo"].as_str().unwrap_or_default().to_string();
    let parcels = parcels(&state);
    let routes: Vec<Value> = msg["trackingNumber"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str())
        .filter_map(|n| parcels.by_waybill.get(n))
        .filter(|p| p.com == "shunfeng")
        // Other people's parcels need the phone's last 4 digits.
        .filter(|p| !check_phone.is_empty() && p.phone.ends_with(&check_phone))
        .map(|p| {
            let routes: Vec<Value> = Parcels::steps(p)
                .map(|(at, step)| {
                    json!({"acceptTime": at, "acceptAddress": step.1, "remark": step.2, "opCode": step.4})
                })
                .collect();
            json!({"mailNo": p.waybill, "routes": routes})
        })
        .collect();
    sf_answer(
        "A1000",
        "",
        Some(
            json!({"success": true, "errorCode": "S0000", "errorMsg": null,
                    "msgData": {"routeResps": routes}}),
        ),
    )
}

/// `POST /__sandbox/parcels`: adds a parcel (tests, demos).
pub async fn add_parcel(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Parcel>(&body) {
        Ok(parcel) if (1..=ROUTE.len()).contains(&parcel.progress) => {
            parcels(&state).add(parcel);
            Json(json!({"ok": true})).into_response()
        }
        Ok(_) => bad_request(format!("progress must be 1–{}", ROUTE.len())),
        Err(e) => bad_request(format!("not a parcel: {e}")),
    }
}
