//! Jira Cloud (REST v3), Zendesk Support (API v2) and Qiyu 工单 (v2, checksum-signed) on loopback,
//! under `/jira`, `/zendesk` and `/qiyu`, each with its own authentication and error shapes as the
//! fact sheet gives them (C, D, B), sharing the ticket book with the Sobot face.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use md5::Digest as _;
use serde_json::{json, Value};

use crate::tickets::{book, query, HeldReply, HeldTicket};
use crate::SandboxState;

pub const JIRA_EMAIL: &str = "agent@sandbox.example";
pub const JIRA_TOKEN: &str = "sandbox-jira-token";
pub const JIRA_PROJECT: &str = "AD";
pub const ZENDESK_EMAIL: &str = "agent@sandbox.example";
pub const ZENDESK_TOKEN: &str = "sandbox-zendesk-token";
pub const QIYU_APP_KEY: &str = "sandbox-qiyu-key";
pub const QIYU_APP_SECRET: &str = "sandbox-qiyu-secret";
pub const QIYU_STAFF_ID: &str = "1001";

fn basic_user(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    String::from_utf8(decoded).ok()
}

fn status(code: StatusCode, body: Value) -> Response {
    (code, Json(body)).into_response()
}

// ---- Jira Cloud -------------------------------------------------------------------------------

fn jira_error(code: StatusCode, messages: &[&str], errors: Value) -> Response {
    status(code, json!({"errorMessages": messages, "errors": errors}))
}

/// Jira's answer to a call without the demo account's e-mail and API token; `None` when they hold.
fn jira_refusal(headers: &HeaderMap) -> Option<Response> {
    (basic_user(headers).as_deref() != Some(&format!("{JIRA_EMAIL}:{JIRA_TOKEN}"))).then(|| {
        jira_error(
            StatusCode::UNAUTHORIZED,
            &["You are not authenticated. Authentication required to perform this operation."],
            json!({}),
        )
    })
}

fn jira_issue(base: &str, t: &HeldTicket) -> Value {
    let done = t.status == "Done";
    json!({
        "id": t.id, "key": t.number, "self": format!("{base}/jira/rest/api/3/issue/{}", t.id),
        "fields": {
            "summary": t.title,
            "status": {"id": if done { "10002" } else { "10000" }, "name": t.status,
                       "statusCategory": {"key": if done { "done" } else { "new" }}},
            "priority": {"name": "Medium"},
            "assignee": null,
            "labels": t.labels,
            "created": chrono::DateTime::from_timestamp_millis(t.created_ms).map(|d| d.to_rfc3339()),
            "updated": chrono::DateTime::from_timestamp_millis(t.updated_ms).map(|d| d.to_rfc3339()),
            "description": adf(&t.content),
            "comment": {"comments": t.replies.iter().map(|r| json!({
                "author": {"displayName": r.author}, "body": adf(&r.content),
                "created": chrono::DateTime::from_timestamp_millis(r.at_ms).map(|d| d.to_rfc3339())}))
                .collect::<Vec<_>>()},
            "attachment": t.attachments.iter().map(|name| json!({"filename": name})).collect::<Vec<_>>(),
        }
    })
}

fn adf(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": text.lines().map(|line|
        json!({"type": "paragraph", "content": [{"type": "text", "text": line}]})).collect::<Vec<_>>()})
}

