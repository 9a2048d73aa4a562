//! Which ticket systems each merchant of the account uses: demo mode files tickets in all four of
//! the sandbox's; an account names its systems (and the merchants each serves) in its settings,
//! which IT's provisioning file may set, with their credentials in the OS keychain (Sobot 工单 uses
//! the account's own app key).

use agentdesk_domain::Secret;
use agentdesk_secrets::{Keychain, SecretName};
use agentdesk_tickets::{
    JiraSettings, QiyuSettings, SobotOfAccount, SystemKind, TicketSettings, TicketSetup,
    ZendeskSettings,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode};

/// One ticket system of an account, as saved (its credential is in the keychain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketSystemSettings {
    pub system: SystemKind,
    /// The merchants (company ids) it serves; none: every merchant of the account.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Jira, Zendesk, Qiyu: the system's address (`https://team.atlassian.net`,
    /// `https://team.zendesk.com`, `https://qiyukf.com`). Sobot: the account's platform.
    #[serde(default)]
    pub base_url: String,
    /// Jira, Zendesk: the e-mail the API token belongs to. Qiyu: the app key.
    #[serde(default)]
    pub user: String,
    /// Jira: the project key and issue type new issues get.
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub issue_type: String,
    /// Qiyu: the staff id tickets are filed as.
    #[serde(default)]
    pub staff_id: String,
}

/// A ticket system's credential typed in the account form: stored in the keychain, never kept
/// anywhere else; an empty key removes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct TicketKeyInput {
    pub system: SystemKind,
    pub key: String,
}

/// The keychain item of `account`'s credential for `system`.
pub(crate) fn ticket_key(account: &str, system: SystemKind) -> SecretName {
    SecretName::TicketKey {
        account: account.to_string(),
        system: system.as_str().to_string(),
    }
}

/// Whether `system`'s credential is a secret of its own (Sobot's is the account's app key).
pub(crate) fn needs_key(system: SystemKind) -> bool {
    system != SystemKind::Sobot
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

impl TicketSystemSettings {
    /// Checks what each system needs before anything is written.
    pub fn validate(&self) -> Result<(), ApiError> {
        let system = self.system;
        if system == SystemKind::Sobot {
            return Ok(());
        }
        let url = url::Url::parse(self.base_url.trim()).ok();
        if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()) {
            return Err(invalid(format!(
                "{system}'s address {:?} is not an http(s) address",
                self.base_url
            )));
        }
        let missing = |what: &str| invalid(format!("{system} needs its {what}"));
        match system {
            SystemKind::Jira | SystemKind::Zendesk if !self.user.contains('@') => {
                Err(missing("user's e-mail (the API token's owner)"))
            }
            SystemKind::Jira if self.project.trim().is_empty() => Err(missing("project key")),
            SystemKind::Jira if self.issue_type.trim().is_empty() => Err(missing("issue type")),
            SystemKind::Qiyu if self.user.trim().is_empty() => Err(missing("app key")),
            SystemKind::Qiyu if self.staff_id.trim().is_empty() => Err(missing("staff id")),
            _ => Ok(()),
        }
    }

    /// The client's settings with its credential.
    fn with_key(&self, key: Secret) -> TicketSettings {
        let base_url = self.base_url.trim().trim_end_matches('/').to_string();
        match self.system {
            SystemKind::Jira => TicketSettings::Jira(JiraSettings {
                base_url,
                email: self.user.trim().to_string(),
                api_token: key,
                project_key: self.project.trim().to_string(),
                issue_type: self.issue_type.trim().to_string(),
            }),
            SystemKind::Zendesk => TicketSettings::Zendesk(ZendeskSettings {
                base_url,
                email: self.user.trim().to_string(),
                api_token: key,
            }),
            // Sobot never comes here (`needs_key`); Qiyu does.
            SystemKind::Qiyu | SystemKind::Sobot => TicketSettings::Qiyu(QiyuSettings {
                base_url,
                app_key: self.user.trim().to_string(),
                app_secret: key,
                staff_id: self.staff_id.trim().to_string(),
            }),
        }
    }
}

