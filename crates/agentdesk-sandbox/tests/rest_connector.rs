//! The declarative REST connector against the sandbox's order system over HTTP: every auth kind
//! (bearer, Basic, API-key header, OAuth2 client credentials, MD5 and HMAC signatures), request
//! templates by phone and e-mail, JSON-pointer mappings, the three paging styles, and the Shopify
//! and Salesforce presets; refusals and a hung system come back as typed errors.

use std::time::{Duration, Instant};

use agentdesk_connectors::rest::config::parse;
use agentdesk_connectors::rest::{Lookup, RestConnector, RestError};
use agentdesk_domain::Secret;
use agentdesk_sandbox::{ReadyInfo, Sandbox};
use serde_json::{json, Value};

async fn start() -> (Sandbox, ReadyInfo) {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    (sandbox, info)
}

async fn visitor(info: &ReadyInfo, partnerid: &str, phone: &str) {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/__sandbox/visitors", info.base_url))
        .json(&json!({"name": "李雷", "text": "我的订单呢？", "partnerid": partnerid, "phone": phone}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["cid"].is_string(), "{answer}");
}

fn by_phone(phone: &str) -> Lookup {
    Lookup {
        phone: Some(phone.into()),
        ..Lookup::default()
    }
}

/// The OMS's own count of a customer's orders, asked with the plain bearer key.
async fn oms_total(info: &ReadyInfo, phone: &str) -> u64 {
    let answer: Value = reqwest::Client::new()
        .get(format!(
            "{}/orders?phone={phone}&page_size=100",
            info.shop.oms_base_url
        ))
        .bearer_auth(&info.shop.oms_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["data"]["total"].as_u64().unwrap()
}

fn demo_connector(info: &ReadyInfo, key: &str) -> RestConnector {
    let config = parse(&format!(
        "preset = \"sandbox-oms\"\nname = \"Lumen OMS\"\nbase_url = \"{}\"\nprovides = [\"profile\", \"orders\"]\n",
        info.shop.oms_base_url
    ))
    .unwrap();
    RestConnector::new(
        config,
        Some(Secret::new(key)),
        &agentdesk_http::HttpContext::unrecorded(),
    )
    .unwrap()
}

#[tokio::test]
async fn the_demo_preset_signs_with_hmac_maps_the_profile_and_follows_pages() {
    let (sandbox, info) = start().await;
    let connector = demo_connector(&info, &info.shop.oms_key);
    let mut most_orders = 0;
    for (n, phone) in [
        "13800000011",
        "13800000012",
        "13800000013",
        "13800000014",
        "13800000015",
    ]
    .iter()
    .enumerate()
    {
        visitor(&info, &format!("rest-{n}"), phone).await;
        let profile = connector.profile(&by_phone(phone)).await.unwrap().unwrap();
        assert_eq!(profile.name.as_deref(), Some("李雷"));
        assert_eq!(profile.phone.as_deref(), Some(*phone));
        assert!(profile.tier.is_some() && !profile.tags.is_empty());
        assert!(profile.lifetime_value.as_deref().unwrap().ends_with(" CNY"));

        // Two orders a page: every order is collected across the pages, newest first.
        let orders = connector.orders(&by_phone(phone)).await.unwrap();
        assert_eq!(orders.len() as u64, oms_total(&info, phone).await);
        most_orders = most_orders.max(orders.len());
        let newest = &orders[0];
        assert!(newest.id.starts_with("LM"));
        assert!(newest.amount.as_deref().unwrap().ends_with(" CNY"));
        assert!(!newest.lines.is_empty() && newest.lines[0].quantity.is_some());
        // "SF Express" in the OMS is Kuaidi100's `shunfeng`.
        assert_eq!(newest.tracking[0].carrier, "shunfeng");
        assert!(newest.tracking[0].waybill.starts_with("SF"));
    }
    assert!(most_orders > 2, "no customer had a second page of orders");

    // A customer the OMS does not know; and no identifier the file looks up by.
    assert_eq!(
        connector.profile(&by_phone("13999999999")).await.unwrap(),
        None
    );
    assert!(connector
        .orders(&Lookup::default())
        .await
        .unwrap()
        .is_empty());

    // A wrong key is refused, and the error says so.
    let refused = demo_connector(&info, "wrong")
        .orders(&by_phone("13800000011"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, RestError::Auth { status: 401, .. }),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("signature does not match"),
        "{refused}"
    );
    sandbox.shutdown().await;
}

fn oms_config(info: &ReadyInfo, auth: &str) -> String {
    format!(
        r#"
name = "OMS"
base_url = "{base}"
provides = ["orders"]

[auth]
{auth}

[orders.by_phone]
path = "/orders"
query = {{ phone = "{{phone}}", page_size = "1", page = "{{page}}" }}

[orders.paging]
kind = "page"
has_more = "/data/has_more"

[orders.map]
list = "/data/orders"
id = "/order_no"
"#,
        base = info.shop.oms_base_url
    )
}

#[tokio::test]
async fn every_auth_kind_is_accepted_with_the_right_key_and_refused_with_a_wrong_one() {
    let (sandbox, info) = start().await;
    let phone = "13800000021";
    visitor(&info, "auth-kinds", phone).await;
    let total = oms_total(&info, phone).await as usize;
    let kinds = [
        "kind = \"bearer\"".to_string(),
        format!("kind = \"basic\"\nusername = \"{}\"", info.shop.oms_basic_user),
        "kind = \"api_key_header\"\nheader = \"X-Api-Key\"".to_string(),
        format!(
            "kind = \"oauth2_client_credentials\"\ntoken_url = \"/oauth/token\"\nclient_id = \"{}\"",
            info.shop.oms_client_id
        ),
        format!(
            "kind = \"signature\"\nalgorithm = \"md5\"\nmessage = \"{app}{{timestamp}}{{secret}}\"\nencoding = \"hex_upper\"\nquery = {{ appid = \"{app}\", ts = \"{{timestamp}}\", sign = \"{{signature}}\" }}",
            app = info.shop.oms_app_id
        ),
        format!(
            "kind = \"signature\"\nalgorithm = \"hmac_sha256\"\nmessage = \"{{method}}\\n{{path}}\\n{{timestamp}}\\n{{body}}\"\nheaders = {{ X-App-Id = \"{}\", X-Timestamp = \"{{timestamp}}\", X-Signature = \"{{signature}}\" }}",
            info.shop.oms_app_id
        ),
    ];
    for auth in &kinds {
        let config = parse(&oms_config(&info, auth)).unwrap();
        let right = RestConnector::new(
            config.clone(),
            Some(Secret::new(info.shop.oms_key.clone())),
            &agentdesk_http::HttpContext::unrecorded(),
        )
        .unwrap();
        let orders = right.orders(&by_phone(phone)).await;
        assert_eq!(orders.map(|o| o.len()), Ok(total), "{auth}");
        let wrong = RestConnector::new(
            config,
            Some(Secret::new("wrong-key")),
            &agentdesk_http::HttpContext::unrecorded(),
        )
        .unwrap();
        let refused = wrong.orders(&by_phone(phone)).await.unwrap_err();
        assert!(
            matches!(refused, RestError::Auth { .. }),
            "{auth}: {refused:?}"
        );
    }
    // No key at all: the connector says where the key belongs before anything is sent.
    let missing = RestConnector::new(
        parse(&oms_config(&info, &kinds[0])).unwrap(),
        None,
        &agentdesk_http::HttpContext::unrecorded(),
    )
    .unwrap_err();
    assert!(matches!(missing, RestError::MissingKey { .. }));
    assert!(missing.to_string().contains("keychain"), "{missing}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_shopify_preset_reads_customers_and_orders_over_graphql_with_cursors() {
    let (sandbox, info) = start().await;
    let phone = "13800000031";
    visitor(&info, "shopify-buyer", phone).await;
    let config = parse(&format!(
        "preset = \"shopify\"\nname = \"Shopify\"\nbase_url = \"{}\"",
        info.shop.shopify_base_url
    ))
    .unwrap();
    let shopify = RestConnector::new(
        config,
        Some(Secret::new(info.shop.shopify_token.clone())),
        &agentdesk_http::HttpContext::unrecorded(),
    )
    .unwrap();
    let profile = shopify.profile(&by_phone(phone)).await.unwrap().unwrap();
    assert_eq!(profile.name.as_deref(), Some("李雷"));
    assert_eq!(profile.phone.as_deref(), Some("+8613800000031"));
    assert!(profile.lifetime_value.as_deref().unwrap().ends_with("CNY"));
    // One order per page in the sandbox: the cursor is followed to the last.
    let orders = shopify.orders(&by_phone(phone)).await.unwrap();
    assert_eq!(orders.len() as u64, oms_total(&info, phone).await);
    assert!(orders[0].id.starts_with("#LM"));
    assert_eq!(orders[0].tracking[0].carrier, "shunfeng");
    assert!(orders[0]
        .fields
        .iter()
        .any(|f| f.label == "Payment" && f.value == "PAID"));
    // By e-mail when the phone is unknown.
    let by_email = Lookup {
        email: Some("shopify-buyer@customers.sandbox.agentdesk.test".into()),
        ..Lookup::default()
    };
    assert_eq!(
        shopify
            .profile(&by_email)
            .await
            .unwrap()
            .unwrap()
            .email
            .as_deref(),
        Some("shopify-buyer@customers.sandbox.agentdesk.test")
    );
    // The platform gives phones as typed; Shopify matches the E.164 it stores.
    for typed in ["+86 138 0000 0031", "8613800000031"] {
        let found = shopify.profile(&by_phone(typed)).await.unwrap();
        assert_eq!(
            found.and_then(|p| p.name).as_deref(),
            Some("李雷"),
            "{typed}"
        );
    }
    // A file that pinned a retired version and reads the superseded fields gets no phone or
    // e-mail: what the preset was before, against a Shopify past 2025-04.
    let old = RestConnector::new(
        parse(&format!(
            "preset = \"shopify\"\nname = \"Shopify\"\nbase_url = \"{}\"\napi_version = \"2024-10\"\n[profile.map]\nphone = \"/phone\"\nemail = \"/email\"",
            info.shop.shopify_base_url
        ))
        .unwrap(),
        Some(Secret::new(info.shop.shopify_token.clone())),
        &agentdesk_http::HttpContext::unrecorded(),
    )
    .unwrap();
    let stale = old.profile(&by_phone(phone)).await.unwrap().unwrap();
    assert_eq!((stale.phone, stale.email), (None, None));
    let served = reqwest::Client::new()
        .post(format!(
            "{}/admin/api/2024-10/graphql.json",
            info.shop.shopify_base_url
        ))
        .header("X-Shopify-Access-Token", &info.shop.shopify_token)
        .body("{\"query\": \"{ shop { name } }\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        served.headers()["x-shopify-api-version"],
        agentdesk_sandbox::SHOPIFY_SUPPORTED_VERSIONS[0],
        "a retired version falls forward to the oldest supported"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_salesforce_preset_signs_in_with_client_credentials_and_follows_next_records() {
    let (sandbox, info) = start().await;
    let phone = "13800000041";
    visitor(&info, "sf-buyer", phone).await;
    let text = format!(
        "preset = \"salesforce\"\nname = \"Salesforce\"\nbase_url = \"{}\"\ncurrency = \"CNY\"\n[auth]\nclient_id = \"{}\"",
        info.shop.salesforce_base_url, info.shop.salesforce_client_id
    );
    let salesforce = RestConnector::new(
        parse(&text).unwrap(),
        Some(Secret::new(info.shop.salesforce_client_secret.clone())),
        &agentdesk_http::HttpContext::unrecorded(),
    )
    .unwrap();
    let profile = salesforce.profile(&by_phone(phone)).await.unwrap().unwrap();
    assert_eq!(profile.name.as_deref(), Some("李雷"));
    assert!(profile.fields.iter().any(|f| f.label == "Account"));
    let orders = salesforce.orders(&by_phone(phone)).await.unwrap();
    assert_eq!(orders.len() as u64, oms_total(&info, phone).await);
    assert!(!orders[0].lines.is_empty());
    let amount = orders[0].amount.as_deref().unwrap();
    assert!(
        amount.ends_with(" CNY"),
        "the org's currency after a bare amount: {amount}"
    );
    // The org holds "+86 138 0000 0041": found from any form the platform gives.
    for typed in ["+8613800000041", "138-0000-0041"] {
        let found = salesforce.profile(&by_phone(typed)).await.unwrap();
        assert_eq!(
            found.and_then(|p| p.name).as_deref(),
            Some("李雷"),
            "{typed}"
        );
    }
    // A query naming CurrencyIsoCode in an org with one currency: Salesforce's refusal, said.
    let multi = RestConnector::new(
        parse(&format!(
            "{text}\n[orders.by_phone]\nquery = {{ q = \"SELECT OrderNumber, TotalAmount, CurrencyIsoCode FROM Order WHERE BillToContact.Phone IN ({{phone|soql_phones}})\" }}"
        ))
        .unwrap(),
        Some(Secret::new(info.shop.salesforce_client_secret.clone())),
        &agentdesk_http::HttpContext::unrecorded(),
    )
    .unwrap();
    let refused = multi.orders(&by_phone(phone)).await.unwrap_err();
    assert!(
        matches!(&refused, RestError::Http { status: 400, body, .. } if body.contains("INVALID_FIELD")),
        "{refused:?}"
    );
    // A quote in the phone stays inside the SOQL literal: no customer, no error.
    assert_eq!(
        salesforce
            .profile(&by_phone("x' OR Phone != '"))
            .await
            .unwrap(),
        None
    );
    // A wrong client secret: the token endpoint's refusal.
    let refused = RestConnector::new(
        parse(&text).unwrap(),
        Some(Secret::new("wrong")),
        &agentdesk_http::HttpContext::unrecorded(),
    )
    .unwrap()
    .profile(&by_phone(phone))
    .await
    .unwrap_err();
    assert!(matches!(refused, RestError::Auth { .. }), "{refused:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_hung_order_system_ends_in_a_network_error_at_the_connectors_timeout() {
    let (sandbox, info) = start().await;
    visitor(&info, "slow", "13800000051").await;
    reqwest::Client::new()
        .post(format!("{}/__sandbox/faults", info.base_url))
        .json(&json!({"latency_ms": 5000, "only_paths": ["/oms/v1/orders"]}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let config = parse(&format!(
        "preset = \"sandbox-oms\"\nname = \"Lumen OMS\"\nbase_url = \"{}\"\ntimeout_ms = 300",
        info.shop.oms_base_url
    ))
    .unwrap();
    let connector = RestConnector::new(
        config,
        Some(Secret::new(info.shop.oms_key.clone())),
        &agentdesk_http::HttpContext::unrecorded(),
    )
    .unwrap();
    let started = Instant::now();
    let error = connector
        .orders(&by_phone("13800000051"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RestError::Network { .. } | RestError::NoAnswer { .. }
        ),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_failing_order_system_opens_the_breaker_and_a_recovered_one_closes_it() {
    use agentdesk_connectors::fanout::{guarded, CircuitBreaker, SourceOutcome};
    let (sandbox, info) = start().await;
    let phone = "13800000061";
    visitor(&info, "breaker", phone).await;
    let faults = |body: Value| {
        let url = format!("{}/__sandbox/faults", info.base_url);
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap();
        }
    };
    // Only the order system fails, with 503s.
    faults(json!({"sources": {"/oms/v1/orders": {"error_rate": 1.0, "error_status": 503}}})).await;
    let connector = demo_connector(&info, &info.shop.oms_key);
    let breaker = CircuitBreaker::new(3, Duration::from_millis(400));
    let timeout = Duration::from_secs(2);
    for attempt in 1..=3 {
        match guarded(&breaker, timeout, connector.orders(&by_phone(phone))).await {
            SourceOutcome::Failed { error, retry_in_ms } => {
                assert!(error.contains("503"), "{error}");
                assert_eq!(
                    retry_in_ms.is_some(),
                    attempt == 3,
                    "opens at the third failure"
                );
            }
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    // Open: not even asked.
    assert!(matches!(
        guarded(&breaker, timeout, connector.orders(&by_phone(phone))).await,
        SourceOutcome::Skipped { .. }
    ));
    // The profile side of the same system still answers.
    assert!(connector.profile(&by_phone(phone)).await.unwrap().is_some());
    // Recovered, and the cooldown over: one trial call closes the breaker again.
    faults(json!({})).await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(matches!(
        guarded(&breaker, timeout, connector.orders(&by_phone(phone))).await,
        SourceOutcome::Ok { .. }
    ));
    assert!(matches!(
        guarded(&breaker, timeout, connector.orders(&by_phone(phone))).await,
        SourceOutcome::Ok { .. }
    ));
    sandbox.shutdown().await;
}
