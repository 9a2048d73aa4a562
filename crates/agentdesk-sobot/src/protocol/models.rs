//! Request and response bodies, field for field as Sobot's agent SDK models them (fact sheet §1–3:
//! `CustomerServiceInfoModel`, `PushMessageModel`, `SynChronousModel`, `QueueUserModel`,
//! `ChatMessageModel`, `OnlineMsgModel`, …) and as the open platform documents its envelopes.
//! Decoding is as lenient as the SDK's Gson: a number where a string is declared and a numeric
//! string where a number is declared both decode, and unknown fields are ignored.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient;

/// Open platform envelope: `{ret_code, ret_msg, item | items}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenEnvelope<T> {
    #[serde(deserialize_with = "lenient_code")]
    pub ret_code: String,
    #[serde(default)]
    pub ret_msg: String,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub item: Option<T>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<T>>,
    /// Fields beside the envelope's (`search_doc_list`'s `page_count`, `total_count`, …).
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

/// Agent SDK envelope: `{retCode, retMsg, data}` (`OnlineBaseCode`; `data` a list for
/// `OnlineBaseListCode`).
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

fn text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(lenient::opt_string(deserializer)?.unwrap_or_default())
}

/// `GET /api/get_token` item. The docs type `expires_in` as a string, one client library as a
/// number: both decode (seconds).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenItem {
    #[serde(deserialize_with = "text")]
    pub token: String,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub expires_in: Option<i64>,
}

/// Agent login response (`CustomerServiceInfoModel`). The fields AgentDesk uses; the rest are
/// ignored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerServiceInfoModel {
    #[serde(deserialize_with = "text")]
    pub temp_id: String,
    #[serde(deserialize_with = "text")]
    pub nick_name: String,
    #[serde(deserialize_with = "text")]
    pub staff_name: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub max_service_count: Option<i64>,
    #[serde(deserialize_with = "text")]
    pub face: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
    #[serde(deserialize_with = "text")]
    pub company_id: String,
    #[serde(deserialize_with = "text")]
    pub puid: String,
    #[serde(deserialize_with = "text")]
    pub aid: String,
    #[serde(deserialize_with = "text")]
    pub cus_role_name: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub cus_role_id: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub transfer_function: Option<i64>,
    /// The push channel's `host:port` (plain TCP; the only address the SDK connects to).
    #[serde(deserialize_with = "text")]
    pub wslink_default: String,
    /// Passed around by the SDK but never used to connect.
    pub wslink_bak: Vec<String>,
}

/// A push payload (`PushMessageModel`, fact sheet §2.6): the bare JSON of a type-3 frame, and the
/// item type of `synChronous`'s `userList`. Times are "yyyy-MM-dd HH:mm:ss" text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PushMessageModel {
    #[serde(rename = "type", deserialize_with = "lenient::opt_i64")]
    pub kind: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub uid: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub uname: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub cid: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub content: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub aname: Option<String>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub msg_type: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub usource: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub mark_status: Option<i64>,
    /// On 102: 0 a new visitor, anything else transferred in (`aname` = the transferring agent).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub chat_type: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub un_read_count: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub count: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub is_online: Option<bool>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub ts: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub last_msg_time: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub last_msg: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub time_order: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub accept_time_order: Option<String>,
    /// 109: "1" logout, "2" kicked by another login, "3" kicked by an administrator; 122: the new
    /// status.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub face: Option<String>,
    /// 110: "0" when someone joined the queue.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub reduce: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub msg_id: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub user_msg_id: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub user_id: Option<String>,
    /// 118: the agent who took the visitor over.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub tid: Option<String>,
    /// `{msgType: "0".."5", content}`.
    pub message: Option<Value>,
    /// 122: "1" approved, "2" rejected.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub flag: Option<String>,
}

/// `synChronous` data (`SynChronousModel`): the agent's reception list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SynChronousModel {
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub wait_size: Option<i64>,
    pub user_list: Vec<PushMessageModel>,
}

/// `queryWaitUser` data (`QueueUserModel`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueUserModel {
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub count_page: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub wait_size: Option<i64>,
    pub list: Vec<QueueUser>,
}

/// A visitor in the queue (`QueueUser`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueUser {
    #[serde(deserialize_with = "text")]
    pub uid: String,
    #[serde(deserialize_with = "text")]
    pub uname: String,
    #[serde(deserialize_with = "text")]
    pub group_id: String,
    #[serde(deserialize_with = "text")]
    pub group_name: String,
    /// "yyyy-MM-dd HH:mm:ss".
    #[serde(deserialize_with = "text")]
    pub last_time: String,
    #[serde(deserialize_with = "text")]
    pub remain_time: String,
    #[serde(deserialize_with = "text")]
    pub visit_title: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub source: Option<i64>,
    /// 0 queued, 1 invited, 2 invited by someone else, 3 offline.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub state: Option<i64>,
}