fn adf_text(doc: &Value) -> Option<String> {
    if doc.get("type")?.as_str()? != "doc" {
        return None;
    }
    let blocks = doc.get("content")?.as_array()?;
    Some(
        blocks
            .iter()
            .map(|b| {
                b.get("content")
                    .and_then(Value::as_array)
                    .map(|inline| {
                        inline
                            .iter()
                            .filter_map(|i| i.get("text")?.as_str())
                            .collect::<String>()
                    })
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// `POST /jira/rest/api/3/issue`: 201 `{id, key, self}`; a description that is not ADF refused.
pub async fn jira_create(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = jira_refusal(&headers) {
        return refusal;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return jira_error(
            StatusCode::BAD_REQUEST,
            &["Unexpected character in the request body."],
            json!({}),
        );
    };
    let fields = &body["fields"];
    if fields["project"]["key"].as_str() != Some(JIRA_PROJECT) {
        return jira_error(
            StatusCode::BAD_REQUEST,
            &[],
            json!({"project": "Specify a valid project ID or key"}),
        );
    }
    let summary = fields["summary"].as_str().unwrap_or_default();
    if summary.trim().is_empty() {
        return jira_error(
            StatusCode::BAD_REQUEST,
            &[],
            json!({"summary": "You must specify a summary of the issue."}),
        );
    }
    if fields["issuetype"]["name"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        return jira_error(
            StatusCode::BAD_REQUEST,
            &[],
            json!({"issuetype": "Specify an issue type"}),
        );
    }
    let Some(content) = adf_text(&fields["description"]) else {
        return jira_error(
            StatusCode::BAD_REQUEST,
            &[],
            json!({"description": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"}),
        );
    };
    let mut book = book(&state);
    let n = book.next_id();
    let now = crate::world::now_ms();
    let labels: Vec<String> = fields["labels"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let ticket = HeldTicket {
        system: "jira".into(),
        id: n.to_string(),
        number: format!("{JIRA_PROJECT}-{}", n - 10_000),
        title: summary.to_string(),
        content,
        status: "To Do".into(),
        labels,
        created_ms: now,
        updated_ms: now,
        ..HeldTicket::default()
    };
    let answer = json!({"id": ticket.id, "key": ticket.number, "self": format!("{}/jira/rest/api/3/issue/{}", state.base_url, ticket.id)});
    book.tickets.push(ticket);
    status(StatusCode::CREATED, answer)
}

/// `GET /jira/rest/api/3/issue/{key}`.
pub async fn jira_get(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    if let Some(refusal) = jira_refusal(&headers) {
        return refusal;
    }
    match book(&state).find("jira", &key) {
        Some(t) => Json(jira_issue(&state.base_url, t)).into_response(),
        None => jira_error(
            StatusCode::NOT_FOUND,
            &["Issue does not exist or you do not have permission to see it."],
            json!({}),
        ),
    }
}

/// `POST /jira/rest/api/3/issue/{key}/attachments`: multipart `file`, only with `X-Atlassian-Token: no-check`.
pub async fn jira_attach(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    mut form: Multipart,
) -> Response {
    if let Some(refusal) = jira_refusal(&headers) {
        return refusal;
    }
    if headers
        .get("x-atlassian-token")
        .and_then(|v| v.to_str().ok())
        != Some("no-check")
    {
        return (StatusCode::FORBIDDEN, "XSRF check failed").into_response();
    }
    let mut names = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("file").to_string();
            let Ok(bytes) = field.bytes().await else {
                return jira_error(
                    StatusCode::BAD_REQUEST,
                    &["The attachment could not be read."],
                    json!({}),
                );
            };
            names.push((name, bytes.len()));
        }
    }
    let mut book = book(&state);
    let Some(t) = book.find("jira", &key) else {
        return jira_error(
            StatusCode::NOT_FOUND,
            &["Issue does not exist or you do not have permission to see it."],
            json!({}),
        );
    };
    t.attachments.extend(names.iter().map(|(n, _)| n.clone()));
    Json(json!(names
        .iter()
        .map(|(n, size)| json!({"filename": n, "size": size}))
        .collect::<Vec<_>>()))
    .into_response()
}

/// `POST /jira/rest/api/3/issue/{key}/comment` `{"body": ADF}`.
pub async fn jira_comment(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(refusal) = jira_refusal(&headers) {
        return refusal;
    }
    let Some(text) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| adf_text(&b["body"]))
    else {
        return jira_error(
            StatusCode::BAD_REQUEST,
            &[],
            json!({"comment": "Comment body must be an Atlassian Document"}),
        );
    };
    let mut book = book(&state);
    let Some(t) = book.find("jira", &key) else {
        return jira_error(
            StatusCode::NOT_FOUND,
            &["Issue does not exist or you do not have permission to see it."],
            json!({}),
        );
    };
    let now = crate::world::now_ms();
    t.replies.push(HeldReply {
        author: JIRA_EMAIL.into(),
        content: text,
        internal: false,
        at_ms: now,
    });
    t.updated_ms = now;
    status(
        StatusCode::CREATED,
        json!({"id": t.replies.len().to_string()}),
    )
}

/// `POST /jira/rest/api/3/search/jql`: the sandbox understands `labels = "x"` (with any ORDER BY).
pub async fn jira_search(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = jira_refusal(&headers) {
        return refusal;
    }
    let jql = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b["jql"].as_str().map(str::to_string))
        .unwrap_or_default();
    let Some(label) = jql
        .split("labels = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
    else {
        return jira_error(
            StatusCode::BAD_REQUEST,
            &["The sandbox's Jira understands only labels = \"…\" queries."],
            json!({}),
        );
    };
    let book = book(&state);
    let issues: Vec<Value> = book
        .tickets
        .iter()
        .filter(|t| t.system == "jira" && t.labels.iter().any(|l| l == label))
        .map(|t| jira_issue(&state.base_url, t))
        .collect();
    Json(json!({"issues": issues, "isLast": true})).into_response()
}

// ---- Zendesk Support --------------------------------------------------------------------------

/// Zendesk's answer to a call without `{email}/token:{api_token}`; `None` when they hold.
fn zendesk_refusal(headers: &HeaderMap) -> Option<Response> {
    (basic_user(headers).as_deref() != Some(&format!("{ZENDESK_EMAIL}/token:{ZENDESK_TOKEN}")))
        .then(|| {
            status(
                StatusCode::UNAUTHORIZED,
                json!({"error": "Couldn't authenticate you"}),
            )
        })
}

fn zendesk_not_found() -> Response {
    status(
        StatusCode::NOT_FOUND,
        json!({"error": "RecordNotFound", "description": "Not found"}),
    )
}

fn zendesk_ticket(base: &str, t: &HeldTicket) -> Value {
    let time = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).map(|d| d.to_rfc3339());
    let priority = ["low", "normal", "high", "urgent"]
        .get(t.level as usize)
        .copied()
        .unwrap_or("normal");
    json!({
        "url": format!("{base}/zendesk/api/v2/tickets/{}.json", t.id), "id": t.id.parse::<u64>().unwrap_or(0),
        "external_id": t.external_id, "subject": t.title, "raw_subject": t.title, "description": t.content,
        "status": t.status, "priority": priority,
        "tags": t.labels, "via": {"channel": "api"}, "requester_id": 1, "submitter_id": 1, "assignee_id": null,
        "created_at": time(t.created_ms), "updated_at": time(t.updated_ms),
    })
}

/// `POST /zendesk/api/v2/uploads?filename=`: the raw file; 201 `{upload: {token}}`.
pub async fn zendesk_upload(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    if let Some(refusal) = zendesk_refusal(&headers) {
        return refusal;
    }
    let Some(name) = query(&raw).get("filename").cloned() else {
        return status(
            StatusCode::BAD_REQUEST,
            json!({"error": "Missing filename"}),
        );
    };
    let mut book = book(&state);
    let token = format!("upload-{}", book.next_id());
    book.uploads.insert(token.clone(), name.clone());
    status(
        StatusCode::CREATED,
        json!({"upload": {"token": token, "attachment": {"file_name": name, "size": body.len()}}}),
    )
}

/// `POST /zendesk/api/v2/tickets` `{"ticket": {...}}`: 201 with the ticket; a comment without a
/// body refused as Zendesk does (422 RecordInvalid).
pub async fn zendesk_create(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = zendesk_refusal(&headers) {
        return refusal;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return status(
            StatusCode::BAD_REQUEST,
            json!({"error": "Unprocessable JSON"}),
        );
    };
    let ticket = &body["ticket"];
    let content = ticket["comment"]["body"].as_str().unwrap_or_default();
    if content.trim().is_empty() {
        return status(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "RecordInvalid", "description": "Record validation errors",
            "details": {"description": [{"description": "Description: cannot be blank"}]}}),
        );
    }
    let mut book = book(&state);
    let attachments = ticket["comment"]["uploads"]
        .as_array()
        .map(|tokens| {
            tokens
                .iter()
                .filter_map(|t| t.as_str().and_then(|t| book.uploads.get(t).cloned()))
                .collect()
        })
        .unwrap_or_default();
    let n = book.next_id();
    let now = crate::world::now_ms();
    let level = match ticket["priority"].as_str() {
        Some("low") => 0,
        Some("high") => 2,
        Some("urgent") => 3,
        _ => 1,
    };
    let held = HeldTicket {
        system: "zendesk".into(),
        id: n.to_string(),
        number: format!("#{n}"),
        title: ticket["subject"].as_str().unwrap_or_default().to_string(),
        content: content.to_string(),
        external_id: ticket["external_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        labels: ticket["tags"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        level,
        status: "open".into(),
        attachments,
        created_ms: now,
        updated_ms: now,
        ..HeldTicket::default()
    };
    let answer = json!({"ticket": zendesk_ticket(&state.base_url, &held)});
    book.tickets.push(held);
    status(StatusCode::CREATED, answer)
}

/// `GET /zendesk/api/v2/tickets?external_id=`.
pub async fn zendesk_list(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Response {
    if let Some(refusal) = zendesk_refusal(&headers) {
        return refusal;
    }
    let external = query(&raw).get("external_id").cloned();
    let book = book(&state);
    let tickets: Vec<Value> = book
        .tickets
        .iter()
        .filter(|t| t.system == "zendesk" && external.as_ref().is_none_or(|e| &t.external_id == e))
        .map(|t| zendesk_ticket(&state.base_url, t))
        .collect();
    Json(json!({"count": tickets.len(), "tickets": tickets})).into_response()
}

/// `GET /zendesk/api/v2/search.json?query=type:ticket tags:x`.
pub async fn zendesk_search(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Response {
    if let Some(refusal) = zendesk_refusal(&headers) {
        return refusal;
    }
    let query_text = query(&raw).get("query").cloned().unwrap_or_default();
    let tag = query_text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("tags:"))
        .unwrap_or_default()
        .to_string();
    let book = book(&state);
    let results: Vec<Value> = book
        .tickets
        .iter()
        .filter(|t| t.system == "zendesk" && t.labels.contains(&tag))
        .map(|t| zendesk_ticket(&state.base_url, t))
        .collect();
    Json(json!({"count": results.len(), "results": results})).into_response()
}

/// `GET /zendesk/api/v2/tickets/{id}`.
pub async fn zendesk_show(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refusal) = zendesk_refusal(&headers) {
        return refusal;
    }
    let id = id.trim_end_matches(".json").to_string();
    match book(&state).find("zendesk", &id) {
        Some(t) => Json(json!({"ticket": zendesk_ticket(&state.base_url, t)})).into_response(),
        None => zendesk_not_found(),
    }
}

/// `GET /zendesk/api/v2/tickets/{id}/comments`: the description first, then the replies.
pub async fn zendesk_comments(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refusal) = zendesk_refusal(&headers) {
        return refusal;
    }
    let mut book = book(&state);
    let Some(t) = book.find("zendesk", &id) else {
        return zendesk_not_found();
    };
    let time = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).map(|d| d.to_rfc3339());
    let mut comments = vec![
        json!({"id": 1, "body": t.content, "public": false, "author_id": 1, "created_at": time(t.created_ms),
        "attachments": t.attachments.iter().map(|n| json!({"file_name": n})).collect::<Vec<_>>()}),
    ];
    comments.extend(t.replies.iter().enumerate().map(|(i, r)| {
        json!({"id": i + 2, "body": r.content, "public": !r.internal,
        "author_id": 1, "created_at": time(r.at_ms), "attachments": []})
    }));
    Json(json!({"comments": comments})).into_response()
}

