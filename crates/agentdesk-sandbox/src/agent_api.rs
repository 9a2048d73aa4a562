//! The agent component SDK's operations (`/chat-admin-sdk/new/sdk/v1/<op>`, fact sheet §1): form
//! bodies (multipart for `send`, as the SDK always sends it), the `temp-id` header,
//! `{retCode, retMsg, data}` envelopes, and `999998` when the login behind a temp-id is gone. Answers
//! have the SDK models' shapes (`tests/fixtures/sobot/` holds one of each; a test checks them).

use std::sync::Arc;

use agentdesk_sobot::protocol::{agent_status, format_platform_time};
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::wire::{agent_err, agent_ok, int_param, params, str_param};
use crate::world::{OpError, SessionPhase, World};
use crate::SandboxState;

pub async fn agent_op(
    State(state): State<Arc<SandboxState>>,
    Path(op): Path<String>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let (params, file) = match read_form(&headers, request).await {
        Ok(form) => form,
        Err(message) => return agent_err("400004", &message),
    };
    if op == "login" {
        let tenant = state.tenant_by_token(str_param(&params, "token").as_deref());
        let mut world = crate::lock(&tenant);
        let push_address = state
            .push_redirect
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| state.push_address.clone());
        return login(&mut world, &push_address, &params);
    }
    let temp_id = headers.get("temp-id").and_then(|v| v.to_str().ok());
    let tenant = state.tenant_by_temp_id(temp_id);
    if op == "send" {
        // A slow session's send waits before the platform handles it, without holding the world.
        let cid = str_param(&params, "cid").unwrap_or_default();
        let delay_ms = crate::lock(&tenant).faults.send_delay_ms(&cid);
        if delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
    }
    let mut world = crate::lock(&tenant);
    let Some(agent) = world.agent_by_temp_id(temp_id) else {
        return agent_err("999998", "登录已失效，请重新登录");
    };
    let Some(result) = signed_in_op(&mut world, agent, &op, &params, file) else {
        return agent_err("999999", &format!("未知接口: {op}"));
    };
    match result {
        Ok(data) => agent_ok(data),
        Err(OpError::Code(code, message)) => agent_err(code, &message),
    }
}

/// An operation of a signed-in agent; None for one the SDK does not have. (One arm per operation,
/// each a line or a call: the table is as long as the SDK's list.)
fn signed_in_op(
    world: &mut World,
    agent: usize,
    op: &str,
    params: &Map<String, Value>,
    file: Option<(String, String, Vec<u8>)>,
) -> Option<Result<Value, OpError>> {
    let result = match op {
        "online" => {
            world.set_status(agent, agent_status::ONLINE);
            Ok(json!({"status": 1}))
        }
        "busy" => match int_param(params, "statusCode").unwrap_or(2) {
            code @ 2..=7 => {
                world.set_status(agent, code);
                Ok(json!({}))
            }
            code => Err(OpError::Code(
                "400004",
                format!("statusCode 不在客服状态字典中: {code}"),
            )),
        },
        "getServiceStatus" => Ok(service_statuses()),
        "out" => {
            world.logout(agent);
            Ok(json!({}))
        }
        "synChronous" => Ok(synchronous(world, agent)),
        "queryWaitUser" => Ok(query_wait_user(world, params)),
        "queryHistoryRecords" => {
            world.counters.history_queries += 1;
            history_records(world, agent, params)
        }
        "send" => send(world, agent, params, file),
        "revokeMsg" => revoke(world, agent, params),
        "transfer" => transfer_to_agent(world, agent, params),
        "transferToGroup" => {
            let cid = str_param(params, "cid").unwrap_or_default();
            let group = str_param(params, "groupId").unwrap_or_default();
            world
                .transfer(&cid, agent, None, Some(&group))
                .map(|_| json!({}))
        }
        "leave" => {
            let cid = str_param(params, "cid").unwrap_or_default();
            owned_session(world, agent, &cid)
                .and_then(|_| world.end_session(&cid, false).map(|_| json!({})))
        }
        "summarySubmit" => {
            let cid = str_param(params, "cid").unwrap_or_default();
            owned_or_past_session(world, agent, &cid).map(|_| {
                if let Some(session) = world.sessions.get_mut(&cid) {
                    session.summary = Some(Value::Object(params.clone()));
                }
                json!({})
            })
        }
        "reComment" => re_comment(world, agent, params),
        "queryTransferGroup" => Ok(transfer_groups(world)),
        "getUserInfo" => user_info(world, params),
        "getOtherAdmins" => Ok(other_admins(world, agent)),
        _ => return None,
    };
    Some(result)
}

/// The call's parameters, and the file part of a multipart `send`.
async fn read_form(
    headers: &axum::http::HeaderMap,
    request: Request,
) -> Result<(Map<String, Value>, Option<(String, String, Vec<u8>)>), String> {
    let is_multipart = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        return read_multipart(request).await;
    }
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|_| "请求体读取失败".to_string())?;
    Ok((params(headers, &body)?, None))
}

