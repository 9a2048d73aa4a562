//! The e-commerce platform API (tenant management) over real HTTP: the sandbox's endpoints through
//! AgentDesk's `UnionClient`, with the documented tokens, answers and error codes, and tenants whose
//! credentials really sign agents in.

use agentdesk_domain::Secret;
use agentdesk_sandbox::Sandbox;
use agentdesk_sobot::client::{
    AgentProfile, NewTenant, TenantQuery, TenantUpdate, UnionClient, UnionCredentials,
};
use agentdesk_sobot::protocol::sign::{tenant_api_token, union_sign};
use agentdesk_sobot::{AgentClient, AgentCredentials, ClientError};
use serde_json::{json, Value};

async fn sandbox() -> Sandbox {
    agentdesk_testkit::sandbox(None).await
}

fn union(sandbox: &Sandbox, key: &str) -> UnionClient {
    let info = sandbox.info();
    UnionClient::new(
        UnionCredentials {
            base_url: info.base_url.clone(),
            union_code: info.union_code.clone(),
            email: info.supervisor_email.clone(),
            union_key: Secret::new(key),
        },
        agentdesk_testkit::clock_and_ledger().0,
        agentdesk_testkit::clock_and_ledger().1,
    )
    .unwrap()
}

fn code_of(error: &ClientError) -> (String, String) {
    match error {
        ClientError::Platform {
            code_text, message, ..
        } => (code_text.clone(), message.clone()),
        other => panic!("expected a platform refusal, got {other:?}"),
    }
}

fn now_ms() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string()
}

