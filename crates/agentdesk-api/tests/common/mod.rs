//! Waiting for a session to reach the workbench, shared by the view's tests.

use std::time::{Duration, Instant};

use agentdesk_api::Workbench;

/// Waits (at most 15 s) until the workbench lists session `cid`.
pub async fn wait_for_session(workbench: &Workbench, cid: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !workbench
        .snapshot()
        .unwrap()
        .sessions
        .iter()
        .any(|s| s.session.id == cid)
    {
        assert!(Instant::now() < deadline, "session {cid} did not arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
