//! The agent component SDK's HTTP operations (`{host}/chat-admin-sdk/new/sdk/v1/<op>`, fact sheet
//! §1): form-encoded POSTs (multipart for `send`) with a `temp-id` header, `from=2` and `version=1.2`
//! on every call, and `{retCode, retMsg, data}` envelopes.
//!
//! Re-login is automatic and single-flight, as in the SDK: a `900002`/`999998` answer drops the
//! login that was used (if no one replaced it yet), logs in again once, and repeats the call once
//! (the platform refused the call, so repeating it cannot do anything twice). Reads are retried on
//! transient failures with backoff and jitter; mutations are not. `send` is never repeated here:
//! Sobot honours no client message id, so the caller learns whether a failed send may have been
//! stored (`SendFailure`) and looks in the session's history before sending again.

mod records;
mod statistics;

pub use records::{KnowledgeDoc, KnowledgePage, PastMessage, PastSession, PlatformCustomer};
pub use statistics::{HumanSatisfaction, HumanSessionTotals};

use std::time::{Duration, Instant};

use agentdesk_domain::{mask_pii, Secret};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;

use agentdesk_http::{Authority, CallLedger, HttpClient, HttpSettings, Retry};

use super::http::{check_envelope, network, read_answer, truncate};
use super::{ClientError, TokenCache};
use crate::protocol::{
    AgentListing, ChatMessageModel, CustomerServiceInfoModel, OnLineGroupModel, OnLineServiceModel,
    OnlineMsgModel, QueueUserModel, RetCode, SynChronousModel, UserInfoModel, AGENT_BASE_PATH,
    SDK_FROM, SDK_VERSION,
};

/// The agent SDK's per-call timeout (`OnlineHttpUtils`: 8 s).
const CALL_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Clone)]
pub struct AgentCredentials {
    /// e.g. `https://www.sobot.com` or the sandbox's `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub appid: String,
    pub app_key: Secret,
    pub email: String,
    /// Kept in the keychain for the account, but never sent: Sobot's agent login authenticates by
    /// the company token and the e-mail alone (fact sheet §1.2).
    pub password: Option<Secret>,
}

impl std::fmt::Debug for AgentCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentCredentials")
            .field("base_url", &self.base_url)
            .field("appid", &self.appid)
            .field("email", &mask_pii(&self.email))
            .finish_non_exhaustive()
    }
}

pub struct OutgoingAttachment {
    pub file_name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// What the agent sends: a text (`msgType` 0) or a file part (`msgType` 1 image, 3 video).
pub enum OutgoingMessage {
    Text(String),
    Attachment(OutgoingAttachment),
}

/// Why a `send` did not give a message id, by what the agent's client may do next.
#[derive(Debug)]
pub enum SendFailure {
    /// The request never reached the platform (no connection, or the login was refused before the
    /// message was looked at): sending it again cannot show it twice.
    NotSent(ClientError),
    /// The platform answered and did not deliver it (a sensitive word, an ended session, …).
    Refused(ClientError),
    /// The request may have been stored but no answer came back (a timeout, a dropped connection,
    /// a 5xx, an answer that is not the envelope): look in the session's history before sending
    /// it again.
    Unknown(ClientError),
}

impl SendFailure {
    pub fn error(&self) -> &ClientError {
        match self {
            SendFailure::NotSent(e) | SendFailure::Refused(e) | SendFailure::Unknown(e) => e,
        }
    }
}

#[derive(Clone)]
struct Login {
    temp_id: String,
    info: CustomerServiceInfoModel,
}

pub struct AgentClient {
    http: HttpClient,
    credentials: AgentCredentials,
    /// `{scheme}://{host}`, for the open-platform calls.
    origin: String,
    /// The agent SDK's base (`{origin}/chat-admin-sdk/new/sdk/v1`).
    base: String,
    tokens: TokenCache,
    login: Mutex<Option<Login>>,
    login_status: std::sync::atomic::AtomicI64,
}

impl AgentClient {
    /// A client whose calls are stamped by `clock` and recorded in `ledger` (give it a branch of
    /// the workbench's ledger: its engine adds its own audit log to it).
    pub fn new(
        credentials: AgentCredentials,
        clock: agentdesk_domain::SharedClock,
        ledger: CallLedger,
    ) -> Result<AgentClient, ClientError> {
        let base_url = credentials.base_url.trim_end_matches('/').to_string();
        url::Url::parse(&base_url)
            .map_err(|e| ClientError::Config(format!("base URL {base_url:?} is not a URL: {e}")))?;
        let http = HttpClient::new(
            HttpSettings::within(CALL_TIMEOUT).idle_per_host(32),
            clock,
            ledger,
        )
        .map_err(|e| ClientError::Config(e.to_string()))?;
        let tokens = TokenCache::new(
            http.clone(),
            &base_url,
            &credentials.appid,
            credentials.app_key.clone(),
        );
        Ok(AgentClient {
            base: format!("{base_url}{AGENT_BASE_PATH}"),
            origin: base_url.clone(),
            http,
            credentials,
            tokens,
            login: Mutex::new(None),
            login_status: std::sync::atomic::AtomicI64::new(1),
        })
    }

