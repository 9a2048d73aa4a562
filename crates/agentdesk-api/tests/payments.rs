//! Payment links from the workbench against the sandbox's Alipay and WeChat Pay: the policy checked
//! before anything is recorded (off, an agent not named, an amount over the largest, three
//! decimals); a link made once although asked twice, sent into the conversation once (WeChat's code
//! as a QR image), followed until paid with a desktop notice, shown paid after a restart; an unpaid
//! one closed; each in the audit log.

use std::time::Duration;

use agentdesk_api::{
    DeskEvent, ErrorReason, Notice, PaymentLinkRequest, PaymentLinkState, PaymentPolicy,
    PaymentProgress, PaymentProvider, Workbench,
};
use agentdesk_testkit::Controls;
use serde_json::{json, Value};

use crate::common;

fn request(
    attempt_id: &str,
    cid: &str,
    provider: PaymentProvider,
    yuan: &str,
) -> PaymentLinkRequest {
    PaymentLinkRequest {
        attempt_id: attempt_id.into(),
        session_id: cid.into(),
        provider,
        amount: yuan.into(),
        subject: "耳机 延保一年".into(),
        expire_minutes: 30,
        link_message: "请在 30 分钟内支付 ¥{amount}:{link}".replace("{amount}", yuan),
        scan_message: format!("请用微信扫描上方二维码支付 ¥{yuan}"),
    }
}

async fn visitor(workbench: &Workbench, text: &str) -> String {
    let cid = Controls::new(workbench.sandbox_url())
        .visitor("王芳", text, None)
        .await;
    common::wait_for_session(workbench, &cid).await;
    cid
}

/// Waits (at most 20 s) for the link's progress to reach `state`, as the window hears it, with
/// the notices heard on the way.
async fn until(
    events: &mut agentdesk_api::Subscription,
    out_trade_no: &str,
    state: PaymentLinkState,
    notices: &mut Vec<Notice>,
) -> PaymentProgress {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("{out_trade_no} never reached {state:?}"))
            .expect("the bus is open");
        match event {
            DeskEvent::Payment { link, .. }
                if link.out_trade_no == out_trade_no && link.state == state =>
            {
                return link;
            }
            DeskEvent::Notice { notice, .. } => notices.push(notice),
            _ => {}
        }
    }
}

