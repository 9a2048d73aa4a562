//! An OpenAI-compatible model provider (`/v1/models`, `/v1/chat/completions`, streamed and not)
//! for demo mode and tests. It answers deterministically from the prompt it receives: a draft
//! quotes the first knowledge article it was given (and cites it as `[1]`) and the customer facts'
//! first order, a summary names that article, a translation or rewrite marks the text it was
//! given. Faults (`"llm"` in `POST /__sandbox/faults`) make it slow, cut, limiting, failing,
//! refusing or answering garbage; `GET /__sandbox/llm-requests` lists every request received (the
//! key itself never kept), so a test can see exactly what left the desk.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use crate::faults::LlmFaults;
use crate::SandboxState;

/// The model this provider lists (any name is answered: see docs/PROTOCOL.md).
pub const MODEL: &str = "sandbox-chat";
/// Requests kept for `GET /__sandbox/llm-requests`, oldest dropped first.
const KEPT_REQUESTS: usize = 1_000;

/// One request as received (`GET /__sandbox/llm-requests`).
#[derive(Debug, Clone, Serialize)]
pub struct LlmRequest {
    /// The request's number since the sandbox started (0, 1, …).
    pub seq: u64,
    pub at_ms: i64,
    /// When a streamed answer's first piece of text went out (wall clock, ms with a fraction), for
    /// measuring the time from the provider's first token to the token on screen.
    pub first_token_at_ms: Option<f64>,
    pub path: String,
    /// Whether a key came with it (the key itself is never kept).
    pub authorized: bool,
    pub body: Value,
}

/// What this provider has received.
#[derive(Debug, Default)]
pub struct LlmLog {
    pub requests: std::collections::VecDeque<LlmRequest>,
    /// Requests received so far (the next one's `seq`).
    pub received: u64,
}

/// The wall clock in ms with its fraction (`SystemTime`, as a browser's
/// `performance.timeOrigin + performance.now()` reads it).
fn wall_clock_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn error(status: StatusCode, message: &str, kind: &str, code: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": kind, "param": null, "code": code}})),
    )
        .into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|key| !key.trim().is_empty());
    let api_key = headers
        .get("api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|key| !key.trim().is_empty());
    bearer || api_key
}

pub(crate) async fn models(headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return no_key();
    }
    Json(json!({"object": "list", "data": [
        {"id": MODEL, "object": "model", "created": 1_700_000_000, "owned_by": "agentdesk-sandbox"}
    ]}))
    .into_response()
}

fn no_key() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
        "invalid_request_error",
        "invalid_api_key",
    )
}

pub(crate) async fn chat_completions(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let has_key = authorized(&headers);
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let seq = log_request(&state, has_key, &parsed, &body);
    if !has_key {
        return no_key();
    }
    let chat = match read_chat(parsed) {
        Ok(chat) => chat,
        Err(refusal) => return *refusal,
    };
    let faults = take_faults(&state);
    if faults.first_token_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.first_token_delay_ms)).await;
    }
    if let Some(response) = fault_response(&faults.applied) {
        return response;
    }
    let answer = answer(&chat.system, &chat.user);
    let prompt_tokens = tokens(&chat.system) + tokens(&chat.user);
    let completion_tokens = tokens(&answer);
    let usage = json!({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                       "total_tokens": prompt_tokens + completion_tokens});
    let id = format!("chatcmpl-sandbox-{}", crate::world::now_ms());
    let created = crate::world::now_ms() / 1000;
    let model = &chat.model;
    if !chat.stream {
        return Json(json!({
            "id": id, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                         "finish_reason": "stop", "logprobs": null}],
            "usage": usage
        }))
        .into_response();
    }
    let chunk = |delta: Value, finish: Value| {
        json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}]})
    };
    let mut events: Vec<Result<String, std::io::Error>> = Vec::new();
    events.push(Ok(sse(&chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    ))));
    for (n, piece) in pieces(&answer).into_iter().enumerate() {
        if faults.applied.cut_after_tokens == Some(n as u32) {
            events.push(Err(std::io::Error::other("cut by the sandbox's fault")));
            break;
        }
        events.push(Ok(sse(&chunk(json!({"content": piece}), Value::Null))));
    }
    if events.last().is_some_and(Result::is_ok) {
        events.push(Ok(sse(&chunk(json!({}), json!("stop")))));
        if chat.include_usage {
            events.push(Ok(sse(&json!({
                "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [], "usage": usage
            }))));
        }
        events.push(Ok("data: [DONE]\n\n".to_string()));
    }
    event_stream(
        state,
        seq,
        events,
        Duration::from_millis(faults.token_delay_ms),
    )
}