    pub fn credentials(&self) -> &AgentCredentials {
        &self.credentials
    }

    pub fn tokens(&self) -> &TokenCache {
        &self.tokens
    }

    /// Where this client's calls are recorded.
    pub fn ledger(&self) -> &CallLedger {
        self.http.ledger()
    }

    /// The real time now, for a signature the platform checks against its own clock.
    pub fn signing_time_ms(&self) -> i64 {
        self.http.signing_time_ms()
    }

    /// The status to log in with (1 online, 2 busy, 0 offline); kept across automatic re-logins.
    pub fn set_login_status(&self, status: i64) {
        self.login_status
            .store(status, std::sync::atomic::Ordering::Relaxed);
    }

    /// Logs in (or returns the current login): the login's info, including the push addresses.
    pub async fn login(&self) -> Result<CustomerServiceInfoModel, ClientError> {
        Ok(self.ensure_login().await?.info)
    }

    async fn ensure_login(&self) -> Result<Login, ClientError> {
        let mut slot = self.login.lock().await;
        if let Some(login) = slot.as_ref() {
            return Ok(login.clone());
        }
        let login = self.fetch_login().await?;
        *slot = Some(login.clone());
        Ok(login)
    }

    /// Forgets `temp_id` if it is still the current login, so the next call logs in again.
    pub async fn invalidate_login(&self, temp_id: &str) {
        let mut slot = self.login.lock().await;
        if slot.as_ref().is_some_and(|login| login.temp_id == temp_id) {
            *slot = None;
        }
    }

    async fn fetch_login(&self) -> Result<Login, ClientError> {
        let info: CustomerServiceInfoModel = self
            .http
            .run_as("login", Retry::Never, &self.tokens, |token| async move {
                let form: Vec<(&str, String)> = vec![
                    ("email", self.credentials.email.clone()),
                    ("token", token.expose().to_string()),
                    (
                        "loginStatus",
                        self.login_status
                            .load(std::sync::atomic::Ordering::Relaxed)
                            .to_string(),
                    ),
                    ("from", SDK_FROM.into()),
                    ("way", "10".into()),
                    ("system", std::env::consts::OS.into()),
                    ("ack", "1".into()),
                    ("version", SDK_VERSION.into()),
                ];
                self.post_inner("login", None, &form).await
            })
            .await?;
        if info.temp_id.is_empty() {
            return Err(ClientError::Decode {
                endpoint: "login".into(),
                message: "login succeeded without a tempId".into(),
                body: String::new(),
            });
        }
        Ok(Login {
            temp_id: info.temp_id.clone(),
            info,
        })
    }

    /// One POST to `{base}/{op}`; decodes the agent envelope into `T`.
    async fn post_inner<T: DeserializeOwned>(
        &self,
        op: &str,
        temp_id: Option<&str>,
        form: &[(&str, String)],
    ) -> Result<T, ClientError> {
        let mut request = self
            .http
            .reqwest()
            .post(format!("{}/{op}", self.base))
            .form(form);
        if let Some(temp_id) = temp_id {
            request = request.header("temp-id", temp_id);
        }
        let response = request.send().await.map_err(|e| network(op, &e))?;
        Self::decode(op, response).await
    }

    /// The agent envelope `{retCode, retMsg, data}`: `data` as `T` when the code is a success.
    async fn decode<T: DeserializeOwned>(
        endpoint: &str,
        response: reqwest::Response,
    ) -> Result<T, ClientError> {
        let (mut body, text) = read_answer(endpoint, response).await?;
        check_envelope(endpoint, &body, &[RetCode::SUCCESS])?;
        serde_json::from_value(body.get_mut("data").map(Value::take).unwrap_or(Value::Null))
            .map_err(|e| ClientError::Decode {
                endpoint: endpoint.to_string(),
                message: e.to_string(),
                body: truncate(&text),
            })
    }

