//! Qiyu 网易七鱼 工单 (fact sheet B): v2 create, search and detail, every call signed with Qiyu's
//! checksum `sha1(appSecret + md5(body) + time)` in the query (`appKey`, `time`, `checksum`).
//! Answers are `{code: 200, message: …}`, the v2 detail `{code: 200, data: …}`.

use agentdesk_domain::Secret;
use agentdesk_http::HttpClient;
use base64::Engine as _;
use md5::Digest as _;
use serde_json::{json, Value};

use crate::error::qiyu_code_words;
use crate::json::{int, list, text};
use crate::model::*;
use crate::rest::call;
use crate::TicketError;

const SYSTEM: SystemKind = SystemKind::Qiyu;

#[derive(Debug, Clone)]
pub struct QiyuSettings {
    pub base_url: String,
    pub app_key: String,
    pub app_secret: Secret,
    /// The staff the tickets are filed as (`staffId`, required by create).
    pub staff_id: String,
}

pub struct QiyuTickets {
    http: HttpClient,
    base: String,
    settings: QiyuSettings,
}

/// Qiyu's checksum: `sha1(appSecret + md5_lower(body) + time)`, lower-case hex.
pub fn checksum(app_secret: &str, body: &str, time: &str) -> String {
    let body_md5 = hex::encode(md5::Md5::digest(body.as_bytes()));
    hex::encode(sha1::Sha1::digest(
        format!("{app_secret}{body_md5}{time}").as_bytes(),
    ))
}

/// Sobot's levels (0 低 … 3 紧急) as Qiyu's priorities (v1: 5 一般, 8 紧急, 10 非常紧急).
fn priority(level: Option<i64>) -> i64 {
    match level {
        Some(2) => 8,
        Some(3) => 10,
        _ => 5,
    }
}

impl QiyuTickets {
    pub fn new(http: HttpClient, settings: QiyuSettings) -> QiyuTickets {
        QiyuTickets {
            base: settings.base_url.trim_end_matches('/').to_string(),
            http,
            settings,
        }
    }

    /// One signed call; `message` or `data` of a `code: 200` answer.
    async fn signed(&self, path: &str, body: &Value) -> Result<Value, TicketError> {
        let body = body.to_string();
        let time = (self.http.signing_time_ms() / 1000).to_string();
        let sum = checksum(self.settings.app_secret.expose(), &body, &time);
        let request = self
            .http
            .reqwest()
            .post(format!("{}/openapi/{path}", self.base))
            .query(&[
                ("appKey", self.settings.app_key.as_str()),
                ("time", time.as_str()),
                ("checksum", sum.as_str()),
            ])
            .header("Content-Type", "application/json;charset=utf-8")
            .body(body);
        let answer = call(&self.http, SYSTEM, path, request).await?;
        let code = text(&answer, "code");
        if code == "200" {
            return Ok(answer
                .get("data")
                .or_else(|| answer.get("message"))
                .or_else(|| answer.get("result"))
                .cloned()
                .unwrap_or(Value::Null));
        }
        if code.is_empty() {
            return Err(TicketError::Garbled {
                system: SYSTEM,
                endpoint: path.into(),
                message: "no code in the answer".into(),
            });
        }
        Err(TicketError::Refused {
            system: SYSTEM,
            endpoint: path.into(),
            words: qiyu_code_words(&code)
                .map(|(en, _)| en.to_string())
                .unwrap_or_else(|| text(&answer, "message")),
            code,
        })
    }

