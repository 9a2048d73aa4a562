//! Tickets from the conversation, in the merchant's ticket system: Sobot 工单 (Open Platform 5.0),
//! Jira Cloud, Zendesk Support and Qiyu 工单, each client following
//! `shared/reference/tickets-and-qiyu.md` field for field, all through the one observed HTTP client.
//!
//! None of these systems takes an idempotency key, so a ticket is created exactly once by
//! `once::create_once`: the attempt is recorded before it leaves, and an attempt whose outcome is
//! unknown is looked up in the system before it is sent again.

mod desk;
mod error;
mod jira;
mod json;
mod model;
pub mod once;
mod qiyu;
mod rest;
mod sobot;
mod validate;
mod zendesk;

use agentdesk_http::HttpClient;

pub use desk::{
    AttachmentInput, CustomerTicket, CustomerTickets, SobotOfAccount, TicketDesk, TicketForm,
    TicketListFailure, TicketRequest, TicketSetup, TicketSystemView,
};
pub use error::{qiyu_code_words, sobot_code_words, TicketError};
pub use jira::{adf, adf_text, JiraSettings, JiraTickets};
pub use model::*;
pub use qiyu::{checksum as qiyu_checksum, QiyuSettings, QiyuTickets};
pub use sobot::{
    china_time, AgentTicketFigures, SobotSettings, SobotTickets, TicketFigures, CLOSED, DELETED,
};
pub use validate::validate_draft;
pub use zendesk::{customer_tag as zendesk_customer_tag, ZendeskSettings, ZendeskTickets};

/// How far back a customer's tickets are listed (Sobot and Qiyu search by creation time).
pub const LIST_DAYS: i64 = 180;

/// A merchant's ticket system and its settings.
#[derive(Debug, Clone)]
pub enum TicketSettings {
    Sobot(SobotSettings),
    Jira(JiraSettings),
    Zendesk(ZendeskSettings),
    Qiyu(QiyuSettings),
}

impl TicketSettings {
    pub fn kind(&self) -> SystemKind {
        match self {
            TicketSettings::Sobot(_) => SystemKind::Sobot,
            TicketSettings::Jira(_) => SystemKind::Jira,
            TicketSettings::Zendesk(_) => SystemKind::Zendesk,
            TicketSettings::Qiyu(_) => SystemKind::Qiyu,
        }
    }

    /// Where the system is (part of an attempt's identity: the same draft for another system or
    /// another site is another ticket).
    pub fn base_url(&self) -> &str {
        match self {
            TicketSettings::Sobot(s) => &s.base_url,
            TicketSettings::Jira(s) => &s.base_url,
            TicketSettings::Zendesk(s) => &s.base_url,
            TicketSettings::Qiyu(s) => &s.base_url,
        }
    }
}

/// One ticket system's client.
pub enum TicketSystem {
    Sobot(SobotTickets),
    Jira(JiraTickets),
    Zendesk(ZendeskTickets),
    Qiyu(QiyuTickets),
}

impl TicketSystem {
    pub fn new(http: HttpClient, settings: TicketSettings) -> TicketSystem {
        match settings {
            TicketSettings::Sobot(s) => TicketSystem::Sobot(SobotTickets::new(http, s)),
            TicketSettings::Jira(s) => TicketSystem::Jira(JiraTickets::new(http, s)),
            TicketSettings::Zendesk(s) => TicketSystem::Zendesk(ZendeskTickets::new(http, s)),
            TicketSettings::Qiyu(s) => TicketSystem::Qiyu(QiyuTickets::new(http, s)),
        }
    }

    pub fn kind(&self) -> SystemKind {
        match self {
            TicketSystem::Sobot(_) => SystemKind::Sobot,
            TicketSystem::Jira(_) => SystemKind::Jira,
            TicketSystem::Zendesk(_) => SystemKind::Zendesk,
            TicketSystem::Qiyu(_) => SystemKind::Qiyu,
        }
    }

    /// Sends the draft once; `marker` is the attempt's id, left in the ticket where the system
    /// keeps one (Jira's label, Zendesk's `external_id`) for `find_attempt`.
    pub async fn send(
        &self,
        draft: &TicketDraft,
        marker: &str,
    ) -> Result<CreatedTicket, TicketError> {
        match self {
            TicketSystem::Sobot(s) => s.create(draft, marker).await,
            TicketSystem::Jira(s) => s.create(draft, marker).await,
            TicketSystem::Zendesk(s) => s.create(draft, marker).await,
            TicketSystem::Qiyu(s) => s.create(draft).await,
        }
    }

