//! The push channel as an actor: one task owns the WebSocket; everyone else talks to it through
//! channels (the mini-redis shape). It authenticates with the login's temp-id, acknowledges every
//! data frame, sends a heartbeat every 10 s, declares the link dead after three silent heartbeat
//! periods, and reconnects with backoff and jitter. It does not order or de-duplicate: it reports
//! `Connected` after every (re)connect and the engine resyncs by sequence number.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::{backoff_with_jitter, now_millis, AgentClient};
use crate::protocol::{push_type, PushFrame, PushMessageModel, RetCode, HEARTBEAT_SECS};

/// Anything larger is refused before parsing (a hostile or broken peer).
const MAX_FRAME_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct PushEndpoint {
    /// `wslinkDefault` first, then `wslinkBak`.
    pub urls: Vec<String>,
    pub temp_id: String,
}

#[derive(Debug)]
pub enum PushInput {
    /// Authenticated; resync now.
    Connected,
    /// Lost; the actor retries after `retry_in`.
    Disconnected {
        attempt: u32,
        retry_in: Duration,
        reason: String,
    },
    /// One data frame. `received_at` is when its bytes were read, for latency figures.
    Frame {
        data: Box<PushMessageModel>,
        received_at: Instant,
    },
    /// A frame that could not be decoded; already skipped.
    Malformed { error: String },
    /// The platform kicked this login (109); the actor has stopped.
    Kicked { reason: i64 },
}

pub struct PushHandle {
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl PushHandle {
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

pub struct PushConnection;

enum SessionEnd {
    Shutdown,
    Kicked(i64),
    Lost(String),
}

impl PushConnection {
    pub fn spawn(client: Arc<AgentClient>, inputs: mpsc::Sender<PushInput>) -> PushHandle {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(run(client, inputs, shutdown_rx));
        PushHandle { shutdown, task }
    }
}

async fn run(
    client: Arc<AgentClient>,
    inputs: mpsc::Sender<PushInput>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut attempt: u32 = 0;
    loop {
        let end = match connect(&client).await {
            Ok((socket, _)) => {
                attempt = 0;
                if inputs.send(PushInput::Connected).await.is_err() {
                    return;
                }
                serve(socket, &inputs, &mut shutdown).await
            }
            Err(reason) => SessionEnd::Lost(reason),
        };
        match end {
            SessionEnd::Shutdown => return,
            SessionEnd::Kicked(reason) => {
                let _ = inputs.send(PushInput::Kicked { reason }).await;
                return;
            }
            SessionEnd::Lost(reason) => {
                attempt += 1;
                let retry_in = backoff_with_jitter(
                    attempt,
                    Duration::from_millis(200),
                    Duration::from_secs(10),
                );
                tracing::info!(attempt, ?retry_in, %reason, "push connection lost");
                let lost = PushInput::Disconnected {
                    attempt,
                    retry_in,
                    reason,
                };
                if inputs.send(lost).await.is_err() {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(retry_in) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens and authenticates the socket, trying the default address and then the backups.
async fn connect(client: &AgentClient) -> Result<(Socket, String), String> {
    let endpoint = client.push_endpoint().await.map_err(|e| e.to_string())?;
    let mut last_error = String::new();
    for url in &endpoint.urls {
        match tokio::time::timeout(
            Duration::from_secs(5),
            tokio_tungstenite::connect_async(url.as_str()),
        )
        .await
        {
            Ok(Ok((mut socket, _))) => {
                let auth = PushFrame::Auth {
                    temp_id: endpoint.temp_id.clone(),
                };
                if let Err(e) = socket.send(WsMessage::text(auth.encode())).await {
                    last_error = format!("auth send: {e}");
                    continue;
                }
                match await_auth_result(&mut socket).await {
                    Ok(()) => return Ok((socket, url.clone())),
                    Err(AuthFailure::Refused(code)) => {
                        // The login behind this temp-id is gone: log in again on the next attempt.
                        client.invalidate_login(&endpoint.temp_id).await;
                        return Err(format!("push auth refused ({code})"));
                    }
                    Err(AuthFailure::Io(e)) => last_error = e,
                }
            }
            Ok(Err(e)) => last_error = format!("connect {url}: {e}"),
            Err(_) => last_error = format!("connect {url}: timed out"),
        }
    }
    Err(last_error)
}

enum AuthFailure {
    Refused(String),
    Io(String),
}

async fn await_auth_result(socket: &mut Socket) -> Result<(), AuthFailure> {
    let deadline = tokio::time::sleep(Duration::from_secs(5));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return Err(AuthFailure::Io("no auth answer within 5 s".into())),
            message = socket.next() => match message {
                Some(Ok(WsMessage::Text(text))) => match PushFrame::decode(&text) {
                    Ok(PushFrame::AuthResult { ret_code, .. }) => {
                        return if RetCode::parse(&ret_code).is_success() { Ok(()) } else { Err(AuthFailure::Refused(ret_code)) };
                    }
                    _ => continue,
                },
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(AuthFailure::Io(e.to_string())),
                None => return Err(AuthFailure::Io("closed during auth".into())),
            }
        }
    }
}

async fn serve(
    mut socket: Socket,
    inputs: &mpsc::Sender<PushInput>,
    shutdown: &mut watch::Receiver<bool>,
) -> SessionEnd {
    let heartbeat_every = Duration::from_secs(HEARTBEAT_SECS);
    let mut heartbeat = tokio::time::interval(heartbeat_every);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            _ = shutdown.changed() => {
                let _ = socket.close(None).await;
                return SessionEnd::Shutdown;
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > heartbeat_every * 3 {
                    return SessionEnd::Lost("no heartbeat from the platform for 30 s".into());
                }
                if let Err(e) = socket.send(WsMessage::text(PushFrame::Heartbeat { ts: now_millis() }.encode())).await {
                    return SessionEnd::Lost(format!("heartbeat send: {e}"));
                }
            }
            message = socket.next() => {
                let received_at = Instant::now();
                last_heard = received_at;
                let text = match message {
                    Some(Ok(WsMessage::Text(text))) => text,
                    Some(Ok(WsMessage::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                        Ok(text) => text.into(),
                        Err(_) => {
                            let _ = inputs.send(PushInput::Malformed { error: "binary frame is not UTF-8".into() }).await;
                            continue;
                        }
                    },
                    Some(Ok(WsMessage::Close(_))) | None => return SessionEnd::Lost("closed by the platform".into()),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return SessionEnd::Lost(e.to_string()),
                };
                if text.len() > MAX_FRAME_BYTES {
                    let error = format!("frame of {} bytes exceeds the {MAX_FRAME_BYTES}-byte limit", text.len());
                    let _ = inputs.send(PushInput::Malformed { error }).await;
                    continue;
                }
                match PushFrame::decode(&text) {
                    Ok(PushFrame::Data { msg_id, data }) => {
                        if let Err(e) = socket.send(WsMessage::text(PushFrame::Receipt { msg_id }.encode())).await {
                            return SessionEnd::Lost(format!("receipt send: {e}"));
                        }
                        let kicked = (data.kind == Some(push_type::KICKED)).then(|| data.status.unwrap_or(2));
                        if inputs.send(PushInput::Frame { data, received_at }).await.is_err() {
                            return SessionEnd::Shutdown;
                        }
                        if let Some(reason) = kicked {
                            let _ = socket.close(None).await;
                            return SessionEnd::Kicked(reason);
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let _ = inputs.send(PushInput::Malformed { error: e.to_string() }).await;
                    }
                }
            }
        }
    }
}
