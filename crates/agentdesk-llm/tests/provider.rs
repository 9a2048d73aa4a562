//! The assistant against the sandbox's OpenAI-compatible provider over loopback: streamed drafts
//! grounded in the article given, personal data that never reaches the provider, and every way a
//! provider fails (limiting, failing, cut, garbage, refusing, silent, absent) in words.

use std::time::Duration;

use agentdesk_domain::Secret;
use agentdesk_llm::{
    assist, build, AssistRequest, CustomerFacts, Direction, Language, Line, Notice, OrderFact,
    Outcome, Provider, ProviderError, Source, Style, Task,
};
use agentdesk_testkit::Controls;
use serde_json::{json, Value};

fn line(direction: Direction, text: &str) -> Line {
    Line {
        direction,
        text: text.into(),
    }
}

/// A customer who gives away everything a customer can.
fn chatty_customer() -> (Vec<Line>, CustomerFacts) {
    let conversation = vec![
        line(
            Direction::In,
            "你好，我是王小明，手机13812345678，身份证110101199003071234",
        ),
        line(Direction::Out, "您好，请问有什么可以帮您？"),
        line(
            Direction::In,
            "订单E20241129001的耳机想退款，退到银行卡6222021234567890123，发票寄到北京市朝阳区建国路88号3栋2单元501室，邮箱xiaoming.wang@example.com，快递单号SF1400012345678",
        ),
    ];
    let customer = CustomerFacts {
        name: Some("王小明".into()),
        phone: Some("13812345678".into()),
        orders: vec![OrderFact {
            id: "E20241129001".into(),
            status: Some("已签收".into()),
            waybill: Some("SF1400012345678".into()),
            last_scan: Some("2024-11-29 10:02 北京朝阳营业部 已签收".into()),
        }],
        ..Default::default()
    };
    (conversation, customer)
}

const PERSONAL: &[&str] = &[
    "王小明",
    "13812345678",
    "110101199003071234",
    "E20241129001",
    "6222021234567890123",
    "建国路88号",
    "xiaoming.wang@example.com",
    "SF1400012345678",
];

fn refund_article() -> Vec<Source> {
    vec![Source {
        id: "kb-refund-earphones".into(),
        title: "耳机退款多久到账".into(),
        answer: "退款审核通过后1-3个工作日原路退回。".into(),
    }]
}

async fn sandbox() -> (agentdesk_sandbox::Sandbox, Controls, Provider) {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let controls = Controls::new(sandbox.base_url());
    let provider = Provider::new(
        &format!("{}/v1", sandbox.base_url()),
        "sandbox-chat",
        Some(Secret::new("sk-test")),
    )
    .unwrap();
    (sandbox, controls, provider)
}

async fn run(
    provider: &Provider,
    task: Task,
    conversation: &[Line],
    customer: Option<&CustomerFacts>,
    sources: &[Source],
    subject: Option<&str>,
) -> (Result<Outcome, ProviderError>, String, Vec<Notice>) {
    let prompt = build(&AssistRequest {
        task,
        conversation,
        customer,
        sources,
        subject,
        agent_language: Language::Chinese,
    });
    let mut streamed = String::new();
    let mut notices = Vec::new();
    let result = assist(
        provider,
        &agentdesk_http::HttpContext::unrecorded()
            .client(agentdesk_http::HttpSettings::streaming(
                std::time::Duration::from_secs(10),
            ))
            .unwrap(),
        &prompt,
        &mut |text| streamed.push_str(text),
        &mut |notice| notices.push(notice),
        &tokio_util::sync::CancellationToken::new(),
    )
    .await;
    (result, streamed, notices)
}

async fn received(controls: &Controls) -> Vec<Value> {
    controls.get("/llm-requests").await["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_draft_streams_quotes_its_article_and_gives_the_customer_back_their_data() {
    let (_sandbox, controls, provider) = sandbox().await;
    let (conversation, customer) = chatty_customer();
    let (result, streamed, _) = run(
        &provider,
        Task::Draft,
        &conversation,
        Some(&customer),
        &refund_article(),
        None,
    )
    .await;
    let outcome = result.unwrap();
    assert_eq!(
        outcome.text,
        "您好，王小明！您的订单 E20241129001 当前状态：已签收。退款审核通过后1-3个工作日原路退回。"
    );
    assert_eq!(
        streamed, outcome.text,
        "the stream shows what the draft holds"
    );
    assert_eq!(outcome.articles, ["kb-refund-earphones"]);
    assert!(!outcome.usage_estimated, "the provider's own counts");
    assert!(
        outcome.prompt_tokens > 100 && outcome.completion_tokens > 10,
        "{outcome:?}"
    );
    assert!(outcome.first_token_ms.is_some() && outcome.partial.is_none());
    let requests = received(&controls).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["body"]["stream"], true);
    assert_eq!(requests[0]["authorized"], true);
}

#[tokio::test]
async fn no_feature_sends_a_customer_s_personal_data() {
    let (_sandbox, controls, provider) = sandbox().await;
    let (conversation, customer) = chatty_customer();
    let tasks = [
        (Task::Draft, None),
        (Task::Summary, None),
        (
            Task::Translate {
                to: Language::English,
            },
            None,
        ),
        (
            Task::Rewrite {
                style: Style::Warmer,
            },
            Some("王小明您好，退款会打到6222021234567890123，发票寄往北京市朝阳区建国路88号3栋2单元501室。"),
        ),
    ];
    for (task, subject) in tasks {
        let (result, _, _) = run(
            &provider,
            task,
            &conversation,
            Some(&customer),
            &refund_article(),
            subject,
        )
        .await;
        let outcome = result.unwrap_or_else(|e| panic!("{task:?}: {e}"));
        assert!(!outcome.text.is_empty(), "{task:?}");
        if let Task::Translate { .. } | Task::Rewrite { .. } = task {
            // The sandbox echoes the text: what comes back holds the real data again.
            assert!(
                outcome.text.contains("6222021234567890123"),
                "{task:?}: {}",
                outcome.text
            );
        }
    }
    let requests = received(&controls).await;
    assert_eq!(requests.len(), 4);
    let sent = serde_json::to_string(&requests).unwrap();
    for value in PERSONAL {
        assert!(!sent.contains(value), "{value} reached the provider");
    }
    assert!(sent.contains("[PHONE_1]") && sent.contains("[ADDRESS_1]"));
}

