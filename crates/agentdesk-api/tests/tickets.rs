//! Tickets from the workbench against the sandbox's ticket systems: a ticket from a session, checked
//! before anything is sent (a category with subcategories, a required template field), created once
//! with its attachment even when submitted twice or when the answer is lost, listed among the
//! customer's tickets, replied to with a status change; a closed ticket takes no reply.

use std::time::Duration;

use agentdesk_api::{
    AttachmentInput, DeskEvent, DraftProblem, ErrorReason, FieldValue, ReplyDraft, SystemKind,
    TicketProgress, TicketRequest, TicketState, Workbench,
};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::common;

fn request(attempt_id: &str, cid: &str, type_id: &str, fields: &[(&str, &str)]) -> TicketRequest {
    TicketRequest {
        attempt_id: attempt_id.into(),
        session_id: cid.into(),
        system: SystemKind::Sobot,
        title: "退款：订单 8812 未收到货".into(),
        content: "客户：我的快递一直没到，想退款。".into(),
        type_id: Some(type_id.into()),
        level: Some(2),
        fields: fields
            .iter()
            .map(|(id, value)| FieldValue {
                id: id.to_string(),
                value: value.to_string(),
            })
            .collect(),
        group_id: None,
        group_name: None,
        assignee_id: None,
        assignee_name: None,
        copied: Vec::new(),
        attachments: vec![AttachmentInput {
            name: "photo.png".into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(b"\x89PNG fake image"),
        }],
    }
}

async fn held_tickets(sandbox: &str) -> Vec<Value> {
    agentdesk_testkit::Controls::new(sandbox).tickets().await
}

/// Waits for the attempt's progress to reach `state` (at most 20 s), as the window hears it.
async fn progress_until(
    events: &mut agentdesk_api::Subscription,
    attempt_id: &str,
    state: TicketState,
    seen: &mut Vec<TicketState>,
) -> TicketProgress {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no {state:?} for {attempt_id}; saw {seen:?}"))
            .expect("the bus is open");
        if let DeskEvent::Ticket { progress, .. } = event {
            if progress.attempt_id == attempt_id {
                seen.push(progress.state);
                if progress.state == state {
                    return progress;
                }
            }
        }
    }
}

