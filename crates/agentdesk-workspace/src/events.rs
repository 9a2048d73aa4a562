//! Everything the workbench tells its hosts, as one tagged type: the window receives it (its
//! subscription table is generated from it), the desktop shell words its notices, the CLI and the
//! tests read it. Every event of a workspace carries that workspace's generation, so the bus can
//! drop a previous tenant's stragglers before anyone sees them.
//!
//! This module is a leaf: the services produce these payloads, the bus carries them, and none of
//! them imports another's module for it.

use agentdesk_domain::DomainEvent;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeskEvent {
    /// A domain event of a workspace's engine (a message, a session, the connection...).
    Domain {
        #[ts(type = "number")]
        workspace: u64,
        event: DomainEvent,
    },
    /// A session's mood changed what the window shows.
    Mood {
        #[ts(type = "number")]
        workspace: u64,
        mood: SessionMood,
    },
    /// How far the knowledge base's questions are understood (embedded) in the background.
    Indexing {
        #[ts(type = "number")]
        workspace: u64,
        progress: IndexingProgress,
    },
    /// A step of one of the reply assistant's calls (text to append, a wait, the end).
    Assist {
        #[ts(type = "number")]
        workspace: u64,
        step: AssistEvent,
    },
    /// Events were lost on the way (someone fell behind): read again whatever is shown.
    Resync {
        #[ts(type = "number")]
        workspace: u64,
        #[ts(type = "number")]
        skipped: u64,
    },
    /// Worth telling the agent outside the window (the host words it and decides how to show it).
    Notice {
        #[ts(type = "number")]
        workspace: u64,
        notice: Notice,
    },
    /// A ticket the agent submitted moved on (creating, checking, created, not created).
    Ticket {
        #[ts(type = "number")]
        workspace: u64,
        progress: TicketProgress,
    },
    /// A payment link was asked for, made, paid, closed...
    Payment {
        #[ts(type = "number")]
        workspace: u64,
        link: PaymentProgress,
    },
    /// The API health alert was raised or cleared (it belongs to the account, no workspace).
    ApiHealth { alert: ApiHealthAlert },
}

impl DeskEvent {
    /// The workspace generation the event belongs to (none for the account's own events).
    pub fn workspace(&self) -> Option<u64> {
        match self {
            DeskEvent::Domain { workspace, .. }
            | DeskEvent::Mood { workspace, .. }
            | DeskEvent::Indexing { workspace, .. }
            | DeskEvent::Assist { workspace, .. }
            | DeskEvent::Resync { workspace, .. }
            | DeskEvent::Notice { workspace, .. }
            | DeskEvent::Ticket { workspace, .. }
            | DeskEvent::Payment { workspace, .. } => Some(*workspace),
            DeskEvent::ApiHealth { .. } => None,
        }
    }
}

/// Where a submitted ticket is: being sent, being looked up (an answer was lost: it may exist, and
/// is sent again only once the system proves it does not), created, or not created (the draft kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Creating,
    Checking,
    Created,
    NotCreated,
}

/// A submitted ticket's progress, for the window.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TicketProgress {
    /// The window's id for the submission: the same id submitted again is the same ticket.
    pub attempt_id: String,
    /// The session it comes from.
    pub session_id: Option<String>,
    /// `sobot`, `jira`, `zendesk` or `qiyu`.
    pub system: String,
    pub state: TicketState,
    /// Once created: the system's id (for its detail), the number people use, where it opens.
    pub ticket_id: Option<String>,
    pub number: Option<String>,
    pub url: Option<String>,
    /// Why it was not created, or why it is being checked.
    pub error: Option<crate::ApiError>,
}

/// Where a payment link is: being made, being looked up (an answer was lost: the provider is asked
/// before anything is sent again), not made, or made and then waiting, paid, closed (by the agent or
/// the provider), expired (AgentDesk closed it when its time was up), refunded, or failed (the
/// customer's payment failed; they may try again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PaymentLinkState {
    Creating,
    Checking,
    NotCreated,
    Waiting,
    Paid,
    Closed,
    Expired,
    Refunded,
    Failed,
}

/// A payment link of a conversation, for the window.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PaymentProgress {
    /// The merchant's order number: the link's identity.
    pub out_trade_no: String,
    pub session_id: Option<String>,
    /// `alipay` or `wechat`.
    pub provider: String,
    /// Yuan with two decimals (`12.34`).
    pub amount: String,
    pub subject: String,
    pub state: PaymentLinkState,
    /// Once made: what the customer opens (a URL) or scans (WeChat's `weixin://` code).
    pub link: Option<String>,
    /// The link must be scanned (sent as a QR image), not tapped.
    pub scan_only: bool,
    /// When it stops being payable (ms).
    #[ts(type = "number")]
    pub expires_at_ms: i64,
    /// What was paid, once paid.
    pub paid_amount: Option<String>,
    /// Why it was not made, or why it is being looked up.
    pub error: Option<crate::ApiError>,
}

