//! Sobot's 工单 API of Open Platform 5.0 (`/api/ws/5/ticket/…`, fact sheet A): the company token
//! as the `token` header, GET parameters in the query string, POST bodies as JSON, uploads as
//! multipart, and the `{ret_code, ret_msg, item|items}` envelope with its codes in words.

use std::sync::Arc;

use agentdesk_domain::Secret;
use agentdesk_http::HttpClient;
use agentdesk_sobot::client::{ClientError, TokenCache};
use agentdesk_workspace::DraftProblem;
use serde_json::{json, Value};

use crate::error::{sobot_code_words, transport};
use crate::json::{int, list, text};
use crate::model::*;
use crate::TicketError;

const SYSTEM: SystemKind = SystemKind::Sobot;
/// `ticket_from` 6, PC-在线工作台: a ticket an agent files from the chat workbench (fact sheet A.5).
const FROM_AGENT_WORKBENCH: i64 = 6;
/// `query_tickets` takes at most a month per call and 50 per page (fact sheet A.2, code 400003).
const WINDOW_DAYS: i64 = 30;
const PAGE_SIZE: i64 = 50;

/// An account's ticket settings on Sobot: the open platform's appid and key, the company, and the
/// agent the tickets are filed as.
#[derive(Debug, Clone)]
pub struct SobotSettings {
    pub base_url: String,
    pub appid: String,
    pub app_key: Secret,
    pub company_id: String,
    pub agent_id: String,
    pub agent_name: String,
}

pub struct SobotTickets {
    http: HttpClient,
    base: String,
    settings: SobotSettings,
    tokens: Arc<TokenCache>,
}

/// Ticket statuses that take no more replies: 已关闭 99, 已删除 98 (fact sheet A.5).
pub const CLOSED: i64 = 99;
pub const DELETED: i64 = 98;

impl SobotTickets {
    pub fn new(http: HttpClient, settings: SobotSettings) -> SobotTickets {
        let base = settings.base_url.trim_end_matches('/').to_string();
        let tokens = Arc::new(TokenCache::new(
            http.clone(),
            &base,
            &settings.appid,
            settings.app_key.clone(),
        ));
        SobotTickets {
            http,
            base,
            settings,
            tokens,
        }
    }

    pub fn dictionary_from(item: &Value) -> Dictionary {
        fn categories(items: &[Value]) -> Vec<Category> {
            items
                .iter()
                .map(|c| Category {
                    id: text(c, "typeid"),
                    name: text(c, "type_name"),
                    // node_flag "0" 是叶子, "1" 不是.
                    leaf: text(c, "node_flag") == "0",
                    children: categories(list(c, &["sub_type_list"])),
                })
                .collect()
        }
        let named = |key: &str, value: &str, name: &str| -> Vec<Named> {
            list(item, &[key])
                .iter()
                .map(|v| Named {
                    value: text(v, value),
                    name: text(v, name),
                })
                .collect()
        };
        Dictionary {
            categories: categories(list(item, &["ticket_type_list"])),
            levels: named("ticket_level_list", "dict_value", "dict_name"),
            statuses: named("ticket_status_list", "dict_value", "dict_name"),
            groups: named("group_list", "groupid", "group_name"),
            agents: named("agent_list", "agentid", "agent_name"),
        }
    }

    /// The category tree, levels, statuses, groups and agents (`get_data_dict`).
    pub async fn dictionary(&self) -> Result<Dictionary, TicketError> {
        let answer = self.get("get_data_dict", &[]).await?;
        Ok(Self::dictionary_from(
            answer.get("item").unwrap_or(&Value::Null),
        ))
    }