/// `reComment`: invites the customer to rate; the status says why not when it cannot (already
/// rated, ended, or the agent has not spoken yet).
fn re_comment(
    world: &mut World,
    agent: usize,
    params: &Map<String, Value>,
) -> Result<Value, OpError> {
    let cid = str_param(params, "cid").unwrap_or_default();
    owned_or_past_session(world, agent, &cid).map(|_| {
        let session = world.sessions.get_mut(&cid);
        let status = match session {
            Some(s) if s.rating.is_some() => "1",
            Some(s) if s.phase == SessionPhase::Ended => "5",
            Some(s) if !s.records.iter().any(|r| r.sender_type == Some(0)) => "3",
            Some(s) => {
                if let Some(sim) = s.simulated.as_mut() {
                    sim.invited_to_rate = true;
                }
                "0"
            }
            None => "4",
        };
        json!({"status": status})
    })
}

/// `transfer`: the session to another agent (`joinId`).
fn transfer_to_agent(
    world: &mut World,
    agent: usize,
    params: &Map<String, Value>,
) -> Result<Value, OpError> {
    let cid = str_param(params, "cid").unwrap_or_default();
    let join_id = str_param(params, "joinId").unwrap_or_default();
    match world.agents.iter().position(|a| a.id == join_id) {
        Some(to) => world
            .transfer(&cid, agent, Some(to), None)
            .map(|_| json!({})),
        None => Err(OpError::Code("400007", "操作坐席ID不正确".into())),
    }
}

/// `getUserInfo`: the visitor's latest session's details, in `UserInfoModel`'s shape.
fn user_info(world: &World, params: &Map<String, Value>) -> Result<Value, OpError> {
    let uid = str_param(params, "uid").unwrap_or_default();
    match world
        .sessions
        .values()
        .filter(|s| s.uid == uid)
        .max_by_key(|s| s.started_ms)
    {
        Some(s) => Ok(json!({
            "companyId": world.company_id, "userId": s.uid, "uname": s.visitor_name,
            "qq": "", "tel": s.phone.clone().unwrap_or_default(), "email": "", "remark": "",
            "os": "", "browser": "", "age": "", "partnerId": s.partnerid, "realname": "",
            "sex": "", "weibo": "", "weixin": "", "params": "", "customerId": "",
            "ismark": 0, "isblack": 0,
        })),
        None => Err(OpError::Code("200002", format!("访客不存在: {uid}"))),
    }
}

/// `queryTransferGroup`: the groups with how many of their agents are online.
fn transfer_groups(world: &World) -> Value {
    json!(crate::seed::GROUPS
        .iter()
        .map(|(id, name)| {
            let members: Vec<&crate::world::AgentAccount> = world
                .staff()
                .map(|(_, a)| a)
                .filter(|a| a.group_id == *id)
                .collect();
            let online = members
                .iter()
                .filter(|a| a.status == 1 && a.temp_id.is_some())
                .count();
            json!({"groupId": id, "groupName": name, "onlineNum": online, "freeNum": online})
        })
        .collect::<Vec<_>>())
}

