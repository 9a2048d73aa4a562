//! The Alipay and WeChat Pay clients against the sandbox's faces over loopback: a link made, paid
//! and seen paid; WeChat's two key modes; a wrong key and a forged answer said in words with
//! nothing made; exactly once through an answer lost after the order was stored and through a
//! process that died mid-call; an unpaid link closed when its time is up.

use std::time::Duration;

use agentdesk_payments::once::{
    create_once, follow, MemoryJournal, PaymentJournal, PaymentRecord, RecordState,
};
use agentdesk_payments::*;
use agentdesk_sandbox::{PaymentLogins, Sandbox};
use agentdesk_testkit::Controls;
use serde_json::{json, Value};

const WRONG_KEY: &str = include_str!("vectors/wechatpay-go-test.key.pem");
const WRONG_PUBLIC_KEY: &str = include_str!("vectors/wechatpay-go-test.pub.pem");

fn http() -> agentdesk_http::HttpClient {
    agentdesk_testkit::http(Duration::from_secs(10))
}

fn alipay(logins: &PaymentLogins, private_key: &str, public_key: &str) -> PaymentSystem {
    PaymentSystem::Alipay(
        Alipay::new(
            http(),
            AlipaySettings {
                gateway: logins.alipay_gateway.clone(),
                app_id: logins.alipay_app_id.clone(),
                app_private_key: MerchantKey::from_text(private_key).unwrap(),
                alipay_public_key: ProviderKey::from_text(public_key).unwrap(),
                link_kind: AlipayLinkKind::Qr,
                notify_url: None,
            },
        )
        .unwrap(),
    )
}

fn wechat(logins: &PaymentLogins, private_key: &str, verifier: WechatPayVerifier) -> PaymentSystem {
    PaymentSystem::Wechat(
        WechatPay::new(
            http(),
            WechatPaySettings {
                base_url: logins.wechat_base_url.clone(),
                appid: logins.wechat_appid.clone(),
                mchid: logins.wechat_mchid.clone(),
                merchant_serial: logins.wechat_merchant_serial.clone(),
                merchant_key: MerchantKey::from_text(private_key).unwrap(),
                verifier,
                notify_url: "https://merchant.example.com/wechatpay/notify".into(),
            },
        )
        .unwrap(),
    )
}

fn public_key_mode(logins: &PaymentLogins) -> WechatPayVerifier {
    WechatPayVerifier {
        public_key: Some((
            logins.wechat_public_key_id.clone(),
            ProviderKey::from_text(&logins.wechat_public_key).unwrap(),
        )),
        certificates: Vec::new(),
    }
}

