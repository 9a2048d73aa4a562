//! A supervisor switches tenants: the whole workspace changes (database, sign-in, engine, events),
//! nothing of the previous tenant stays listed, and its unsent replies wait in its own database until
//! it is active again.

use std::time::Duration;

use agentdesk_api::ErrorCode;
use agentdesk_domain::{DeliveryStatus, Direction};
use serde_json::{json, Value};

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_tenants_swaps_the_whole_workspace_and_keeps_unsent_replies_bound() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let home = workbench.snapshot().unwrap();
    assert_eq!(home.tenant_name, "Lumen Mall 流明商城");

    // A customer of the demo tenant, and a reply to them that cannot go out (sends fail).
    let visitor = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "王芳", "text": "我的快递到哪了？"}),
    )
    .await;
    let home_cid = visitor["cid"].as_str().unwrap().to_string();
    agentdesk_testkit::wait_for("the home session", || {
        workbench
            .snapshot()
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
    // send keeps reporting while the platform fails it): the switch is where it ends.
    while events.try_recv().is_some() {}
    assert_eq!(switched.tenant_name, "Harbor Tea 港湾茶舍");
    assert!(switched.workspace > home.workspace);
    assert_ne!(
        workbench.database_path(),
        home_db,
        "each tenant has its own database"
    );
    // Harbor Tea's own waiting customers arrive; nothing of Lumen Mall is listed.
    let harbor_sessions = agentdesk_testkit::wait_for("Harbor Tea's customers", || {
        let sessions = workbench.snapshot().unwrap().sessions;
        (sessions.len() == 3).then_some(sessions)
    })
    .await;
    assert!(harbor_sessions.iter().all(|s| s.session.id != home_cid));
    let event = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(agentdesk_api::DeskEvent::Domain(event)) = events.recv().await {
                return event;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(
        event.workspace, switched.workspace,
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
    assert_eq!(workbench.snapshot().unwrap().tenant_id, harbor.id);

    // Back home: the reply goes out exactly once.
    let back = workbench.switch_tenant(&home.tenant_id).await.unwrap();
    assert_eq!(back.tenant_name, "Lumen Mall 流明商城");
    assert!(back.sessions.iter().any(|s| s.session.id == home_cid));
    agentdesk_testkit::wait_for("the kept reply to be sent", || {
        let messages = workbench.conversations().messages(&home_cid, 50).unwrap();
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