/// Keeps the request for the test controls (the last `KEPT_REQUESTS`); its sequence number.
fn log_request(
    state: &SandboxState,
    authorized: bool,
    parsed: &Result<Value, serde_json::Error>,
    body: &[u8],
) -> u64 {
    let mut log = crate::lock(&state.llm_log);
    if log.requests.len() >= KEPT_REQUESTS {
        log.requests.pop_front();
    }
    let seq = log.received;
    log.received += 1;
    log.requests.push_back(LlmRequest {
        seq,
        first_token_at_ms: None,
        at_ms: crate::world::now_ms(),
        path: "/v1/chat/completions".into(),
        authorized,
        body: parsed
            .as_ref()
            .cloned()
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
    });
    seq
}

/// What a chat completion request asks, as the sandbox's answer needs it.
struct ChatRequest {
    model: String,
    /// The system (and developer) messages, joined.
    system: String,
    /// Every other message, joined.
    user: String,
    stream: bool,
    include_usage: bool,
}

/// The request, or OpenAI's refusal of it (bad JSON, no messages, no model).
fn read_chat(parsed: Result<Value, serde_json::Error>) -> Result<ChatRequest, Box<Response>> {
    let request = parsed.map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            &format!("We could not parse the JSON body of your request: {e}"),
            "invalid_request_error",
            "invalid_json",
        ))
    })?;
    let Some(messages) = request["messages"].as_array().filter(|m| !m.is_empty()) else {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "'messages' is a required property and must be a non-empty array",
            "invalid_request_error",
            "missing_required_parameter",
        )));
    };
    let Some(model) = request["model"].as_str().map(str::to_string) else {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "you must provide a model parameter",
            "invalid_request_error",
            "missing_required_parameter",
        )));
    };
    let mut system = String::new();
    let mut user = String::new();
    for message in messages {
        let text = content_text(&message["content"]);
        match message["role"].as_str() {
            Some("system") | Some("developer") => system.push_str(&text),
            _ => user.push_str(&text),
        }
    }
    Ok(ChatRequest {
        model,
        system,
        user,
        stream: request["stream"].as_bool() == Some(true),
        include_usage: request["stream_options"]["include_usage"].as_bool() == Some(true),
    })
}