/// One record of a session (`queryHistoryRecords` → list of `ChatMessageModel`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChatMessageModel {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub cid: Option<String>,
    /// The sender's id (an agent's `aid` for agent messages).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub sender: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub sender_name: Option<String>,
    /// Epoch milliseconds, as text.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub t: Option<i64>,
    /// "yyyy-MM-dd HH:mm:ss".
    #[serde(deserialize_with = "lenient::opt_string")]
    pub ts: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub msg: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub msg_id: Option<String>,
    /// 5 a chat message; other values are notices.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub action: Option<i64>,
    /// 0 visitor, 1 robot, 2 agent.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub sender_type: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub msg_type: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub revoke_flag: Option<i64>,
    /// 1: a sensitive-word message, stored but never shown to the visitor.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub user_no_see_flag: Option<i64>,
    /// `{msgType: "0".."5", content}`.
    pub message: Option<Value>,
}

/// `send` / `sendOfflineMsg` data (`OnlineMsgModel`): all text, and no time or sequence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OnlineMsgModel {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub msg_id: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub ustatus: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub aid: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub aname: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub file_url: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub file_name: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub snapshot: Option<String>,
}

/// An agent a session can be transferred to (`getOtherAdmins` → `OnLineServiceModel`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OnLineServiceModel {
    #[serde(deserialize_with = "text")]
    pub id: String,
    #[serde(deserialize_with = "text")]
    pub uname: String,
    #[serde(deserialize_with = "text")]
    pub face: String,
    #[serde(deserialize_with = "text")]
    pub status_code: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub maxcount: Option<i64>,
    /// 1 online; other values busy or offline.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
    /// Sessions the agent serves now.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub count: Option<i64>,
    #[serde(deserialize_with = "lenient::string_list")]
    pub group_id: Vec<String>,
    #[serde(deserialize_with = "lenient::string_list")]
    pub group_name: Vec<String>,
}

/// An agent as `getOtherAdmins` lists them, with the tenant API's agent fields the sandbox adds
/// beside the SDK's (invented, docs/PROTOCOL.md: the supervisor's agent list addresses agents by
/// e-mail as the tenant API does). On the real platform they are absent and read as empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AgentListing {
    #[serde(deserialize_with = "text")]
    pub id: String,
    #[serde(deserialize_with = "text")]
    pub email: String,
    #[serde(deserialize_with = "text")]
    pub name: String,
    #[serde(deserialize_with = "text")]
    pub nick: String,
    #[serde(deserialize_with = "text")]
    pub role_id: String,
    #[serde(deserialize_with = "text")]
    pub phone_no: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub max_accept_num: Option<i64>,
    /// 1 online; other values busy or offline.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
}

/// A skill group a session can be transferred to (`queryTransferGroup` → `OnLineGroupModel`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OnLineGroupModel {
    #[serde(deserialize_with = "text")]
    pub group_id: String,
    #[serde(deserialize_with = "text")]
    pub group_name: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub online_num: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub free_num: Option<i64>,
}

/// What the platform knows of a visitor (`getUserInfo` → `UserInfoModel`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserInfoModel {
    #[serde(deserialize_with = "text")]
    pub user_id: String,
    #[serde(deserialize_with = "text")]
    pub uname: String,
    #[serde(deserialize_with = "text")]
    pub realname: String,
    #[serde(deserialize_with = "text")]
    pub partner_id: String,
    #[serde(deserialize_with = "text")]
    pub tel: String,
    #[serde(deserialize_with = "text")]
    pub email: String,
    #[serde(deserialize_with = "text")]
    pub remark: String,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub ismark: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub isblack: Option<i64>,
}

/// A chat message's `message` object: `{msgType: "0".."5", content}` → (msgType, text content).
/// Media content that is an object (audio, video, file) gives its `url`.
pub fn message_body(message: Option<&Value>) -> (Option<i64>, Option<String>) {
    let Some(Value::Object(message)) = message else {
        return (None, None);
    };
    let msg_type = match message.get("msgType") {
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    let content = match message.get("content") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(object)) => object
            .get("url")
            .or_else(|| object.get("msg"))
            .and_then(Value::as_str)
            .map(str::to_string),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    (msg_type, content)
}
