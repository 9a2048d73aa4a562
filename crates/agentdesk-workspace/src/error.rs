//! The one error shape that crosses into the UI: `{code, reason, message}`. `code` is a small enum
//! the UI branches on; `reason` says what happened with its parameters, and the window words it in
//! the agent's language (one sentence per reason in the UI's catalogue, typed by this enum, so a
//! missing translation fails the type check); `message` is the English account of the same, for
//! the CLI, logs and support, shown by the window only as details. The UI never matches on text.

use agentdesk_engine::EngineError;
use agentdesk_sobot::ClientError;
use agentdesk_store::StoreError;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself is wrong (empty message, bad status code): fix the input.
    InvalidInput,
    /// The session or message no longer exists here.
    NotFound,
    /// The platform cannot be reached: AgentDesk keeps working offline and retries.
    Offline,
    /// The platform refused the request; the message says why.
    Platform,
    /// The local database failed (disk full, read-only, damaged).
    Storage,
    /// The workspace is not running (starting up, or stopped).
    NotReady,
    /// The OS keychain is missing, locked or refused; the message says how to fix it.
    Keychain,
}

/// What went wrong, with what the agent needs to read it. `General` means nothing more specific is
/// known: the window says what the code means and shows the message as details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case", tag = "key")]
pub enum ErrorReason {
    General,
    /// The reply assistant cannot run now (off for the merchant, no provider, budget spent).
    AssistantOff {
        why: AssistantOff,
    },
    StillStarting,
    NoSession {
        session: String,
    },
    ImageOutsidePlatform,
    ImageTooLarge {
        max_mb: u32,
    },
    ImageNotShown {
        mime: String,
    },
    ImageUnreachable,
    ImageNotBase64,
    AccountExists {
        name: String,
    },
    AccountNameSpaces,
    NoAccount {
        name: String,
    },
    AccountKeyMissing {
        name: String,
        which: KeyKind,
    },
    NotADate {
        text: String,
    },
    RangeReversed,
    RangeTooLong {
        days: u32,
    },
    RangeInFuture,
    SummaryLength {
        max: u32,
    },
    AuditRetentionRange {
        min: u32,
        max: u32,
    },
    MoodThresholdRange {
        min: u32,
        max: u32,
    },
    TenantDisabled {
        name: String,
    },
    NoTenant {
        tenant: String,
    },
    NoUnionAccount,
    NotOnUnion,
    AlreadyRated,
    ChannelCannotRate,
    RatingNeedsCustomerMessage,
    CustomerNotLoaded,
    NoExportFolder,
    NoUpdateWaiting,
    UpdateFailed,
    BadMessageId,
    UnknownBusyReason,
    /// The merchant has no such ticket system set up.
    NoTicketSystem {
        system: String,
    },
    /// A ticket system could not be reached: nothing was sent.
    TicketUnreachable {
        system: String,
    },
    /// A ticket system did not answer: the ticket may exist, and is looked up before any resend.
    TicketNoAnswer {
        system: String,
    },
    /// A ticket system answered with an HTTP error (401/403: its credential was refused).
    TicketHttp {
        system: String,
        status: u16,
    },
    /// A ticket system refused with a code of its own; its words in both languages (the fact
    /// sheet's table, or the system's own message when the code is not in it).
    TicketRefused {
        system: String,
        code: String,
        words: Box<RefusalWords>,
    },
    /// A ticket system answered with something that is not its API (a login page, a proxy's).
    TicketGarbled {
        system: String,
    },
    /// The ticket (or reply) cannot be sent as it is; nothing was sent.
    TicketDraft {
        problem: DraftProblem,
    },
    /// Payment links are off for this merchant (a supervisor turns them on).
    PaymentsOff,
    /// The supervisor has not allowed this agent to make payment links.
    PaymentNotAllowed,
    /// The merchant has no such payment system set up.
    NoPaymentSystem {
        provider: String,
    },
    /// The amount cannot be asked for (`issue`): `not_an_amount`, `too_precise` (three decimals), `zero`,
    /// `too_large` (over what a link can carry) or `over_limit` (over the supervisor's `limit`).
    PaymentAmount {
        issue: String,
        limit: String,
    },
    /// A payment system could not be reached: nothing was made.
    PaymentUnreachable {
        provider: String,
    },
    /// A payment system did not answer (or its answer could not be believed): the link may exist,
    /// and is looked up before it is asked for again.
    PaymentNoAnswer {
        provider: String,
    },
    /// A payment system refused, in its own words (`said`, as it gave them) and code.
    PaymentRefused {
        provider: String,
        code: String,
        said: String,
    },
    /// A payment system's answer was not signed by its key: the merchant's settings hold the
    /// wrong public key or certificate.
    PaymentUnverified {
        provider: String,
    },
    /// The payment is already paid or closed: nothing was sent or closed.
    PaymentSettled {
        state: String,
    },
}

