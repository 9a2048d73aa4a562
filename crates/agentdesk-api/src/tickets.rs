//! Which ticket systems each merchant of the account uses: demo mode files tickets in all four of
//! the sandbox's; an account names its systems (and the merchants each serves) in its settings,
//! which IT's provisioning file may set, with their secrets in the OS keychain.

use agentdesk_tickets::TicketSetup;

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

    /// Demo mode: Sobot 工单 on the sandbox's platform, and its Jira, Zendesk and Qiyu faces.
    #[cfg(feature = "demo")]
    pub(crate) fn demo(logins: &agentdesk_sandbox::TicketLogins) -> TicketPlan {
        use agentdesk_domain::Secret;
        use agentdesk_tickets::{JiraSettings, QiyuSettings, TicketSettings, ZendeskSettings};
        let every = |setup| PlannedSystem {
            tenants: Vec::new(),
            setup,
        };
        TicketPlan {
            systems: vec![
                every(TicketSetup::SobotOfAccount(
                    agentdesk_tickets::SobotOfAccount,
                )),
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
