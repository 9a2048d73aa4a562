//! The push channel as an actor, as Sobot's agent SDK runs it (fact sheet §2): a plain TCP
//! connection to the login's `wslinkDefault` (`host:port`), the auth frame first, a `ping` every 10 s,
//! the link declared lost when three pings have gone out since anything was heard, a receipt for
//! every data frame with a `msgId`, duplicates among the last 100 `msgId`s acknowledged but not
//! dispatched, and reconnects 2.3 s after a loss and then every 10 s, without limit.
//!
//! One task owns the socket; everyone else talks to it through channels (the mini-redis shape). It
//! does not order or catch up: it reports `Connected` after every (re)connect, and the engine catches
//! up from the platform's history, since nothing says the platform redelivers what was pushed while
//! the link was down.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::AgentClient;
use crate::protocol::frames::{auth_payload, receipt_payload, PING};
use crate::protocol::{
    push_type, Frame, FrameDecoder, FrameType, PushMessageModel, HEARTBEAT_SECS,
};

/// Anything larger is refused (a hostile or broken peer); the SDK's own cap for what it writes is
/// 131,072 bytes.
const MAX_FRAME_BYTES: usize = 2 * 1024 * 1024;
/// The SDK's reconnect timer: first attempt after 2.3 s, then every 10 s.
const FIRST_RETRY: Duration = Duration::from_millis(2300);
const RETRY_EVERY: Duration = Duration::from_secs(10);
/// Pings sent without hearing anything before the link counts as lost.
const PINGS_BEFORE_LOST: u32 = 3;
/// The SDK's de-duplication window (`LimitQueue` of 100 `msgId`s).
const RECENT_MSG_IDS: usize = 100;
/// A desk PC should not wait forever for a connect (the SDK's non-blocking channel has no timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(8);

/// Where and as whom to open the push channel, from the login.
#[derive(Debug, Clone)]
pub struct PushEndpoint {
    /// `wslinkDefault`: `host:port`.
    pub address: String,
    pub aid: String,
    pub company_id: String,
    pub puid: String,
    /// The login this connection belongs to, to drop it if the platform refuses the connection.
    pub temp_id: String,
}

#[derive(Debug)]
pub enum PushInput {
    /// Connected and authenticated as far as the protocol says (the platform sends no auth answer):
    /// catch up now.
    Connected,
    /// Lost; the actor tries again after `retry_in`.
    Disconnected {
        attempt: u32,
        retry_in: Duration,
        reason: String,
    },
    /// One data frame, new to this connection's window. `received_at` is when its bytes were read.
    Frame {
        data: Box<PushMessageModel>,
        received_at: Instant,
    },
    /// A frame that could not be decoded; already skipped.
    Malformed { error: String },
    /// The platform ended this login (109 with status 2 or 3); the actor has stopped.
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
    Lost {
        reason: String,
        heard_anything: bool,
    },
}

impl PushConnection {
    pub fn spawn(client: Arc<AgentClient>, inputs: mpsc::Sender<PushInput>) -> PushHandle {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(run(client, inputs, shutdown_rx));
        PushHandle { shutdown, task }
    }
}

/// The last `RECENT_MSG_IDS` data-frame ids, across reconnects.
#[derive(Default)]
struct RecentIds(VecDeque<String>);

impl RecentIds {
    /// True if `id` is new (and remembers it).
    fn admit(&mut self, id: &str) -> bool {
        if self.0.iter().any(|seen| seen == id) {
            return false;
        }
        if self.0.len() == RECENT_MSG_IDS {
            self.0.pop_front();
        }
        self.0.push_back(id.to_string());
        true
    }
}