fn order(number: &str, yuan: &str) -> PaymentOrder {
    PaymentOrder {
        out_trade_no: number.into(),
        amount: Fen::parse_yuan(yuan).unwrap(),
        subject: "耳机 延保一年".into(),
        created_at_ms: now_ms(),
        expire_minutes: 30,
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn held(controls: &Controls) -> Vec<Value> {
    controls.get("/payments").await["orders"]
        .as_array()
        .unwrap()
        .clone()
}

async fn started() -> (Sandbox, PaymentLogins, Controls) {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let logins = sandbox.info().payments.clone();
    let controls = Controls::new(sandbox.base_url());
    (sandbox, logins, controls)
}

#[tokio::test]
async fn an_alipay_qr_link_is_made_paid_and_seen_paid() {
    let (sandbox, logins, controls) = started().await;
    let system = alipay(
        &logins,
        &logins.merchant_private_key,
        &logins.alipay_public_key,
    );
    let journal = MemoryJournal::default();
    let link = create_once(&journal, &system, &order("AD2026120700001", "12.34"))
        .await
        .unwrap();
    let PaymentTarget::QrCode { qr_code } = &link.target else {
        panic!("a QR link: {link:?}")
    };
    assert!(qr_code.contains("/alipay/qr/bax"), "{qr_code}");
    // Not scanned yet: Alipay does not know it (TRADE_NOT_EXIST), which is waiting, not a failure.
    let status = system.query("AD2026120700001").await.unwrap();
    assert_eq!((status.state, status.known), (PaymentState::Waiting, false));

    controls
        .post("/payments/AD2026120700001/pay", json!({}))
        .await;
    let status = follow(&journal, &system, "AD2026120700001", now_ms())
        .await
        .unwrap();
    assert_eq!(status.state, PaymentState::Paid);
    assert_eq!(status.paid_amount.map(Fen::get), Some(1234));
    assert_eq!(status.provider_state, "TRADE_SUCCESS");
    assert_eq!(
        journal.load("AD2026120700001").unwrap().unwrap().payment,
        PaymentState::Paid
    );
    // A paid order is not closed.
    let refused = system.close("AD2026120700001").await.unwrap_err();
    assert!(
        refused.code().contains("ACQ.TRADE_STATUS_ERROR"),
        "{refused}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wechat_native_code_is_verified_in_both_key_modes() {
    let (sandbox, logins, controls) = started().await;
    let system = wechat(
        &logins,
        &logins.merchant_private_key,
        public_key_mode(&logins),
    );
    let journal = MemoryJournal::default();
    let link = create_once(&journal, &system, &order("AD2026120700002", "0.29"))
        .await
        .unwrap();
    let PaymentTarget::CodeUrl { code_url } = &link.target else {
        panic!("a code_url: {link:?}")
    };
    assert!(
        code_url.starts_with("weixin://wxpay/bizpayurl"),
        "{code_url}"
    );
    assert_eq!(held(&controls).await[0]["total_fen"], 29, "29 fen, not 28");
    let status = system.query("AD2026120700002").await.unwrap();
    assert_eq!(
        (status.state, status.provider_state.as_str()),
        (PaymentState::Waiting, "NOTPAY")
    );

    // The platform certificate mode: answers signed under the certificate's serial.
    controls
        .post("/payments/wechat-key-mode", json!({"mode": "certificate"}))
        .await;
    let with_certificate = wechat(
        &logins,
        &logins.merchant_private_key,
        WechatPayVerifier {
            public_key: None,
            certificates: vec![Certificate::from_text(&logins.wechat_platform_certificate).unwrap()],
        },
    );
    controls
        .post("/payments/AD2026120700002/pay", json!({}))
        .await;
    let status = with_certificate.query("AD2026120700002").await.unwrap();
    assert_eq!(status.state, PaymentState::Paid);
    assert_eq!(status.paid_amount.map(Fen::get), Some(29));
    // A desk holding only the public key cannot believe an answer under the certificate.
    let error = system.query("AD2026120700002").await.unwrap_err();
    assert!(matches!(error, PaymentError::Unverified { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("5157F09EFDC096DE15EBE81A47057A7232FE1BEF"),
        "names the serial it lacks: {error}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_key_or_a_forged_answer_is_said_and_nothing_is_made() {
    let (sandbox, logins, controls) = started().await;
    let journal = MemoryJournal::default();
    let error = create_once(
        &journal,
        &alipay(&logins, WRONG_KEY, &logins.alipay_public_key),
        &order("AD2026120700003", "1.00"),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), "40002/isv.invalid-signature");
    assert!(error.to_string().contains("does not match"), "{error}");
    assert!(!error.outcome_unknown());
    assert_eq!(
        journal.load("AD2026120700003").unwrap().unwrap().state,
        RecordState::Refused
    );

    let error = create_once(
        &journal,
        &wechat(&logins, WRONG_KEY, public_key_mode(&logins)),
        &order("AD2026120700004", "1.00"),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), "SIGN_ERROR");
    assert!(error.to_string().contains("could not verify"), "{error}");
    assert!(held(&controls).await.is_empty(), "nothing was made");
    assert_eq!(controls.get("/payments").await["refused_signatures"], 2);

    // An answer not signed by Alipay's key is not believed, and its outcome is unknown.
    let error = create_once(
        &journal,
        &alipay(&logins, &logins.merchant_private_key, WRONG_PUBLIC_KEY),
        &order("AD2026120700005", "1.00"),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, PaymentError::Unverified { .. }), "{error}");
    assert!(error.outcome_unknown());
    assert_eq!(
        journal.load("AD2026120700005").unwrap().unwrap().state,
        RecordState::Unknown
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_answer_or_a_crash_mid_call_never_makes_a_second_order() {
    let (sandbox, logins, controls) = started().await;
    let systems = [
        (
            "/alipay/gateway.do",
            alipay(
                &logins,
                &logins.merchant_private_key,
                &logins.alipay_public_key,
            ),
        ),
        (
            "/wechatpay/v3/pay/transactions/native",
            wechat(
                &logins,
                &logins.merchant_private_key,
                public_key_mode(&logins),
            ),
        ),
    ];
    for (number, (path, system)) in ["AD2026120700006", "AD2026120700007"].iter().zip(&systems) {
        let journal = MemoryJournal::default();
        // The provider stores the order, then the answer is lost.
        controls
            .faults(
                json!({"sources": {*path: {"error_rate": 1.0, "error_status": 503}},
                           "errors_after_handler": true}),
            )
            .await;
        let error = create_once(&journal, system, &order(number, "5.00"))
            .await
            .unwrap_err();
        assert!(error.outcome_unknown(), "{error}");
        controls.faults(json!({})).await;
        // Again, with a later time: the recorded order is sent, settled first by a query.
        let mut again = order(number, "5.00");
        again.created_at_ms += 60_000;
        let link = create_once(&journal, system, &again).await.unwrap();
        let orders = held(&controls).await;
        let mine: Vec<&Value> = orders
            .iter()
            .filter(|o| o["out_trade_no"] == *number)
            .collect();
        assert_eq!(mine.len(), 1, "one order: {orders:?}");
        assert_eq!(mine[0]["create_requests"], 2);
        assert_eq!(mine[0]["link"].as_str(), Some(link.target.text()));
        // Asked a third time, the recorded link is returned without a request.
        create_once(&journal, system, &again).await.unwrap();
        assert_eq!(held(&controls).await.len(), orders.len());
        let orders = held(&controls).await;
        assert_eq!(
            orders
                .iter()
                .find(|o| o["out_trade_no"] == *number)
                .unwrap()["create_requests"],
            2
        );
        // The same number for another amount is refused before anything leaves.
        let error = create_once(&journal, system, &order(number, "6.00"))
            .await
            .unwrap_err();
        assert!(matches!(error, PaymentError::Invalid(_)), "{error}");
    }

    // A process that died with the request on its way, after the customer paid: settled by the
    // query, nothing sent again.
    let system = &systems[1].1;
    let journal = MemoryJournal::default();
    create_once(&journal, system, &order("AD2026120700008", "8.00"))
        .await
        .unwrap();
    let mut record: PaymentRecord = journal.load("AD2026120700008").unwrap().unwrap();
    record.state = RecordState::Sending;
    record.link = None;
    journal.save(&record).unwrap();
    controls
        .post("/payments/AD2026120700008/pay", json!({}))
        .await;
    let error = create_once(&journal, system, &order("AD2026120700008", "8.00"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, PaymentError::AlreadySettled { ref state, .. } if state == "paid"),
        "{error}"
    );
    let orders = held(&controls).await;
    assert_eq!(
        orders
            .iter()
            .find(|o| o["out_trade_no"] == "AD2026120700008")
            .unwrap()["create_requests"],
        1
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unpaid_link_is_closed_when_its_time_is_up() {
    let (sandbox, logins, controls) = started().await;
    let system = wechat(
        &logins,
        &logins.merchant_private_key,
        public_key_mode(&logins),
    );
    let journal = MemoryJournal::default();
    let order = order("AD2026120700009", "3.00");
    create_once(&journal, &system, &order).await.unwrap();
    let status = follow(&journal, &system, &order.out_trade_no, now_ms())
        .await
        .unwrap();
    assert_eq!(status.state, PaymentState::Waiting);
    let status = follow(
        &journal,
        &system,
        &order.out_trade_no,
        order.expires_at_ms() + 1,
    )
    .await
    .unwrap();
    assert_eq!(status.state, PaymentState::Expired);
    assert_eq!(held(&controls).await[0]["state"], "CLOSED");
    let paid = reqwest::Client::new()
        .post(format!(
            "{}/__sandbox/payments/AD2026120700009/pay",
            sandbox.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 409, "a closed link cannot be paid");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_journal_in_the_tenant_database_survives_a_restart_and_lists_what_to_follow() {
    use agentdesk_payments::once::DatabaseJournal;
    let (sandbox, logins, controls) = started().await;
    let dir = tempfile::tempdir().unwrap();
    let key = agentdesk_store::DatabaseKey::generate();
    let database =
        || agentdesk_store::Database::encrypted(dir.path().join("tenant.sqlite3"), key.clone());
    let system = wechat(
        &logins,
        &logins.merchant_private_key,
        public_key_mode(&logins),
    );
    let order = order("AD2026120700010", "66.60");
    let link = create_once(&DatabaseJournal::new(database()), &system, &order)
        .await
        .unwrap();

    // A new process: the record is read back, the link returned without a request.
    let journal = DatabaseJournal::new(database());
    assert_eq!(create_once(&journal, &system, &order).await.unwrap(), link);
    assert_eq!(held(&controls).await[0]["create_requests"], 1);
    let open = journal.open_links().unwrap();
    assert_eq!(open.len(), 1, "a waiting payment is followed: {open:?}");
    assert_eq!(open[0].order.amount.get(), 6660);

    controls
        .post("/payments/AD2026120700010/pay", json!({}))
        .await;
    follow(&journal, &system, &order.out_trade_no, now_ms())
        .await
        .unwrap();
    assert!(
        journal.open_links().unwrap().is_empty(),
        "paid: nothing left to follow"
    );
    // The customer's subject is in the file only encrypted.
    let file = std::fs::read(dir.path().join("tenant.sqlite3")).unwrap();
    assert!(!file.windows("延保".len()).any(|w| w == "延保".as_bytes()));
    sandbox.shutdown().await;
}