/// A session's mood for the warning in the list and the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SessionMood {
    pub session_id: String,
    /// 0 (calm) to 1 (about to complain), from the last customer messages.
    pub risk: f32,
    /// `negative`, `neutral`, `positive`: the newest customer message.
    pub label: String,
    /// Escalation cues in the last customer messages (masked).
    pub cues: Vec<String>,
    pub warn: bool,
}

impl SessionMood {
    /// A session nobody has been upset in.
    pub fn calm(session_id: &str) -> SessionMood {
        SessionMood {
            session_id: session_id.to_string(),
            risk: 0.0,
            label: "neutral".into(),
            cues: Vec::new(),
            warn: false,
        }
    }
}

/// The sentence encoder's progress through the knowledge base's questions (shown in the Knowledge
/// tab while it runs: until it is done, suggestions match words for the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IndexingProgress {
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
    /// Set when the encoder cannot run (its model file missing or damaged): suggestions then match
    /// words only.
    pub problem: Option<String>,
}

/// What a desktop notification is about, as data: the host words it in the agent's language.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A customer was assigned to the agent.
    NewSession {
        session_id: String,
        customer: String,
    },
    /// A customer wrote (the preview's personal data masked). Hosts show it only when the agent is
    /// not looking at the window.
    NewMessage {
        session_id: String,
        customer: String,
        preview: String,
    },
    /// A customer crossed the warning threshold (once per crossing, not per angry line).
    UpsetCustomer {
        session_id: String,
        customer: String,
        percent: u8,
        cues: Vec<String>,
    },
    /// A customer paid a payment link.
    PaymentReceived {
        session_id: String,
        customer: String,
        /// Yuan with two decimals.
        amount: String,
        subject: String,
    },
}

/// The API health alert, raised or cleared: what the window and the desktop notification say.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ApiHealthAlert {
    pub raised: bool,
    pub failure_percent: f64,
    #[ts(type = "number")]
    pub calls: u64,
    #[ts(type = "number")]
    pub failures: u64,
    /// The endpoint with the most failures in the window (when raised).
    pub worst_endpoint: Option<String>,
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// What the reply assistant does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Draft,
    Summary,
    Translate,
    Rewrite,
}

impl Feature {
    pub fn name(self) -> &'static str {
        match self {
            Feature::Draft => "draft",
            Feature::Summary => "summary",
            Feature::Translate => "translate",
            Feature::Rewrite => "rewrite",
        }
    }
}

/// One step of one of the assistant's calls, for the draft area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistEvent {
    pub call_id: String,
    pub session_id: String,
    pub feature: Feature,
    pub step: AssistStep,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssistStep {
    /// Text to append (personal data already restored).
    Text { text: String },
    /// The provider asked to wait: the call goes on after `seconds`.
    Waiting { seconds: u32, reason: String },
    /// The call ended (completely, partially, or not at all).
    Done { outcome: AssistOutcome },
}

/// An article an answer cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CitedArticle {
    pub id: String,
    pub title: String,
}

/// How one of the assistant's calls ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistOutcome {
    pub text: String,
    pub articles: Vec<CitedArticle>,
    /// The answer stopped early (`problem` and `error` say why); `text` is what arrived.
    pub partial: bool,
    /// The failure's kind (unreachable, timed_out, rate_limited, key_refused, refused, server,
    /// garbage, cut, cancelled), for the window's words.
    pub problem: Option<String>,
    /// The failure in English words, as details.
    pub error: Option<String>,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    #[ts(type = "number | null")]
    pub first_token_ms: Option<u64>,
    #[ts(type = "number")]
    pub total_ms: u64,
    /// A summary's category and text, read from the answer.
    pub classification: Option<String>,
    pub summary: Option<String>,
}

impl AssistOutcome {
    /// A call that ended without an answer: `problem` is its kind, `error` its words.
    pub fn failed(problem: &str, error: String, text: String, total_ms: u64) -> AssistOutcome {
        AssistOutcome {
            partial: !text.is_empty(),
            text,
            articles: Vec::new(),
            problem: Some(problem.to_string()),
            error: Some(error),
            prompt_tokens: 0,
            completion_tokens: 0,
            first_token_ms: None,
            total_ms,
            classification: None,
            summary: None,
        }
    }
}