/// Checks an account's ticket systems: each valid, none twice.
pub(crate) fn validate_systems(systems: &[TicketSystemSettings]) -> Result<(), ApiError> {
    for (index, system) in systems.iter().enumerate() {
        system.validate()?;
        if systems[..index].iter().any(|s| s.system == system.system) {
            return Err(invalid(format!(
                "{} is set up twice; keep one (it can serve several merchants)",
                system.system
            )));
        }
    }
    Ok(())
}

/// One system and the merchants (company ids) it serves; none named: every merchant.
struct PlannedSystem {
    tenants: Vec<String>,
    setup: TicketSetup,
}

/// The account's ticket systems, per merchant.
#[derive(Default)]
pub(crate) struct TicketPlan {
    systems: Vec<PlannedSystem>,
}

impl TicketPlan {
    /// The systems of merchant `tenant_id`.
    pub(crate) fn for_tenant(&self, tenant_id: &str) -> Vec<TicketSetup> {
        self.systems
            .iter()
            .filter(|s| s.tenants.is_empty() || s.tenants.iter().any(|t| t == tenant_id))
            .map(|s| s.setup.clone())
            .collect()
    }

    /// An account's systems with their credentials from the keychain. A system whose credential is
    /// missing (or a keychain that cannot say) is left out, said in the log: the workbench still
    /// starts, and the dialog says the merchant has no such system.
    pub(crate) async fn of_account(
        account: &str,
        systems: &[TicketSystemSettings],
        keychain: &Keychain,
    ) -> TicketPlan {
        let mut plan = TicketPlan::default();
        for settings in systems {
            let setup = if needs_key(settings.system) {
                match keychain.load(&ticket_key(account, settings.system)).await {
                    Ok(Some(key)) => TicketSetup::Ready(settings.with_key(key)),
                    Ok(None) => {
                        tracing::warn!(system = %settings.system, "no credential in the keychain: tickets in it are off until it is set in Settings → Accounts");
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(system = %settings.system, %error, "the credential could not be read: tickets in it are off");
                        continue;
                    }
                }
            } else {
                TicketSetup::SobotOfAccount(SobotOfAccount)
            };
            plan.systems.push(PlannedSystem {
                tenants: settings.tenants.clone(),
                setup,
            });
        }
        plan
    }

    /// Demo mode: Sobot 工单 on the sandbox's platform, and its Jira, Zendesk and Qiyu faces.
    #[cfg(feature = "demo")]
    pub(crate) fn demo(logins: &agentdesk_sandbox::TicketLogins) -> TicketPlan {
        let every = |setup| PlannedSystem {
            tenants: Vec::new(),
            setup,
        };
        TicketPlan {
            systems: vec![
                every(TicketSetup::SobotOfAccount(SobotOfAccount)),
                every(TicketSetup::Ready(TicketSettings::Jira(JiraSettings {
                    base_url: logins.jira_base_url.clone(),
                    email: logins.jira_email.clone(),
                    api_token: Secret::new(logins.jira_api_token.clone()),
                    project_key: logins.jira_project.clone(),
                    issue_type: logins.jira_issue_type.clone(),
                }))),
                every(TicketSetup::Ready(TicketSettings::Zendesk(
                    ZendeskSettings {
                        base_url: logins.zendesk_base_url.clone(),
                        email: logins.zendesk_email.clone(),
                        api_token: Secret::new(logins.zendesk_api_token.clone()),
                    },
                ))),
                every(TicketSetup::Ready(TicketSettings::Qiyu(QiyuSettings {
                    base_url: logins.qiyu_base_url.clone(),
                    app_key: logins.qiyu_app_key.clone(),
                    app_secret: Secret::new(logins.qiyu_app_secret.clone()),
                    staff_id: logins.qiyu_staff_id.clone(),
                }))),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_system_with_a_key_has_its_keychain_item() {
        let with_keys: Vec<&str> = SystemKind::ALL
            .into_iter()
            .filter(|s| needs_key(*s))
            .map(SystemKind::as_str)
            .collect();
        assert_eq!(with_keys, agentdesk_secrets::TICKET_SYSTEMS_WITH_KEYS);
    }
}
