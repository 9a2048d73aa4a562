//! Zendesk Support, API v2 (fact sheet D): a ticket created with `external_id` (the attempt's
//! marker: how a lost answer is looked up), files uploaded first (`/uploads` → token), comments
//! and status through `PUT`, the ticket and its comments read back. Basic credentials
//! `{email}/token:{api_token}`.

use agentdesk_domain::Secret;
use agentdesk_http::HttpClient;
use serde_json::{json, Value};

use crate::json::{int, list, text};
use crate::model::*;
use crate::rest::{basic, call};
use crate::TicketError;

const SYSTEM: SystemKind = SystemKind::Zendesk;

#[derive(Debug, Clone)]
pub struct ZendeskSettings {
    pub base_url: String,
    pub email: String,
    pub api_token: Secret,
}

pub struct ZendeskTickets {
    http: HttpClient,
    base: String,
    settings: ZendeskSettings,
}

/// Sobot's levels (0 低 … 3 紧急) as Zendesk's priorities.
fn priority(level: Option<i64>) -> &'static str {
    match level {
        Some(0) => "low",
        Some(2) => "high",
        Some(3) => "urgent",
        _ => "normal",
    }
}

/// A tag Zendesk keeps as written: lower case letters, digits and `_`.
pub fn customer_tag(uid: &str) -> String {
    let clean: String = uid
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("agentdesk_uid_{clean}")
}

