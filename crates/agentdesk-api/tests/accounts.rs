//! Accounts against the real OS keychain (gnome-keyring in the CI desktop session) and the sandbox:
//! secrets go to the keychain and nowhere else, and a connection test says exactly what is wrong.

use agentdesk_api::{
    Account, AccountBook, AccountInput, ConnectionProblem, ErrorCode, Platform, SupervisorLogin,
};
use agentdesk_secrets::{Keychain, SecretName};
use std::time::Duration;

fn keychain() -> Keychain {
    Keychain::with_service(format!("agentdesk-test-{}", uuid::Uuid::new_v4()))
}

fn sandbox_account(name: &str, base_url: &str, appid: &str) -> Account {
    Account {
        name: name.into(),
        platform: Platform::Sandbox,
        base_url: base_url.into(),
        appid: appid.into(),
        agent_email: String::new(),
        supervisor: None,
        assistant: None,
        home: None,
        tickets: Vec::new(),
        payments: Vec::new(),
        speech: None,
    }
}

fn add(account: Account, app_key: &str) -> AccountInput {
    AccountInput {
        account,
        previous_name: None,
        app_key: Some(app_key.into()),
        union_key: None,
        assistant_key: None,
        ticket_keys: Vec::new(),
    }
}

#[tokio::test]
async fn connection_tests_name_the_exact_problem() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let dir = tempfile::tempdir().unwrap();
    let book = AccountBook::new(dir.path(), keychain());

    book.save(add(
        sandbox_account("good", &info.base_url, &info.appid),
        &info.app_key,
    ))
    .await
    .unwrap();
    book.save(add(
        sandbox_account("wrong-key", &info.base_url, &info.appid),
        "not-the-key",
    ))
    .await
    .unwrap();
    book.save(add(
        sandbox_account("wrong-appid", &info.base_url, "no-such-app"),
        &info.app_key,
    ))
    .await
    .unwrap();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    book.save(add(
        sandbox_account("offline", &closed_url, &info.appid),
        &info.app_key,
    ))
    .await
    .unwrap();

    let good = book.test_connection("good").await.unwrap();
    assert!(good.ok, "{good:?}");
    let report = book.test_connection("wrong-key").await.unwrap();
    assert_eq!(
        report.problem,
        Some(ConnectionProblem::BadSignature),
        "{report:?}"
    );
    assert!(report.message.contains("900003"), "{}", report.message);
    let report = book.test_connection("wrong-appid").await.unwrap();
    assert_eq!(
        report.problem,
        Some(ConnectionProblem::UnknownAppid),
        "{report:?}"
    );
    let report = book.test_connection("offline").await.unwrap();
    assert_eq!(
        report.problem,
        Some(ConnectionProblem::Network),
        "{report:?}"
    );
    assert!(report.message.contains(&closed_url), "{}", report.message);

    sandbox.shutdown().await;
}