#[tokio::test]
async fn tenants_are_listed_filtered_and_paged() {
    let sandbox = sandbox().await;
    let client = union(&sandbox, &sandbox.info().union_key);
    let all = client.all_tenants().await.unwrap();
    let names: Vec<&str> = all.iter().map(|t| t.company_name.as_str()).collect();
    assert_eq!(all.len(), 4, "{names:?}");
    assert!(names.contains(&"Lumen Mall 流明商城") && names.contains(&"Old Shop 旧店"));

    let disabled = client
        .tenants(&TenantQuery {
            open_status: 0,
            page_no: 1,
            page_size: 10,
            ..TenantQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(disabled.items.len(), 1);
    assert!(!disabled.items[0].tenant_status);

    let by_name = client
        .tenants(&TenantQuery {
            open_status: -1,
            search: Some((1, "Tea".into())),
            page_no: 1,
            page_size: 10,
            ..TenantQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(by_name.items.len(), 1);
    assert_eq!(by_name.items[0].company_name, "Harbor Tea 港湾茶舍");
    // External id is an exact match: a prefix finds nothing.
    let exact = |value: &str| TenantQuery {
        open_status: -1,
        search: Some((4, value.into())),
        page_no: 1,
        page_size: 10,
        ..TenantQuery::default()
    };
    assert_eq!(
        client
            .tenants(&exact("pixel-toys"))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        client.tenants(&exact("pixel")).await.unwrap().items.len(),
        0
    );

    let page = client
        .tenants(&TenantQuery {
            open_status: -1,
            page_no: 2,
            page_size: 3,
            ..TenantQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (
            page.page_no,
            page.page_count,
            page.total_count,
            page.items.len()
        ),
        (2, 2, 4, 1)
    );

    // A wrong union key: the token does not verify.
    let (code, _) = code_of(&union(&sandbox, "wrong").all_tenants().await.unwrap_err());
    assert_eq!(code, "900003");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn each_tenants_credentials_sign_its_own_agents_in_to_its_own_sessions() {
    let sandbox = sandbox().await;
    let info = sandbox.info().clone();
    let keys = union(&sandbox, &info.union_key)
        .batch_app_keys()
        .await
        .unwrap();
    assert_eq!(keys.len(), 4);
    assert!(
        !format!("{keys:?}").contains(keys[1].app_key.expose()),
        "keys never print"
    );
    let harbor = keys
        .iter()
        .find(|k| k.company_name.starts_with("Harbor"))
        .unwrap();
    let agent = AgentClient::new(
        AgentCredentials {
            base_url: info.base_url.clone(),
            appid: harbor.app_id.clone(),
            app_key: harbor.app_key.clone(),
            email: info.supervisor_email.clone(),
            password: None,
        },
        agentdesk_testkit::clock_and_ledger().0,
        agentdesk_testkit::clock_and_ledger().1,
    )
    .unwrap();
    let login = agent.login().await.unwrap();
    assert_eq!(login.company_id, harbor.company_id);
    // Harbor Tea's waiting customers are assigned to the supervisor, none of Lumen Mall's.
    let sessions = agent.synchronous().await.unwrap();
    assert_eq!(sessions.user_list.len(), 3, "{sessions:?}");

    // A disabled tenant's agents cannot sign in.
    let old = keys
        .iter()
        .find(|k| k.company_name.starts_with("Old"))
        .unwrap();
    let refused = AgentClient::new(
        AgentCredentials {
            base_url: info.base_url.clone(),
            appid: old.app_id.clone(),
            app_key: old.app_key.clone(),
            email: info.supervisor_email.clone(),
            password: None,
        },
        agentdesk_testkit::clock_and_ledger().0,
        agentdesk_testkit::clock_and_ledger().1,
    )
    .unwrap()
    .login()
    .await
    .unwrap_err();
    assert_eq!(code_of(&refused).0, "200009");

    // The supervisor's sign-in shows in the status log.
    let logs = union(&sandbox, &info.union_key)
        .staff_logs(None, None)
        .await
        .unwrap();
    let harbor_logs = logs
        .iter()
        .find(|c| c.company_id == harbor.company_id)
        .unwrap();
    assert!(harbor_logs
        .company_staff_infos
        .iter()
        .flat_map(|s| &s.staff_log_infos)
        .any(|l| l.operation_action == "在线" && l.source == 0));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tenants_and_agents_are_managed_with_the_documented_answers() {
    let sandbox = sandbox().await;
    let client = union(&sandbox, &sandbox.info().union_key);
    let new = NewTenant {
        company_name: "Blue Kite 蓝风筝".into(),
        email: "owner@bluekite.test".into(),
        max_count: 5,
        password: Secret::new("pw-bluekite"),
        contact_name: "林 Lin".into(),
        contact_tel: "13900000000".into(),
        customer_code: "blue-kite".into(),
    };
    let added = client.add_tenant(&new).await.unwrap();
    assert!(!added.app_key.is_empty() && !added.sys_num.is_empty());
    let (code, message) = code_of(&client.add_tenant(&new).await.unwrap_err());
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("999999", "customerCode 已存在!")
    );
    let greedy = NewTenant {
        customer_code: "greedy".into(),
        email: "g@x.test".into(),
        max_count: 1000,
        ..new.clone()
    };
    let (code, message) = code_of(&client.add_tenant(&greedy).await.unwrap_err());
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("200007", "在线客服数量不足")
    );

    // Update, disable, and an unknown tenant.
    let update = TenantUpdate {
        customer_code: "blue-kite".into(),
        email: "owner@bluekite.test".into(),
        company_name: "Blue Kite 蓝风筝 (HK)".into(),
        max_count: 3,
        contact_name: "林 Lin".into(),
        contact_tel: "13900000000".into(),
        enabled: Some(false),
    };
    client.update_tenant(&update).await.unwrap();
    let listed = client.all_tenants().await.unwrap();
    let kite = listed
        .iter()
        .find(|t| t.customer_code.as_deref() == Some("blue-kite"))
        .unwrap();
    assert_eq!(
        (
            kite.company_name.as_str(),
            kite.tenant_status,
            kite.max_service_count
        ),
        ("Blue Kite 蓝风筝 (HK)", false, 3)
    );
    let (code, message) = code_of(
        &client
            .update_tenant(&TenantUpdate {
                customer_code: "nope".into(),
                ..update.clone()
            })
            .await
            .unwrap_err(),
    );
    assert_eq!((code.as_str(), message.as_str()), ("999999", "商户不存在!"));

    // Agents: add with the documented role ids, up to the tenant's maximum.
    let agent = |email: &str, role: &str| AgentProfile {
        customer_code: "blue-kite".into(),
        email: email.into(),
        nick: "小林".into(),
        name: "林小 Lin Xiao".into(),
        role_id: role.into(),
        phone: "13800000000".into(),
        max_accept: 20,
        password: Some(Secret::new("pw")),
    };
    let (code, _) = code_of(
        &client
            .add_agent(&agent("x@bluekite.test", "4242"))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "999999");
    client
        .add_agent(&agent("a1@bluekite.test", "1111"))
        .await
        .unwrap();
    // The tenant's administrator, the supervisor and a1 fill its 3 seats.
    let (code, message) = code_of(
        &client
            .add_agent(&agent("a2@bluekite.test", "5555"))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("200007", "在线客服数量不足")
    );
    let mut edited = agent("a1@bluekite.test", "1111");
    edited.nick = "林林".into();
    edited.max_accept = 30;
    client.update_agent(&edited).await.unwrap();
    edited.max_accept = 5000;
    let (code, message) = code_of(&client.update_agent(&edited).await.unwrap_err());
    assert_eq!(code, "999999");
    assert!(message.contains("maxAcceptNum"), "{message}");
    client
        .delete_agent("blue-kite", "a1@bluekite.test")
        .await
        .unwrap();
    let (code, message) = code_of(
        &client
            .delete_agent("blue-kite", "a1@bluekite.test")
            .await
            .unwrap_err(),
    );
    assert_eq!((code.as_str(), message.as_str()), ("999999", "客服不存在!"));
    // The freed seat can be used again.
    client
        .add_agent(&agent("a2@bluekite.test", "5555"))
        .await
        .unwrap();
    let (code, _) = code_of(
        &client
            .add_agent(&AgentProfile {
                customer_code: "nope".into(),
                ..agent("z@z.test", "1111")
            })
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "999999");

    // Harbor Tea's second agent has not activated their e-mail: edits are refused as documented.
    let mut unactivated = agent("olivia@harbor-tea.sandbox.agentdesk.test", "1111");
    unactivated.customer_code = "harbor-tea".into();
    let (code, message) = code_of(&client.update_agent(&unactivated).await.unwrap_err());
    assert_eq!(code, "999999");
    assert!(message.contains("未激活"), "{message}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn report_endpoints_and_form_bodies() {
    let sandbox = sandbox().await;
    let info = sandbox.info().clone();
    let client = union(&sandbox, &info.union_key);
    let today = chrono_today();
    let figures = client.staff_figures(&today, &today).await.unwrap();
    assert!(!figures.is_empty());
    assert!(figures
        .iter()
        .all(|f| f.first_response_in60s_rate.ends_with('%')));
    let export = client.export(7, &today).await.unwrap();
    assert_eq!(
        (export.task_type.as_str(), export.result_date.as_str()),
        ("7", today.as_str())
    );
    let csv = reqwest::get(&export.file_path)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("companyId,companyName,staffId"), "{csv}");
    assert!(csv.contains("Harbor Tea"));
    let (code, _) = code_of(&client.export(9, &today).await.unwrap_err());
    assert_eq!(code, "999999");
    let (code, _) = code_of(&client.export(7, "2020/01/05").await.unwrap_err());
    assert_eq!(code, "400005");

    // Form-encoded bodies are accepted like JSON ones.
    let ts = now_ms();
    let token = tenant_api_token(
        &info.union_code,
        &ts,
        &info.supervisor_email,
        &info.union_key,
    );
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/tenantpro/open/getTenantList", info.base_url))
        .form(&[
            ("unionCode", info.union_code.as_str()),
            ("ts", &ts),
            ("token", &token),
            ("email", &info.supervisor_email),
            ("openStatus", "1"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["retCode"], "200000", "{answer}");
    assert_eq!(answer["totalCount"], 3);
    // A missing sign on a report endpoint.
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/tenantpro/getBatchAppKey", info.base_url))
        .json(&json!({"unionCode": info.union_code, "ts": ts}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["ret_code"], "999999");
    let sign = union_sign(&info.union_code, &ts, "wrong");
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/tenantpro/getBatchAppKey", info.base_url))
        .json(&json!({"unionCode": info.union_code, "ts": ts, "sign": sign}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["ret_code"], "900003");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn chat_index_answers_its_status_codes_and_limits_calls_to_20_a_minute() {
    let sandbox = sandbox().await;
    let info = sandbox.info().clone();
    // A customer known to one tenant.
    let visitor: Value = reqwest::Client::new()
        .post(format!("{}/__sandbox/visitors", info.base_url))
        .json(&json!({"name": "王芳", "text": "在吗？", "partnerid": "buyer-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(visitor["cid"].is_string(), "{visitor}");
    let client = union(&sandbox, &info.union_key);
    let items = client.chat_index("buyer-1").await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].company_name, "Lumen Mall 流明商城");
    assert_eq!(items[0].last_msg_content, "在吗？");
    let (code, _) = code_of(
        &union(&sandbox, "wrong")
            .chat_index("buyer-1")
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "status 5");
    for _ in 0..18 {
        client.chat_index("buyer-1").await.unwrap();
    }
    let (code, message) = code_of(&client.chat_index("buyer-1").await.unwrap_err());
    assert_eq!(code, "status 4");
    assert!(message.contains("20"), "{message}");
    sandbox.shutdown().await;
}

fn chrono_today() -> String {
    // The sandbox dates sessions in China time (UTC+8).
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::Utc::now()
        .with_timezone(&china)
        .format("%Y-%m-%d")
        .to_string()
}
