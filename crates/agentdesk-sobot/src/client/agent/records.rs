//! The platform's own records of a customer, for the 360° view: the customer center (客户中心,
//! reference §1.11: `get_user_by_partnerid`, `get_user_by_tel`) and the customer's past sessions on
//! every channel (`query_cids`, `get_detail_by_cid`, §1.4). These are open-platform calls with the
//! agent's shared company token in the `token` header; a token the platform no longer accepts is
//! fetched again once.
//!
//! The customer center answers `item` with `userid, user_nick, user_name, user_tels, user_emails
//! (";"-separated), vip_level, user_label, remark, …` (fact sheet §4); success without `item` is read
//! as "no such customer" (the "not found" answer is not documented). `query_cids` and
//! `get_detail_by_cid` give their lists under `item`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AgentClient, ClientError};
use agentdesk_http::Retry;

use crate::client::http::{check_envelope, network, read_answer, truncate};
use crate::protocol::lenient::{opt_i64, opt_string};
use crate::protocol::{OpenEnvelope, RetCode};

/// An open-platform answer's `items`, each decoded (a bad item names the endpoint and shows itself).
pub(super) fn decode_items<T: serde::de::DeserializeOwned>(
    endpoint: &str,
    items: Option<Vec<Value>>,
) -> Result<Vec<T>, ClientError> {
    items
        .unwrap_or_default()
        .into_iter()
        .map(|item| {
            serde_json::from_value(item.clone()).map_err(|e| ClientError::Decode {
                endpoint: endpoint.into(),
                message: e.to_string(),
                body: truncate(&item.to_string()),
            })
        })
        .collect()
}

/// The list an answer carries under `item` (as `query_cids` and `get_detail_by_cid` do), or under
/// `items` or `item.items` (other versions of the documents).
fn listed(envelope: OpenEnvelope<Value>) -> Vec<Value> {
    match (envelope.item, envelope.items) {
        (Some(Value::Array(list)), _) => list,
        (Some(Value::Object(mut object)), _) => match object.remove("items") {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        },
        (_, Some(list)) => list,
        _ => Vec::new(),
    }
}

/// Text or number, absent or null as empty.
fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

fn lenient_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_i64(d)?.unwrap_or_default())
}

/// The first of a ";"-separated list (the customer center's `user_tels`, `user_emails`).
fn first_of_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?
        .unwrap_or_default()
        .split([';', '；', ','])
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_string())
}

/// A customer as the platform's customer center knows them (its item's names in `rename`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformCustomer {
    #[serde(rename = "userid", default, deserialize_with = "lenient_string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub partnerid: String,
    #[serde(rename = "user_nick", default, deserialize_with = "lenient_string")]
    pub nick: String,
    #[serde(rename = "user_name", default, deserialize_with = "lenient_string")]
    pub uname: String,
    /// The first of `user_tels`.
    #[serde(rename = "user_tels", default, deserialize_with = "first_of_list")]
    pub tel: String,
    /// The first of `user_emails`.
    #[serde(rename = "user_emails", default, deserialize_with = "first_of_list")]
    pub email: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub vip_level: String,
    /// 0 normal, 1 VIP.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub user_level: i64,
    /// Labels (the separator is not documented: commas and semicolons are both read).
    #[serde(default, deserialize_with = "lenient_string")]
    pub user_label: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub remark: String,
}

/// One of the customer's sessions (`query_cids`: `cid, start_date_time, visitorid`). The platform
/// does not say the channel; `source` is read in case it ever does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastSession {
    pub cid: String,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub start_date_time: i64,
    #[serde(default, deserialize_with = "lenient_string")]
    pub visitorid: String,
    #[serde(default, deserialize_with = "opt_i64")]
    pub source: Option<i64>,
}

/// One message of a past session (`get_detail_by_cid`): `sender_type` 0 customer, 1 bot, 2 agent;
/// `msg_type` 0 text, 1 image, 2 audio, 3 rich text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastMessage {
    #[serde(default, deserialize_with = "lenient_i64")]
    pub sender_type: i64,
    #[serde(default, deserialize_with = "lenient_string")]
    pub sender_name: String,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub t: i64,
    #[serde(default, deserialize_with = "lenient_string")]
    pub msg: String,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub msg_type: i64,
}

/// One knowledge-base entry as `search_doc_list` lists it (fact sheet §4): the question, its answer
/// as text, its category and when it changed. The platform lists no similar-question texts (only
/// their count) and no language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeDoc {
    #[serde(deserialize_with = "lenient_string")]
    pub docid: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub question_title: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub answer_txt: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub question_type_name: String,
    /// Epoch ms: the platform's text ("yyyy-MM-dd HH:mm:ss", China time) or a number of ms.
    #[serde(default, deserialize_with = "platform_time")]
    pub update_time: i64,
}

/// One page of `search_doc_list`, and how many pages there are (`page_count`, text or number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgePage {
    pub docs: Vec<KnowledgeDoc>,
    pub page_count: u32,
}

/// A time as the platform's date-time text or as epoch milliseconds; 0 when neither.
fn platform_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64().unwrap_or_default(),
        Some(Value::String(s)) => crate::protocol::parse_platform_time(&s)
            .or_else(|| s.trim().parse().ok())
            .unwrap_or_default(),
        _ => 0,
    })
}

/// `query_cids`' `from`: 0 the open platform, 1 web/H5/SDK. Both are asked, so sessions on every
/// channel are listed.
const QUERY_CIDS_FROM: [&str; 2] = ["0", "1"];

