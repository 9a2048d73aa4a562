//! Aliyun NLS on loopback (business-actions.md §3): `CreateToken` at `/nls-meta/` checking the POP
//! signature (HMAC-SHA1 with the sandbox's AccessKey), and one-sentence recognition at
//! `/nls-gateway/stream/v1/asr` checking the token, the appkey and the audio (mono 8/16 kHz, at most
//! 60 s, the `format` it says), answering the transcript of audio the sandbox made itself
//! (`POST /__sandbox/asr/audio`, and the simulated customers' voice messages) and an empty result
//! for any other sound, as NLS does for speech it cannot make out. Choices the sources do not
//! make are in docs/PROTOCOL.md ("The sandbox's speech service").

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng as _;
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::{lock, world::now_ms, SandboxState};

pub const NLS_APPKEY: &str = "sandboxNlsAppKey01";
pub const ACCESS_KEY_ID: &str = "LTAI5tSandboxAccessKey";
pub const ACCESS_KEY_SECRET: &str = "sandbox-access-key-secret";
/// Tokens live a day (user code reports "~24h", §3.2).
const TOKEN_SECONDS: i64 = 24 * 3600;
/// POP refuses a request whose Timestamp is further than this from its clock [INF].
const TIMESTAMP_WINDOW_SECONDS: i64 = 15 * 60;

#[derive(Default)]
pub(crate) struct AsrBook {
    /// Issued tokens and when each expires (unix seconds).
    tokens: HashMap<String, i64>,
    nonces: HashSet<String>,
    /// What the audio the sandbox made says, by the audio's SHA-256.
    transcripts: HashMap<String, String>,
    token_requests: u32,
    recognitions: u32,
}

fn book(state: &SandboxState) -> std::sync::MutexGuard<'_, AsrBook> {
    lock(&state.asr)
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

fn pop_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(
            json!({"RequestId": uuid(), "HostId": "nls-meta.cn-shanghai.aliyuncs.com",
                    "Code": code, "Message": message}),
        ),
    )
        .into_response()
}