/// The events as a server-sent stream, `delay` apart, noting when the first text left.
fn event_stream(
    state: Arc<SandboxState>,
    seq: u64,
    events: Vec<Result<String, std::io::Error>>,
    delay: Duration,
) -> Response {
    // Event 0 is the role with no text; event 1 the first text (when there is any).
    let stream =
        futures_util::stream::unfold((events.into_iter(), 0usize), move |(mut rest, index)| {
            let state = state.clone();
            async move {
                let next = rest.next()?;
                if index > 0 && !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                if index == 1 && next.is_ok() {
                    let mut log = crate::lock(&state.llm_log);
                    if let Some(request) = log.requests.iter_mut().find(|r| r.seq == seq) {
                        request.first_token_at_ms = Some(wall_clock_ms());
                    }
                }
                Some((next, (rest, index + 1)))
            }
        });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The faults for this request: delays always, the rest while `times` lasts.
struct RequestFaults {
    first_token_delay_ms: u64,
    token_delay_ms: u64,
    applied: LlmFaults,
}

fn take_faults(state: &SandboxState) -> RequestFaults {
    let mut world = state.world();
    let faults = &mut world.faults.llm;
    let delays = RequestFaults {
        first_token_delay_ms: faults.first_token_delay_ms,
        token_delay_ms: faults.token_delay_ms.unwrap_or(15),
        applied: LlmFaults::default(),
    };
    let lasting = match &mut faults.times {
        Some(0) => false,
        Some(n) => {
            *n -= 1;
            true
        }
        None => true,
    };
    RequestFaults {
        applied: if lasting {
            faults.clone()
        } else {
            LlmFaults::default()
        },
        ..delays
    }
}

fn fault_response(faults: &LlmFaults) -> Option<Response> {
    if faults.garbage {
        return Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
            )
                .into_response(),
        );
    }
    if faults.refuse {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "Input data may contain inappropriate content.",
            "data_inspection_failed",
            "data_inspection_failed",
        ));
    }
    let status = faults.status?;
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match status {
        429 => error(
            code,
            "Rate limit reached for requests. Please try again later.",
            "requests",
            "rate_limit_exceeded",
        ),
        401 => error(
            code,
            "Incorrect API key provided.",
            "invalid_request_error",
            "invalid_api_key",
        ),
        403 => error(
            code,
            "You are not allowed to use this model.",
            "invalid_request_error",
            "model_not_allowed",
        ),
        404 => error(
            code,
            "The model does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        ),
        400 => error(
            code,
            "Invalid request.",
            "invalid_request_error",
            "invalid_value",
        ),
        _ => error(
            code,
            "The server had an error while processing your request.",
            "server_error",
            "server_error",
        ),
    };
    if let (429, Some(secs)) = (status, faults.retry_after_secs) {
        if let Ok(value) = secs.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    Some(response)
}

fn sse(value: &Value) -> String {
    format!("data: {value}\n\n")
}

/// A message's text: a string, or the text parts of a content array.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The stream's pieces: each Chinese character, other text in runs of up to four characters (so
/// a placeholder such as `[ORDER_1]` arrives split, as real tokenizers split it).
fn pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if is_chinese(c) {
            if !run.is_empty() {
                pieces.push(std::mem::take(&mut run));
            }
            pieces.push(c.to_string());
        } else {
            run.push(c);
            if run.chars().count() == 4 || c == ' ' {
                pieces.push(std::mem::take(&mut run));
            }
        }
    }
    if !run.is_empty() {
        pieces.push(run);
    }
    pieces
}

/// Tokens as this provider counts them: a Chinese character one, other text four bytes one.
fn tokens(text: &str) -> u64 {
    let chinese = text.chars().filter(|c| is_chinese(*c)).count() as u64;
    let other: u64 = text
        .chars()
        .filter(|c| !is_chinese(*c))
        .map(|c| c.len_utf8() as u64)
        .sum();
    chinese + other.div_ceil(4)
}

/// The lines of the user message's section under `header`, up to the next blank-line-separated
/// header.
fn section<'a>(user: &'a str, header: &str) -> Option<&'a str> {
    let start = user.find(header)? + header.len();
    let rest = &user[start..];
    let end = [
        "\nKnowledge articles:",
        "\nCustomer facts:",
        "\nConversation",
        "\nText:",
    ]
    .iter()
    .filter_map(|h| rest.find(h))
    .min()
    .unwrap_or(rest.len());
    Some(rest[..end].trim_matches('\n'))
}

/// The first article of the prompt: its title and answer.
fn first_article(user: &str) -> Option<(String, String)> {
    let articles = section(user, "Knowledge articles:")?;
    let first = articles.split("\n\n").next()?;
    let (title_line, answer) = first.split_once('\n').unwrap_or((first, ""));
    let title = title_line.strip_prefix("[1]")?.trim().to_string();
    Some((title, answer.trim().to_string()))
}

