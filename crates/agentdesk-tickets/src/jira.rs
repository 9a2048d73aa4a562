//! Jira Cloud, REST v3 (fact sheet C): an issue created with an Atlassian Document Format
//! description, attachments added after it (multipart `file`, `X-Atlassian-Token: no-check`),
//! comments, and the issue read back. Basic credentials: the account's e-mail and an API token.

use agentdesk_domain::Secret;
use agentdesk_http::HttpClient;
use serde_json::{json, Value};

use crate::json::{list, text};
use crate::model::*;
use crate::rest::{basic, call, file_part};
use crate::TicketError;

const SYSTEM: SystemKind = SystemKind::Jira;

#[derive(Debug, Clone)]
pub struct JiraSettings {
    pub base_url: String,
    pub email: String,
    pub api_token: Secret,
    pub project_key: String,
    pub issue_type: String,
}

pub struct JiraTickets {
    http: HttpClient,
    base: String,
    settings: JiraSettings,
}

/// Plain text as an ADF document: one paragraph per line (v3 takes nothing else in `description`).
pub fn adf(text: &str) -> Value {
    let paragraphs: Vec<Value> = text
        .lines()
        .map(|line| {
            if line.is_empty() {
                json!({"type": "paragraph", "content": []})
            } else {
                json!({"type": "paragraph", "content": [{"type": "text", "text": line}]})
            }
        })
        .collect();
    json!({"type": "doc", "version": 1, "content": paragraphs})
}

