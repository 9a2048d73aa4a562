//! Conversations: what the agent does in a session — reading its messages, replying (text and
//! images, through the engine's outbox), transferring it, summing it up, ending it, inviting a
//! rating — and the agent's own availability. One service per workspace.

use std::sync::Arc;

use agentdesk_domain::limits::MAX_SUMMARY_CHARS;
use agentdesk_domain::Message;
use agentdesk_workspace::Workspace;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::images::PlatformImages;
use crate::write_backs::{ServiceResult, WriteBacks};
use crate::{ApiError, ErrorCode, ErrorReason};
use agentdesk_connectors::rest::config::WriteBackEvent;

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

/// Reading and answering the sessions of a workspace.
pub struct Conversations {
    workspace: Arc<Workspace>,
    /// The account's image loader (it outlives a switch).
    images: Arc<PlatformImages>,
    /// Where a submitted summary's result goes to the merchant's own systems.
    write_backs: Arc<WriteBacks>,
    customers: Arc<agentdesk_customer360::Customers>,
}

impl Conversations {
    pub(crate) fn new(
        workspace: Arc<Workspace>,
        images: Arc<PlatformImages>,
        write_backs: Arc<WriteBacks>,
        customers: Arc<agentdesk_customer360::Customers>,
    ) -> Conversations {
        Conversations {
            workspace,
            images,
            write_backs,
            customers,
        }
    }

    /// The session's newest `limit` messages, oldest first.
    pub async fn messages(&self, session_id: &str, limit: u32) -> Result<Vec<Message>, ApiError> {
        Ok(self
            .workspace
            .engine()
            .messages(session_id, limit.clamp(1, 50_000) as usize)
            .await?)
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
                    return Err(ApiError::because(
                        ErrorCode::InvalidInput,
                        ErrorReason::BadMessageId,
                        "the message id must be 1–64 letters, digits, - or _",
                    ));
                }
                Ok(self
                    .workspace
                    .engine()
                    .send_text_with_id(session_id, text, id)
                    .await?)
            }
            None => Ok(self.workspace.engine().send_text(session_id, text).await?),
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
                ApiError::because(
                    ErrorCode::InvalidInput,
                    ErrorReason::ImageNotBase64,
                    format!("the image data is not valid base64: {e}"),
                )
            })?;
        Ok(self
            .workspace
            .engine()
            .send_image(session_id, file_name, mime, bytes, client_msg_id)
            .await?)
    }

    /// Fetches an image a message refers to, on the agent's click (see `images`).
    pub async fn fetch_image(&self, address: &str) -> Result<String, ApiError> {
        let platform = url::Url::parse(&self.workspace.client().credentials().base_url)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        self.images.fetch_as_data_url(&platform, address).await
    }

    async fn visitor_of(&self, session_id: &str) -> Result<String, ApiError> {
        Ok(self.workspace.session(session_id).await?.visitor_id)
    }

    /// Invites the customer to rate the service (`reComment`); the platform's refusals in words.
    pub async fn invite_rating(&self, session_id: &str) -> Result<(), ApiError> {
        self.visitor_of(session_id).await?;
        let refused = |why: &str| Err(ApiError::new(ErrorCode::Platform, why));
        let refused_because = |reason: ErrorReason, why: &str| {
            Err(ApiError::because(ErrorCode::Platform, reason, why))
        };
        match self
            .workspace
            .client()
            .re_comment(session_id)
            .await?
            .as_str()
        {
            "0" => Ok(()),
            "1" => refused_because(
                ErrorReason::AlreadyRated,
                "the customer has already rated this session",
            ),
            "2" => refused_because(
                ErrorReason::ChannelCannotRate,
                "this customer's channel cannot rate the service",
            ),
            "3" => refused_because(
                ErrorReason::RatingNeedsCustomerMessage,
                "the customer must write at least once before being invited to rate",
            ),
            "5" => refused("the customer has left; the invitation cannot reach them"),
            other => refused(&format!(
                "the platform could not send the invitation (status {other}); try again"
            )),
        }
    }

    pub async fn transfer_targets(&self) -> Result<TransferTargets, ApiError> {
        let client = self.workspace.client();
        let agents = client
            .other_agents("")
            .await?
            .into_iter()
            .map(|a| TransferAgent {
                online: a.status == Some(1),
                id: a.id,
                name: a.uname,
            })
            .collect();
        let groups = client
            .transfer_groups("")
            .await?
            .into_iter()
            .map(|g| TransferGroup {
                id: g.group_id,
                name: g.group_name,
            })
            .collect();
        Ok(TransferTargets { agents, groups })
    }

    pub async fn transfer(&self, session_id: &str, target: TransferTarget) -> Result<(), ApiError> {
        let visitor = self.visitor_of(session_id).await?;
        let client = self.workspace.client();
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
        if summary.trim().is_empty() || summary.chars().count() > MAX_SUMMARY_CHARS {
            return Err(ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::SummaryLength {
                    max: MAX_SUMMARY_CHARS as u32,
                },
                format!("the summary must be 1–{MAX_SUMMARY_CHARS} characters"),
            ));
        }
        let visitor = self.visitor_of(session_id).await?;
        self.workspace
            .client()
            .summary_submit(&agentdesk_sobot::client::SessionSummary {
                cid: session_id,
                uid: &visitor,
                operation_id: "",
                operation_name: "",
                req_type_id: "",
                question_describe: summary,
                resolved: Some(resolved),
                invalid_session: false,
            })
            .await?;
        // The platform has the summary: the merchant's own systems get the result, exactly once
        // (recorded here, sent by the write-back outbox).
        let customer = self.customers.known_customer(session_id).await?;
        self.write_backs
            .record(
                WriteBackEvent::SummarySubmitted,
                ServiceResult {
                    session_id: session_id.to_string(),
                    customer_name: customer.name,
                    external_id: customer.external_id,
                    phone: customer.phone,
                    email: customer.email,
                    order_id: customer.newest_order.unwrap_or_default(),
                    summary: summary.trim().to_string(),
                    classification: String::new(),
                    resolved: Some(resolved),
                    ticket_number: String::new(),
                    ticket_system: String::new(),
                },
            )
            .await?;
        Ok(())
    }

    pub async fn retry_send(&self, client_msg_id: &str) -> Result<(), ApiError> {
        Ok(self.workspace.engine().retry(client_msg_id).await?)
    }

    pub async fn end_session(&self, session_id: &str) -> Result<(), ApiError> {
        Ok(self.workspace.engine().end_session(session_id).await?)
    }

    pub async fn set_agent_status(&self, status: AgentStatus) -> Result<AgentStatus, ApiError> {
        let client = self.workspace.client();
        match status {
            AgentStatus::Online => client.online().await?,
            AgentStatus::Busy { reason } if (2..=7).contains(&reason) => {
                client.busy(i64::from(reason)).await?
            }
            AgentStatus::Busy { reason } => {
                return Err(ApiError::because(
                    ErrorCode::InvalidInput,
                    ErrorReason::UnknownBusyReason,
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
}
