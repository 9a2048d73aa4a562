//! A supervisor's screens against the sandbox's union platform: merchants, the agents of the merchant
//! on screen, their status log, and refusals that say what happened and what to do.

use agentdesk_api::{AgentInput, AgentRole, ErrorCode, MerchantInput};

use crate::common;

fn agent(email: &str) -> AgentInput {
    AgentInput {
        email: email.into(),
        name: "林晓 Lin Xiao".into(),
        nick: "晓晓".into(),
        role: AgentRole::OnlineAgent,
        phone: "13812345678".into(),
        max_accept: 20,
        password: Some("pw-12345678".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchants_agents_and_status_log_with_refusals_in_words() {
    let (_dir, workbench) = common::demo_workbench().await;

    let merchants = workbench.supervision().merchants().await.unwrap();
    assert_eq!(merchants.len(), 4);
    let lumen = merchants
        .iter()
        .find(|m| m.name.starts_with("Lumen"))
        .unwrap();
    assert_eq!(lumen.contact_tel, "131****0001", "phone numbers are masked");

    let kite = MerchantInput {
        customer_code: "blue-kite".into(),
        name: "Blue Kite 蓝风筝".into(),
        email: "owner@bluekite.test".into(),
        max_agents: 4,
        contact_name: "林 Lin".into(),
        contact_tel: "13900000000".into(),
        password: Some("pw-bluekite".into()),
        enabled: None,
    };
    workbench
        .supervision()
        .add_merchant(kite.clone())
        .await
        .unwrap();
    let again = workbench
        .supervision()
        .add_merchant(kite.clone())
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::Platform);
    assert!(
        again.message.contains("already exists") && again.message.contains("999999"),
        "{}",
        again.message
    );
    let too_big = workbench
        .supervision()
        .update_merchant(MerchantInput {
            max_agents: 1000,
            ..kite.clone()
        })
        .await
        .unwrap_err();
    assert!(
        too_big.message.contains("Not enough agent seats") && too_big.message.contains("200007"),
        "{}",
        too_big.message
    );
    workbench
        .supervision()
        .update_merchant(MerchantInput {
            enabled: Some(false),
            ..kite.clone()
        })
        .await
        .unwrap();
    let listed = workbench.supervision().merchants().await.unwrap();
    assert!(
        !listed
            .iter()
            .find(|m| m.customer_code == "blue-kite")
            .unwrap()
            .enabled
    );
    let short_password = workbench
        .supervision()
        .add_merchant(MerchantInput {
            customer_code: "x".into(),
            password: Some("short".into()),
            ..kite.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(short_password.code, ErrorCode::InvalidInput);

    // The agents of the merchant on screen (Lumen Mall): the demo agent's colleagues.
    let agents = workbench.supervision().merchant_agents().await.unwrap();
    assert!(agents.len() >= 5, "{agents:?}");
    assert!(agents
        .iter()
        .any(|a| a.role == Some(AgentRole::OnlineAdmin)));
    workbench
        .supervision()
        .add_agent(agent("new.agent@lumen.test"))
        .await
        .unwrap();
    let added = workbench.supervision().merchant_agents().await.unwrap();
    let new = added
        .iter()
        .find(|a| a.email == "new.agent@lumen.test")
        .unwrap();
    assert_eq!(
        (new.nick.as_str(), new.phone.as_str(), new.max_accept),
        ("晓晓", "138****5678", 20)
    );
    workbench
        .supervision()
        .update_agent(AgentInput {
            max_accept: 35,
            ..agent("new.agent@lumen.test")
        })
        .await
        .unwrap();
    let bad_phone = workbench
        .supervision()
        .add_agent(AgentInput {
            phone: "123".into(),
            ..agent("x@lumen.test")
        })
        .await
        .unwrap_err();
    assert_eq!(bad_phone.code, ErrorCode::InvalidInput);
    workbench
        .supervision()
        .delete_agent("new.agent@lumen.test")
        .await
        .unwrap();
    let gone = workbench
        .supervision()
        .delete_agent("new.agent@lumen.test")
        .await
        .unwrap_err();
    assert!(gone.message.contains("999999"), "{}", gone.message);

    // The demo agent signed in: its status log says so.
    let log = workbench.supervision().status_log().await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "在线" && e.source == "pc"),
        "{log:?}"
    );
    workbench.shutdown().await;
}
