//! `agentdesk-cli account …` as a provisioning script uses it: the secret on stdin, the real OS
//! keychain (under a test service name), the sandbox as the platform.

mod common;

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