/// `PUT /zendesk/api/v2/tickets/{id}` `{"ticket": {"comment", "status"}}`; a closed ticket refuses.
pub async fn zendesk_update(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(refusal) = zendesk_refusal(&headers) {
        return refusal;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut book = book(&state);
    let Some(t) = book.find("zendesk", &id) else {
        return zendesk_not_found();
    };
    if t.status == "closed" {
        return status(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "RecordInvalid", "description": "Record validation errors",
            "details": {"status": [{"description": "Status: closed prevents ticket update"}]}}),
        );
    }
    let now = crate::world::now_ms();
    if let Some(text) = body["ticket"]["comment"]["body"].as_str() {
        t.replies.push(HeldReply {
            author: ZENDESK_EMAIL.into(),
            content: text.into(),
            internal: body["ticket"]["comment"]["public"] == json!(false),
            at_ms: now,
        });
    }
    if let Some(new_status) = body["ticket"]["status"].as_str() {
        t.status = new_status.to_string();
    }
    t.updated_ms = now;
    Json(json!({"ticket": zendesk_ticket(&state.base_url, t)})).into_response()
}

// ---- Qiyu 工单 --------------------------------------------------------------------------------

fn qiyu(code: i64, message: &str) -> Response {
    Json(json!({"code": code, "message": message})).into_response()
}