async fn run(
    client: Arc<AgentClient>,
    inputs: mpsc::Sender<PushInput>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut attempt: u32 = 0;
    let mut recent = RecentIds::default();
    loop {
        let end = match connect(&client).await {
            Ok((socket, endpoint)) => {
                if inputs.send(PushInput::Connected).await.is_err() {
                    return;
                }
                let end = serve(socket, &inputs, &mut shutdown, &mut recent).await;
                if let SessionEnd::Lost {
                    heard_anything: false,
                    ..
                } = &end
                {
                    // Closed before a single frame: the platform refused this agent (its login is
                    // gone, see docs/PROTOCOL.md). Log in again before the next attempt.
                    client.invalidate_login(&endpoint.temp_id).await;
                }
                end
            }
            Err(reason) => SessionEnd::Lost {
                reason,
                heard_anything: false,
            },
        };
        match end {
            SessionEnd::Shutdown => return,
            SessionEnd::Kicked(reason) => {
                let _ = inputs.send(PushInput::Kicked { reason }).await;
                return;
            }
            SessionEnd::Lost {
                reason,
                heard_anything,
            } => {
                if heard_anything {
                    attempt = 0;
                }
                attempt += 1;
                let retry_in = if attempt == 1 {
                    FIRST_RETRY
                } else {
                    RETRY_EVERY
                };
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

/// Opens the TCP connection to `wslinkDefault` and sends the auth frame.
async fn connect(client: &AgentClient) -> Result<(TcpStream, PushEndpoint), String> {
    let endpoint = client.push_endpoint().await.map_err(|e| e.to_string())?;
    let address = &endpoint.address;
    let mut socket = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address)).await
    {
        Ok(Ok(socket)) => socket,
        Ok(Err(e)) => return Err(format!("connect {address}: {e}")),
        Err(_) => return Err(format!("connect {address}: timed out")),
    };
    let _ = socket.set_nodelay(true);
    let auth = auth_payload(
        &endpoint.aid,
        &endpoint.company_id,
        &endpoint.puid,
        client.signing_time_ms(),
    );
    socket
        .write_all(&Frame::new(FrameType::Auth, auth).encode())
        .await
        .map_err(|e| format!("auth send: {e}"))?;
    Ok((socket, endpoint))
}

async fn serve(
    mut socket: TcpStream,
    inputs: &mpsc::Sender<PushInput>,
    shutdown: &mut watch::Receiver<bool>,
    recent: &mut RecentIds,
) -> SessionEnd {
    let heartbeat_every = Duration::from_secs(HEARTBEAT_SECS);
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + heartbeat_every,
        heartbeat_every,
    );
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut liveness = Liveness::default();
    let mut decoder = FrameDecoder::new(MAX_FRAME_BYTES);
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            _ = shutdown.changed() => {
                let _ = socket.shutdown().await;
                return SessionEnd::Shutdown;
            }
            _ = heartbeat.tick() => {
                if liveness.pings_unanswered >= PINGS_BEFORE_LOST {
                    return liveness.lost(format!("nothing heard from the platform for {} pings", PINGS_BEFORE_LOST));
                }
                if let Err(e) = socket.write_all(&Frame::new(FrameType::Heartbeat, PING).encode()).await {
                    return liveness.lost(format!("heartbeat send: {e}"));
                }
                liveness.pings_unanswered += 1;
            }
            read = socket.read(&mut buffer) => {
                let received_at = Instant::now();
                let n = match read {
                    Ok(0) => return liveness.lost("closed by the platform".into()),
                    Ok(n) => n,
                    Err(e) => return liveness.lost(e.to_string()),
                };
                decoder.extend(&buffer[..n]);
                let delivered = deliver_frames(&mut socket, &mut decoder, inputs, recent, &mut liveness, received_at).await;
                if let Err(end) = delivered {
                    return end;
                }
            }
        }
    }
}

/// Whether the connection still lives: pings sent since the platform last said anything, and
/// whether it ever did (a connection that never heard anything is reported as such).
#[derive(Default)]
struct Liveness {
    pings_unanswered: u32,
    heard_anything: bool,
}

impl Liveness {
    fn lost(&self, reason: String) -> SessionEnd {
        SessionEnd::Lost {
            reason,
            heard_anything: self.heard_anything,
        }
    }
}

