//! The agent component SDK's HTTP operations (`{host}/chat-admin-sdk/new/sdk/v1/<op>`, reference §1b):
//! form-encoded POSTs with a `temp-id` header and `{retCode, retMsg, data}` envelopes.
//!
//! Re-login is automatic and single-flight: a `900002`/`999998` answer drops the login that was
//! used (if no one replaced it yet), logs in again once, and repeats the call once. Reads are
//! retried on transient failures with backoff and jitter; mutations are not, except `send`, which
//! carries a client message id the platform de-duplicates on.

mod records;
mod statistics;

pub use records::{KnowledgeDoc, PastMessage, PastSession, PlatformCustomer};
pub use statistics::{HourlySessions, HumanSatisfaction};

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_domain::{mask_pii, Secret};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;

use super::{backoff_with_jitter, now_millis, ClientError, TokenCache};
use crate::protocol::{
    AgentEnvelope, ChatRecord, CustomerServiceInfoModel, ReceptionItem, RetCode, SendReceipt,
    WaitingPage, AGENT_BASE_PATH,
};

/// The agent SDK's per-call timeout (`OnlineHttpUtils`: 8 s).
const CALL_TIMEOUT: Duration = Duration::from_secs(8);
const READ_ATTEMPTS: u32 = 3;
const CLIENT_VERSION: &str = concat!("agentdesk-", env!("CARGO_PKG_VERSION"));

#[derive(Clone)]
pub struct AgentCredentials {
    /// e.g. `https://www.sobot.com` or the sandbox's `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub appid: String,
    pub app_key: Secret,
    pub email: String,
    /// Sobot's SDK logs agents in by company token and e-mail; the sandbox also checks a password
    /// when one is given (see docs/PROTOCOL.md).
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

/// One platform call, for the audit log and API-health figures. `detail` is already PII-masked.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub endpoint: String,
    pub started_at_ms: i64,
    pub duration_ms: f64,
    pub outcome: String,
    pub detail: String,
}

pub type CallObserver = Arc<dyn Fn(CallRecord) + Send + Sync>;

pub struct OutgoingAttachment {
    pub file_name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone)]
struct Login {
    temp_id: String,
    info: CustomerServiceInfoModel,
}

pub struct AgentClient {
    http: reqwest::Client,
    credentials: AgentCredentials,
    /// `{scheme}://{host}`, for the open-platform calls.
    origin: String,
    /// The agent SDK's base (`{origin}/chat-admin-sdk/new/sdk/v1`).
    base: String,
    tokens: TokenCache,
    login: Mutex<Option<Login>>,
    login_status: std::sync::atomic::AtomicI64,
    observer: std::sync::RwLock<Option<CallObserver>>,
}

impl AgentClient {
    pub fn new(credentials: AgentCredentials) -> Result<AgentClient, ClientError> {
        let base_url = credentials.base_url.trim_end_matches('/').to_string();
        url::Url::parse(&base_url)
            .map_err(|e| ClientError::Config(format!("base URL {base_url:?} is not a URL: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(4))
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| ClientError::Config(format!("HTTP client: {e}")))?;
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
            observer: std::sync::RwLock::new(None),
        })
    }

    pub fn credentials(&self) -> &AgentCredentials {
        &self.credentials
    }

    pub fn tokens(&self) -> &TokenCache {
        &self.tokens
    }

    pub fn set_observer(&self, observer: CallObserver) {
        if let Ok(mut slot) = self.observer.write() {
            *slot = Some(observer);
        }
    }

    /// The status to log in with (1 online, 2 busy, 0 offline); kept across automatic re-logins.
    pub fn set_login_status(&self, status: i64) {
        self.login_status
            .store(status, std::sync::atomic::Ordering::Relaxed);
    }

