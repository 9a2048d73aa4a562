//! The session engine against the real sandbox on 127.0.0.1:0 and a real SQLite file: order,
//! de-duplication, reconnect and catch-up, sends whose outcome is unknown, the outbox across
//! restarts, token expiry, sensitive words, hostile frames.
//! Waits are bounded only to turn a hang into a failure; nothing here asserts speed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use agentdesk_domain::{DeliveryStatus, Direction, DomainEvent, Secret, SessionState};
use agentdesk_engine::{EngineConfig, EngineError, EngineHandle, SessionEngine};
use agentdesk_sandbox::{Faults, Sandbox};
use agentdesk_sobot::{AgentClient, AgentCredentials};
use agentdesk_store::Store;
use agentdesk_testkit::{eventually, Controls};
use serde_json::{json, Value};

struct Harness {
    sandbox: Sandbox,
    controls: Controls,
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Harness {
    async fn new() -> Harness {
        let sandbox = agentdesk_testkit::sandbox(Some(9)).await;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("agent.sqlite3");
        Harness {
            controls: Controls::new(sandbox.base_url()),
            sandbox,
            _dir: dir,
            db,
        }
    }

    async fn engine(&self) -> EngineHandle {
        let info = self.sandbox.info();
        let client = Arc::new(
            AgentClient::new(
                AgentCredentials {
                    base_url: info.base_url.clone(),
                    appid: info.appid.clone(),
                    app_key: Secret::new(info.app_key.clone()),
                    email: info.agents[0].email.clone(),
                    password: Some(Secret::new(info.agents[0].password.clone())),
                },
                agentdesk_domain::system_clock(),
                agentdesk_sobot::client::CallLedger::new(),
            )
            .unwrap(),
        );
        let engine = SessionEngine::start(EngineConfig {
            database: agentdesk_store::Database::plain(self.db.clone()),
            client,
            agent_name: "Tester".into(),
            clock: agentdesk_domain::system_clock(),
        })
        .await
        .unwrap();
        self.wait_online().await;
        engine
    }

    async fn wait_online(&self) {
        eventually("agent online with a push connection", || async {
            let stats = self.control_get("/stats").await;
            stats["agents_online"].as_u64() == Some(1)
                && stats["push_connections"].as_u64().unwrap_or(0) > 0
        })
        .await;
    }

    async fn control_post(&self, path: &str, body: Value) -> Value {
        self.controls.post(path, body).await
    }

    async fn control_get(&self, path: &str) -> Value {
        self.controls.get(path).await
    }

    /// A customer of the first agent.
    async fn visitor(&self, name: &str, text: &str) -> String {
        let agent = self.sandbox.info().agents[0].email.clone();
        self.controls.visitor(name, text, Some(&agent)).await
    }

    async fn say(&self, cid: &str, text: &str) {
        self.controls.say(cid, text).await;
    }

    async fn agent_messages(&self, cid: &str) -> Vec<Value> {
        self.controls.agent_messages(cid).await
    }
}

fn inbound_texts(db: &Path, cid: &str) -> Vec<String> {
    let store = Store::open_read_only(db).unwrap();
    store
        .messages(cid, 10_000)
        .unwrap()
        .into_iter()
        .filter(|m| m.direction == Direction::In)
        .map(|m| m.content)
        .collect()
}

#[tokio::test]
async fn a_customer_arrives_and_the_reply_reaches_the_platform_exactly_once() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let mut events = engine.subscribe();
    let cid = h.visitor("王芳", "我的订单什么时候发货？").await;

