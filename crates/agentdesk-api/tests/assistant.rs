//! The reply assistant in a demo workbench against the sandbox's model provider: a draft streams
//! as events, grounded in the knowledge base, with the customer's data back in it and none of it
//! sent; the policy and the budget turn it off in words; a cancelled call goes quiet and keeps what
//! arrived; a failing provider leaves the workbench working; every call is audited and counted.

use crate::common;

use std::time::Duration;

use agentdesk_api::{
    AssistEvent, AssistInput, AssistOutcome, AssistStep, AssistantOff, AssistantPolicy, DeskEvent,
    DraftFate, ErrorReason, Subscription,
};
use serde_json::{json, Value};

async fn visitor(sandbox: &str, text: &str) -> String {
    let answer = agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/visitors"),
        json!({"name": "李雷", "text": text, "phone": "13700001111"}),
    )
    .await;
    answer["cid"].as_str().unwrap().to_string()
}

async fn faults(sandbox: &str, llm: Value) {
    agentdesk_testkit::post_json(
        &format!("{sandbox}/__sandbox/faults"),
        json!({ "llm": llm }),
    )
    .await;
}

/// The call's events until it is done: the text pieces and the outcome.
async fn until_done(events: &mut Subscription, call_id: &str) -> (Vec<AssistEvent>, AssistOutcome) {
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .expect("the assistant's call did not end")
            .expect("the bus closed");
        if let DeskEvent::Assist { step: event, .. } = event {
            if event.call_id != call_id {
                continue;
            }
            if let AssistStep::Done { outcome } = &event.step {
                let outcome = outcome.clone();
                seen.push(event);
                return (seen, outcome);
            }
            seen.push(event);
        }
    }
}

