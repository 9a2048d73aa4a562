//! The four ticket clients against the sandbox's faces over loopback: create with an attachment,
//! the customer's list, the detail, a reply; refusals in words; and exactly once through answers
//! lost after the system stored the ticket, requests lost before it, and a process that died
//! mid-call.

use std::time::Duration;

use agentdesk_domain::Secret;
use agentdesk_sandbox::faults::{Faults, SourceFaults};
use agentdesk_sandbox::{ReadyInfo, Sandbox};
use agentdesk_tickets::once::{
    create_once, AttemptState, DatabaseJournal, TicketAttempt, TicketJournal,
};
use agentdesk_tickets::*;
use serde_json::Value;

fn http() -> agentdesk_http::HttpClient {
    agentdesk_testkit::http(Duration::from_secs(10))
}

async fn sobot_settings(info: &ReadyInfo) -> SobotSettings {
    let mut settings = SobotSettings {
        base_url: info.base_url.clone(),
        appid: info.appid.clone(),
        app_key: Secret::new(info.app_key.clone()),
        company_id: info.tenants[0].company_id.clone(),
        agent_id: String::new(),
        agent_name: String::new(),
    };
    let dictionary = SobotTickets::new(http(), settings.clone())
        .dictionary()
        .await
        .unwrap();
    let agent = dictionary
        .agents
        .first()
        .expect("the tenant has agents")
        .clone();
    settings.agent_id = agent.value;
    settings.agent_name = agent.name;
    settings
}

async fn all_settings(info: &ReadyInfo) -> Vec<TicketSettings> {
    let t = &info.tickets;
    vec![
        TicketSettings::Sobot(sobot_settings(info).await),
        TicketSettings::Jira(JiraSettings {
            base_url: t.jira_base_url.clone(),
            email: t.jira_email.clone(),
            api_token: Secret::new(t.jira_api_token.clone()),
            project_key: t.jira_project.clone(),
            issue_type: t.jira_issue_type.clone(),
        }),
        TicketSettings::Zendesk(ZendeskSettings {
            base_url: t.zendesk_base_url.clone(),
            email: t.zendesk_email.clone(),
            api_token: Secret::new(t.zendesk_api_token.clone()),
        }),
        TicketSettings::Qiyu(QiyuSettings {
            base_url: t.qiyu_base_url.clone(),
            app_key: t.qiyu_app_key.clone(),
            app_secret: Secret::new(t.qiyu_app_secret.clone()),
            staff_id: t.qiyu_staff_id.clone(),
        }),
    ]
}

fn draft(uid: &str, title: &str, attachment: Option<&std::path::Path>) -> TicketDraft {
    TicketDraft {
        title: title.into(),
        content: "客户说：快递显示已签收，但没有收到。\nOrder 8812, parcel SF1234.".into(),
        customer: TicketCustomer {
            uid: Some(uid.into()),
            cid: Some("cid-1".into()),
            email: Some("li.lei@example.com".into()),
            ..TicketCustomer::default()
        },
        type_id: Some("T110".into()),
        level: Some(2),
        fields: vec![
            FieldValue {
                id: "F1".into(),
                value: "8812".into(),
            },
            FieldValue {
                id: "F2".into(),
                value: "1".into(),
            },
        ],
        attachments: attachment
            .map(|path| {
                vec![AttachmentFile {
                    name: "receipt.png".into(),
                    path: path.to_path_buf(),
                }]
            })
            .unwrap_or_default(),
        ..TicketDraft::default()
    }
}

async fn held(sandbox: &Sandbox) -> Vec<Value> {
    agentdesk_testkit::Controls::new(sandbox.base_url())
        .tickets()
        .await
}

fn count(tickets: &[Value], system: SystemKind, title: &str) -> usize {
    tickets
        .iter()
        .filter(|t| t["system"] == system.as_str() && t["title"] == title)
        .count()
}

/// The path suffix of each system's create call (where the faults go).
fn create_path(kind: SystemKind) -> &'static str {
    match kind {
        SystemKind::Sobot => "/save_agent_ticket",
        SystemKind::Jira => "/rest/api/3/issue",
        SystemKind::Zendesk => "/api/v2/tickets",
        SystemKind::Qiyu => "/v2/ticket/create",
    }
}

