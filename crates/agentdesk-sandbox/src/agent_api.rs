//! The agent component SDK's operations (`/chat-admin-sdk/new/sdk/v1/<op>`, reference §1b): form
//! bodies (multipart for `send` with a file), the `temp-id` header, `{retCode, retMsg, data}`
//! envelopes, and `999998` when the login behind a temp-id is gone.

use std::sync::Arc;

use agentdesk_sobot::protocol::{agent_status, PUSH_PATH};
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::http::{agent_err, agent_ok, int_param, params, str_param};
use crate::world::{OpError, SessionPhase, World};
use crate::SandboxState;

pub async fn agent_op(
    State(state): State<Arc<SandboxState>>,
    Path(op): Path<String>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let is_multipart = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (params, file) = if is_multipart {
        match read_multipart(request).await {
            Ok(parts) => parts,
            Err(message) => return agent_err("400004", &message),
        }
    } else {
        let body = match Bytes::from_request(request, &()).await {
            Ok(body) => body,
            Err(_) => return agent_err("400004", "请求体读取失败"),
        };
        match params(&headers, &body) {
            Ok(params) => (params, None),
            Err(message) => return agent_err("400004", &message),
        }
    };
    if op == "login" {
        let tenant = state.tenant_by_token(str_param(&params, "token").as_deref());
        let mut world = crate::lock(&tenant);
        return login(&mut world, &state.base_url, &params);
    }
    let temp_id = headers.get("temp-id").and_then(|v| v.to_str().ok());
    let tenant = state.tenant_by_temp_id(temp_id);
    let mut world = crate::lock(&tenant);
    let Some(agent) = world.agent_by_temp_id(temp_id) else {
        return agent_err("999998", "登录已失效，请重新登录");
    };
    let result = match op.as_str() {
        "online" => {
            world.set_status(agent, agent_status::ONLINE);
            Ok(json!({"status": 1}))
        }
        "busy" => match int_param(&params, "statusCode").unwrap_or(2) {
            code @ 2..=7 => {
                world.set_status(agent, code);
                Ok(json!({"status": 2, "statusCode": code}))
            }
            code => Err(OpError::Code(
                "400004",
                format!("statusCode 必须为 2–7: {code}"),
            )),
        },
        "getServiceStatus" => Ok(json!({"status": world.agents[agent].status})),
        "out" => {
            world.logout(agent);
            Ok(json!({}))
        }
        "synChronous" => Ok(synchronous(&world, agent)),
        "queryWaitUser" => Ok(query_wait_user(&world, &params)),
        "getHistoryChat" | "syncMessages" => sync_messages(&world, agent, &params),
        "send" => send(&mut world, agent, &params, file),
        "revokeMsg" => revoke(&mut world, agent, &params),
        "transfer" => {
            let cid = str_param(&params, "cid").unwrap_or_default();
            let join_id = str_param(&params, "joinId").unwrap_or_default();
            match world.agents.iter().position(|a| a.id == join_id) {
                Some(to) => world
                    .transfer(&cid, agent, Some(to), None)
                    .map(|_| json!({})),
                None => Err(OpError::Code("400007", "操作坐席ID不正确".into())),
            }
        }
        "transferToGroup" => {
            let cid = str_param(&params, "cid").unwrap_or_default();
            let group = str_param(&params, "groupId").unwrap_or_default();
            world
                .transfer(&cid, agent, None, Some(&group))
                .map(|_| json!({}))
        }
        "leave" => {
            let cid = str_param(&params, "cid").unwrap_or_default();
            owned_session(&world, agent, &cid)
                .and_then(|_| world.end_session(&cid, false).map(|_| json!({})))
        }
        "summarySubmit" => {
            let cid = str_param(&params, "cid").unwrap_or_default();
            owned_or_past_session(&world, agent, &cid).map(|_| {
                if let Some(session) = world.sessions.get_mut(&cid) {
                    session.summary = Some(Value::Object(params.clone()));
                }
                json!({})
            })
        }
        "reComment" => {
            let cid = str_param(&params, "cid").unwrap_or_default();
            owned_session(&world, agent, &cid).map(|_| {
                if let Some(sim) = world
                    .sessions
                    .get_mut(&cid)
                    .and_then(|s| s.simulated.as_mut())
                {
                    sim.invited_to_rate = true;
                }
                json!({})
            })
        }
        "queryTransferGroup" => Ok(json!(crate::seed::GROUPS
            .iter()
            .map(|(id, name)| json!({"groupId": id, "groupName": name}))
            .collect::<Vec<_>>())),
        "getUserInfo" => {
            let uid = str_param(&params, "uid").unwrap_or_default();
            match world
                .sessions
                .values()
                .filter(|s| s.uid == uid)
                .max_by_key(|s| s.started_ms)
            {
                Some(s) => Ok(json!({
                    "uid": s.uid, "uname": s.visitor_name, "partnerId": s.partnerid,
                    "tel": s.phone.clone().unwrap_or_default(), "email": "", "source": s.source,
                })),
                None => Err(OpError::Code("200002", format!("访客不存在: {uid}"))),
            }
        }
        "getOtherAdmins" => Ok(json!(world
            .staff()
            .filter(|(i, _)| *i != agent)
            .map(|(_, a)| json!({
                "id": a.id, "name": a.name, "status": a.status, "groupId": a.group_id,
                "email": a.email, "nick": a.nick, "roleId": a.role_id, "phoneNo": a.phone,
                "maxAcceptNum": a.max_count, "activated": a.activated,
            }))
            .collect::<Vec<_>>())),
        _ => return agent_err("999999", &format!("未知接口: {op}")),
    };
    match result {
        Ok(data) => agent_ok(data),
        Err(OpError::Code(code, message)) => agent_err(code, &message),
    }
}

