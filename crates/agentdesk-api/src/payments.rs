//! Which payment systems each merchant of the account takes: demo mode takes Alipay and WeChat Pay
//! on the sandbox's faces, with the sandbox's test keys; an account names its systems in its
//! settings (IT's provisioning file may set them: ids and addresses only), and IT places each
//! system's keys in the OS keychain (`agentdesk-cli account payment-key`): the merchant's private
//! key and the provider's public key or certificate, never in a file.

use std::sync::Arc;

use agentdesk_http::HttpClient;
use agentdesk_payments::{
    AlipayLinkKind, AlipaySettings, Certificate, MerchantKey, PaymentSetup, PaymentSystem,
    Provider, ProviderKey, WechatPaySettings, WechatPayVerifier,
};
use agentdesk_secrets::{Keychain, SecretName};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode};

/// One payment system of an account, as saved (its keys are in the keychain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PaymentSystemSettings {
    pub provider: Provider,
    /// The merchants (company ids) it serves; none: every merchant of the account.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Alipay: the gateway (`https://openapi.alipay.com/gateway.do`); WeChat Pay: the API's address
    /// (`https://api.mch.weixin.qq.com`).
    pub base_url: String,
    /// Alipay's `app_id`; WeChat Pay's `appid`.
    pub app_id: String,
    /// WeChat Pay: the merchant id (`mchid`) and its API certificate's serial.
    #[serde(default)]
    pub mch_id: String,
    #[serde(default)]
    pub merchant_serial: String,
    /// WeChat Pay in the 微信支付公钥 mode: the key's id (`PUB_KEY_ID_…`); empty: the provider key in
    /// the keychain is a platform certificate.
    #[serde(default)]
    pub public_key_id: String,
    /// Alipay: `qr` (precreate's QR link, the default) or `wap` (a payment page).
    #[serde(default)]
    pub alipay_link: String,
    /// WeChat Pay's notice address (required by Native prepay; AgentDesk queries instead).
    #[serde(default)]
    pub notify_url: String,
}