#[tokio::test]
async fn secrets_live_in_the_keychain_only_and_leave_with_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = keychain();
    let book = AccountBook::new(dir.path(), keychain.clone());
    let mut account = sandbox_account("Shop A", "http://127.0.0.1:9", "app-1");
    account.supervisor = Some(SupervisorLogin {
        union_code: "10004".into(),
        email: "admin@example.com".into(),
    });
    book.save(AccountInput {
        account: account.clone(),
        previous_name: None,
        app_key: Some("APP-KEY-never-on-disk-7f3a".into()),
        union_key: Some("UNION-KEY-never-on-disk-91c2".into()),
        assistant_key: None,
        ticket_keys: Vec::new(),
    })
    .await
    .unwrap();

    let views = book.list().await.unwrap();
    assert_eq!(views.len(), 1);
    assert!(views[0].has_app_key && views[0].has_union_key);
    let listed = serde_json::to_string(&views).unwrap();
    assert!(
        !listed.contains("never-on-disk"),
        "a listing never carries a secret"
    );
    let file = std::fs::read_to_string(book.path()).unwrap();
    assert!(
        file.contains("Shop A") && !file.contains("never-on-disk"),
        "{file}"
    );

    // Editing without a new secret keeps the stored one; renaming moves it.
    let mut renamed = account.clone();
    renamed.name = "Shop A2".into();
    book.save(AccountInput {
        account: renamed,
        previous_name: Some("Shop A".into()),
        app_key: None,
        union_key: None,
        assistant_key: None,
        ticket_keys: Vec::new(),
    })
    .await
    .unwrap();
    let moved = keychain
        .load(&SecretName::PlatformAppKey {
            account: "Shop A2".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.expose(), "APP-KEY-never-on-disk-7f3a");
    assert!(!keychain
        .contains(&SecretName::PlatformAppKey {
            account: "Shop A".into()
        })
        .await
        .unwrap());

    book.remove("Shop A2").await.unwrap();
    assert!(book.accounts().unwrap().is_empty());
    for name in SecretName::of_account("Shop A2") {
        assert!(
            !keychain.contains(&name).await.unwrap(),
            "{name} left behind"
        );
    }
    assert_eq!(
        book.remove("Shop A2").await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = keychain();
    let book = AccountBook::new(dir.path(), keychain.clone());
    let mut sobot = sandbox_account("S", "https://evil.example.com", "app");
    sobot.platform = Platform::Sobot;
    let error = book.save(add(sobot.clone(), "k")).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(
        error.message.contains("https://www.sobot.com"),
        "{}",
        error.message
    );
    sobot.base_url = "https://sg.sobot.io".into();
    book.save(add(sobot.clone(), "k")).await.unwrap();
    // Same name again, a slash in a name, an empty key: refused, and the first account is intact.
    assert_eq!(
        book.save(add(sobot.clone(), "k2")).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    let mut slashed = sobot.clone();
    slashed.name = "a/b".into();
    assert_eq!(
        book.save(add(slashed, "k")).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    let mut empty_key = sobot.clone();
    empty_key.name = "T".into();
    assert_eq!(
        book.save(add(empty_key, "  ")).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(book.accounts().unwrap(), vec![sobot]);
    assert_eq!(
        keychain
            .load(&SecretName::PlatformAppKey {
                account: "S".into()
            })
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "k"
    );
    // A damaged file is reported, never overwritten.
    std::fs::write(book.path(), b"{oops").unwrap();
    let error = book.accounts().unwrap_err();
    assert_eq!(error.code, ErrorCode::Storage);
    assert!(error.message.contains("damaged"));
    book.remove("S").await.unwrap_err();
    assert_eq!(std::fs::read(book.path()).unwrap(), b"{oops");
    keychain
        .remove(&SecretName::PlatformAppKey {
            account: "S".into(),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_account_runs_the_workbench_with_keys_from_the_keychain() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let dir = tempfile::tempdir().unwrap();
    let secrets = keychain();
    let book = AccountBook::new(dir.path(), secrets.clone());
    let mut supervisor = sandbox_account("Union HQ", &info.base_url, &info.appid);
    supervisor.agent_email = info.supervisor_email.clone();
    supervisor.supervisor = Some(SupervisorLogin {
        union_code: info.union_code.clone(),
        email: info.supervisor_email.clone(),
    });
    book.save(AccountInput {
        account: supervisor,
        previous_name: None,
        app_key: Some(info.app_key.clone()),
        union_key: Some(info.union_key.clone()),
        assistant_key: None,
        ticket_keys: Vec::new(),
    })
    .await
    .unwrap();
    let mut agent = sandbox_account("Desk 1", &info.base_url, &info.appid);
    agent.agent_email = info.agents[1].email.clone();
    book.save(add(agent, &info.app_key)).await.unwrap();

    let data = tempfile::tempdir().unwrap();
    let workbench =
        agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Union HQ")
            .await
            .unwrap();
    let snapshot = workbench.snapshot().await.unwrap();
    assert_eq!(snapshot.mode, agentdesk_api::WorkspaceMode::Account);
    assert_eq!(snapshot.account_name, "Union HQ");
    assert_eq!(
        snapshot.tenant_name, "Lumen Mall 流明商城",
        "named by the union platform"
    );
    assert!(workbench
        .database_path()
        .starts_with(data.path().join("accounts").join("Union%20HQ")));
    let tenants = workbench.tenants().await.unwrap();
    assert_eq!(tenants.len(), 4);
    assert!(tenants[0].active);
    let harbor = tenants
        .iter()
        .find(|t| t.name.starts_with("Harbor"))
        .unwrap();
    let switched = workbench.switch_tenant(&harbor.id).await.unwrap();
    assert_eq!(switched.tenant_name, "Harbor Tea 港湾茶舍");
    workbench.shutdown().await;

    // An agent account without a union login: its one merchant, and no supervisor screens.
    let workbench =
        agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Desk 1")
            .await
            .unwrap();
    assert_eq!(workbench.tenants().await.unwrap().len(), 1);
    let refused = workbench.supervision().merchants().await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(refused.message.contains("union key"), "{}", refused.message);
    workbench.shutdown().await;

    // The app key gone from the keychain: a refusal that says where to set it.
    let mut keyless = sandbox_account("Keyless", &info.base_url, &info.appid);
    keyless.agent_email = info.agents[2].email.clone();
    book.save(add(keyless, "k")).await.unwrap();
    secrets
        .remove(&SecretName::PlatformAppKey {
            account: "Keyless".into(),
        })
        .await
        .unwrap();
    let missing =
        agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Keyless")
            .await
            .err()
            .unwrap();
    assert_eq!(missing.code, ErrorCode::InvalidInput);
    assert!(
        missing.message.contains("no app key"),
        "{}",
        missing.message
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_s_assistant_provider_has_its_key_in_the_keychain_and_is_checked() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let dir = tempfile::tempdir().unwrap();
    let secrets = keychain();
    let book = AccountBook::new(dir.path(), secrets.clone());
    let mut desk = sandbox_account("Desk", &info.base_url, &info.appid);
    desk.agent_email = info.agents[1].email.clone();

    // A base URL that is not one, a preset nobody offers, Azure's address left unfilled: refused
    // in words, nothing saved.
    for (preset, base_url, model, words) in [
        ("custom", "api.example.com/v1", "m", "not a URL"),
        (
            "openai-ish",
            "https://api.example.com/v1",
            "m",
            "no model provider preset",
        ),
        (
            "azure",
            "https://{resource}.openai.azure.com/openai/v1",
            "gpt-4o-mini",
            "part to fill in",
        ),
        (
            "custom",
            "https://api.example.com/v1",
            " ",
            "model name is empty",
        ),
    ] {
        let mut bad = desk.clone();
        bad.assistant = Some(agentdesk_api::AssistantProviderSettings {
            preset: preset.into(),
            base_url: base_url.into(),
            model: model.into(),
        });
        let refused = book.save(add(bad, &info.app_key)).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(refused.message.contains(words), "{}", refused.message);
    }
    assert!(book.list().await.unwrap().is_empty());

    // The sandbox's provider as a custom service; its key goes to the keychain only.
    desk.assistant = Some(agentdesk_api::AssistantProviderSettings {
        preset: "custom".into(),
        base_url: format!("{}/v1", info.base_url),
        model: "sandbox-chat".into(),
    });
    let mut input = add(desk.clone(), &info.app_key);
    input.assistant_key = Some("sk-desk-never-on-disk-5b1e".into());
    book.save(input).await.unwrap();
    let on_disk = std::fs::read_to_string(dir.path().join("accounts.json")).unwrap();
    assert!(!on_disk.contains("sk-desk-never-on-disk"), "{on_disk}");
    assert!(on_disk.contains("sandbox-chat"));
    assert!(book.list().await.unwrap()[0].has_assistant_key);

    let data = tempfile::tempdir().unwrap();
    let workbench =
        agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Desk")
            .await
            .unwrap();
    let status = workbench.assistant().status().await.unwrap();
    assert_eq!(status.model.as_deref(), Some("sandbox-chat"));
    // An account's merchant starts with the assistant off until a supervisor turns it on.
    assert_eq!(
        status.off_reason,
        Some(agentdesk_api::AssistantOff::TurnedOff)
    );
    workbench.shutdown().await;

    // A preset that needs a key, without one: the workbench starts, the assistant says why not.
    desk.assistant = Some(agentdesk_api::AssistantProviderSettings {
        preset: "deepseek".into(),
        base_url: "https://api.deepseek.com/v1".into(),
        model: "deepseek-chat".into(),
    });
    let mut input = add(desk, &info.app_key);
    input.previous_name = Some("Desk".into());
    input.assistant_key = Some(String::new());
    book.save(input).await.unwrap();
    assert!(!book.list().await.unwrap()[0].has_assistant_key);
    let workbench =
        agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Desk")
            .await
            .unwrap();
    let status = workbench.assistant().status().await.unwrap();
    assert!(status.provider.is_none());
    workbench.shutdown().await;
    book.remove("Desk").await.unwrap();
}

/// A supervisor account started while the union platform is unreachable still knows which merchant
/// is its own: once the platform answers that merchant is the one marked on screen, and a reply
/// queued during the offline start goes out from the same database on the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_start_keeps_the_supervisor_s_home_merchant_and_its_queued_replies() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let controls = agentdesk_testkit::Controls::new(&info.base_url);
    let dir = tempfile::tempdir().unwrap();
    let book = AccountBook::new(dir.path(), keychain());
    let mut supervisor = sandbox_account("Union HQ", &info.base_url, &info.appid);
    supervisor.agent_email = info.supervisor_email.clone();
    supervisor.supervisor = Some(SupervisorLogin {
        union_code: info.union_code.clone(),
        email: info.supervisor_email.clone(),
    });
    book.save(AccountInput {
        account: supervisor,
        previous_name: None,
        app_key: Some(info.app_key.clone()),
        union_key: Some(info.union_key.clone()),
        assistant_key: None,
        ticket_keys: Vec::new(),
    })
    .await
    .unwrap();
    let union_paths = ["/tenantpro/getBatchAppKey", "/tenantpro/open/getTenantList"];
    let failing = |paths: &[&str]| {
        serde_json::json!({"error_rate": 1.0, "error_status": 503, "errors_after_handler": false,
            "only_paths": paths})
    };
    let mut offline: Vec<&str> = union_paths.to_vec();
    offline.push("/send");
    controls.post("/faults", failing(&offline)).await;

    let data = tempfile::tempdir().unwrap();
    let start =
        || agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Union HQ");
    let workbench = start().await.unwrap();
    let cid = controls
        .visitor("周杰", "还没发货吗", Some(&info.supervisor_email))
        .await;
    agentdesk_testkit::wait_for_async("the customer's session", || async {
        workbench
            .snapshot()
            .await
            .unwrap()
            .sessions
            .iter()
            .any(|s| s.session.id == cid)
            .then_some(())
    })
    .await;
    workbench
        .conversations()
        .send_text(&cid, "这就为您催促仓库", Some("kept-while-offline"))
        .await
        .unwrap();
    // The union platform answers again (replies still fail): the home merchant is the one on screen.
    controls.post("/faults", failing(&["/send"])).await;
    let tenants = workbench.tenants().await.unwrap();
    let active: Vec<_> = tenants.iter().filter(|t| t.active).collect();
    assert_eq!(active.len(), 1, "{tenants:?}");
    assert_eq!(active[0].name, "Lumen Mall 流明商城");
    let home_database = workbench.database_path();
    let again = workbench.switch_tenant(&active[0].id).await.unwrap();
    assert_eq!(
        workbench.database_path(),
        home_database,
        "already there: {again:?}"
    );
    workbench.shutdown().await;

    // Everything answers: the next start sends the reply queued offline, once.
    controls.post("/faults", serde_json::json!({})).await;
    let workbench = start().await.unwrap();
    assert_eq!(workbench.database_path(), home_database);
    agentdesk_testkit::eventually("the reply queued offline to go out", || async {
        !controls.agent_messages(&cid).await.is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = controls.agent_messages(&cid).await;
    assert_eq!(sent.len(), 1, "once: {sent:?}");
    assert_eq!(sent[0]["content"], "这就为您催促仓库");
    workbench.shutdown().await;
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_s_ticket_systems_keep_their_keys_in_the_keychain_and_serve_its_merchants() {
    use agentdesk_api::{SystemKind, TicketKeyInput, TicketSystemSettings};
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let logins = info.tickets.clone();
    let dir = tempfile::tempdir().unwrap();
    let secrets = keychain();
    let book = AccountBook::new(dir.path(), secrets.clone());
    let mut desk = sandbox_account("Desk", &info.base_url, &info.appid);
    desk.agent_email = info.agents[1].email.clone();
    let system = |system, base_url: &str, user: &str| TicketSystemSettings {
        system,
        tenants: Vec::new(),
        base_url: base_url.into(),
        user: user.into(),
        project: String::new(),
        issue_type: String::new(),
        staff_id: String::new(),
    };
    let jira = TicketSystemSettings {
        project: logins.jira_project.clone(),
        issue_type: logins.jira_issue_type.clone(),
        ..system(SystemKind::Jira, &logins.jira_base_url, &logins.jira_email)
    };

    // What a system needs is checked before anything is saved; a system set up twice too.
    for (tickets, words) in [
        (
            vec![TicketSystemSettings {
                project: String::new(),
                ..jira.clone()
            }],
            "project key",
        ),
        (
            vec![system(SystemKind::Zendesk, "zendesk.example.com", "a@b.c")],
            "not an http(s) address",
        ),
        (vec![jira.clone(), jira.clone()], "set up twice"),
    ] {
        let mut bad = desk.clone();
        bad.tickets = tickets;
        let refused = book.save(add(bad, &info.app_key)).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(refused.message.contains(words), "{}", refused.message);
    }
    assert!(book.list().await.unwrap().is_empty());

    // Sobot on the account's own key; Jira with its token typed; Zendesk for another merchant
    // only; Qiyu without its secret.
    desk.tickets = vec![
        system(SystemKind::Sobot, "", ""),
        jira,
        TicketSystemSettings {
            tenants: vec!["another-company".into()],
            ..system(
                SystemKind::Zendesk,
                &logins.zendesk_base_url,
                &logins.zendesk_email,
            )
        },
        TicketSystemSettings {
            staff_id: logins.qiyu_staff_id.clone(),
            ..system(
                SystemKind::Qiyu,
                &logins.qiyu_base_url,
                &logins.qiyu_app_key,
            )
        },
    ];
    let mut input = add(desk.clone(), &info.app_key);
    input.ticket_keys = vec![
        TicketKeyInput {
            system: SystemKind::Jira,
            key: logins.jira_api_token.clone(),
        },
        TicketKeyInput {
            system: SystemKind::Zendesk,
            key: logins.zendesk_api_token.clone(),
        },
    ];
    book.save(input).await.unwrap();
    let on_disk = std::fs::read_to_string(dir.path().join("accounts.json")).unwrap();
    assert!(!on_disk.contains(&logins.jira_api_token), "{on_disk}");
    assert!(on_disk.contains(&logins.jira_project));
    assert_eq!(
        book.list().await.unwrap()[0].ticket_keys,
        [SystemKind::Jira, SystemKind::Zendesk]
    );

    let data = tempfile::tempdir().unwrap();
    let workbench =
        agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Desk")
            .await
            .unwrap();
    let tickets = workbench.tickets();
    let systems: Vec<SystemKind> = tickets.systems().iter().map(|s| s.system).collect();
    assert_eq!(systems, [SystemKind::Sobot, SystemKind::Jira]);
    let form = tickets.ticket_form(SystemKind::Sobot).await.unwrap();
    assert!(
        !form.dictionary.categories.is_empty(),
        "Sobot 工单 on the account's key"
    );
    workbench.shutdown().await;

    // Removing the account removes its ticket keys with it.
    book.remove("Desk").await.unwrap();
    assert!(!secrets
        .contains(&SecretName::TicketKey {
            account: "Desk".into(),
            system: "jira".into()
        })
        .await
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_s_payment_systems_and_speech_service_take_their_keys_from_the_keychain() {
    use agentdesk_api::{PaymentProvider, PaymentSystemSettings, SpeechSettings};
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let dir = tempfile::tempdir().unwrap();
    let secrets = keychain();
    let book = AccountBook::new(dir.path(), secrets.clone());
    let mut desk = sandbox_account("Desk", &info.base_url, &info.appid);
    desk.agent_email = info.agents[1].email.clone();
    desk.payments = vec![PaymentSystemSettings {
        provider: PaymentProvider::Alipay,
        tenants: Vec::new(),
        base_url: info.payments.alipay_gateway.clone(),
        app_id: info.payments.alipay_app_id.clone(),
        mch_id: String::new(),
        merchant_serial: String::new(),
        public_key_id: String::new(),
        alipay_link: "qr".into(),
        notify_url: String::new(),
    }];
    desk.speech = Some(SpeechSettings {
        project_appkey: info.speech.appkey.clone(),
        access_key_id: info.speech.access_key_id.clone(),
        region: "cn-shanghai".into(),
        recognition_url: Some(info.speech.recognition_url.clone()),
        token_url: Some(info.speech.token_url.clone()),
    });

    // What a payment system needs is checked before anything is saved.
    let mut wechat_without_mchid = desk.clone();
    wechat_without_mchid.payments[0].provider = PaymentProvider::Wechat;
    let refused = book
        .save(add(wechat_without_mchid, &info.app_key))
        .await
        .unwrap_err();
    assert!(
        refused.message.contains("merchant id"),
        "{}",
        refused.message
    );
    book.save(add(desk.clone(), &info.app_key)).await.unwrap();

    // IT places the keys; a system the account does not name, or a key that does not load, is
    // refused and nothing is stored.
    let refused = book
        .store_payment_keys(
            "Desk",
            PaymentProvider::Wechat,
            &info.payments.merchant_private_key,
            &info.payments.wechat_public_key,
        )
        .await
        .unwrap_err();
    assert!(
        refused.message.contains("does not name"),
        "{}",
        refused.message
    );
    let refused = book
        .store_payment_keys("Desk", PaymentProvider::Alipay, "not a key", "neither")
        .await
        .unwrap_err();
    assert!(
        refused.message.contains("nothing was stored"),
        "{}",
        refused.message
    );
    let merchant_key = SecretName::PaymentKey {
        account: "Desk".into(),
        provider: "alipay".into(),
        part: "merchant-key".into(),
    };
    assert!(!secrets.contains(&merchant_key).await.unwrap());

    // Without its keys the system is off; with them, the merchant takes it.
    let data = tempfile::tempdir().unwrap();
    let workbench =
        agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Desk")
            .await
            .unwrap();
    assert!(workbench
        .payments()
        .options()
        .await
        .unwrap()
        .providers
        .is_empty());
    assert!(!workbench.voice().reads_voice());
    workbench.shutdown().await;
    book.store_payment_keys(
        "Desk",
        PaymentProvider::Alipay,
        &info.payments.merchant_private_key,
        &info.payments.alipay_public_key,
    )
    .await
    .unwrap();
    book.store_speech_secret("Desk", &info.speech.access_key_secret)
        .await
        .unwrap();
    let on_disk = std::fs::read_to_string(dir.path().join("accounts.json")).unwrap();
    assert!(!on_disk.contains("PRIVATE KEY"), "{on_disk}");
    assert!(
        !on_disk.contains(&info.speech.access_key_secret),
        "{on_disk}"
    );
    let workbench =
        agentdesk_api::Workbench::start_account(data.path().to_path_buf(), &book, "Desk")
            .await
            .unwrap();
    assert_eq!(
        workbench.payments().options().await.unwrap().providers,
        [PaymentProvider::Alipay]
    );
    assert!(workbench.voice().reads_voice());
    workbench.shutdown().await;

    // Removing the account removes its keys with it.
    book.remove("Desk").await.unwrap();
    assert!(!secrets.contains(&merchant_key).await.unwrap());
    assert!(!secrets
        .contains(&SecretName::SpeechSecret {
            account: "Desk".into()
        })
        .await
        .unwrap());
}
