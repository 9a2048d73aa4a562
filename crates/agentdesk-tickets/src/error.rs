//! A ticket system's failure in words: what happened, what to do, the system's own code, and
//! whether the ticket may have been created anyway (`outcome_unknown`), which decides whether it is
//! looked up before it is sent again.

use agentdesk_http::CallFailure;
use agentdesk_workspace::{ApiError, DraftProblem, ErrorCode, ErrorReason, RefusalWords};

use crate::SystemKind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// The request did not leave this machine (no connection): nothing was created.
    #[error("could not reach {system} at {endpoint}: {message}. Check the network and the system's address, then try again.")]
    Unreachable {
        system: SystemKind,
        endpoint: String,
        message: String,
    },
    /// The request left, but no answer came back: the ticket may or may not exist.
    #[error("{system} did not answer {endpoint} ({message}); the ticket may have been created. AgentDesk checks before sending it again.")]
    NoAnswer {
        system: SystemKind,
        endpoint: String,
        message: String,
    },
    #[error("{system} answered HTTP {status} at {endpoint}: {message}")]
    Http {
        system: SystemKind,
        endpoint: String,
        status: u16,
        message: String,
    },
    /// The system refused with a code of its own, in words.
    #[error("{system} refused {endpoint}: {words} ({code})")]
    Refused {
        system: SystemKind,
        endpoint: String,
        code: String,
        words: String,
    },
    /// The answer was not the system's (an HTML error page from a proxy, a changed API).
    #[error("{system} answered {endpoint} with something that is not its API's answer ({message}). Check the system's address; a proxy or login page may be in the way.")]
    Garbled {
        system: SystemKind,
        endpoint: String,
        message: String,
    },
    /// The draft cannot be sent as it is; nothing was sent.
    #[error("{0}")]
    Draft(DraftProblem),
    /// The settings (or the journal) do not allow sending; nothing was sent.
    #[error("{0}")]
    Invalid(String),
}

impl TicketError {
    /// Whether the ticket may exist although no answer said so: it is looked up before any resend.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            TicketError::NoAnswer { .. } | TicketError::Garbled { .. } => true,
            TicketError::Http { status, .. } => *status >= 500 || *status == 408,
            _ => false,
        }
    }

    /// The system's own code, when it gave one.
    pub fn code(&self) -> Option<String> {
        match self {
            TicketError::Refused { code, .. } => Some(code.clone()),
            TicketError::Http { status, .. } => Some(status.to_string()),
            _ => None,
        }
    }

    /// Whether the credential was refused (an expired or wrong token).
    pub fn credential_refused(&self) -> bool {
        match self {
            TicketError::Http { status, .. } => *status == 401,
            TicketError::Refused { system, code, .. } => match system {
                SystemKind::Sobot => matches!(code.as_str(), "900001" | "900002"),
                SystemKind::Qiyu => matches!(code.as_str(), "14001" | "14002" | "14003"),
                _ => false,
            },
            _ => false,
        }
    }
}

impl CallFailure for TicketError {
    fn outcome(&self) -> String {
        match self {
            TicketError::Unreachable { .. } | TicketError::NoAnswer { .. } => "network".into(),
            TicketError::Http { status, .. } => format!("http_{status}"),
            TicketError::Refused { code, .. } => code.clone(),
            TicketError::Garbled { .. } => "decode".into(),
            TicketError::Draft(_) => "draft".into(),
            TicketError::Invalid(_) => "config".into(),
        }
    }

    fn is_transient(&self) -> bool {
        match self {
            TicketError::Unreachable { .. } | TicketError::NoAnswer { .. } => true,
            TicketError::Http { status, .. } => *status >= 500 || *status == 429,
            TicketError::Refused { system, code, .. } => {
                (*system == SystemKind::Sobot && code == "999999")
                    || (*system == SystemKind::Qiyu && matches!(code.as_str(), "14500" | "16001"))
            }
            _ => false,
        }
    }
}

impl From<TicketError> for ApiError {
    fn from(error: TicketError) -> ApiError {
        let message = error.to_string();
        let (code, reason) = match error {
            TicketError::Unreachable { system, .. } => (
                ErrorCode::Offline,
                ErrorReason::TicketUnreachable {
                    system: system.to_string(),
                },
            ),
            TicketError::NoAnswer { system, .. } => (
                ErrorCode::Offline,
                ErrorReason::TicketNoAnswer {
                    system: system.to_string(),
                },
            ),
            TicketError::Http { system, status, .. } => (
                ErrorCode::Platform,
                ErrorReason::TicketHttp {
                    system: system.to_string(),
                    status,
                },
            ),
            TicketError::Refused {
                system,
                code,
                words,
                ..
            } => {
                let known = match system {
                    SystemKind::Sobot => sobot_code_words(&code),
                    SystemKind::Qiyu => qiyu_code_words(&code),
                    _ => None,
                };
                let (en, zh) = known
                    .map(|(en, zh)| (en.to_string(), zh.to_string()))
                    .unwrap_or_else(|| (words.clone(), words));
                (
                    ErrorCode::Platform,
                    ErrorReason::TicketRefused {
                        system: system.to_string(),
                        code,
                        words: Box::new(RefusalWords { en, zh }),
                    },
                )
            }
            TicketError::Garbled { system, .. } => (
                ErrorCode::Platform,
                ErrorReason::TicketGarbled {
                    system: system.to_string(),
                },
            ),
            TicketError::Draft(problem) => (
                ErrorCode::InvalidInput,
                ErrorReason::TicketDraft { problem },
            ),
            TicketError::Invalid(_) => (ErrorCode::InvalidInput, ErrorReason::General),
        };
        ApiError::because(code, reason, message)
    }
}

