//! The sandbox speaks Sobot's protocols: token rules and codes, the visitor-side API at both path
//! prefixes, the agent SDK operations, the knowledge base and the controls, each over real HTTP on
//! 127.0.0.1:0.

use std::sync::Arc;

use agentdesk_domain::Secret;
use agentdesk_sandbox::{Faults, Sandbox, SandboxConfig};
use agentdesk_sobot::protocol::sign::open_platform_sign;
use agentdesk_sobot::{AgentClient, AgentCredentials, ClientError};
use serde_json::{json, Value};

async fn sandbox() -> Sandbox {
    Sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        SandboxConfig {
            seed: 42,
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("sandbox starts")
}

fn now_secs() -> String {
    (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs())
    .to_string()
}

async fn get_token(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    appid: &str,
    sign: Option<String>,
) -> Value {
    let time = now_secs();
    let sign = sign.unwrap_or_else(|| open_platform_sign(appid, &time, &sandbox.info().app_key));
    http.get(format!("{}/api/get_token", sandbox.base_url()))
        .query(&[("appid", appid), ("create_time", &time), ("sign", &sign)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn open_call(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Value {
    let mut request = http
        .post(format!("{}{path}", sandbox.base_url()))
        .json(&body);
    if let Some(token) = token {
        request = request.header("token", token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

fn agent_client(sandbox: &Sandbox, index: usize) -> Arc<AgentClient> {
    let info = sandbox.info();
    Arc::new(
        AgentClient::new(
            AgentCredentials {
                base_url: info.base_url.clone(),
                appid: info.appid.clone(),
                app_key: Secret::new(info.app_key.clone()),
                email: info.agents[index].email.clone(),
                password: Some(Secret::new(info.agents[index].password.clone())),
            },
            agentdesk_testkit::clock_and_ledger().0,
            agentdesk_testkit::clock_and_ledger().1,
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn token_signature_appid_and_supersession_rules() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let appid = sandbox.info().appid.clone();

    let first = get_token(&http, &sandbox, &appid, None).await;
    assert_eq!(first["ret_code"], "000000");
    assert_eq!(
        first["item"]["expires_in"], "86400",
        "expires_in is a string, as documented"
    );
    let first_token = first["item"]["token"].as_str().unwrap().to_string();
    assert!(first_token.len() >= 32);

    assert_eq!(
        get_token(&http, &sandbox, &appid, Some("0".repeat(32))).await["ret_code"],
        "900003"
    );
    assert_eq!(
        get_token(&http, &sandbox, "no-such-app", None).await["ret_code"],
        "900004"
    );

    // A missing token header is 900001; a valid token works.
    let body = json!({"visitorid": "nobody"});
    assert_eq!(
        open_call(
            &http,
            &sandbox,
            "/api/chat/5/user/query_cids",
            None,
            body.clone()
        )
        .await["ret_code"],
        "900001"
    );
    assert_eq!(
        open_call(
            &http,
            &sandbox,
            "/api/chat/5/user/query_cids",
            Some(&first_token),
            body.clone()
        )
        .await["ret_code"],
        "000000"
    );

    // A new token supersedes the old one at once.
    let second = get_token(&http, &sandbox, &appid, None).await;
    let second_token = second["item"]["token"].as_str().unwrap();
    assert_ne!(second_token, first_token);
    assert_eq!(
        open_call(
            &http,
            &sandbox,
            "/api/chat/5/user/query_cids",
            Some(&first_token),
            body.clone()
        )
        .await["ret_code"],
        "900002"
    );
    assert_eq!(
        open_call(
            &http,
            &sandbox,
            "/api/chat/5/user/query_cids",
            Some(second_token),
            body
        )
        .await["ret_code"],
        "000000"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_900002_and_the_client_refetches_once() {
    let sandbox = sandbox().await;
    let client = agent_client(&sandbox, 0);
    client.login().await.unwrap();
    sandbox
        .set_faults(Faults {
            expire_tokens: true,
            ..Faults::default()
        })
        .unwrap();
    // The login and the token are gone; the client logs in again by itself.
    let reception = client
        .synchronous()
        .await
        .expect("client re-authenticates after 900002/999998");
    assert!(reception.user_list.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn visitor_side_api_at_both_path_prefixes() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let agent = agent_client(&sandbox, 0);
    agent.login().await.unwrap();
    let token = get_token(&http, &sandbox, &sandbox.info().appid.clone(), None).await["item"]
        ["token"]
        .as_str()
        .unwrap()
        .to_string();

    for (prefix, partner) in [("/api/chat/5/user", "p-cn"), ("/api/5/user", "p-intl")] {
        let connect = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/chat_connect"),
            Some(&token),
            json!({"partnerid": partner, "user_name": "王芳", "source": 1}),
        )
        .await;
        assert_eq!(connect["ret_code"], "000000", "{connect}");
        assert_eq!(
            connect["item"]["status"], 1,
            "assigned to the online agent: {connect}"
        );
        let cid = connect["item"]["cid"].as_str().unwrap().to_string();
        let again = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/chat_connect"),
            Some(&token),
            json!({"partnerid": partner}),
        )
        .await;
        assert_eq!(again["item"]["status"], -1, "a repeated request is refused");

        let sent = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/chat_send"),
            Some(&token),
            json!({"partnerid": partner, "content": "你好", "msg_type": "text"}),
        )
        .await;
        assert_eq!(sent["item"]["status"], 1);
        let detail = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/get_detail_by_cid"),
            Some(&token),
            json!({"cid": cid}),
        )
        .await;
        let items = detail["item"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["msg"], "你好");
        assert_eq!(items[0]["sender_type"], 0);
        assert_eq!(
            items[0]["ts"].as_str().unwrap().len(),
            19,
            "yyyy-MM-dd HH:mm:ss"
        );

        let bad_score = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/comment"),
            Some(&token),
            json!({"partnerid": partner, "score": 6}),
        )
        .await;
        assert_eq!(bad_score["ret_code"], "400004");
        let rated = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/comment"),
            Some(&token),
            json!({"partnerid": partner, "score": 5, "type": 1}),
        )
        .await;
        assert_eq!(rated["item"]["status"], 1);
        let rated_again = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/comment"),
            Some(&token),
            json!({"partnerid": partner, "score": 4}),
        )
        .await;
        assert_eq!(rated_again["item"]["status"], 2, "already rated");

        assert_eq!(
            open_call(
                &http,
                &sandbox,
                &format!("{prefix}/out"),
                Some(&token),
                json!({"partnerid": partner})
            )
            .await["item"]["status"],
            1
        );
        let after = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/chat_send"),
            Some(&token),
            json!({"partnerid": partner, "content": "x"}),
        )
        .await;
        assert_eq!(
            after["item"]["status"], 2,
            "no connection to an agent after out"
        );
        let cids = open_call(
            &http,
            &sandbox,
            &format!("{prefix}/query_cids"),
            Some(&token),
            json!({"partnerid": partner}),
        )
        .await;
        assert_eq!(cids["item"][0]["cid"], cid.as_str(), "the list under item");
    }
    let missing = open_call(
        &http,
        &sandbox,
        "/api/chat/5/user/chat_connect",
        Some(&token),
        json!({}),
    )
    .await;
    assert_eq!(missing["ret_code"], "400004");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn agent_operations_status_send_history_and_errors() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let info = sandbox.info().clone();

    // An unknown temp-id is refused with the platform's code.
    let refused: Value = http
        .post(format!(
            "{}/chat-admin-sdk/new/sdk/v1/synChronous",
            info.base_url
        ))
        .header("temp-id", "nope")
        .form(&[("from", "2")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refused["retCode"], "999998");

    let agent = agent_client(&sandbox, 0);
    let login = agent.login().await.unwrap();
    // The push address is host:port (plain TCP), as the SDK splits it.
    assert_eq!(
        login.wslink_default.split(':').count(),
        2,
        "{}",
        login.wslink_default
    );
    agent.busy(3).await.unwrap();
    assert!(
        agent.busy(1).await.is_err(),
        "online is not a busy status: refused before any I/O"
    );
    agent.online().await.unwrap();

    let visitor: Value = http
        .post(format!("{}/__sandbox/visitors", info.base_url))
        .json(&json!({"name": "Emma Lee", "text": "Where is my order?", "phone": "13812345678"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cid = visitor["cid"].as_str().unwrap();
    let uid = visitor["uid"].as_str().unwrap();

    let reception = agent.synchronous().await.unwrap();
    assert_eq!(reception.user_list.len(), 1);
    assert_eq!(reception.user_list[0].cid.as_deref(), Some(cid));
    assert_eq!(reception.user_list[0].uname.as_deref(), Some("Emma Lee"));

    let text = agentdesk_sobot::OutgoingMessage::Text("Let me check.".into());
    let first = agent.send(cid, uid, &text).await.unwrap();
    let again = agent.send(cid, uid, &text).await.unwrap();
    assert_ne!(
        first.msg_id, again.msg_id,
        "Sobot has no idempotency key: the same text twice is two messages"
    );
    assert_eq!(first.aid.as_deref(), Some(login.aid.as_str()));

    let history = agent.query_history_records(cid, uid).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].sender_type, Some(0));
    assert_eq!(history[0].msg.as_deref(), Some("Where is my order?"));
    assert_eq!(history[1].sender_type, Some(2));
    assert_eq!(history[1].sender.as_deref(), Some(login.aid.as_str()));
    assert_eq!(history[1].msg_id, first.msg_id);
    assert!(
        history.windows(2).all(|w| w[0].t < w[1].t),
        "records' times are distinct and ascending"
    );

    // A sensitive word: stored hidden from the customer and refused with 200032.
    let sensitive = agentdesk_sobot::OutgoingMessage::Text("请私下交易".into());
    match agent.send(cid, uid, &sensitive).await {
        Err(agentdesk_sobot::SendFailure::Refused(ClientError::Platform { code_text, .. })) => {
            assert_eq!(code_text, "200032")
        }
        other => panic!("expected a 200032 refusal, got {other:?}"),
    }
    let hidden = agent.query_history_records(cid, uid).await.unwrap();
    assert_eq!(hidden.last().unwrap().user_no_see_flag, Some(1));

    agent
        .summary_submit(&agentdesk_sobot::client::SessionSummary {
            cid,
            uid,
            operation_id: "op1",
            operation_name: "咨询",
            req_type_id: "t1",
            question_describe: "物流查询",
            resolved: Some(true),
            invalid_session: false,
        })
        .await
        .unwrap();
    assert_eq!(agent.re_comment(cid).await.unwrap(), "0");
    agent.leave(cid, uid).await.unwrap();
    match agent.send(cid, uid, &text).await {
        Err(agentdesk_sobot::SendFailure::Refused(ClientError::Platform { code_text, .. })) => {
            assert_eq!(code_text, "200003")
        }
        other => panic!("sending to an ended session must be refused, got {other:?}"),
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn transfer_moves_a_session_to_another_agent() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let first = agent_client(&sandbox, 0);
    let second = agent_client(&sandbox, 1);
    first.login().await.unwrap();
    let second_info = second.login().await.unwrap();
    let visitor: Value = http
        .post(format!("{}/__sandbox/visitors", sandbox.base_url()))
        .json(
            &json!({"name": "李娜", "text": "退款", "agent_email": sandbox.info().agents[0].email}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cid = visitor["cid"].as_str().unwrap();
    first
        .transfer(cid, visitor["uid"].as_str().unwrap(), &second_info.aid)
        .await
        .unwrap();
    assert!(first.synchronous().await.unwrap().user_list.is_empty());
    let theirs = second.synchronous().await.unwrap().user_list;
    assert_eq!(theirs[0].cid.as_deref(), Some(cid));
    // The new agent reads the conversation so far from the session's records.
    let records = second
        .query_history_records(cid, visitor["uid"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].msg.as_deref(), Some("退款"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn knowledge_base_has_300_bilingual_articles_with_details() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let token = get_token(&http, &sandbox, &sandbox.info().appid.clone(), None).await["item"]
        ["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Paged by the platform's own `page_count` (no page-size parameter exists).
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let answer = open_call(
            &http,
            &sandbox,
            "/api/robot/5/search_doc_list",
            Some(&token),
            json!({"page_no": page, "robot_flag": 0}),
        )
        .await;
        let page_count: usize = answer["page_count"].as_str().unwrap().parse().unwrap();
        assert_eq!(answer["page_no"], page.to_string());
        all.extend(answer["items"].as_array().cloned().unwrap_or_default());
        if page >= page_count {
            assert_eq!(
                answer["total_count"].as_str().unwrap(),
                all.len().to_string()
            );
            break;
        }
        page += 1;
    }
    assert!(all.len() >= 300, "{} articles", all.len());
    assert!(
        all.iter()
            .all(|a| a.get("similar_questions").is_none() && a.get("language").is_none()),
        "the platform lists neither similar questions nor a language"
    );
    let chinese = all
        .iter()
        .filter(|a| {
            a["question_title"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{4e00}')
        })
        .count();
    assert!(chinese > 0 && chinese < all.len(), "bilingual");
    // Changed since a day: none after today; the date's format is checked.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let none = open_call(
        &http,
        &sandbox,
        "/api/robot/5/search_doc_list",
        Some(&token),
        json!({"page_no": 1, "update_start_date": tomorrow}),
    )
    .await;
    assert_eq!(none["total_count"], "0");
    let bad = open_call(
        &http,
        &sandbox,
        "/api/robot/5/search_doc_list",
        Some(&token),
        json!({"page_no": 1, "update_start_date": "30/11/2026"}),
    )
    .await;
    assert_eq!(bad["ret_code"], "400005");
    let refunds = open_call(
        &http,
        &sandbox,
        "/api/robot/5/search_doc_list",
        Some(&token),
        json!({"key_words": "refund", "key_flag": 1}),
    )
    .await;
    assert!(!refunds["items"].as_array().unwrap().is_empty());
    let detail = open_call(
        &http,
        &sandbox,
        "/api/robot/5/query_doc_detail",
        Some(&token),
        json!({"docid": all[0]["docid"]}),
    )
    .await;
    assert_eq!(detail["item"]["question_title"], all[0]["question_title"]);
    assert!(
        detail["item"]["smail_question_num"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn controls_validate_their_input() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let bad_rate = http
        .post(format!("{base}/__sandbox/faults"))
        .json(&json!({"error_rate": 2.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_rate.status(), 400);
    let unknown_field = http
        .post(format!("{base}/__sandbox/faults"))
        .json(&json!({"eror_rate": 0.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_field.status(), 400);
    let not_json = http
        .post(format!("{base}/__sandbox/visitors"))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let no_session = http
        .post(format!("{base}/__sandbox/visitors/nope/messages"))
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_session.status(), 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_same_seed_gives_the_same_platform() {
    let a = sandbox().await;
    let b = sandbox().await;
    assert_eq!(a.info().appid, b.info().appid);
    assert_eq!(a.info().agents[0].password, b.info().agents[0].password);
    a.shutdown().await;
    b.shutdown().await;
}

#[test]
fn the_binary_prints_one_ready_line() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--seed", "5"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let ready: Value = serde_json::from_str(&line).expect("one JSON line");
    assert_eq!(ready["ready"], true);
    assert!(ready["base_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    for key in [
        "appid",
        "app_key",
        "union_code",
        "union_key",
        "supervisor_email",
    ] {
        assert!(ready[key].as_str().is_some_and(|v| !v.is_empty()), "{key}");
    }
    assert!(ready["agents"][0]["email"].is_string() && ready["agents"][0]["password"].is_string());
}
