//! Request and response bodies. Field names are the platform's (snake_case on the open platform,
//! camelCase on the agent SDK); `[ext]` marks AgentDesk's documented extensions.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient;

/// Open platform envelope: `{ret_code, ret_msg, item | items}` (reference §1.4).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenEnvelope<T> {
    pub ret_code: String,
    #[serde(default)]
    pub ret_msg: String,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub item: Option<T>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<T>>,
}

/// Agent SDK envelope: `{retCode, retMsg, data}` (reference §1b).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentEnvelope<T> {
    #[serde(rename = "retCode", deserialize_with = "lenient_code")]
    pub ret_code: String,
    #[serde(rename = "retMsg", default)]
    pub ret_msg: String,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

fn lenient_code<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(lenient::opt_string(deserializer)?.unwrap_or_default())
}

/// `GET /api/get_token` item. `expires_in` is a string in the docs ("86400").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenItem {
    pub token: String,
    pub expires_in: String,
}

/// Agent login response (`CustomerServiceInfoModel`, reference §1b). Only the fields AgentDesk
/// uses are typed; the sandbox fills all of them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerServiceInfoModel {
    pub temp_id: String,
    pub nick_name: String,
    pub staff_name: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub max_service_count: Option<i64>,
    pub face: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
    pub company_id: String,
    pub puid: String,
    pub aid: String,
    pub cus_role_name: String,
    pub wslink_default: String,
    pub wslink_bak: Vec<String>,
    pub transfer_function: Option<Value>,
}

/// A push `data` payload (`PushMessageModel`, reference §1b), every documented field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PushMessageModel {
    #[serde(rename = "type", deserialize_with = "lenient::opt_i64")]
    pub kind: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uname: Option<String>,
    #[serde(
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub cid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aname: Option<String>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg_type: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub usource: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub mark_status: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub chat_type: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub un_read_count: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_online: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub ts: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_msg_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_msg: Option<String>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_order: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub accept_time_order: Option<i64>,
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduce: Option<Value>,
    #[serde(
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg_id: Option<String>,
    #[serde(
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_msg_id: Option<String>,
    #[serde(
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<String>,
    #[serde(
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub tid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mini_page: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<Value>,
    /// [ext] The message's position in its session, 1-based, assigned by the platform.
    #[serde(
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub seq: Option<u64>,
    /// [ext] For agent messages: the client message id given on `send`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    /// [ext] `sender_type` as in chat records (0 visitor, 1 robot, 2 agent).
    #[serde(
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub sender_type: Option<i64>,
}

/// One session of the agent's current reception list (`synChronous`). The SDK's field list is not
/// public; these are `PushMessageModel`'s names for the same facts. `[ext]` `lastSeq`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReceptionItem {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub cid: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub uid: Option<String>,
    pub uname: Option<String>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub usource: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub is_online: Option<i64>,
    pub last_msg: Option<String>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub last_msg_time: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub un_read_count: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub accept_time_order: Option<i64>,
    /// [ext] Highest sequence number in the session.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub last_seq: Option<u64>,
}

/// One message of a session's history (`getHistoryChat`, `[ext] syncMessages`). Field meanings follow
/// the open API's `get_detail_by_cid` items, in the agent SDK's camelCase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChatRecord {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub cid: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub msg_id: Option<String>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub seq: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub sender_type: Option<i64>,
    pub sender_name: Option<String>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub msg_type: Option<i64>,
    pub content: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub t: Option<i64>,
    pub client_msg_id: Option<String>,
}

/// `send` response data. `[ext]` all of it: the SDK's response shape is not public.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SendReceipt {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub msg_id: Option<String>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub seq: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub ts: Option<i64>,
    pub client_msg_id: Option<String>,
    /// True when this `clientMsgId` had already been accepted: the platform did not store it again.
    pub duplicate: bool,
}

/// `queryWaitUser` data: the platform queue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WaitingPage {
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub total: Option<i64>,
    pub list: Vec<ReceptionItem>,
}