fn texts(events: &[AssistEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match &e.step {
            AssistStep::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_streams_grounded_and_keeps_the_customer_s_data_on_the_desk() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let cid = visitor(
        &sandbox,
        "耳机退款多久到账？我的手机13700001111，邮箱lilei@example.com",
    )
    .await;
    common::wait_for_session(&workbench, &cid).await;
    let status = workbench.assistant().status().await.unwrap();
    assert!(status.on, "demo mode has the assistant on: {status:?}");
    assert_eq!(status.model.as_deref(), Some("sandbox-chat"));

    let mut events = workbench.subscribe();
    let call_id = workbench
        .assistant()
        .start(&cid, AssistInput::Draft, "zh-CN")
        .await
        .unwrap();
    let (seen, outcome) = until_done(&mut events, &call_id).await;
    assert!(outcome.problem.is_none(), "{outcome:?}");
    assert!(!outcome.partial);
    assert_eq!(
        texts(&seen).trim(),
        outcome.text,
        "the pieces make the draft"
    );
    assert!(seen.len() > 3, "streamed in pieces: {}", seen.len());
    assert_eq!(outcome.articles.len(), 1, "{outcome:?}");
    assert!(
        outcome.articles[0].title.contains("退款"),
        "grounded in a refund article: {outcome:?}"
    );
    assert!(outcome.text.starts_with("您好，李雷！"), "{}", outcome.text);
    assert!(outcome.prompt_tokens > 0 && outcome.first_token_ms.is_some());

    let sent = agentdesk_testkit::Controls::new(&sandbox)
        .get("/llm-requests")
        .await
        .to_string();
    for personal in ["13700001111", "lilei@example.com", "李雷"] {
        assert!(!sent.contains(personal), "{personal} reached the provider");
    }

    // Audited (masked, with its tokens) and counted.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let audit = workbench
        .database()
        .open_read_only()
        .unwrap()
        .audit_entries(50)
        .unwrap();
    let line = audit
        .iter()
        .find(|e| e.endpoint == "assistant:draft")
        .expect("the call is in the audit log");
    assert_eq!(line.outcome, "ok");
    assert!(line.detail.contains("prompt"), "{line:?}");
    assert!(workbench
        .assistant()
        .record_fate(&call_id, DraftFate::Edited)
        .await
        .unwrap());
    assert!(
        !workbench
            .assistant()
            .record_fate(&call_id, DraftFate::Discarded)
            .await
            .unwrap(),
        "the first fate stands"
    );
    let figures = workbench.assistant().figures(0, i64::MAX).await.unwrap();
    assert_eq!(
        (figures.calls, figures.failed, figures.drafts_edited),
        (1, 0, 1)
    );
    assert_eq!(
        figures.prompt_tokens + figures.completion_tokens,
        workbench.assistant().status().await.unwrap().tokens_today
    );
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_and_the_budget_turn_it_off_in_words() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let cid = visitor(&sandbox, "where is my parcel?").await;
    common::wait_for_session(&workbench, &cid).await;
    let assistant = workbench.assistant();

    assistant
        .set_policy(AssistantPolicy {
            enabled: false,
            ..AssistantPolicy::off()
        })
        .await
        .unwrap();
    let error = assistant
        .start(&cid, AssistInput::Draft, "en")
        .await
        .unwrap_err();
    assert_eq!(
        error.reason,
        ErrorReason::AssistantOff {
            why: AssistantOff::TurnedOff
        }
    );
    assert!(error.message.contains("supervisor"), "{error:?}");

    assistant
        .set_policy(AssistantPolicy {
            enabled: true,
            translate: false,
            daily_token_budget: 50,
            ..AssistantPolicy::off()
        })
        .await
        .unwrap();
    let error = assistant
        .start(
            &cid,
            AssistInput::Translate {
                text: None,
                to: "zh".into(),
            },
            "en",
        )
        .await
        .unwrap_err();
    assert!(error.message.contains("feature is off"), "{error:?}");

    let mut events = workbench.subscribe();
    let call_id = assistant
        .start(&cid, AssistInput::Summary, "en")
        .await
        .unwrap();
    let (_, outcome) = until_done(&mut events, &call_id).await;
    assert!(outcome
        .summary
        .unwrap()
        .starts_with("The customer asked: where is my parcel?"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = assistant.status().await.unwrap();
    assert!(status.tokens_today >= 50, "{status:?}");
    assert_eq!(status.off_reason, Some(AssistantOff::BudgetSpent));
    let error = assistant
        .start(&cid, AssistInput::Draft, "en")
        .await
        .unwrap_err();
    assert!(error.message.contains("budget"), "{error:?}");
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_call_goes_quiet_and_keeps_what_arrived() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let cid = visitor(&sandbox, "耳机退款多久到账").await;
    common::wait_for_session(&workbench, &cid).await;
    faults(&sandbox, json!({"token_delay_ms": 100})).await;
    let mut events = workbench.subscribe();
    let call_id = workbench
        .assistant()
        .start(&cid, AssistInput::Draft, "zh-CN")
        .await
        .unwrap();
    // Wait for some text, then cancel.
    let mut pieces = 0;
    while pieces < 3 {
        if let Ok(Some(DeskEvent::Assist {
            step:
                AssistEvent {
                    step: AssistStep::Text { .. },
                    ..
                },
            ..
        })) = tokio::time::timeout(Duration::from_secs(10), events.recv()).await
        {
            pieces += 1;
        }
    }
    assert!(workbench.assistant().cancel(&call_id));
    assert!(!workbench.assistant().cancel(&call_id), "once");
    let (_, outcome) = until_done(&mut events, &call_id).await;
    assert_eq!(outcome.problem.as_deref(), Some("cancelled"));
    assert!(outcome.partial && !outcome.text.is_empty(), "{outcome:?}");
    // Nothing more of that call arrives.
    let quiet = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            if let Some(DeskEvent::Assist { step: event, .. }) = events.recv().await {
                if event.call_id == call_id {
                    return event;
                }
            }
        }
    })
    .await;
    assert!(quiet.is_err(), "after cancel: {quiet:?}");
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provider_is_told_and_the_workbench_carries_on() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let cid = visitor(&sandbox, "hello").await;
    common::wait_for_session(&workbench, &cid).await;
    faults(&sandbox, json!({"status": 500})).await;
    let mut events = workbench.subscribe();
    let call_id = workbench
        .assistant()
        .start(&cid, AssistInput::Draft, "en")
        .await
        .unwrap();
    let (_, outcome) = until_done(&mut events, &call_id).await;
    assert_eq!(outcome.problem.as_deref(), Some("server"));
    assert!(outcome.error.unwrap().contains("Try again"));
    // The conversation goes on as before.
    workbench
        .conversations()
        .send_text(&cid, "We are looking into it.", None)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let figures = workbench.assistant().figures(0, i64::MAX).await.unwrap();
    assert_eq!((figures.calls, figures.failed), (1, 1));
    workbench.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_s_reply_is_translated_into_the_customer_s_language() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let cid = visitor(&sandbox, "耳机退款多久到账？").await;
    common::wait_for_session(&workbench, &cid).await;
    let mut events = workbench.subscribe();
    let call_id = workbench
        .assistant()
        .start(
            &cid,
            AssistInput::Translate {
                text: Some("Your refund is on its way.".into()),
                to: "customer".into(),
            },
            "en",
        )
        .await
        .unwrap();
    let (_, outcome) = until_done(&mut events, &call_id).await;
    assert!(outcome.problem.is_none(), "{outcome:?}");
    let sent = agentdesk_testkit::Controls::new(&sandbox)
        .get("/llm-requests")
        .await;
    let last = sent["requests"].as_array().unwrap().last().unwrap().clone();
    let system = last["body"]["messages"][0]["content"].as_str().unwrap();
    assert!(system.starts_with("Task: translate"), "{system}");
    assert!(
        system.contains("Chinese") || system.contains("中文"),
        "into the customer's language (Chinese): {system}"
    );
    assert!(last["body"]
        .to_string()
        .contains("Your refund is on its way."));

    let refused = workbench
        .assistant()
        .start(
            &cid,
            AssistInput::Translate {
                text: Some("hi".into()),
                to: "klingon".into(),
            },
            "en",
        )
        .await
        .unwrap_err();
    assert!(
        refused.message.contains("zh, en or customer"),
        "{refused:?}"
    );
    workbench.shutdown().await;
}

/// A call whose provider fails at once ends exactly once, however its task and the one that started
/// it interleave: one `Done`, one record, and nothing left to cancel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_fails_at_once_ends_exactly_once() {
    let (_dir, workbench) = common::demo_workbench().await;
    let sandbox = workbench.sandbox_url().to_string();
    let cid = visitor(&sandbox, "hello").await;
    common::wait_for_session(&workbench, &cid).await;
    // A provider no request can reach: the client refuses the address before any I/O.
    let unreachable = agentdesk_llm::Provider {
        base_url: url::Url::parse("unix:/no-such-provider/v1/").unwrap(),
        ..agentdesk_llm::Provider::new("http://127.0.0.1:9/v1", "m", None).unwrap()
    };
    workbench.configure_assistant(Some(unreachable));
    let mut events = workbench.subscribe();
    let mut calls = Vec::new();
    for _ in 0..20 {
        let call_id = workbench
            .assistant()
            .start(&cid, AssistInput::Draft, "en")
            .await
            .unwrap();
        let (_, outcome) = until_done(&mut events, &call_id).await;
        assert_eq!(
            outcome.problem.as_deref(),
            Some("unreachable"),
            "{outcome:?}"
        );
        assert!(
            !workbench.assistant().cancel(&call_id),
            "a call that ended cannot be cancelled"
        );
        calls.push(call_id);
    }
    // No second `Done` for any of them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Some(event) = events.try_recv() {
        if let DeskEvent::Assist { step, .. } = event {
            assert!(!calls.contains(&step.call_id), "{step:?}");
        }
    }
    let figures = workbench.assistant().figures(0, i64::MAX).await.unwrap();
    assert_eq!((figures.calls, figures.failed), (20, 20));
    workbench.shutdown().await;
}
