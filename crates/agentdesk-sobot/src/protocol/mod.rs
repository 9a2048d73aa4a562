//! Sobot's wire protocol, field for field as the protocol reference documents it (§1.2, §1.4, §1b),
//! plus AgentDesk's documented extensions (`docs/PROTOCOL.md`): per-session `seq`, `clientMsgId` on
//! `send`, the `syncMessages` operation, and JSON framing of the push channel.

pub mod codes;
pub mod frames;
pub mod lenient;
pub mod models;
pub mod sign;

pub use codes::RetCode;
pub use frames::{FrameKind, PushFrame};
pub use models::*;

/// Agent component SDK base path (`{host}chat-admin-sdk/new/sdk/v1/`).
pub const AGENT_BASE_PATH: &str = "/chat-admin-sdk/new/sdk/v1";
/// The push channel. Sobot's real wire framing is unknown; AgentDesk carries the documented frame
/// kinds as JSON over a WebSocket at this path (an invention, see `docs/PROTOCOL.md`).
pub const PUSH_PATH: &str = "/chat-admin-sdk/ws";
/// Heartbeat interval of the push channel (SDK `Const`: 10 s).
pub const HEARTBEAT_SECS: u64 = 10;

/// Push `type` codes (SDK `SobotSocketConstant`).
pub mod push_type {
    pub const NEW_USER: i64 = 102;
    pub const NEW_MESSAGE: i64 = 103;
    pub const USER_OFFLINE: i64 = 108;
    pub const KICKED: i64 = 109;
    pub const QUEUE: i64 = 110;
    pub const TYPING: i64 = 111;
    pub const EVALUATION: i64 = 116;
    pub const NOT_DELIVERED: i64 = 117;
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

/// `sender_type` in chat records (open API get_detail_by_cid).
pub mod sender_type {
    pub const VISITOR: i64 = 0;
    pub const ROBOT: i64 = 1;
    pub const AGENT: i64 = 2;
}