#[tokio::test]
async fn each_system_creates_lists_shows_and_takes_a_reply() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("receipt.png");
    std::fs::write(&image, [0x89, b'P', b'N', b'G', 1, 2, 3]).unwrap();
    for settings in all_settings(sandbox.info()).await {
        let kind = settings.kind();
        let system = TicketSystem::new(http(), settings.clone());
        let title = format!("{kind}: 签收未收到");
        let draft = draft("uid-7", &title, Some(&image));
        let marker = uuid::Uuid::new_v4().to_string();
        let created = system.send(&draft, &marker).await.unwrap();
        system.complete(&created, &draft).await.unwrap();
        assert_eq!(created.system, kind);
        assert!(!created.number.is_empty(), "{kind}: {created:?}");

        let listed = system.list("uid-7").await.unwrap();
        assert!(
            listed
                .iter()
                .any(|t| t.id == created.id && t.title == title && t.open),
            "{kind}: {listed:?}"
        );
        let detail = system.detail(&created.id).await.unwrap();
        assert_eq!(detail.summary.title, title, "{kind}");
        assert_eq!(detail.content, draft.content, "{kind}");
        assert_eq!(
            detail.attachments,
            vec!["receipt.png".to_string()],
            "{kind}: the attachment, once"
        );

        let reply = ReplyDraft {
            content: "已联系快递核实".into(),
            internal: false,
            status: Some(1),
            ..ReplyDraft::default()
        };
        match kind {
            SystemKind::Qiyu => {
                let error = system.reply(&created.id, &reply).await.unwrap_err();
                assert!(
                    matches!(
                        error,
                        agentdesk_tickets::TicketError::Draft(
                            agentdesk_workspace::DraftProblem::NoReplyApi { .. }
                        )
                    ),
                    "{error}"
                );
            }
            _ => {
                system.reply(&created.id, &reply).await.unwrap();
                let detail = system.detail(&created.id).await.unwrap();
                assert!(
                    detail.replies.iter().any(|r| r.content == "已联系快递核实"),
                    "{kind}: {detail:?}"
                );
            }
        }
        if kind == SystemKind::Sobot {
            assert_eq!(
                system.detail(&created.id).await.unwrap().summary.status,
                "1",
                "the reply changed the status"
            );
        }
    }
    let tickets = held(&sandbox).await;
    assert_eq!(tickets.len(), 4, "{tickets:?}");
    sandbox.shutdown().await;
}

/// One attempt per system under `faults` (on its create call only), then with the faults gone:
/// exactly one ticket at the end, and the journal says created.
async fn once_through(sandbox: &Sandbox, after_handler: bool) {
    let dir = tempfile::tempdir().unwrap();
    let journal = DatabaseJournal::new(agentdesk_store::Database::plain(
        dir.path().join("journal.sqlite3"),
    ));
    for settings in all_settings(sandbox.info()).await {
        let kind = settings.kind();
        let system = TicketSystem::new(http(), settings.clone());
        let title = format!(
            "{kind} once, answers lost {}",
            if after_handler { "after" } else { "before" }
        );
        let draft = draft("uid-once", &title, None);
        let attempt = uuid::Uuid::new_v4().to_string();
        sandbox
            .set_faults(Faults {
                error_rate: 1.0,
                error_status: Some(503),
                errors_after_handler: Some(after_handler),
                only_paths: vec![create_path(kind).into()],
                ..Faults::default()
            })
            .unwrap();
        // Lost after the handler, the look that follows finds the ticket at once (unless the look
        // is refused too, as Zendesk's shares the create's path); lost before, it finds nothing.
        let first = create_once(&journal, &system, settings.base_url(), &attempt, &draft).await;
        let recorded = journal.load(&attempt).unwrap().unwrap();
        match &first {
            Ok(_) => {
                assert!(
                    after_handler,
                    "{kind}: created although every create failed"
                );
                assert_eq!(recorded.state, AttemptState::Created, "{kind}");
            }
            Err(error) => {
                assert!(error.outcome_unknown(), "{kind}: {error}");
                assert_eq!(recorded.state, AttemptState::Unknown, "{kind}");
            }
        }
        assert_eq!(
            count(&held(sandbox).await, kind, &title),
            usize::from(after_handler),
            "{kind}: the fault struck {} the handler",
            if after_handler { "after" } else { "before" }
        );

        sandbox.set_faults(Faults::default()).unwrap();
        if kind == SystemKind::Jira && !after_handler {
            // Jira's search index trails: "not found" proves nothing for JIRA_INDEX_LAG.
            let still = create_once(&journal, &system, settings.base_url(), &attempt, &draft).await;
            assert!(
                still.is_err(),
                "{kind}: resent before the index could show it"
            );
            let mut aged = journal.load(&attempt).unwrap().unwrap();
            aged.sent_at_ms = aged.sent_at_ms.map(|t| t - 31_000);
            journal.save(&aged).unwrap();
        }
        let created = create_once(&journal, &system, settings.base_url(), &attempt, &draft)
            .await
            .unwrap();
        let again = create_once(&journal, &system, settings.base_url(), &attempt, &draft)
            .await
            .unwrap();
        assert_eq!(
            created, again,
            "{kind}: a created attempt is answered from the journal"
        );
        assert_eq!(
            count(&held(sandbox).await, kind, &title),
            1,
            "{kind}: exactly one ticket"
        );
        let recorded = journal.load(&attempt).unwrap().unwrap();
        assert_eq!(
            (recorded.state, recorded.completed),
            (AttemptState::Created, true),
            "{kind}"
        );
    }
    assert!(journal.unfinished().unwrap().is_empty());
}