/// `getOtherAdmins`: the tenant's other agents, with what each is serving.
fn other_admins(world: &World, agent: usize) -> Value {
    json!(world
        .staff()
        .filter(|(i, _)| *i != agent)
        .map(|(i, a)| {
            let group_name = crate::seed::GROUPS
                .iter()
                .find(|(id, _)| *id == a.group_id)
                .map(|(_, name)| *name)
                .unwrap_or_default();
            let serving = world
                .sessions
                .values()
                .filter(|s| s.agent == Some(i) && s.phase == SessionPhase::Active)
                .count();
            // OnLineServiceModel's fields, then [inv] the tenant API's agent fields a
            // supervisor's agent list shows (docs/PROTOCOL.md).
            json!({
                "id": a.id, "face": "", "uname": a.name, "statusCode": a.status.to_string(),
                "maxcount": a.max_count, "status": a.status, "count": serving,
                "groupId": [a.group_id], "groupName": [group_name],
                "email": a.email, "nick": a.nick, "roleId": a.role_id, "phoneNo": a.phone,
                "maxAcceptNum": a.max_count, "activated": a.activated,
            })
        })
        .collect::<Vec<_>>())
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

/// The agent's selectable statuses (`getServiceStatus`): the SDK's default dictionary.
fn service_statuses() -> Value {
    let statuses = [
        (1, "在线"),
        (2, "忙碌"),
        (3, "小休"),
        (4, "培训"),
        (5, "会议"),
        (6, "用餐"),
        (7, "活动"),
    ];
    json!(statuses
        .iter()
        .map(|(value, name)| json!({
            "dictId": format!("d{value}"), "dictValue": value.to_string(), "dictName": name,
            "dictCode": "service_status", "dictStatus": 1, "dictRemark": "",
        }))
        .collect::<Vec<_>>())
}

fn login(world: &mut World, push_address: &str, params: &Map<String, Value>) -> Response {
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
    if !world.profile.enabled {
        return agent_err("200009", "商户已停用");
    }
    let status = int_param(params, "loginStatus").unwrap_or(-1);
    let temp_id = world.login(index, status);
    let agent = &world.agents[index];
    agent_ok(json!({
        "tempId": temp_id, "nickName": agent.name, "staffName": agent.name,
        "maxServiceCount": agent.max_count, "blackFunction": 1, "transferFunction": 1, "face": "",
        "status": agent.status, "companyId": world.company_id, "rongyunId": "", "appKey": "",
        "sid": temp_id, "pu": "", "puid": agent.puid, "token": "", "imFlag": 0, "cusRoleId": agent.role_id.parse::<i64>().unwrap_or(1111),
        "cusRoleName": "客服", "aid": agent.id, "topFlag": 0, "sortFlag": 0, "centerNumber": "",
        "transferAuditFlag": 0, "auditFlag": 0, "wslinkBak": [push_address], "wslinkDefault": push_address, "robots": [],
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

/// A session of the reception list, as the `PushMessageModel` `synChronous` lists.
fn reception_item(session: &crate::world::SandboxSession) -> Value {
    let last = session.records.last();
    let last_time = last.and_then(|r| r.t).unwrap_or(session.started_ms);
    json!({
        "cid": session.cid, "uid": session.uid, "userId": session.uid, "uname": session.visitor_name,
        "usource": session.source, "isOnline": session.phase == SessionPhase::Active, "face": "",
        "lastMsg": last.and_then(|r| r.content.clone()).unwrap_or_default(),
        "lastMsgTime": format_platform_time(last_time), "ts": format_platform_time(session.started_ms),
        "acceptTimeOrder": format_platform_time(session.started_ms),
        "timeOrder": format_platform_time(last_time), "unReadCount": 0, "markStatus": 0, "chatType": 0,
    })
}

fn synchronous(world: &World, agent: usize) -> Value {
    let user_list: Vec<Value> = world
        .session_order
        .iter()
        .map(|cid| &world.sessions[cid])
        .filter(|s| s.agent == Some(agent) && s.phase == SessionPhase::Active)
        .map(reception_item)
        .collect();
    json!({"waitSize": world.queue.len(), "userList": user_list})
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
        .map(|s| {
            let waited_s = ((crate::world::now_ms() - s.started_ms) / 1000).max(0);
            json!({
                "groupId": "", "groupName": "", "uid": s.uid, "uname": s.visitor_name,
                "lastTime": format_platform_time(s.started_ms), "remainTime": waited_s.to_string(),
                "visitTitle": "", "source": s.source, "state": 0,
            })
        })
        .collect();
    json!({"countPage": world.queue.len().div_ceil(size), "waitSize": world.queue.len(), "list": list})
}

/// Every record of one session (`queryHistoryRecords(cid, uid)`), oldest first.
fn history_records(
    world: &World,
    agent: usize,
    params: &Map<String, Value>,
) -> Result<Value, OpError> {
    let cid = str_param(params, "cid").unwrap_or_default();
    let uid = str_param(params, "uid").unwrap_or_default();
    owned_or_past_session(world, agent, &cid)?;
    let session = &world.sessions[&cid];
    if session.uid != uid {
        return Err(OpError::Code("200002", format!("访客与会话不符: {uid}")));
    }
    Ok(json!(session
        .records
        .iter()
        .map(crate::world::SandboxRecord::chat_message_json)
        .collect::<Vec<_>>()))
}

/// `send`: multipart `content, uid, cid, msgType` (+ a `file` part for images and videos).
fn send(
    world: &mut World,
    agent: usize,
    params: &Map<String, Value>,
    file: Option<(String, String, Vec<u8>)>,
) -> Result<Value, OpError> {
    let cid = str_param(params, "cid")
        .ok_or_else(|| OpError::Code("400004", "请求参数不能为空: cid".into()))?;
    let msg_type = int_param(params, "msgType").unwrap_or(0);
    let content = match (msg_type, file) {
        (1 | 3, Some((file_name, mime, bytes))) => {
            let id = world.next_id("f");
            world.files.insert(id.clone(), (mime, bytes));
            format!("/__sandbox/files/{id}/{file_name}")
        }
        (1 | 3, None) => return Err(OpError::Code("400004", "请求参数不能为空: file".into())),
        (0 | 5, _) => {
            let content = str_param(params, "content").unwrap_or_default();
            if content.is_empty() {
                return Err(OpError::Code("400004", "请求参数不能为空: content".into()));
            }
            content
        }
        (other, _) => {
            return Err(OpError::Code(
                "400004",
                format!("不支持的 msgType: {other}"),
            ))
        }
    };
    world.agent_send(agent, &cid, &content, msg_type)
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
    // [inv] Revoking keeps the record and flags it (`revokeFlag=1`), as the SDK renders revoked ones.
    record.revoked = true;
    Ok(json!({"status": "1"}))
}
