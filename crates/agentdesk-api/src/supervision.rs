//! A supervisor's screens: the union platform's merchants (add, edit, enable, disable), the agents of
//! the merchant on screen (add, edit, delete, with Sobot's role ids and limits), and each agent's
//! status log. Platform refusals come back in words: what happened, the platform's own code and
//! message, and what to do.

use std::sync::Arc;

use agentdesk_domain::{mask_pii, Secret};
use agentdesk_sobot::client::{AgentProfile, NewTenant, TenantRecord, TenantUpdate, UnionClient};
use agentdesk_workspace::{union_refusal, Workspace};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode, ErrorReason};

/// A merchant as the supervisor screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MerchantView {
    pub id: String,
    pub name: String,
    /// `customerCode`: the merchant's id on the union platform.
    pub customer_code: String,
    /// The merchant's super-administrator e-mail.
    pub email: String,
    pub contact_name: String,
    /// Masked (138****5678).
    pub contact_tel: String,
    #[ts(type = "number")]
    pub agents: i64,
    #[ts(type = "number")]
    pub max_agents: i64,
    pub created: String,
    pub enabled: bool,
}

/// Adding a merchant, or editing one (`customer_code` names it; `enabled` switches it on or off).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct MerchantInput {
    pub customer_code: String,
    pub name: String,
    pub email: String,
    pub max_agents: u32,
    pub contact_name: String,
    pub contact_tel: String,
    /// Adding only: the administrator's first password.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Sobot's agent roles (e-commerce platform API `roleId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AgentRole {
    /// 1111 在线客服
    OnlineAgent,
    /// 2222 在线管理员
    OnlineAdmin,
    /// 5555 工单客服
    TicketAgent,
    /// 8888 工单管理员
    TicketAdmin,
}

impl AgentRole {
    pub fn id(self) -> &'static str {
        match self {
            AgentRole::OnlineAgent => "1111",
            AgentRole::OnlineAdmin => "2222",
            AgentRole::TicketAgent => "5555",
            AgentRole::TicketAdmin => "8888",
        }
    }

    pub fn from_id(id: &str) -> Option<AgentRole> {
        match id {
            "1111" => Some(AgentRole::OnlineAgent),
            "2222" => Some(AgentRole::OnlineAdmin),
            "5555" => Some(AgentRole::TicketAgent),
            "8888" => Some(AgentRole::TicketAdmin),
            _ => None,
        }
    }
}

/// An agent of the merchant on screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AgentView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub nick: String,
    pub role: Option<AgentRole>,
    /// Masked.
    pub phone: String,
    #[ts(type = "number")]
    pub max_accept: i64,
    pub online: bool,
}

/// Adding or editing an agent (identified by e-mail).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AgentInput {
    pub email: String,
    pub name: String,
    pub nick: String,
    pub role: AgentRole,
    pub phone: String,
    pub max_accept: u32,
    /// Adding only.
    #[serde(default)]
    pub password: Option<String>,
}

/// One status change of an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StatusLogEntry {
    pub agent_id: String,
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The platform's words: 在线, 忙碌, 离线.
    pub action: String,
    /// pc or app.
    pub source: String,
}

/// The most agents one agent may serve at once (the sandbox enforces the same; docs/PROTOCOL.md).
const MAX_ACCEPT: u32 = 200;

fn merchant_view(record: TenantRecord) -> MerchantView {
    MerchantView {
        id: record.company_id,
        name: record.company_name,
        customer_code: record.customer_code.unwrap_or_default(),
        email: record.email,
        contact_name: record.contact_name,
        contact_tel: mask_pii(&record.contact_tel).into_owned(),
        agents: record.service_num,
        max_agents: record.max_service_count,
        created: record.create_time,
        enabled: record.tenant_status,
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

fn check_agent_input(input: &AgentInput) -> Result<(), ApiError> {
    if !input.email.contains('@') {
        return Err(invalid(format!(
            "{:?} is not an e-mail address",
            input.email
        )));
    }
    if input.name.trim().is_empty() || input.nick.trim().is_empty() {
        return Err(invalid("an agent needs a name and a nickname"));
    }
    if input.phone.len() != 11 || !input.phone.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("the phone number must be 11 digits"));
    }
    if !(1..=MAX_ACCEPT).contains(&input.max_accept) {
        return Err(invalid(format!(
            "an agent serves between 1 and {MAX_ACCEPT} customers at once"
        )));
    }
    Ok(())
}

/// The supervisor's screens: the union platform's merchants, the agents of the merchant on screen,
/// their status log. One service per workspace.
pub struct Supervision {
    workspace: Arc<Workspace>,
    /// The union platform's tenant API (supervisor accounts and demo mode).
    union: Option<Arc<UnionClient>>,
}

/// An account without a union login manages no merchants.
pub(crate) fn no_union_account() -> ApiError {
    ApiError::because(
        ErrorCode::InvalidInput,
        ErrorReason::NoUnionAccount,
        "this account manages no merchants: add its union code and union key in Settings → Accounts",
    )
}

impl Supervision {
    pub(crate) fn new(workspace: Arc<Workspace>, union: Option<Arc<UnionClient>>) -> Supervision {
        Supervision { workspace, union }
    }

    fn union(&self) -> Result<&UnionClient, ApiError> {
        self.union.as_deref().ok_or_else(no_union_account)
    }