/// An ADF document's text, paragraphs as lines.
pub fn adf_text(doc: &Value) -> String {
    list(doc, &["content"])
        .iter()
        .map(|block| {
            list(block, &["content"])
                .iter()
                .map(|inline| text(inline, "text"))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A label Jira can search by: letters, digits, `-` and `_` only.
pub fn label(prefix: &str, value: &str) -> String {
    let clean: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}{clean}")
}

impl JiraTickets {
    pub fn new(http: HttpClient, settings: JiraSettings) -> JiraTickets {
        JiraTickets {
            base: settings.base_url.trim_end_matches('/').to_string(),
            http,
            settings,
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .reqwest()
            .request(method, format!("{}/rest/api/3/{path}", self.base))
            .header(
                "Authorization",
                basic(&self.settings.email, self.settings.api_token.expose()),
            )
            .header("Accept", "application/json")
    }

    fn created(&self, id: String, key: String) -> CreatedTicket {
        CreatedTicket {
            system: SYSTEM,
            url: Some(format!("{}/browse/{key}", self.base)),
            id,
            number: key,
        }
    }

    /// Creates the issue, labelled with the attempt's marker (how a lost answer is looked up) and
    /// the customer's id (how the customer's issues are listed); then its attachments.
    pub async fn create(
        &self,
        draft: &TicketDraft,
        marker: &str,
    ) -> Result<CreatedTicket, TicketError> {
        let mut labels = vec![label("agentdesk-", marker)];
        if let Some(uid) = draft.customer.uid.as_deref().filter(|u| !u.is_empty()) {
            labels.push(label("agentdesk-uid-", uid));
        }
        let body = json!({"fields": {
            "project": {"key": self.settings.project_key},
            "issuetype": {"name": self.settings.issue_type},
            "summary": draft.title,
            "description": adf(&draft.content),
            "labels": labels,
        }});
        let answer = call(
            &self.http,
            SYSTEM,
            "issue",
            self.request(reqwest::Method::POST, "issue").json(&body),
        )
        .await?;
        let (id, key) = (text(&answer, "id"), text(&answer, "key"));
        if key.is_empty() {
            return Err(TicketError::Garbled {
                system: SYSTEM,
                endpoint: "issue".into(),
                message: "no key in the answer".into(),
            });
        }
        Ok(self.created(id, key))
    }

    /// Adds the draft's attachments the issue does not have yet (by name), so a resumed attempt
    /// never attaches a file twice.
    pub async fn attach_missing(&self, key: &str, draft: &TicketDraft) -> Result<(), TicketError> {
        if draft.attachments.is_empty() {
            return Ok(());
        }
        let have = self.detail(key).await?.attachments;
        for file in draft.attachments.iter().filter(|f| !have.contains(&f.name)) {
            let bytes = crate::read_attachment(file)?;
            let form = reqwest::multipart::Form::new().part("file", file_part(&file.name, bytes));
            call(
                &self.http,
                SYSTEM,
                "issue/attachments",
                self.request(reqwest::Method::POST, &format!("issue/{key}/attachments"))
                    .header("X-Atlassian-Token", "no-check")
                    .multipart(form),
            )
            .await?;
        }
        Ok(())
    }

    async fn search(&self, jql: String) -> Result<Vec<Value>, TicketError> {
        let answer = call(
            &self.http,
            SYSTEM,
            "search/jql",
            self.request(reqwest::Method::POST, "search/jql")
                .json(&json!({
                    "jql": jql,
                    "fields": ["summary", "status", "priority", "assignee", "created", "updated"],
                    "maxResults": 50,
                })),
        )
        .await?;
        Ok(list(&answer, &["issues"]).to_vec())
    }

    /// The issue `marker`'s attempt created, if it landed (its label).
    pub async fn find_attempt(&self, marker: &str) -> Result<Option<CreatedTicket>, TicketError> {
        let found = self
            .search(format!("labels = \"{}\"", label("agentdesk-", marker)))
            .await?;
        Ok(found
            .first()
            .map(|issue| self.created(text(issue, "id"), text(issue, "key"))))
    }

    /// The customer's issues (by the label AgentDesk gave them), open ones first.
    pub async fn list(&self, uid: &str) -> Result<Vec<TicketSummary>, TicketError> {
        let found = self
            .search(format!(
                "labels = \"{}\" ORDER BY updated DESC",
                label("agentdesk-uid-", uid)
            ))
            .await?;
        let mut tickets: Vec<TicketSummary> = found.iter().map(summary).collect();
        crate::open_first(&mut tickets);
        Ok(tickets)
    }

    /// The issue with its comments and attachments.
    pub async fn detail(&self, key: &str) -> Result<TicketDetail, TicketError> {
        let issue = call(
            &self.http,
            SYSTEM,
            "issue/get",
            self.request(
                reqwest::Method::GET,
                &format!("issue/{key}?fields=summary,status,priority,assignee,created,updated,description,comment,attachment"),
            ),
        )
        .await?;
        let fields = issue.get("fields").cloned().unwrap_or(Value::Null);
        Ok(TicketDetail {
            summary: summary(&issue),
            content: adf_text(fields.get("description").unwrap_or(&Value::Null)),
            replies: list(fields.get("comment").unwrap_or(&Value::Null), &["comments"])
                .iter()
                .map(|c| TicketReply {
                    author: c
                        .get("author")
                        .map(|a| text(a, "displayName"))
                        .unwrap_or_default(),
                    content: adf_text(c.get("body").unwrap_or(&Value::Null)),
                    internal: false,
                    at: text(c, "created"),
                })
                .collect(),
            log: Vec::new(),
            attachments: list(&fields, &["attachment"])
                .iter()
                .map(|a| text(a, "filename"))
                .collect(),
        })
    }

    /// A comment on the issue (Jira changes status through transitions, which AgentDesk leaves to
    /// Jira's own screens).
    pub async fn comment(&self, key: &str, reply: &ReplyDraft) -> Result<(), TicketError> {
        call(
            &self.http,
            SYSTEM,
            "issue/comment",
            self.request(reqwest::Method::POST, &format!("issue/{key}/comment"))
                .json(&json!({"body": adf(&reply.content)})),
        )
        .await
        .map(|_| ())
    }
}

fn summary(issue: &Value) -> TicketSummary {
    let fields = issue.get("fields").cloned().unwrap_or(Value::Null);
    let status = fields.get("status").cloned().unwrap_or(Value::Null);
    let category = status
        .get("statusCategory")
        .map(|c| text(c, "key"))
        .unwrap_or_default();
    TicketSummary {
        id: text(issue, "id"),
        number: text(issue, "key"),
        title: text(&fields, "summary"),
        status: text(&status, "id"),
        status_name: text(&status, "name"),
        open: category != "done",
        level: None,
        level_name: fields
            .get("priority")
            .map(|p| text(p, "name"))
            .unwrap_or_default(),
        assignee: fields
            .get("assignee")
            .map(|a| text(a, "displayName"))
            .unwrap_or_default(),
        created_at: text(&fields, "created"),
        updated_at: text(&fields, "updated"),
    }
}
