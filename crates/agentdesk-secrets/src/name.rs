//! What each secret is for, and the keychain account name it is filed under (documented in the
//! README; provisioning scripts and support staff rely on these names).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretName {
    /// A platform account's app key (Sobot `app_key`, paired with its appid).
    PlatformAppKey { account: String },
    /// The agent's password, where the platform signs agents in with one.
    AgentPassword { account: String },
    /// A supervisor account's union key (Sobot's 电商平台 API `unionKey`).
    UnionKey { account: String },
    /// The reply assistant's model-provider key (an OpenAI-compatible service) of an account.
    AssistantKey { account: String },
    /// A CRM, order or logistics connector's key.
    ConnectorKey { connector: String },
    /// The key that encrypts one account's and tenant's local database.
    DatabaseKey { account: String, tenant: String },
    /// An account's ticket system credential (Jira's or Zendesk's API token, Qiyu's app secret),
    /// by the system's name (`jira`, `zendesk`, `qiyu`).
    TicketKey { account: String, system: String },
    /// A payment system's key of an account's merchants, placed by IT: the merchant's private key
    /// (`part` = `merchant-key`) or the provider's public key or certificate (`provider-key`), by
    /// provider (`alipay`, `wechat`).
    PaymentKey {
        account: String,
        provider: String,
        part: String,
    },
    /// The speech service's AccessKey secret (Aliyun NLS) of an account.
    SpeechSecret { account: String },
}

/// The payment systems whose keys an account may hold, and the parts of each.
pub const PAYMENT_PROVIDERS: [&str; 2] = ["alipay", "wechat"];
pub const PAYMENT_KEY_PARTS: [&str; 2] = ["merchant-key", "provider-key"];

/// The ticket systems whose credential is a secret of the account (Sobot's is the app key).
pub const TICKET_SYSTEMS_WITH_KEYS: [&str; 3] = ["jira", "zendesk", "qiyu"];

impl SecretName {
    /// The keychain item's account name, e.g. `account/Shop A/app-key`.
    pub fn keychain_account(&self) -> String {
        match self {
            SecretName::PlatformAppKey { account } => format!("account/{account}/app-key"),
            SecretName::AgentPassword { account } => format!("account/{account}/agent-password"),
            SecretName::UnionKey { account } => format!("account/{account}/union-key"),
            SecretName::AssistantKey { account } => format!("account/{account}/assistant-key"),
            SecretName::ConnectorKey { connector } => format!("connector/{connector}/key"),
            SecretName::DatabaseKey { account, tenant } => {
                format!("database/{account}/{tenant}")
            }
            SecretName::TicketKey { account, system } => {
                format!("account/{account}/tickets/{system}")
            }
            SecretName::PaymentKey {
                account,
                provider,
                part,
            } => format!("account/{account}/payments/{provider}/{part}"),
            SecretName::SpeechSecret { account } => format!("account/{account}/speech-secret"),
        }
    }

    /// Every item an account may own (to remove them all with the account).
    pub fn of_account(account: &str) -> Vec<SecretName> {
        let tickets = TICKET_SYSTEMS_WITH_KEYS.map(|system| SecretName::TicketKey {
            account: account.to_string(),
            system: system.to_string(),
        });
        [
            SecretName::PlatformAppKey {
                account: account.to_string(),
            },
            SecretName::AgentPassword {
                account: account.to_string(),
            },
            SecretName::UnionKey {
                account: account.to_string(),
            },
            SecretName::AssistantKey {
                account: account.to_string(),
            },
        ]
        .into_iter()
        .chain(tickets)
        .chain(PAYMENT_PROVIDERS.into_iter().flat_map(|provider| {
            PAYMENT_KEY_PARTS.map(|part| SecretName::PaymentKey {
                account: account.to_string(),
                provider: provider.to_string(),
                part: part.to_string(),
            })
        }))
        .chain([SecretName::SpeechSecret {
            account: account.to_string(),
        }])
        .collect()
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.keychain_account())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keychain_names_are_stable() {
        let account = "Shop A".to_string();
        assert_eq!(
            SecretName::PlatformAppKey {
                account: account.clone()
            }
            .keychain_account(),
            "account/Shop A/app-key"
        );
        assert_eq!(
            SecretName::UnionKey { account }.keychain_account(),
            "account/Shop A/union-key"
        );
        assert_eq!(
            SecretName::DatabaseKey {
                account: "a".into(),
                tenant: "t1".into()
            }
            .to_string(),
            "database/a/t1"
        );
        assert_eq!(
            SecretName::TicketKey {
                account: "a".into(),
                system: "jira".into()
            }
            .to_string(),
            "account/a/tickets/jira"
        );
    }
}
