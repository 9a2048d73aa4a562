//! Test and demo controls under `/__sandbox/`: start visitors and make them write, read what the
//! agent side sent (duplicates included), set faults, generate load, read counters, and send raw
//! push frames. Not part of any real platform; never behind the fault middleware.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::Faults;
use crate::wire::{bad_request, query_map};
use crate::world::{OpError, PushOut};
use crate::SandboxState;

pub fn router() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/ready", get(ready))
        .route("/visitors", post(start_visitor))
        .route("/visitors/{cid}/messages", post(visitor_message))
        .route("/visitors/{cid}/leave", post(visitor_leave))
        .route("/visitors/{cid}/rate", post(visitor_rate))
        .route("/agent-messages", get(agent_messages))
        .route("/faults", get(get_faults).post(set_faults))
        .route("/load", post(crate::load::start))
        .route("/stats", get(stats))
        .route("/push-raw", post(push_raw))
        .route("/push-address", post(set_push_address))
        .route("/files/{id}/{name}", get(file))
        .route("/exports/{name}", get(crate::tenant_api::export_file))
        .route("/parcels", post(crate::logistics::add_parcel))
        .route("/llm-requests", get(llm_requests))
        .route("/tickets", get(crate::tickets::held))
        .route("/payments", get(crate::payments::held))
        .route("/service-notes", get(crate::shop::service_notes))
        .route("/asr", get(crate::asr::counts))
        .route(
            "/forms/{token}",
            axum::routing::delete(crate::forms::remove),
        )
        .route("/forms/{token}/entries", post(crate::forms::submit))
        .route("/asr/audio", post(crate::asr::make_audio))
        .route("/asr/expire-tokens", post(crate::asr::expire_tokens))
        .route("/payments/{out_trade_no}/pay", post(crate::payments::pay))
        .route(
            "/payments/wechat-key-mode",
            post(crate::payments::wechat_key_mode),
        )
        .route("/tickets/catalogue", post(crate::tickets::set_catalogue))
}

fn json_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

fn op_error(error: OpError) -> Response {
    let OpError::Code(code, message) = error;
    let status = if code == "200002" {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::CONFLICT
    };
    (status, Json(json!({"error": message, "code": code}))).into_response()
}

