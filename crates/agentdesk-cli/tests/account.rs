//! `agentdesk-cli account …` as a provisioning script uses it: the secret on stdin, the real OS
//! keychain (under a test service name), the sandbox as the platform.

use crate::common;

use common::{text, Cli};

// The sandbox must keep serving while the test waits on the CLI process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_list_test_and_remove_an_account_from_the_command_line() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let cli = Cli::new("account");
    let add = |name: &str, key: &str| {
        cli.run(
            &[
                "add",
                "--name",
                name,
                "--platform",
                "sandbox",
                "--base-url",
                &info.base_url,
                "--appid",
                &info.appid,
                "--agent-email",
                &info.agents[0].email,
            ],
            &format!("{key}\n"),
        )
    };
    let output = add("desk-1", &info.app_key);
    assert!(output.status.success(), "{}", text(&output));
    let output = add("desk-bad", "wrong-key");
    assert!(output.status.success(), "{}", text(&output));

    let output = cli.run(&["list"], "");
    let listed = text(&output);
    assert!(output.status.success(), "{listed}");
    assert!(
        listed.contains("desk-1") && listed.contains("app key set"),
        "{listed}"
    );
    assert!(
        !listed.contains(&info.app_key),
        "the list never shows a secret"
    );

    let output = cli.run(&["test", "--name", "desk-1"], "");
    assert!(output.status.success(), "{}", text(&output));
    let output = cli.run(&["test", "--name", "desk-bad"], "");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("900003"), "{}", text(&output));

    // Nothing secret in the config directory.
    for entry in std::fs::read_dir(cli.config_dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(&info.app_key));
    }

    // Missing secret on stdin, or a bad platform: refused with a reason, nothing added.
    let output = cli.run(
        &[
            "add",
            "--name",
            "x",
            "--platform",
            "sobot",
            "--base-url",
            "https://www.sobot.com",
            "--appid",
            "a",
        ],
        "",
    );
    assert!(!output.status.success());
    assert!(
        text(&output).contains("app key on stdin"),
        "{}",
        text(&output)
    );
    let output = cli.run(
        &[
            "add",
            "--name",
            "x",
            "--platform",
            "zendesk",
            "--base-url",
            "https://www.sobot.com",
            "--appid",
            "a",
        ],
        "k\n",
    );
    assert!(!output.status.success());
    assert!(
        text(&output).contains("use sobot or sandbox"),
        "{}",
        text(&output)
    );

    for name in ["desk-1", "desk-bad"] {
        let output = cli.run(&["remove", "--name", name], "");
        assert!(output.status.success(), "{}", text(&output));
    }
    let output = cli.run(&["test", "--name", "desk-1"], "");
    assert!(!output.status.success());
    assert!(
        text(&output).contains("no account named"),
        "{}",
        text(&output)
    );
    sandbox.shutdown().await;
}

#[test]
fn a_ticket_system_s_credential_goes_from_stdin_to_the_keychain_only() {
    let cli = Cli::new("account");
    let output = cli.run(
        &[
            "add",
            "--name",
            "desk",
            "--platform",
            "sandbox",
            "--base-url",
            "http://127.0.0.1:9",
            "--appid",
            "app-1",
        ],
        "app-key-1\n",
    );
    assert!(output.status.success(), "{}", text(&output));
    // Not one of the account's systems yet: refused, saying what to do.
    let output = cli.run(
        &["ticket-key", "--name", "desk", "--system", "jira"],
        "tok\n",
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("no jira ticket system"),
        "{}",
        text(&output)
    );

    // IT's provisioning (here: the accounts file) names Jira; the token comes on stdin.
    let file = cli.config_dir.path().join("accounts.json");
    let mut accounts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let account = accounts
        .as_array_mut()
        .and_then(|list| list.iter_mut().find(|a| a["name"] == "desk"))
        .expect("the account in the file");
    account["tickets"] = serde_json::json!([{"system": "jira", "base_url": "https://team.atlassian.net",
        "user": "desk@team.test", "project": "CS", "issue_type": "Task"}]);
    std::fs::write(&file, accounts.to_string()).unwrap();
    let output = cli.run(
        &["ticket-key", "--name", "desk", "--system", "jira"],
        "atl-token-secret-7\n",
    );
    assert!(output.status.success(), "{}", text(&output));
    let output = cli.run(&["list", "--json"], "");
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        listed[0]["ticket_keys"],
        serde_json::json!(["jira"]),
        "{listed}"
    );
    let on_disk = std::fs::read_to_string(&file).unwrap();
    assert!(!on_disk.contains("atl-token-secret-7"), "{on_disk}");
    let output = cli.run(&["remove", "--name", "desk"], "");
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn a_payment_system_s_keys_and_the_speech_secret_go_from_stdin_to_the_keychain_only() {
    const PRIVATE: &str = include_str!("../../agentdesk-sandbox/keys/demo-merchant.key.pem");
    const ALIPAY: &str = include_str!("../../agentdesk-sandbox/keys/alipay-gateway.pub.pem");
    let cli = Cli::new("account");
    let output = cli.run(
        &[
            "add",
            "--name",
            "desk",
            "--platform",
            "sandbox",
            "--base-url",
            "http://127.0.0.1:9",
            "--appid",
            "app-1",
        ],
        "app-key-1\n",
    );
    assert!(output.status.success(), "{}", text(&output));
    // Not one of the account's systems yet: refused, saying what to do.
    let keys = format!("{PRIVATE}\n{ALIPAY}");
    let output = cli.run(
        &["payment-key", "--name", "desk", "--provider", "alipay"],
        &keys,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("does not name"), "{}", text(&output));
    let output = cli.run(&["speech-secret", "--name", "desk"], "s3cret\n");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));

    // IT's provisioning (here: the accounts file) names Alipay and the speech service.
    let file = cli.config_dir.path().join("accounts.json");
    let mut accounts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let account = accounts
        .as_array_mut()
        .and_then(|list| list.iter_mut().find(|a| a["name"] == "desk"))
        .expect("the account in the file");
    account["payments"] = serde_json::json!([{"provider": "alipay",
        "base_url": "https://openapi.alipay.com/gateway.do", "app_id": "2021000000000000"}]);
    account["speech"] =
        serde_json::json!({"project_appkey": "nlsProject1", "access_key_id": "LTAI5tTest"});
    std::fs::write(&file, accounts.to_string()).unwrap();

    // A key that does not load is refused; nothing is stored.
    let output = cli.run(
        &["payment-key", "--name", "desk", "--provider", "alipay"],
        "not a key\nneither\n",
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("nothing was stored"),
        "{}",
        text(&output)
    );
    let output = cli.run(
        &["payment-key", "--name", "desk", "--provider", "alipay"],
        &keys,
    );
    assert!(output.status.success(), "{}", text(&output));
    let output = cli.run(&["speech-secret", "--name", "desk"], "speech-secret-9\n");
    assert!(output.status.success(), "{}", text(&output));
    let on_disk = std::fs::read_to_string(&file).unwrap();
    assert!(!on_disk.contains("PRIVATE KEY"), "{on_disk}");
    assert!(!on_disk.contains("speech-secret-9"), "{on_disk}");
    let output = cli.run(&["remove", "--name", "desk"], "");
    assert!(output.status.success(), "{}", text(&output));
}
