//! What the API's tests share beyond `agentdesk-testkit`: a demo workbench on its own sandbox and
//! data folder, and waiting for a session to reach it. (Each test binary uses part of this.)
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use agentdesk_api::Workbench;
use agentdesk_sandbox::SandboxConfig;

/// A demo workbench (its own sandbox) keeping its data in a new temporary folder.
pub async fn demo_workbench() -> (tempfile::TempDir, Workbench) {
    let dir = tempfile::tempdir().unwrap();
    let workbench = demo_workbench_in(dir.path()).await;
    (dir, workbench)
}

/// A demo workbench keeping its data in `dir` (a second one on the same folder is a restart).
pub async fn demo_workbench_in(dir: &Path) -> Workbench {
    Workbench::start_demo(dir.to_path_buf(), demo_options(SandboxConfig::default()))
        .await
        .unwrap()
}

/// The embedded sandbox with `config`, its database keys under this test process's own keychain
/// service: the tests run as parallel processes sharing one keyring, and two of them creating the
/// demo key at once would leave one database under the other's key.
pub fn demo_options(config: SandboxConfig) -> agentdesk_api::DemoOptions {
    agentdesk_api::DemoOptions::embedded(config).on_keychain(test_keychain())
}

/// This test process's own items in the session's keychain.
pub fn test_keychain() -> agentdesk_secrets::Keychain {
    agentdesk_secrets::Keychain::with_service(format!("agentdesk-test-{}", std::process::id()))
}

/// The ids of the sessions the workbench lists now.
pub async fn session_ids(workbench: &Workbench) -> Vec<String> {
    workbench
        .snapshot()
        .await
        .unwrap()
        .sessions
        .into_iter()
        .map(|s| s.session.id)
        .collect()
}

/// Waits (at most 15 s) until the workbench lists session `cid` and holds its first message.
/// The two arrive apart (a session can be listed from the reception list before its message is
/// read), and a test that goes on to the conversation needs both.
pub async fn wait_for_session(workbench: &Workbench, cid: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !session_ids(workbench).await.iter().any(|id| id == cid) {
        assert!(Instant::now() < deadline, "session {cid} did not arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    while workbench
        .conversations()
        .messages(cid, 1)
        .await
        .unwrap()
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "session {cid} arrived but its first message was not stored"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
