//! AgentDesk's carrier connectors against the sandbox's Kuaidi100 and SF Express endpoints over
//! HTTP: signatures checked, documented refusals, timelines newest first.

use std::time::Duration;

use agentdesk_connectors::logistics::kuaidi100::{Kuaidi100Client, Query};
use agentdesk_connectors::logistics::sf::SfClient;
use agentdesk_connectors::logistics::{LogisticsError, ShipmentState};
use agentdesk_domain::Secret;
use agentdesk_sandbox::Sandbox;

async fn sandbox() -> Sandbox {
    agentdesk_testkit::sandbox(None).await
}

fn query(com: &str, num: &str, phone: Option<&str>) -> Query {
    Query {
        com: com.into(),
        num: num.into(),
        phone: phone.map(Into::into),
    }
}

#[tokio::test]
async fn kuaidi100_signed_queries_answer_timelines_and_documented_refusals() {
    let sandbox = sandbox().await;
    let carriers = sandbox.info().carriers.clone();
    let timeout = Duration::from_secs(5);
    let client = Kuaidi100Client::new(
        sandbox.base_url(),
        &carriers.kuaidi100_customer,
        Secret::new(carriers.kuaidi100_key.clone()),
        agentdesk_testkit::http(timeout),
    );
    let delivered = client
        .query(&query("shunfeng", "SF1400000000001", Some("5678")))
        .await
        .unwrap();
    assert_eq!(delivered.state, ShipmentState::Delivered);
    assert_eq!(delivered.events.len(), 5);
    assert!(
        delivered.events[0].at > delivered.events[4].at,
        "newest first"
    );
    assert_eq!(delivered.events[0].state, Some(ShipmentState::Delivered));

    let moving = client
        .query(&query("yuantong", "YT9800000000004", None))
        .await
        .unwrap();
    assert_eq!(moving.state, ShipmentState::InTransit);

    // Documented refusals: no result (500), wrong phone (408); a missing phone is caught before
    // any call for carriers that need one.
    let none = client
        .query(&query("yuantong", "YT0000", None))
        .await
        .unwrap_err();
    assert!(matches!(none, LogisticsError::NoResult { .. }), "{none:?}");
    let wrong_phone = client
        .query(&query("zhongtong", "ZT7300000000003", Some("0000")))
        .await
        .unwrap_err();
    assert!(
        matches!(wrong_phone, LogisticsError::PhoneRequired { .. }),
        "{wrong_phone:?}"
    );
    let no_phone = client
        .query(&query("shunfeng", "SF1400000000001", None))
        .await
        .unwrap_err();
    assert!(matches!(no_phone, LogisticsError::PhoneRequired { .. }));

    // A wrong key: the signature does not verify.
    let wrong_key = Kuaidi100Client::new(
        sandbox.base_url(),
        &carriers.kuaidi100_customer,
        Secret::new("wrong"),
        agentdesk_testkit::http(timeout),
    )
    .query(&query("yuantong", "YT9800000000004", None))
    .await
    .unwrap_err();
    assert!(
        matches!(wrong_key, LogisticsError::Signature { .. }),
        "{wrong_key:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sf_route_queries_check_the_digest_and_the_phone() {
    let sandbox = sandbox().await;
    let carriers = sandbox.info().carriers.clone();
    let timeout = Duration::from_secs(5);
    let client = SfClient::new(
        sandbox.base_url(),
        &carriers.sf_partner_id,
        Secret::new(carriers.sf_check_word.clone()),
        agentdesk_testkit::http(timeout),
    );
    let shipment = client
        .routes("SF1400000000002", Some("1111"), "req-1")
        .await
        .unwrap();
    assert_eq!(shipment.state, ShipmentState::OutForDelivery);
    assert_eq!(shipment.events.len(), 4);
    assert!(
        shipment.summary().contains("派送"),
        "{}",
        shipment.summary()
    );
    // Without the right phone digits SF tells nothing.
    let hidden = client
        .routes("SF1400000000002", Some("9999"), "req-2")
        .await
        .unwrap_err();
    assert!(matches!(hidden, LogisticsError::NoResult { .. }));
    let forged = SfClient::new(
        sandbox.base_url(),
        &carriers.sf_partner_id,
        Secret::new("not-the-check-word"),
        agentdesk_testkit::http(timeout),
    )
    .routes("SF1400000000002", Some("1111"), "req-3")
    .await
    .unwrap_err();
    assert!(
        matches!(forged, LogisticsError::Signature { .. }),
        "{forged:?}"
    );

    // A parcel added through the controls is served at once.
    let added = reqwest::Client::new()
        .post(format!("{}/__sandbox/parcels", sandbox.base_url()))
        .json(&serde_json::json!({"com": "shunfeng", "waybill": "SF1999", "phone": "13511112222", "progress": 1, "dispatched_ms": 1_795_000_000_000i64}))
        .send()
        .await
        .unwrap();
    assert!(added.status().is_success());
    let fresh = client
        .routes("SF1999", Some("2222"), "req-4")
        .await
        .unwrap();
    assert_eq!(fresh.state, ShipmentState::PickedUp);
    sandbox.shutdown().await;
}
