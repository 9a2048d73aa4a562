//! `agentdesk-cli assist` as a script runs it, against the sandbox's model provider: the answer
//! streamed to stderr, one JSON line on stdout with the customer's data restored, the articles
//! cited, nothing personal sent, and exit code 2 when the provider refuses or is not there.

use std::process::{Command, Output};

use agentdesk_testkit::Controls;
use serde_json::{json, Value};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("conversation.json"),
            json!({"messages": [
                {"direction": "in", "text": "Hi, I'm Alice Zhang, phone 13987654321. Where's my refund for order A778812345? Card 4111111111111111."},
                {"direction": "out", "text": "Let me check that for you."},
                {"direction": "in", "text": "It has been a week, I can't find my refund"}
            ]})
            .to_string(),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("customer.json"),
            json!({"name": "Alice Zhang", "phone": "13987654321",
                   "orders": [{"id": "A778812345", "status": "refunded", "waybill": "SF1400098765432"}]})
            .to_string(),
        )
        .unwrap();
        Files { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

async fn cli(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_agentdesk-cli"))
            .args(&args)
            .env("AGENTDESK_LLM_API_KEY", "sk-cli-test")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn last_json_line(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one line on stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(lines[0]).unwrap()
}

fn args(base: &str, task: &str, files: &Files, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "assist",
        task,
        "--base-url",
        &format!("{base}/v1"),
        "--model",
        "sandbox-chat",
        "--conversation",
        &files.path("conversation.json"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_cites_the_article_restores_the_data_and_sends_none_of_it() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let controls = Controls::new(sandbox.base_url());
    let files = Files::new();
    let output = cli(args(
        sandbox.base_url(),
        "draft",
        &files,
        &[
            "--kb",
            &fixture("faq.jsonl"),
            "--customer",
            &files.path("customer.json"),
        ],
    ))
    .await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let result = last_json_line(&output);
    let text = result["text"].as_str().unwrap();
    assert_eq!(
        text,
        "Hello Alice Zhang! Your order A778812345 is: refunded. Refunds reach your account within 3 working days."
    );
    assert_eq!(result["articles"], json!(["refund"]));
    for field in [
        "prompt_tokens",
        "completion_tokens",
        "first_token_ms",
        "total_ms",
    ] {
        assert!(result[field].as_u64().is_some(), "{field}: {result}");
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(text), "streamed to stderr: {stderr}");
    let sent = controls.get("/llm-requests").await.to_string();
    for personal in [
        "Alice",
        "13987654321",
        "A778812345",
        "4111111111111111",
        "SF1400098765432",
    ] {
        assert!(!sent.contains(personal), "{personal} was sent: {sent}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_and_translation() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let files = Files::new();
    let output = cli(args(sandbox.base_url(), "summary", &files, &["--to", "zh"])).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let result = last_json_line(&output);
    assert_eq!(result["classification"], "咨询");
    assert!(
        result["summary"]
            .as_str()
            .unwrap()
            .starts_with("客户咨询：Hi, I'm Alice Zhang, phone 13987654321"),
        "{result}"
    );

    let output = cli(args(sandbox.base_url(), "translate", &files, &[])).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        last_json_line(&output)["text"],
        "（译文）It has been a week, I can't find my refund"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_or_an_absent_provider_exits_2_saying_why() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let controls = Controls::new(sandbox.base_url());
    let files = Files::new();
    controls
        .post("/faults", json!({"llm": {"refuse": true}}))
        .await;
    let output = cli(args(sandbox.base_url(), "draft", &files, &[])).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let result = last_json_line(&output);
    assert_eq!(result["kind"], "refused");
    assert!(String::from_utf8_lossy(&output.stderr).contains("inappropriate content"));

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let output = cli(args(&nobody, "draft", &files, &[])).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(last_json_line(&output)["kind"], "unreachable");

    let output = cli(args(sandbox.base_url(), "draft", &files, &["--to", "fr"])).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "a mistake in the input: {output:?}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("zh or en"));
}