    /// A category's template fields (`query_fileds_by_typeid`, sic).
    pub async fn template_fields(&self, type_id: &str) -> Result<Vec<TemplateField>, TicketError> {
        let answer = self
            .get(
                "query_fileds_by_typeid",
                &[("ticket_typeid", type_id.to_string())],
            )
            .await?;
        Ok(list(&answer, &["items", "item"])
            .iter()
            .map(|f| TemplateField {
                id: text(f, "fieldid"),
                name: text(f, "field_name"),
                kind: FieldKind::from_sobot(int(f, "field_type").unwrap_or(1)),
                required: int(f, "fill_flag") == Some(1),
                options: list(f, &["field_data_list"])
                    .iter()
                    .map(|o| Named {
                        value: text(o, "data_value"),
                        name: text(o, "data_name"),
                    })
                    .collect(),
            })
            .collect())
    }

    /// Uploads one attachment (`upload_file`); its URL for `file_str`.
    async fn upload(&self, file: &AttachmentFile, batch: &str) -> Result<String, TicketError> {
        let bytes = crate::read_attachment(file)?;
        let endpoint = "upload_file";
        let url = self.url(endpoint);
        let answer = self
            .with_token(endpoint, |token| {
                let form = reqwest::multipart::Form::new()
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(bytes.clone()).file_name(file.name.clone()),
                    )
                    .text("file_num_key", batch.to_string());
                self.http
                    .reqwest()
                    .post(&url)
                    .header("token", token.expose())
                    .multipart(form)
            })
            .await?;
        let file_url = text(answer.get("item").unwrap_or(&Value::Null), "file_url");
        if file_url.is_empty() {
            return Err(garbled(endpoint, "no file_url in the answer"));
        }
        Ok(file_url)
    }

    /// Creates the ticket (`save_agent_ticket`), attachments uploaded first. The ticket code is
    /// read back from the detail (the create answer carries only the id).
    pub async fn create(
        &self,
        draft: &TicketDraft,
        marker: &str,
    ) -> Result<CreatedTicket, TicketError> {
        let Some(type_id) = draft.type_id.clone().filter(|t| !t.trim().is_empty()) else {
            return Err(TicketError::Draft(DraftProblem::NoCategory));
        };
        let mut urls = Vec::new();
        for file in &draft.attachments {
            urls.push(self.upload(file, marker).await?);
        }
        let s = &self.settings;
        let body = json!({
            "companyid": s.company_id,
            "ticket_title": draft.title,
            "ticket_content": draft.content,
            "userid": draft.customer.uid.clone().unwrap_or_default(),
            "recordid": draft.customer.cid.clone().unwrap_or_default(),
            "ticket_from": FROM_AGENT_WORKBENCH,
            "ticket_status": 0,
            "ticket_level": draft.level.unwrap_or(1),
            "ticket_typeid": type_id,
            "create_agentid": s.agent_id,
            "create_agent_name": s.agent_name,
            "deal_groupid": draft.group_id.clone().unwrap_or_default(),
            "deal_group_name": draft.group_name.clone().unwrap_or_default(),
            "deal_agentid": draft.assignee_id.clone().unwrap_or_default(),
            "deal_agent_name": draft.assignee_name.clone().unwrap_or_default(),
            "file_str": urls.join(";"),
            "copy_agent": draft.copied.iter()
                .map(|a| json!({"agent_name": a.name, "agent_mail": a.email}))
                .collect::<Vec<_>>(),
            "extend_fields": draft.fields.iter()
                .map(|f| json!({"fieldid": f.id, "field_value": f.value}))
                .collect::<Vec<_>>(),
        });
        let answer = self.post("save_agent_ticket", &body).await?;
        let id = text(answer.get("item").unwrap_or(&Value::Null), "ticketid");
        if id.is_empty() {
            return Err(garbled("save_agent_ticket", "no ticketid in the answer"));
        }
        // The number is a nicety: the ticket exists whether or not the read-back works.
        let number = match self.detail(&id).await {
            Ok(detail) if !detail.summary.number.is_empty() => detail.summary.number,
            _ => id.clone(),
        };
        Ok(CreatedTicket {
            system: SYSTEM,
            id,
            number,
            url: None,
        })
    }

    /// Tickets created between `from_ms` and `to_ms` (real time), for `uid` when given, in the
    /// platform's one-month windows and pages of 50, newest window first.
    pub async fn tickets_between(
        &self,
        uid: Option<&str>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(TicketSummary, String)>, TicketError> {
        let mut found = Vec::new();
        let mut end = to_ms;
        while end > from_ms {
            let start = (end - WINDOW_DAYS * 86_400_000).max(from_ms);
            let mut page = 1;
            loop {
                let mut query = vec![
                    ("create_start_datetime", china_time(start)),
                    ("create_end_datetime", china_time(end)),
                    ("page_no", page.to_string()),
                    ("page_size", PAGE_SIZE.to_string()),
                ];
                if let Some(uid) = uid {
                    query.push(("userid", uid.to_string()));
                }
                let answer = self.get("query_tickets", &query).await?;
                let items = list(&answer, &["items", "item"]);
                found.extend(
                    items
                        .iter()
                        .map(|t| (summary(t), text(t, "ticket_content"))),
                );
                let pages = int(&answer, "page_count").unwrap_or(1);
                if items.is_empty() || page >= pages {
                    break;
                }
                page += 1;
            }
            end = start;
        }
        Ok(found)
    }

    /// The customer's tickets of the last `days` days, open ones first.
    pub async fn list(&self, uid: &str, days: i64) -> Result<Vec<TicketSummary>, TicketError> {
        let now = self.http.signing_time_ms();
        let mut tickets: Vec<TicketSummary> = self
            .tickets_between(Some(uid), now - days * 86_400_000, now + 60_000)
            .await?
            .into_iter()
            .map(|(summary, _)| summary)
            .collect();
        crate::open_first(&mut tickets);
        Ok(tickets)
    }

    /// The ticket that `marker`'s attempt created, if it landed: the customer's tickets since the
    /// attempt, matched on title and content (Sobot keeps no key of the caller's; docs/PROTOCOL.md).
    pub async fn find_attempt(
        &self,
        draft: &TicketDraft,
        sent_at_ms: i64,
    ) -> Result<Option<CreatedTicket>, TicketError> {
        let now = self.http.signing_time_ms();
        let found = self
            .tickets_between(
                draft.customer.uid.as_deref().filter(|u| !u.is_empty()),
                sent_at_ms - 10 * 60_000,
                now + 10 * 60_000,
            )
            .await?;
        Ok(found
            .into_iter()
            .find(|(s, content)| s.title == draft.title && content == &draft.content)
            .map(|(s, _)| CreatedTicket {
                system: SYSTEM,
                number: if s.number.is_empty() {
                    s.id.clone()
                } else {
                    s.number
                },
                id: s.id,
                url: None,
            }))
    }

    /// One ticket with its replies and log (`get_ticket_by_id`).
    pub async fn detail(&self, id: &str) -> Result<TicketDetail, TicketError> {
        let answer = self
            .get("get_ticket_by_id", &[("ticketid", id.to_string())])
            .await?;
        let item = answer.get("item").cloned().unwrap_or(Value::Null);
        if item.is_null() {
            return Err(TicketError::Refused {
                system: SYSTEM,
                endpoint: "get_ticket_by_id".into(),
                code: "404".into(),
                words: format!("there is no ticket {id}"),
            });
        }
        Ok(TicketDetail {
            summary: summary(&item),
            content: text(&item, "ticket_content"),
            replies: list(&item, &["deal_list"])
                .iter()
                .map(|r| TicketReply {
                    author: text(r, "update_user_name"),
                    content: text(r, "reply_content"),
                    internal: int(r, "reply_type") == Some(1),
                    at: text(r, "reply_datetime"),
                })
                .collect(),
            log: list(&item, &["update_log_list"])
                .iter()
                .map(|l| {
                    format!(
                        "{} {} {}",
                        text(l, "update_datetime"),
                        text(l, "update_agent_name"),
                        text(l, "update_title")
                    )
                })
                .collect(),
            attachments: list(&item, &["file_list"])
                .iter()
                .map(|f| text(f, "file_name"))
                .collect(),
        })
    }

    /// Replies to a ticket, changing its status or level with it (`save_ticket_reply`: Sobot has
    /// no other way to change a ticket). A closed or deleted ticket is refused here, before sending.
    pub async fn reply(&self, id: &str, reply: &ReplyDraft) -> Result<(), TicketError> {
        let current = self.detail(id).await?;
        let status = current.summary.status.parse::<i64>().unwrap_or(0);
        if status == CLOSED || status == DELETED {
            return Err(TicketError::Draft(if status == CLOSED {
                DraftProblem::TicketClosed
            } else {
                DraftProblem::TicketDeleted
            }));
        }
        let s = &self.settings;
        let mut body = json!({
            "ticketid": id,
            "ticket_title": current.summary.title,
            "ticket_content": current.content,
            "get_ticket_datetime": china_time(self.http.signing_time_ms()),
            "reply_content": reply.content,
            "reply_type": if reply.internal { 1 } else { 0 },
            "reply_agentid": s.agent_id,
            "reply_agent_name": s.agent_name,
            "ticket_status": reply.status.unwrap_or(status),
            "ticket_level": reply.level.or(current.summary.level).unwrap_or(1),
        });
        // Reassigned only when the reply names a group or an agent (fact sheet A.4 `deal_*`).
        for (key, value) in [
            ("deal_groupid", &reply.group_id),
            ("deal_group_name", &reply.group_name),
            ("deal_agentid", &reply.assignee_id),
            ("deal_agent_name", &reply.assignee_name),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                body[key] = json!(value);
            }
        }
        self.post("save_ticket_reply", &body).await.map(|_| ())
    }

    /// Supervisors' figures for a period (`get_ticket_data`, `query_agent_jobs`).
    pub async fn figures(&self, from_ms: i64, to_ms: i64) -> Result<TicketFigures, TicketError> {
        let period = [
            ("start_datetime", china_time(from_ms)),
            ("end_datetime", china_time(to_ms)),
        ];
        let data = self.get("get_ticket_data", &period).await?;
        let item = data.get("item").unwrap_or(&data);
        let jobs = self.get("query_agent_jobs", &period).await?;
        Ok(TicketFigures {
            unassigned: int(item, "unassigned_ticket_num").unwrap_or(0),
            unsolved: int(item, "unsolved_ticket_num").unwrap_or(0),
            agents: list(&jobs, &["items", "item"])
                .iter()
                .map(|a| AgentTicketFigures {
                    agent_name: text(a, "agent_name"),
                    handled: int(a, "deal_ticket_num").unwrap_or(0),
                    replies: int(a, "reply_num").unwrap_or(0),
                    solved_rate: text(a, "ticket_end_rate"),
                })
                .collect(),
        })
    }

    fn url(&self, op: &str) -> String {
        format!("{}/api/ws/5/ticket/{op}", self.base)
    }

    async fn get(&self, op: &str, query: &[(&str, String)]) -> Result<Value, TicketError> {
        let url = self.url(op);
        self.with_token(op, |token| {
            self.http
                .reqwest()
                .get(&url)
                .header("token", token.expose())
                .query(query)
        })
        .await
    }

    async fn post(&self, op: &str, body: &Value) -> Result<Value, TicketError> {
        let url = self.url(op);
        self.with_token(op, |token| {
            self.http
                .reqwest()
                .post(&url)
                .header("token", token.expose())
                .json(body)
        })
        .await
    }

    /// One call with the company token, recorded; a refused token is renewed once (the platform
    /// refused the call, so making it again cannot do anything twice).
    async fn with_token(
        &self,
        endpoint: &str,
        request: impl Fn(&Secret) -> reqwest::RequestBuilder,
    ) -> Result<Value, TicketError> {
        let mut renewed = false;
        loop {
            let token = self.tokens.token().await.map_err(token_error)?;
            let attempt = async {
                let response = request(&token)
                    .send()
                    .await
                    .map_err(|e| transport(SYSTEM, endpoint, &e))?;
                envelope(endpoint, response).await
            };
            match self
                .http
                .observed(&format!("ticket/{endpoint}"), attempt)
                .await
            {
                Err(error) if error.credential_refused() && !renewed => {
                    renewed = true;
                    self.tokens.invalidate(&token).await;
                }
                result => return result,
            }
        }
    }
}

