//! Which payment systems each merchant of the account takes: demo mode takes Alipay and WeChat Pay
//! on the sandbox's faces, with the sandbox's test keys. (An account's own systems, their keys
//! placed by IT in the keychain, come with the account settings; until then an account has none,
//! and the conversation's payment button says payment links are off.)

use std::sync::Arc;

use agentdesk_http::HttpClient;
use agentdesk_payments::{PaymentSetup, PaymentSystem};

/// One system and the merchants (company ids) it serves; none named: every merchant.
struct PlannedSystem {
    tenants: Vec<String>,
    setup: PaymentSetup,
}

/// The account's payment systems, per merchant, as settings.
#[derive(Default)]
pub(crate) struct PaymentPlan {
    systems: Vec<PlannedSystem>,
}

/// The account's payment systems with their clients (made once, shared by every workspace).
#[derive(Default)]
pub(crate) struct PaymentSystems {
    systems: Vec<(Vec<String>, Arc<PaymentSystem>)>,
}

impl PaymentPlan {
    /// The clients of the plan's systems; one whose settings do not hold is left out, said in the
    /// log (its merchant's payment button says which systems it has).
    pub(crate) fn build(self, http: &HttpClient) -> PaymentSystems {
        let mut systems = Vec::new();
        for planned in self.systems {
            match PaymentSystem::new(http.clone(), planned.setup) {
                Ok(system) => systems.push((planned.tenants, Arc::new(system))),
                Err(error) => {
                    tracing::warn!(%error, "a payment system's settings do not hold: its links are off")
                }
            }
        }
        PaymentSystems { systems }
    }

    /// Demo mode: Alipay (precreate's QR link) and WeChat Pay (Native, in the 微信支付公钥 mode)
    /// on the sandbox, for every merchant.
    #[cfg(feature = "demo")]
    pub(crate) fn demo(logins: &agentdesk_sandbox::PaymentLogins) -> PaymentPlan {
        use agentdesk_payments::{
            AlipayLinkKind, AlipaySettings, MerchantKey, ProviderKey, WechatPaySettings,
            WechatPayVerifier,
        };
        let keys = (
            MerchantKey::from_text(&logins.merchant_private_key),
            ProviderKey::from_text(&logins.alipay_public_key),
            ProviderKey::from_text(&logins.wechat_public_key),
        );
        let (Ok(merchant), Ok(alipay_key), Ok(wechat_key)) = keys else {
            tracing::warn!("the sandbox's payment keys do not load: demo payment links are off");
            return PaymentPlan::default();
        };
        let every = |setup| PlannedSystem {
            tenants: Vec::new(),
            setup,
        };
        PaymentPlan {
            systems: vec![
                every(PaymentSetup::Alipay(AlipaySettings {
                    gateway: logins.alipay_gateway.clone(),
                    app_id: logins.alipay_app_id.clone(),
                    app_private_key: merchant.clone(),
                    alipay_public_key: alipay_key,
                    link_kind: AlipayLinkKind::Qr,
                    notify_url: None,
                })),
                every(PaymentSetup::Wechat(WechatPaySettings {
                    base_url: logins.wechat_base_url.clone(),
                    appid: logins.wechat_appid.clone(),
                    mchid: logins.wechat_mchid.clone(),
                    merchant_serial: logins.wechat_merchant_serial.clone(),
                    merchant_key: merchant,
                    verifier: WechatPayVerifier {
                        public_key: Some((logins.wechat_public_key_id.clone(), wechat_key)),
                        certificates: Vec::new(),
                    },
                    // WeChat requires one; a desk follows payments by querying.
                    notify_url: "https://notify.invalid/agentdesk/wechatpay".into(),
                })),
            ],
        }
    }
}

impl PaymentSystems {
    /// The systems of merchant `tenant_id`.
    pub(crate) fn for_tenant(&self, tenant_id: &str) -> Vec<Arc<PaymentSystem>> {
        self.systems
            .iter()
            .filter(|(tenants, _)| tenants.is_empty() || tenants.iter().any(|t| t == tenant_id))
            .map(|(_, system)| system.clone())
            .collect()
    }
}
