//! Demo mode: the embedded sandbox with simulated customers, and `AGENTDESK_SANDBOX_URL`.

use std::time::Duration;

use agentdesk_api::{demo_sandbox, DemoOptions, DemoWorkspace};
use agentdesk_domain::{Direction, DomainEvent};
use agentdesk_sandbox::{Sandbox, SandboxConfig};

#[tokio::test]
async fn demo_mode_signs_in_and_simulated_customers_arrive_and_answer() {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig {
        seed: 3,
        visitors_per_minute: 600.0,
        ..SandboxConfig::default()
    };
    let demo = DemoWorkspace::start(dir.path().to_path_buf(), DemoOptions::embedded(config))
        .await
        .unwrap();
    assert!(demo.sandbox.is_embedded());
    let engine = demo.workspace.engine().clone();
    let mut events = engine.subscribe();

    // Customers arrive on their own and write; the agent answers the first one.
    let first = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Ok(DomainEvent::MessageStored { message }) = events.recv().await {
                if message.direction == Direction::In {
                    return message;
                }
            }
        }
    })
    .await
    .expect("a simulated customer wrote within 20 s");
    engine
        .send_text(&first.session_id, "Thanks for waiting, let me check.")
        .await
        .unwrap();

    // ... and that customer answers back (a follow-up or a closing line).
    let answered = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let messages = engine.messages(&first.session_id, 50).await.unwrap();
            let replies_after_ours = messages
                .iter()
                .skip_while(|m| m.direction == Direction::In)
                .filter(|m| m.direction == Direction::In)
                .count();
            if replies_after_ours > 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        answered.is_ok(),
        "the simulated customer answered the agent"
    );
    let sessions = engine.sessions().await.unwrap();
    let channels: std::collections::HashSet<_> = sessions.iter().map(|s| s.channel).collect();
    assert!(
        sessions.len() >= 3,
        "several customers arrived: {}",
        sessions.len()
    );
    assert!(channels.len() >= 2, "on various channels: {channels:?}");
    demo.shutdown().await;

    // An external sandbox, given by URL, is used instead of starting one.
    let external = Sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        SandboxConfig {
            seed: 77,
            ..SandboxConfig::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let demo = DemoWorkspace::start(
        dir.path().to_path_buf(),
        DemoOptions::at(
            Some(external.base_url().to_string()),
            SandboxConfig::default(),
        ),
    )
    .await
    .unwrap();
    assert!(!demo.sandbox.is_embedded());
    assert_eq!(demo.sandbox.info.appid, external.info().appid);
    assert_eq!(
        demo.workspace.agent_login(),
        external.info().agents[0].email,
        "its first agent"
    );
    demo.shutdown().await;
    external.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_sandbox_url_says_what_to_do() {
    let error = demo_sandbox(Some("http://127.0.0.1:9".into()), SandboxConfig::default())
        .await
        .err()
        .expect("refused");
    let text = error.to_string();
    assert!(
        text.contains("--sandbox-url") && text.contains("AGENTDESK_SANDBOX_URL"),
        "{text}"
    );
}