/// Supervisors' ticket figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct TicketFigures {
    #[ts(type = "number")]
    pub unassigned: i64,
    #[ts(type = "number")]
    pub unsolved: i64,
    pub agents: Vec<AgentTicketFigures>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct AgentTicketFigures {
    pub agent_name: String,
    #[ts(type = "number")]
    pub handled: i64,
    #[ts(type = "number")]
    pub replies: i64,
    /// The platform's own text (e.g. `50%`).
    pub solved_rate: String,
}

fn summary(t: &Value) -> TicketSummary {
    let status = int(t, "ticket_status").unwrap_or(0);
    TicketSummary {
        id: text(t, "ticketid"),
        number: text(t, "ticket_code"),
        title: text(t, "ticket_title"),
        status: status.to_string(),
        status_name: text(t, "ticket_status_cn"),
        // 3 已解决, 99 已关闭, 98 已删除 are done; anything else (custom statuses too) needs work.
        open: !matches!(status, 3 | CLOSED | DELETED),
        level: int(t, "ticket_level"),
        level_name: text(t, "ticket_level_cn"),
        assignee: text(t, "deal_agent_name"),
        created_at: text(t, "create_datetime"),
        updated_at: text(t, "update_datetime"),
    }
}

/// The answer's JSON, or the refusal in words.
async fn envelope(endpoint: &str, response: reqwest::Response) -> Result<Value, TicketError> {
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|e| transport(SYSTEM, endpoint, &e))?;
    if status != 200 {
        return Err(TicketError::Http {
            system: SYSTEM,
            endpoint: endpoint.into(),
            status,
            message: agentdesk_http::truncate(&body),
        });
    }
    let value: Value =
        serde_json::from_str(&body).map_err(|e| garbled(endpoint, &e.to_string()))?;
    let code = text(&value, "ret_code");
    if code == "000000" {
        return Ok(value);
    }
    if code.is_empty() {
        return Err(garbled(endpoint, "no ret_code in the answer"));
    }
    let words = sobot_code_words(&code)
        .map(|(en, _)| en.to_string())
        .unwrap_or_else(|| text(&value, "ret_msg"));
    Err(TicketError::Refused {
        system: SYSTEM,
        endpoint: endpoint.into(),
        code,
        words,
    })
}

