//! `agentdesk-cli kb search` and `agentdesk-cli eval kb` on a small FAQ the project ships (the
//! evaluation data in ../shared is not needed): one JSON line per query, best first; the figures;
//! a damaged file named with its line.

use crate::common;

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

#[test]
fn meaning_finds_what_words_miss_and_lexical_only_keeps_the_old_ranking() {
    // No word in common with the parcel article ("我的快递到哪了", "物流信息怎么查").
    let query = "包裹还没送到\nmy refund is missing\n";
    let ids = |args: &[&str]| -> Vec<Value> {
        let output = run(args, query);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["ids"].clone())
            .collect()
    };
    let kb = fixture("faq.jsonl");
    let hybrid = ids(&["kb", "search", "--kb", &kb, "--top", "1"]);
    assert_eq!(hybrid[0], serde_json::json!(["parcel"]));
    assert_eq!(hybrid[1], serde_json::json!(["refund"]));
    let lexical = ids(&["kb", "search", "--kb", &kb, "--top", "1", "--lexical-only"]);
    assert_ne!(
        lexical[0],
        serde_json::json!(["parcel"]),
        "words alone cannot find it"
    );
}

#[test]
fn tune_prints_every_method_and_a_broken_model_says_what_to_do() {
    let output = run(
        &[
            "eval",
            "kb",
            &fixture("faq.jsonl"),
            &fixture("queries.jsonl"),
            "--tune",
        ],
        "",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let methods: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["method"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(methods.contains(&"lexical".to_string()) && methods.contains(&"dense".to_string()));
    assert!(
        methods.iter().any(|m| m.starts_with("shipped Linear")),
        "{methods:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("model.bin");
    std::fs::write(&broken, b"not a model").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk-cli"))
        .args([
            "eval",
            "kb",
            &fixture("faq.jsonl"),
            &fixture("queries.jsonl"),
        ])
        .env("AGENTDESK_ENCODER_MODEL", &broken)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("fetch-model.sh") && error.contains("--lexical-only"),
        "{error}"
    );
}
