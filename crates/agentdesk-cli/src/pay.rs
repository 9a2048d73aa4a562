//! `agentdesk-cli pay create|status`: a payment link with Alipay or WeChat Pay from a script, and
//! where it stands, through the same clients and the same exactly-once path as the app. The keys
//! come on stdin: the merchant's private key first, then the provider's key its answers are checked
//! with (Alipay's public key; WeChat Pay's public key with `--platform-key-id`, or its platform
//! certificate). JSON on stdout; exit 0 done, 2 refused or unreachable (`{"error","code"}`), 1 bad
//! input.
//!
//! `create` sends its order number once per run; run again with the same `--out-trade-no` after a
//! lost answer, it asks again under that number, which the providers hold unique, so no second
//! order can come of it.

use std::io::Read as _;

use agentdesk_payments::once::{create_once, MemoryJournal};
use agentdesk_payments::*;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Args)]
pub struct PayArgs {
    #[command(subcommand)]
    command: PayCommand,
}

#[derive(Subcommand)]
enum PayCommand {
    /// Make a payment link: prints {"provider","out_trade_no","url"|"qr_code"|"code_url"}.
    Create {
        #[command(flatten)]
        provider: ProviderArgs,
        /// Yuan with at most two decimals (12.34).
        #[arg(long)]
        amount: String,
        /// What the customer pays for.
        #[arg(long)]
        subject: String,
        /// The merchant's order number (6–32 letters, digits, _ or -); a new one when omitted.
        #[arg(long)]
        out_trade_no: Option<String>,
        /// How long the link can be paid.
        #[arg(long, default_value_t = DEFAULT_EXPIRE_MINUTES)]
        expire_minutes: u32,
        /// Alipay: `qr` (precreate's QR link) or `wap` (the signed wap payment page).
        #[arg(long, default_value = "qr")]
        alipay_link: String,
    },
    /// Where a payment stands: prints {"out_trade_no","state","paid_amount"}.
    Status {
        #[command(flatten)]
        provider: ProviderArgs,
        #[arg(long)]
        out_trade_no: String,
    },
}

#[derive(Args)]
struct ProviderArgs {
    /// alipay or wechat.
    #[arg(long)]
    provider: String,
    /// Alipay: the gateway (`https://openapi.alipay.com/gateway.do`); WeChat Pay: the API host
    /// (`https://api.mch.weixin.qq.com`).
    #[arg(long)]
    base_url: String,
    /// Alipay's APPID, or the appid WeChat Pay links to the merchant.
    #[arg(long)]
    app_id: String,
    /// WeChat Pay: the merchant id (mchid).
    #[arg(long)]
    mch_id: Option<String>,
    /// WeChat Pay: the merchant API certificate's serial.
    #[arg(long)]
    serial: Option<String>,
    /// WeChat Pay: the id of its public key (PUB_KEY_ID_…) when a PUBLIC KEY is on stdin.
    #[arg(long)]
    platform_key_id: Option<String>,
    /// WeChat Pay: where it may post notices (it requires one; this command polls instead).
    #[arg(long, default_value = "https://notify.invalid/agentdesk/wechatpay")]
    notify_url: String,
}

/// Bad input: exit 1 with the reason.
struct BadInput(String);

impl From<PaymentError> for BadInput {
    fn from(error: PaymentError) -> BadInput {
        BadInput(error.to_string())
    }
}

/// The keys on stdin: the merchant's private key, then the provider's public key(s) or
/// certificate(s). PEM blocks, or (Alipay's key tool) two bare base64 lines in that order.
struct StdinKeys {
    private: MerchantKey,
    public: Vec<ProviderKey>,
    certificates: Vec<Certificate>,
}

fn read_keys(text: &str) -> Result<StdinKeys, BadInput> {
    if !text.contains("-----BEGIN ") {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let (private, public) = match lines.as_slice() {
            [private, public] => (private, public),
            _ => {
                return Err(BadInput(
                    "stdin: give the merchant's private key, then the provider's public key (PEM blocks, or two base64 lines)".into(),
                ))
            }
        };
        return Ok(StdinKeys {
            private: MerchantKey::from_text(private).map_err(|e| BadInput(e.0))?,
            public: vec![ProviderKey::from_text(public).map_err(|e| BadInput(e.0))?],
            certificates: Vec::new(),
        });
    }
    let blocks = keys::pem_blocks(text).map_err(|e| BadInput(e.0))?;
    let private = MerchantKey::from_text(text).map_err(|e| BadInput(format!("stdin: {}", e.0)))?;
    let mut public = Vec::new();
    let mut certificates = Vec::new();
    for block in blocks {
        let pem = |label: &str| {
            use base64::Engine as _;
            format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
                base64::engine::general_purpose::STANDARD.encode(&block.der)
            )
        };
        match block.label.as_str() {
            "CERTIFICATE" => certificates
                .push(Certificate::from_text(&pem("CERTIFICATE")).map_err(|e| BadInput(e.0))?),
            label if label.ends_with("PUBLIC KEY") => {
                public.push(ProviderKey::from_text(&pem(label)).map_err(|e| BadInput(e.0))?)
            }
            _ => {}
        }
    }
    if public.is_empty() && certificates.is_empty() {
        return Err(BadInput(
            "stdin: after the private key, give the provider's public key (Alipay's public key; WeChat Pay's public key or platform certificate): every answer is checked with it".into(),
        ));
    }
    Ok(StdinKeys {
        private,
        public,
        certificates,
    })
}

fn need(value: &Option<String>, flag: &str) -> Result<String, BadInput> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(BadInput(format!("wechat needs {flag}"))),
    }
}

