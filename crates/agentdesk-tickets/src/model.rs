//! What a ticket is to AgentDesk, whatever system holds it: the draft an agent submits, the ticket
//! it became, a customer's tickets as a list and one ticket in detail, and a system's dictionary
//! (categories, levels, statuses, groups, agents) with a category's template fields.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The ticket systems AgentDesk files tickets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum SystemKind {
    Sobot,
    Jira,
    Zendesk,
    Qiyu,
}

impl SystemKind {
    pub const ALL: [SystemKind; 4] = [
        SystemKind::Sobot,
        SystemKind::Jira,
        SystemKind::Zendesk,
        SystemKind::Qiyu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Sobot => "sobot",
            SystemKind::Jira => "jira",
            SystemKind::Zendesk => "zendesk",
            SystemKind::Qiyu => "qiyu",
        }
    }

    pub fn parse(name: &str) -> Option<SystemKind> {
        SystemKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name.trim().to_ascii_lowercase())
    }

    /// Whether the system has a category tree with per-category templates, groups and agents (a
    /// dictionary worth asking for and keeping): Sobot only.
    pub fn has_dictionary(self) -> bool {
        self == SystemKind::Sobot
    }

    /// The largest attachment each system takes, and how many at most. Qiyu documents its limits
    /// (≤ 5 files, ≤ 5 MB together); the others' are their cloud defaults (docs/PROTOCOL.md).
    pub fn attachment_limits(self) -> AttachmentLimits {
        const MB: u64 = 1024 * 1024;
        match self {
            SystemKind::Sobot => AttachmentLimits {
                per_file: 20 * MB,
                total: 100 * MB,
                count: 10,
            },
            SystemKind::Jira => AttachmentLimits {
                per_file: 10 * MB,
                total: 100 * MB,
                count: 20,
            },
            SystemKind::Zendesk => AttachmentLimits {
                per_file: 50 * MB,
                total: 250 * MB,
                count: 20,
            },
            SystemKind::Qiyu => AttachmentLimits {
                per_file: 5 * MB,
                total: 5 * MB,
                count: 5,
            },
        }
    }
}

impl std::fmt::Display for SystemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    pub per_file: u64,
    pub total: u64,
    pub count: usize,
}

/// Who the ticket is for: the platform's customer and, when it comes from a chat, the session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketCustomer {
    /// The platform's customer id (Sobot `userid`, Qiyu `uid`).
    pub uid: Option<String>,
    /// The chat session the ticket comes from (Sobot `recordid`).
    pub cid: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
}

/// A template field's value, by the field's id (a cascade's leaf value, an area's codes, a
/// checkbox's values joined by commas).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldValue {
    pub id: String,
    pub value: String,
}

/// A file to attach, read when the ticket is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentFile {
    /// The name the system shows.
    pub name: String,
    pub path: PathBuf,
}

/// An agent copied on a Sobot ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CopiedAgent {
    pub name: String,
    pub email: String,
}

/// What the agent submits. Everything of it is kept until the ticket is created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketDraft {
    pub title: String,
    pub content: String,
    pub customer: TicketCustomer,
    /// Sobot's leaf category, Qiyu's category (`typeId`).
    pub type_id: Option<String>,
    /// Sobot 0 低 / 1 中 / 2 高 / 3 紧急; mapped onto each system's own priorities.
    pub level: Option<i64>,
    pub fields: Vec<FieldValue>,
    pub attachments: Vec<AttachmentFile>,
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub copied: Vec<CopiedAgent>,
}

/// A ticket the system created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CreatedTicket {
    pub system: SystemKind,
    /// The system's id (what `show` takes).
    pub id: String,
    /// What people call it: Sobot's ticket code, Jira's key, Zendesk's `#id`.
    pub number: String,
    /// Where it opens in the system's own console, when known.
    pub url: Option<String>,
}

/// One ticket in a customer's list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TicketSummary {
    pub id: String,
    pub number: String,
    pub title: String,
    /// The system's own status value, and its name.
    pub status: String,
    pub status_name: String,
    /// Whether the ticket still needs work (not solved, closed or deleted).
    pub open: bool,
    #[ts(type = "number | null")]
    pub level: Option<i64>,
    pub level_name: String,
    pub assignee: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A reply or note on a ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TicketReply {
    pub author: String,
    pub content: String,
    /// Seen only by agents.
    pub internal: bool,
    pub at: String,
}

/// One ticket with what happened to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TicketDetail {
    pub summary: TicketSummary,
    pub content: String,
    pub replies: Vec<TicketReply>,
    /// The system's log of changes, as lines.
    pub log: Vec<String>,
    /// Attachment names.
    pub attachments: Vec<String>,
}

/// A reply to a ticket, and the changes that go with it (Sobot changes status, level and
/// assignee only through a reply).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ReplyDraft {
    pub content: String,
    pub internal: bool,
    #[ts(type = "number | null")]
    pub status: Option<i64>,
    #[ts(type = "number | null")]
    pub level: Option<i64>,
    /// Sobot: reassign the ticket with the reply (to a group, an agent, or both).
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
}

/// A category in the system's tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Category {
    pub id: String,
    pub name: String,
    /// Only a leaf may be a ticket's category.
    pub leaf: bool,
    // Named, not walked: ts-rs walks a Vec's element type directly, so a tree never ends.
    #[ts(type = "Array<Category>")]
    pub children: Vec<Category>,
}

/// A value with its name (levels, statuses, groups, agents, a dropdown's options).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Named {
    pub value: String,
    pub name: String,
}

/// A system's choices for a new ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Dictionary {
    pub categories: Vec<Category>,
    pub levels: Vec<Named>,
    pub statuses: Vec<Named>,
    pub groups: Vec<Named>,
    pub agents: Vec<Named>,
}

impl Dictionary {
    /// The category `id`, wherever it is in the tree.
    pub fn category(&self, id: &str) -> Option<&Category> {
        fn find<'a>(list: &'a [Category], id: &str) -> Option<&'a Category> {
            list.iter()
                .find_map(|c| (c.id == id).then_some(c).or_else(|| find(&c.children, id)))
        }
        find(&self.categories, id)
    }
}

/// How a template field is entered (Sobot's `field_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    MultilineText,
    Date,
    Time,
    Number,
    Dropdown,
    Checkbox,
    Radio,
    Cascade,
    Area,
    DateTime,
}

impl FieldKind {
    /// Sobot's codes: 1 单行文本, 2 多行文本, 3 日期, 4 时间, 5 数值, 6 下拉列表, 7 复选框, 8 单选框, 9 级联,
    /// 11 地区, 12 日期+时间. An unknown code is entered as text.
    pub fn from_sobot(code: i64) -> FieldKind {
        match code {
            2 => FieldKind::MultilineText,
            3 => FieldKind::Date,
            4 => FieldKind::Time,
            5 => FieldKind::Number,
            6 => FieldKind::Dropdown,
            7 => FieldKind::Checkbox,
            8 => FieldKind::Radio,
            9 => FieldKind::Cascade,
            11 => FieldKind::Area,
            12 => FieldKind::DateTime,
            _ => FieldKind::Text,
        }
    }
}

/// A field of a category's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TemplateField {
    pub id: String,
    pub name: String,
    pub kind: FieldKind,
    pub required: bool,
    pub options: Vec<Named>,
}
