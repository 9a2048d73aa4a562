//! Sobot's e-commerce platform API (电商平台 API, reference §1.9 and `seeds/001`): a union platform
//! lists and manages its tenants (商户) and their agents, and reads their figures. Field names,
//! token formulas, response shapes and the documented error answers follow the document; what it
//! leaves open (the `sign` formula, error answers for a bad token or a missing parameter, length
//! limits, enabling a tenant) is listed in `docs/PROTOCOL.md`.

use std::sync::Arc;
use std::time::Instant;

use agentdesk_sobot::protocol::sign::{chat_index_token, tenant_api_token, union_sign};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use crate::wire::{china_time, int_param, params, query_map, str_param};
use crate::world::{now_ms, AgentAccount, TenantProfile, World};
use crate::{lock, SandboxState, Tenant};

/// Documented success codes: the tenant endpoints answer `200000`, the report endpoints `000000`.
const OK_TENANT: &str = "200000";
const OK_REPORT: &str = "000000";
/// The union platform's agent seats across all its tenants (`200007 在线客服数量不足` beyond it).
pub const UNION_SEAT_CAPACITY: usize = 100;
/// How far `ts` may be from the server's clock (ms). [ext]
const TS_WINDOW_MS: i64 = 10 * 60 * 1000;
const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
/// `chatIndexPage`: "目前的上限是每分钟调用 20 次".
const CHAT_INDEX_PER_MINUTE: usize = 20;
const ROLE_IDS: [&str; 4] = ["5555", "2222", "1111", "8888"];
const MAX_ACCEPT_LIMIT: i64 = 200;

fn tenant_answer(code: &str, message: &str, msg: Value) -> Response {
    Json(json!({"retCode": code, "retMsg": message, "msg": msg})).into_response()
}

fn report_error(code: &str, message: &str) -> Response {
    Json(json!({"ret_code": code, "ret_msg": message})).into_response()
}

/// A refused request: the JSON answer, small enough to pass around in `Result`s.
struct Refusal(Value);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// The tenant endpoints' refusal: `{retCode, retMsg, msg: null}`.
fn refusal(code: &str, message: &str) -> Refusal {
    Refusal(json!({"retCode": code, "retMsg": message, "msg": null}))
}

/// The report endpoints' refusal: `{ret_code, ret_msg}`.
fn report_refusal(code: &str, message: &str) -> Refusal {
    Refusal(json!({"ret_code": code, "ret_msg": message}))
}

/// The union platform's credentials: the demo tenant holds them.
struct Union {
    code: String,
    key: String,
    email: String,
}

fn union(state: &SandboxState) -> Union {
    let world = state.world();
    Union {
        code: world.union_code.clone(),
        key: world.union_key.clone(),
        email: world.supervisor_email.clone(),
    }
}