    eventually("the message is stored", || async {
        inbound_texts(&h.db, &cid) == vec!["我的订单什么时候发货？".to_string()]
    })
    .await;
    let session = engine
        .sessions()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == cid)
        .expect("session stored");
    assert_eq!(session.visitor_name, "王芳");
    assert_eq!(session.state, SessionState::Active);

    let client_id = engine.send_text(&cid, "您好，今天发货。").await.unwrap();
    eventually("the reply is marked sent", || async {
        engine.messages(&cid, 10).await.unwrap().iter().any(|m| {
            m.client_msg_id.as_deref() == Some(&client_id) && m.status == DeliveryStatus::Sent
        })
    })
    .await;
    let received = h.agent_messages(&cid).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["content"], "您好，今天发货。");
    // Sobot has no client message id: AgentDesk's stays on this machine.
    assert!(received[0].get("clientMsgId").is_none());
    let sent = engine.messages(&cid, 10).await.unwrap();
    assert_eq!(
        sent.last().and_then(|m| m.msg_id.clone()).as_deref(),
        received[0]["msgId"].as_str(),
        "the platform's msgId is kept"
    );

    // The event stream told the same story, in order: opened, message, pending reply, sent.
    let mut kinds = Vec::new();
    while let Ok(event) = events.try_recv() {
        match event {
            DomainEvent::SessionOpened { .. } => kinds.push("opened"),
            DomainEvent::MessageStored { message } if message.direction == Direction::In => {
                kinds.push("in")
            }
            DomainEvent::MessageStored { message } if message.status == DeliveryStatus::Pending => {
                kinds.push("pending")
            }
            DomainEvent::MessageStatusChanged {
                status: DeliveryStatus::Sent,
                ..
            } => kinds.push("sent"),
            _ => {}
        }
    }
    assert_eq!(kinds, vec!["opened", "in", "pending", "sent"]);

    // Every platform call is in the audit log, with the agent's address masked.
    let audit = Store::open_read_only(&h.db)
        .unwrap()
        .audit_entries(100)
        .unwrap();
    for endpoint in ["login", "synChronous", "send"] {
        assert!(
            audit
                .iter()
                .any(|e| e.endpoint == endpoint && e.outcome == "ok"),
            "{endpoint} audited: {audit:?}"
        );
    }
    assert!(
        audit.iter().all(|e| !e.actor.contains("agent1@")),
        "actor masked"
    );
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn duplicated_and_reordered_pushes_are_stored_once_in_order() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    h.sandbox
        .set_faults(Faults {
            duplicate_push_rate: 1.0,
            reorder_push_rate: 0.5,
            ..Faults::default()
        })
        .unwrap();
    let cid = h.visitor("Emma", "m0").await;
    for n in 1..60 {
        h.say(&cid, &format!("m{n}")).await;
    }
    let expected: Vec<String> = (0..60).map(|n| format!("m{n}")).collect();
    eventually("all 60 messages stored", || async {
        inbound_texts(&h.db, &cid).len() == 60
    })
    .await;
    // Reordered pushes in one second cannot be placed by their time: the catch-up from the
    // session's records puts them in the platform's order.
    eventually("in the platform's order", || async {
        inbound_texts(&h.db, &cid) == expected
    })
    .await;
    let stats = h.control_get("/stats").await;
    assert!(
        stats["pushes_duplicated"].as_u64().unwrap() >= 59,
        "the platform really sent duplicates: {stats}"
    );
    assert!(engine.stats().catch_ups >= 1, "{:?}", engine.stats());
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn after_dropped_sockets_the_engine_reconnects_and_resyncs() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h.visitor("Liam", "first").await;
    eventually("first stored", || async {
        inbound_texts(&h.db, &cid).len() == 1
    })
    .await;
    // Every push now kills the socket: most messages are written while the agent is disconnected.
    h.sandbox
        .set_faults(Faults {
            drop_socket_rate: 1.0,
            ..Faults::default()
        })
        .unwrap();
    for n in 0..20 {
        h.say(&cid, &format!("while away {n}")).await;
    }
    h.sandbox.set_faults(Faults::default()).unwrap();
    eventually("all messages recovered by resync", || async {
        inbound_texts(&h.db, &cid).len() == 21
    })
    .await;
    eventually(
        "reconnected (2.3 s after the loss, as the SDK does)",
        || async { engine.stats().connects >= 2 },
    )
    .await;
    let stats = engine.stats();
    assert!(stats.catch_ups >= 1, "caught up: {stats:?}");
    assert_eq!(inbound_texts(&h.db, &cid)[20], "while away 19");
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_outbox_survives_a_restart_and_delivers_once() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h.visitor("Noah", "hello?").await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;

    // The platform fails every call: the send stays pending in the outbox.
    h.sandbox
        .set_faults(Faults {
            error_rate: 1.0,
            error_status: Some(503),
            ..Faults::default()
        })
        .unwrap();
    let client_id = engine.send_text(&cid, "Sorry for the wait!").await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(engine.outbox_depth().await.unwrap(), 1);
    engine.shutdown().await;
    drop(engine);

    // A new engine on the same database, the platform healthy again.
    h.sandbox.set_faults(Faults::default()).unwrap();
    let engine = h.engine().await;
    eventually("the pending reply is delivered", || async {
        h.agent_messages(&cid).await.len() == 1
    })
    .await;
    eventually("and marked sent", || async {
        Store::open_read_only(&h.db)
            .unwrap()
            .message_by_client_id(&client_id)
            .unwrap()
            .unwrap()
            .status
            == DeliveryStatus::Sent
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.agent_messages(&cid).await.len(), 1, "exactly once");
    assert_eq!(engine.outbox_depth().await.unwrap(), 0);
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn sends_survive_token_expiry_and_lost_responses() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h.visitor("Ava", "question").await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;
    h.sandbox
        .set_faults(Faults {
            expire_tokens: true,
            error_rate: 0.4,
            ..Faults::default()
        })
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            engine
                .send_text(&cid, &format!("answer {n}"))
                .await
                .unwrap(),
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.sandbox.set_faults(Faults::default()).unwrap();
    eventually("all ten delivered", || async {
        h.agent_messages(&cid).await.len() >= 10
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received: Vec<String> = h
        .agent_messages(&cid)
        .await
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        received,
        (0..10).map(|n| format!("answer {n}")).collect::<Vec<_>>(),
        "once each, in order"
    );
    eventually("all marked sent", || async {
        engine.outbox_depth().await.unwrap() == 0
    })
    .await;
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn hostile_frames_are_skipped_and_the_engine_keeps_working() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h
        .visitor(
            "Mia",
            "<img src=x onerror=alert(1)><script>alert(2)</script>",
        )
        .await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;
    assert_eq!(
        inbound_texts(&h.db, &cid)[0],
        "<img src=x onerror=alert(1)><script>alert(2)</script>",
        "stored verbatim, as data"
    );

    let email = h.sandbox.info().agents[0].email.clone();
    let frame = |kind: u8, payload: &[u8]| {
        let mut bytes = ((payload.len() + 2) as u32).to_be_bytes().to_vec();
        bytes.extend([1, kind]);
        bytes.extend(payload);
        bytes
    };
    let hostile = [
        json!({"agent_email": email, "text": "{not json"}),
        json!({"agent_email": email, "text": "[1,2]"}),
        json!({"agent_email": email, "text": "{\"type\":999,\"cid\":\"zz\",\"msgId\":\"h1\"}"}),
        json!({"agent_email": email, "bytes": frame(3, &[0xff, 0xfe, 0x00, 0xc3])}),
        json!({"agent_email": email, "bytes": frame(7, b"an unknown frame type")}),
        // Last: a frame over the size limit loses the stream's frame boundaries, so the connection
        // is dropped and opened again.
        json!({"agent_email": email, "text": "x".repeat(3 * 1024 * 1024)}),
    ];
    for frame in hostile {
        h.control_post("/push-raw", frame).await;
    }
    // A legitimate 1 MB customer message still arrives whole.
    let big = "长".repeat(350_000);
    h.say(&cid, &big).await;
    h.say(&cid, "after the noise").await;
    eventually("valid messages still stored", || async {
        inbound_texts(&h.db, &cid).len() == 3
    })
    .await;
    let texts = inbound_texts(&h.db, &cid);
    assert_eq!(texts[1].chars().count(), 350_000);
    assert_eq!(texts[2], "after the noise");
    // Not JSON, not UTF-8, and the oversized frame.
    assert!(engine.stats().malformed_frames >= 3, "{:?}", engine.stats());
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn bad_input_from_the_agent_is_refused_with_a_reason() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    assert!(matches!(
        engine.send_text("no-such-session", "hi").await,
        Err(EngineError::UnknownSession(_))
    ));
    let cid = h.visitor("Leo", "bye").await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;
    assert!(matches!(
        engine.send_text(&cid, "   ").await,
        Err(EngineError::InvalidInput(_))
    ));
    h.control_post(&format!("/visitors/{cid}/leave"), json!({}))
        .await;
    eventually("session ended", || async {
        engine
            .sessions()
            .await
            .unwrap()
            .iter()
            .any(|s| s.id == cid && s.state == SessionState::Ended)
    })
    .await;
    match engine.send_text(&cid, "still there?").await {
        Err(EngineError::InvalidInput(reason)) => assert!(reason.contains("ended")),
        other => panic!("expected a refusal, got {other:?}"),
    }
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_agent_ends_a_session_and_a_rating_is_recorded() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h.visitor("Grace", "thanks").await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;
    h.control_post(&format!("/visitors/{cid}/rate"), json!({"score": 4}))
        .await;
    eventually("rating stored", || async {
        engine
            .sessions()
            .await
            .unwrap()
            .iter()
            .any(|s| s.id == cid && s.rating == Some(4))
    })
    .await;
    engine.end_session(&cid).await.unwrap();
    assert!(engine
        .sessions()
        .await
        .unwrap()
        .iter()
        .any(|s| s.id == cid && s.state == SessionState::Ended));
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_image_goes_through_the_outbox_once_and_bad_images_are_refused() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h.visitor("Chloe", "look at this").await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;
    let png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3];
    // Lost answers leave the outcome unknown: the session's records settle it, so it is one message.
    h.sandbox
        .set_faults(Faults {
            error_rate: 0.5,
            ..Faults::default()
        })
        .unwrap();
    let id = engine
        .send_image(&cid, "shot.png", "image/png", png.clone(), "img-1")
        .await
        .unwrap();
    eventually("the image reaches the platform", || async {
        !h.agent_messages(&cid).await.is_empty()
    })
    .await;
    h.sandbox.set_faults(Faults::default()).unwrap();
    eventually("and is marked sent", || async {
        Store::open_read_only(&h.db)
            .unwrap()
            .message_by_client_id(&id)
            .unwrap()
            .unwrap()
            .status
            == DeliveryStatus::Sent
    })
    .await;
    let received = h.agent_messages(&cid).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["msgType"], 1);
    let url = format!(
        "{}{}",
        h.sandbox.base_url(),
        received[0]["content"].as_str().unwrap()
    );
    let served = reqwest::get(url).await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);

    assert!(matches!(
        engine
            .send_image(&cid, "x.svg", "image/svg+xml", vec![1], "img-2")
            .await,
        Err(EngineError::InvalidInput(_))
    ));
    assert!(matches!(
        engine
            .send_image(
                &cid,
                "big.png",
                "image/png",
                vec![0; 6 * 1024 * 1024],
                "img-3"
            )
            .await,
        Err(EngineError::InvalidInput(_))
    ));
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_sensitive_word_is_not_delivered_and_says_why() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h.visitor("Zoe", "can I pay another way?").await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;
    let mut events = engine.subscribe();
    let id = engine
        .send_text(&cid, "加我微信转账给你也行")
        .await
        .unwrap();
    eventually("marked not delivered", || async {
        engine.messages(&cid, 10).await.unwrap().iter().any(|m| {
            m.client_msg_id.as_deref() == Some(id.as_str()) && m.status == DeliveryStatus::Failed
        })
    })
    .await;
    let item = Store::open_read_only(&h.db)
        .unwrap()
        .outbox_item(&id)
        .unwrap()
        .unwrap();
    assert!(
        item.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("sensitive word"),
        "{item:?}"
    );
    // The window is told why, as a kind it can say in the agent's language.
    let mut failure = None;
    while let Ok(event) = events.try_recv() {
        if let DomainEvent::MessageStatusChanged {
            status: DeliveryStatus::Failed,
            failure: reason,
            ..
        } = event
        {
            failure = reason;
        }
    }
    assert_eq!(
        failure,
        Some(agentdesk_domain::DeliveryFailure::SensitiveWord)
    );
    // The platform stored it hidden from the customer, once; nothing was sent again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = h.agent_messages(&cid).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["userNoSee"], true);
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_found_in_the_history_not_sent_twice() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h.visitor("Ivy", "is it shipped?").await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;
    // Every send is stored by the platform, and every answer to it is lost.
    h.sandbox
        .set_faults(Faults {
            error_rate: 1.0,
            error_status: Some(502),
            errors_after_handler: Some(true),
            only_paths: vec!["/send".into()],
            ..Faults::default()
        })
        .unwrap();
    let id = engine.send_text(&cid, "Yes, yesterday.").await.unwrap();
    let mut events = engine.subscribe();
    eventually("settled as sent from the session's records", || async {
        engine.messages(&cid, 10).await.unwrap().iter().any(|m| {
            m.client_msg_id.as_deref() == Some(id.as_str()) && m.status == DeliveryStatus::Sent
        })
    })
    .await;
    let received = h.agent_messages(&cid).await;
    assert_eq!(received.len(), 1, "sent once: {received:?}");
    let stored = engine.messages(&cid, 10).await.unwrap();
    let reply = stored
        .iter()
        .find(|m| m.client_msg_id.as_deref() == Some(id.as_str()))
        .unwrap();
    assert_eq!(reply.msg_id.as_deref(), received[0]["msgId"].as_str());
    assert_eq!(
        stored
            .iter()
            .filter(|m| m.direction == Direction::Out)
            .count(),
        1,
        "shown once in the window"
    );
    let stats = engine.stats();
    assert_eq!(
        (
            stats.sends_unknown,
            stats.sends_found_in_history,
            stats.sends_resent_after_check
        ),
        (1, 1, 0),
        "{stats:?}"
    );
    // The window was told it was unknown, then sent.
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let DomainEvent::MessageStatusChanged { status, .. } = event {
            seen.push(status);
        }
    }
    assert_eq!(seen, vec![DeliveryStatus::Unknown, DeliveryStatus::Sent]);
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_reply_that_never_arrived_is_sent_again_after_the_history_shows_it_missing() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let cid = h.visitor("Ken", "hello").await;
    eventually("stored", || async { inbound_texts(&h.db, &cid).len() == 1 }).await;
    // The first send gets a 504 before the platform looks at it: the outcome is unknown to the
    // client, and the history shows it was not stored.
    h.sandbox
        .set_faults(Faults {
            error_rate: 1.0,
            error_status: Some(504),
            errors_after_handler: Some(false),
            only_paths: vec!["/send".into()],
            ..Faults::default()
        })
        .unwrap();
    let id = engine.send_text(&cid, "Hello Ken!").await.unwrap();
    eventually("the outcome is unknown", || async {
        engine.stats().sends_unknown >= 1
    })
    .await;
    h.sandbox.set_faults(Faults::default()).unwrap();
    eventually("sent after the check", || async {
        engine.messages(&cid, 10).await.unwrap().iter().any(|m| {
            m.client_msg_id.as_deref() == Some(id.as_str()) && m.status == DeliveryStatus::Sent
        })
    })
    .await;
    let received = h.agent_messages(&cid).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(
        engine.stats().sends_resent_after_check >= 1,
        "{:?}",
        engine.stats()
    );
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_slow_session_does_not_hold_back_another_sessions_reply() {
    let h = Harness::new().await;
    let engine = h.engine().await;
    let slow = h.visitor("慢会话", "在吗").await;
    let quick = h.visitor("快会话", "请问运费多少").await;
    eventually("both sessions are stored", || async {
        inbound_texts(&h.db, &slow).len() == 1 && inbound_texts(&h.db, &quick).len() == 1
    })
    .await;
    // The platform takes 3 s to answer any send in the slow session.
    h.control_post("/faults", json!({"slow_sessions": {slow.clone(): 3000}}))
        .await;

    engine.send_text(&slow, "马上为您查看").await.unwrap();
    eventually("the slow session's send is in flight", || async {
        Store::open_read_only(&h.db)
            .unwrap()
            .unresolved_outbox()
            .unwrap()
            .iter()
            .any(|item| item.session_id == slow && item.attempt_started_at_ms.is_some())
    })
    .await;
    engine.send_text(&quick, "运费 8 元").await.unwrap();

    eventually("both replies reach the platform", || async {
        h.agent_messages(&slow).await.len() == 1 && h.agent_messages(&quick).await.len() == 1
    })
    .await;
    // Ordered by the platform's own clock: the reply queued second, in a quick session, was stored
    // first, so it never waited for the slow one.
    let slow_at = h.agent_messages(&slow).await[0]["t"].as_i64().unwrap();
    let quick_at = h.agent_messages(&quick).await[0]["t"].as_i64().unwrap();
    assert!(
        quick_at < slow_at,
        "the quick session's reply (t={quick_at}) waited for the slow one (t={slow_at})"
    );
    engine.shutdown().await;
    h.sandbox.shutdown().await;
}
