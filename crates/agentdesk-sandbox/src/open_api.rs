//! Open Platform 5.0: `get_token`, the visitor-side 在线客服 API (the enterprise server acting as the
//! customer), and the knowledge base (`search_doc_list`, `query_doc_detail`). Paths, fields and
//! codes follow the protocol reference §1.2, §1.4 and §1.7.

use std::sync::Arc;

use agentdesk_sobot::protocol::sign::open_platform_sign;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::wire::{china_time, int_param, open_err, open_ok, params, query_map, str_param};
use crate::world::{OpError, World};
use crate::SandboxState;

pub async fn get_token(
    State(state): State<Arc<SandboxState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query_map(query.as_deref());
    let (Some(appid), Some(create_time), Some(sign)) = (
        query.get("appid"),
        query.get("create_time"),
        query.get("sign"),
    ) else {
        return open_err("400004", "请求参数不能为空");
    };
    let Some(tenant) = state.tenant_by_appid(appid) else {
        return open_err("900004", "没有找到公司的api配置信息!");
    };
    let mut world = crate::lock(&tenant);
    if !create_time.chars().all(|c| c.is_ascii_digit()) || create_time.is_empty() {
        return open_err("400005", "时间格式不正确");
    }
    if sign != &open_platform_sign(appid, create_time, &world.app_key) {
        return open_err("900003", "signature错误");
    }
    let token = world.issue_token(appid);
    let expires_in = world.token_lifetime.as_secs().to_string();
    open_ok(json!({"token": token, "expires_in": expires_in}))
}

fn token_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("token").and_then(|v| v.to_str().ok())
}

/// An open-platform request whose company token checked out: its parameters and the tenant the token
/// belongs to. Extracting it answers the documented refusal instead (a body that is not JSON, a bad
/// or expired token).
pub(crate) struct OpenRequest {
    pub params: Map<String, Value>,
    pub tenant: crate::Tenant,
}

impl FromRequest<Arc<SandboxState>> for OpenRequest {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<SandboxState>) -> Result<Self, Response> {
        let headers = request.headers().clone();
        // A body over the router's limit keeps axum's own answer (413), as before any extractor.
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let params = params(&headers, &body).map_err(|message| open_err("400004", &message))?;
        let token = token_header(&headers);
        let tenant = state.tenant_by_token(token);
        if let Err((code, message)) = crate::lock(&tenant).check_token(token) {
            return Err(open_err(code, message));
        }
        Ok(OpenRequest { params, tenant })
    }
}

pub async fn visitor_op(
    Path(op): Path<String>,
    OpenRequest { params, tenant }: OpenRequest,
) -> Response {
    let mut world = crate::lock(&tenant);
    let result = match op.as_str() {
        "chat_connect" => chat_connect(&mut world, &params),
        "chat_send" => chat_send(&mut world, &params),
        "comment" => comment(&mut world, &params),
        "out" => visitor_out(&mut world, &params),
        "get_detail_by_cid" => get_detail_by_cid(&world, &params),
        "query_cids" => return query_cids(&world, &params),
        _ => return open_err("999999", &format!("未知接口: {op}")),
    };
    match result {
        Ok(item) => open_ok(item),
        Err(OpError::Code(code, message)) => open_err(code, &message),
    }
}

fn required(params: &Map<String, Value>, key: &'static str) -> Result<String, OpError> {
    str_param(params, key)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OpError::Code("400004", format!("请求参数不能为空: {key}")))
}