/// The answer the sandbox's "model" gives: what the system message's `Task:` line asks, quoting
/// what the user message holds.
fn answer(system: &str, user: &str) -> String {
    let task = system
        .lines()
        .find_map(|l| l.strip_prefix("Task:"))
        .map(str::trim)
        .unwrap_or("");
    let chinese = system.contains("Chinese (简体中文)");
    let text = section(user, "Text:").unwrap_or("").to_string();
    if task == "draft" {
        return draft(user, chinese);
    }
    if task == "summary" {
        return summary(user, chinese);
    }
    if task == "translate" {
        return if chinese {
            format!("（译文）{text}")
        } else {
            format!("(translated) {text}")
        };
    }
    if let Some(style) = task.strip_prefix("rewrite") {
        let style = style.trim().trim_matches(['(', ')']);
        return match (style, chinese) {
            ("shorter", _) => text
                .split_inclusive(['。', '.', '！', '!'])
                .next()
                .unwrap_or(&text)
                .trim()
                .to_string(),
            ("warmer", true) => format!("非常理解您的心情。{text}"),
            ("warmer", false) => format!("I completely understand how you feel. {text}"),
            (_, true) => format!("尊敬的客户：{text}"),
            (_, false) => format!("Dear customer, {text}"),
        };
    }
    format!(
        "The sandbox model received {} characters.",
        system.chars().count() + user.chars().count()
    )
}

/// A draft: a greeting by name, the order's status when the facts give one, and the first
/// article's answer cited as [1].
fn draft(user: &str, chinese: bool) -> String {
    let mut reply = String::new();
    let facts = section(user, "Customer facts:").unwrap_or("");
    let name = facts.lines().find_map(|l| l.strip_prefix("Name: "));
    let order = facts.lines().find_map(|l| l.strip_prefix("Order "));
    reply.push_str(&match (chinese, name) {
        (true, Some(name)) => format!("您好，{name}！"),
        (true, None) => "您好！".to_string(),
        (false, Some(name)) => format!("Hello {name}! "),
        (false, None) => "Hello! ".to_string(),
    });
    if let Some(order) = order {
        let (id, rest) = order.split_once(':').unwrap_or((order, ""));
        let status = rest.split(';').next().unwrap_or("").trim();
        reply.push_str(&if chinese {
            format!("您的订单 {id} 当前状态：{status}。")
        } else {
            format!("Your order {id} is: {status}. ")
        });
    }
    match first_article(user) {
        Some((_, answer)) if !answer.is_empty() => {
            reply.push_str(&format!("{answer}[1]"));
        }
        Some((title, _)) => reply.push_str(&format!("{title}[1]")),
        None => reply.push_str(if chinese {
            "这个问题我需要核实一下，请您稍等。"
        } else {
            "I need to check this for you; one moment please."
        }),
    }
    reply
}

/// A summary: the first article's title as the category, the customer's first question as the gist.
fn summary(user: &str, chinese: bool) -> String {
    let category = first_article(user)
        .map(|(title, _)| title)
        .unwrap_or_else(|| {
            if chinese {
                "咨询".into()
            } else {
                "Enquiry".into()
            }
        });
    let asked: String = section(user, "Conversation (oldest first):")
        .and_then(|c| c.lines().find_map(|l| l.strip_prefix("Customer: ")))
        .unwrap_or("")
        .chars()
        .take(60)
        .collect();
    if chinese {
        format!("分类：{category}\n小结：客户咨询：{asked}")
    } else {
        format!("Category: {category}\nSummary: The customer asked: {asked}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_quotes_the_first_article_and_the_order() {
        let user = "Knowledge articles:\n[1] 退款多久到账\n退款1-3个工作日原路退回。\n\n[2] 其他\n无\n\nCustomer facts:\nName: [NAME_1]\nOrder [ORDER_1]: 已发货; parcel [WAYBILL_1]\n\nConversation (oldest first):\nCustomer: 钱什么时候退\n";
        let reply = answer("Task: draft\nWrite it in Chinese (简体中文)", user);
        assert_eq!(
            reply,
            "您好，[NAME_1]！您的订单 [ORDER_1] 当前状态：已发货。退款1-3个工作日原路退回。[1]"
        );
    }

    #[test]
    fn pieces_split_placeholders_like_a_tokenizer() {
        assert_eq!(
            pieces("订单[ORDER_1]好"),
            ["订", "单", "[ORD", "ER_1", "]", "好"]
        );
        assert_eq!(pieces("hi there"), ["hi ", "ther", "e"]);
    }

    #[test]
    fn faults_are_checked() {
        assert!(LlmFaults {
            status: Some(418),
            ..Default::default()
        }
        .validate()
        .is_err());
        assert!(LlmFaults::default().validate().is_ok());
    }
}
