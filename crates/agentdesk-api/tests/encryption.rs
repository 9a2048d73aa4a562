//! The workspace database is encrypted at rest with a key from the OS keychain: a customer's words
//! are not in any file of the data directory, the key is filed in the keychain, and a restart on the
//! same data opens what was stored, the agent's notes about the customer included. (Without a keychain, demo mode still runs, on a key for that run
//! only, and says so.)

use agentdesk_secrets::SecretName;
use serde_json::json;

use crate::common;

const WORDS: &str = "我的身份证号是110101199003077777，请尽快退款";
const NOTE: &str = "老客户，住在幸福里小区7号楼，只接受下午来电";

fn every_file_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(every_file_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The tests here change the demo tenant's key in the one keychain they share: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_words_never_reach_the_disk_in_clear() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let workbench = common::demo_workbench_in(dir.path()).await;
    let sandbox = workbench.sandbox_url().to_string();
    let visitor = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "赵敏", "text": WORDS}),
    )
    .await;
    let cid = visitor["cid"].as_str().unwrap().to_string();
    common::wait_for_session(&workbench, &cid).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !workbench
        .conversations()
        .messages(&cid, 10)
        .await
        .unwrap()
        .iter()
        .any(|m| m.content == WORDS)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the message was not stored"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The agent's note about the customer lives in the same encrypted database.
    workbench
        .customers()
        .save_customer_note(&cid, NOTE)
        .await
        .unwrap();
    let tenant = workbench.snapshot().await.unwrap().tenant_id;
    let warning = workbench.snapshot().await.unwrap().storage_warning;
    let database = workbench.database_path();
    workbench.shutdown().await;

    let files = every_file_under(dir.path());
    assert!(files.iter().any(|(p, _)| p == &database));
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, WORDS.as_bytes())
                && !contains(bytes, b"110101199003077777")
                && !contains(bytes, NOTE.as_bytes()),
            "customer text in clear in {}",
            path.display()
        );
        assert!(
            !contains(bytes, b"SQLite format 3"),
            "{} is a plain SQLite file",
            path.display()
        );
    }

    // Inside the private desktop session (scripts/desktop.sh) the keychain must be there.
    if std::env::var_os("AGENTDESK_E2E_DBUS_LOG").is_some() {
        assert!(warning.is_none(), "the keychain was not used: {warning:?}");
    }
    match warning {
        // The keychain holds the key, and a restart reads what was stored.
        None => {
            let key = common::test_keychain()
                .load(&SecretName::DatabaseKey {
                    account: "sandbox".into(),
                    tenant: tenant.clone(),
                })
                .await
                .unwrap();
            assert!(key.is_some_and(|k| k.expose().len() == 64));
            let again = common::demo_workbench_in(dir.path()).await;
            assert!(again
                .conversations()
                .messages(&cid, 10)
                .await
                .unwrap()
                .iter()
                .any(|m| m.content == WORDS));
            assert_eq!(
                again.customers().customer_note(&cid).await.unwrap().text,
                NOTE
            );
            again.shutdown().await;
        }
        // No keychain: the demo said why its data does not outlive the run.
        Some(warning) => {
            assert!(warning.message.contains("keychain"), "{warning:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workspaces_of_one_tenant_starting_together_file_one_key() {
    let _alone = ONE_AT_A_TIME.lock().await;
    // Meaningful only with a keychain (scripts/desktop.sh); without one each run has its own key.
    if std::env::var_os("AGENTDESK_E2E_DBUS_LOG").is_none() {
        eprintln!("skipped: no private desktop session (run under scripts/desktop.sh)");
        return;
    }
    // No key yet for the demo tenant: both workspaces will want to make one.
    let first = tempfile::tempdir().unwrap();
    let probe = common::demo_workbench_in(first.path()).await;
    let name = SecretName::DatabaseKey {
        account: "sandbox".into(),
        tenant: probe.snapshot().await.unwrap().tenant_id,
    };
    probe.shutdown().await;
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::test_keychain().remove(&name).await.unwrap();

    let (a, b) = tokio::join!(
        common::demo_workbench_in(first.path()),
        common::demo_workbench_in(second.path())
    );
    a.shutdown().await;
    b.shutdown().await;
    // Each opens again with the key the keychain holds (a lost race would say "another key").
    for dir in [first.path(), second.path()] {
        let again = common::demo_workbench_in(dir).await;
        assert!(again.snapshot().await.unwrap().storage_warning.is_none());
        again.shutdown().await;
    }
}
