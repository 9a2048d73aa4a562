//! A supervisor switches tenants: the whole workspace changes (database, sign-in, engine, events),
//! nothing of the previous tenant stays listed, and its unsent replies wait in its own database until
//! it is active again.

use std::time::Duration;

use agentdesk_api::ErrorCode;
use agentdesk_domain::{DeliveryStatus, Direction};
use serde_json::{json, Value};

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_tenants_swaps_the_whole_workspace_and_keeps_unsent_replies_bound() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let home = workbench.snapshot().await.unwrap();
    assert_eq!(home.tenant_name, "Lumen Mall 流明商城");

    // A customer of the demo tenant, and a reply to them that cannot go out (sends fail).
    let visitor = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "王芳", "text": "我的快递到哪了？"}),
    )
    .await;
    let home_cid = visitor["cid"].as_str().unwrap().to_string();
    agentdesk_testkit::wait_for_async("the home session", || async {
        workbench
            .snapshot()
            .await
            .unwrap()
            .sessions
            .iter()
            .any(|s| s.session.id == home_cid)
            .then_some(())
    })
    .await;
    agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/faults"),
        json!({"error_rate": 1.0, "only_paths": ["/send"]}),
    )
    .await;
    let client_id = workbench
        .conversations()
        .send_text(&home_cid, "马上为您查询", Some("reply-kept-1"))
        .await
        .unwrap();
    let home_db = workbench.database_path();

    let tenants = workbench.tenants().await.unwrap();
    assert_eq!(tenants.len(), 4);
    assert!(tenants[0].active && tenants[0].name == "Lumen Mall 流明商城");
    let harbor = tenants
        .iter()
        .find(|t| t.name.starts_with("Harbor"))
        .unwrap();
    let old_shop = tenants.iter().find(|t| t.name.starts_with("Old")).unwrap();

    let mut events = workbench.subscribe();
    let switched = workbench.switch_tenant(&harbor.id).await.unwrap();
    // What the home workspace emitted before the switch stopped it is already queued (its reply's
    // send keeps reporting while the platform fails it): the switch is where it ends. The new
    // workspace may have spoken already too (its customers arriving): that is kept in mind, as the
    // wait below would otherwise wait for a word it has already said.
    let mut first_heard_after_switch = None;
    while let Some(event) = events.try_recv() {
        if let agentdesk_api::DeskEvent::Domain { workspace, .. } = event {
            if workspace == switched.workspace {
                first_heard_after_switch.get_or_insert(workspace);
            }
        }
    }
    assert_eq!(switched.tenant_name, "Harbor Tea 港湾茶舍");
    assert!(switched.workspace > home.workspace);
    assert_ne!(
        workbench.database_path(),
        home_db,
        "each tenant has its own database"
    );
    // Harbor Tea's own waiting customers arrive; nothing of Lumen Mall is listed.
    let harbor_sessions = agentdesk_testkit::wait_for_async("Harbor Tea's customers", || async {
        let sessions = workbench.snapshot().await.unwrap().sessions;
        (sessions.len() == 3).then_some(sessions)
    })
    .await;
    assert!(harbor_sessions.iter().all(|s| s.session.id != home_cid));
    let event = match first_heard_after_switch {
        Some(workspace) => workspace,
        None => tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Some(agentdesk_api::DeskEvent::Domain { workspace, .. }) =
                    events.recv().await
                {
                    return workspace;
                }
            }
        })
        .await
        .unwrap(),
    };
    assert_eq!(
        event, switched.workspace,
        "only the new workspace's events flow"
    );

    // The home reply did not go out while its tenant was away, even once sends work again.
    agentdesk_testkit::post_json(&format!("{sandbox}/__sandbox/faults"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let sent: Value = reqwest::get(format!("{sandbox}/__sandbox/agent-messages?cid={home_cid}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["items"].as_array().unwrap().len(), 0, "{sent}");

    // A disabled tenant and an unknown one are refused; the workspace stays on Harbor Tea.
    let error = workbench.switch_tenant(&old_shop.id).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(error.message.contains("disabled"), "{}", error.message);
    assert_eq!(
        workbench
            .switch_tenant("no-such-tenant")
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    assert_eq!(workbench.snapshot().await.unwrap().tenant_id, harbor.id);

    // Back home: the reply goes out exactly once.
    let back = workbench.switch_tenant(&home.tenant_id).await.unwrap();
    assert_eq!(back.tenant_name, "Lumen Mall 流明商城");
    assert!(back.sessions.iter().any(|s| s.session.id == home_cid));
    agentdesk_testkit::wait_for_async("the kept reply to be sent", || async {
        let messages = workbench
            .conversations()
            .messages(&home_cid, 50)
            .await
            .unwrap();
        messages
            .iter()
            .any(|m| {
                m.direction == Direction::Out
                    && m.client_msg_id.as_deref() == Some(client_id.as_str())
                    && m.status == DeliveryStatus::Sent
            })
            .then_some(())
    })
    .await;
    let sent: Value = reqwest::get(format!("{sandbox}/__sandbox/agent-messages?cid={home_cid}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = sent["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{sent}");
    assert_eq!(items[0]["content"], "马上为您查询");
    workbench.shutdown().await;
}

/// Everything a merchant had under way when the supervisor switches away ends with the switch: from
/// the moment `switch_tenant` answers, a subscriber hears nothing of the previous merchant (its
/// customers' messages and moods, the understanding of its knowledge base, its assistant's draft,
/// its notices), and its assistant call has stopped and is on record in its own database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_switch_nothing_of_the_previous_merchant_reaches_a_subscriber() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let controls = agentdesk_testkit::Controls::new(&sandbox);
    let cid = controls
        .visitor("王芳", "我要投诉！到现在还没发货", None)
        .await;
    common::wait_for_session(&workbench, &cid).await;
    let home_sessions: Vec<String> = workbench
        .snapshot()
        .await
        .unwrap()
        .sessions
        .into_iter()
        .map(|s| s.session.id)
        .collect();
    // A draft streaming slowly, and the knowledge base being understood, at the moment of the switch.
    controls
        .post("/faults", json!({"llm": {"token_delay_ms": 300}}))
        .await;
    let call_id = workbench
        .assistant()
        .start(&cid, agentdesk_api::AssistInput::Draft, "zh-CN")
        .await
        .unwrap();
    workbench
        .knowledge()
        .knowledge_suggestions(&cid, None)
        .await
        .unwrap();
    let home_database = workbench.database();
    let mut events = workbench.subscribe();
    // The customer keeps writing through the switch.
    let writer = {
        let controls = controls.clone();
        let cid = cid.clone();
        tokio::spawn(async move {
            for k in 0..15 {
                controls
                    .post(
                        &format!("/visitors/{cid}/messages"),
                        json!({"text": format!("第{k}次问了，再不发货我就投诉到12315")}),
                    )
                    .await;
                tokio::time::sleep(Duration::from_millis(60)).await;
            }
        })
    };
    let harbor = workbench
        .tenants()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name.starts_with("Harbor"))
        .unwrap();
    let switched = workbench.switch_tenant(&harbor.id).await.unwrap();
    let new = switched.workspace;

    let quiet_after = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut heard = 0;
    while let Ok(Some(event)) = tokio::time::timeout_at(quiet_after, events.recv()).await {
        heard += 1;
        use agentdesk_api::{DeskEvent, Notice};
        if let DeskEvent::Assist { step, .. } = &event {
            assert_ne!(step.call_id, call_id, "{step:?}");
        }
        if let DeskEvent::Notice { notice, .. } = &event {
            let (Notice::NewSession { session_id, .. }
            | Notice::NewMessage { session_id, .. }
            | Notice::UpsetCustomer { session_id, .. }
            | Notice::PaymentReceived { session_id, .. }) = notice;
            assert!(!home_sessions.contains(session_id), "{notice:?}");
        }
        assert!(
            event.workspace().is_none_or(|workspace| workspace == new),
            "{event:?}"
        );
    }
    writer.await.unwrap();
    assert!(heard > 0, "Harbor Tea's own events flow");
    // The draft stopped with the switch and is on record in Lumen Mall's database.
    let calls = home_database
        .open_read_only()
        .unwrap()
        .assistant_calls_since(0)
        .unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].call_id, call_id);
    assert!(
        ["partial", "cancelled"].contains(&calls[0].outcome.as_str()),
        "{calls:?}"
    );
    workbench.shutdown().await;
}

/// A burst of customer messages larger than any buffer on the way (the engine's broadcast, the
/// bus): a subscriber that keeps reading either hears every message or is told to resync. Never
/// holes without a word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_that_outruns_the_event_stream_ends_in_a_resync() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let controls = agentdesk_testkit::Controls::new(&sandbox);
    let mut events = workbench.subscribe();
    let listener = tokio::spawn(async move {
        let mut heard = std::collections::HashSet::new();
        let mut resyncs = 0;
        // Until the stream is quiet for two seconds after the burst.
        while let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_secs(4), events.recv()).await
        {
            match event {
                agentdesk_api::DeskEvent::Domain {
                    event: agentdesk_domain::DomainEvent::MessageStored { message },
                    ..
                } if message.direction == Direction::In => {
                    heard.insert(message.content);
                }
                agentdesk_api::DeskEvent::Resync { .. } => resyncs += 1,
                _ => {}
            }
        }
        (heard, resyncs)
    });
    let sessions = 40;
    let burst = 12_000;
    controls
        .post(
            "/load",
            json!({"sessions": sessions, "messages_per_second": 6000.0, "seconds": 2.0}),
        )
        .await;
    let (heard, resyncs) = listener.await.unwrap();
    let mut stored = 0;
    for id in common::session_ids(&workbench).await {
        stored += workbench
            .conversations()
            .messages(&id, 50_000)
            .await
            .unwrap()
            .iter()
            .filter(|m| m.direction == Direction::In && m.content.starts_with("load "))
            .count();
    }
    assert!(stored >= burst * 9 / 10, "the burst was stored: {stored}");
    let heard_load = heard.iter().filter(|c| c.starts_with("load ")).count();
    assert!(
        heard_load == stored || resyncs > 0,
        "{heard_load} of {stored} messages heard and no resync"
    );
    workbench.shutdown().await;
}