fn chat_connect(world: &mut World, params: &Map<String, Value>) -> Result<Value, OpError> {
    let partnerid = required(params, "partnerid")?;
    let name = str_param(params, "user_name")
        .or_else(|| str_param(params, "user_nick"))
        .unwrap_or_else(|| partnerid.clone());
    let source = int_param(params, "source").unwrap_or(0);
    let forced = match (str_param(params, "agentid"), int_param(params, "tran_flag")) {
        (Some(agentid), Some(1)) => Some(
            world
                .agents
                .iter()
                .position(|a| a.id == agentid)
                .ok_or_else(|| OpError::Code("400007", "操作坐席ID不正确".into()))?,
        ),
        _ => None,
    };
    if forced.is_none()
        && !world.any_agent_online()
        && !world.active_by_partner.contains_key(&partnerid)
    {
        return Ok(json!({"status": 2}));
    }
    let phone = str_param(params, "user_tels");
    let (status, cid, position) =
        world.connect_visitor(&partnerid, &name, phone, source, forced, None);
    let session = &world.sessions[&cid];
    let agent = session.agent.map(|i| &world.agents[i]);
    Ok(json!({
        "status": status,
        "cid": cid,
        "visitorid": session.uid,
        "agentid": agent.map(|a| a.id.clone()),
        "agent_name": agent.map(|a| a.name.clone()),
        "agent_face": "",
        "count": position,
    }))
}

fn chat_send(world: &mut World, params: &Map<String, Value>) -> Result<Value, OpError> {
    let partnerid = required(params, "partnerid")?;
    let content = required(params, "content")?;
    let msg_type = match str_param(params, "msg_type").as_deref() {
        None | Some("text") => 0,
        Some("image") => 1,
        Some("voice") => 2,
        Some("video") => 23,
        Some(other) => {
            return Err(OpError::Code(
                "400004",
                format!("不支持的 msg_type: {other}"),
            ))
        }
    };
    let Some(cid) = world.active_by_partner.get(&partnerid).cloned() else {
        return Ok(json!({"status": 2}));
    };
    world.visitor_message(&cid, &content, msg_type)?;
    Ok(json!({"status": 1}))
}

fn comment(world: &mut World, params: &Map<String, Value>) -> Result<Value, OpError> {
    let partnerid = required(params, "partnerid")?;
    let score = int_param(params, "score").unwrap_or(0);
    if !(1..=5).contains(&score) {
        return Err(OpError::Code("400004", "score 必须为 1–5".into()));
    }
    let cid = world
        .session_order
        .iter()
        .rev()
        .find(|cid| world.sessions[*cid].partnerid == partnerid)
        .cloned();
    let Some(cid) = cid else {
        return Ok(json!({"status": 3}));
    };
    if world.sessions[&cid].rating.is_some() {
        return Ok(json!({"status": 2, "cid": cid}));
    }
    world.rate(&cid, score as u8)?;
    Ok(json!({"status": 1, "cid": cid}))
}

fn visitor_out(world: &mut World, params: &Map<String, Value>) -> Result<Value, OpError> {
    let partnerid = required(params, "partnerid")?;
    if let Some(cid) = world.active_by_partner.get(&partnerid).cloned() {
        world.end_session(&cid, true)?;
    }
    Ok(json!({"status": 1}))
}

fn get_detail_by_cid(world: &World, params: &Map<String, Value>) -> Result<Value, OpError> {
    let cid = required(params, "cid")?;
    let session = world
        .sessions
        .get(&cid)
        .ok_or_else(|| OpError::Code("200002", format!("会话不存在: {cid}")))?;
    let items: Vec<Value> = session
        .records
        .iter()
        .map(|r| {
            let t = r.t.unwrap_or(0);
            json!({
                "sender_name": r.sender_name,
                "sender_type": r.sender_type,
                "sender_face": "",
                "ts": china_time(t),
                "t": t.to_string(),
                "msg": r.content,
                // get_detail_by_cid: 0 text, 1 image, 2 audio, 3 rich text.
                "msg_type": match r.msg_type { Some(1) => 1, Some(2) => 2, Some(0) | None => 0, _ => 3 },
                "cid": cid,
            })
        })
        .collect();
    // The list under `item` (php `Items[] $item`).
    Ok(json!(items))
}