/// The same JSON as the binary's ready line, for clients pointed at an external sandbox.
async fn ready(State(state): State<Arc<SandboxState>>) -> Response {
    Json(crate::ready_info(&state)).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewVisitor {
    name: String,
    text: String,
    phone: Option<String>,
    /// Sobot `source` code (0 web, 1 WeChat, 2 app, 3 Weibo ...); default 0.
    channel: Option<i64>,
    partnerid: Option<String>,
    /// Route to this agent (like `chat_connect` with `agentid` and `tran_flag=1`).
    agent_email: Option<String>,
}

async fn start_visitor(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let visitor: NewVisitor = match json_body(&body) {
        Ok(v) => v,
        Err(message) => return bad_request(message),
    };
    if visitor.name.trim().is_empty() || visitor.text.is_empty() {
        return bad_request("name and text must not be empty");
    }
    let mut world = state.world();
    let forced = match &visitor.agent_email {
        Some(email) => match world
            .agents
            .iter()
            .position(|a| a.email.eq_ignore_ascii_case(email))
        {
            Some(index) => Some(index),
            None => return bad_request(format!("no agent with e-mail {email}")),
        },
        None => None,
    };
    let partnerid = visitor.partnerid.unwrap_or_else(|| world.next_id("ext-"));
    let (status, cid, position) = world.connect_visitor(
        &partnerid,
        &visitor.name,
        visitor.phone,
        visitor.channel.unwrap_or(0),
        forced,
        None,
    );
    if status == -1 {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": "this visitor already has an open session", "cid": cid})),
        )
            .into_response();
    }
    let record = match world.visitor_message(&cid, &visitor.text, 0) {
        Ok(record) => record,
        Err(e) => return op_error(e),
    };
    let uid = world.sessions[&cid].uid.clone();
    Json(json!({"cid": cid, "uid": uid, "partnerid": partnerid, "status": status, "queue_position": position,
                "msgId": record.msg_id}))
    .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VisitorText {
    #[serde(default)]
    text: String,
    /// A picture the visitor sends instead of text (base64 PNG or JPEG), served from the sandbox's
    /// own origin like the agents' uploads (`msgType` 1, the content its URL).
    #[serde(default)]
    image_base64: Option<String>,
    /// A voice message instead of text: speech the sandbox records saying this (8 kHz WAV, as
    /// Sobot's visitor SDKs record), which its speech service reads back as these words
    /// (`msgType` 2, `{duration, url}`).
    #[serde(default)]
    voice: Option<String>,
    /// The voice message's length in seconds (a quarter second a character when not given).
    #[serde(default)]
    seconds: Option<f64>,
}

async fn visitor_message(
    State(state): State<Arc<SandboxState>>,
    Path(cid): Path<String>,
    body: Bytes,
) -> Response {
    let message: VisitorText = match json_body(&body) {
        Ok(v) => v,
        Err(message) => return bad_request(message),
    };
    if let Some(words) = &message.voice {
        if message.seconds.is_some_and(|s| !(0.1..=300.0).contains(&s)) {
            return bad_request("seconds is 0.1 to 300");
        }
        let audio = crate::asr::record_speech(&state, words, message.seconds);
        let seconds = (audio.len().saturating_sub(44) as f64 / 16000.0).round() as u64;
        let mut world = state.world();
        let id = world.next_id("f");
        world.files.insert(id.clone(), ("audio/wav".into(), audio));
        let url = format!("/__sandbox/files/{id}/voice.wav");
        return match world.visitor_voice(&cid, &url, &format!("{seconds}\"")) {
            Ok(record) => {
                Json(json!({"cid": cid, "msgId": record.msg_id, "url": url})).into_response()
            }
            Err(e) => op_error(e),
        };
    }
    let mut world = state.world();
    let (content, msg_type) = match &message.image_base64 {
        Some(data) => {
            use base64::Engine as _;
            let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data.trim()) else {
                return bad_request("image_base64 is not base64");
            };
            let mime = if bytes.starts_with(&[0xff, 0xd8]) {
                "image/jpeg"
            } else {
                "image/png"
            };
            let id = world.next_id("f");
            let name = if mime == "image/jpeg" {
                "photo.jpg"
            } else {
                "photo.png"
            };
            world.files.insert(id.clone(), (mime.to_string(), bytes));
            (format!("/__sandbox/files/{id}/{name}"), 1)
        }
        None => (message.text.clone(), 0),
    };
    match world.visitor_message(&cid, &content, msg_type) {
        Ok(record) => Json(json!({"cid": cid, "msgId": record.msg_id})).into_response(),
        Err(e) => op_error(e),
    }
}

