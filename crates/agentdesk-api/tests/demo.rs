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

/// Simulated customers sometimes speak their questions (a voice message the desk reads as text)
/// and pay the payment links the agent sends them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_customers_speak_some_questions_and_pay_the_links_they_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig {
        seed: 5,
        visitors_per_minute: 120.0,
        ..SandboxConfig::default()
    };
    let workbench = agentdesk_api::Workbench::start_demo(
        dir.path().to_path_buf(),
        crate::common::demo_options(config),
    )
    .await
    .unwrap();
    let conversations = workbench.conversations();

    // The agent answers every customer who spoke last, until one asks by voice and it is read.
    let mut answered: std::collections::HashMap<String, usize> = Default::default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let (spoken_in, words) = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no simulated customer spoke within 90 s"
        );
        let mut found = None;
        for id in crate::common::session_ids(&workbench).await {
            let messages = conversations.messages(&id, 50).await.unwrap_or_default();
            if let Some(voice) = messages.iter().find(|m| {
                m.kind == agentdesk_domain::MessageKind::Voice
                    && m.transcript.as_ref().is_some_and(|t| t.problem.is_none())
            }) {
                found = Some((id.clone(), voice.said().unwrap_or_default().to_string()));
                break;
            }
            let last_in = messages
                .last()
                .is_some_and(|m| m.direction == Direction::In);
            let count = answered.entry(id.clone()).or_default();
            if last_in && *count < 6 {
                *count += 1;
                let _ = conversations.send_text(&id, "好的，我看一下。", None).await;
            }
        }
        if let Some(found) = found {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(!words.trim().is_empty());

    // A payment link sent to that customer is paid a few seconds later.
    let link = workbench
        .payments()
        .create_link(agentdesk_api::PaymentLinkRequest {
            attempt_id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d".into(),
            session_id: spoken_in.clone(),
            provider: agentdesk_api::PaymentProvider::Alipay,
            amount: "59.00".into(),
            subject: "运费补差".into(),
            expire_minutes: 30,
            link_message: "请支付：{link}".into(),
            scan_message: "请扫码支付".into(),
        })
        .await;
    // (The customer stays: they leave only once the agent answers their last line.)
    let link = link.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let links = workbench
            .payments()
            .session_links(&spoken_in)
            .await
            .unwrap();
        if links.iter().any(|l| {
            l.out_trade_no == link.out_trade_no && l.state == agentdesk_api::PaymentLinkState::Paid
        }) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the simulated customer never paid: {links:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    workbench.shutdown().await;
}