async fn held_orders(sandbox: &str) -> Vec<Value> {
    Controls::new(sandbox).get("/payments").await["orders"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn audit(workbench: &Workbench, endpoint: &str) -> Vec<String> {
    let database = workbench.database();
    let endpoint = endpoint.to_string();
    tokio::task::spawn_blocking(move || {
        database
            .open()
            .unwrap()
            .audit_entries(500)
            .unwrap()
            .into_iter()
            .filter(|e| e.endpoint == endpoint)
            .map(|e| format!("{} {}", e.outcome, e.detail))
            .collect()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_is_made_once_sent_once_followed_until_paid_and_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let workbench = common::demo_workbench_in(dir.path()).await;
    let sandbox = workbench.sandbox_url().to_string();
    let controls = Controls::new(&sandbox);
    let cid = visitor(&workbench, "延保怎么付款？").await;
    let payments = workbench.payments();
    let options = payments.options().await.unwrap();
    assert_eq!(
        options.providers,
        [
            PaymentProvider::Alipay,
            PaymentProvider::Wechat,
            PaymentProvider::Merchant
        ]
    );
    assert_eq!(options.unavailable, None);
    assert_eq!(options.largest_amount, "5000.00");

    // Checked before anything is recorded or sent.
    let attempt = "3f2b8c1e-9d4a-4b6e-8f10-2c3d4e5f6a7b";
    for (yuan, issue) in [
        ("12.345", "too_precise"),
        ("0", "zero"),
        ("5000.01", "over_limit"),
        ("abc", "not_an_amount"),
    ] {
        let error = payments
            .create_link(request(attempt, &cid, PaymentProvider::Alipay, yuan))
            .await
            .unwrap_err();
        assert_eq!(
            error.reason,
            ErrorReason::PaymentAmount {
                issue: issue.into(),
                limit: "5000.00".into()
            },
            "{yuan}"
        );
    }
    assert!(held_orders(&sandbox).await.is_empty());
    assert!(payments.session_links(&cid).await.unwrap().is_empty());

    // Made once, although asked twice (a double click, a retry).
    let mut events = workbench.subscribe();
    let first = payments
        .create_link(request(attempt, &cid, PaymentProvider::Alipay, "12.34"))
        .await
        .unwrap();
    let again = payments
        .create_link(request(attempt, &cid, PaymentProvider::Alipay, "12.34"))
        .await
        .unwrap();
    assert_eq!(first.state, PaymentLinkState::Waiting);
    assert_eq!(again.out_trade_no, first.out_trade_no);
    assert_eq!(again.link, first.link);
    let link = first.link.clone().unwrap();
    assert!(link.starts_with("http"), "{link}");
    assert!(!first.scan_only);
    assert_eq!(held_orders(&sandbox).await.len(), 1);

    // Sent into the conversation once, with the link in the agent's words.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let sent = loop {
        let sent: Vec<Value> = controls
            .agent_messages(&cid)
            .await
            .into_iter()
            .filter(|m| m["content"].as_str().unwrap_or("").contains(&link))
            .collect();
        if !sent.is_empty() || tokio::time::Instant::now() > deadline {
            break sent;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0]["content"],
        format!("请在 30 分钟内支付 ¥12.34:{link}")
    );

    // Paid in the sandbox: followed until paid, with a notice naming the customer.
    controls
        .post(&format!("/payments/{}/pay", first.out_trade_no), json!({}))
        .await;
    let mut notices = Vec::new();
    let paid = until(
        &mut events,
        &first.out_trade_no,
        PaymentLinkState::Paid,
        &mut notices,
    )
    .await;
    assert_eq!(paid.paid_amount.as_deref(), Some("12.34"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !notices
        .iter()
        .any(|n| matches!(n, Notice::PaymentReceived { .. }))
        && tokio::time::Instant::now() < deadline
    {
        if let Ok(Some(DeskEvent::Notice { notice, .. })) =
            tokio::time::timeout(Duration::from_millis(200), events.recv()).await
        {
            notices.push(notice);
        }
    }
    assert!(
        notices.iter().any(|n| matches!(n,
            Notice::PaymentReceived { session_id, customer, amount, .. }
                if session_id == &cid && customer == "王芳" && amount == "12.34")),
        "{notices:?}"
    );

    // An Alipay QR nobody scanned cannot be closed at Alipay (the trade does not exist yet) and
    // stays payable until it expires: closed here, then paid after all, it is shown paid.
    let unscanned = payments
        .create_link(request(
            "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b",
            &cid,
            PaymentProvider::Alipay,
            "3.00",
        ))
        .await
        .unwrap();
    let closed = payments.close_link(&unscanned.out_trade_no).await.unwrap();
    assert_eq!(closed.state, PaymentLinkState::Closed);
    controls
        .post(
            &format!("/payments/{}/pay", unscanned.out_trade_no),
            json!({}),
        )
        .await;
    until(
        &mut events,
        &unscanned.out_trade_no,
        PaymentLinkState::Paid,
        &mut notices,
    )
    .await;

    // WeChat Pay: the code goes as a QR image, then the words; closed while unpaid.
    let wechat = payments
        .create_link(request(
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            &cid,
            PaymentProvider::Wechat,
            "0.29",
        ))
        .await
        .unwrap();
    assert!(wechat.scan_only);
    assert!(wechat.link.as_deref().unwrap().starts_with("weixin://"));
    let closed = payments.close_link(&wechat.out_trade_no).await.unwrap();
    assert_eq!(closed.state, PaymentLinkState::Closed);
    let paid_one = payments.close_link(&first.out_trade_no).await.unwrap_err();
    assert_eq!(
        paid_one.reason,
        ErrorReason::PaymentSettled {
            state: "paid".into()
        }
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let kinds = loop {
        let kinds: Vec<i64> = controls
            .agent_messages(&cid)
            .await
            .iter()
            .map(|m| m["msgType"].as_i64().unwrap_or(-1))
            .collect();
        if kinds.len() >= 4 || tokio::time::Instant::now() > deadline {
            break kinds;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Two Alipay links' texts, the QR image (msgType 1), the scan words.
    assert_eq!(kinds, [0, 0, 1, 0]);

    // Every link in the audit log; the session's links kept across a restart.
    let created = audit(&workbench, "payments:create").await;
    assert_eq!(created.len(), 3, "{created:?}");
    for provider in ["alipay", "wechat"] {
        assert!(
            created
                .iter()
                .any(|e| e.starts_with(&format!("ok {provider}"))),
            "{created:?}"
        );
    }
    assert_eq!(audit(&workbench, "payments:close").await.len(), 2);
    assert_eq!(audit(&workbench, "payments:follow").await.len(), 2);
    workbench.shutdown().await;
    let workbench = common::demo_workbench_in(dir.path()).await;
    let links = workbench.payments().session_links(&cid).await.unwrap();
    let states: Vec<PaymentLinkState> = links.iter().map(|l| l.state).collect();
    assert_eq!(
        states,
        [
            PaymentLinkState::Paid,
            PaymentLinkState::Paid,
            PaymentLinkState::Closed
        ],
        "{links:?}"
    );
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_decides_who_may_make_links_and_how_large() {
    let (_dir, workbench) = common::demo_workbench().await;
    let cid = visitor(&workbench, "我要付款").await;
    let payments = workbench.payments();
    let attempt = "5d6e7f80-1a2b-4c3d-9e8f-7a6b5c4d3e2f";

    let only_another = payments
        .set_policy(PaymentPolicy {
            enabled: true,
            agents: vec!["  someone-else@demo ".into(), "".into()],
            largest_amount: "100".into(),
        })
        .await
        .unwrap();
    assert_eq!(only_another.largest_amount, "100.00");
    assert_eq!(only_another.agents, ["someone-else@demo"]);
    let error = payments
        .create_link(request(attempt, &cid, PaymentProvider::Alipay, "10"))
        .await
        .unwrap_err();
    assert_eq!(error.reason, ErrorReason::PaymentNotAllowed);
    assert_eq!(
        payments
            .options()
            .await
            .unwrap()
            .unavailable
            .map(|e| e.reason),
        Some(ErrorReason::PaymentNotAllowed)
    );

    payments
        .set_policy(PaymentPolicy {
            enabled: false,
            agents: Vec::new(),
            largest_amount: "100".into(),
        })
        .await
        .unwrap();
    let error = payments
        .create_link(request(attempt, &cid, PaymentProvider::Alipay, "10"))
        .await
        .unwrap_err();
    assert_eq!(error.reason, ErrorReason::PaymentsOff);

    let bad_limit = payments
        .set_policy(PaymentPolicy {
            enabled: true,
            agents: Vec::new(),
            largest_amount: "1.001".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(
        bad_limit.reason,
        ErrorReason::PaymentAmount { .. }
    ));
    assert!(held_orders(workbench.sandbox_url()).await.is_empty());
    let changes = audit(&workbench, "payments:policy").await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_through_the_merchant_s_own_payment_service_is_made_once_and_followed() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let controls = Controls::new(&sandbox);
    let cid = visitor(&workbench, "运费怎么补？").await;
    let payments = workbench.payments();
    let mut events = workbench.subscribe();
    let attempt = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    let made = payments
        .create_link(request(attempt, &cid, PaymentProvider::Merchant, "8.80"))
        .await
        .unwrap();
    assert_eq!(made.provider, "merchant");
    let link = made.link.clone().unwrap();
    assert!(link.contains("/oms/pay/"), "{link}");
    // Asked again: the same payment (the service keeps the number unique).
    let again = payments
        .create_link(request(attempt, &cid, PaymentProvider::Merchant, "8.80"))
        .await
        .unwrap();
    assert_eq!(again.link, made.link);
    let held = held_orders(&sandbox).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["provider"], "merchant");
    assert_eq!(held[0]["total_fen"], 880);
    assert_eq!(held[0]["create_requests"], 1);

    // Paid on the shop's page: followed until paid, its amount read from the service.
    controls
        .post(&format!("/payments/{}/pay", made.out_trade_no), json!({}))
        .await;
    let mut notices = Vec::new();
    let paid = until(
        &mut events,
        &made.out_trade_no,
        PaymentLinkState::Paid,
        &mut notices,
    )
    .await;
    assert_eq!(paid.paid_amount.as_deref(), Some("8.80"));

    // Another closed unpaid through the service's close.
    let other = payments
        .create_link(request(
            "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
            &cid,
            PaymentProvider::Merchant,
            "1.00",
        ))
        .await
        .unwrap();
    let closed = payments.close_link(&other.out_trade_no).await.unwrap();
    assert_eq!(closed.state, PaymentLinkState::Closed);
    let held = held_orders(&sandbox).await;
    assert!(
        held.iter()
            .any(|o| o["out_trade_no"] == other.out_trade_no.as_str() && o["state"] == "CLOSED"),
        "{held:?}"
    );
    workbench.shutdown().await;
}