    pub async fn create(&self, draft: &TicketDraft) -> Result<CreatedTicket, TicketError> {
        let Some(uid) = draft.customer.uid.clone().filter(|u| !u.is_empty()) else {
            return Err(TicketError::Invalid(
                "a Qiyu ticket needs the customer's id (uid)".into(),
            ));
        };
        let mut attachments = Vec::new();
        for file in &draft.attachments {
            let bytes = crate::read_attachment(file)?;
            attachments.push(json!({
                "fileName": file.name,
                "type": 1,
                "payload": base64::engine::general_purpose::STANDARD.encode(bytes),
            }));
        }
        let body = json!({
            "title": draft.title,
            "uid": uid,
            "content": draft.content,
            "staffId": self.settings.staff_id,
            "typeId": draft.type_id.clone().unwrap_or_else(|| "0".into()),
            "priority": priority(draft.level),
            "userName": draft.customer.name.clone().unwrap_or_default(),
            "userMobile": draft.customer.mobile.clone().unwrap_or_default(),
            "userEmail": draft.customer.email.clone().unwrap_or_default(),
            "targetGroupId": draft.group_id.clone().unwrap_or_default(),
            "customFields": draft.fields.iter()
                .map(|f| json!({"id": f.id, "value": f.value}))
                .collect::<Vec<_>>(),
            "attachments": attachments,
        });
        let answer = self.signed("v2/ticket/create", &body).await?;
        // v2's answer is not documented; v1 answered the id as `message` (fact sheet B.3).
        let id = match &answer {
            Value::Object(_) => {
                let id = text(&answer, "id");
                if id.is_empty() {
                    text(&answer, "ticketId")
                } else {
                    id
                }
            }
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if id.is_empty() {
            return Err(TicketError::Garbled {
                system: SYSTEM,
                endpoint: "v2/ticket/create".into(),
                message: "no ticket id in the answer".into(),
            });
        }
        Ok(CreatedTicket {
            system: SYSTEM,
            number: id.clone(),
            id,
            url: None,
        })
    }

    async fn search(
        &self,
        uid: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<Value>, TicketError> {
        let mut found = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .signed(
                    "v2/ticket/search",
                    &json!({"uid": uid, "start": start_ms, "end": end_ms, "limit": 50,
                            "offset": offset, "sortBy": "ct", "order": "desc",
                            "withCustomField": false}),
                )
                .await?;
            let tickets = list(&page, &["tickets"]).to_vec();
            let total = int(&page, "total").unwrap_or(0);
            offset += tickets.len() as i64;
            let done = tickets.is_empty() || offset >= total;
            found.extend(tickets);
            if done {
                return Ok(found);
            }
        }
    }

    /// The ticket the attempt created, if it landed: the customer's tickets since the attempt,
    /// matched on title and content (Qiyu keeps no key of the caller's; docs/PROTOCOL.md).
    pub async fn find_attempt(
        &self,
        draft: &TicketDraft,
        sent_at_ms: i64,
    ) -> Result<Option<CreatedTicket>, TicketError> {
        let Some(uid) = draft.customer.uid.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let now = self.http.signing_time_ms();
        let found = self
            .search(uid, sent_at_ms - 10 * 60_000, now + 10 * 60_000)
            .await?;
        Ok(found
            .iter()
            .find(|t| text(t, "title") == draft.title && text(t, "content") == draft.content)
            .map(|t| CreatedTicket {
                system: SYSTEM,
                id: text(t, "id"),
                number: text(t, "id"),
                url: None,
            }))
    }

    /// The customer's tickets of the last `days` days, open ones first.
    pub async fn list(&self, uid: &str, days: i64) -> Result<Vec<TicketSummary>, TicketError> {
        let now = self.http.signing_time_ms();
        let found = self
            .search(uid, now - days * 86_400_000, now + 60_000)
            .await?;
        let mut tickets: Vec<TicketSummary> = found.iter().map(summary).collect();
        crate::open_first(&mut tickets);
        Ok(tickets)
    }

    pub async fn detail(&self, id: &str) -> Result<TicketDetail, TicketError> {
        let data = self
            .signed("v2/ticket/new/detail", &json!({"ticketId": id}))
            .await?;
        Ok(TicketDetail {
            summary: summary(&data),
            content: text(&data, "content"),
            replies: Vec::new(),
            log: Vec::new(),
            attachments: list(&data, &["attachments"])
                .iter()
                .map(|a| text(a, "name"))
                .collect(),
        })
    }
}

/// Qiyu's statuses differ between versions and tenants (fact sheet B.3): 20 (已完结) and 15 (已关闭
/// in the other reading) are taken as done, anything else as open.
fn summary(t: &Value) -> TicketSummary {
    let status = int(t, "status").unwrap_or(0);
    TicketSummary {
        id: text(t, "id"),
        number: text(t, "id"),
        title: text(t, "title"),
        status: status.to_string(),
        status_name: match status {
            1 => "已提交",
            5 => "未受理",
            10 => "受理中",
            15 => "已关闭",
            20 => "已完结",
            _ => "",
        }
        .to_string(),
        open: !matches!(status, 15 | 20),
        level: int(t, "priority"),
        level_name: String::new(),
        assignee: text(t, "staffId"),
        created_at: text(t, "createTime"),
        updated_at: text(t, "createTime"),
    }
}
