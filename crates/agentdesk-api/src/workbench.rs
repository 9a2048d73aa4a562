//! The workbench's use cases: what the window shows on start, and what the agent can do. The Tauri
//! commands are one-line calls into `Workbench`; tests call it directly.

use std::path::PathBuf;

use agentdesk_domain::{mask_pii, ConnectionState, Message, Session};
use agentdesk_engine::EngineHandle;
use agentdesk_sandbox::SandboxConfig;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, DemoWorkspace, ErrorCode};

/// How the workbench is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceMode {
    /// No account configured: the embedded (or `AGENTDESK_SANDBOX_URL`) sandbox.
    Demo,
    /// A real platform account.
    Account,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SessionSummary {
    pub session: Session,
    pub last_message: Option<Message>,
}

/// Everything the window needs to draw itself at start.
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorkbenchSnapshot {
    pub mode: WorkspaceMode,
    pub account_name: String,
    pub tenant_name: String,
    /// The agent's sign-in, personal data masked.
    pub agent_login: String,
    pub sessions: Vec<SessionSummary>,
    pub connection: ConnectionState,
}

/// The agent's availability. Busy carries Sobot's reason code: 2 busy, 3 break, 4 training,
/// 5 meeting, 6 meal, 7 activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum AgentStatus {
    Online,
    Busy { reason: u8 },
    Offline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TransferAgent {
    pub id: String,
    pub name: String,
    pub online: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TransferGroup {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TransferTargets {
    pub agents: Vec<TransferAgent>,
    pub groups: Vec<TransferGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TransferTarget {
    Agent { id: String },
    Group { id: String, name: String },
}

/// Longest client message id accepted from the UI.
const MAX_CLIENT_ID_LEN: usize = 64;

pub struct Workbench {
    demo: DemoWorkspace,
}

impl Workbench {
    /// Demo mode (no account configured): sandbox plus its first agent.
    pub async fn start_demo(
        data_dir: PathBuf,
        config: SandboxConfig,
    ) -> Result<Workbench, ApiError> {
        Ok(Workbench {
            demo: DemoWorkspace::start(data_dir, config).await?,
        })
    }

    pub fn engine(&self) -> &EngineHandle {
        &self.demo.workspace.engine
    }

    pub fn mode(&self) -> WorkspaceMode {
        WorkspaceMode::Demo
    }

    /// The sandbox's base URL in demo mode (tests drive its controls).
    pub fn sandbox_url(&self) -> &str {
        &self.demo.sandbox.info.base_url
    }

    pub fn snapshot(&self) -> Result<WorkbenchSnapshot, ApiError> {
        let engine = self.engine();
        let sessions = engine
            .sessions()?
            .into_iter()
            .map(|session| {
                let last_message = engine.messages(&session.id, 1)?.pop();
                Ok(SessionSummary {
                    session,
                    last_message,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(WorkbenchSnapshot {
            mode: self.mode(),
            account_name: "Sandbox".into(),
            tenant_name: "Lumen Mall 流明商城".into(),
            agent_login: mask_pii(&self.demo.workspace.client.credentials().email).into_owned(),
            sessions,
            connection: engine.connection_state(),
        })
    }

    pub fn messages(&self, session_id: &str, limit: u32) -> Result<Vec<Message>, ApiError> {
        Ok(self
            .engine()
            .messages(session_id, limit.clamp(1, 50_000) as usize)?)
    }

    /// Queues a reply. `client_msg_id` is the UI's id for its optimistic copy (a UUID); sending the
    /// same id twice queues once.
    pub async fn send_text(
        &self,
        session_id: &str,
        text: &str,
        client_msg_id: Option<&str>,
    ) -> Result<String, ApiError> {
        match client_msg_id {
            Some(id) => {
                let valid = !id.is_empty()
                    && id.len() <= MAX_CLIENT_ID_LEN
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !valid {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        "the message id must be 1–64 letters, digits, - or _",
                    ));
                }
                Ok(self
                    .engine()
                    .send_text_with_id(session_id, text, id)
                    .await?)
            }
            None => Ok(self.engine().send_text(session_id, text).await?),
        }
    }

    /// Queues an image pasted by the agent (`data_base64`: the file's bytes in standard base64).
    pub async fn send_image(
        &self,
        session_id: &str,
        file_name: &str,
        mime: &str,
        data_base64: &str,
        client_msg_id: &str,
    ) -> Result<String, ApiError> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data_base64.trim())
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("the image data is not valid base64: {e}"),
                )
            })?;
        Ok(self
            .engine()
            .send_image(session_id, file_name, mime, bytes, client_msg_id)
            .await?)
    }

    /// Fetches an image a message refers to, on the agent's click, through the app (not the
    /// webview): only from the platform's own host, only images, at most 10 MB, returned as a
    /// `data:` URL the webview may show under its CSP.
    pub async fn fetch_image(&self, address: &str) -> Result<String, ApiError> {
        use base64::Engine as _;
        const MAX_BYTES: usize = 10 * 1024 * 1024;
        let base = url::Url::parse(&self.demo.workspace.client.credentials().base_url)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let target = base
            .join(address)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("not an address: {e}")))?;
        if target.origin() != base.origin() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "this image is hosted outside the platform; open it only if you trust the sender",
            ));
        }
        let response = reqwest::Client::new()
            .get(target)
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| {
                ApiError::new(ErrorCode::Offline, format!("could not load the image: {e}"))
            })?;
        let mime = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if !["image/png", "image/jpeg", "image/gif", "image/webp"].contains(&mime.as_str()) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("not an image the workbench shows ({mime})"),
            ));
        }
        let bytes = response.bytes().await.map_err(|e| {
            ApiError::new(ErrorCode::Offline, format!("could not load the image: {e}"))
        })?;
        if bytes.len() > MAX_BYTES {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the image is larger than 10 MB",
            ));
        }
        Ok(format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        ))
    }

    fn visitor_of(&self, session_id: &str) -> Result<String, ApiError> {
        self.engine()
            .sessions()?
            .into_iter()
            .find(|s| s.id == session_id)
            .map(|s| s.visitor_id)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("no session {session_id} in this workspace"),
                )
            })
    }

    pub async fn invite_rating(&self, session_id: &str) -> Result<(), ApiError> {
        let visitor = self.visitor_of(session_id)?;
        Ok(self
            .demo
            .workspace
            .client
            .re_comment(session_id, &visitor)
            .await?)
    }

    pub async fn transfer_targets(&self) -> Result<TransferTargets, ApiError> {
        let client = &self.demo.workspace.client;
        let text =
            |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        let agents = client
            .other_agents("")
            .await?
            .iter()
            .map(|a| TransferAgent {
                id: text(a, "id"),
                name: text(a, "name"),
                online: a["status"].as_i64() == Some(1),
            })
            .collect();
        let groups = client
            .transfer_groups("")
            .await?
            .iter()
            .map(|g| TransferGroup {
                id: text(g, "groupId"),
                name: text(g, "groupName"),
            })
            .collect();
        Ok(TransferTargets { agents, groups })
    }

    pub async fn transfer(&self, session_id: &str, target: TransferTarget) -> Result<(), ApiError> {
        let visitor = self.visitor_of(session_id)?;
        let client = &self.demo.workspace.client;
        match target {
            TransferTarget::Agent { id } => client.transfer(session_id, &visitor, &id).await?,
            TransferTarget::Group { id, name } => {
                client
                    .transfer_to_group(session_id, &visitor, &id, &name)
                    .await?
            }
        }
        Ok(())
    }

    /// The service summary (服务总结): what the customer asked and whether it was resolved.
    pub async fn submit_summary(
        &self,
        session_id: &str,
        summary: &str,
        resolved: bool,
    ) -> Result<(), ApiError> {
        if summary.trim().is_empty() || summary.chars().count() > 2000 {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the summary must be 1–2000 characters",
            ));
        }
        let visitor = self.visitor_of(session_id)?;
        let status = if resolved { 1 } else { 0 };
        Ok(self
            .demo
            .workspace
            .client
            .summary_submit(session_id, &visitor, "", "", "", summary, status, false)
            .await?)
    }

    pub async fn retry_send(&self, client_msg_id: &str) -> Result<(), ApiError> {
        Ok(self.engine().retry(client_msg_id).await?)
    }

    pub async fn end_session(&self, session_id: &str) -> Result<(), ApiError> {
        Ok(self.engine().end_session(session_id).await?)
    }

    pub async fn set_agent_status(&self, status: AgentStatus) -> Result<AgentStatus, ApiError> {
        let client = &self.demo.workspace.client;
        match status {
            AgentStatus::Online => client.online().await?,
            AgentStatus::Busy { reason } if (2..=7).contains(&reason) => {
                client.busy(i64::from(reason)).await?
            }
            AgentStatus::Busy { reason } => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("unknown busy reason {reason}"),
                ))
            }
            AgentStatus::Offline => {
                // Stays connected for the sessions already open; takes no new ones.
                client.set_login_status(0);
                client.out().await?;
            }
        }
        Ok(status)
    }

    pub async fn shutdown(self) {
        self.demo.shutdown().await;
    }
}