/// Hands every whole frame the decoder holds to the engine, acknowledging each data frame that has
/// a `msgId`. An error is how the connection ends (bad framing, a failed send, a kick).
async fn deliver_frames(
    socket: &mut TcpStream,
    decoder: &mut FrameDecoder,
    inputs: &mpsc::Sender<PushInput>,
    recent: &mut RecentIds,
    liveness: &mut Liveness,
    received_at: Instant,
) -> Result<(), SessionEnd> {
    loop {
        let frame = match decoder.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(()),
            Err(e) => {
                // Frame boundaries are lost: nothing after this can be trusted.
                let _ = inputs
                    .send(PushInput::Malformed {
                        error: e.to_string(),
                    })
                    .await;
                return Err(liveness.lost(format!("bad framing: {e}")));
            }
        };
        // An empty payload is ignored entirely (it does not even count as liveness).
        if frame.payload.is_empty() {
            continue;
        }
        liveness.heard_anything = true;
        liveness.pings_unanswered = 0;
        if frame.kind() != Some(FrameType::Data) {
            continue;
        }
        let (data, receipt) = match on_data(&frame, recent) {
            Ok(taken) => taken,
            Err(error) => {
                let _ = inputs.send(PushInput::Malformed { error }).await;
                continue;
            }
        };
        if let Some(receipt) = receipt {
            let ack = Frame::new(FrameType::Receipt, receipt_payload(&receipt)).encode();
            if let Err(e) = socket.write_all(&ack).await {
                return Err(liveness.lost(format!("receipt send: {e}")));
            }
        }
        let Some(data) = data else { continue };
        let kicked = kick_reason(&data);
        let frame = PushInput::Frame {
            data: Box::new(data),
            received_at,
        };
        if inputs.send(frame).await.is_err() {
            return Err(SessionEnd::Shutdown);
        }
        if let Some(reason) = kicked {
            let _ = socket.shutdown().await;
            return Err(SessionEnd::Kicked(reason));
        }
    }
}

/// A data frame's push (None when it is a duplicate) and the `msgId` to acknowledge (None when the
/// frame has none: such frames are dispatched but neither de-duplicated nor acknowledged).
fn on_data(
    frame: &Frame,
    recent: &mut RecentIds,
) -> Result<(Option<PushMessageModel>, Option<String>), String> {
    let text = frame.text().map_err(|e| e.to_string())?;
    let data: PushMessageModel =
        serde_json::from_str(text).map_err(|e| format!("data frame payload: {e}"))?;
    match data.msg_id.clone().filter(|id| !id.is_empty()) {
        Some(id) if recent.admit(&id) => Ok((Some(data), Some(id))),
        Some(id) => Ok((None, Some(id))),
        None => Ok((Some(data), None)),
    }
}

/// 109 with status "2" (another login) or "3" (an administrator) ends this login; "1" (logout) the
/// SDK ignores.
fn kick_reason(data: &PushMessageModel) -> Option<i64> {
    if data.kind != Some(push_type::KICKED) {
        return None;
    }
    match data.status.as_deref().map(str::trim) {
        Some("1") => None,
        Some(status) => Some(status.parse().unwrap_or(2)),
        None => Some(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_keeps_the_last_hundred_ids() {
        let mut recent = RecentIds::default();
        assert!(recent.admit("m0"));
        assert!(!recent.admit("m0"));
        for n in 1..=RECENT_MSG_IDS {
            assert!(recent.admit(&format!("m{n}")));
        }
        // m0 has left the window: the SDK would dispatch it again (the engine's store still drops it).
        assert!(recent.admit("m0"));
    }

    #[test]
    fn duplicates_are_acknowledged_but_not_dispatched() {
        let mut recent = RecentIds::default();
        let frame = Frame::new(FrameType::Data, r#"{"type":103,"msgId":"x1","cid":"c"}"#);
        let (first, ack) = on_data(&frame, &mut recent).unwrap();
        assert!(first.is_some());
        assert_eq!(ack.as_deref(), Some("x1"));
        let (again, ack) = on_data(&frame, &mut recent).unwrap();
        assert!(again.is_none());
        assert_eq!(ack.as_deref(), Some("x1"));
        let no_id = Frame::new(FrameType::Data, r#"{"type":110,"count":"3"}"#);
        let (data, ack) = on_data(&no_id, &mut recent).unwrap();
        assert_eq!(data.unwrap().count, Some(3));
        assert!(ack.is_none());
        assert!(on_data(&Frame::new(FrameType::Data, "not json"), &mut recent).is_err());
    }

    #[test]
    fn only_kicks_end_the_login() {
        let push = |status: Option<&str>| PushMessageModel {
            kind: Some(push_type::KICKED),
            status: status.map(str::to_string),
            ..PushMessageModel::default()
        };
        assert_eq!(kick_reason(&push(Some("1"))), None);
        assert_eq!(kick_reason(&push(Some("2"))), Some(2));
        assert_eq!(kick_reason(&push(Some("3"))), Some(3));
        assert_eq!(kick_reason(&PushMessageModel::default()), None);
    }
}