    /// A logged-in call: the login renewed once if the platform refuses it (`900002`/`999998`);
    /// `retry_transient` for operations that are safe to repeat.
    async fn call<T: DeserializeOwned>(
        &self,
        op: &str,
        form: Vec<(&str, String)>,
        retry_transient: bool,
    ) -> Result<T, ClientError> {
        // The SDK adds these to every call, overwriting same-named fields.
        let mut form: Vec<(&str, String)> = form
            .into_iter()
            .filter(|(key, _)| *key != "from" && *key != "version")
            .collect();
        form.push(("from", SDK_FROM.into()));
        form.push(("version", SDK_VERSION.into()));
        let retry = if retry_transient {
            Retry::Transient
        } else {
            Retry::Never
        };
        let form = &form;
        self.http
            .run_as(op, retry, &AgentLogin(self), |login| async move {
                self.post_inner(op, Some(&login.temp_id), form).await
            })
            .await
    }

    // ---- status ----

    pub async fn online(&self) -> Result<(), ClientError> {
        self.set_login_status(1);
        self.call::<Value>("online", vec![("statusCode", "1".into())], false)
            .await
            .map(drop)
    }

    /// Busy with a reason: any of the company's statuses other than online (`getServiceStatus`'s
    /// dictValue; by default 2 busy, 3 break, 4 training, 5 meeting, 6 meal, 7 activity).
    pub async fn busy(&self, status_code: i64) -> Result<(), ClientError> {
        if status_code < 2 {
            return Err(ClientError::Config(format!(
                "a busy status code is 2 or more, got {status_code}"
            )));
        }
        self.set_login_status(2);
        self.call::<Value>("busy", vec![("statusCode", status_code.to_string())], false)
            .await
            .map(drop)
    }

    /// Logs out (`out` with uid = puid).
    pub async fn out(&self) -> Result<(), ClientError> {
        let login = self.ensure_login().await?;
        let result = self
            .call::<Value>("out", vec![("uid", login.info.puid.clone())], false)
            .await;
        self.invalidate_login(&login.temp_id).await;
        result.map(drop)
    }

    // ---- reception ----

    /// The agent's current reception list (`synChronous`): one `PushMessageModel` per live session.
    pub async fn synchronous(&self) -> Result<SynChronousModel, ClientError> {
        self.call("synChronous", vec![], true).await
    }

    /// A page of the platform's queue (`queryWaitUser`).
    pub async fn query_wait_user(
        &self,
        page_num: u32,
        page_size: u32,
    ) -> Result<QueueUserModel, ClientError> {
        self.call(
            "queryWaitUser",
            vec![
                ("pageNum", page_num.to_string()),
                ("pageSize", page_size.to_string()),
            ],
            true,
        )
        .await
    }

    /// Every record of one session, oldest first (`queryHistoryRecords`; no paging).
    pub async fn query_history_records(
        &self,
        cid: &str,
        uid: &str,
    ) -> Result<Vec<ChatMessageModel>, ClientError> {
        self.call(
            "queryHistoryRecords",
            vec![("cid", cid.into()), ("uid", uid.into())],
            true,
        )
        .await
    }

    // ---- messages ----