async fn read_multipart(
    request: Request,
) -> Result<(Map<String, Value>, Option<(String, String, Vec<u8>)>), String> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| format!("multipart: {e}"))?;
    let mut params = Map::new();
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| format!("multipart: {e}"))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if field.file_name().is_some() {
            let file_name = field.file_name().unwrap_or("file").to_string();
            let mime = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| format!("multipart file: {e}"))?;
            file = Some((file_name, mime, bytes.to_vec()));
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| format!("multipart field {name}: {e}"))?;
            params.insert(name, Value::String(text));
        }
    }
    Ok((params, file))
}

fn login(world: &mut World, base_url: &str, params: &Map<String, Value>) -> Response {
    if let Err((code, message)) = world.check_token(str_param(params, "token").as_deref()) {
        return agent_err(code, message);
    }
    let email = str_param(params, "email").unwrap_or_default();
    let Some(index) = world
        .agents
        .iter()
        .position(|a| !a.deleted && a.email.eq_ignore_ascii_case(&email))
    else {
        return agent_err("200001", "客服账号不存在");
    };
    if let Some(password) = str_param(params, "password") {
        if password != world.agents[index].password {
            return agent_err("200008", "账号或密码错误");
        }
    }
    if !world.profile.enabled {
        return agent_err("200009", "商户已停用");
    }
    let status = int_param(params, "loginStatus").unwrap_or(-1);
    let temp_id = world.login(index, status);
    let agent = &world.agents[index];
    let ws = format!("{}{PUSH_PATH}", base_url.replacen("http", "ws", 1));
    agent_ok(json!({
        "tempId": temp_id, "nickName": agent.name, "staffName": agent.name,
        "maxServiceCount": agent.max_count, "blackFunction": 1, "transferFunction": 1, "face": "",
        "status": agent.status, "companyId": world.company_id, "rongyunId": "", "appKey": "",
        "sid": temp_id, "pu": "", "puid": agent.puid, "token": "", "imFlag": 0, "cusRoleId": "2",
        "cusRoleName": "客服", "aid": agent.id, "topFlag": 0, "sortFlag": 0, "centerNumber": "",
        "transferAuditFlag": 0, "auditFlag": 0, "wslinkBak": [], "wslinkDefault": ws, "robots": [],
    }))
}

fn owned_session(world: &World, agent: usize, cid: &str) -> Result<(), OpError> {
    match world.sessions.get(cid) {
        Some(s) if s.agent == Some(agent) && s.phase == SessionPhase::Active => Ok(()),
        Some(_) => Err(OpError::Code("200004", "该会话不属于当前客服".into())),
        None => Err(OpError::Code("200002", format!("会话不存在: {cid}"))),
    }
}