fn uuid() -> String {
    let n: u128 = rand::thread_rng().gen();
    let hex = format!("{n:032X}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `GET /nls-meta/?…&Signature=…` (§3.2).
pub(crate) async fn create_token(
    State(state): State<Arc<SandboxState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    book(&state).token_requests += 1;
    if param("AccessKeyId") != ACCESS_KEY_ID {
        return pop_error(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        );
    }
    if param("Action") != "CreateToken" || param("Version") != "2019-02-28" {
        return pop_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "Action must be CreateToken, Version 2019-02-28.",
        );
    }
    let timestamp = chrono::DateTime::parse_from_rfc3339(param("Timestamp"))
        .map(|t| t.timestamp())
        .unwrap_or(0);
    if (now_ms() / 1000 - timestamp).abs() > TIMESTAMP_WINDOW_SECONDS {
        return pop_error(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        );
    }
    let signed: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected = agentdesk_voice::nls::pop_signature(
        "GET",
        &agentdesk_voice::nls::canonical_query(&signed),
        ACCESS_KEY_SECRET,
    );
    if param("SignatureMethod") != "HMAC-SHA1" || param("Signature") != expected {
        return pop_error(
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.",
        );
    }
    let mut book = book(&state);
    if !book.nonces.insert(param("SignatureNonce").to_string())
        || param("SignatureNonce").is_empty()
    {
        return pop_error(
            StatusCode::BAD_REQUEST,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        );
    }
    let id = format!("{:032x}", rand::thread_rng().gen::<u128>());
    let expires = now_ms() / 1000 + TOKEN_SECONDS;
    book.tokens.insert(id.clone(), expires);
    Json(json!({"RequestId": uuid(), "NlsRequestId": format!("{:032x}", rand::thread_rng().gen::<u128>()),
                "Token": {"UserId": "1268888888888888", "Id": id, "ExpireTime": expires}}))
    .into_response()
}

fn nls_answer(status: StatusCode, code: i64, message: &str, result: &str) -> Response {
    let task = format!("{:032x}", rand::thread_rng().gen::<u128>());
    let mut response = (
        status,
        Json(json!({"task_id": task, "result": result, "status": code, "message": message})),
    )
        .into_response();
    response
        .headers_mut()
        .insert("task_id", task.parse().expect("a header value"));
    response
}

/// `POST /nls-gateway/stream/v1/asr?appkey=…&format=…&sample_rate=…` with `X-NLS-Token` (§3.1).
pub(crate) async fn recognise(
    State(state): State<Arc<SandboxState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let token = headers
        .get("x-nls-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let valid = book(&state)
        .tokens
        .get(&token)
        .is_some_and(|expires| *expires > now_ms() / 1000);
    if !valid {
        return nls_answer(
            StatusCode::FORBIDDEN,
            40_000_001,
            &format!("Gateway:ACCESS_DENIED:The token '{token}' is invalid!"),
            "",
        );
    }
    if params.get("appkey").map(String::as_str) != Some(NLS_APPKEY) {
        return nls_answer(
            StatusCode::BAD_REQUEST,
            40_020_105,
            "Meta:APPKEY_NOT_EXIST:Appkey not exist!",
            "",
        );
    }
    let audio = match agentdesk_voice::audio::prepare(&body) {
        Ok(audio) => audio,
        Err(agentdesk_voice::AudioError::TooLong { .. }) => {
            return nls_answer(
                StatusCode::BAD_REQUEST,
                40_000_004,
                "Gateway:TOO_LONG_SPEECH:Speech is too long!",
                "",
            )
        }
        Err(_) => {
            return nls_answer(
                StatusCode::BAD_REQUEST,
                40_000_000,
                "Gateway:UNSUPPORTED_FORMAT:The audio cannot be decoded!",
                "",
            )
        }
    };
    let format = params.get("format").map(String::as_str).unwrap_or("pcm");
    let rate = params
        .get("sample_rate")
        .map(String::as_str)
        .unwrap_or("16000");
    if format != audio.format.nls_name() || rate != audio.sample_rate.to_string() {
        return nls_answer(
            StatusCode::BAD_REQUEST,
            40_000_000,
            &format!(
                "Gateway:FORMAT_MISMATCH:The audio is {} at {} Hz, not {format} at {rate} Hz!",
                audio.format.nls_name(),
                audio.sample_rate
            ),
            "",
        );
    }
    let mut book = book(&state);
    book.recognitions += 1;
    let text = book
        .transcripts
        .get(&digest(&body))
        .cloned()
        .unwrap_or_default();
    nls_answer(StatusCode::OK, 20_000_000, "SUCCESS", &text)
}

/// Speech the sandbox "records": 8 kHz mono 16-bit WAV (what Sobot's visitor SDKs record, §3.3),
/// a tone for each character so different words make different audio, `seconds` long (a quarter of
/// a second a character, at least one second, when not given). Its transcript is kept.
pub(crate) fn record_speech(state: &SandboxState, text: &str, seconds: Option<f64>) -> Vec<u8> {
    let characters: Vec<char> = text.chars().collect();
    let seconds = seconds.unwrap_or((characters.len() as f64 * 0.25).max(1.0));
    let rate = 8000u32;
    let total = (seconds * f64::from(rate)) as usize;
    let per_character = (total / characters.len().max(1)).max(1);
    let samples: Vec<i16> = (0..total)
        .map(|i| {
            let c = characters.get(i / per_character).copied().unwrap_or(' ') as u32;
            let frequency = 200.0 + f64::from(c % 600);
            ((i as f64 * frequency * std::f64::consts::TAU / f64::from(rate)).sin() * 6000.0) as i16
        })
        .collect();
    let audio = agentdesk_voice::audio::pcm16_wav(&samples, rate);
    book(state)
        .transcripts
        .insert(digest(&audio), text.to_string());
    audio
}

/// `POST /__sandbox/asr/audio {"text","seconds"?}` → `{"file_url","duration_ms"}`: speech the
/// recognition answers with `text`.
pub(crate) async fn make_audio(
    State(state): State<Arc<SandboxState>>,
    Json(body): Json<Value>,
) -> Response {
    let text = body["text"].as_str().unwrap_or_default();
    let seconds = body["seconds"].as_f64();
    if seconds.is_some_and(|s| !(0.1..=300.0).contains(&s)) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "seconds is 0.1 to 300"})),
        )
            .into_response();
    }
    let audio = record_speech(&state, text, seconds);
    let duration_ms = (audio.len() as u64 - 44) * 1000 / 16000;
    let mut world = state.world();
    let id = world.next_id("f");
    world.files.insert(id.clone(), ("audio/wav".into(), audio));
    Json(
        json!({"file_url": format!("{}/__sandbox/files/{id}/voice.wav", state.base_url),
                "duration_ms": duration_ms}),
    )
    .into_response()
}

/// `POST /__sandbox/asr/expire-tokens`: every issued token stops working (the gateway answers 403).
pub(crate) async fn expire_tokens(State(state): State<Arc<SandboxState>>) -> Response {
    let mut book = book(&state);
    let expired = book.tokens.len();
    book.tokens.clear();
    Json(json!({"expired": expired})).into_response()
}

/// `GET /__sandbox/asr`: how many tokens were asked for and how much was recognised.
pub(crate) async fn counts(State(state): State<Arc<SandboxState>>) -> Response {
    let book = book(&state);
    Json(json!({"token_requests": book.token_requests, "recognitions": book.recognitions}))
        .into_response()
}
