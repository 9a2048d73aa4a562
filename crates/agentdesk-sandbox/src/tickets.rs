//! The ticket systems on loopback: Sobot's 工单 API of Open Platform 5.0 (on the same company token
//! and `{ret_code, ret_msg}` envelope as the rest of the open platform, fact sheet A), and the book
//! of tickets all four faces share (Jira, Zendesk and Qiyu are in `ticket_faces`). Tests read the
//! book through `GET /__sandbox/tickets`. Values arrive as integers or strings, as the clients the
//! fact sheet cites disagree (A.3).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::wire::{china_time, int_param, open_err, open_ok, params, query_map, str_param};
use crate::{lock, SandboxState};

/// One ticket, whichever face created it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HeldTicket {
    pub system: String,
    pub id: String,
    pub number: String,
    pub title: String,
    pub content: String,
    pub uid: String,
    pub cid: String,
    pub type_id: String,
    pub level: i64,
    /// Sobot's and Qiyu's numbers as text, Jira's status name, Zendesk's status word.
    pub status: String,
    /// Sobot: the assignee group's and agent's names (`deal_group_name`, `deal_agent_name`).
    pub group: String,
    pub assignee: String,
    pub fields: Vec<(String, String)>,
    pub attachments: Vec<String>,
    pub replies: Vec<HeldReply>,
    pub labels: Vec<String>,
    pub external_id: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HeldReply {
    pub author: String,
    pub content: String,
    pub internal: bool,
    pub at_ms: i64,
}

#[derive(Default)]
pub struct TicketBook {
    next: u64,
    pub tickets: Vec<HeldTicket>,
    /// Uploaded files by the URL or token they were answered with: their names.
    pub uploads: HashMap<String, String>,
    /// A large merchant's catalogue beside the three demo categories (benchmarks).
    pub catalogue: Catalogue,
}

/// Extra categories, in groups of ten leaves (`G{group}-{leaf}`), each leaf with `fields` template
/// fields (the first required): what a large merchant's 工单 set-up looks like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(default)]
    pub categories: usize,
    #[serde(default)]
    pub fields: usize,
}

/// Leaves per extra group.
const LEAVES_PER_GROUP: usize = 10;

impl Catalogue {
    fn groups(&self) -> usize {
        self.categories.div_ceil(LEAVES_PER_GROUP)
    }

    fn is_leaf(&self, type_id: &str) -> bool {
        let Some((group, leaf)) = type_id
            .strip_prefix('G')
            .and_then(|rest| rest.split_once('-'))
        else {
            return false;
        };
        match (group.parse::<usize>(), leaf.parse::<usize>()) {
            (Ok(group), Ok(leaf)) => {
                group < self.groups()
                    && leaf < LEAVES_PER_GROUP
                    && group * LEAVES_PER_GROUP + leaf < self.categories
            }
            _ => false,
        }
    }

    fn tree(&self) -> Vec<Value> {
        (0..self.groups())
            .map(|group| {
                let id = format!("G{group}");
                let leaves: Vec<Value> = (0..LEAVES_PER_GROUP)
                    .filter(|leaf| group * LEAVES_PER_GROUP + leaf < self.categories)
                    .map(|leaf| {
                        json!({"typeid": format!("G{group}-{leaf}"), "type_name": format!("问题 {group}-{leaf}"),
                               "parentid": id, "type_level": 2, "node_flag": "0", "sub_type_list": []})
                    })
                    .collect();
                json!({"typeid": id, "type_name": format!("业务线 {group}"), "parentid": "", "type_level": 1,
                       "node_flag": "1", "sub_type_list": leaves})
            })
            .collect()
    }

    fn template(&self) -> Value {
        // The kinds a real template mixes: text, multi-line, date, number, dropdown.
        const KINDS: [i64; 5] = [1, 2, 3, 5, 6];
        (0..self.fields)
            .map(|n| {
                let kind = KINDS[n % KINDS.len()];
                let options = if kind == 6 {
                    json!([{"data_name": "是", "data_value": "1"}, {"data_name": "否", "data_value": "0"}])
                } else {
                    json!([])
                };
                json!({"fieldid": format!("GF{n}"), "field_name": format!("字段 {n}"), "field_type": kind,
                       "fill_flag": if n == 0 { 1 } else { 0 }, "field_data_list": options})
            })
            .collect()
    }
}