impl AgentClient {
    /// The customer center's record for a partner id; `None` when the platform has none.
    pub async fn customer_by_partnerid(
        &self,
        partnerid: &str,
    ) -> Result<Option<PlatformCustomer>, ClientError> {
        self.customer_lookup("get_user_by_partnerid", "partnerid", partnerid)
            .await
    }

    /// The customer center's record for a phone number (one number, as the platform requires).
    pub async fn customer_by_tel(
        &self,
        tel: &str,
    ) -> Result<Option<PlatformCustomer>, ClientError> {
        self.customer_lookup("get_user_by_tel", "user_tels", tel)
            .await
    }

    async fn customer_lookup(
        &self,
        op: &str,
        key: &str,
        value: &str,
    ) -> Result<Option<PlatformCustomer>, ClientError> {
        let envelope = self
            .open_call(
                reqwest::Method::GET,
                &format!("/api/crm/5/user/{op}"),
                &[(key, value)],
            )
            .await?;
        match envelope.item {
            None | Some(Value::Null) => Ok(None),
            Some(item) => {
                serde_json::from_value(item.clone())
                    .map(Some)
                    .map_err(|e| ClientError::Decode {
                        endpoint: op.into(),
                        message: e.to_string(),
                        body: truncate(&item.to_string()),
                    })
            }
        }
    }

    /// The customer's sessions on every channel, newest first, without duplicates.
    pub async fn past_sessions(&self, partnerid: &str) -> Result<Vec<PastSession>, ClientError> {
        let mut sessions: Vec<PastSession> = Vec::new();
        for from in QUERY_CIDS_FROM {
            let envelope = self
                .open_call(
                    reqwest::Method::POST,
                    "/api/chat/5/user/query_cids",
                    &[("partnerid", partnerid), ("from", from)],
                )
                .await?;
            for item in listed(envelope) {
                let session: PastSession =
                    serde_json::from_value(item.clone()).map_err(|e| ClientError::Decode {
                        endpoint: "query_cids".into(),
                        message: e.to_string(),
                        body: truncate(&item.to_string()),
                    })?;
                if !sessions.iter().any(|s| s.cid == session.cid) {
                    sessions.push(session);
                }
            }
        }
        // The platform lists them oldest first; sessions started in the same millisecond keep
        // that order reversed.
        sessions.reverse();
        sessions.sort_by_key(|s| std::cmp::Reverse(s.start_date_time));
        Ok(sessions)
    }

    /// The messages of one session, oldest first.
    pub async fn session_messages(&self, cid: &str) -> Result<Vec<PastMessage>, ClientError> {
        let envelope = self
            .open_call(
                reqwest::Method::POST,
                "/api/chat/5/user/get_detail_by_cid",
                &[("cid", cid), ("name_flag", "0")],
            )
            .await?;
        let items = Value::Array(listed(envelope));
        serde_json::from_value(items.clone()).map_err(|e| ClientError::Decode {
            endpoint: "get_detail_by_cid".into(),
            message: e.to_string(),
            body: truncate(&items.to_string()),
        })
    }

    /// One page (1-based; the platform sets the page size) of the public knowledge base's entries,
    /// all of them or those changed on or after `updated_since` ("yyyy-MM-dd", China time: the
    /// documents give `update_start_date` without its format).
    pub async fn knowledge_page(
        &self,
        page_no: u32,
        updated_since: Option<&str>,
    ) -> Result<KnowledgePage, ClientError> {
        let page = page_no.to_string();
        let mut params = vec![
            ("key_flag", "1"),
            ("question_typeid", "-1"),
            ("robot_flag", "0"),
            ("question_type_flag", "1"),
            ("page_no", page.as_str()),
        ];
        if let Some(day) = updated_since {
            params.push(("update_start_date", day));
        }
        let envelope = self
            .open_call(
                reqwest::Method::POST,
                "/api/robot/5/search_doc_list",
                &params,
            )
            .await?;
        let page_count = match envelope.rest.get("page_count") {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
            Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
            _ => 0,
        } as u32;
        Ok(KnowledgePage {
            docs: decode_items("search_doc_list", envelope.items)?,
            page_count,
        })
    }

    /// One open-platform call: GET parameters in the query, POST ones as a JSON body; the company
    /// token in the `token` header, fetched again once when the platform no longer accepts it. Made
    /// once: the views that read these say when a source failed and offer a retry.
    pub(super) async fn open_call(
        &self,
        method: reqwest::Method,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<OpenEnvelope<Value>, ClientError> {
        let endpoint = path.rsplit('/').next().unwrap_or(path);
        let url = format!("{}{path}", self.origin);
        let (method, url) = (&method, &url);
        self.http
            .run_as(endpoint, Retry::Never, &self.tokens, |token| async move {
                let request = if method == reqwest::Method::GET {
                    self.http.reqwest().get(url).query(params)
                } else {
                    let body: serde_json::Map<String, Value> = params
                        .iter()
                        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                        .collect();
                    self.http.reqwest().request(method.clone(), url).json(&body)
                };
                let response = request
                    .header("token", token.expose())
                    .send()
                    .await
                    .map_err(|e| network(endpoint, &e))?;
                let (body, text) = read_answer(endpoint, response).await?;
                check_envelope(endpoint, &body, &[RetCode::SUCCESS])?;
                serde_json::from_value(body).map_err(|e| ClientError::Decode {
                    endpoint: endpoint.to_string(),
                    message: e.to_string(),
                    body: truncate(&text),
                })
            })
            .await
    }
}
