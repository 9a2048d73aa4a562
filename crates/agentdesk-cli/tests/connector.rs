//! `agentdesk-cli connector …`: a merchant's order system attached with a configuration file and
//! no code. The key goes on stdin into the real OS keychain (under a test service name); the
//! sandbox's order system answers; a bad file is refused with the key it got wrong and nothing
//! saved; the key never lands in the configuration directory.

use serde_json::{json, Value};

use crate::common;

use common::{text, Cli};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_test_list_and_remove_an_order_system_connector() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    reqwest::Client::new()
        .post(format!("{}/__sandbox/visitors", info.base_url))
        .json(
            &json!({"name": "Ada", "text": "order?", "partnerid": "cli-1", "phone": "13700000001"}),
        )
        .send()
        .await
        .unwrap();
    let cli = Cli::new("connector");
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("oms.toml");
    std::fs::write(
        &good,
        format!(
            "preset = \"sandbox-oms\"\nname = \"Shop OMS\"\nbase_url = \"{}\"\n",
            info.shop.oms_base_url
        ),
    )
    .unwrap();
    let bad = files.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "preset = \"sandbox-oms\"\nname = \"Broken\"\nbase_url = \"{}\"\n[orders.map]\nid = \"order_no\"\n",
            info.shop.oms_base_url
        ),
    )
    .unwrap();

    // A bad file: refused, naming the key; nothing saved.
    let output = cli.run(&["add", bad.to_str().unwrap()], "some-key\n");
    assert!(!output.status.success());
    assert!(text(&output).contains("orders.map.id"), "{}", text(&output));
    assert!(!cli.config_dir.path().join("connectors").exists());

    let output = cli.run(
        &["add", good.to_str().unwrap()],
        &format!("{}\n", info.shop.oms_key),
    );
    assert!(output.status.success(), "{}", text(&output));
    let output = cli.run(&["list", "--json"], "");
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed[0]["name"], "Shop OMS");
    assert_eq!(listed[0]["has_key"], true);
    assert_eq!(listed[0]["provides"], json!(["orders"]));

    let output = cli.run(&["test", "Shop OMS", "--phone", "13700000001"], "");
    assert!(output.status.success(), "{}", text(&output));
    let probe: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(probe["orders"].as_u64().unwrap() >= 1, "{probe}");
    assert!(probe["waybills"].as_u64().unwrap() >= 1, "{probe}");
    // The orders as the view will show them, not only their count.
    let mapped = probe["mapped_orders"].as_array().unwrap();
    assert_eq!(mapped.len() as u64, probe["orders"].as_u64().unwrap());
    assert!(
        mapped[0]["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{probe}"
    );
    assert!(
        mapped[0]["amount"]
            .as_str()
            .is_some_and(|a| a.ends_with("CNY")),
        "{probe}"
    );
    assert!(
        !mapped[0]["lines"].as_array().unwrap().is_empty(),
        "{probe}"
    );
    assert!(
        mapped
            .iter()
            .any(|o| !o["tracking"].as_array().unwrap().is_empty()),
        "{probe}"
    );

    // The key never lands in the configuration directory.
    for entry in walk(cli.config_dir.path()) {
        let content = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&content).contains(&info.shop.oms_key),
            "{} holds the key",
            entry.display()
        );
    }

    // A wrong key: the order system's refusal, exit 2.
    let output = cli.run(&["set-key", "Shop OMS"], "wrong\n");
    assert!(output.status.success(), "{}", text(&output));
    let output = cli.run(&["test", "Shop OMS", "--phone", "13700000001"], "");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("refused"), "{}", text(&output));

    let output = cli.run(&["remove", "Shop OMS"], "");
    assert!(output.status.success(), "{}", text(&output));
    let output = cli.run(&["list", "--json"], "");
    assert_eq!(
        serde_json::from_slice::<Value>(&output.stdout).unwrap(),
        json!([])
    );
    sandbox.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