impl ZendeskTickets {
    pub fn new(http: HttpClient, settings: ZendeskSettings) -> ZendeskTickets {
        ZendeskTickets {
            base: settings.base_url.trim_end_matches('/').to_string(),
            http,
            settings,
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let user = format!("{}/token", self.settings.email);
        self.http
            .reqwest()
            .request(method, format!("{}/api/v2/{path}", self.base))
            .header(
                "Authorization",
                basic(&user, self.settings.api_token.expose()),
            )
            .header("Accept", "application/json")
    }

    fn created(&self, ticket: &Value) -> CreatedTicket {
        let id = text(ticket, "id");
        CreatedTicket {
            system: SYSTEM,
            number: format!("#{id}"),
            url: Some(format!("{}/agent/tickets/{id}", self.base)),
            id,
        }
    }

    async fn upload(&self, file: &AttachmentFile) -> Result<String, TicketError> {
        let bytes = crate::read_attachment(file)?;
        let answer = call(
            &self.http,
            SYSTEM,
            "uploads",
            self.request(reqwest::Method::POST, "uploads")
                .query(&[("filename", file.name.as_str())])
                .header("Content-Type", "application/binary")
                .body(bytes),
        )
        .await?;
        let token = answer
            .get("upload")
            .map(|u| text(u, "token"))
            .unwrap_or_default();
        if token.is_empty() {
            return Err(TicketError::Garbled {
                system: SYSTEM,
                endpoint: "uploads".into(),
                message: "no upload token in the answer".into(),
            });
        }
        Ok(token)
    }

    pub async fn create(
        &self,
        draft: &TicketDraft,
        marker: &str,
    ) -> Result<CreatedTicket, TicketError> {
        let mut uploads = Vec::new();
        for file in &draft.attachments {
            uploads.push(self.upload(file).await?);
        }
        let mut ticket = json!({
            "subject": draft.title,
            "comment": {"body": draft.content, "uploads": uploads, "public": false},
            "external_id": external_id(marker),
            "priority": priority(draft.level),
            "tags": ["agentdesk"],
        });
        if let Some(uid) = draft.customer.uid.as_deref().filter(|u| !u.is_empty()) {
            ticket["tags"] = json!(["agentdesk", customer_tag(uid)]);
        }
        if let Some(email) = draft.customer.email.as_deref().filter(|e| !e.is_empty()) {
            ticket["requester"] = json!({
                "email": email,
                "name": draft.customer.name.clone().unwrap_or_else(|| email.to_string()),
            });
        }
        let answer = call(
            &self.http,
            SYSTEM,
            "tickets",
            self.request(reqwest::Method::POST, "tickets")
                .json(&json!({"ticket": ticket})),
        )
        .await?;
        let created = answer.get("ticket").cloned().unwrap_or(Value::Null);
        if int(&created, "id").is_none() {
            return Err(TicketError::Garbled {
                system: SYSTEM,
                endpoint: "tickets".into(),
                message: "no ticket id in the answer".into(),
            });
        }
        Ok(self.created(&created))
    }

    /// The ticket `marker`'s attempt created, if it landed (`GET /tickets?external_id=`).
    pub async fn find_attempt(&self, marker: &str) -> Result<Option<CreatedTicket>, TicketError> {
        let answer = call(
            &self.http,
            SYSTEM,
            "tickets/by_external_id",
            self.request(reqwest::Method::GET, "tickets")
                .query(&[("external_id", external_id(marker))]),
        )
        .await?;
        Ok(list(&answer, &["tickets"]).first().map(|t| self.created(t)))
    }

    /// The customer's tickets (by the tag AgentDesk gave them), open ones first.
    pub async fn list(&self, uid: &str) -> Result<Vec<TicketSummary>, TicketError> {
        let answer = call(
            &self.http,
            SYSTEM,
            "search",
            self.request(reqwest::Method::GET, "search.json")
                .query(&[("query", format!("type:ticket tags:{}", customer_tag(uid)))]),
        )
        .await?;
        let mut tickets: Vec<TicketSummary> =
            list(&answer, &["results"]).iter().map(summary).collect();
        crate::open_first(&mut tickets);
        Ok(tickets)
    }

    pub async fn detail(&self, id: &str) -> Result<TicketDetail, TicketError> {
        let answer = call(
            &self.http,
            SYSTEM,
            "tickets/show",
            self.request(reqwest::Method::GET, &format!("tickets/{id}")),
        )
        .await?;
        let ticket = answer.get("ticket").cloned().unwrap_or(Value::Null);
        let comments = call(
            &self.http,
            SYSTEM,
            "tickets/comments",
            self.request(reqwest::Method::GET, &format!("tickets/{id}/comments")),
        )
        .await?;
        let comments = list(&comments, &["comments"]);
        Ok(TicketDetail {
            summary: summary(&ticket),
            content: text(&ticket, "description"),
            replies: comments
                .iter()
                .skip(1)
                .map(|c| TicketReply {
                    author: text(c, "author_id"),
                    content: text(c, "body"),
                    internal: c.get("public").and_then(Value::as_bool) == Some(false),
                    at: text(c, "created_at"),
                })
                .collect(),
            log: Vec::new(),
            attachments: comments
                .iter()
                .flat_map(|c| {
                    list(c, &["attachments"])
                        .iter()
                        .map(|a| text(a, "file_name"))
                })
                .collect(),
        })
    }

    /// A comment, public or internal, with a status change if asked (`PUT /tickets/{id}`).
    pub async fn comment(
        &self,
        id: &str,
        reply: &ReplyDraft,
        status: Option<&str>,
    ) -> Result<(), TicketError> {
        let mut ticket = json!({"comment": {"body": reply.content, "public": !reply.internal}});
        if let Some(status) = status {
            ticket["status"] = json!(status);
        }
        call(
            &self.http,
            SYSTEM,
            "tickets/update",
            self.request(reqwest::Method::PUT, &format!("tickets/{id}"))
                .json(&json!({"ticket": ticket})),
        )
        .await
        .map(|_| ())
    }
}

/// The attempt's key in Zendesk (`external_id`).
pub fn external_id(marker: &str) -> String {
    format!("agentdesk-{marker}")
}

fn summary(ticket: &Value) -> TicketSummary {
    let status = text(ticket, "status");
    let id = text(ticket, "id");
    TicketSummary {
        number: format!("#{id}"),
        id,
        title: text(ticket, "subject"),
        open: !matches!(status.as_str(), "solved" | "closed"),
        status_name: status.clone(),
        status,
        level: None,
        level_name: text(ticket, "priority"),
        assignee: text(ticket, "assignee_id"),
        created_at: text(ticket, "created_at"),
        updated_at: text(ticket, "updated_at"),
    }
}