fn query_cids(world: &World, params: &Map<String, Value>) -> Response {
    let visitorid = str_param(params, "visitorid");
    let partnerid = str_param(params, "partnerid");
    if visitorid.is_none() && partnerid.is_none() {
        return open_err("400004", "请求参数不能为空: visitorid 或 partnerid");
    }
    let items = world
        .session_order
        .iter()
        .map(|cid| &world.sessions[cid])
        .filter(|s| visitorid.as_ref() == Some(&s.uid) || partnerid.as_ref() == Some(&s.partnerid))
        .map(|s| json!({"cid": s.cid, "start_date_time": s.started_ms, "visitorid": s.uid}))
        .collect::<Vec<_>>();
    // The list under `item` (php `Items[] $item`).
    open_ok(json!(items))
}

/// Page size of `search_doc_list` (the documents give no page-size parameter). [inv]
const DOC_PAGE_SIZE: usize = 50;

pub async fn robot_op(
    Path(op): Path<String>,
    OpenRequest { params, tenant }: OpenRequest,
) -> Response {
    let world = crate::lock(&tenant);
    match op.as_str() {
        "search_doc_list" => {
            let key_words = str_param(&params, "key_words")
                .unwrap_or_default()
                .to_lowercase();
            let key_flag = int_param(&params, "key_flag").unwrap_or(1);
            let page_no = int_param(&params, "page_no").unwrap_or(1).max(1) as usize;
            // [inv] `update_start_date` / `update_end_date` are "yyyy-MM-dd" China days, inclusive.
            let day = |key: &str| -> Result<Option<String>, String> {
                match str_param(&params, key) {
                    None => Ok(None),
                    Some(text) if chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").is_ok() => {
                        Ok(Some(text))
                    }
                    Some(text) => Err(format!("{key} 格式错误: {text}")),
                }
            };
            let (from, to) = match (day("update_start_date"), day("update_end_date")) {
                (Ok(from), Ok(to)) => (from, to),
                (Err(message), _) | (_, Err(message)) => return open_err("400005", &message),
            };
            let matching: Vec<&crate::seed::KbArticle> = world
                .kb
                .iter()
                .filter(|a| {
                    let updated = china_time(a.update_time);
                    from.as_ref().is_none_or(|f| updated[..10] >= f[..])
                        && to.as_ref().is_none_or(|t| updated[..10] <= t[..])
                })
                .filter(|a| {
                    key_words.is_empty()
                        || if key_flag == 2 {
                            &a.answer_txt
                        } else {
                            &a.question_title
                        }
                        .to_lowercase()
                        .contains(&key_words)
                })
                .collect();
            let items: Vec<Value> = matching
                .iter()
                .skip((page_no - 1) * DOC_PAGE_SIZE)
                .take(DOC_PAGE_SIZE)
                .map(|a| doc_item(a, &world.company_id, false))
                .collect();
            let total = matching.len();
            // The list and its paging beside the envelope, all text (fact sheet §4).
            Json(json!({
                "ret_code": "000000", "ret_msg": "操作成功", "items": items,
                "page_count": total.div_ceil(DOC_PAGE_SIZE).to_string(),
                "page_no": page_no.to_string(), "page_size": DOC_PAGE_SIZE.to_string(),
                "total_count": total.to_string(),
            }))
            .into_response()
        }
        "query_doc_detail" => {
            let Some(docid) = str_param(&params, "docid") else {
                return open_err("400004", "请求参数不能为空: docid");
            };
            match world.kb.iter().find(|a| a.docid == docid) {
                Some(article) => open_ok(doc_item(article, &world.company_id, true)),
                None => open_err("200002", "词条不存在"),
            }
        }
        _ => open_err("999999", &format!("未知接口: {op}")),
    }
}