/// Qiyu's signature check (fact sheet B.1): appKey, a time within 5 minutes, and
/// `checksum = sha1(appSecret + md5(body) + time)`.
fn qiyu_check(raw: &RawQuery, body: &Bytes) -> Result<Value, Box<Response>> {
    let query = query(raw);
    if query.get("appKey").map(String::as_str) != Some(QIYU_APP_KEY) {
        return Err(Box::new(qiyu(14001, "AppKey 无效")));
    }
    let time = query.get("time").cloned().unwrap_or_default();
    let Ok(seconds) = time.parse::<i64>() else {
        return Err(Box::new(qiyu(14003, "时间参数无效")));
    };
    if (crate::world::now_ms() / 1000 - seconds).abs() > 300 {
        return Err(Box::new(qiyu(14003, "时间参数无效")));
    }
    let body_md5 = hex::encode(md5::Md5::digest(body));
    let expected = hex::encode(sha1::Sha1::digest(
        format!("{QIYU_APP_SECRET}{body_md5}{time}").as_bytes(),
    ));
    if query.get("checksum") != Some(&expected) {
        return Err(Box::new(qiyu(14002, "校验失败")));
    }
    serde_json::from_slice(body).map_err(|_| Box::new(qiyu(14004, "参数错误")))
}

fn qiyu_ticket(t: &HeldTicket) -> Value {
    json!({"id": t.id.parse::<u64>().unwrap_or(0), "staffId": QIYU_STAFF_ID.parse::<u64>().unwrap_or(0), "templateId": 0,
        "userName": "", "userEmail": "", "userMobile": "", "typeId": t.type_id.parse::<u64>().unwrap_or(0),
        "priority": t.level, "groupId": 0, "title": t.title, "content": t.content,
        "status": t.status.parse::<i64>().unwrap_or(5), "properties": "{}", "createTime": t.created_ms, "custom": []})
}

