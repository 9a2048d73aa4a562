//! Account mode's 360° view from the merchant's own connector files, with keys in the real OS
//! keychain (gnome-keyring in the CI desktop session): profile and orders from an order system
//! through the declarative connector, parcels from carriers configured the same way; a file that
//! cannot be used is passed over and the view still works.

use agentdesk_api::{Account, AccountBook, AccountInput, CardState, Platform, Workbench};
use agentdesk_domain::Secret;
use agentdesk_secrets::Keychain;
use serde_json::json;

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_view_uses_its_connector_files_and_keychain_keys() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let dir = tempfile::tempdir().unwrap();
    let keychain = Keychain::with_service(format!("agentdesk-test-{}", uuid::Uuid::new_v4()));
    let book = AccountBook::new(dir.path(), keychain);
    book.save(AccountInput {
        account: Account {
            name: "Desk".into(),
            platform: Platform::Sandbox,
            base_url: info.base_url.clone(),
            appid: info.appid.clone(),
            agent_email: info.agents[1].email.clone(),
            supervisor: None,
            assistant: None,
            home: None,
            tickets: Vec::new(),
            payments: Vec::new(),
            speech: None,
        },
        previous_name: None,
        app_key: Some(info.app_key.clone()),
        union_key: None,
        assistant_key: None,
        ticket_keys: Vec::new(),
    })
    .await
    .unwrap();
    let catalog = book.connectors();
    catalog
        .add(
            &format!(
                "preset = \"sandbox-oms\"\nname = \"Shop OMS\"\nbase_url = \"{}\"\nprovides = [\"profile\", \"orders\"]\n",
                info.shop.oms_base_url
            ),
            Some(Secret::new(info.shop.oms_key.clone())),
        )
        .await
        .unwrap();
    catalog
        .add(
            &format!(
                "name = \"SF\"\nprotocol = \"sf_express\"\nbase_url = \"{}\"\nprovides = [\"tracking\"]\npartner_id = \"{}\"\n",
                info.base_url, info.carriers.sf_partner_id
            ),
            Some(Secret::new(info.carriers.sf_check_word.clone())),
        )
        .await
        .unwrap();
    catalog
        .add(
            &format!(
                "name = \"Kuaidi100\"\nprotocol = \"kuaidi100\"\nbase_url = \"{}\"\nprovides = [\"tracking\"]\ncustomer = \"{}\"\n",
                info.base_url, info.carriers.kuaidi100_customer
            ),
            Some(Secret::new(info.carriers.kuaidi100_key.clone())),
        )
        .await
        .unwrap();
    // A second order source without a key: listed as such, passed over at start.
    catalog
        .add(
            &format!(
                "preset = \"shopify\"\nname = \"Zz Shopify\"\nbase_url = \"{}\"\n",
                info.shop.shopify_base_url
            ),
            None,
        )
        .await
        .unwrap();
    let listed = catalog.list().await.unwrap();
    assert_eq!(listed.len(), 4);
    assert!(listed.iter().any(|c| c.name == "Zz Shopify" && !c.has_key));
    // A bad file is refused before anything is saved.
    let refused = catalog
        .add(
            "name = \"x\"\nbase_url = \"nope\"\nprovides = [\"orders\"]\n",
            None,
        )
        .await
        .unwrap_err();
    assert!(refused.message.contains("base_url"), "{}", refused.message);
    assert_eq!(catalog.list().await.unwrap().len(), 4);

    let data = tempfile::tempdir().unwrap();
    let workbench = Workbench::start_account(data.path().to_path_buf(), &book, "Desk")
        .await
        .unwrap();
    let visitor = agentdesk_testkit::post_json(&
        format!("{}/__sandbox/visitors", info.base_url),
        json!({"name": "Lin", "text": "where is it?", "partnerid": "acct-1", "phone": "13600000001", "agent_email": info.agents[1].email}),
    )
    .await;
    let cid = visitor["cid"].as_str().unwrap().to_string();
    common::wait_for_session(&workbench, &cid).await;
    let view = workbench
        .customers()
        .customer_view(&cid, true)
        .await
        .unwrap();
    assert_eq!(view.profile_source.as_deref(), Some("Shop OMS"));
    assert_eq!(view.orders_source.as_deref(), Some("Shop OMS"));
    assert_eq!(view.profile.state, CardState::Fresh);
    assert_eq!(view.profile.value.unwrap().name.as_deref(), Some("Lin"));
    let orders = view.orders.value.unwrap();
    let parcels: Vec<_> = orders.iter().filter_map(|o| o.shipment.as_ref()).collect();
    assert!(!parcels.is_empty());
    for parcel in parcels {
        assert_eq!(parcel.state, CardState::Fresh, "{parcel:?}");
        assert!(!parcel.value.as_ref().unwrap().events.is_empty());
    }
    workbench.shutdown().await;

    // Removing a connector removes its key too.
    catalog.remove("Shop OMS").await.unwrap();
    assert_eq!(catalog.list().await.unwrap().len(), 3);
    sandbox.shutdown().await;
}
