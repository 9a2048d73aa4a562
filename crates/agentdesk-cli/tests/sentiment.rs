//! `agentdesk-cli sentiment` and `eval sentiment` with the shipped model on a small labelled file
//! the project ships: one JSON line per text with label, score, escalation and cues; the figures; a
//! bad label named with its line.

use crate::common;

use common::run;
use serde_json::Value;

#[test]
fn one_verdict_a_line_with_cues() {
    let output = run(&["sentiment"], "我要去12315投诉你们！\n谢谢，很满意\n");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["escalate"], true);
    assert_eq!(lines[0]["cues"], serde_json::json!(["投诉", "12315"]));
    assert_eq!(lines[1]["label"], "positive");
    assert!(lines[1]["score"].as_f64().unwrap() > 0.0);
}

#[test]
fn eval_counts_the_negative_class() {
    let fixture = format!(
        "{}/tests/fixtures/sentiment.tsv",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = run(&["eval", "sentiment", &fixture], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(figures["examples"], 5);
    // Both angry lines are caught; F1 is consistent with precision and recall.
    assert_eq!(figures["negative_recall"], 1.0, "{figures}");
    let (p, r) = (
        figures["negative_precision"].as_f64().unwrap(),
        figures["negative_recall"].as_f64().unwrap(),
    );
    let f1 = figures["negative_f1"].as_f64().unwrap();
    assert!((f1 - 2.0 * p * r / (p + r)).abs() < 1e-9, "{figures}");
    assert!(figures["messages_per_second"].as_f64().unwrap() > 0.0);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "negative\tok\nangry\tno such label\n").unwrap();
    let output = run(&["eval", "sentiment", bad.to_str().unwrap()], "");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 2"));
}

#[test]
fn train_sentiment_head_reports_each_domain_left_out_and_writes_a_head() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = format!(
        "{}/tests/fixtures/sentiment.tsv",
        env!("CARGO_MANIFEST_DIR")
    );
    // A second domain: the same file's lines, in English only.
    let english: String = std::fs::read_to_string(&fixture)
        .unwrap()
        .lines()
        .filter(|l| l.is_ascii())
        .map(|l| format!("{l}\n"))
        .collect();
    let second = dir.path().join("english.tsv");
    std::fs::write(&second, english).unwrap();
    let out = dir.path().join("head.bin");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk-cli"))
        .args([
            "train",
            "sentiment-head",
            &fixture,
            second.to_str().unwrap(),
            "--per-class",
            "20",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let held_out: Vec<&str> = lines
        .iter()
        .map(|l| l["held_out"].as_str().unwrap())
        .collect();
    assert_eq!(held_out, ["sentiment", "english", "mean over domains"]);
    for line in &lines {
        for method in ["words", "encoder", "stacked", "mean"] {
            let f1 = line[method].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&f1), "{line}");
        }
    }
    let head =
        agentdesk_insight::sentiment_head::SentimentHead::from_bytes(&std::fs::read(&out).unwrap());
    assert!(head.is_ok(), "the written head loads");
}