/// `POST /qiyu/openapi/v2/ticket/{op}`: create, search, new/detail.
pub async fn qiyu_op(
    State(state): State<Arc<SandboxState>>,
    Path(op): Path<String>,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    let request = match qiyu_check(&raw, &body) {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    match op.as_str() {
        "create" => qiyu_create(&state, &request),
        "search" => qiyu_search(&state, &request),
        "new/detail" => {
            let id = match &request["ticketId"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match book(&state).find("qiyu", &id) {
                Some(t) => {
                    let mut data = qiyu_ticket(t);
                    data["attachments"] = json!(t
                        .attachments
                        .iter()
                        .map(|n| json!({"name": n, "size": 0, "type": 1, "url": ""}))
                        .collect::<Vec<_>>());
                    Json(json!({"code": 200, "data": data})).into_response()
                }
                None => qiyu(14106, "工单不存在"),
            }
        }
        _ => qiyu(14004, "参数错误"),
    }
}

/// Create (fact sheet B.2/B.3): title ≤ 30, content ≤ 3000, a known staff, ≤ 5 attachments of
/// ≤ 5 MB together. Invented (docs/PROTOCOL.md): v2 answers as v1 did, the id as `message`.
fn qiyu_create(state: &SandboxState, request: &Value) -> Response {
    let text = |key: &str| match &request[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let (title, content, uid) = (text("title"), text("content"), text("uid"));
    if title.is_empty()
        || title.chars().count() > 30
        || content.is_empty()
        || content.chars().count() > 3000
        || uid.is_empty()
    {
        return qiyu(14004, "参数错误");
    }
    if text("staffId") != QIYU_STAFF_ID {
        return qiyu(14100, "客服不存在");
    }
    let attachments = request["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if attachments.len() > 5 {
        return qiyu(14103, "附件个数超限");
    }
    let total: usize = attachments
        .iter()
        .map(|a| a["payload"].as_str().map(|p| p.len() * 3 / 4).unwrap_or(0))
        .sum();
    if total > 5 * 1024 * 1024 {
        return qiyu(14104, "附件大小超限");
    }
    let mut book = book(state);
    let n = book.next_id();
    let now = crate::world::now_ms();
    book.tickets.push(HeldTicket {
        system: "qiyu".into(),
        id: n.to_string(),
        number: n.to_string(),
        title,
        content,
        uid,
        type_id: text("typeId"),
        level: request["priority"].as_i64().unwrap_or(5),
        status: "5".into(),
        attachments: attachments
            .iter()
            .filter_map(|a| a["fileName"].as_str().map(str::to_string))
            .collect(),
        created_ms: now,
        updated_ms: now,
        ..HeldTicket::default()
    });
    Json(json!({"code": 200, "message": n.to_string()})).into_response()
}

fn qiyu_search(state: &SandboxState, request: &Value) -> Response {
    let uid = request["uid"].as_str().unwrap_or_default();
    let start = request["start"].as_i64().unwrap_or(0);
    let end = request["end"].as_i64().unwrap_or(i64::MAX);
    let limit = request["limit"].as_i64().unwrap_or(50).clamp(1, 100) as usize;
    let offset = request["offset"].as_i64().unwrap_or(0).max(0) as usize;
    let book = book(state);
    let mut matching: Vec<&HeldTicket> = book
        .tickets
        .iter()
        .filter(|t| {
            t.system == "qiyu"
                && (uid.is_empty() || t.uid == uid)
                && t.created_ms >= start
                && t.created_ms <= end
        })
        .collect();
    matching.sort_by_key(|t| std::cmp::Reverse(t.created_ms));
    let tickets: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|t| qiyu_ticket(t))
        .collect();
    Json(json!({"code": 200, "message": {"total": matching.len(), "tickets": tickets}}))
        .into_response()
}