    /// What is left to do on a created ticket (Jira takes attachments only once the issue exists);
    /// safe to repeat.
    pub async fn complete(
        &self,
        ticket: &CreatedTicket,
        draft: &TicketDraft,
    ) -> Result<(), TicketError> {
        match self {
            TicketSystem::Jira(s) => s.attach_missing(&ticket.number, draft).await,
            _ => Ok(()),
        }
    }

    /// The ticket the attempt `marker` (sent at `sent_at_ms`, real time) created, if it landed.
    pub async fn find_attempt(
        &self,
        draft: &TicketDraft,
        marker: &str,
        sent_at_ms: i64,
    ) -> Result<Option<CreatedTicket>, TicketError> {
        match self {
            TicketSystem::Sobot(s) => s.find_attempt(draft, sent_at_ms).await,
            TicketSystem::Jira(s) => s.find_attempt(marker).await,
            TicketSystem::Zendesk(s) => s.find_attempt(marker).await,
            TicketSystem::Qiyu(s) => s.find_attempt(draft, sent_at_ms).await,
        }
    }

    /// The choices for a new ticket: Sobot's dictionary; the others' four levels (named by the
    /// window) and no category tree.
    pub async fn dictionary(&self) -> Result<Dictionary, TicketError> {
        match self {
            TicketSystem::Sobot(s) => s.dictionary().await,
            _ => Ok(Dictionary {
                levels: (0..4)
                    .map(|level| Named {
                        value: level.to_string(),
                        name: String::new(),
                    })
                    .collect(),
                ..Dictionary::default()
            }),
        }
    }

    /// A category's template fields (Sobot's; the others have none).
    pub async fn template_fields(&self, type_id: &str) -> Result<Vec<TemplateField>, TicketError> {
        match self {
            TicketSystem::Sobot(s) => s.template_fields(type_id).await,
            _ => Ok(Vec::new()),
        }
    }

    /// The customer's tickets, open ones first.
    pub async fn list(&self, uid: &str) -> Result<Vec<TicketSummary>, TicketError> {
        match self {
            TicketSystem::Sobot(s) => s.list(uid, LIST_DAYS).await,
            TicketSystem::Jira(s) => s.list(uid).await,
            TicketSystem::Zendesk(s) => s.list(uid).await,
            TicketSystem::Qiyu(s) => s.list(uid, LIST_DAYS).await,
        }
    }

    pub async fn detail(&self, id: &str) -> Result<TicketDetail, TicketError> {
        match self {
            TicketSystem::Sobot(s) => s.detail(id).await,
            TicketSystem::Jira(s) => s.detail(id).await,
            TicketSystem::Zendesk(s) => s.detail(id).await,
            TicketSystem::Qiyu(s) => s.detail(id).await,
        }
    }

    /// A reply (and, on Sobot and Zendesk, a status change with it).
    pub async fn reply(&self, id: &str, reply: &ReplyDraft) -> Result<(), TicketError> {
        match self {
            TicketSystem::Sobot(s) => s.reply(id, reply).await,
            TicketSystem::Jira(s) => s.comment(id, reply).await,
            TicketSystem::Zendesk(s) => {
                let status = reply.status.map(zendesk_status);
                s.comment(id, reply, status).await
            }
            TicketSystem::Qiyu(_) => Err(TicketError::Draft(
                agentdesk_workspace::DraftProblem::NoReplyApi {
                    system: SystemKind::Qiyu.to_string(),
                },
            )),
        }
    }
}

/// Sobot's statuses (0 尚未受理, 1 受理中, 2 等待回复, 3 已解决, 99 已关闭) as Zendesk's.
fn zendesk_status(status: i64) -> &'static str {
    match status {
        0 => "new",
        2 => "pending",
        3 => "solved",
        CLOSED => "closed",
        _ => "open",
    }
}

/// An attachment's bytes; a file that cannot be read is named, and nothing is sent.
pub(crate) fn read_attachment(file: &AttachmentFile) -> Result<Vec<u8>, TicketError> {
    std::fs::read(&file.path).map_err(|_| {
        TicketError::Draft(agentdesk_workspace::DraftProblem::AttachmentUnreadable {
            name: file.name.clone(),
        })
    })
}

/// Open tickets first, each group in the order the system gave.
pub(crate) fn open_first(tickets: &mut [TicketSummary]) {
    tickets.sort_by_key(|t| !t.open);
}