async fn visitor_leave(
    State(state): State<Arc<SandboxState>>,
    Path(cid): Path<String>,
) -> Response {
    match state.world().end_session(&cid, true) {
        Ok(()) => Json(json!({"cid": cid, "ended": true})).into_response(),
        Err(e) => op_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rating {
    score: u8,
}

async fn visitor_rate(
    State(state): State<Arc<SandboxState>>,
    Path(cid): Path<String>,
    body: Bytes,
) -> Response {
    let rating: Rating = match json_body(&body) {
        Ok(v) => v,
        Err(message) => return bad_request(message),
    };
    if !(1..=5).contains(&rating.score) {
        return bad_request("score must be 1–5");
    }
    match state.world().rate(&cid, rating.score) {
        Ok(()) => Json(json!({"cid": cid, "score": rating.score})).into_response(),
        Err(e) => op_error(e),
    }
}

async fn agent_messages(
    State(state): State<Arc<SandboxState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query_map(query.as_deref());
    let cid = query.get("cid").filter(|c| !c.is_empty());
    let world = state.world();
    let items: Vec<&crate::world::AgentSentRecord> = world
        .agent_log
        .iter()
        .filter(|r| cid.is_none_or(|c| &r.cid == c))
        .collect();
    Json(json!({"items": items})).into_response()
}

async fn get_faults(State(state): State<Arc<SandboxState>>) -> Response {
    Json(state.world().faults.clone()).into_response()
}

async fn set_faults(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let faults: Faults = match json_body(&body) {
        Ok(v) => v,
        Err(message) => return bad_request(message),
    };
    if let Err(message) = faults.validate() {
        return bad_request(message);
    }
    let mut world = state.world();
    if faults.expire_tokens {
        world.expire_all_credentials();
    }
    if let Some(secs) = faults.token_lifetime_secs {
        world.token_lifetime = std::time::Duration::from_secs(secs);
    }
    world.faults = Faults {
        expire_tokens: false,
        ..faults
    };
    Json(world.faults.clone()).into_response()
}

async fn stats(State(state): State<Arc<SandboxState>>) -> Response {
    let world = state.world();
    let mut value = serde_json::to_value(&world.counters).unwrap_or(Value::Null);
    value["sessions"] = json!(world.sessions.len());
    value["queue"] = json!(world.queue.len());
    value["agents_online"] = json!(world
        .agents
        .iter()
        .filter(|a| a.status == 1 && a.temp_id.is_some())
        .count());
    Json(value).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPush {
    agent_email: String,
    /// Sent as-is as one text frame: hostile-input tests use it for malformed frames.
    #[serde(default)]
    text: Option<String>,
    /// Sent as one binary frame (e.g. invalid UTF-8).
    #[serde(default)]
    bytes: Option<Vec<u8>>,
}

async fn push_raw(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let raw: RawPush = match json_body(&body) {
        Ok(v) => v,
        Err(message) => return bad_request(message),
    };
    let world = state.world();
    let Some(index) = world
        .agents
        .iter()
        .position(|a| a.email.eq_ignore_ascii_case(&raw.agent_email))
    else {
        return bad_request(format!("no agent with e-mail {}", raw.agent_email));
    };
    match world.push_links.get(&index) {
        Some((_, link)) => {
            let out = match (raw.text, raw.bytes) {
                // A text is sent as one data frame; bytes go out exactly as given.
                (Some(text), None) => PushOut::Frame(
                    agentdesk_sobot::protocol::Frame::new(
                        agentdesk_sobot::protocol::FrameType::Data,
                        text,
                    )
                    .encode(),
                ),
                (None, Some(bytes)) => PushOut::Raw(bytes),
                _ => return bad_request("give exactly one of text and bytes"),
            };
            let _ = link.send(out);
            Json(json!({"sent": true})).into_response()
        }
        None => (
            StatusCode::CONFLICT,
            Json(json!({"error": "that agent has no push connection"})),
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PushAddress {
    /// `host:port` for later logins' `wslinkDefault`; null restores the sandbox's own port.
    address: Option<String>,
}

/// Points later logins' `wslinkDefault` elsewhere (a test's own push server).
async fn set_push_address(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let request: PushAddress = match json_body(&body) {
        Ok(v) => v,
        Err(message) => return bad_request(message),
    };
    if let Some(address) = &request.address {
        if address.parse::<std::net::SocketAddr>().is_err() {
            return bad_request(format!("{address:?} is not host:port"));
        }
    }
    *state
        .push_redirect
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = request.address;
    Json(json!({"ok": true})).into_response()
}

async fn file(
    State(state): State<Arc<SandboxState>>,
    Path((id, _name)): Path<(String, String)>,
    _h: HeaderMap,
) -> Response {
    match state.world().files.get(&id) {
        // Served as an attachment with nosniff: a file the agent sent is never rendered as a page.
        Some((mime, bytes)) => (
            [
                (header::CONTENT_TYPE, mime.clone()),
                (header::CONTENT_DISPOSITION, "attachment".to_string()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            ],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Every request the model provider received, oldest first (`{"requests": [...]}`).
async fn llm_requests(State(state): State<Arc<SandboxState>>) -> Response {
    let log = crate::lock(&state.llm_log);
    Json(json!({"requests": log.requests})).into_response()
}