/// `POST /__sandbox/tickets/catalogue {"categories": N, "fields": M}`: the Sobot 工单 dictionary
/// gains N leaf categories with M template fields each.
pub async fn set_catalogue(
    State(state): State<Arc<SandboxState>>,
    Json(catalogue): Json<Catalogue>,
) -> Response {
    book(&state).catalogue = catalogue;
    Json(json!({"catalogue": catalogue})).into_response()
}

impl TicketBook {
    pub fn next_id(&mut self) -> u64 {
        self.next += 1;
        10_000 + self.next
    }

    pub fn find(&mut self, system: &str, id: &str) -> Option<&mut HeldTicket> {
        self.tickets
            .iter_mut()
            .find(|t| t.system == system && (t.id == id || t.number == id))
    }
}

pub fn book(state: &SandboxState) -> std::sync::MutexGuard<'_, TicketBook> {
    lock(&state.tickets)
}

/// `GET /__sandbox/tickets`: every ticket the faces hold.
pub async fn held(State(state): State<Arc<SandboxState>>) -> Response {
    Json(json!({"tickets": book(&state).tickets})).into_response()
}

/// The category tree (fact sheet A.2 `get_data_dict`): 售后 with two leaves, and 投诉 as a leaf (and
/// the catalogue's, when set).
fn categories(catalogue: &Catalogue) -> Value {
    let leaf = |id: &str, name: &str, parent: &str, level: i64| {
        json!({"typeid": id, "type_name": name, "parentid": parent, "type_level": level,
               "node_flag": "0", "sub_type_list": []})
    };
    let mut tree = vec![
        json!({"typeid": "T100", "type_name": "售后", "parentid": "", "type_level": 1, "node_flag": "1",
         "sub_type_list": [leaf("T110", "退款", "T100", 2), leaf("T120", "维修", "T100", 2)]}),
        leaf("T200", "投诉", "", 1),
    ];
    tree.extend(catalogue.tree());
    Value::Array(tree)
}

const LEAVES: [&str; 3] = ["T110", "T120", "T200"];

/// The template of a category (`query_fileds_by_typeid`): 退款 asks for the order and how to refund.
fn template(catalogue: &Catalogue, type_id: &str) -> Value {
    if catalogue.is_leaf(type_id) {
        return catalogue.template();
    }
    match type_id {
        "T110" => json!([
            {"fieldid": "F1", "field_name": "订单号", "field_type": 1, "fill_flag": 1, "field_data_list": []},
            {"fieldid": "F2", "field_name": "退款方式", "field_type": 6, "fill_flag": 1,
             "field_data_list": [{"data_name": "原路退回", "data_value": "1"}, {"data_name": "退到余额", "data_value": "2"}]},
            {"fieldid": "F3", "field_name": "期望处理日期", "field_type": 3, "fill_flag": 0, "field_data_list": []},
        ]),
        "T120" => json!([
            {"fieldid": "F4", "field_name": "设备序列号", "field_type": 1, "fill_flag": 1, "field_data_list": []},
        ]),
        _ => json!([]),
    }
}

const STATUS_NAMES: [(i64, &str); 6] = [
    (0, "尚未受理"),
    (1, "受理中"),
    (2, "等待回复"),
    (3, "已解决"),
    (99, "已关闭"),
    (98, "已删除"),
];
const LEVEL_NAMES: [&str; 4] = ["低", "中", "高", "紧急"];

fn status_name(status: i64) -> &'static str {
    STATUS_NAMES
        .iter()
        .find(|(code, _)| *code == status)
        .map(|(_, name)| *name)
        .unwrap_or("")
}

