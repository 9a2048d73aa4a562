//! The push channel, server side: a plain TCP port speaking the SDK's length-prefixed frames
//! (fact sheet §2). The first frame must be the auth frame `{u: aid, s: companyId, puid, msgId, t}`
//! of an agent who is logged in; then the server forwards the agent's pushes as data frames, answers
//! each `ping` with a `pong` and counts receipts. A new connection for the same agent replaces the
//! old one.
//!
//! Invented where no source says (docs/PROTOCOL.md): the auth frame gets no answer, and a connection
//! whose auth does not name a logged-in agent is closed without a word; the heartbeat answer is a
//! type-1 `pong`.

use std::sync::Arc;
use std::time::Duration;

use agentdesk_sobot::protocol::frames::{PING, PONG};
use agentdesk_sobot::protocol::{Frame, FrameDecoder, FrameType};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::world::PushOut;
use crate::SandboxState;

/// Largest frame a client may send (auth, ping and receipts are tiny).
const MAX_CLIENT_FRAME: usize = 64 * 1024;
/// How long a new connection has to authenticate.
const AUTH_WITHIN: Duration = Duration::from_secs(10);

pub async fn serve(
    listener: TcpListener,
    state: Arc<SandboxState>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => {
                    let _ = socket.set_nodelay(true);
                    tokio::spawn(connection(state.clone(), socket));
                }
                Err(error) => tracing::warn!(%error, "push accept failed"),
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Reads until one whole frame is decoded (or the peer goes away).
async fn read_frame(
    socket: &mut TcpStream,
    decoder: &mut FrameDecoder,
    buffer: &mut [u8],
) -> Option<Frame> {
    loop {
        match decoder.next_frame() {
            Ok(Some(frame)) => return Some(frame),
            Ok(None) => {}
            Err(_) => return None,
        }
        match socket.read(buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => decoder.extend(&buffer[..n]),
        }
    }
}

/// Answers every complete frame the client sent: a `pong` for each `ping`, a count for each
/// receipt. False when the connection is broken (a write failed, or the framing is lost).
async fn answer(
    decoder: &mut FrameDecoder,
    socket: &mut TcpStream,
    tenant: &crate::Tenant,
) -> bool {
    loop {
        match decoder.next_frame() {
            Ok(Some(frame)) => match frame.kind() {
                Some(FrameType::Heartbeat) if frame.payload == PING.as_bytes() => {
                    let pong = Frame::new(FrameType::Heartbeat, PONG).encode();
                    if socket.write_all(&pong).await.is_err() {
                        return false;
                    }
                }
                Some(FrameType::Receipt) => crate::lock(tenant).counters.receipts += 1,
                _ => {}
            },
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

/// Links the connection to the agent its auth frame names (`u` agent id, `s` company id, `puid`),
/// closing that agent's previous connection; None when no logged-in agent of that company matches.
fn register(
    state: &SandboxState,
    claims: &Value,
    tx: mpsc::UnboundedSender<PushOut>,
) -> Option<(crate::Tenant, usize, u64)> {
    let text = |key: &str| claims[key].as_str().unwrap_or_default().to_string();
    let (aid, company_id, puid) = (text("u"), text("s"), text("puid"));
    let tenant = state
        .tenants()
        .into_iter()
        .find(|t| crate::lock(t).company_id == company_id)?;
    let mut world = crate::lock(&tenant);
    let agent = world
        .agents
        .iter()
        .position(|a| a.id == aid && a.puid == puid && a.temp_id.is_some() && !a.deleted)?;
    world.counters.push_connections += 1;
    let connection = world.counters.push_connections;
    if let Some((_, old)) = world.push_links.insert(agent, (connection, tx)) {
        let _ = old.send(PushOut::Close);
    }
    drop(world);
    Some((tenant, agent, connection))
}

async fn connection(state: Arc<SandboxState>, mut socket: TcpStream) {
    let mut decoder = FrameDecoder::new(MAX_CLIENT_FRAME);
    let mut buffer = vec![0u8; 4096];
    let auth = tokio::time::timeout(
        AUTH_WITHIN,
        read_frame(&mut socket, &mut decoder, &mut buffer),
    )
    .await;
    let Ok(Some(auth)) = auth else { return };
    let claims: Value = match auth.text().ok().and_then(|t| serde_json::from_str(t).ok()) {
        Some(claims) if auth.kind() == Some(FrameType::Auth) => claims,
        _ => return,
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Not a logged-in agent of that company: closed without an answer.
    let Some((tenant, agent, connection)) = register(&state, &claims, tx) else {
        return;
    };
    // Whatever came in the same read as the auth frame (a first ping) is answered now.
    if !answer(&mut decoder, &mut socket, &tenant).await {
        return;
    }
    let mut held: Option<Vec<u8>> = None;
    let mut flush_held = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(PushOut::Frame(frame)) => {
                    if socket.write_all(&frame).await.is_err() { break; }
                    if let Some(late) = held.take() {
                        if socket.write_all(&late).await.is_err() { break; }
                    }
                }
                Some(PushOut::FrameOutOfOrder(frame)) => {
                    if let Some(earlier) = held.replace(frame) {
                        if socket.write_all(&earlier).await.is_err() { break; }
                    }
                }
                Some(PushOut::Raw(bytes)) => {
                    if socket.write_all(&bytes).await.is_err() { break; }
                }
                Some(PushOut::Close) | None => break,
            },
            _ = flush_held.tick() => {
                if let Some(late) = held.take() {
                    if socket.write_all(&late).await.is_err() { break; }
                }
            }
            read = socket.read(&mut buffer) => {
                let n = match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                decoder.extend(&buffer[..n]);
                if !answer(&mut decoder, &mut socket, &tenant).await { break; }
            }
        }
    }
    let _ = socket.shutdown().await;
    let mut world = crate::lock(&tenant);
    if world
        .push_links
        .get(&agent)
        .is_some_and(|(id, _)| *id == connection)
    {
        world.push_links.remove(&agent);
    }
}
