//! AgentDesk's Qiyu CRM connector against the sandbox's Qiyu-protocol CRM over HTTP: a visitor's
//! profile and orders, and the waybill of the order tracked at the carrier.

use std::time::Duration;

use agentdesk_connectors::crm::qiyu::QiyuCrmClient;
use agentdesk_connectors::crm::CrmError;
use agentdesk_connectors::logistics::kuaidi100::{Kuaidi100Client, Query};
use agentdesk_domain::Secret;
use serde_json::{json, Value};

#[tokio::test]
async fn a_visitors_profile_orders_and_parcel_come_from_the_crm_and_the_carrier() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let visitor: Value = reqwest::Client::new()
        .post(format!("{}/__sandbox/visitors", info.base_url))
        .json(&json!({"name": "王芳", "text": "我的快递到哪了？", "partnerid": "buyer-42", "phone": "13812345678"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(visitor["cid"].is_string(), "{visitor}");

    let timeout = Duration::from_secs(5);
    let crm = QiyuCrmClient::new(
        &info.qiyu_crm.base_url,
        &info.qiyu_crm.appid,
        Secret::new(info.qiyu_crm.appsecret.clone()),
        agentdesk_testkit::http(timeout),
    );
    let profile = crm.user_info("buyer-42").await.unwrap();
    assert_eq!(profile.name.as_deref(), Some("王芳"));
    assert_eq!(profile.phone.as_deref(), Some("13812345678"));
    assert!(profile.tier.is_some() && profile.lifetime_value.is_some());
    let (orders, total) = crm.orders("buyer-42", 10, 0).await.unwrap();
    assert!((1..=3).contains(&orders.len()), "{orders:?}");
    assert_eq!(orders.len() as u64, total);
    // The newest order is shipped, has its lines and a waybill.
    let tracking = orders[0].tracking[0].clone();
    assert!(orders[0].id.starts_with("LM"));
    assert!(!orders[0].lines.is_empty() && orders[0].lines.iter().all(|l| !l.name.is_empty()));

    // The order's waybill is known to the carrier.
    let carriers = info.carriers.clone();
    let parcel = Kuaidi100Client::new(
        &info.base_url,
        &carriers.kuaidi100_customer,
        Secret::new(carriers.kuaidi100_key),
        agentdesk_testkit::http(timeout),
    )
    .query(&Query {
        com: tracking.carrier.clone(),
        num: tracking.waybill.clone(),
        phone: None,
    })
    .await;
    match parcel {
        Ok(shipment) => assert!(!shipment.events.is_empty()),
        // shunfeng and zhongtong need the recipient's phone, which the seeded parcel has its own.
        Err(error) => assert!(
            matches!(
                error,
                agentdesk_connectors::logistics::LogisticsError::PhoneRequired { .. }
            ),
            "{error:?}"
        ),
    }

    // An unknown customer has nothing; a wrong secret is an authentication refusal (rlt 1).
    assert!(crm.user_info("nobody").await.unwrap().name.is_none());
    let refused = QiyuCrmClient::new(
        &info.qiyu_crm.base_url,
        &info.qiyu_crm.appid,
        Secret::new("wrong"),
        agentdesk_testkit::http(timeout),
    )
    .user_info("buyer-42")
    .await
    .unwrap_err();
    assert!(matches!(refused, CrmError::Auth { .. }), "{refused:?}");
    sandbox.shutdown().await;
}
