//! The service written back to the merchant's order system (the demo's `sandbox-oms` preset: a PUT
//! keyed by the write-back's id): the summary's result reaches it once, with the customer and the
//! newest order; retried while the system fails, once through; after a crash with a try out (the
//! row left `sending`) it is sent again and still makes one note; each outcome in the audit log.

use std::time::Duration;

use agentdesk_testkit::Controls;
use serde_json::{json, Value};

use crate::common;

async fn notes(controls: &Controls) -> Vec<Value> {
    controls.get("/service-notes").await["notes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits (at most `secs`) until the OMS holds `count` notes.
async fn notes_until(controls: &Controls, count: usize, secs: u64) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let held = notes(controls).await;
        if held.len() >= count || tokio::time::Instant::now() > deadline {
            return held;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The write-backs once the newest is in `state` (at most 5 s).
async fn write_backs_until(
    workbench: &agentdesk_api::Workbench,
    state: &str,
) -> Vec<agentdesk_api::WriteBackView> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let recent = workbench.write_backs().recent(10).await.unwrap();
        if recent.first().is_some_and(|w| w.state == state)
            || tokio::time::Instant::now() > deadline
        {
            return recent;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_is_written_back_once_through_failures_and_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let workbench = common::demo_workbench_in(dir.path()).await;
    let controls = Controls::new(workbench.sandbox_url());
    let cid = controls
        .post(
            "/visitors",
            json!({"name": "王芳", "text": "耳机左耳没声音", "phone": "13812345678"}),
        )
        .await["cid"]
        .as_str()
        .unwrap()
        .to_string();
    common::wait_for_session(&workbench, &cid).await;
    // The 360° view was looked at (the customer and their orders are known).
    let view = workbench
        .customers()
        .customer_view(&cid, true)
        .await
        .unwrap();
    let newest_order = view.orders.value.unwrap()[0].id.clone();

    // The order system fails the first tries (before doing anything): tried again, once through.
    controls
        .faults(
            json!({"sources": {"/oms/v1/service-notes/": {"error_rate": 1.0, "error_status": 503}},
                       "errors_after_handler": false}),
        )
        .await;
    workbench
        .conversations()
        .submit_summary(&cid, "左耳无声，已安排换货", true)
        .await
        .unwrap();
    // The first try failed: waiting for the next, the error kept (at most 5 s to see it).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let waiting = loop {
        let recent = workbench.write_backs().recent(10).await.unwrap();
        let failed_once = recent
            .first()
            .is_some_and(|w| w.state == "pending" && w.last_error.is_some());
        if failed_once || tokio::time::Instant::now() > deadline {
            break recent;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(notes(&controls).await.is_empty());
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].state, "pending");
    assert!(waiting[0]
        .last_error
        .as_deref()
        .unwrap_or("")
        .contains("503"));
    controls.faults(json!({})).await;
    let held = notes_until(&controls, 1, 15).await;
    assert_eq!(held.len(), 1, "{held:?}");
    let note = &held[0]["note"];
    assert_eq!(note["session"], cid.as_str());
    assert_eq!(note["customer"], "王芳");
    assert_eq!(note["summary"], "左耳无声，已安排换货");
    assert_eq!(note["resolved"], "true");
    assert_eq!(note["order"], newest_order.as_str());
    assert_eq!(note["phone"], "13812345678");
    // The system has it; the desk records so just after (waited for, at most 5 s).
    let sent = write_backs_until(&workbench, "sent").await;
    assert_eq!(sent[0].state, "sent");
    assert_eq!(sent[0].attempts, 2);

    // A crash with the try out: the row is found `sending` at the next start. The preset says a
    // repeat is safe (a PUT keyed by the id), so it goes again, and the system still holds one note.
    let id = sent[0].id.clone();
    let database = workbench.database();
    workbench.shutdown().await;
    {
        let store = database.open().unwrap();
        store
            .update_write_back(&id, "sending", 2, 0, None, 0)
            .unwrap();
    }
    let workbench = common::demo_workbench_in(dir.path()).await;
    // The restarted demo has a sandbox of its own: the note arrives there.
    let controls = Controls::new(workbench.sandbox_url());
    let held = notes_until(&controls, 1, 15).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["id"], id.as_str());
    assert_eq!(held[0]["requests"], 1);
    let resent = write_backs_until(&workbench, "sent").await;
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].state, "sent");
    assert_eq!(resent[0].attempts, 3);

    // Each outcome in the audit log (written just after the state: waited for, at most 5 s).
    let database = workbench.database();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let audited = loop {
        let database = database.clone();
        let audited: Vec<String> = tokio::task::spawn_blocking(move || {
            database
                .open_read_only()
                .unwrap()
                .audit_entries(200)
                .unwrap()
                .into_iter()
                .filter(|e| e.endpoint == "write_back:Lumen OMS:service-note")
                .map(|e| e.outcome)
                .collect()
        })
        .await
        .unwrap();
        if audited.len() >= 2 || tokio::time::Instant::now() > deadline {
            break audited;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(audited, ["ok", "ok"], "{audited:?}");
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_created_from_a_session_is_written_back_once() {
    let (_dir, workbench) = common::demo_workbench().await;
    let controls = Controls::new(workbench.sandbox_url());
    let cid = controls.visitor("王芳", "快递丢了", None).await;
    common::wait_for_session(&workbench, &cid).await;
    let request = agentdesk_api::TicketRequest {
        attempt_id: "wb-ticket-0001".into(),
        session_id: cid.clone(),
        system: agentdesk_api::SystemKind::Zendesk,
        title: "快递丢失".into(),
        content: "客户：快递丢了".into(),
        type_id: None,
        level: None,
        fields: Vec::new(),
        group_id: None,
        group_name: None,
        assignee_id: None,
        assignee_name: None,
        copied: Vec::new(),
        attachments: Vec::new(),
    };
    workbench
        .tickets()
        .create_ticket(request.clone())
        .await
        .unwrap();
    let held = notes_until(&controls, 1, 20).await;
    assert_eq!(held.len(), 1, "{held:?}");
    let ticket = held[0]["note"]["ticket"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        ticket.starts_with("zendesk #") && ticket.len() > "zendesk #".len(),
        "{ticket}"
    );
    // The same ticket submitted again is the same ticket, and the same write-back.
    workbench.tickets().create_ticket(request).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let held = notes(&controls).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["requests"], 1, "{held:?}");
    workbench.shutdown().await;
}