#[tokio::test]
async fn a_summary_fills_the_form() {
    let (_sandbox, _controls, provider) = sandbox().await;
    let (conversation, customer) = chatty_customer();
    let (result, _, _) = run(
        &provider,
        Task::Summary,
        &conversation,
        Some(&customer),
        &refund_article(),
        None,
    )
    .await;
    let (category, summary) = agentdesk_llm::parse_summary(&result.unwrap().text);
    assert_eq!(category.as_deref(), Some("耳机退款多久到账"));
    assert!(
        summary.starts_with("客户咨询：你好，我是王小明"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_when_short_and_reported_when_long() {
    let (_sandbox, controls, provider) = sandbox().await;
    let (conversation, _) = chatty_customer();
    controls
        .post(
            "/faults",
            json!({"llm": {"status": 429, "retry_after_secs": 1, "times": 1}}),
        )
        .await;
    let (result, _, notices) = run(&provider, Task::Draft, &conversation, None, &[], None).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        notices,
        [Notice::Retrying {
            after: Duration::from_secs(1),
            reason: "the provider is limiting requests".into()
        }]
    );
    assert_eq!(received(&controls).await.len(), 2);

    controls
        .post(
            "/faults",
            json!({"llm": {"status": 429, "retry_after_secs": 90}}),
        )
        .await;
    let (result, streamed, notices) =
        run(&provider, Task::Draft, &conversation, None, &[], None).await;
    let error = result.unwrap_err();
    assert_eq!(
        error,
        ProviderError::RateLimited {
            retry_after: Some(90)
        }
    );
    assert!(error.to_string().contains("next 90 s"), "{error}");
    assert!(streamed.is_empty() && notices.is_empty());
}

#[tokio::test]
async fn a_stream_cut_midway_keeps_what_arrived_marked_partial() {
    let (_sandbox, controls, provider) = sandbox().await;
    let (conversation, customer) = chatty_customer();
    controls
        .post("/faults", json!({"llm": {"cut_after_tokens": 12}}))
        .await;
    let (result, streamed, _) = run(
        &provider,
        Task::Draft,
        &conversation,
        Some(&customer),
        &refund_article(),
        None,
    )
    .await;
    let outcome = result.unwrap();
    assert!(
        matches!(outcome.partial, Some(ProviderError::Cut { .. })),
        "{outcome:?}"
    );
    assert!(
        outcome.text.starts_with("您好，王小明！"),
        "{}",
        outcome.text
    );
    assert!(!outcome.text.contains("工作日"), "{}", outcome.text);
    assert_eq!(
        streamed.trim_end(),
        outcome.text,
        "the half placeholder is not shown"
    );
    assert_eq!(received(&controls).await.len(), 1, "a cut is never re-sent");
}

#[tokio::test]
async fn failures_are_told_in_words() {
    let (_sandbox, controls, mut provider) = sandbox().await;
    let (conversation, _) = chatty_customer();
    let cases = [
        (json!({"status": 500}), "server"),
        (json!({"status": 503}), "server"),
        (json!({"garbage": true}), "garbage"),
        (json!({"refuse": true}), "refused"),
        (json!({"status": 401}), "key_refused"),
        (json!({"status": 404}), "refused"),
    ];
    for (fault, kind) in cases {
        controls.post("/faults", json!({ "llm": fault })).await;
        let (result, streamed, _) =
            run(&provider, Task::Draft, &conversation, None, &[], None).await;
        let error = result.unwrap_err();
        assert_eq!(error.kind(), kind, "{fault}: {error}");
        assert!(streamed.is_empty());
    }
    controls
        .post("/faults", json!({"llm": {"refuse": true}}))
        .await;
    let (result, _, _) = run(&provider, Task::Draft, &conversation, None, &[], None).await;
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("Input data may contain inappropriate content"),
        "the provider's own reason"
    );

    controls
        .post("/faults", json!({"llm": {"first_token_delay_ms": 1500}}))
        .await;
    provider.limits.first_token = Duration::from_millis(300);
    let (result, _, _) = run(&provider, Task::Draft, &conversation, None, &[], None).await;
    assert_eq!(result.unwrap_err().kind(), "timed_out");

    controls.post("/faults", json!({})).await;
    let keyless = Provider::new(provider.base_url.as_ref(), "sandbox-chat", None).unwrap();
    let (result, _, _) = run(&keyless, Task::Draft, &conversation, None, &[], None).await;
    assert_eq!(result.unwrap_err().kind(), "key_refused");
}

#[tokio::test]
async fn a_provider_that_is_not_there_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let provider = Provider::new(&format!("http://{address}/v1"), "m", None).unwrap();
    let (result, _, _) = run(
        &provider,
        Task::Draft,
        &[line(Direction::In, "hi")],
        None,
        &[],
        None,
    )
    .await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), "unreachable");
    assert!(error.to_string().contains(&address.to_string()), "{error}");
}