/// A system's refusal in both languages (boxed: an error stays small to pass around).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RefusalWords {
    pub en: String,
    pub zh: String,
}

/// What the agent must fix in a ticket or a reply before it is sent, in the order of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case", tag = "key")]
pub enum DraftProblem {
    NoTitle,
    NoContent,
    NoCategory,
    UnknownCategory {
        id: String,
    },
    /// Only a leaf of the category tree may be a ticket's category.
    NotALeaf {
        name: String,
    },
    FieldRequired {
        field: String,
    },
    NotAnOption {
        field: String,
        value: String,
    },
    NotANumber {
        field: String,
        value: String,
    },
    /// `yyyy-MM-dd`
    NotADate {
        field: String,
        value: String,
    },
    /// `HH:mm:ss`
    NotATime {
        field: String,
        value: String,
    },
    /// `yyyy-MM-dd HH:mm:ss`
    NotADateTime {
        field: String,
        value: String,
    },
    TooManyAttachments {
        system: String,
        max: u32,
    },
    AttachmentUnreadable {
        name: String,
    },
    AttachmentTooLarge {
        name: String,
        system: String,
        max_mb: u32,
    },
    AttachmentsTooLarge {
        system: String,
        max_mb: u32,
    },
    /// The attachment's bytes did not arrive whole (not base64).
    AttachmentDamaged {
        name: String,
    },
    EmptyReply,
    /// Closed tickets take no reply (Sobot: status 99).
    TicketClosed,
    /// Deleted tickets take no reply (Sobot: status 98).
    TicketDeleted,
    /// Qiyu publishes no reply API.
    NoReplyApi {
        system: String,
    },
    /// The attempt id the window gave is not one AgentDesk makes.
    BadAttemptId,
}

impl std::fmt::Display for DraftProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use DraftProblem::*;
        match self {
            NoTitle => write!(f, "the ticket needs a title"),
            NoContent => write!(f, "the ticket needs a description"),
            NoCategory => write!(f, "choose a ticket category"),
            UnknownCategory { id } => write!(f, "the category {id} does not exist; choose another"),
            NotALeaf { name } => write!(f, "the category \"{name}\" has subcategories; choose one of them"),
            FieldRequired { field } => write!(f, "\"{field}\" is required"),
            NotAnOption { field, value } => write!(f, "\"{field}\": {value:?} is not one of its options"),
            NotANumber { field, value } => write!(f, "\"{field}\": {value:?} is not a number"),
            NotADate { field, value } => write!(f, "\"{field}\": {value:?} is not a date (yyyy-MM-dd)"),
            NotATime { field, value } => write!(f, "\"{field}\": {value:?} is not a time (HH:mm:ss)"),
            NotADateTime { field, value } => write!(f, "\"{field}\": {value:?} is not a date and time (yyyy-MM-dd HH:mm:ss)"),
            TooManyAttachments { system, max } => write!(f, "{system} takes at most {max} attachments; remove some"),
            AttachmentUnreadable { name } => write!(f, "the attachment {name:?} cannot be read: attach it again"),
            AttachmentTooLarge { name, system, max_mb } => write!(f, "the attachment {name:?} is too large; {system} takes at most {max_mb} MB per file"),
            AttachmentsTooLarge { system, max_mb } => write!(f, "the attachments are too large together; {system} takes at most {max_mb} MB"),
            AttachmentDamaged { name } => write!(f, "the attachment {name:?} did not arrive whole: attach it again"),
            EmptyReply => write!(f, "the reply is empty"),
            TicketClosed => write!(f, "the ticket is closed and takes no reply; open a new ticket instead"),
            TicketDeleted => write!(f, "the ticket was deleted and takes no reply"),
            NoReplyApi { system } => write!(f, "replying to a {system} ticket is not available: {system} publishes no reply API; reply in its own workbench"),
            BadAttemptId => write!(f, "the ticket's attempt id is not one AgentDesk makes; open the dialog again"),
        }
    }
}

