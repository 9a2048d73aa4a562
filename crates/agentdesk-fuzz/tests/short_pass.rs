//! The short fuzzing pass CI runs: every target from the committed corpus, a fixed number of
//! mutated inputs with a fixed seed; no parser may panic, and the mutations must reach well beyond
//! the seeds' own outcomes (or the fuzzer is not exploring anything).

use std::path::Path;

use agentdesk_fuzz::{load_corpus, run, Budget, TARGETS};

#[test]
fn no_parser_panics_on_mutated_network_input() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let crashes = tempfile_dir();
    for target in TARGETS {
        let seeds = load_corpus(&corpus.join(target.name)).unwrap();
        assert!(
            seeds.len() >= 5,
            "{}: the committed corpus is missing",
            target.name
        );
        let report = run(
            target,
            seeds.clone(),
            Budget::Executions(20_000),
            7,
            &crashes,
        )
        .unwrap();
        assert_eq!(report.executions, 20_000);
        assert!(
            report.crashes.is_empty(),
            "{} panicked; replay with `cargo run -p agentdesk-fuzz -- replay {} FILE`: {:?}",
            target.name,
            target.name,
            report.crashes
        );
        assert!(
            report.outcomes > seeds.len() + 5,
            "{}: only {} outcomes from {} seeds",
            target.name,
            report.outcomes,
            seeds.len()
        );
    }
}

#[test]
fn a_panicking_parser_is_caught_and_its_input_saved() {
    fn fragile(input: &[u8]) -> String {
        assert!(!input.contains(&b'~'), "a tilde");
        String::from_utf8_lossy(input).into_owned()
    }
    let target = agentdesk_fuzz::Target {
        name: "fragile",
        parse: fragile,
    };
    let crashes = tempfile_dir();
    let report = run(
        &target,
        vec![b"{\"a\":\"~\"}".to_vec()],
        Budget::Executions(10),
        1,
        &crashes,
    )
    .unwrap();
    assert!(!report.crashes.is_empty());
    let saved = std::fs::read(&report.crashes[0]).unwrap();
    assert!(saved.contains(&b'~'));
    assert!(agentdesk_fuzz::replay(&target, &saved)
        .unwrap_err()
        .contains("a tilde"));
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "agentdesk-fuzz-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
