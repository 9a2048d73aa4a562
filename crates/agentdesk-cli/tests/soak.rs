//! `agentdesk-cli soak`, the real binary: a short chaos run with the engine killed by SIGKILL, counted
//! from the sandbox's and the database's records.

use serde_json::Value;

fn soak(args: &[&str]) -> (i32, Value) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk-cli"))
        .arg("soak")
        .args(args)
        .output()
        .expect("agentdesk-cli runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let figures: Value = serde_json::from_str(last).unwrap_or_else(|e| {
        panic!(
            "last line is not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), figures)
}

fn assert_nothing_lost(figures: &Value) {
    assert_eq!(figures["lost"], 0, "{figures}");
    assert_eq!(figures["duplicated"], 0, "{figures}");
    assert_eq!(figures["out_of_order"], 0, "{figures}");
    assert_eq!(figures["integrity"], "ok", "{figures}");
    assert_eq!(figures["encrypted_on_disk"], true, "{figures}");
    assert_eq!(figures["stored"], figures["pushed"], "{figures}");
    assert!(figures["pushed"].as_u64().unwrap() > 0, "{figures}");
}

#[test]
fn chaos_with_sigkill_loses_duplicates_and_reorders_nothing() {
    let (code, figures) = soak(&[
        "--faults",
        "chaos",
        "--sessions",
        "40",
        "--seconds",
        "4",
        "--rate",
        "600",
        "--kill-every",
        "0.9",
    ]);
    assert_nothing_lost(&figures);
    assert!(figures["kills"].as_u64().unwrap() >= 3, "{figures}");
    assert!(
        figures["sandbox"]["pushes_duplicated"].as_u64().unwrap() > 0,
        "chaos really duplicated pushes: {figures}"
    );
    assert!(
        figures["sandbox"]["injected_errors"].as_u64().unwrap() > 0,
        "chaos really failed calls: {figures}"
    );
    assert_eq!(figures["platform_received"], figures["sent"], "{figures}");
    assert_eq!(code, 0);
}

#[test]
fn a_clean_run_answers_every_question_once() {
    let (code, figures) = soak(&[
        "--sessions",
        "20",
        "--seconds",
        "2",
        "--rate",
        "500",
        "--reply-every",
        "5",
    ]);
    assert_nothing_lost(&figures);
    assert_eq!(
        figures["platform_received"].as_u64().unwrap(),
        figures["pushed"].as_u64().unwrap().div_ceil(5),
        "{figures}"
    );
    assert!(figures["latency_samples"].as_u64().unwrap() > 0);
    assert_eq!(code, 0);
}

#[test]
fn bad_arguments_are_refused_with_a_reason() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk-cli"))
        .args(["soak", "--sessions", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("must be positive"));
}