fn garbled(endpoint: &str, message: &str) -> TicketError {
    TicketError::Garbled {
        system: SYSTEM,
        endpoint: endpoint.into(),
        message: message.into(),
    }
}

fn token_error(error: ClientError) -> TicketError {
    match error {
        ClientError::Network { endpoint, message } => TicketError::Unreachable {
            system: SYSTEM,
            endpoint,
            message,
        },
        ClientError::Platform {
            endpoint,
            code_text,
            message,
            ..
        } => TicketError::Refused {
            system: SYSTEM,
            words: sobot_code_words(&code_text)
                .map(|(en, _)| en.to_string())
                .unwrap_or(message),
            endpoint,
            code: code_text,
        },
        ClientError::Http {
            endpoint,
            status,
            body,
        } => TicketError::Http {
            system: SYSTEM,
            endpoint,
            status,
            message: body,
        },
        other => TicketError::Garbled {
            system: SYSTEM,
            endpoint: "get_token".into(),
            message: other.to_string(),
        },
    }
}

/// The platform's `yyyy-MM-dd HH:mm:ss`, China time (the platform's own zone).
pub fn china_time(ms: i64) -> String {
    use chrono::{FixedOffset, TimeZone};
    FixedOffset::east_opt(8 * 3600)
        .and_then(|zone| zone.timestamp_millis_opt(ms).single())
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}