/// A Sobot ticket call whose token checked out: parameters from the query (GET) or the JSON body
/// (POST), and the tenant's staff.
pub(crate) struct TicketRequest {
    params: Map<String, Value>,
    tenant: crate::Tenant,
}

impl FromRequest<Arc<SandboxState>> for TicketRequest {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<SandboxState>) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let is_get = request.method() == Method::GET;
        let query = request.uri().query().map(str::to_string);
        let params = if is_get {
            query_map(query.as_deref())
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect()
        } else {
            let body = axum::body::Bytes::from_request(request, state)
                .await
                .map_err(IntoResponse::into_response)?;
            params(&headers, &body).map_err(|message| open_err("400004", &message))?
        };
        let tenant = checked_tenant(state, &headers).map_err(|refusal| *refusal)?;
        Ok(TicketRequest { params, tenant })
    }
}

fn checked_tenant(
    state: &SandboxState,
    headers: &HeaderMap,
) -> Result<crate::Tenant, Box<Response>> {
    let token = headers.get("token").and_then(|v| v.to_str().ok());
    let tenant = state.tenant_by_token(token);
    if let Err((code, message)) = lock(&tenant).check_token(token) {
        return Err(Box::new(open_err(code, message)));
    }
    Ok(tenant)
}

/// `GET|POST /api/ws/5/ticket/{op}`.
pub async fn sobot_op(
    State(state): State<Arc<SandboxState>>,
    Path(op): Path<String>,
    TicketRequest { params, tenant }: TicketRequest,
) -> Response {
    let company = lock(&tenant).company_id.clone();
    match op.as_str() {
        "get_data_dict" => {
            let catalogue = book(&state).catalogue;
            open_ok(data_dict(&tenant, &catalogue))
        }
        "query_fileds_by_typeid" => {
            let type_id = str_param(&params, "ticket_typeid").unwrap_or_default();
            let catalogue = book(&state).catalogue;
            list_answer(template(&catalogue, &type_id), None)
        }
        "save_agent_ticket" => save_agent_ticket(&state, &tenant, &company, &params),
        "query_tickets" => query_tickets(&state, &company, &params),
        "get_ticket_by_id" => ticket_by_id(&state, &company, &params),
        "save_ticket_reply" => save_reply(&state, &company, &params),
        "get_ticket_data" => ticket_data(&state, &company),
        "query_agent_jobs" => agent_jobs(&state, &company),
        _ => open_err("400004", "接口不存在"),
    }
}

fn list_answer(items: Value, paging: Option<(i64, i64, i64, i64)>) -> Response {
    let mut body = json!({"ret_code": "000000", "ret_msg": "操作成功", "items": items});
    if let Some((page_no, page_size, page_count, total)) = paging {
        body["page_no"] = json!(page_no);
        body["page_size"] = json!(page_size);
        body["page_count"] = json!(page_count);
        body["total_count"] = json!(total);
    }
    Json(body).into_response()
}

fn data_dict(tenant: &crate::Tenant, catalogue: &Catalogue) -> Value {
    let world = lock(tenant);
    let agents: Vec<Value> = world
        .staff()
        .map(|(_, a)| json!({"agentid": a.id, "agent_name": a.name}))
        .collect();
    let mut groups: Vec<String> = world.staff().map(|(_, a)| a.group_id.clone()).collect();
    groups.sort();
    groups.dedup();
    json!({
        "ticket_type_list": categories(catalogue),
        "ticket_level_list": LEVEL_NAMES.iter().enumerate()
            .map(|(i, n)| json!({"dict_value": i, "dict_name": n})).collect::<Vec<_>>(),
        "ticket_status_list": STATUS_NAMES.iter()
            .map(|(v, n)| json!({"dict_value": v, "dict_name": n})).collect::<Vec<_>>(),
        "group_list": groups.iter().enumerate()
            .map(|(i, g)| json!({"groupid": g, "group_name": format!("技能组{}", i + 1)})).collect::<Vec<_>>(),
        "agent_list": agents,
    })
}

