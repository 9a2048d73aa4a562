//! The platform's own records of a customer, through the agent's client: the customer center
//! (`get_user_by_partnerid`, `get_user_by_tel`) and past sessions on every channel (`query_cids`,
//! `get_detail_by_cid`), over HTTP with the shared company token.

use agentdesk_domain::Secret;
use agentdesk_sobot::{AgentClient, AgentCredentials, ClientError};
use serde_json::{json, Value};

async fn post(base: &str, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/__sandbox{path}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_customer_center_and_past_sessions_across_channels() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let base = info.base_url.clone();
    // The same customer on the web, then WeChat, then the app.
    let mut cids = Vec::new();
    for (channel, text) in [(0, "网页上问一下"), (1, "微信上再问"), (2, "App 里第三次")]
    {
        let visitor = post(
            &base,
            "/visitors",
            json!({"name": "韩梅梅", "text": text, "partnerid": "returning-7", "phone": "13912345678", "channel": channel}),
        )
        .await;
        let cid = visitor["cid"].as_str().unwrap().to_string();
        if channel < 2 {
            post(&base, &format!("/visitors/{cid}/leave"), json!({})).await;
        }
        cids.push(cid);
    }

    let client = AgentClient::new(
        AgentCredentials {
            base_url: base.clone(),
            appid: info.appid.clone(),
            app_key: Secret::new(info.app_key.clone()),
            email: info.agents[0].email.clone(),
            password: None,
        },
        agentdesk_testkit::clock_and_ledger().0,
        agentdesk_testkit::clock_and_ledger().1,
    )
    .unwrap();
    let record = client
        .customer_by_partnerid("returning-7")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.tel, "13912345678");
    assert_eq!(record.uname, "韩梅梅");
    assert!(record.user_label.contains("回头客"), "{record:?}");
    assert_eq!(
        client.customer_by_tel("13912345678").await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(client.customer_by_partnerid("nobody").await.unwrap(), None);
    // One number only, as the platform requires.
    let refused = client
        .customer_by_tel("13912345678,13800000000")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClientError::Platform { .. }),
        "{refused:?}"
    );

    // Newest first (the platform does not say their channels); the messages of one of them.
    let past = client.past_sessions("returning-7").await.unwrap();
    assert_eq!(
        past.iter().map(|s| s.cid.clone()).collect::<Vec<_>>(),
        cids.iter().rev().cloned().collect::<Vec<_>>()
    );
    assert_eq!(
        past.iter().map(|s| s.source).collect::<Vec<_>>(),
        vec![None, None, None]
    );
    let messages = client.session_messages(&cids[1]).await.unwrap();
    assert_eq!(messages[0].msg, "微信上再问");
    assert_eq!(messages[0].sender_type, 0);
    sandbox.shutdown().await;
}