    /// The merchant on screen, as the union platform knows it (its external id names it there).
    async fn merchant_on_screen(&self) -> Result<TenantRecord, ApiError> {
        let id = self.workspace.tenant_id();
        self.union()?
            .all_tenants()
            .await
            .map_err(union_refusal)?
            .into_iter()
            .find(|t| t.company_id == id)
            .ok_or_else(|| {
                ApiError::because(
                    ErrorCode::NotFound,
                    ErrorReason::NotOnUnion,
                    "the merchant on screen is not on the union platform",
                )
            })
    }

    /// The platform's profile of an agent of the merchant on screen.
    async fn agent_profile(
        &self,
        input: AgentInput,
        password: Option<String>,
    ) -> Result<AgentProfile, ApiError> {
        check_agent_input(&input)?;
        let merchant = self.merchant_on_screen().await?;
        Ok(AgentProfile {
            customer_code: merchant.customer_code.unwrap_or_default(),
            email: input.email,
            nick: input.nick,
            name: input.name,
            role_id: input.role.id().into(),
            phone: input.phone,
            max_accept: input.max_accept,
            password: password.map(Secret::new),
        })
    }

    /// Every merchant of the union platform.
    pub async fn merchants(&self) -> Result<Vec<MerchantView>, ApiError> {
        let mut merchants: Vec<MerchantView> = self
            .union()?
            .all_tenants()
            .await
            .map_err(union_refusal)?
            .into_iter()
            .map(merchant_view)
            .collect();
        merchants.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(merchants)
    }
    pub async fn add_merchant(&self, input: MerchantInput) -> Result<(), ApiError> {
        if input.name.trim().is_empty() || input.customer_code.trim().is_empty() {
            return Err(invalid("a merchant needs a name and an external id"));
        }
        if !input.email.contains('@') {
            return Err(invalid(format!(
                "{:?} is not an e-mail address",
                input.email
            )));
        }
        if input.max_agents == 0 {
            return Err(invalid("a merchant needs at least one agent seat"));
        }
        let password = input
            .password
            .filter(|p| p.len() >= 8)
            .ok_or_else(|| invalid("the administrator's password must be at least 8 characters"))?;
        self.union()?
            .add_tenant(&NewTenant {
                company_name: input.name,
                email: input.email,
                max_count: input.max_agents,
                password: Secret::new(password),
                contact_name: input.contact_name,
                contact_tel: input.contact_tel,
                customer_code: input.customer_code,
            })
            .await
            .map(drop)
            .map_err(union_refusal)
    }
    pub async fn update_merchant(&self, input: MerchantInput) -> Result<(), ApiError> {
        if input.name.trim().is_empty() {
            return Err(invalid("a merchant needs a name"));
        }
        self.union()?
            .update_tenant(&TenantUpdate {
                customer_code: input.customer_code,
                email: input.email,
                company_name: input.name,
                max_count: input.max_agents,
                contact_name: input.contact_name,
                contact_tel: input.contact_tel,
                enabled: input.enabled,
            })
            .await
            .map_err(union_refusal)
    }
    /// The agents of the merchant on screen (the signed-in agent included).
    pub async fn merchant_agents(&self) -> Result<Vec<AgentView>, ApiError> {
        let mut agents: Vec<AgentView> = self
            .workspace
            .client()
            .other_agents_listing("")
            .await?
            .into_iter()
            .map(|a| AgentView {
                role: AgentRole::from_id(&a.role_id),
                phone: mask_pii(&a.phone_no).into_owned(),
                max_accept: a.max_accept_num.unwrap_or_default(),
                online: a.status == Some(1),
                id: a.id,
                email: a.email,
                name: a.name,
                nick: a.nick,
            })
            .collect();
        agents.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(agents)
    }
    pub async fn add_agent(&self, input: AgentInput) -> Result<(), ApiError> {
        let password = input.password.clone();
        let profile = self.agent_profile(input, password).await?;
        self.union()?
            .add_agent(&profile)
            .await
            .map_err(union_refusal)
    }

    /// Edits an agent (the password is never changed here).
    pub async fn update_agent(&self, input: AgentInput) -> Result<(), ApiError> {
        let profile = self.agent_profile(input, None).await?;
        self.union()?
            .update_agent(&profile)
            .await
            .map_err(union_refusal)
    }

    pub async fn delete_agent(&self, email: &str) -> Result<(), ApiError> {
        let merchant = self.merchant_on_screen().await?;
        self.union()?
            .delete_agent(&merchant.customer_code.unwrap_or_default(), email)
            .await
            .map_err(union_refusal)
    }
    /// Status changes of the merchant's agents over the last week, newest first.
    pub async fn status_log(&self) -> Result<Vec<StatusLogEntry>, ApiError> {
        let id = self.workspace.tenant_id();
        let mut entries: Vec<StatusLogEntry> = self
            .union()?
            .staff_logs(None, None)
            .await
            .map_err(union_refusal)?
            .into_iter()
            .filter(|company| company.company_id == id)
            .flat_map(|company| company.company_staff_infos)
            .flat_map(|staff| {
                let agent_id = staff.staff_id;
                staff
                    .staff_log_infos
                    .into_iter()
                    .map(move |log| StatusLogEntry {
                        agent_id: agent_id.clone(),
                        at_ms: log.datetime,
                        action: log.operation_action,
                        source: if log.source == 2 {
                            "app".into()
                        } else {
                            "pc".into()
                        },
                    })
            })
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.at_ms));
        Ok(entries)
    }
}