/// `save_agent_ticket` (fact sheet A.3): the required fields refused with their documented codes.
fn save_agent_ticket(
    state: &SandboxState,
    tenant: &crate::Tenant,
    company: &str,
    params: &Map<String, Value>,
) -> Response {
    let text = |key: &str| str_param(params, key).unwrap_or_default();
    for (key, code, message) in [
        ("ticket_typeid", "400008", "工单分类ID不能为空"),
        ("ticket_status", "400009", "工单状态不能为空"),
        ("ticket_from", "400010", "工单来源不能为空"),
        ("ticket_level", "400011", "工单级别不能为空"),
        ("create_agentid", "400006", "操作坐席ID不能为空"),
    ] {
        if text(key).is_empty() {
            return open_err(code, message);
        }
    }
    if text("companyid") != company
        || text("ticket_title").is_empty()
        || text("ticket_content").is_empty()
    {
        return open_err("400004", "请求参数不能为空");
    }
    if !lock(tenant)
        .staff()
        .any(|(_, a)| a.id == text("create_agentid"))
    {
        return open_err("400007", "操作坐席ID不正确");
    }
    let type_id = text("ticket_typeid");
    // Invented (docs/PROTOCOL.md): a category with subcategories is refused like a missing one.
    let catalogue = book(state).catalogue;
    if !LEAVES.contains(&type_id.as_str()) && !catalogue.is_leaf(&type_id) {
        return open_err("400008", "工单分类ID不正确，请选择末级分类");
    }
    let fields: Vec<(String, String)> = params
        .get("extend_fields")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_object)
                .map(|f| {
                    (
                        str_param(f, "fieldid").unwrap_or_default(),
                        str_param(f, "field_value").unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(missing) = missing_required(&catalogue, &type_id, &fields) {
        return open_err("400004", &format!("自定义字段「{missing}」不能为空"));
    }
    let mut book = book(state);
    let attachments = text("file_str")
        .split(';')
        .filter(|u| !u.is_empty())
        .map(|url| {
            book.uploads
                .get(url)
                .cloned()
                .unwrap_or_else(|| url.to_string())
        })
        .collect();
    let n = book.next_id();
    let now = crate::world::now_ms();
    let ticket = HeldTicket {
        system: "sobot".into(),
        id: format!("{company}-{n}"),
        number: format!("GD{n}"),
        title: text("ticket_title"),
        content: text("ticket_content"),
        uid: text("userid"),
        cid: text("recordid"),
        type_id,
        level: int_param(params, "ticket_level").unwrap_or(1),
        status: int_param(params, "ticket_status").unwrap_or(0).to_string(),
        group: text("deal_group_name"),
        assignee: text("deal_agent_name"),
        fields,
        attachments,
        created_ms: now,
        updated_ms: now,
        ..HeldTicket::default()
    };
    let id = ticket.id.clone();
    book.tickets.push(ticket);
    open_ok(json!({"ticketid": id}))
}

fn missing_required(
    catalogue: &Catalogue,
    type_id: &str,
    fields: &[(String, String)],
) -> Option<String> {
    template(catalogue, type_id)
        .as_array()?
        .iter()
        .filter(|f| f["fill_flag"] == 1)
        .find(|f| {
            let id = f["fieldid"].as_str().unwrap_or_default();
            !fields
                .iter()
                .any(|(fid, value)| fid == id && !value.trim().is_empty())
        })
        .map(|f| f["field_name"].as_str().unwrap_or_default().to_string())
}

fn parse_china_time(text: &str) -> Option<i64> {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(naive.and_utc().timestamp_millis() - 8 * 3_600_000)
}

fn sobot_summary(t: &HeldTicket) -> Value {
    let status: i64 = t.status.parse().unwrap_or(0);
    json!({
        "ticketid": t.id, "ticket_code": t.number, "ticket_title": t.title,
        "ticket_content": t.content, "ticket_type_name": t.type_id,
        "ticket_from": 6, "ticket_from_cn": "PC-在线工作台",
        "ticket_level": t.level, "ticket_level_cn": LEVEL_NAMES.get(t.level as usize).copied().unwrap_or(""),
        "ticket_status": status, "ticket_status_cn": status_name(status),
        "start_type": 0, "start_type_cn": "坐席", "deal_agent_name": t.assignee, "deal_group_name": t.group,
        "create_datetime": china_time(t.created_ms), "update_datetime": china_time(t.updated_ms),
        "user_nick": "", "user_name": "", "user_tels": "", "user_emails": "",
    })
}

/// `query_tickets`: a creation window of at most a month, pages of at most 50.
fn query_tickets(state: &SandboxState, company: &str, params: &Map<String, Value>) -> Response {
    let (Some(start), Some(end)) = (
        str_param(params, "create_start_datetime"),
        str_param(params, "create_end_datetime"),
    ) else {
        return open_err("400001", "创建时间不能为空");
    };
    let (Some(start), Some(end)) = (parse_china_time(&start), parse_china_time(&end)) else {
        return open_err("400005", "时间格式不正确");
    };
    if end < start {
        return open_err("400002", "结束时间不能小于开始时间");
    }
    if end - start > 31 * 86_400_000 {
        return open_err("400003", "时间段不能大于1个月");
    }
    let uid = str_param(params, "userid").unwrap_or_default();
    let page_size = int_param(params, "page_size").unwrap_or(15).clamp(1, 50);
    let page_no = int_param(params, "page_no").unwrap_or(1).max(1);
    let book = book(state);
    let mut matching: Vec<&HeldTicket> = book
        .tickets
        .iter()
        .filter(|t| t.system == "sobot" && t.id.starts_with(company))
        .filter(|t| t.created_ms >= start && t.created_ms <= end + 999)
        .filter(|t| uid.is_empty() || t.uid == uid)
        .collect();
    matching.sort_by_key(|t| std::cmp::Reverse(t.created_ms));
    let total = matching.len() as i64;
    let items: Vec<Value> = matching
        .iter()
        .skip(((page_no - 1) * page_size) as usize)
        .take(page_size as usize)
        .map(|t| sobot_summary(t))
        .collect();
    let pages = (total + page_size - 1) / page_size;
    list_answer(json!(items), Some((page_no, page_size, pages, total)))
}

/// `get_ticket_by_id`. Invented (docs/PROTOCOL.md): an unknown id answers success with no item.
fn ticket_by_id(state: &SandboxState, company: &str, params: &Map<String, Value>) -> Response {
    let id = str_param(params, "ticketid")
        .or_else(|| str_param(params, "ticket_code"))
        .unwrap_or_default();
    let mut book = book(state);
    let Some(t) = book
        .find("sobot", &id)
        .filter(|t| t.id.starts_with(company))
    else {
        return Json(json!({"ret_code": "000000", "ret_msg": "操作成功", "item": null}))
            .into_response();
    };
    let mut item = sobot_summary(t);
    item["companyid"] = json!(company);
    item["userid"] = json!(t.uid);
    item["file_list"] = json!(t
        .attachments
        .iter()
        .map(
            |name| json!({"file_name": name, "file_url": format!("/files/{name}"), "file_type": ""})
        )
        .collect::<Vec<_>>());
    item["extend_fields_list"] = json!(t.fields.iter()
        .map(|(id, value)| json!({"fieldid": id, "field_name": id, "field_type": 1, "field_type_cn": "单行文本", "field_text": value, "field_value": value}))
        .collect::<Vec<_>>());
    item["deal_list"] = json!(t.replies.iter()
        .map(|r| json!({"reply_title": "", "reply_content": r.content, "reply_type": if r.internal { 1 } else { 0 },
            "reply_type_cn": if r.internal { "仅坐席可见" } else { "所有人可见" }, "reply_datetime": china_time(r.at_ms),
            "start_type": 0, "start_type_cn": "坐席", "update_user_name": r.author, "face_img": "", "file_list": []}))
        .collect::<Vec<_>>());
    item["update_log_list"] = json!([]);
    open_ok(item)
}

/// `save_ticket_reply` (fact sheet A.4): required fields; the status and level it carries become the
/// ticket's. Invented (docs/PROTOCOL.md): a closed or deleted ticket refuses replies.
fn save_reply(state: &SandboxState, company: &str, params: &Map<String, Value>) -> Response {
    let text = |key: &str| str_param(params, key).unwrap_or_default();
    for key in [
        "ticketid",
        "ticket_title",
        "ticket_content",
        "get_ticket_datetime",
        "reply_agentid",
        "reply_agent_name",
    ] {
        if text(key).is_empty() {
            return open_err("400004", "请求参数不能为空");
        }
    }
    if text("ticket_status").is_empty() {
        return open_err("400009", "工单状态不能为空");
    }
    if text("ticket_level").is_empty() {
        return open_err("400011", "工单级别不能为空");
    }
    let mut book = book(state);
    let Some(t) = book
        .find("sobot", &text("ticketid"))
        .filter(|t| t.id.starts_with(company))
    else {
        return open_err("400004", "工单不存在");
    };
    if matches!(t.status.as_str(), "98" | "99") {
        return open_err("400004", "工单已关闭或已删除，不能回复");
    }
    let now = crate::world::now_ms();
    t.replies.push(HeldReply {
        author: text("reply_agent_name"),
        content: text("reply_content"),
        internal: int_param(params, "reply_type") == Some(1),
        at_ms: now,
    });
    t.status = int_param(params, "ticket_status").unwrap_or(0).to_string();
    t.level = int_param(params, "ticket_level").unwrap_or(t.level);
    // A reply reassigns the ticket when it names a group or an agent (fact sheet A.4).
    if !text("deal_group_name").is_empty() {
        t.group = text("deal_group_name");
    }
    if !text("deal_agent_name").is_empty() {
        t.assignee = text("deal_agent_name");
    }
    t.updated_ms = now;
    open_ok(json!({}))
}

fn ticket_data(state: &SandboxState, company: &str) -> Response {
    let book = book(state);
    let mine = || {
        book.tickets
            .iter()
            .filter(|t| t.system == "sobot" && t.id.starts_with(company))
    };
    open_ok(json!({
        "unassigned_ticket_num": mine().filter(|t| t.status == "0").count(),
        "unsolved_ticket_num": mine().filter(|t| !matches!(t.status.as_str(), "3" | "98" | "99")).count(),
    }))
}

fn agent_jobs(state: &SandboxState, company: &str) -> Response {
    let book = book(state);
    let mut by_agent: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for t in book
        .tickets
        .iter()
        .filter(|t| t.system == "sobot" && t.id.starts_with(company))
    {
        for r in &t.replies {
            let entry = by_agent.entry(r.author.clone()).or_default();
            entry.1 += 1;
        }
        if let Some(last) = t.replies.last() {
            by_agent.entry(last.author.clone()).or_default().0 += 1;
        }
    }
    list_answer(
        json!(by_agent
            .iter()
            .map(|(name, (handled, replies))| json!({
            "agentid": name, "agent_name": name, "deal_ticket_num": handled,
            "ticket_end_rate": "0%", "reply_num": replies}))
            .collect::<Vec<_>>()),
        None,
    )
}

/// `POST /api/ws/5/ticket/upload_file` (multipart `file`, `file_num_key`): the file's URL.
pub async fn sobot_upload(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    if let Err(refusal) = checked_tenant(&state, &headers) {
        return *refusal;
    }
    let mut name = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            name = field.file_name().map(str::to_string);
            if field.bytes().await.is_err() {
                return open_err("400004", "文件读取失败");
            }
        }
    }
    let Some(name) = name else {
        return open_err("400004", "请求参数不能为空");
    };
    let mut book = book(&state);
    let n = book.next_id();
    let url = format!("https://img.sobot.com/sandbox/{n}/{name}");
    book.uploads.insert(url.clone(), name);
    open_ok(json!({"file_url": url}))
}

/// What the query string of a signed or filtered call holds.
pub fn query(raw: &RawQuery) -> HashMap<String, String> {
    query_map(raw.0.as_deref())
}
