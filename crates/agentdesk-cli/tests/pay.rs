//! `agentdesk-cli pay …` as a script uses it, against the sandbox's Alipay gateway and WeChat Pay:
//! keys on stdin, JSON out, the documented exit codes; bad input refused before anything leaves,
//! and a wrong key said in the provider's words.

use crate::common;

use common::{json_line, text, Cli};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_is_made_paid_and_followed_from_the_command_line() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let p = sandbox.info().payments.clone();
    let controls = agentdesk_testkit::Controls::new(sandbox.base_url());
    let cli = Cli::new("pay");
    let alipay_keys = format!("{}{}", p.merchant_private_key, p.alipay_public_key);
    let alipay = [
        "--provider",
        "alipay",
        "--base-url",
        &p.alipay_gateway,
        "--app-id",
        &p.alipay_app_id,
    ];
    let mut create: Vec<&str> = vec!["create"];
    create.extend(alipay);
    create.extend([
        "--amount",
        "12.34",
        "--subject",
        "耳机 延保一年",
        "--out-trade-no",
        "CLI2026120701",
    ]);
    let output = cli.run(&create, &alipay_keys);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let made = json_line(&output);
    assert_eq!(made["provider"], "alipay");
    assert_eq!(made["out_trade_no"], "CLI2026120701");
    assert!(
        made["qr_code"].as_str().unwrap().contains("/alipay/qr/"),
        "{made}"
    );
    // Run again (a script after a lost answer): the same order, not a second one.
    let again = json_line(&cli.run(&create, &alipay_keys));
    assert_eq!(again["qr_code"], made["qr_code"]);
    let orders = controls.get("/payments").await["orders"].clone();
    assert_eq!(orders.as_array().unwrap().len(), 1, "{orders}");

    let mut status: Vec<&str> = vec!["status"];
    status.extend(alipay);
    status.extend(["--out-trade-no", "CLI2026120701"]);
    let waiting = json_line(&cli.run(&status, &alipay_keys));
    assert_eq!(waiting["state"], "waiting");
    assert_eq!(waiting["paid_amount"], Value::Null);
    controls
        .post("/payments/CLI2026120701/pay", json!({}))
        .await;
    let output = cli.run(&status, &alipay_keys);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let paid = json_line(&output);
    assert_eq!(
        (paid["state"].as_str(), paid["paid_amount"].as_str()),
        (Some("paid"), Some("12.34"))
    );

    // WeChat Pay with its public key and id.
    let wechat_keys = format!("{}{}", p.merchant_private_key, p.wechat_public_key);
    let wechat = [
        "--provider",
        "wechat",
        "--base-url",
        &p.wechat_base_url,
        "--app-id",
        &p.wechat_appid,
        "--mch-id",
        &p.wechat_mchid,
        "--serial",
        &p.wechat_merchant_serial,
        "--platform-key-id",
        &p.wechat_public_key_id,
    ];
    let mut create: Vec<&str> = vec!["create"];
    create.extend(wechat);
    create.extend(["--amount", "0.29", "--subject", "运费补差"]);
    let output = cli.run(&create, &wechat_keys);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let made = json_line(&output);
    assert!(
        made["code_url"].as_str().unwrap().starts_with("weixin://"),
        "{made}"
    );
    let number = made["out_trade_no"].as_str().unwrap().to_string();
    let mut status: Vec<&str> = vec!["status"];
    status.extend(wechat);
    status.extend(["--out-trade-no", &number]);
    let waiting = json_line(&cli.run(&status, &wechat_keys));
    assert_eq!(waiting["state"], "waiting");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_and_a_wrong_key_are_said_with_the_documented_exit_codes() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let p = sandbox.info().payments.clone();
    let controls = agentdesk_testkit::Controls::new(sandbox.base_url());
    let cli = Cli::new("pay");
    let keys = format!("{}{}", p.merchant_private_key, p.alipay_public_key);
    let create = |amount: &'static str| {
        vec![
            "create".to_string(),
            "--provider".into(),
            "alipay".into(),
            "--base-url".into(),
            p.alipay_gateway.clone(),
            "--app-id".into(),
            p.alipay_app_id.clone(),
            "--amount".into(),
            amount.into(),
            "--subject".into(),
            "x".into(),
        ]
    };
    let run = |args: &[String], stdin: &str| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.run(&args, stdin)
    };
    for (amount, words) in [
        ("12.345", "two decimals"),
        ("0", "zero"),
        ("100000000.01", "more than"),
    ] {
        let output = run(&create(amount), &keys);
        assert_eq!(output.status.code(), Some(1), "{amount}: {}", text(&output));
        let said = json_line(&output)["error"].as_str().unwrap().to_string();
        assert!(said.contains(words), "{amount}: {said}");
    }
    let output = run(&create("1.00"), &p.merchant_private_key);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(json_line(&output)["error"]
        .as_str()
        .unwrap()
        .contains("public key"));
    let mut unknown = create("1.00");
    unknown[2] = "paypal".into();
    assert_eq!(run(&unknown, &keys).status.code(), Some(1));
    assert!(
        controls.get("/payments").await["orders"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing left for bad input"
    );

    // A key Alipay does not hold for this APPID: refused in words, the provider's code kept.
    let wrong = format!(
        "{}{}",
        include_str!("../../agentdesk-payments/tests/vectors/wechatpay-go-test.key.pem"),
        p.alipay_public_key
    );
    let output = run(&create("1.00"), &wrong);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let refused = json_line(&output);
    assert_eq!(refused["code"], "40002/isv.invalid-signature");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("does not match"),
        "{refused}"
    );

    // Nobody listening: unreachable, exit 2.
    let mut nowhere = create("1.00");
    nowhere[4] = "http://127.0.0.1:9/gateway.do".into();
    let output = run(&nowhere, &keys);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(json_line(&output)["code"], "unreachable");
    sandbox.shutdown().await;
}
