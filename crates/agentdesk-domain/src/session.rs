//! A customer-service session (Sobot's `cid`): one visitor talking to one agent over one channel.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::UnixMillis;

/// Where the visitor is writing from. Codes are Sobot's `source` values (protocol reference §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Wechat,
    App,
    Weibo,
    MobileWeb,
    WecomWork,
    MiniProgram,
    Other,
}

impl Channel {
    pub fn from_sobot_source(source: i64) -> Channel {
        match source {
            0 => Channel::Web,
            1 | 17 => Channel::Wechat,
            2 => Channel::App,
            3 => Channel::Weibo,
            4 => Channel::MobileWeb,
            9 => Channel::WecomWork,
            10 => Channel::MiniProgram,
            _ => Channel::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Wechat => "wechat",
            Channel::App => "app",
            Channel::Weibo => "weibo",
            Channel::MobileWeb => "mobile_web",
            Channel::WecomWork => "wecom_work",
            Channel::MiniProgram => "mini_program",
            Channel::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Channel {
        match text {
            "web" => Channel::Web,
            "wechat" => Channel::Wechat,
            "app" => Channel::App,
            "weibo" => Channel::Weibo,
            "mobile_web" => Channel::MobileWeb,
            "wecom_work" => Channel::WecomWork,
            "mini_program" => Channel::MiniProgram,
            _ => Channel::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// In the platform's queue, not yet assigned to this agent.
    Waiting,
    /// Assigned to this agent and open.
    Active,
    /// The visitor left or the agent ended it.
    Ended,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Waiting => "waiting",
            SessionState::Active => "active",
            SessionState::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> SessionState {
        match text {
            "waiting" => SessionState::Waiting,
            "ended" => SessionState::Ended,
            _ => SessionState::Active,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Session {
    /// Sobot's `cid`.
    pub id: String,
    /// Sobot's visitor id (`uid`), needed on every agent-side call about this session.
    pub visitor_id: String,
    pub visitor_name: String,
    pub channel: Channel,
    pub state: SessionState,
    #[ts(type = "number")]
    pub started_at_ms: UnixMillis,
    /// The visitor's satisfaction score (1–5) once they rated the service.
    pub rating: Option<u8>,
}