/// Why the assistant is off for the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AssistantOff {
    /// A supervisor has not turned it on for this merchant.
    TurnedOff,
    /// No model provider is configured (Settings → Assistant).
    NoProvider,
    /// Today's token budget is used up.
    BudgetSpent,
}

/// Which of an account's keys (see `ErrorReason::AccountKeyMissing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    App,
    Union,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApiError {
    pub code: ErrorCode,
    pub reason: ErrorReason,
    pub message: String,
}

impl ApiError {
    /// An error known only by its code (the window words the code, `message` is the details).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason: ErrorReason::General,
            message: message.into(),
        }
    }

    /// An error with a reason the window words in the agent's language.
    pub fn because(code: ErrorCode, reason: ErrorReason, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<ClientError> for ApiError {
    fn from(error: ClientError) -> Self {
        let code = match &error {
            ClientError::Network { .. } | ClientError::Http { .. } => ErrorCode::Offline,
            ClientError::Config(_) => ErrorCode::InvalidInput,
            ClientError::Platform { .. } | ClientError::Decode { .. } => ErrorCode::Platform,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::new(ErrorCode::Storage, error.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::Store(error) => error.into(),
            EngineError::Platform(error) => error.into(),
            EngineError::UnknownSession(_) => ApiError::new(ErrorCode::NotFound, error.to_string()),
            EngineError::InvalidInput(_) => {
                ApiError::new(ErrorCode::InvalidInput, error.to_string())
            }
            EngineError::Stopped => ApiError::new(ErrorCode::NotReady, error.to_string()),
        }
    }
}

impl ApiError {
    /// The workspace this call was made in was closed (a tenant switch, or shutdown) before it
    /// could finish.
    pub fn workspace_closed() -> ApiError {
        ApiError::new(
            ErrorCode::NotReady,
            "the merchant on screen changed while this was under way; try again",
        )
    }
}

/// A refusal of the union platform's tenant API in words, keeping the platform's own code and
/// message (the supervisor's screens and the dashboard's per-agent figures).
pub fn union_refusal(error: ClientError) -> ApiError {
    match &error {
        ClientError::Platform {
            code_text, message, ..
        } => {
            let advice = match code_text.as_str() {
                "200007" => "Not enough agent seats: raise the merchant's maximum number of agents, or remove agents first.",
                "900003" => "The union key or code is wrong: check the supervisor account in Settings → Accounts.",
                "220001" => "A field is too long: shorten it.",
                _ if message.contains("商户不存在") => "The merchant does not exist (any more): refresh the list.",
                _ if message.contains("已存在") => "That already exists: choose another.",
                _ if message.contains("未激活") => "The agent has not activated their e-mail yet: ask them to, then try again.",
                _ => "The platform refused the change.",
            };
            ApiError::new(
                ErrorCode::Platform,
                format!("{advice} ({code_text} {message})"),
            )
        }
        _ => error.into(),
    }
}

/// An `ApiError` as an outside call's failure in the ledger (calls whose client speaks in
/// `ApiError`: images, a sandbox's ready check).
impl agentdesk_http::CallFailure for ApiError {
    fn outcome(&self) -> String {
        match self.code {
            ErrorCode::Offline => "network".into(),
            ErrorCode::Platform => "refused".into(),
            ErrorCode::InvalidInput => "refused".into(),
            ErrorCode::NotFound => "not_found".into(),
            ErrorCode::Storage | ErrorCode::NotReady | ErrorCode::Keychain => "config".into(),
        }
    }

    fn is_transient(&self) -> bool {
        self.code == ErrorCode::Offline
    }
}

impl From<agentdesk_secrets::KeychainError> for ApiError {
    fn from(error: agentdesk_secrets::KeychainError) -> Self {
        ApiError::new(ErrorCode::Keychain, error.to_string())
    }
}
