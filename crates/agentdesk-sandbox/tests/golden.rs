//! The sandbox answers with the SDK's shapes and nothing more: every answer of the agent side, read
//! as raw JSON over HTTP and as raw frames over the push port, is compared with the golden answers
//! written from Sobot's SDK (`crates/agentdesk-sobot/tests/fixtures/`). A field the SDK does not
//! have, or a number where the SDK has text, fails here, so a misnamed field cannot round-trip
//! between the client and the sandbox unnoticed.
//!
//! The push frames are read and written with this file's own few lines of framing, byte for byte
//! from the fact sheet, sharing nothing with the client's code.

use std::time::Duration;

use agentdesk_sandbox::Sandbox;
use agentdesk_sobot::protocol::sign::open_platform_sign;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The golden 103 push fills every field of `PushMessageModel`: every push is checked against it.
const FULL_PUSH: &str = "push/103_new_message.json";

fn golden(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../agentdesk-sobot/tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "text",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Every way `actual` departs from `golden`'s names and types, as "path: problem" lines. Fields in
/// `invented` are the documented inventions (docs/PROTOCOL.md) and may appear.
fn departures(actual: &Value, golden: &Value, path: &str, invented: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    match (actual, golden) {
        (_, Value::Null) | (Value::Null, _) => {}
        (Value::Object(actual), Value::Object(golden)) => {
            for (key, value) in actual {
                match golden.get(key) {
                    Some(expected) => found.extend(departures(
                        value,
                        expected,
                        &format!("{path}.{key}"),
                        invented,
                    )),
                    None if invented.contains(&key.as_str()) => {}
                    None => found.push(format!("{path}.{key}: not in the SDK's model")),
                }
            }
        }
        (Value::Array(actual), Value::Array(golden)) => {
            if let Some(expected) = golden.first() {
                for (i, item) in actual.iter().enumerate() {
                    found.extend(departures(
                        item,
                        expected,
                        &format!("{path}[{i}]"),
                        invented,
                    ));
                }
            }
        }
        (actual, golden) if kind(actual) != kind(golden) => found.push(format!(
            "{path}: {} where the SDK has {}",
            kind(actual),
            kind(golden)
        )),
        _ => {}
    }
    found
}

fn assert_conforms(actual: &Value, golden_name: &str, invented: &[&str]) {
    let expected = golden(golden_name);
    let found = departures(actual, &expected, "", invented);
    assert!(
        found.is_empty(),
        "{golden_name}:\n{}\nanswer: {actual}",
        found.join("\n")
    );
}

struct Agent {
    http: reqwest::Client,
    base: String,
    temp_id: String,
    login: Value,
}

impl Agent {
    async fn call(&self, op: &str, form: &[(&str, &str)]) -> Value {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        form.extend([("from", "2"), ("version", "1.2")]);
        answer(
            self.http
                .post(format!("{}/chat-admin-sdk/new/sdk/v1/{op}", self.base))
                .header("temp-id", &self.temp_id)
                .form(&form),
        )
        .await
    }

    async fn send(&self, cid: &str, uid: &str, text: &str) -> Value {
        let form = reqwest::multipart::Form::new()
            .text("content", text.to_string())
            .text("uid", uid.to_string())
            .text("cid", cid.to_string())
            .text("msgType", "0")
            .text("from", "2")
            .text("version", "1.2");
        answer(
            self.http
                .post(format!("{}/chat-admin-sdk/new/sdk/v1/send", self.base))
                .header("temp-id", &self.temp_id)
                .multipart(form),
        )
        .await
    }
}

/// A request's answer as JSON.
async fn answer(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// `get_token`'s whole answer.
async fn get_token(sandbox: &Sandbox, http: &reqwest::Client) -> Value {
    let info = sandbox.info();
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let sign = open_platform_sign(&info.appid, &time, &info.app_key);
    answer(
        http.get(format!("{}/api/get_token", info.base_url))
            .query(&[
                ("appid", info.appid.as_str()),
                ("create_time", &time),
                ("sign", &sign),
            ]),
    )
    .await
}

/// An open-platform POST with the company token: the whole answer.
async fn open_post(http: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    answer(http.post(url).header("token", token).json(&body)).await
}

async fn sign_in(sandbox: &Sandbox, http: &reqwest::Client) -> Agent {
    let info = sandbox.info();
    let token = get_token(sandbox, http).await;
    assert_conforms(&token, "agent/token.json", &[]);
    let login = answer(
        http.post(format!("{}/chat-admin-sdk/new/sdk/v1/login", info.base_url))
            .form(&[
                ("email", info.agents[0].email.as_str()),
                ("token", token["item"]["token"].as_str().unwrap()),
                ("loginStatus", "1"),
                ("from", "2"),
                ("way", "10"),
                ("system", "linux"),
                ("ack", "1"),
                ("version", "1.2"),
            ]),
    )
    .await;
    assert_conforms(&login, "agent/login.json", &[]);
    Agent {
        http: http.clone(),
        base: info.base_url.clone(),
        temp_id: login["data"]["tempId"].as_str().unwrap().to_string(),
        login,
    }
}

/// One frame, as the fact sheet draws it: 4-byte big-endian length (2 + payload), version 1, type.
fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let length = (payload.len() + 2) as u32;
    let mut bytes = vec![
        (length >> 24) as u8,
        (length >> 16) as u8,
        (length >> 8) as u8,
        length as u8,
        1,
        kind,
    ];
    bytes.extend_from_slice(payload);
    bytes
}

async fn read_frame(socket: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut header = [0u8; 6];
    tokio::time::timeout(Duration::from_secs(10), socket.read_exact(&mut header))
        .await
        .expect("a frame within 10 s")
        .unwrap();
    let length =
        u32::from(header[0]) << 24 | u32::from(header[1]) << 16 | u32::from(header[2]) << 8;
    let length = (length | u32::from(header[3])) as usize;
    assert_eq!(header[4], 1, "version byte");
    let mut payload = vec![0u8; length - 2];
    socket.read_exact(&mut payload).await.unwrap();
    (header[5], payload)
}

/// The next data frame's JSON, answering nothing in between.
async fn next_data(socket: &mut TcpStream) -> Value {
    loop {
        let (kind, payload) = read_frame(socket).await;
        if kind == 3 {
            return serde_json::from_slice(&payload).unwrap();
        }
    }
}

#[tokio::test]
async fn every_agent_answer_and_push_has_the_sdks_names_and_types() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let http = reqwest::Client::new();
    let agent = sign_in(&sandbox, &http).await;
    let data = &agent.login["data"];

    // The push port: plain TCP at wslinkDefault, authenticated by the auth frame alone.
    let address = data["wslinkDefault"].as_str().unwrap();
    let mut socket = TcpStream::connect(address).await.unwrap();
    let auth = json!({"u": data["aid"], "s": data["companyId"], "puid": data["puid"],
                      "msgId": format!("{}1764500000000", data["aid"].as_str().unwrap()), "t": 2});
    socket
        .write_all(&frame(0, auth.to_string().as_bytes()))
        .await
        .unwrap();
    socket.write_all(&frame(1, b"ping")).await.unwrap();
    let (kind, payload) = read_frame(&mut socket).await;
    assert_eq!((kind, payload.as_slice()), (1, b"pong".as_slice()));

    let first = json!({"name": "王芳", "text": "我的快递到哪了？", "agent_email": sandbox.info().agents[0].email});
    let visitor = answer(
        http.post(format!("{}/__sandbox/visitors", agent.base))
            .json(&first),
    )
    .await;
    let (cid, uid) = (
        visitor["cid"].as_str().unwrap(),
        visitor["uid"].as_str().unwrap(),
    );
    let new_user = next_data(&mut socket).await;
    assert_eq!(new_user["type"], 102);
    assert_conforms(&new_user, FULL_PUSH, &[]);
    let message = next_data(&mut socket).await;
    assert_eq!(message["type"], 103);
    assert_conforms(&message, FULL_PUSH, &[]);
    let receipt = json!({"msgId": message["msgId"], "type": 301});
    socket
        .write_all(&frame(2, receipt.to_string().as_bytes()))
        .await
        .unwrap();

    let reception = agent.call("synChronous", &[]).await;
    assert_conforms(&reception, "agent/synChronous.json", &[]);
    assert_eq!(reception["data"]["userList"][0]["cid"], cid);

    let sent = agent.send(cid, uid, "正在为您查询").await;
    assert_conforms(&sent, "agent/send.json", &[]);
    let refused = agent.send(cid, uid, "我们私下交易吧").await;
    assert_conforms(&refused, "agent/send_sensitive.json", &[]);
    assert_eq!(refused["retCode"], "200032");

    let records = agent
        .call("queryHistoryRecords", &[("cid", cid), ("uid", uid)])
        .await;
    assert_conforms(&records, "agent/queryHistoryRecords.json", &[]);
    let list = records["data"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[1]["msgId"], sent["data"]["msgId"]);
    assert_eq!(list[2]["userNoSeeFlag"], 1);

    assert_conforms(
        &agent.call("getUserInfo", &[("uid", uid)]).await,
        "agent/getUserInfo.json",
        &[],
    );
    assert_conforms(
        &agent.call("queryTransferGroup", &[("keyWord", "")]).await,
        "agent/queryTransferGroup.json",
        &[],
    );
    // The documented invention: the tenant API's agent fields a supervisor's agent list shows.
    assert_conforms(
        &agent.call("getOtherAdmins", &[("keyWord", "")]).await,
        "agent/getOtherAdmins.json",
        &[
            "email",
            "nick",
            "roleId",
            "phoneNo",
            "maxAcceptNum",
            "activated",
        ],
    );
    assert_conforms(
        &agent.call("getServiceStatus", &[]).await,
        "agent/getServiceStatus.json",
        &[],
    );
    assert_conforms(
        &agent.call("reComment", &[("cid", cid)]).await,
        "agent/reComment.json",
        &[],
    );

    // The open platform's customer records, with the company token.
    let company_token = get_token(&sandbox, &http).await["item"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let open = |path: &str| format!("{}{path}", agent.base);
    let partner = visitor["partnerid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let record: Value = answer(
        http.get(open("/api/crm/5/user/get_user_by_partnerid"))
            .query(&[("partnerid", partner.as_str())])
            .header("token", &company_token),
    )
    .await;
    assert_conforms(&record, "open/get_user_by_partnerid.json", &[]);
    let cids = open_post(
        &http,
        open("/api/chat/5/user/query_cids"),
        &company_token,
        json!({"partnerid": partner, "from": "0"}),
    )
    .await;
    assert_conforms(&cids, "open/query_cids.json", &[]);
    assert!(
        cids["item"].as_array().is_some_and(|l| !l.is_empty()),
        "{cids}"
    );
    let detail = open_post(
        &http,
        open("/api/chat/5/user/get_detail_by_cid"),
        &company_token,
        json!({"cid": cid, "name_flag": "0"}),
    )
    .await;
    assert_conforms(&detail, "open/get_detail_by_cid.json", &[]);
    assert!(
        detail["item"].as_array().is_some_and(|l| !l.is_empty()),
        "{detail}"
    );

    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let totals = open_post(
        &http,
        open("/api/wb/5/data/human_session"),
        &company_token,
        json!({"start_date": today, "end_date": today}),
    )
    .await;
    assert_conforms(&totals, "open/human_session.json", &[]);
    let satisfaction = open_post(
        &http,
        open("/api/wb/5/data/human_satisfaction"),
        &company_token,
        json!({"start_date": today, "end_date": today}),
    )
    .await;
    // [inv] score5 (the SDK implies five stars; the documents list four).
    assert_conforms(&satisfaction, "open/human_satisfaction.json", &["score5"]);
    let docs = open_post(&http, open("/api/robot/5/search_doc_list"), &company_token, json!({"key_flag": "1", "question_typeid": "-1", "robot_flag": "0", "question_type_flag": "1", "page_no": "1"})).await;
    assert_conforms(&docs, "open/search_doc_list.json", &[]);
    assert!(totals["item"].is_object(), "{totals}");

    // The queue: with the agent busy, the next customer waits.
    agent.call("busy", &[("statusCode", "2")]).await;
    http.post(format!("{}/__sandbox/visitors", agent.base))
        .json(&json!({"name": "Emma Lee", "text": "hello?"}))
        .send()
        .await
        .unwrap();
    let queue = agent
        .call("queryWaitUser", &[("pageNum", "1"), ("pageSize", "20")])
        .await;
    assert_conforms(&queue, "agent/queryWaitUser.json", &[]);
    assert_eq!(queue["data"]["waitSize"], 1);
    assert_eq!(queue["data"]["list"][0]["uname"], "Emma Lee");
    let queue_push = next_data(&mut socket).await;
    assert_conforms(&queue_push, FULL_PUSH, &[]);

    // Leaving ends the session with a 108 push... to the agent who was serving it.
    http.post(format!("{}/__sandbox/visitors/{cid}/leave", agent.base))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let offline = next_data(&mut socket).await;
    assert_eq!(offline["type"], 108);
    assert_conforms(&offline, FULL_PUSH, &[]);

    let stats: Value = answer(http.get(format!("{}/__sandbox/stats", agent.base))).await;
    assert!(stats["receipts"].as_u64().unwrap() >= 1, "{stats}");

    // An auth frame that names no signed-in agent: the connection is closed without a word.
    let mut stranger = TcpStream::connect(address).await.unwrap();
    let bad = json!({"u": "nobody", "s": data["companyId"], "puid": "x", "msgId": "x1", "t": 2});
    stranger
        .write_all(&frame(0, bad.to_string().as_bytes()))
        .await
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stranger.read_to_end(&mut rest))
        .await
        .expect("closed");
    assert!(read.is_ok() && rest.is_empty(), "{rest:?}");
    sandbox.shutdown().await;
}
