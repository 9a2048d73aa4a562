//! `agentdesk-cli kb search` and `agentdesk-cli eval kb` on a small FAQ the project ships (the
//! evaluation data in ../shared is not needed): one JSON line per query, best first; the figures;
//! a damaged file named with its line.

mod common;

use common::run;
use serde_json::Value;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn search_answers_one_line_per_query_best_first() {
    let output = run(
        &["kb", "search", "--kb", &fixture("faq.jsonl"), "--top", "2"],
        "where's my refund\n花呗怎么还钱\n\n",
    );
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
    assert_eq!(lines.len(), 3, "one line per input line, empty ones too");
    assert_eq!(lines[0]["ids"][0], "refund");
    assert_eq!(lines[1]["ids"][0], "huabei-repay");
    assert!(lines[0]["ids"].as_array().unwrap().len() <= 2);
    assert_eq!(lines[2]["ids"], serde_json::json!([]));
}

#[test]
fn eval_prints_recall_and_mrr() {
    let output = run(
        &[
            "eval",
            "kb",
            &fixture("faq.jsonl"),
            &fixture("queries.jsonl"),
        ],
        "",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(figures["queries"], 4);
    assert_eq!(figures["recall_at_1"], 1.0, "{figures}");
    assert_eq!(figures["mrr_at_10"], 1.0);
}

#[test]
fn a_damaged_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": \"a\", \"title\": \"ok\"}\n{not json}\n").unwrap();
    let output = run(&["kb", "search", "--kb", bad.to_str().unwrap()], "x\n");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("line 2"), "{error}");
}