fn doc_item(a: &crate::seed::KbArticle, company_id: &str, detail: bool) -> Value {
    let mut item = json!({
        "docid": a.docid, "questionid": a.questionid, "question_title": a.question_title,
        "question_typeid": a.question_typeid, "question_type_name": a.question_type_name,
        "all_type_name": a.question_type_name, "answerid": a.answerid, "answer_desc": a.answer_desc,
        "answer_txt": a.answer_txt, "answer_img": "", "answer_flag": "1", "match_flag": "0",
        "used_flag": "0", "audit_status": "1", "effect_time": "", "invalid_time": "", "robot_flag": "0",
        "smail_question_num": a.similar_questions.len().to_string(),
        "update_time": china_time(a.update_time), "updateid": "sandbox", "companyid": company_id,
        "link_flag": "0",
    });
    if detail {
        item["link_question_list"] = json!([]);
        item["answer_summary"] = json!(a.answer_txt.chars().take(60).collect::<String>());
        item["create_time"] = json!(china_time(a.update_time));
    }
    item
}

/// 客户中心 (reference §1.11): `GET /api/crm/5/user/{op}` with header `token`. The tenant's
/// customers are its visitors, one per partner id (their latest session's name and phone).
pub async fn customer_center(
    State(state): State<Arc<SandboxState>>,
    Path(op): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query_map(query.as_deref());
    let tenant = state.tenant_by_token(token_header(&headers));
    let world = crate::lock(&tenant);
    if let Err((code, message)) = world.check_token(token_header(&headers)) {
        return open_err(code, message);
    }
    let (key, wanted) = match op.as_str() {
        "get_user_by_partnerid" => ("partnerid", query.get("partnerid")),
        "get_user_by_tel" => ("user_tels", query.get("user_tels")),
        "get_user_by_email" => ("user_emails", query.get("user_emails")),
        _ => return open_err("999999", &format!("未知接口: {op}")),
    };
    let Some(wanted) = wanted.filter(|v| !v.is_empty()) else {
        return open_err("400004", &format!("请求参数不能为空: {key}"));
    };
    if key == "user_tels" && wanted.contains(',') {
        return open_err("400004", "user_tels 只能传一个手机号");
    }
    let latest = world
        .sessions
        .values()
        .filter(|s| match key {
            "partnerid" => &s.partnerid == wanted,
            "user_tels" => s.phone.as_ref() == Some(wanted),
            _ => customer_email(&s.partnerid) == *wanted,
        })
        .max_by_key(|s| s.started_ms);
    match latest {
        // [INV] Success without `item` when there is no such customer.
        None => open_ok(Value::Null),
        Some(s) => open_ok(customer_record(&world, s)),
    }
}

/// A stable e-mail address per simulated customer.
fn customer_email(partnerid: &str) -> String {
    format!("{partnerid}@customers.sandbox.agentdesk.test")
}

/// The customer center's `item` (php `Users/*/Response/Item.php`), `user_label` comma-separated
/// [inv] and `vip_level` 0–3 [inv].
fn customer_record(world: &World, s: &crate::world::SandboxSession) -> Value {
    let visits = world
        .sessions
        .values()
        .filter(|other| other.partnerid == s.partnerid)
        .count();
    let pick = s
        .partnerid
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    let mut labels = vec![if visits > 1 {
        "回头客"
    } else {
        "首次咨询"
    }];
    if pick % 3 == 0 {
        labels.push("VIP");
    }
    let vip = pick % 4;
    json!({
        "userid": s.uid, "user_nick": s.visitor_name, "companyid": world.company_id,
        "user_name": s.visitor_name, "user_emails": customer_email(&s.partnerid),
        "user_tels": s.phone.clone().unwrap_or_default(), "vip_level": vip.to_string(),
        "partnerid": s.partnerid, "enterpriseid": "", "enterprise_name": "", "create_agentid": "",
        "update_agentid": "", "remark": "", "create_datetime": china_time(s.started_ms),
        "user_label": labels.join(","), "user_level": i64::from(vip > 0), "user_status": 0,
        "extend_field_values": [],
    })
}