fn system(
    args: &ProviderArgs,
    keys: StdinKeys,
    alipay_link: AlipayLinkKind,
) -> Result<PaymentSystem, BadInput> {
    let http = agentdesk_http::HttpContext::unrecorded()
        .client(agentdesk_http::HttpSettings::within(
            std::time::Duration::from_secs(30),
        ))
        .map_err(|e| BadInput(e.to_string()))?;
    match Provider::parse(&args.provider) {
        Some(Provider::Alipay) => {
            let mut gateway = args.base_url.trim().to_string();
            if !gateway.ends_with("gateway.do") {
                gateway = format!("{}/gateway.do", gateway.trim_end_matches('/'));
            }
            let public = keys
                .public
                .into_iter()
                .next()
                .or(keys.certificates.into_iter().next().map(|c| c.key))
                .ok_or_else(|| BadInput("stdin: Alipay's public key is missing".into()))?;
            Ok(PaymentSystem::Alipay(Alipay::new(
                http,
                AlipaySettings {
                    gateway,
                    app_id: args.app_id.trim().to_string(),
                    app_private_key: keys.private,
                    alipay_public_key: public,
                    link_kind: alipay_link,
                    notify_url: None,
                },
            )?))
        }
        Some(Provider::Wechat) => {
            let public_key = match (keys.public.into_iter().next(), &args.platform_key_id) {
                (Some(key), Some(id)) if !id.trim().is_empty() => {
                    Some((id.trim().to_string(), key))
                }
                (Some(_), _) => {
                    return Err(BadInput(
                        "a WeChat Pay public key needs its id: --platform-key-id PUB_KEY_ID_…"
                            .into(),
                    ))
                }
                (None, _) => None,
            };
            Ok(PaymentSystem::Wechat(WechatPay::new(
                http,
                WechatPaySettings {
                    base_url: args.base_url.trim().to_string(),
                    appid: args.app_id.trim().to_string(),
                    mchid: need(&args.mch_id, "--mch-id")?,
                    merchant_serial: need(&args.serial, "--serial")?,
                    merchant_key: keys.private,
                    verifier: WechatPayVerifier {
                        public_key,
                        certificates: keys.certificates,
                    },
                    notify_url: args.notify_url.clone(),
                },
            )?))
        }
        Some(Provider::Merchant) | None => Err(BadInput(format!(
            "--provider {:?}: use alipay or wechat",
            args.provider
        ))),
    }
}

pub async fn run(args: PayArgs) -> anyhow::Result<i32> {
    let mut stdin = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut stdin) {
        return Ok(bad_input(&format!("cannot read stdin: {error}")));
    }
    let keys = match read_keys(&stdin) {
        Ok(keys) => keys,
        Err(BadInput(reason)) => return Ok(bad_input(&reason)),
    };
    match args.command {
        PayCommand::Create {
            provider,
            amount,
            subject,
            out_trade_no,
            expire_minutes,
            alipay_link,
        } => {
            let link_kind = match alipay_link.as_str() {
                "qr" => AlipayLinkKind::Qr,
                "wap" => AlipayLinkKind::Wap,
                other => {
                    return Ok(bad_input(&format!(
                        "--alipay-link {other:?}: use qr or wap"
                    )))
                }
            };
            let amount = match Fen::parse_yuan(&amount) {
                Ok(amount) => amount,
                Err(error) => return Ok(bad_input(&error.to_string())),
            };
            let system = match system(&provider, keys, link_kind) {
                Ok(system) => system,
                Err(BadInput(reason)) => return Ok(bad_input(&reason)),
            };
            let now = agentdesk_http::HttpContext::unrecorded()
                .clock
                .now()
                .as_i64();
            let order = PaymentOrder {
                out_trade_no: out_trade_no.unwrap_or_else(|| PaymentOrder::new_out_trade_no(now)),
                amount,
                subject,
                created_at_ms: now,
                expire_minutes,
            };
            if let Err(error) = order.validate() {
                return Ok(bad_input(&error.to_string()));
            }
            match create_once(&MemoryJournal::default(), &system, &order).await {
                Ok(link) => {
                    let mut out =
                        json!({"provider": link.provider, "out_trade_no": link.out_trade_no});
                    let (field, value) = match &link.target {
                        PaymentTarget::Url { url } => ("url", url),
                        PaymentTarget::QrCode { qr_code } => ("qr_code", qr_code),
                        PaymentTarget::CodeUrl { code_url } => ("code_url", code_url),
                    };
                    out[field] = json!(value);
                    println!("{out}");
                    Ok(0)
                }
                Err(
                    error @ (PaymentError::Invalid(_)
                    | PaymentError::Amount(_)
                    | PaymentError::Key(_)),
                ) => Ok(bad_input(&error.to_string())),
                Err(error) => Ok(refused(&error)),
            }
        }
        PayCommand::Status {
            provider,
            out_trade_no,
        } => {
            let system = match system(&provider, keys, AlipayLinkKind::Qr) {
                Ok(system) => system,
                Err(BadInput(reason)) => return Ok(bad_input(&reason)),
            };
            match system.query(out_trade_no.trim()).await {
                Ok(status) => {
                    println!(
                        "{}",
                        json!({"out_trade_no": status.out_trade_no, "state": status.state,
                               "paid_amount": status.paid_amount.map(Fen::yuan),
                               "provider_state": status.provider_state})
                    );
                    Ok(0)
                }
                Err(error) => Ok(refused(&error)),
            }
        }
    }
}

fn bad_input(reason: &str) -> i32 {
    println!("{}", json!({"error": reason}));
    1
}

fn refused(error: &PaymentError) -> i32 {
    println!(
        "{}",
        json!({"error": error.to_string(), "code": error.code(), "outcome_unknown": error.outcome_unknown()})
    );
    2
}