/// The keychain items of an account's keys for `provider`.
pub(crate) fn payment_key(account: &str, provider: Provider, part: &str) -> SecretName {
    SecretName::PaymentKey {
        account: account.to_string(),
        provider: provider.as_str().to_string(),
        part: part.to_string(),
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

impl PaymentSystemSettings {
    /// Checks what each provider needs before anything is written.
    pub fn validate(&self) -> Result<(), ApiError> {
        let provider = self.provider;
        if provider == Provider::Merchant {
            return Err(invalid(
                "the merchant's own payment service is described in its connector file ([payment_link]), not here".into(),
            ));
        }
        let url = url::Url::parse(self.base_url.trim()).ok();
        if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()) {
            return Err(invalid(format!(
                "{provider}'s address {:?} is not an http(s) address",
                self.base_url
            )));
        }
        if self.app_id.trim().is_empty() {
            return Err(invalid(format!("{provider} needs its app id")));
        }
        match provider {
            Provider::Alipay if !matches!(self.alipay_link.as_str(), "" | "qr" | "wap") => Err(
                invalid(format!("alipay_link {:?}: qr or wap", self.alipay_link)),
            ),
            Provider::Wechat if self.mch_id.trim().is_empty() => {
                Err(invalid("WeChat Pay needs its merchant id (mchid)".into()))
            }
            Provider::Wechat if self.merchant_serial.trim().is_empty() => Err(invalid(
                "WeChat Pay needs the serial of the merchant's API certificate".into(),
            )),
            _ => Ok(()),
        }
    }

    /// The client's settings with the keys from the keychain.
    fn with_keys(&self, merchant: &str, provider_key: &str) -> Result<PaymentSetup, String> {
        let merchant = MerchantKey::from_text(merchant).map_err(|e| e.0)?;
        let base_url = self.base_url.trim().trim_end_matches('/').to_string();
        Ok(match self.provider {
            Provider::Alipay => {
                let key = ProviderKey::from_text(provider_key)
                    .or_else(|_| Certificate::from_text(provider_key).map(|c| c.key))
                    .map_err(|e| e.0)?;
                PaymentSetup::Alipay(AlipaySettings {
                    gateway: if base_url.ends_with("gateway.do") {
                        base_url
                    } else {
                        format!("{base_url}/gateway.do")
                    },
                    app_id: self.app_id.trim().to_string(),
                    app_private_key: merchant,
                    alipay_public_key: key,
                    link_kind: if self.alipay_link == "wap" {
                        AlipayLinkKind::Wap
                    } else {
                        AlipayLinkKind::Qr
                    },
                    notify_url: None,
                })
            }
            Provider::Merchant => {
                return Err("the merchant's payment service is a connector's".into())
            }
            Provider::Wechat => {
                let verifier = if self.public_key_id.trim().is_empty() {
                    WechatPayVerifier {
                        public_key: None,
                        certificates: vec![Certificate::from_text(provider_key).map_err(|e| e.0)?],
                    }
                } else {
                    WechatPayVerifier {
                        public_key: Some((
                            self.public_key_id.trim().to_string(),
                            ProviderKey::from_text(provider_key).map_err(|e| e.0)?,
                        )),
                        certificates: Vec::new(),
                    }
                };
                PaymentSetup::Wechat(WechatPaySettings {
                    base_url,
                    appid: self.app_id.trim().to_string(),
                    mchid: self.mch_id.trim().to_string(),
                    merchant_serial: self.merchant_serial.trim().to_string(),
                    merchant_key: merchant,
                    verifier,
                    notify_url: if self.notify_url.trim().is_empty() {
                        DEMO_NOTIFY_URL.to_string()
                    } else {
                        self.notify_url.trim().to_string()
                    },
                })
            }
        })
    }
}

/// Checks an account's payment systems: each valid, none twice.
pub(crate) fn validate_systems(systems: &[PaymentSystemSettings]) -> Result<(), ApiError> {
    for (index, system) in systems.iter().enumerate() {
        system.validate()?;
        if systems[..index]
            .iter()
            .any(|s| s.provider == system.provider)
        {
            return Err(invalid(format!(
                "{} is set up twice; keep one (it can serve several merchants)",
                system.provider
            )));
        }
    }
    Ok(())
}

/// Where WeChat Pay would post its notices when the settings name none: `.invalid` never resolves,
/// so they go nowhere (docs/PROTOCOL.md, "Payment links").
const DEMO_NOTIFY_URL: &str = "https://notify.invalid/agentdesk/wechatpay";

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
    /// An account's systems with their keys from the keychain. A system whose keys are missing or
    /// do not load (or a keychain that cannot say) is left out, said in the log: the workbench
    /// starts, and the payment button says the merchant does not take it.
    pub(crate) async fn of_account(
        account: &str,
        systems: &[PaymentSystemSettings],
        keychain: &Keychain,
    ) -> PaymentPlan {
        let mut plan = PaymentPlan::default();
        for settings in systems {
            let provider = settings.provider;
            let merchant = keychain
                .load(&payment_key(account, provider, "merchant-key"))
                .await;
            let provider_key = keychain
                .load(&payment_key(account, provider, "provider-key"))
                .await;
            let (Ok(Some(merchant)), Ok(Some(provider_key))) = (merchant, provider_key) else {
                tracing::warn!(%provider, "the payment system's keys are not in the keychain: its links are off until IT places them (agentdesk-cli account payment-key)");
                continue;
            };
            match settings.with_keys(merchant.expose(), provider_key.expose()) {
                Ok(setup) => plan.systems.push(PlannedSystem {
                    tenants: settings.tenants.clone(),
                    setup,
                }),
                Err(error) => {
                    tracing::warn!(%provider, %error, "the payment system's keys do not load: its links are off")
                }
            }
        }
        plan
    }

    /// The clients of the plan's systems, and the merchant's own payment service where a connector
    /// file describes one (`[payment_link]`, for every merchant of the account); a system whose
    /// settings do not hold is left out, said in the log (the payment button says which it has).
    pub(crate) fn build(
        self,
        http: &HttpClient,
        connectors: &[Arc<agentdesk_connectors::source::Connector>],
    ) -> PaymentSystems {
        let mut systems = Vec::new();
        for planned in self.systems {
            match PaymentSystem::new(http.clone(), planned.setup) {
                Ok(system) => systems.push((planned.tenants, Arc::new(system))),
                Err(error) => {
                    tracing::warn!(%error, "a payment system's settings do not hold: its links are off")
                }
            }
        }
        // The first connector that describes one (an account has one merchant payment service).
        if let Some(service) = connectors
            .iter()
            .find_map(|c| agentdesk_payments::merchant::MerchantService::of(c.clone()))
        {
            systems.push((Vec::new(), Arc::new(PaymentSystem::Merchant(service))));
        }
        PaymentSystems { systems }
    }

    /// Demo mode: Alipay (precreate's QR link) and WeChat Pay (Native, in the 微信支付公钥 mode)
    /// on the sandbox, for every merchant.
    #[cfg(feature = "demo")]
    pub(crate) fn demo(logins: &agentdesk_sandbox::PaymentLogins) -> PaymentPlan {
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
                    notify_url: DEMO_NOTIFY_URL.into(),
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
