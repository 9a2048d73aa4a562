//! The client's push connection against a push server written here from the fact sheet alone
//! (its own framing, sharing nothing with the client's code): the auth frame first with the SDK's
//! fields, receipts `{msgId, type: 301}` for data frames split across writes, duplicates acknowledged
//! but not dispatched, a ping after 10 s, and a reconnect 2.3 s after the server hangs up. The login
//! goes through the sandbox, whose logins are pointed at this server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_domain::Secret;
use agentdesk_sobot::{AgentClient, AgentCredentials, PushConnection, PushInput};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = ((payload.len() + 2) as u32).to_be_bytes().to_vec();
    bytes.push(1);
    bytes.push(kind);
    bytes.extend_from_slice(payload);
    bytes
}

async fn read_frame(socket: &mut TcpStream, within: Duration) -> (u8, Vec<u8>) {
    let mut header = [0u8; 6];
    tokio::time::timeout(within, socket.read_exact(&mut header))
        .await
        .expect("a frame in time")
        .unwrap();
    let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let mut payload = vec![0u8; length - 2];
    socket.read_exact(&mut payload).await.unwrap();
    (header[5], payload)
}

async fn next_input(inputs: &mut mpsc::Receiver<PushInput>) -> PushInput {
    tokio::time::timeout(Duration::from_secs(15), inputs.recv())
        .await
        .expect("an input in time")
        .expect("the actor is running")
}

#[tokio::test]
async fn the_client_speaks_the_sdks_push_protocol() {
    let sandbox = agentdesk_testkit::sandbox(None).await;
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = server.local_addr().unwrap().to_string();
    let http = reqwest::Client::new();
    http.post(format!("{}/__sandbox/push-address", sandbox.base_url()))
        .json(&json!({"address": address}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let info = sandbox.info();
    let client = Arc::new(
        AgentClient::new(
            AgentCredentials {
                base_url: info.base_url.clone(),
                appid: info.appid.clone(),
                app_key: Secret::new(info.app_key.clone()),
                email: info.agents[0].email.clone(),
                password: None,
            },
            agentdesk_testkit::clock_and_ledger().0,
            agentdesk_testkit::clock_and_ledger().1,
        )
        .unwrap(),
    );
    let login = client.login().await.unwrap();
    assert_eq!(login.wslink_default, address);
    let (tx, mut inputs) = mpsc::channel(64);
    let push = PushConnection::spawn(client.clone(), tx);

    // The auth frame comes first: {u: aid, s: companyId, puid, msgId: aid + ms, t: 2}.
    let (mut socket, _) = server.accept().await.unwrap();
    let connected_at = Instant::now();
    let (kind, payload) = read_frame(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(kind, 0);
    let auth: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(auth["u"], login.aid.as_str());
    assert_eq!(auth["s"], login.company_id.as_str());
    assert_eq!(auth["puid"], login.puid.as_str());
    assert_eq!(auth["t"], 2);
    assert!(auth["msgId"]
        .as_str()
        .unwrap()
        .starts_with(login.aid.as_str()));
    assert!(matches!(
        next_input(&mut inputs).await,
        PushInput::Connected
    ));

    // A data frame written in three pieces, then again whole (a duplicate).
    let data = json!({"type": 103, "cid": "c1", "uid": "u1", "msgId": "m-77", "content": "分三段",
                      "ts": "2026-11-30 20:00:01", "message": {"msgType": "0", "content": "分三段"}});
    let bytes = frame(3, data.to_string().as_bytes());
    for piece in [&bytes[..3], &bytes[3..9], &bytes[9..]] {
        socket.write_all(piece).await.unwrap();
        socket.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    socket.write_all(&bytes).await.unwrap();
    // An empty payload is ignored entirely.
    socket.write_all(&frame(3, b"")).await.unwrap();
    for _ in 0..2 {
        let (kind, payload) = read_frame(&mut socket, Duration::from_secs(5)).await;
        assert_eq!(kind, 2, "a receipt for each copy");
        let receipt: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(receipt, json!({"msgId": "m-77", "type": 301}));
    }
    match next_input(&mut inputs).await {
        PushInput::Frame { data, .. } => {
            assert_eq!(data.msg_id.as_deref(), Some("m-77"));
            assert_eq!(data.content.as_deref(), Some("分三段"));
        }
        other => panic!("expected the data frame, got {other:?}"),
    }

    // The first ping comes 10 s after connecting; answered with a pong.
    let (kind, payload) = read_frame(&mut socket, Duration::from_secs(12)).await;
    assert_eq!((kind, payload.as_slice()), (1, b"ping".as_slice()));
    assert!(connected_at.elapsed() >= Duration::from_secs(9));
    socket.write_all(&frame(1, b"pong")).await.unwrap();
    // The duplicate was never dispatched: the next input is the loss below, not a second frame.
    drop(socket);
    match next_input(&mut inputs).await {
        PushInput::Disconnected { retry_in, .. } => {
            assert_eq!(retry_in, Duration::from_millis(2300))
        }
        other => panic!("expected the loss, got {other:?}"),
    }
    let lost_at = Instant::now();
    let (mut again, _) = tokio::time::timeout(Duration::from_secs(5), server.accept())
        .await
        .expect("reconnected")
        .unwrap();
    assert!(lost_at.elapsed() >= Duration::from_secs(2));
    let (kind, _) = read_frame(&mut again, Duration::from_secs(5)).await;
    assert_eq!(kind, 0, "auth again first");
    assert!(matches!(
        next_input(&mut inputs).await,
        PushInput::Connected
    ));
    push.shutdown().await;
    sandbox.shutdown().await;
}
