//! The 360° view against the sandbox: the platform's record of the visitor and its customer center,
//! past sessions on other channels, the CRM profile, the orders from the order system (declarative
//! connector) and the parcel of each order; cached answers first; personal data masked until revealed
//! (and the reveal audited); a failing source costs only its own card.

use std::time::{Duration, Instant};

use agentdesk_api::{CardState, PersonalField};
use serde_json::json;

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_in_focus_with_orders_tracking_cache_masking_and_a_failing_source() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    // The customer wrote on WeChat last time.
    let earlier = agentdesk_testkit::post_json(&
        format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "王芳", "text": "发票怎么开？手机 13812345678", "partnerid": "buyer-7", "phone": "13812345678", "channel": 1}),
    )
    .await;
    let earlier_cid = earlier["cid"].as_str().unwrap().to_string();
    agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors/{earlier_cid}/leave"),
        json!({}),
    )
    .await;
    let visitor = agentdesk_testkit::post_json(&
        format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "王芳", "text": "我的快递到哪了？", "partnerid": "buyer-7", "phone": "13812345678"}),
    )
    .await;
    let cid = visitor["cid"].as_str().unwrap().to_string();
    common::wait_for_session(&workbench, &cid).await;

    // Nothing cached yet: the view is empty but says so.
    let cold = workbench
        .customers()
        .customer_view(&cid, false)
        .await
        .unwrap();
    assert!(cold.profile.value.is_none() && cold.orders.value.is_none());

    let view = workbench
        .customers()
        .customer_view(&cid, true)
        .await
        .unwrap();
    assert_eq!(view.partner_id.as_deref(), Some("buyer-7"));
    assert_eq!(
        view.phone.as_deref(),
        Some("138****5678"),
        "masked by default"
    );
    assert_eq!(view.profile.state, CardState::Fresh);
    assert_eq!(
        view.profile.value.as_ref().unwrap().name.as_deref(),
        Some("王芳")
    );
    assert_eq!(view.profile_source.as_deref(), Some("Lumen CRM"));
    assert_eq!(view.orders_source.as_deref(), Some("Lumen OMS"));
    // The platform's customer center and the earlier session with a masked preview (query_cids does
    // not say a session's channel, so none is shown).
    assert_eq!(view.record.state, CardState::Fresh);
    assert!(view
        .record
        .value
        .as_ref()
        .unwrap()
        .labels
        .contains(&"回头客".to_string()));
    let history = view.history.value.clone().unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].cid, earlier_cid);
    assert_eq!(history[0].channel, None);
    assert_eq!(
        history[0].preview.as_deref(),
        Some("发票怎么开？手机 138****5678")
    );
    // Orders from the order system through the declarative connector, newest first; the newest
    // is shipped with SF Express and tracked at SF.
    let orders = view.orders.value.clone().unwrap();
    assert!((1..=3).contains(&orders.len()), "{orders:?}");
    assert!(orders[0].id.starts_with("LM") && !orders[0].lines.is_empty());
    let shipment = orders[0]
        .shipment
        .as_ref()
        .expect("the order has a waybill");
    assert_eq!(shipment.state, CardState::Fresh, "{shipment:?}");
    let parcel = shipment.value.as_ref().unwrap();
    assert!(!parcel.events.is_empty());
    assert!(parcel.summary.contains(&parcel.waybill));
    assert!(parcel.waybill.starts_with("SF"));

    // Cached: at once, with its time.
    let cached = workbench
        .customers()
        .customer_view(&cid, false)
        .await
        .unwrap();
    assert_eq!(cached.profile.state, CardState::Cached);
    assert!(cached.profile.as_of_ms.is_some());
    assert_eq!(cached.orders.value.as_ref().unwrap().len(), orders.len());
    assert_eq!(cached.history.value.as_ref().unwrap().len(), 1);

    // Revealing the phone shows it in full and is audited.
    let phone = workbench
        .customers()
        .reveal_customer_field(&cid, PersonalField::Phone)
        .await
        .unwrap();
    assert_eq!(phone, "13812345678");
    let audit = workbench
        .database()
        .open()
        .unwrap()
        .audit_entries(50)
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.endpoint == "reveal" && e.detail.contains(&cid)),
        "{audit:?}"
    );
    assert!(audit.iter().all(|e| !e.detail.contains("13812345678")));
    // Entries older than the retention go; the recent ones stay.
    workbench
        .database()
        .open()
        .unwrap()
        .apply(
            &[agentdesk_store::Write::Audit(agentdesk_store::AuditEntry {
                at_ms: 1_000,
                actor: "a***@x".into(),
                endpoint: "send".into(),
                duration_ms: 1.0,
                outcome: "ok".into(),
                detail: String::new(),
            })],
        )
        .unwrap();
    assert!(
        workbench.prune_audit_log(30).await.unwrap(),
        "the old entry went"
    );
    let kept = workbench
        .database()
        .open()
        .unwrap()
        .audit_entries(500)
        .unwrap();
    assert!(kept.iter().all(|e| e.at_ms > 1_000));
    assert!(kept.iter().any(|e| e.endpoint == "reveal"));
    // The connectors' calls are in the audit log and the API health figures, like the platform's.
    assert!(
        audit
            .iter()
            .any(|e| e.endpoint.ends_with(":orders") && e.outcome == "ok"),
        "{audit:?}"
    );
    let health = workbench.api_health().await;
    // Each source's own endpoints: the CRM's (the Qiyu protocol) and the order system's.
    for suffix in ["qiyu-crm:get_user_info", ":orders"] {
        assert!(
            health
                .endpoints
                .iter()
                .any(|e| e.endpoint.ends_with(suffix) && e.calls > 0),
            "{suffix} in {:?}",
            health.endpoints
        );
    }

    // A second customer while the CRM hangs and SF Express fails: those cards fail (the CRM's after
    // the timeout), the others are unaffected and the whole view comes back promptly.
    let other = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "Sam", "text": "hi", "partnerid": "buyer-8", "phone": "13900001111"}),
    )
    .await;
    let other_cid = other["cid"].as_str().unwrap().to_string();
    common::wait_for_session(&workbench, &other_cid).await;
    agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/faults"),
        json!({"sources": {
            "/qiyu-crm/get_user_info": {"latency_ms": 3000},
            "/std/service": {"error_rate": 1.0, "error_status": 500},
        }}),
    )
    .await;
    let started = Instant::now();
    let slow = workbench
        .customers()
        .customer_view(&other_cid, true)
        .await
        .unwrap();
    let took = started.elapsed();
    agentdesk_testkit::post_json(&format!("{sandbox}/__sandbox/faults"), json!({})).await;
    // The hung CRM counts as a failed call of its endpoint (the view stopped waiting for it).
    assert!(workbench
        .api_health()
        .await
        .endpoints
        .iter()
        .any(|e| e.endpoint == "qiyu-crm:get_user_info" && e.failures > 0));
    assert!(
        took < Duration::from_millis(2_900),
        "the view waited for a hung source: {took:?}"
    );
    assert_eq!(slow.profile.state, CardState::Failed);
    assert!(
        slow.profile
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("800 ms"),
        "{:?}",
        slow.profile
    );
    // Each source had faults of its own: the CRM hung, SF Express failed; the orders and the
    // platform's own records were not held up, and a parcel at another carrier was tracked.
    assert_eq!(slow.record.state, CardState::Fresh);
    assert_eq!(slow.orders.state, CardState::Fresh);
    let slow_orders = slow.orders.value.clone().unwrap();
    let sf = slow_orders[0].shipment.as_ref().unwrap();
    assert_eq!(sf.state, CardState::Failed, "{sf:?}");
    assert!(
        sf.error.as_deref().unwrap_or_default().contains("500"),
        "{sf:?}"
    );
    if let Some(zto) = slow_orders.get(1).and_then(|o| o.shipment.as_ref()) {
        assert_eq!(zto.state, CardState::Fresh, "{zto:?}");
    }
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carriers_answering_garbage_fail_their_cards_and_trip_their_breakers() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    // Both carriers answer 200 with an HTML page instead of their API's JSON.
    agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/faults"),
        json!({"sources": {
            "/poll/query.do": {"garbage": true},
            "/std/service": {"garbage": true},
        }}),
    )
    .await;
    let mut failed = 0;
    let mut paused = 0;
    for n in 0..6 {
        let visitor = agentdesk_testkit::post_json(&
            format!("{sandbox}/__sandbox/visitors"),
            json!({"name": format!("客户{n}"), "text": "快递呢", "phone": format!("1390000{n:04}")}),
        )
        .await;
        let cid = visitor["cid"].as_str().unwrap().to_string();
        common::wait_for_session(&workbench, &cid).await;
        let view = workbench
            .customers()
            .customer_view(&cid, true)
            .await
            .unwrap();
        // The orders are not held up by the carriers.
        assert_eq!(view.orders.state, CardState::Fresh, "{:?}", view.orders);
        for order in view.orders.value.unwrap_or_default() {
            let Some(shipment) = order.shipment else {
                continue;
            };
            assert_eq!(shipment.state, CardState::Failed, "{shipment:?}");
            assert!(shipment.value.is_none(), "garbage shown as a parcel");
            let error = shipment.error.clone().unwrap_or_default();
            if error.contains("paused") {
                assert!(shipment.retry_in_ms.is_some_and(|ms| ms > 0));
                paused += 1;
            } else {
                failed += 1;
            }
        }
    }
    assert!(failed >= 1, "no carrier call failed on garbage");
    assert!(
        paused >= 1,
        "the breakers never opened ({failed} failures): repeated garbage must pause the carrier"
    );
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_note_about_a_customer_is_kept_per_customer_across_their_sessions() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let first = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "李雷", "text": "在吗", "partnerid": "buyer-31"}),
    )
    .await;
    let first_cid = first["cid"].as_str().unwrap().to_string();
    common::wait_for_session(&workbench, &first_cid).await;
    assert_eq!(
        workbench
            .customers()
            .customer_note(&first_cid)
            .await
            .unwrap()
            .text,
        ""
    );
    assert_eq!(
        workbench
            .customers()
            .customer_note(&first_cid)
            .await
            .unwrap()
            .updated_at_ms,
        None
    );

    let saved = workbench
        .customers()
        .save_customer_note(&first_cid, "上次退款已处理\n下次优先电话联系")
        .await
        .unwrap();
    assert!(saved.updated_at_ms.is_some());
    let read = workbench
        .customers()
        .customer_note(&first_cid)
        .await
        .unwrap();
    assert_eq!(read, saved);

    // Another customer has no note; an unknown session is refused in words.
    let other = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "韩梅梅", "text": "你好", "partnerid": "buyer-32"}),
    )
    .await;
    let other_cid = other["cid"].as_str().unwrap().to_string();
    common::wait_for_session(&workbench, &other_cid).await;
    assert_eq!(
        workbench
            .customers()
            .customer_note(&other_cid)
            .await
            .unwrap()
            .text,
        ""
    );
    let missing = workbench
        .customers()
        .customer_note("no-such-session")
        .await
        .unwrap_err();
    assert_eq!(missing.code, agentdesk_api::ErrorCode::NotFound);

    // Too long: refused with the limit, and the note already kept is untouched.
    let long = "字".repeat(agentdesk_domain::limits::MAX_NOTE_CHARS + 1);
    let refused = workbench
        .customers()
        .save_customer_note(&first_cid, &long)
        .await
        .unwrap_err();
    assert_eq!(refused.code, agentdesk_api::ErrorCode::InvalidInput);
    assert!(refused.message.contains("20000"), "{}", refused.message);
    assert_eq!(
        workbench
            .customers()
            .customer_note(&first_cid)
            .await
            .unwrap(),
        read
    );

    // The customer comes back in a new session: the note is there.
    agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors/{first_cid}/leave"),
        json!({}),
    )
    .await;
    let again = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "李雷", "text": "又是我", "partnerid": "buyer-31"}),
    )
    .await;
    let again_cid = again["cid"].as_str().unwrap().to_string();
    assert_ne!(again_cid, first_cid);
    common::wait_for_session(&workbench, &again_cid).await;
    assert_eq!(
        workbench
            .customers()
            .customer_note(&again_cid)
            .await
            .unwrap(),
        read
    );

    // Blank is no note.
    let cleared = workbench
        .customers()
        .save_customer_note(&first_cid, "  \n ")
        .await
        .unwrap();
    assert_eq!((cleared.text.as_str(), cleared.updated_at_ms), ("", None));
    assert_eq!(
        workbench
            .customers()
            .customer_note(&first_cid)
            .await
            .unwrap(),
        cleared
    );
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_merchants_form_is_sent_tagged_and_its_submission_shows_in_the_view() {
    let (_dir, workbench) = common::demo_workbench().await;
    let controls = agentdesk_testkit::Controls::new(workbench.sandbox_url());
    let cid = controls.visitor("王芳", "我要退货", None).await;
    common::wait_for_session(&workbench, &cid).await;
    let customers = workbench.customers();
    let view = customers.customer_view(&cid, true).await.unwrap();
    assert_eq!(view.form_title.as_deref(), Some("售后申请"));
    assert_eq!(view.forms.value.as_deref(), Some(&[][..]));

    // The link names this session, so the submission is matched to it.
    let link = customers.form_link(&cid).await.unwrap();
    let token = link
        .split("/f/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .unwrap()
        .to_string();
    assert!(link.ends_with(&format!("?x_field_1={cid}")), "{link}");
    controls
        .post(
            &format!("/forms/{token}/entries"),
            serde_json::json!({"field_1": "退货", "field_2": "13812345678",
                "field_3": "耳机左耳没声音", "x_field_1": cid}),
        )
        .await;
    // Another customer's submission is not shown.
    controls
        .post(
            &format!("/forms/{token}/entries"),
            serde_json::json!({"field_1": "维修", "field_2": "13900000000", "x_field_1": "cid-other"}),
        )
        .await;
    // Followed while the session is open: a look after the kept answer's 10 s asks again (one
    // sooner shows what was kept), so look as the window does until it shows.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let forms = loop {
        let view = customers.customer_view(&cid, true).await.unwrap();
        let forms = view.forms.value.unwrap_or_default();
        if !forms.is_empty() || tokio::time::Instant::now() > deadline {
            break forms;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    assert_eq!(forms.len(), 1, "{forms:?}");
    assert!(forms[0].tagged);
    let fields: Vec<(String, String)> = forms[0]
        .fields
        .iter()
        .map(|f| (f.label.clone(), f.value.clone()))
        .collect();
    assert_eq!(
        fields,
        [
            ("问题类型".to_string(), "退货".to_string()),
            ("手机".to_string(), "138****5678".to_string()),
            ("详细描述".to_string(), "耳机左耳没声音".to_string()),
        ]
    );
    workbench.shutdown().await;
}