async fn visitor(workbench: &Workbench, text: &str) -> String {
    let cid = agentdesk_testkit::Controls::new(workbench.sandbox_url())
        .visitor("王芳", text, None)
        .await;
    common::wait_for_session(workbench, &cid).await;
    cid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_from_a_session_is_checked_created_once_listed_and_replied_to() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let cid = visitor(&workbench, "快递一直没到，我要退款").await;
    let tickets = workbench.tickets();
    let systems: Vec<SystemKind> = tickets.systems().iter().map(|s| s.system).collect();
    assert_eq!(
        systems,
        [
            SystemKind::Sobot,
            SystemKind::Jira,
            SystemKind::Zendesk,
            SystemKind::Qiyu
        ]
    );
    let form = tickets.ticket_form(SystemKind::Sobot).await.unwrap();
    let after_sales = form.dictionary.category("T100").unwrap();
    assert!(!after_sales.leaf && after_sales.children.len() == 2);
    assert!(!form.dictionary.agents.is_empty());
    let fields = tickets
        .template_fields(SystemKind::Sobot, "T110")
        .await
        .unwrap();
    assert!(fields.iter().any(|f| f.id == "F1" && f.required));

    // Checked before anything is sent: a category with subcategories, a required field empty.
    let not_leaf = tickets
        .create_ticket(request("attempt-0001", &cid, "T100", &[]))
        .await
        .unwrap_err();
    assert_eq!(
        not_leaf.reason,
        ErrorReason::TicketDraft {
            problem: DraftProblem::NotALeaf {
                name: "售后".into()
            }
        }
    );
    let missing = tickets
        .create_ticket(request("attempt-0001", &cid, "T110", &[("F2", "1")]))
        .await
        .unwrap_err();
    assert_eq!(
        missing.reason,
        ErrorReason::TicketDraft {
            problem: DraftProblem::FieldRequired {
                field: "订单号".into()
            }
        }
    );
    let refund_way = fields.iter().find(|f| f.id == "F2").unwrap();
    let not_an_option = tickets
        .create_ticket(request(
            "attempt-0001",
            &cid,
            "T110",
            &[("F1", "8812"), ("F2", "bitcoin")],
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        not_an_option.reason,
        ErrorReason::TicketDraft {
            problem: DraftProblem::NotAnOption { .. }
        }
    ));
    assert!(held_tickets(&sandbox).await.is_empty(), "nothing was sent");

    // Fixed and sent: created once, with its attachment, even when submitted twice.
    let mut events = workbench.subscribe();
    let good = request(
        "attempt-0001",
        &cid,
        "T110",
        &[("F1", "8812"), ("F2", &refund_way.options[0].value)],
    );
    let first = tickets.create_ticket(good.clone()).await.unwrap();
    assert_eq!(first.state, TicketState::Creating);
    let _ = tickets.create_ticket(good.clone()).await.unwrap();
    let mut seen = Vec::new();
    let created =
        progress_until(&mut events, "attempt-0001", TicketState::Created, &mut seen).await;
    let number = created.number.clone().unwrap();
    let again = tickets.create_ticket(good).await.unwrap();
    assert_eq!(again.state, TicketState::Creating);
    let again = progress_until(&mut events, "attempt-0001", TicketState::Created, &mut seen).await;
    assert_eq!(again.number.as_deref(), Some(number.as_str()));
    let held = held_tickets(&sandbox).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["cid"], json!(cid));
    assert_eq!(held[0]["number"], json!(number));
    assert_eq!(held[0]["attachments"].as_array().unwrap().len(), 1);

    // The supervisor's figures (Sobot's get_ticket_data, query_agent_jobs) count it as unsolved.
    let figures = tickets
        .ticket_figures("2026-01-01", "2026-01-31")
        .await
        .unwrap()
        .expect("the merchant uses Sobot 工单");
    assert_eq!((figures.unassigned, figures.unsolved), (1, 1));
    let not_a_day = tickets
        .ticket_figures("2026-02-30", "2026-03-01")
        .await
        .unwrap_err();
    assert_eq!(
        not_a_day.reason,
        ErrorReason::NotADate {
            text: "2026-02-30".into()
        }
    );

    // The customer's tickets: the new one, open; a reply that solves it changes its status.
    let list = tickets.customer_tickets(&cid, true).await.unwrap();
    assert!(list.failures.is_empty(), "{:?}", list.failures);
    let listed = list
        .tickets
        .iter()
        .find(|t| t.ticket.number == number)
        .expect("listed");
    assert!(listed.ticket.open);
    let kept = tickets.customer_tickets(&cid, false).await.unwrap();
    assert_eq!(kept.tickets, list.tickets, "kept for the next look");
    let id = listed.ticket.id.clone();
    let solved = tickets
        .reply_ticket(
            SystemKind::Sobot,
            &id,
            ReplyDraft {
                content: "已为您办理退款".into(),
                internal: false,
                status: Some(3),
                level: Some(3),
                assignee_id: Some(form.dictionary.agents[0].value.clone()),
                assignee_name: Some(form.dictionary.agents[0].name.clone()),
                ..ReplyDraft::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(solved.summary.status, "3");
    // Its level and assignee changed with the reply (Sobot changes a ticket only through one).
    assert_eq!(solved.summary.level, Some(3));
    assert_eq!(solved.summary.assignee, form.dictionary.agents[0].name);
    assert!(!solved.summary.open);
    assert!(solved.replies.iter().any(|r| r.content == "已为您办理退款"));

    // A closed ticket takes no reply, and says so.
    tickets
        .reply_ticket(
            SystemKind::Sobot,
            &id,
            ReplyDraft {
                content: "关闭".into(),
                internal: true,
                status: Some(99),
                ..ReplyDraft::default()
            },
        )
        .await
        .unwrap();
    let refused = tickets
        .reply_ticket(
            SystemKind::Sobot,
            &id,
            ReplyDraft {
                content: "还在吗".into(),
                ..ReplyDraft::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        refused.reason,
        ErrorReason::TicketDraft {
            problem: DraftProblem::TicketClosed
        }
    );
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_checked_and_never_makes_a_second_ticket() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let cid = visitor(&workbench, "维修怎么申请").await;
    // Sobot stores every ticket, but every answer to a create is lost, and the lookups fail too
    // for a while: the ticket is being checked, and nothing is sent again.
    agentdesk_testkit::Controls::new(&sandbox)
        .faults(
            json!({"error_rate": 1.0, "error_status": 502, "errors_after_handler": true,
               "only_paths": ["/save_agent_ticket", "/query_tickets"]}),
        )
        .await;
    let mut events = workbench.subscribe();
    let complaint = request("attempt-lost-1", &cid, "T200", &[]);
    workbench.tickets().create_ticket(complaint).await.unwrap();
    let mut seen = Vec::new();
    let checking = progress_until(
        &mut events,
        "attempt-lost-1",
        TicketState::Checking,
        &mut seen,
    )
    .await;
    assert!(matches!(
        checking.error.unwrap().reason,
        ErrorReason::TicketHttp { status: 502, .. }
    ));
    // The system answers again: the next lookup finds the ticket the lost answer created.
    agentdesk_testkit::Controls::new(&sandbox)
        .faults(json!({}))
        .await;
    let created = progress_until(
        &mut events,
        "attempt-lost-1",
        TicketState::Created,
        &mut seen,
    )
    .await;
    let held: Vec<Value> = held_tickets(&sandbox)
        .await
        .into_iter()
        .filter(|t| t["system"] == "sobot")
        .collect();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        Some(held[0]["id"].as_str().unwrap()),
        created.ticket_id.as_deref()
    );
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_unsettled_at_exit_is_settled_by_the_next_start_without_a_second_ticket() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let url = sandbox.base_url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        agentdesk_api::Workbench::start_demo(
            dir.path().to_path_buf(),
            agentdesk_api::DemoOptions::at(Some(url.clone()), Default::default())
                .on_keychain(common::test_keychain()),
        )
    };
    let workbench = start().await.unwrap();
    let cid = visitor(&workbench, "投诉：客服态度").await;
    // The create lands but its answer is lost, and the system cannot be asked: still checking at exit.
    agentdesk_testkit::Controls::new(&url)
        .faults(
            json!({"error_rate": 1.0, "error_status": 503, "errors_after_handler": true,
               "only_paths": ["/save_agent_ticket", "/query_tickets"]}),
        )
        .await;
    let mut events = workbench.subscribe();
    workbench
        .tickets()
        .create_ticket(request("attempt-exit-1", &cid, "T200", &[]))
        .await
        .unwrap();
    progress_until(
        &mut events,
        "attempt-exit-1",
        TicketState::Checking,
        &mut Vec::new(),
    )
    .await;
    workbench.shutdown().await;
    assert_eq!(
        held_tickets(&url).await.len(),
        1,
        "the lost answer's ticket"
    );

    // The next start looks it up (the system answers again) and finds it: no second ticket.
    agentdesk_testkit::Controls::new(&url)
        .faults(json!({}))
        .await;
    let restarted = start().await.unwrap();
    let settled =
        agentdesk_testkit::wait_for_async("the attempt settled after the restart", || {
            let tickets = restarted.tickets();
            async move {
                tickets
                    .attempts()
                    .into_iter()
                    .find(|p| p.attempt_id == "attempt-exit-1" && p.state == TicketState::Created)
            }
        })
        .await;
    let held = held_tickets(&url).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["number"].as_str(), settled.number.as_deref());
    restarted.shutdown().await;
    sandbox.shutdown().await;
}