    /// Sends one message, once: multipart to `send` with `content, uid, cid, msgType` and, for an
    /// image or video, the `file` part (the SDK sends `content=""` then). Only a refused login is
    /// followed by a second attempt, after logging in again.
    pub async fn send(
        &self,
        cid: &str,
        uid: &str,
        message: &OutgoingMessage,
    ) -> Result<OnlineMsgModel, SendFailure> {
        let mut relogged = false;
        loop {
            let login = self.ensure_login().await.map_err(SendFailure::NotSent)?;
            let form = send_form(cid, uid, message)?;
            let started = Instant::now();
            let started_at_ms = self.http.now_ms();
            let result = match self
                .http
                .reqwest()
                .post(format!("{}/send", self.base))
                .header("temp-id", &login.temp_id)
                .multipart(form)
                .send()
                .await
            {
                // Refused to connect: the request never left this machine.
                Err(e) if e.is_connect() => Err(SendFailure::NotSent(network("send", &e))),
                Err(e) => Err(SendFailure::Unknown(network("send", &e))),
                Ok(response) => match Self::decode::<OnlineMsgModel>("send", response).await {
                    Ok(receipt) => Ok(receipt),
                    Err(error @ ClientError::Platform { .. }) => Err(SendFailure::Refused(error)),
                    Err(error) => Err(SendFailure::Unknown(error)),
                },
            };
            self.http.record(
                "send",
                started,
                started_at_ms,
                result
                    .as_ref()
                    .err()
                    .map(|failure| failure.error() as &dyn agentdesk_http::CallFailure),
            );
            let refused_login = matches!(
                &result,
                Err(SendFailure::Refused(ClientError::Platform { code, .. })) if code.needs_reauth()
            );
            if refused_login && !relogged {
                relogged = true;
                self.invalidate_login(&login.temp_id).await;
                continue;
            }
            // A refused login means the message was not looked at.
            return result.map_err(|failure| match failure {
                SendFailure::Refused(error) if refused_login => SendFailure::NotSent(error),
                other => other,
            });
        }
    }

    pub async fn revoke_msg(&self, cid: &str, uid: &str, msg_id: &str) -> Result<(), ClientError> {
        self.call::<Value>(
            "revokeMsg",
            vec![
                ("msgId", msg_id.into()),
                ("uid", uid.into()),
                ("cid", cid.into()),
            ],
            false,
        )
        .await
        .map(drop)
    }

    // ---- session actions ----

    pub async fn transfer(
        &self,
        cid: &str,
        uid: &str,
        to_agent_id: &str,
    ) -> Result<(), ClientError> {
        self.call::<Value>(
            "transfer",
            vec![
                ("cid", cid.into()),
                ("joinId", to_agent_id.into()),
                ("uid", uid.into()),
            ],
            false,
        )
        .await
        .map(drop)
    }

    pub async fn transfer_to_group(
        &self,
        cid: &str,
        uid: &str,
        group_id: &str,
        group_name: &str,
    ) -> Result<(), ClientError> {
        self.call::<Value>(
            "transferToGroup",
            vec![
                ("cid", cid.into()),
                ("groupId", group_id.into()),
                ("groupName", group_name.into()),
                ("uid", uid.into()),
            ],
            false,
        )
        .await
        .map(drop)
    }

    /// Ends the session (the agent forces the visitor offline).
    pub async fn leave(&self, cid: &str, uid: &str) -> Result<(), ClientError> {
        self.call::<Value>(
            "leave",
            vec![("cid", cid.into()), ("uid", uid.into())],
            false,
        )
        .await
        .map(drop)
    }

    /// Invites the visitor to rate the service (`reComment`, with `cid` only, as the SDK sends it).
    /// The answer's `status`: "0" invited, "1" already rated, "2" cannot rate, "3" must have chatted
    /// first, "4" server error, "5" visitor offline.
    pub async fn re_comment(&self, cid: &str) -> Result<String, ClientError> {
        let answer: Value = self
            .call("reComment", vec![("cid", cid.into())], false)
            .await?;
        Ok(match &answer["status"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        })
    }

    /// The service summary (`summarySubmit`), with the SDK's rules: optional fields only when not
    /// empty, `questionStatus` left out when unknown, `invalidSession=1` only for an invalid session.
    pub async fn summary_submit(&self, summary: &SessionSummary<'_>) -> Result<(), ClientError> {
        let mut form: Vec<(&str, String)> =
            vec![("uid", summary.uid.into()), ("cid", summary.cid.into())];
        for (key, value) in [
            ("operationId", summary.operation_id),
            ("operationName", summary.operation_name),
            ("reqTypeId", summary.req_type_id),
            ("questionDescribe", summary.question_describe),
        ] {
            if !value.is_empty() {
                form.push((key, value.into()));
            }
        }
        if let Some(resolved) = summary.resolved {
            form.push(("questionStatus", if resolved { "1" } else { "0" }.into()));
        }
        if summary.invalid_session {
            form.push(("invalidSession", "1".into()));
        }
        self.call::<Value>("summarySubmit", form, false)
            .await
            .map(drop)
    }

    /// What the platform knows of a visitor (`getUserInfo` → `UserInfoModel`).
    pub async fn user_info(&self, uid: &str) -> Result<UserInfoModel, ClientError> {
        self.call("getUserInfo", vec![("uid", uid.into())], true)
            .await
    }

