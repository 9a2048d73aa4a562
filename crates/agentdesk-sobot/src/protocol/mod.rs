//! Sobot's wire protocol, field for field as Sobot's own agent SDK speaks it
//! (`../shared/reference/sobot-agent-protocol.md`): the agent SDK's models and envelopes, the push
//! channel's binary framing, signatures, return codes and the platform's date-time text.

pub mod codes;
pub mod frames;
pub mod lenient;
pub mod models;
pub mod sign;
pub mod time;

pub use codes::RetCode;
pub use frames::{Frame, FrameDecoder, FrameType};
pub use models::*;
pub use time::{format_platform_time, parse_platform_time};

/// Agent component SDK base path (`{host}chat-admin-sdk/new/sdk/v1/`).
pub const AGENT_BASE_PATH: &str = "/chat-admin-sdk/new/sdk/v1";
/// Heartbeat interval of the push channel (the SDK's `Timer(10000, 10000)`).
pub const HEARTBEAT_SECS: u64 = 10;
/// `from` and `version`, added to every agent call by the SDK and overwriting the caller's.
pub const SDK_FROM: &str = "2";
pub const SDK_VERSION: &str = "1.2";
/// `action` of a chat message in a session's records (other actions are notices).
pub const ACTION_CHAT: i64 = 5;

/// Push `type` codes (SDK `SobotSocketConstant`).
pub mod push_type {
    pub const NEW_USER: i64 = 102;
    pub const NEW_MESSAGE: i64 = 103;
    pub const USER_OFFLINE: i64 = 108;
    pub const KICKED: i64 = 109;
    pub const QUEUE: i64 = 110;
    pub const TYPING: i64 = 111;
    pub const VISIT_TRAIL: i64 = 114;
    pub const CUSTOM_STATUS: i64 = 115;
    pub const EVALUATION: i64 = 116;
    pub const NOT_DELIVERED: i64 = 117;
    /// Another agent took the visitor over (`tid` = that agent).
    pub const TAKEN_OVER: i64 = 118;
    pub const AUDIT_STATUS: i64 = 122;
    pub const AGENT_SETTINGS: i64 = 135;
}

/// Agent status codes (`online`/`busy` statusCode, open API `status_code`).
pub mod agent_status {
    pub const ONLINE: i64 = 1;
    pub const BUSY: i64 = 2;
    pub const BREAK: i64 = 3;
    pub const TRAINING: i64 = 4;
    pub const MEETING: i64 = 5;
    pub const MEAL: i64 = 6;
    pub const ACTIVITY: i64 = 7;
    pub const OFFLINE: i64 = 0;
}

/// `senderType` in chat records (0 visitor, 1 robot, 2 agent).
pub mod sender_type {
    pub const VISITOR: i64 = 0;
    pub const ROBOT: i64 = 1;
    pub const AGENT: i64 = 2;
}
