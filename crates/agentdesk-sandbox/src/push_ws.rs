//! The push channel, server side: JSON frames over a WebSocket (see `agentdesk_sobot::protocol::frames`).
//! The first frame must be `auth` with a live temp-id; then the server forwards the agent's pushes,
//! answers heartbeats and counts receipts. A new connection for the same agent replaces the old one.

use std::sync::Arc;
use std::time::Duration;

use agentdesk_sobot::protocol::PushFrame;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use crate::world::{now_ms, PushOut};
use crate::SandboxState;

pub async fn upgrade(State(state): State<Arc<SandboxState>>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(4 * 1024 * 1024)
        .on_upgrade(move |socket| serve(state, socket))
}

async fn serve(state: Arc<SandboxState>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    // Authenticate.
    let auth = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
    let temp_id = match auth {
        Ok(Some(Ok(Message::Text(text)))) => match PushFrame::decode(&text) {
            Ok(PushFrame::Auth { temp_id }) => temp_id,
            _ => return,
        },
        _ => return,
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tenant = state.tenant_by_temp_id(Some(&temp_id));
    let registered = {
        let mut world = crate::lock(&tenant);
        match world.agent_by_temp_id(Some(&temp_id)) {
            Some(agent) => {
                world.counters.push_connections += 1;
                let connection = world.counters.push_connections;
                if let Some((_, old)) = world.push_links.insert(agent, (connection, tx)) {
                    let _ = old.send(PushOut::Close);
                }
                Some((agent, connection))
            }
            None => None,
        }
    };
    let Some((agent, connection)) = registered else {
        let refusal = PushFrame::AuthResult {
            ret_code: "999998".into(),
            ret_msg: "登录已失效，请重新登录".into(),
        };
        let _ = sink.send(Message::Text(refusal.encode().into())).await;
        let _ = sink.close().await;
        return;
    };
    let ok = PushFrame::AuthResult {
        ret_code: "000000".into(),
        ret_msg: "ok".into(),
    };
    if sink.send(Message::Text(ok.encode().into())).await.is_err() {
        return;
    }
    let mut held: Option<String> = None;
    let mut flush_held = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(PushOut::Frame(frame)) => {
                    if sink.send(Message::Text(frame.into())).await.is_err() { break; }
                    if let Some(late) = held.take() {
                        if sink.send(Message::Text(late.into())).await.is_err() { break; }
                    }
                }
                Some(PushOut::FrameOutOfOrder(frame)) => {
                    if let Some(earlier) = held.replace(frame) {
                        if sink.send(Message::Text(earlier.into())).await.is_err() { break; }
                    }
                }
                Some(PushOut::Binary(bytes)) => {
                    if sink.send(Message::Binary(bytes.into())).await.is_err() { break; }
                }
                Some(PushOut::Close) | None => {
                    let _ = sink.close().await;
                    break;
                }
            },
            _ = flush_held.tick() => {
                if let Some(late) = held.take() {
                    if sink.send(Message::Text(late.into())).await.is_err() { break; }
                }
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => match PushFrame::decode(&text) {
                    Ok(PushFrame::Heartbeat { .. }) => {
                        let beat = PushFrame::Heartbeat { ts: now_ms() }.encode();
                        if sink.send(Message::Text(beat.into())).await.is_err() { break; }
                    }
                    Ok(PushFrame::Receipt { .. }) => crate::lock(&tenant).counters.receipts += 1,
                    _ => {}
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    }
    let mut world = crate::lock(&tenant);
    if world
        .push_links
        .get(&agent)
        .is_some_and(|(id, _)| *id == connection)
    {
        world.push_links.remove(&agent);
    }
}
