//! `agentdesk-cli ticket …` as a script uses it, against the sandbox's Zendesk and Qiyu faces: the
//! token on stdin, JSON out, the documented exit codes, and the same command run again after a
//! lost answer printing the ticket it already created instead of a second one.

use crate::common;

use common::{json_line, text, Cli};
use serde_json::Value;

async fn held(base: &str, system: &str) -> Vec<Value> {
    agentdesk_testkit::Controls::new(base)
        .tickets()
        .await
        .into_iter()
        .filter(|t| t["system"] == system)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_and_show_tickets_from_the_command_line_exactly_once() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let logins = sandbox.info().tickets.clone();
    let cli = Cli::new("ticket");
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content.txt");
    std::fs::write(&content, "客户反馈：收到的杯子有裂纹。\nPhoto attached.").unwrap();
    let photo = dir.path().join("cup.jpg");
    std::fs::write(&photo, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).unwrap();
    let content_arg = content.to_string_lossy().to_string();
    let photo_arg = photo.to_string_lossy().to_string();
    let zendesk = [
        "--system",
        "zendesk",
        "--base-url",
        &logins.zendesk_base_url,
        "--user",
        &logins.zendesk_email,
    ];
    let token = format!("{}\n", logins.zendesk_api_token);

    let mut create: Vec<&str> = vec!["create"];
    create.extend(zendesk);
    create.extend([
        "--title",
        "杯子破损",
        "--content-file",
        &content_arg,
        "--uid",
        "u-42",
        "--level",
        "2",
        "--attach",
        &photo_arg,
    ]);
    let output = cli.run(&create, &token);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let created = json_line(&output);
    assert_eq!(created["system"], "zendesk");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["number"], format!("#{id}"));
    // The same command again (a script that did not see the answer): the same ticket, not a second.
    let output = cli.run(&create, &token);
    assert_eq!(json_line(&output)["id"], id.as_str(), "{}", text(&output));
    let tickets = held(sandbox.base_url(), "zendesk").await;
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0]["attachments"], serde_json::json!(["cup.jpg"]));

    let mut list: Vec<&str> = vec!["list"];
    list.extend(zendesk);
    list.extend(["--uid", "u-42"]);
    let output = cli.run(&list, &token);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["title"], "杯子破损");
    let mut show: Vec<&str> = vec!["show"];
    show.extend(zendesk);
    show.extend(["--id", &id]);
    let output = cli.run(&show, &token);
    assert_eq!(
        json_line(&output)["attachments"],
        serde_json::json!(["cup.jpg"])
    );

    // Refused: a wrong token is exit 2 with the system's code; bad input is exit 1.
    let output = cli.run(&list, "wrong-token\n");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(json_line(&output)["code"], "401");
    let output = cli.run(
        &[
            "list",
            "--system",
            "zendesk",
            "--base-url",
            &logins.zendesk_base_url,
            "--uid",
            "u",
        ],
        &token,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(json_line(&output)["error"]
        .as_str()
        .unwrap()
        .contains("--user"));
    let output = cli.run(
        &[
            "list",
            "--system",
            "servicenow",
            "--base-url",
            "https://x.example",
            "--uid",
            "u",
        ],
        &token,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qiyu_ticket_whose_answer_was_lost_is_created_once() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let logins = sandbox.info().tickets.clone();
    let cli = Cli::new("ticket");
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content.txt");
    std::fs::write(&content, "发票抬头写错了，需要重开。").unwrap();
    let content_arg = content.to_string_lossy().to_string();
    let create = [
        "create",
        "--system",
        "qiyu",
        "--base-url",
        &logins.qiyu_base_url,
        "--app-key",
        &logins.qiyu_app_key,
        "--staff-id",
        &logins.qiyu_staff_id,
        "--title",
        "重开发票",
        "--content-file",
        &content_arg,
        "--uid",
        "q-7",
    ];
    let secret = format!("{}\n", logins.qiyu_app_secret);
    sandbox
        .set_faults(agentdesk_sandbox::faults::Faults {
            error_rate: 1.0,
            errors_after_handler: Some(true),
            only_paths: vec!["/v2/ticket/create".into()],
            ..Default::default()
        })
        .unwrap();
    // Qiyu stored it and the answer was lost: the look that follows finds it.
    let output = cli.run(&create, &secret);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let first = json_line(&output);
    sandbox.set_faults(Default::default()).unwrap();
    let output = cli.run(&create, &secret);
    assert_eq!(json_line(&output)["id"], first["id"], "{}", text(&output));
    assert_eq!(held(sandbox.base_url(), "qiyu").await.len(), 1);
    sandbox.shutdown().await;
}