#[tokio::test]
async fn a_ticket_whose_answer_was_lost_is_found_not_created_again() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    once_through(&sandbox, true).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_ticket_whose_request_was_lost_is_sent_again_once() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    once_through(&sandbox, false).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_process_that_died_mid_call_finds_its_ticket_on_restart() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let dir = tempfile::tempdir().unwrap();
    let database = agentdesk_store::Database::plain(dir.path().join("journal.sqlite3"));
    for settings in all_settings(sandbox.info()).await {
        let kind = settings.kind();
        let system = TicketSystem::new(http(), settings.clone());
        let title = format!("{kind} died mid-call");
        let draft = draft("uid-crash", &title, None);
        let attempt = uuid::Uuid::new_v4().to_string();
        // The record the process left when it died: sending, and the system did create the ticket.
        let sent_at = {
            use agentdesk_domain::Clock as _;
            agentdesk_domain::SystemClock.now().as_i64() - 60_000
        };
        let made = system.send(&draft, &attempt).await.unwrap();
        DatabaseJournal::new(database.clone())
            .save(&TicketAttempt {
                attempt_id: attempt.clone(),
                system: kind,
                target: settings.base_url().to_string(),
                draft: draft.clone(),
                state: AttemptState::Sending,
                sent_at_ms: Some(sent_at),
                ticket: None,
                error: None,
                completed: false,
            })
            .unwrap();
        // A new process: a new journal over the same file.
        let journal = DatabaseJournal::new(database.clone());
        assert_eq!(journal.unfinished().unwrap().len(), 1, "{kind}");
        let found = create_once(&journal, &system, settings.base_url(), &attempt, &draft)
            .await
            .unwrap();
        assert_eq!(found.id, made.id, "{kind}");
        assert_eq!(
            count(&held(&sandbox).await, kind, &title),
            1,
            "{kind}: not created twice"
        );
        assert!(journal.unfinished().unwrap().is_empty(), "{kind}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refusals_say_what_happened_in_words_and_keep_the_draft() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let info = sandbox.info().clone();
    let settings = all_settings(&info).await;
    let sobot = TicketSystem::new(http(), settings[0].clone());
    let dir = tempfile::tempdir().unwrap();
    let journal = DatabaseJournal::new(agentdesk_store::Database::plain(
        dir.path().join("j.sqlite3"),
    ));

    // A category with subcategories: refused by the platform with its code, in words.
    let mut parent = draft("uid-r", "parent category", None);
    parent.type_id = Some("T100".into());
    let error = create_once(
        &journal,
        &sobot,
        settings[0].base_url(),
        "a-parent",
        &parent,
    )
    .await
    .unwrap_err();
    assert_eq!(error.code().as_deref(), Some("400008"), "{error}");
    assert!(
        error.to_string().contains("choose a ticket category"),
        "{error}"
    );
    let kept = journal.load("a-parent").unwrap().unwrap();
    assert_eq!(
        (kept.state, &kept.draft),
        (AttemptState::Refused, &parent),
        "the draft is kept"
    );

    // Checked before sending: the category's required field, against its template.
    let TicketSystem::Sobot(client) = &sobot else {
        unreachable!()
    };
    let dictionary = client.dictionary().await.unwrap();
    let template = client.template_fields("T110").await.unwrap();
    let mut missing = draft("uid-r", "missing field", None);
    missing.fields.retain(|f| f.id != "F1");
    let error =
        validate_draft(SystemKind::Sobot, &missing, Some(&dictionary), &template).unwrap_err();
    assert!(
        error.to_string().contains("\"订单号\" is required"),
        "{error}"
    );
    let mut not_an_option = draft("uid-r", "bad option", None);
    not_an_option.fields[1].value = "9".into();
    let error = validate_draft(
        SystemKind::Sobot,
        &not_an_option,
        Some(&dictionary),
        &template,
    )
    .unwrap_err();
    assert!(error.to_string().contains("退款方式"), "{error}");
    let error =
        validate_draft(SystemKind::Sobot, &parent, Some(&dictionary), &template).unwrap_err();
    assert!(error.to_string().contains("has subcategories"), "{error}");
    let big = dir.path().join("big.bin");
    std::fs::write(&big, vec![0u8; 6 * 1024 * 1024]).unwrap();
    let heavy = draft("uid-r", "heavy", Some(&big));
    let error = validate_draft(SystemKind::Qiyu, &heavy, None, &[]).unwrap_err();
    assert!(error.to_string().contains("at most 5 MB"), "{error}");

    // Wrong secrets: each system's own refusal.
    let TicketSettings::Qiyu(mut qiyu) = settings[3].clone() else {
        unreachable!()
    };
    qiyu.app_secret = Secret::new("wrong");
    let error = TicketSystem::new(http(), TicketSettings::Qiyu(qiyu))
        .list("uid-r")
        .await
        .unwrap_err();
    assert_eq!(error.code().as_deref(), Some("14002"), "{error}");
    assert!(
        error.to_string().contains("check the app secret"),
        "{error}"
    );
    let TicketSettings::Zendesk(mut zendesk) = settings[2].clone() else {
        unreachable!()
    };
    zendesk.api_token = Secret::new("wrong");
    let error = TicketSystem::new(http(), TicketSettings::Zendesk(zendesk))
        .list("uid-r")
        .await
        .unwrap_err();
    assert!(error.credential_refused(), "{error}");

    // An expired company token is renewed without the agent seeing it.
    sandbox
        .set_faults(Faults {
            expire_tokens: true,
            ..Faults::default()
        })
        .unwrap();
    sobot.list("uid-r").await.unwrap();

    // An HTML page where the API should answer.
    let mut sources = std::collections::BTreeMap::new();
    sources.insert(
        "/query_tickets".to_string(),
        SourceFaults {
            garbage: true,
            ..SourceFaults::default()
        },
    );
    sandbox
        .set_faults(Faults {
            sources,
            ..Faults::default()
        })
        .unwrap();
    let error = sobot.list("uid-r").await.unwrap_err();
    assert!(matches!(error, TicketError::Garbled { .. }), "{error:?}");
    assert!(error.to_string().contains("proxy or login page"), "{error}");
    sandbox.set_faults(Faults::default()).unwrap();

    // A closed ticket takes no reply.
    let created = sobot
        .send(&draft("uid-r", "to close", None), "close-me")
        .await
        .unwrap();
    sobot
        .reply(
            &created.id,
            &ReplyDraft {
                content: "关闭".into(),
                status: Some(CLOSED),
                ..ReplyDraft::default()
            },
        )
        .await
        .unwrap();
    let error = sobot
        .reply(
            &created.id,
            &ReplyDraft {
                content: "again".into(),
                ..ReplyDraft::default()
            },
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("closed"), "{error}");
    sandbox.shutdown().await;
}