/// A required parameter, or the (invented) `999999 参数 x 不能为空` answer.
fn required(params: &Map<String, Value>, key: &str) -> Result<String, Refusal> {
    match str_param(params, key) {
        Some(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(refusal("999999", &format!("参数 {key} 不能为空"))),
    }
}

/// `220001 [x] 的长度超过最大限制，最多允许 x 个字符` (documented).
fn check_length(field: &str, value: &str, max: usize) -> Result<(), Refusal> {
    if value.chars().count() > max {
        return Err(refusal(
            "220001",
            &format!("[{field}] 的长度超过最大限制，最多允许 {max} 个字符"),
        ));
    }
    Ok(())
}

fn fresh_ts(ts: &str) -> bool {
    ts.trim()
        .parse::<i64>()
        .is_ok_and(|ts| (now_ms() - ts).abs() <= TS_WINDOW_MS)
}

/// `token = MD5(unionCode + ts + email + unionKey)` over the request's own `email`.
fn check_tenant_token(state: &SandboxState, params: &Map<String, Value>) -> Result<Union, Refusal> {
    let union = union(state);
    let code = required(params, "unionCode")?;
    let ts = required(params, "ts")?;
    let email = required(params, "email")?;
    let token = required(params, "token")?;
    if code != union.code {
        return Err(refusal("999999", "unionCode 不存在"));
    }
    let expected = tenant_api_token(&code, &ts, &email, &union.key);
    if !fresh_ts(&ts) || !token.eq_ignore_ascii_case(&expected) {
        return Err(refusal("900003", "token 校验失败"));
    }
    Ok(union)
}

fn check_report_sign(
    state: &SandboxState,
    params: &Map<String, Value>,
    code_key: &str,
) -> Result<Union, Refusal> {
    let union = union(state);
    let get = |key: &str| str_param(params, key).filter(|v| !v.trim().is_empty());
    let (Some(code), Some(ts), Some(sign)) = (get(code_key), get("ts"), get("sign")) else {
        return Err(report_refusal("999999", "参数不能为空"));
    };
    if code != union.code {
        return Err(report_refusal("999999", "unionCode 不存在"));
    }
    if !fresh_ts(&ts) || !sign.eq_ignore_ascii_case(&union_sign(&code, &ts, &union.key)) {
        return Err(report_refusal("900003", "sign 校验失败"));
    }
    Ok(union)
}

/// A report call's parameters once its union signature is checked (`code_key` names the union
/// code's field, which differs between endpoints), with the union it signed for.
fn signed_report_request(
    state: &SandboxState,
    headers: &HeaderMap,
    body: &Bytes,
    code_key: &str,
) -> Result<(Map<String, Value>, Union), Box<Response>> {
    let params =
        params(headers, body).map_err(|message| Box::new(report_error("999999", &message)))?;
    let union = check_report_sign(state, &params, code_key)
        .map_err(|refusal| Box::new(refusal.into_response()))?;
    Ok((params, union))
}

fn find_tenant(state: &SandboxState, customer_code: &str) -> Option<Tenant> {
    state
        .tenants()
        .into_iter()
        .find(|t| lock(t).profile.customer_code == customer_code)
}

fn seats_in_use(state: &SandboxState, except: Option<&str>) -> usize {
    state
        .tenants()
        .iter()
        .map(|t| lock(t))
        .filter(|w| Some(w.profile.customer_code.as_str()) != except)
        .map(|w| w.profile.max_service_count)
        .sum()
}

fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Refusal> {
    params(headers, body).map_err(|message| refusal("999999", &message))
}

/// The tenant endpoints' common path: parse the body (JSON or form), verify the token, make the
/// change; answer `200000` with what the change returns as `msg`, or the refusal.
fn tenant_change(
    state: &SandboxState,
    headers: &HeaderMap,
    body: &Bytes,
    ok_text: &str,
    change: impl FnOnce(&Map<String, Value>) -> Result<Value, Refusal>,
) -> Response {
    let result = parse_body(headers, body).and_then(|params| {
        check_tenant_token(state, &params)?;
        change(&params)
    });
    match result {
        Ok(msg) => tenant_answer(OK_TENANT, ok_text, msg),
        Err(refusal) => refusal.into_response(),
    }
}

fn tenant_json(world: &World) -> Value {
    let p = &world.profile;
    json!({
        "companyId": world.company_id, "companyName": p.company_name, "email": p.email,
        "contactTel": p.contact_tel, "contactName": p.contact_name,
        "serviceNum": world.staff().count(), "maxServiceCount": p.max_service_count,
        "createTime": p.create_time, "endTime": p.end_time, "tenantStatus": p.enabled,
        "appKey": world.app_key, "services": null, "customerCode": p.customer_code,
        "customfieldsCode": null, "customfieldsName": null, "provinceId": null, "provinceName": null,
        "cityId": null, "cityName": null, "areaId": null, "areaName": null,
    })
}

/// `POST /tenantpro/open/getTenantList`
pub async fn get_tenant_list(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match parse_body(&headers, &body) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let union = match check_tenant_token(&state, &params) {
        Ok(u) => u,
        Err(r) => return r.into_response(),
    };
    if str_param(&params, "email").as_deref() != Some(union.email.as_str()) {
        return refusal("999999", "平台超管邮箱不存在").into_response();
    }
    let open_status = match required(&params, "openStatus") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let start = str_param(&params, "startDate").filter(|s| !s.is_empty());
    let end = str_param(&params, "endDate").filter(|s| !s.is_empty());
    let input_status = str_param(&params, "inputStatus").unwrap_or_default();
    let input_value = str_param(&params, "inputValue").unwrap_or_default();
    let page_no = int_param(&params, "pageNo").unwrap_or(1).max(1) as usize;
    let page_size = int_param(&params, "pageSize").unwrap_or(10).clamp(1, 100) as usize;
    let matching: Vec<Value> = state
        .tenants()
        .iter()
        .map(|t| lock(t))
        .filter(|w| match open_status.as_str() {
            "1" => w.profile.enabled,
            "0" => !w.profile.enabled,
            _ => true,
        })
        .filter(|w| {
            start
                .as_deref()
                .is_none_or(|s| w.profile.create_time.as_str() >= s)
        })
        .filter(|w| {
            end.as_deref()
                .is_none_or(|e| w.profile.create_time.as_str() <= e)
        })
        .filter(|w| {
            let p = &w.profile;
            input_value.is_empty()
                || match input_status.as_str() {
                    "1" => p.company_name.contains(&input_value),
                    "2" => p.email.contains(&input_value),
                    "3" => p.contact_tel.contains(&input_value),
                    "4" => p.customer_code == input_value,
                    _ => true,
                }
        })
        .map(|w| tenant_json(&w))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip((page_no - 1) * page_size)
        .take(page_size)
        .collect();
    Json(json!({
        "pageNo": page_no, "pageCount": total.div_ceil(page_size).max(1), "totalCount": total,
        "pageSize": page_size, "items": items, "item": null, "retCode": OK_TENANT, "retMsg": "成功",
    }))
    .into_response()
}

/// `POST /tenantpro/open/addTenant.json`
pub async fn add_tenant(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    tenant_change(&state, &headers, &body, "成功!", |params| {
        let company_name = required(params, "companyName")?;
        let email = required(params, "email")?;
        let password = required(params, "password")?;
        let customer_code = required(params, "customerCode")?;
        let max_count = int_param(params, "maxCount")
            .ok_or_else(|| refusal("999999", "参数 maxCount 不能为空"))?;
        check_length("companyName", &company_name, 100)?;
        check_length("customerCode", &customer_code, 64)?;
        if max_count < 1 {
            return Err(refusal("999999", "maxCount 必须大于 0"));
        }
        if find_tenant(&state, &customer_code).is_some() {
            return Err(refusal("999999", "customerCode 已存在!"));
        }
        if state
            .tenants()
            .iter()
            .any(|t| lock(t).profile.email == email)
        {
            return Err(refusal("999999", "email 已存在!"));
        }
        if seats_in_use(&state, None) + max_count as usize > UNION_SEAT_CAPACITY {
            return Err(refusal("200007", "在线客服数量不足"));
        }
        let contact_name = str_param(params, "contactName").unwrap_or_default();
        let profile = TenantProfile {
            company_name,
            email: email.clone(),
            contact_name: contact_name.clone(),
            contact_tel: str_param(params, "contactTel").unwrap_or_default(),
            max_service_count: max_count as usize,
            create_time: china_time(now_ms()).chars().take(10).collect(),
            end_time: "2099-12-31".into(),
            enabled: true,
            customer_code,
            icon: str_param(params, "icon").unwrap_or_default(),
        };
        let seed = state.config.seed ^ (state.tenants().len() as u64).wrapping_mul(0x9e37_79b9);
        let mut world = World::tenant(
            ChaCha8Rng::seed_from_u64(seed),
            state.config.token_lifetime,
            profile,
            &[],
        );
        // The tenant's super-administrator signs in with the e-mail and password given here.
        let mut admin = AgentAccount::new(
            format!("a{:04}", world.agents.len() + 1),
            email,
            password,
            world.profile.contact_name.clone(),
            world.agents[0].group_id.clone(),
        );
        admin.role_id = "2222".into();
        world.agents.insert(0, admin);
        let msg = json!({"appKey": world.app_key, "contactName": contact_name, "sysNum": world.company_id});
        state.add_tenant(world);
        Ok(msg)
    })
}

/// `POST /tenantpro/open/updateTenant.json`. Also takes `tenantStatus` (true/false) to enable or
/// disable the tenant. [ext]
pub async fn update_tenant(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    tenant_change(&state, &headers, &body, "成功", |params| {
        let company_name = required(params, "companyName")?;
        let customer_code = required(params, "customerCode")?;
        let max_count = int_param(params, "maxCount")
            .ok_or_else(|| refusal("999999", "参数 maxCount 不能为空"))?;
        check_length("companyName", &company_name, 100)?;
        let tenant =
            find_tenant(&state, &customer_code).ok_or_else(|| refusal("999999", "商户不存在!"))?;
        if max_count < 1
            || seats_in_use(&state, Some(&customer_code)) + max_count as usize > UNION_SEAT_CAPACITY
            || (max_count as usize) < lock(&tenant).staff().count()
        {
            return Err(refusal("200007", "在线客服数量不足"));
        }
        let enabled = match str_param(params, "tenantStatus").as_deref() {
            None | Some("") => None,
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            Some(other) => {
                return Err(refusal(
                    "999999",
                    &format!("tenantStatus 只能为 true 或 false: {other}"),
                ))
            }
        };
        let mut world = lock(&tenant);
        world.profile.company_name = company_name;
        world.profile.max_service_count = max_count as usize;
        if let Some(name) = str_param(params, "contactName") {
            world.profile.contact_name = name;
        }
        if let Some(tel) = str_param(params, "contactTel") {
            world.profile.contact_tel = tel;
        }
        if let Some(enabled) = enabled {
            world.profile.enabled = enabled;
            if !enabled {
                // A disabled tenant's agents are signed out.
                for index in 0..world.agents.len() {
                    world.logout(index);
                }
            }
        }
        Ok(Value::Null)
    })
}

/// `POST /tenantpro/open/addServiceInfoConfim.json`
pub async fn add_agent(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    tenant_change(&state, &headers, &body, "成功", |params| {
        let fields = AgentFields::read(params, "nick", "name")?;
        let role_id = required(params, "roleId")?;
        validate_agent_fields(&role_id, &fields.phone, fields.max_accept)?;
        let tenant = tenant_of(&state, &fields.customer_code)?;
        let mut world = lock(&tenant);
        if world
            .staff()
            .any(|(_, a)| a.email.eq_ignore_ascii_case(&fields.email))
        {
            return Err(refusal("999999", "客服邮箱已存在!"));
        }
        if world.staff().count() >= world.profile.max_service_count {
            return Err(refusal("200007", "在线客服数量不足"));
        }
        let password = str_param(params, "password").unwrap_or_default();
        let group = world
            .agents
            .first()
            .map(|a| a.group_id.clone())
            .unwrap_or_default();
        let mut agent = AgentAccount::new(
            format!("a{:04}", world.agents.len() + 1),
            fields.email,
            password,
            fields.name,
            group,
        );
        agent.nick = fields.nick;
        agent.role_id = role_id;
        agent.phone = fields.phone;
        agent.max_count = fields.max_accept as usize;
        world.agents.push(agent);
        Ok(Value::Null)
    })
}

/// What the add and edit calls say of an agent (the edit names its nick and name otherwise).
struct AgentFields {
    customer_code: String,
    nick: String,
    name: String,
    email: String,
    phone: String,
    max_accept: i64,
}

impl AgentFields {
    fn read(
        params: &Map<String, Value>,
        nick_key: &str,
        name_key: &str,
    ) -> Result<AgentFields, Refusal> {
        let fields = AgentFields {
            customer_code: required(params, "customerCode")?,
            nick: required(params, nick_key)?,
            name: required(params, name_key)?,
            email: required(params, "email")?,
            phone: required(params, "phoneNo")?,
            max_accept: int_param(params, "maxAcceptNum")
                .ok_or_else(|| refusal("999999", "参数 maxAcceptNum 不能为空"))?,
        };
        check_length(nick_key, &fields.nick, 50)?;
        check_length(name_key, &fields.name, 50)?;
        Ok(fields)
    }
}

/// The tenant with `customer_code`, or the platform's refusal.
fn tenant_of(state: &SandboxState, customer_code: &str) -> Result<Tenant, Refusal> {
    find_tenant(state, customer_code).ok_or_else(|| refusal("999999", "商户不存在!"))
}

fn validate_agent_fields(role_id: &str, phone: &str, max_accept: i64) -> Result<(), Refusal> {
    if !ROLE_IDS.contains(&role_id) {
        return Err(refusal("999999", &format!("roleId 不正确: {role_id}（5555 工单客服、2222 在线管理员、1111 在线客服、8888 工单管理员）")));
    }
    if phone.len() != 11 || !phone.chars().all(|c| c.is_ascii_digit()) {
        return Err(refusal("999999", "phoneNo 格式不正确"));
    }
    if !(1..=MAX_ACCEPT_LIMIT).contains(&max_accept) {
        return Err(refusal(
            "999999",
            &format!("maxAcceptNum 必须在 1 到 {MAX_ACCEPT_LIMIT} 之间"),
        ));
    }
    Ok(())
}

/// The agent of a tenant an edit or delete names, refusing one who has not activated their e-mail.
fn editable_agent(world: &World, email: &str) -> Result<usize, Refusal> {
    let index = world
        .staff()
        .find(|(_, a)| a.email.eq_ignore_ascii_case(email))
        .map(|(index, _)| index)
        .ok_or_else(|| refusal("999999", "客服不存在!"))?;
    if !world.agents[index].activated {
        return Err(refusal(
            "999999",
            "客户邮箱未激活,请激活后再次尝试修改客户信息!",
        ));
    }
    Ok(index)
}

/// `POST /tenantpro/open/updateServiceInfoConfim.json`
pub async fn update_agent(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    tenant_change(&state, &headers, &body, "成功", |params| {
        let edit = AgentFields::read(params, "serviceNick", "serviceName")?;
        let tenant = tenant_of(&state, &edit.customer_code)?;
        let mut world = lock(&tenant);
        let index = editable_agent(&world, &edit.email)?;
        let role = world.agents[index].role_id.clone();
        validate_agent_fields(&role, &edit.phone, edit.max_accept)?;
        let agent = &mut world.agents[index];
        agent.nick = edit.nick;
        agent.name = edit.name;
        agent.phone = edit.phone;
        agent.max_count = edit.max_accept as usize;
        Ok(Value::Null)
    })
}

/// `POST /tenantpro/open/deleteServiceInfoConfim`
pub async fn delete_agent(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    tenant_change(&state, &headers, &body, "成功", |params| {
        let customer_code = required(params, "customerCode")?;
        let email = required(params, "email")?;
        let tenant = tenant_of(&state, &customer_code)?;
        let mut world = lock(&tenant);
        let index = editable_agent(&world, &email)?;
        world.remove_agent(index);
        Ok(Value::Null)
    })
}

fn valid_date(date: &str) -> bool {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
}

/// `POST /tenantpro/tenantReport/tenantExportData` (type 7 会话统计, 8 响应时间统计).
pub async fn tenant_export_data(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (params, union) = match signed_report_request(&state, &headers, &body, "unionCode") {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    let task_type = str_param(&params, "type").unwrap_or_default();
    if task_type != "7" && task_type != "8" {
        return report_error("999999", "type 只能为 7（会话统计）或 8（响应时间统计）");
    }
    let date = str_param(&params, "date").unwrap_or_default();
    if !valid_date(&date) {
        return report_error("400005", "时间格式不正确");
    }
    let file_path = format!(
        "{}/__sandbox/exports/{task_type}-{date}.csv",
        state.base_url
    );
    Json(json!({
        "item": {"filePath": file_path, "unionCode": union.code, "createTime": now_ms().to_string(),
                 "resultDate": date, "taskType": task_type, "description": ""},
        "ret_code": OK_REPORT, "ret_msg": "成功",
    }))
    .into_response()
}

/// The file `tenantExportData` points at: one CSV row per agent of every tenant for the day.
pub async fn export_file(
    State(state): State<Arc<SandboxState>>,
    Path(name): Path<String>,
) -> Response {
    let Some((task_type, date)) = name
        .strip_suffix(".csv")
        .and_then(|n| n.split_once('-'))
        .filter(|(t, d)| (*t == "7" || *t == "8") && valid_date(d))
    else {
        return (axum::http::StatusCode::NOT_FOUND, "no such export").into_response();
    };
    // Names may hold commas and quotes: written as real CSV (quoted where needed).
    let mut csv = csv::Writer::from_writer(Vec::new());
    let header: &[&str] = if task_type == "7" {
        &[
            "companyId",
            "companyName",
            "staffId",
            "staffName",
            "sessions",
            "ended",
            "rated",
        ]
    } else {
        &[
            "companyId",
            "companyName",
            "staffId",
            "staffName",
            "firstResponses",
            "avgFirstResponseSeconds",
        ]
    };
    let mut records = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for tenant in state.tenants() {
        let world = lock(&tenant);
        let mut all = staff_figures(&world, date, date);
        for (index, agent) in world.staff() {
            let stats = all.remove(&index).unwrap_or_default();
            let mut record = vec![
                world.company_id.clone(),
                world.profile.company_name.clone(),
                agent.id.clone(),
                agent.name.clone(),
            ];
            if task_type == "7" {
                record.extend([stats.sessions, stats.ended, stats.rated].map(|n| n.to_string()));
            } else {
                record.push(stats.first_responses.to_string());
                record.push(format!("{:.1}", stats.average_first_response_s));
            }
            records.push(record);
        }
    }
    for record in records {
        if let Err(error) = csv.write_record(&record) {
            return (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                error.to_string(),
            )
                .into_response();
        }
    }
    let csv = String::from_utf8(csv.into_inner().unwrap_or_default()).unwrap_or_default();
    (
        [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        csv,
    )
        .into_response()
}

#[derive(Default)]
struct StaffFigures {
    sessions: usize,
    ended: usize,
    rated: usize,
    first_responses: usize,
    within_60s: usize,
    average_first_response_s: f64,
}

/// Every agent's figures (by index) over sessions started between two `yyyy-MM-dd` dates (China
/// time), the seeded month and the live sessions alike, in one pass.
fn staff_figures(
    world: &World,
    start: &str,
    end: &str,
) -> std::collections::HashMap<usize, StaffFigures> {
    let mut figures: std::collections::HashMap<usize, StaffFigures> =
        std::collections::HashMap::new();
    let mut response_ms: std::collections::HashMap<usize, i64> = std::collections::HashMap::new();
    let Some((from_ms, to_ms)) = crate::history::china_days_ms(start, end) else {
        return figures;
    };
    for session in world.served_sessions() {
        if session.started_ms < from_ms || session.started_ms >= to_ms {
            continue;
        }
        let agent = figures.entry(session.agent).or_default();
        agent.sessions += 1;
        if session.ended {
            agent.ended += 1;
        }
        if session.rating.is_some() {
            agent.rated += 1;
        }
        if let Some(waited) = session.first_response_ms {
            agent.first_responses += 1;
            *response_ms.entry(session.agent).or_default() += waited;
            if waited <= 60_000 {
                agent.within_60s += 1;
            }
        }
    }
    for (agent, total) in response_ms {
        if let Some(f) = figures.get_mut(&agent) {
            f.average_first_response_s = total as f64 / f.first_responses.max(1) as f64 / 1000.0;
        }
    }
    figures
}

/// `POST /tenantpro/getBatchAppKey`
pub async fn get_batch_app_key(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (_, union) = match signed_report_request(&state, &headers, &body, "unionCode") {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    let data: Vec<Value> = state
        .tenants()
        .iter()
        .map(|t| {
            let w = lock(t);
            json!({"appId": w.appid, "appKey": w.app_key, "companyId": w.company_id,
                   "companyName": w.profile.company_name})
        })
        .collect();
    let mut answer = Map::new();
    answer.insert(
        union.code,
        json!({"data": data, "time": china_time(now_ms())}),
    );
    answer.insert("retCode".into(), json!(OK_REPORT));
    answer.insert("retMsg".into(), json!("操作成功"));
    Json(Value::Object(answer)).into_response()
}

/// `GET /tenantpro/coutomer/getStaffLogInfos` (the path's spelling is the platform's). At most one
/// week, by the document's four rules.
pub async fn get_staff_log_infos(
    State(state): State<Arc<SandboxState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query_map(query.as_deref());
    let union = union(&state);
    let get = |key: &str| query.get(key).filter(|v| !v.trim().is_empty()).cloned();
    let (Some(code), Some(ts), Some(token)) = (get("unionCode"), get("ts"), get("token")) else {
        return refusal("999999", "参数不能为空").into_response();
    };
    if code != union.code {
        return refusal("999999", "unionCode 不存在").into_response();
    }
    if !fresh_ts(&ts) || !token.eq_ignore_ascii_case(&union_sign(&code, &ts, &union.key)) {
        return refusal("900003", "token 校验失败").into_response();
    }
    let parse = |key: &str| match get(key) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| ()),
    };
    let (Ok(start), Ok(end)) = (parse("startTime"), parse("endTime")) else {
        return refusal("400005", "时间格式不正确").into_response();
    };
    let (start, end) = staff_log_window(start, end, now_ms());
    let items: Vec<Value> = state
        .tenants()
        .iter()
        .map(|t| {
            let w = lock(t);
            let staff: Vec<Value> = w
                .staff()
                .map(|(_, a)| {
                    let logs: Vec<Value> = a
                        .status_log
                        .iter()
                        .filter(|(at, _, _)| *at >= start && *at <= end)
                        .map(|(at, source, action)| {
                            json!({"datetime": at, "datetimeFormat": china_time(*at),
                                   "source": source, "operationAction": action})
                        })
                        .collect();
                    json!({"staffId": a.id, "staffLogInfos": logs})
                })
                .collect();
            json!({"companyId": w.company_id, "companyStaffInfos": staff})
        })
        .collect();
    Json(json!({"items": items, "retCode": OK_TENANT, "retMsg": "成功"})).into_response()
}

/// The document's four rules for `startTime` / `endTime`, each window at most one week.
pub fn staff_log_window(start: Option<i64>, end: Option<i64>, now: i64) -> (i64, i64) {
    match (start, end) {
        (Some(start), Some(end)) if end - start > WEEK_MS => (end - WEEK_MS, end),
        (Some(start), Some(end)) => (start, end),
        (None, None) => (now - WEEK_MS, now),
        (Some(start), None) => (start, start + WEEK_MS),
        (None, Some(end)) => (end - WEEK_MS, end),
    }
}

/// `POST /chat-third/tenant/5/user/chatIndexPage`: a customer's conversations across tenants.
/// Answers `status` 1 ok, 2 bad parameters, 3 unionCode, 4 over 20 calls a minute, 5 token.
pub async fn chat_index_page(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let status = |code: i64| Json(json!({"items": [], "status": code})).into_response();
    let Ok(params) = params(&headers, &body) else {
        return status(2);
    };
    let get = |key: &str| str_param(&params, key).filter(|v| !v.trim().is_empty());
    let (Some(code), Some(partner), Some(ts), Some(token)) =
        (get("union_code"), get("partnerId"), get("ts"), get("token"))
    else {
        return status(2);
    };
    let union = union(&state);
    if code != union.code {
        return status(3);
    }
    {
        let mut calls = state
            .chat_index_calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let recent = calls.entry(code.clone()).or_default();
        let now = Instant::now();
        while recent
            .front()
            .is_some_and(|at| now.duration_since(*at).as_secs() >= 60)
        {
            recent.pop_front();
        }
        if recent.len() >= CHAT_INDEX_PER_MINUTE {
            return status(4);
        }
        recent.push_back(now);
    }
    let expected = chat_index_token(&code, &partner, &ts, &union.key);
    if !token.eq_ignore_ascii_case(&expected) || !fresh_ts(&ts) {
        return status(5);
    }
    let mut items = Vec::new();
    for tenant in state.tenants() {
        let world = lock(&tenant);
        let Some(session) = world
            .sessions
            .values()
            .filter(|s| s.partnerid == partner)
            .max_by_key(|s| s.started_ms)
        else {
            continue;
        };
        let last = session.records.last();
        let last_type = last.and_then(|r| r.msg_type).unwrap_or(0);
        items.push(json!({
            "unionCode": code, "sysNum": world.company_id, "companyName": world.profile.company_name,
            "companyLogo": world.profile.icon, "visitorId": session.uid, "partnerId": partner,
            "lastCid": session.cid,
            "lastMsgContent": if last_type == 0 { last.and_then(|r| r.content.clone()).unwrap_or_default() } else { String::new() },
            "lastMsgTime": last.and_then(|r| r.t).unwrap_or(session.started_ms),
            "lastMsgType": last_type, "unReadNum": 0,
        }));
    }
    Json(json!({"items": items, "status": 1})).into_response()
}

/// `POST /tenantpro/tenantReport/tenantStaffJobList`: every agent's figures over a date range.
pub async fn tenant_staff_job_list(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match signed_report_request(&state, &headers, &body, "union_code") {
        Ok((params, _)) => params,
        Err(refusal) => return *refusal,
    };
    let start = str_param(&params, "start_date").unwrap_or_default();
    let end = str_param(&params, "end_date").unwrap_or_default();
    if !valid_date(&start) || !valid_date(&end) {
        return report_error("400005", "时间格式不正确");
    }
    if end < start {
        return report_error("400002", "创建结束时间不能小于创建开始时间");
    }
    let mut items = Vec::new();
    for tenant in state.tenants() {
        let world = lock(&tenant);
        let mut all = staff_figures(&world, &start, &end);
        for (index, agent) in world.staff() {
            let f = all.remove(&index).unwrap_or_default();
            let rate = (f.within_60s * 100)
                .checked_div(f.first_responses)
                .unwrap_or(0);
            items.push(json!({
                "staffid": agent.id, "companyid": world.company_id,
                "first_response_time_set": f.first_responses, "transfer_first_response_count": 0,
                "session_human_visitor_consult": f.sessions,
                "first_response_in60s_rate": format!("{rate:02}%"),
            }));
        }
    }
    Json(json!({"items": items, "retCode": OK_REPORT, "retMsg": "成功"})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_log_windows_follow_the_four_documented_rules() {
        let day = 24 * 3600 * 1000;
        let now = 100 * day;
        // 1) both given, longer than a week: a week back from the end.
        assert_eq!(
            staff_log_window(Some(0), Some(30 * day), now),
            (23 * day, 30 * day)
        );
        assert_eq!(
            staff_log_window(Some(day), Some(3 * day), now),
            (day, 3 * day)
        );
        // 2) neither: the week up to now.
        assert_eq!(staff_log_window(None, None, now), (93 * day, now));
        // 3) only the start: a week forward.
        assert_eq!(staff_log_window(Some(day), None, now), (day, 8 * day));
        // 4) only the end: a week back.
        assert_eq!(
            staff_log_window(None, Some(10 * day), now),
            (3 * day, 10 * day)
        );
    }
}