    fn observe(
        &self,
        endpoint: &str,
        started: Instant,
        started_at_ms: i64,
        outcome: String,
        detail: &str,
    ) {
        let observer = self.observer.read().ok().and_then(|slot| slot.clone());
        if let Some(observer) = observer {
            observer(CallRecord {
                endpoint: endpoint.to_string(),
                started_at_ms,
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
                outcome,
                detail: mask_pii(detail).into_owned(),
            });
        }
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
        let mut token_retry = true;
        loop {
            let token = self.tokens.token().await?;
            let mut form: Vec<(&str, String)> = vec![
                ("email", self.credentials.email.clone()),
                ("token", token.expose().to_string()),
                (
                    "loginStatus",
                    self.login_status
                        .load(std::sync::atomic::Ordering::Relaxed)
                        .to_string(),
                ),
                ("from", "2".into()),
                ("way", "10".into()),
                ("system", std::env::consts::OS.into()),
                ("ack", "1".into()),
                ("version", CLIENT_VERSION.into()),
            ];
            if let Some(password) = &self.credentials.password {
                form.push(("password", password.expose().to_string()));
            }
            let result: Result<CustomerServiceInfoModel, ClientError> =
                self.post("login", None, &form).await;
            match result {
                Ok(info) if !info.temp_id.is_empty() => {
                    return Ok(Login {
                        temp_id: info.temp_id.clone(),
                        info,
                    })
                }
                Ok(_) => {
                    return Err(ClientError::Decode {
                        endpoint: "login".into(),
                        message: "login succeeded without a tempId".into(),
                        body: String::new(),
                    })
                }
                Err(ClientError::Platform {
                    code: RetCode::TokenInvalid,
                    ..
                }) if token_retry => {
                    token_retry = false;
                    self.tokens.invalidate(&token).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// One POST to `{base}/{op}`; decodes the agent envelope into `T`.
    async fn post<T: DeserializeOwned>(
        &self,
        op: &str,
        temp_id: Option<&str>,
        form: &[(&str, String)],
    ) -> Result<T, ClientError> {
        let started = Instant::now();
        let started_at_ms = now_millis();
        let result = self.post_inner(op, temp_id, form).await;
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(error) => error.outcome_label(),
        };
        let detail = match &result {
            Ok(_) => String::new(),
            Err(error) => error.to_string(),
        };
        self.observe(op, started, started_at_ms, outcome, &detail);
        result
    }

    async fn post_inner<T: DeserializeOwned>(
        &self,
        op: &str,
        temp_id: Option<&str>,
        form: &[(&str, String)],
    ) -> Result<T, ClientError> {
        let endpoint = op.to_string();
        let mut request = self.http.post(format!("{}/{op}", self.base)).form(form);
        if let Some(temp_id) = temp_id {
            request = request.header("temp-id", temp_id);
        }
        let response = request.send().await.map_err(|e| ClientError::Network {
            endpoint: endpoint.clone(),
            message: e.to_string(),
        })?;
        Self::decode(endpoint, response).await
    }

    async fn decode<T: DeserializeOwned>(
        endpoint: String,
        response: reqwest::Response,
    ) -> Result<T, ClientError> {
        let (envelope, body): (AgentEnvelope<Value>, String) =
            read_envelope(&endpoint, response).await?;
        let code = RetCode::parse(&envelope.ret_code);
        if !code.is_success() {
            return Err(ClientError::Platform {
                endpoint,
                code,
                code_text: envelope.ret_code,
                message: envelope.ret_msg,
            });
        }
        serde_json::from_value(envelope.data.unwrap_or(Value::Null)).map_err(|e| {
            ClientError::Decode {
                endpoint,
                message: e.to_string(),
                body: truncate(&body),
            }
        })
    }

    /// A logged-in call with automatic re-login. `retry_transient` is for operations that are safe
    /// to repeat.
    async fn call<T: DeserializeOwned>(
        &self,
        op: &str,
        form: Vec<(&str, String)>,
        retry_transient: bool,
    ) -> Result<T, ClientError> {
        let mut form = form;
        form.push(("from", "2".into()));
        form.push(("version", CLIENT_VERSION.into()));
        let mut relogged = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let login = self.ensure_login().await?;
            match self.post::<T>(op, Some(&login.temp_id), &form).await {
                Ok(value) => return Ok(value),
                Err(ClientError::Platform { ref code, .. }) if code.needs_reauth() && !relogged => {
                    relogged = true;
                    self.invalidate_login(&login.temp_id).await;
                }
                Err(error)
                    if retry_transient && error.is_transient() && attempt < READ_ATTEMPTS =>
                {
                    tokio::time::sleep(backoff_with_jitter(
                        attempt,
                        Duration::from_millis(100),
                        Duration::from_secs(2),
                    ))
                    .await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    // ---- status ----

    pub async fn online(&self) -> Result<(), ClientError> {
        self.set_login_status(1);
        self.call::<Value>("online", vec![("statusCode", "1".into())], false)
            .await
            .map(drop)
    }

    /// Busy with a reason: 2 busy, 3 break, 4 training, 5 meeting, 6 meal, 7 activity.
    pub async fn busy(&self, status_code: i64) -> Result<(), ClientError> {
        if !(2..=7).contains(&status_code) {
            return Err(ClientError::Config(format!(
                "busy status code must be 2–7, got {status_code}"
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

    /// The agent's current reception list.
    pub async fn synchronous(&self) -> Result<Vec<ReceptionItem>, ClientError> {
        self.call("synChronous", vec![], true).await
    }

    pub async fn query_wait_user(
        &self,
        page_num: u32,
        page_size: u32,
    ) -> Result<WaitingPage, ClientError> {
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

    pub async fn get_history_chat(
        &self,
        uid: &str,
        cid: &str,
    ) -> Result<Vec<ChatRecord>, ClientError> {
        self.call(
            "getHistoryChat",
            vec![("uid", uid.into()), ("cid", cid.into())],
            true,
        )
        .await
    }

    /// [ext] Every record of `cid` with `seq > after_seq`, in order.
    pub async fn sync_messages(
        &self,
        cid: &str,
        after_seq: u64,
    ) -> Result<Vec<ChatRecord>, ClientError> {
        self.call(
            "syncMessages",
            vec![("cid", cid.into()), ("afterSeq", after_seq.to_string())],
            true,
        )
        .await
    }

    // ---- messages ----

    /// Sends a text (`msgType` 0) with a client message id the platform de-duplicates on, which makes
    /// it safe to repeat after a timeout or a crash.
    pub async fn send_text(
        &self,
        cid: &str,
        uid: &str,
        text: &str,
        client_msg_id: &str,
    ) -> Result<SendReceipt, ClientError> {
        self.call(
            "send",
            vec![
                ("cid", cid.into()),
                ("uid", uid.into()),
                ("content", text.into()),
                ("msgType", "0".into()),
                ("clientMsgId", client_msg_id.into()),
            ],
            true,
        )
        .await
    }

    /// Sends an image or file (`send` is multipart with an optional file, as in the SDK).
    pub async fn send_attachment(
        &self,
        cid: &str,
        uid: &str,
        attachment: OutgoingAttachment,
        client_msg_id: &str,
    ) -> Result<SendReceipt, ClientError> {
        let msg_type = if attachment.mime.starts_with("image/") {
            "1"
        } else {
            "12"
        };
        let mut relogged = false;
        loop {
            let login = self.ensure_login().await?;
            let part = reqwest::multipart::Part::bytes(attachment.bytes.clone())
                .file_name(attachment.file_name.clone())
                .mime_str(&attachment.mime)
                .map_err(|e| {
                    ClientError::Config(format!("attachment type {:?}: {e}", attachment.mime))
                })?;
            let form = reqwest::multipart::Form::new()
                .text("cid", cid.to_string())
                .text("uid", uid.to_string())
                .text("msgType", msg_type)
                .text("clientMsgId", client_msg_id.to_string())
                .text("from", "2")
                .text("version", CLIENT_VERSION)
                .part("file", part);
            let started = Instant::now();
            let started_at_ms = now_millis();
            let response = self
                .http
                .post(format!("{}/send", self.base))
                .header("temp-id", &login.temp_id)
                .multipart(form)
                .send()
                .await
                .map_err(|e| ClientError::Network {
                    endpoint: "send".into(),
                    message: e.to_string(),
                });
            let result = match response {
                Ok(response) => Self::decode::<SendReceipt>("send".into(), response).await,
                Err(error) => Err(error),
            };
            let outcome = result
                .as_ref()
                .map(|_| "ok".to_string())
                .unwrap_or_else(|e| e.outcome_label());
            self.observe("send", started, started_at_ms, outcome, "attachment");
            match result {
                Err(ClientError::Platform { ref code, .. }) if code.needs_reauth() && !relogged => {
                    relogged = true;
                    self.invalidate_login(&login.temp_id).await;
                }
                other => return other,
            }
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

    /// Invites the visitor to rate the service.
    pub async fn re_comment(&self, cid: &str, uid: &str) -> Result<(), ClientError> {
        self.call::<Value>(
            "reComment",
            vec![("cid", cid.into()), ("uid", uid.into())],
            false,
        )
        .await
        .map(drop)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn summary_submit(
        &self,
        cid: &str,
        uid: &str,
        operation_id: &str,
        operation_name: &str,
        req_type_id: &str,
        question_describe: &str,
        question_status: i64,
        invalid_session: bool,
    ) -> Result<(), ClientError> {
        self.call::<Value>(
            "summarySubmit",
            vec![
                ("uid", uid.into()),
                ("cid", cid.into()),
                ("operationId", operation_id.into()),
                ("operationName", operation_name.into()),
                ("reqTypeId", req_type_id.into()),
                ("questionDescribe", question_describe.into()),
                ("questionStatus", question_status.to_string()),
                (
                    "invalidSession",
                    if invalid_session { "1" } else { "0" }.into(),
                ),
            ],
            false,
        )
        .await
        .map(drop)
    }

    /// What the platform knows of a visitor (`getUserInfo`): partner id, phone, e-mail, name.
    pub async fn user_info(&self, uid: &str) -> Result<Value, ClientError> {
        self.call("getUserInfo", vec![("uid", uid.into())], true)
            .await
    }

    /// Other agents a session can be transferred to (`getOtherAdmins`).
    pub async fn other_agents(&self, key_word: &str) -> Result<Vec<Value>, ClientError> {
        self.call("getOtherAdmins", vec![("keyWord", key_word.into())], true)
            .await
    }

    /// Skill groups a session can be transferred to (`queryTransferGroup`).
    pub async fn transfer_groups(&self, key_word: &str) -> Result<Vec<Value>, ClientError> {
        self.call(
            "queryTransferGroup",
            vec![("keyWord", key_word.into())],
            true,
        )
        .await
    }

    /// Where to open the push channel, logging in first if needed.
    pub async fn push_endpoint(&self) -> Result<super::PushEndpoint, ClientError> {
        let login = self.ensure_login().await?;
        let mut urls = vec![login.info.wslink_default.clone()];
        urls.extend(login.info.wslink_bak.iter().cloned());
        urls.retain(|u| !u.is_empty());
        if urls.is_empty() {
            return Err(ClientError::Decode {
                endpoint: "login".into(),
                message: "login gave no push address (wslinkDefault)".into(),
                body: String::new(),
            });
        }
        Ok(super::PushEndpoint {
            urls,
            temp_id: login.temp_id,
        })
    }
}

/// Reads an answer: a transport failure is `Network`, a status other than 200 is `Http`, a body
/// that is not the envelope `E` is `Decode`. Gives the body too, for the caller's own errors.
async fn read_envelope<E: DeserializeOwned>(
    endpoint: &str,
    response: reqwest::Response,
) -> Result<(E, String), ClientError> {
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| ClientError::Network {
        endpoint: endpoint.to_string(),
        message: e.to_string(),
    })?;
    if status != 200 {
        return Err(ClientError::Http {
            endpoint: endpoint.to_string(),
            status,
            body: truncate(&body),
        });
    }
    let envelope = serde_json::from_str(&body).map_err(|e| ClientError::Decode {
        endpoint: endpoint.to_string(),
        message: e.to_string(),
        body: truncate(&body),
    })?;
    Ok((envelope, body))
}

fn truncate(body: &str) -> String {
    const LIMIT: usize = 2048;
    if body.len() <= LIMIT {
        return body.to_string();
    }
    let mut end = LIMIT;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &body[..end], body.len())
}