fn owned_or_past_session(world: &World, agent: usize, cid: &str) -> Result<(), OpError> {
    match world.sessions.get(cid) {
        Some(s) if s.agent == Some(agent) => Ok(()),
        Some(_) => Err(OpError::Code("200004", "该会话不属于当前客服".into())),
        None => Err(OpError::Code("200002", format!("会话不存在: {cid}"))),
    }
}

fn reception_item(session: &crate::world::SandboxSession) -> Value {
    let last = session.records.last();
    json!({
        "cid": session.cid, "uid": session.uid, "uname": session.visitor_name, "usource": session.source,
        "isOnline": 1, "lastMsg": last.and_then(|r| r.content.clone()), "lastMsgTime": last.and_then(|r| r.t),
        "acceptTimeOrder": session.started_ms, "lastSeq": session.last_seq(),
    })
}

fn synchronous(world: &World, agent: usize) -> Value {
    Value::Array(
        world
            .session_order
            .iter()
            .map(|cid| &world.sessions[cid])
            .filter(|s| s.agent == Some(agent) && s.phase == SessionPhase::Active)
            .map(reception_item)
            .collect(),
    )
}

fn query_wait_user(world: &World, params: &Map<String, Value>) -> Value {
    let page = int_param(params, "pageNum").unwrap_or(1).max(1) as usize;
    let size = int_param(params, "pageSize").unwrap_or(20).clamp(1, 100) as usize;
    let list: Vec<Value> = world
        .queue
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .filter_map(|cid| world.sessions.get(cid))
        .map(reception_item)
        .collect();
    json!({"total": world.queue.len(), "list": list})
}

fn sync_messages(
    world: &World,
    agent: usize,
    params: &Map<String, Value>,
) -> Result<Value, OpError> {
    let cid = str_param(params, "cid").unwrap_or_default();
    owned_or_past_session(world, agent, &cid)?;
    let after = int_param(params, "afterSeq").unwrap_or(0).max(0) as u64;
    Ok(json!(world.records_after(&cid, after)))
}

fn send(
    world: &mut World,
    agent: usize,
    params: &Map<String, Value>,
    file: Option<(String, String, Vec<u8>)>,
) -> Result<Value, OpError> {
    let cid = str_param(params, "cid")
        .ok_or_else(|| OpError::Code("400004", "请求参数不能为空: cid".into()))?;
    let client_msg_id = str_param(params, "clientMsgId");
    let (content, msg_type) = match file {
        Some((file_name, mime, bytes)) => {
            let id = world.next_id("f");
            let msg_type = if mime.starts_with("image/") { 1 } else { 12 };
            world.files.insert(id.clone(), (mime, bytes));
            (format!("/__sandbox/files/{id}/{file_name}"), msg_type)
        }
        None => {
            let content = str_param(params, "content").unwrap_or_default();
            if content.is_empty() {
                return Err(OpError::Code("400004", "请求参数不能为空: content".into()));
            }
            (content, int_param(params, "msgType").unwrap_or(0))
        }
    };
    let receipt = world.agent_send(agent, &cid, &content, msg_type, client_msg_id.as_deref())?;
    serde_json::to_value(receipt).map_err(|e| OpError::Code("999999", e.to_string()))
}

fn revoke(world: &mut World, agent: usize, params: &Map<String, Value>) -> Result<Value, OpError> {
    let cid = str_param(params, "cid").unwrap_or_default();
    let msg_id = str_param(params, "msgId").unwrap_or_default();
    owned_session(world, agent, &cid)?;
    let agent_name = world.agents[agent].name.clone();
    let session = world
        .sessions
        .get_mut(&cid)
        .ok_or_else(|| OpError::Code("200002", "会话不存在".into()))?;
    let record = session
        .records
        .iter_mut()
        .find(|r| {
            r.msg_id.as_deref() == Some(msg_id.as_str())
                && r.sender_name.as_deref() == Some(agent_name.as_str())
        })
        .ok_or_else(|| OpError::Code("200005", "消息不存在或不可撤回".into()))?;
    // [INF] Revoking keeps the record's place in the sequence and replaces its content.
    record.content = Some(String::new());
    record.msg_type = Some(-1);
    Ok(json!({}))
}