/// A transport failure: before the request left (no connection) nothing was sent; after, the
/// outcome is unknown.
pub(crate) fn transport(system: SystemKind, endpoint: &str, error: &reqwest::Error) -> TicketError {
    let message = agentdesk_http::transport_reason(error);
    if error.is_connect() {
        TicketError::Unreachable {
            system,
            endpoint: endpoint.to_string(),
            message,
        }
    } else {
        TicketError::NoAnswer {
            system,
            endpoint: endpoint.to_string(),
            message,
        }
    }
}

/// Sobot's ticket codes in words (fact sheet A.6), English and Chinese: what happened and what to
/// do. `None` for a code the fact sheet does not list (the platform's own message is shown then).
pub fn sobot_code_words(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "900001" => ("the platform token is missing; sign in to the account again", "平台令牌为空，请重新登录账号"),
        "900002" => ("the platform token expired; AgentDesk fetches a new one, try again", "平台令牌已失效，AgentDesk 会重新获取，请重试"),
        "900003" => ("the account's app key is wrong; correct it in the account settings", "账号的 app key 不正确，请在账号设置中修改"),
        "900004" => ("the platform has no API settings for this company; ask the administrator to enable the open platform", "平台没有该公司的 API 配置，请管理员开通开放平台"),
        "999999" => ("the platform failed for an unknown reason; try again in a moment", "平台出现未知错误，请稍后重试"),
        "700046" => ("the company's Sobot edition does not include the ticket API; ask the administrator", "公司的智齿版本不支持工单接口，请联系管理员"),
        "400001" => ("the start of the time range is missing", "创建时间不能为空"),
        "400002" => ("the end of the time range is before its start", "结束时间不能早于开始时间"),
        "400003" => ("the time range is longer than one month; choose a shorter one", "时间段超过一个月，请缩短"),
        "400004" => ("a required value is missing from the request", "请求参数不能为空"),
        "400005" => ("a time is not in the format yyyy-MM-dd HH:mm:ss", "时间格式不正确"),
        "400006" => ("the acting agent's id is missing; check the account's agent", "操作坐席 ID 不能为空，请检查账号的坐席"),
        "400007" => ("the acting agent's id is not one of the company's agents", "操作坐席 ID 不正确"),
        "400008" => ("choose a ticket category", "请选择工单分类"),
        "400009" => ("choose a ticket status", "请选择工单状态"),
        "400010" => ("the ticket's source is missing", "工单来源不能为空"),
        "400011" => ("choose a ticket level", "请选择工单级别"),
        "400012" => ("choose an assignee group", "请选择受理技能组"),
        "400013" => ("the assignee is not in the chosen group; choose an agent of that group", "受理客服组与受理客服不匹配，请选择该组的客服"),
        _ => return None,
    })
}

/// Qiyu's ticket codes in words (fact sheet B.2).
pub fn qiyu_code_words(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "14001" => (
            "the Qiyu app key is wrong; correct it in the ticket settings",
            "七鱼 AppKey 错误，请在工单设置中修改",
        ),
        "14002" => (
            "the Qiyu signature was refused; check the app secret",
            "七鱼签名校验失败，请检查 App Secret",
        ),
        "14003" => (
            "the request's time was refused; check this computer's clock",
            "请求时间无效，请检查本机时钟",
        ),
        "14004" => ("a value of the ticket is missing or wrong", "工单参数错误"),
        "14500" => (
            "Qiyu failed internally; try again in a moment",
            "七鱼内部错误，请稍后重试",
        ),
        "14100" => (
            "the Qiyu staff id does not exist; correct it in the ticket settings",
            "七鱼客服不存在，请在工单设置中修改",
        ),
        "14101" => ("the category does not exist", "工单分类不存在"),
        "14102" => ("the staff group does not exist", "客服分组不存在"),
        "14103" => (
            "too many attachments (at most 5)",
            "附件个数超限（最多 5 个）",
        ),
        "14104" => (
            "the attachments are too large (5 MB together at most)",
            "附件大小超限（合计最多 5 MB）",
        ),
        "14105" => ("the customer does not exist in Qiyu", "七鱼中不存在该用户"),
        "14106" => ("the ticket does not exist", "工单不存在"),
        "14107" => (
            "the company's attachment storage is full",
            "超出企业附件总容量",
        ),
        "14200" => ("this category type cannot hold tickets", "不支持的分类类型"),
        "16001" => (
            "the Qiyu service is unavailable; try again later",
            "七鱼服务不可用，请稍后重试",
        ),
        _ => return None,
    })
}