    /// Other agents a session can be transferred to (`getOtherAdmins` → `OnLineServiceModel`).
    pub async fn other_agents(
        &self,
        key_word: &str,
    ) -> Result<Vec<OnLineServiceModel>, ClientError> {
        self.call("getOtherAdmins", vec![("keyWord", key_word.into())], true)
            .await
    }

    /// `getOtherAdmins` with the tenant fields beside the SDK's model (see `AgentListing`).
    pub async fn other_agents_listing(
        &self,
        key_word: &str,
    ) -> Result<Vec<AgentListing>, ClientError> {
        self.call("getOtherAdmins", vec![("keyWord", key_word.into())], true)
            .await
    }

    /// Skill groups a session can be transferred to (`queryTransferGroup` → `OnLineGroupModel`).
    pub async fn transfer_groups(
        &self,
        key_word: &str,
    ) -> Result<Vec<OnLineGroupModel>, ClientError> {
        self.call(
            "queryTransferGroup",
            vec![("keyWord", key_word.into())],
            true,
        )
        .await
    }

    /// Where to open the push channel, logging in first if needed: `wslinkDefault`, which must be
    /// exactly `host:port` (the SDK splits it on `:` and connects to nothing else).
    pub async fn push_endpoint(&self) -> Result<super::PushEndpoint, ClientError> {
        let login = self.ensure_login().await?;
        let address = login.info.wslink_default.trim().to_string();
        let parts: Vec<&str> = address.split(':').collect();
        if parts.len() != 2 || parts[0].is_empty() || parts[1].parse::<u16>().is_err() {
            return Err(ClientError::Decode {
                endpoint: "login".into(),
                message: format!("the push address (wslinkDefault) {address:?} is not host:port"),
                body: String::new(),
            });
        }
        Ok(super::PushEndpoint {
            address,
            aid: login.info.aid.clone(),
            company_id: login.info.company_id.clone(),
            puid: login.info.puid.clone(),
            temp_id: login.temp_id,
        })
    }
}

/// The service summary's fields (`summarySubmit`).
pub struct SessionSummary<'a> {
    pub cid: &'a str,
    pub uid: &'a str,
    pub operation_id: &'a str,
    pub operation_name: &'a str,
    pub req_type_id: &'a str,
    pub question_describe: &'a str,
    /// Resolved or not; `None` when the agent did not say.
    pub resolved: Option<bool>,
    pub invalid_session: bool,
}

/// The agent's login (`tempId`) as the SDK's credential: logged in again once when the platform
/// answers `900002`/`999998`.
struct AgentLogin<'a>(&'a AgentClient);

impl Authority for AgentLogin<'_> {
    type Error = ClientError;
    type Credential = Login;

    async fn current(&self) -> Result<Login, ClientError> {
        self.0.ensure_login().await
    }

    fn refuses(&self, error: &ClientError) -> bool {
        matches!(error, ClientError::Platform { code, .. } if code.needs_reauth())
    }

    async fn forget(&self, stale: &Login) {
        self.0.invalidate_login(&stale.temp_id).await;
    }
}

/// The `send` call's multipart form, as the SDK builds it.
fn send_form(
    cid: &str,
    uid: &str,
    message: &OutgoingMessage,
) -> Result<reqwest::multipart::Form, SendFailure> {
    let (content, msg_type) = match message {
        OutgoingMessage::Text(text) => (text.as_str(), "0"),
        OutgoingMessage::Attachment(file) if file.mime.starts_with("video/") => ("", "3"),
        OutgoingMessage::Attachment(_) => ("", "1"),
    };
    let mut form = reqwest::multipart::Form::new()
        .text("content", content.to_string())
        .text("uid", uid.to_string())
        .text("cid", cid.to_string())
        .text("msgType", msg_type)
        .text("from", SDK_FROM)
        .text("version", SDK_VERSION);
    if let OutgoingMessage::Attachment(file) = message {
        let part = reqwest::multipart::Part::bytes(file.bytes.clone())
            .file_name(
                url::form_urlencoded::byte_serialize(file.file_name.as_bytes()).collect::<String>(),
            )
            .mime_str(&file.mime)
            .map_err(|e| {
                SendFailure::NotSent(ClientError::Config(format!(
                    "attachment type {:?}: {e}",
                    file.mime
                )))
            })?;
        form = form.part("file", part);
    }
    Ok(form)
}
