//! The client for any OpenAI-compatible chat-completions service: a streamed call (SSE) with
//! timeouts, waits on 429 as long as the provider's Retry-After says (within reason), one retry on
//! a gateway error, and every failure in words.
//!
//! The request and stream types are async-openai's. The transport is this crate's own, on the
//! workspace's reqwest, because async-openai's stream (via reqwest-eventsource) re-sends the
//! request after a connection drops mid-answer — a second, billed call the agent never asked
//! for — and drops the Retry-After header of a 429 on a streamed call.

use std::time::{Duration, Instant};

use agentdesk_domain::Secret;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, CreateChatCompletionRequest,
    CreateChatCompletionResponse, CreateChatCompletionStreamResponse, FinishReason,
};
use serde::{Deserialize, Serialize};

use crate::prompt::{Prompt, Role};

/// How the key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyHeader {
    /// `Authorization: Bearer <key>` (OpenAI and nearly every compatible service).
    Bearer,
    /// `api-key: <key>` (Azure OpenAI).
    ApiKey,
}

/// A known service: where it is and what it is usually called with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    /// `{resource}` is the customer's own part of the address (Azure).
    pub base_url: &'static str,
    pub model: &'static str,
    pub key_header: KeyHeader,
    pub needs_key: bool,
    /// Runs on the agent's machine or the company's network: nothing leaves it at all.
    pub local: bool,
}

/// The services the settings offer; any other base URL works the same way.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "openai",
        name: "OpenAI",
        base_url: "https://api.openai.com/v1",
        model: "gpt-4o-mini",
        key_header: KeyHeader::Bearer,
        needs_key: true,
        local: false,
    },
    Preset {
        id: "azure",
        name: "Azure OpenAI",
        base_url: "https://{resource}.openai.azure.com/openai/v1",
        model: "gpt-4o-mini",
        key_header: KeyHeader::ApiKey,
        needs_key: true,
        local: false,
    },
    Preset {
        id: "dashscope",
        name: "阿里云百炼 (DashScope)",
        base_url: "https://dashscope.aliyuncs.com/compatible-mode/v1",
        model: "qwen-plus",
        key_header: KeyHeader::Bearer,
        needs_key: true,
        local: false,
    },
    Preset {
        id: "deepseek",
        name: "DeepSeek",
        base_url: "https://api.deepseek.com/v1",
        model: "deepseek-chat",
        key_header: KeyHeader::Bearer,
        needs_key: true,
        local: false,
    },
    Preset {
        id: "moonshot",
        name: "Moonshot (Kimi)",
        base_url: "https://api.moonshot.cn/v1",
        model: "moonshot-v1-8k",
        key_header: KeyHeader::Bearer,
        needs_key: true,
        local: false,
    },
    Preset {
        id: "zhipu",
        name: "智谱 (BigModel)",
        base_url: "https://open.bigmodel.cn/api/paas/v4",
        model: "glm-4-flash",
        key_header: KeyHeader::Bearer,
        needs_key: true,
        local: false,
    },
    Preset {
        id: "ollama",
        name: "Ollama",
        base_url: "http://localhost:11434/v1",
        model: "qwen2.5:7b",
        key_header: KeyHeader::Bearer,
        needs_key: false,
        local: true,
    },
    Preset {
        id: "llamacpp",
        name: "llama.cpp server",
        base_url: "http://localhost:8080/v1",
        model: "default",
        key_header: KeyHeader::Bearer,
        needs_key: false,
        local: true,
    },
    Preset {
        id: "vllm",
        name: "vLLM",
        base_url: "http://localhost:8000/v1",
        model: "Qwen/Qwen2.5-7B-Instruct",
        key_header: KeyHeader::Bearer,
        needs_key: false,
        local: true,
    },
    Preset {
        id: "litellm",
        name: "LiteLLM proxy",
        base_url: "http://localhost:4000/v1",
        model: "gpt-4o-mini",
        key_header: KeyHeader::Bearer,
        needs_key: false,
        local: true,
    },
];

/// How long each stage may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub connect: Duration,
    /// From sending the request to the first token (models think before they write).
    pub first_token: Duration,
    /// Between two pieces of the stream.
    pub between_tokens: Duration,
    /// The longest Retry-After waited out; a longer one fails the call with the time in words.
    pub longest_wait: Duration,
    /// Attempts after a 429 or a gateway error, before any token.
    pub retries: u32,
    pub max_tokens: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(10),
            first_token: Duration::from_secs(45),
            between_tokens: Duration::from_secs(30),
            longest_wait: Duration::from_secs(20),
            retries: 2,
            max_tokens: 800,
        }
    }
}

/// One configured service.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Where `/chat/completions` is added (`https://api.openai.com/v1`).
    pub base_url: url::Url,
    pub model: String,
    pub key: Option<Secret>,
    pub key_header: KeyHeader,
    pub limits: Limits,
}

/// Why a call gave no (complete) answer; the text is what the draft area shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("cannot reach the model provider at {host}: {reason}. Check the assistant's base URL and the network connection.")]
    Unreachable { host: String, reason: String },
    #[error("the model provider sent nothing for {seconds} s. It may be overloaded: try again, or choose a faster model.")]
    TimedOut { seconds: u64 },
    #[error("the model provider is limiting requests for this key{}. Try again then, or raise the key's rate limit with the provider.", match retry_after { Some(s) => format!(" for the next {s} s"), None => String::new() })]
    RateLimited { retry_after: Option<u64> },
    #[error("the model provider refused the key ({status}): {message}. Enter a valid key for the assistant in Settings.")]
    KeyRefused { status: u16, message: String },
    #[error("the model provider refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the model provider failed ({status}): {message}. Try again in a moment.")]
    Server { status: u16, message: String },
    #[error("the model provider answered with something that is not a chat completion ({detail}). Check that the base URL ends where /chat/completions belongs (usually …/v1).")]
    Garbage { detail: String },
    #[error(
        "the answer stopped before its end: {reason}. What arrived is kept as a partial draft."
    )]
    Cut { reason: String },
    #[error("stopped by the agent")]
    Cancelled,
}

impl ProviderError {
    /// A stable word for the kind of failure (the UI's translation key, the audit log).
    pub fn kind(&self) -> &'static str {
        match self {
            ProviderError::Unreachable { .. } => "unreachable",
            ProviderError::TimedOut { .. } => "timed_out",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::KeyRefused { .. } => "key_refused",
            ProviderError::Refused { .. } => "refused",
            ProviderError::Server { .. } => "server",
            ProviderError::Garbage { .. } => "garbage",
            ProviderError::Cut { .. } => "cut",
            ProviderError::Cancelled => "cancelled",
        }
    }
}

impl agentdesk_http::CallFailure for ProviderError {
    fn outcome(&self) -> String {
        match self {
            // Labelled as API health counts failures of the integration.
            ProviderError::Unreachable { .. } | ProviderError::TimedOut { .. } => "network".into(),
            ProviderError::Server { status, .. } => format!("http_{status}"),
            ProviderError::Garbage { .. } => "decode".into(),
            other => other.kind().to_string(),
        }
    }

    fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::Unreachable { .. }
                | ProviderError::TimedOut { .. }
                | ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
        )
    }
}

/// Something worth telling the agent while a call waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A 429 or a gateway error: the call is tried again after this long.
    Retrying { after: Duration, reason: String },
}

/// Tokens as the provider counted them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// What a call produced: the text as it came (placeholders and all), how it ended, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub usage: Option<Usage>,
    /// `None` when the stream ended properly; the failure when it was cut short.
    pub cut: Option<ProviderError>,
    pub truncated_by_length: bool,
    pub content_filtered: bool,
    pub first_token: Option<Duration>,
    pub total: Duration,
}

impl Provider {
    /// A provider at `base_url`, the key sent as a bearer token.
    pub fn new(base_url: &str, model: &str, key: Option<Secret>) -> Result<Provider, String> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let base_url = url::Url::parse(&format!("{trimmed}/"))
            .map_err(|e| format!("the base URL {base_url:?} is not a URL ({e}): write it like https://api.openai.com/v1"))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(format!(
                "the base URL {base_url} must start with https:// (or http:// for a server on this machine)"
            ));
        }
        if model.trim().is_empty() {
            return Err("the model name is empty: enter the provider's model id".into());
        }
        let key_header = if base_url
            .host_str()
            .is_some_and(|h| h.ends_with(".openai.azure.com"))
        {
            KeyHeader::ApiKey
        } else {
            KeyHeader::Bearer
        };
        Ok(Provider {
            base_url,
            model: model.trim().to_string(),
            key: key.filter(|k| !k.expose().trim().is_empty()),
            key_header,
            limits: Limits::default(),
        })
    }

    fn host(&self) -> String {
        self.base_url
            .host_str()
            .map(|h| match self.base_url.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
            .unwrap_or_else(|| self.base_url.to_string())
    }

    /// The chat-completions request for `prompt`, streamed, with usage asked for.
    pub fn request(&self, prompt: &Prompt) -> CreateChatCompletionRequest {
        let messages = prompt
            .messages
            .iter()
            .map(|m| match m.role {
                Role::System => ChatCompletionRequestMessage::System(
                    ChatCompletionRequestSystemMessage::from(m.content.as_str()),
                ),
                Role::User => ChatCompletionRequestMessage::User(
                    ChatCompletionRequestUserMessage::from(m.content.as_str()),
                ),
            })
            .collect();
        // `max_tokens` rather than its successor `max_completion_tokens`: the compatible services
        // (DashScope, DeepSeek, Ollama, vLLM) read the older name.
        #[allow(deprecated)]
        CreateChatCompletionRequest {
            model: self.model.clone(),
            messages,
            stream: Some(true),
            stream_options: Some(ChatCompletionStreamOptions {
                include_usage: Some(true),
                include_obfuscation: None,
            }),
            temperature: Some(0.3),
            max_tokens: Some(self.limits.max_tokens),
            ..Default::default()
        }
    }

    /// Sends `request` and streams the answer's text to `on_text` as it arrives. Fails before the
    /// first token with the reason; after it, a broken stream is a `Completion` with `cut` set and
    /// the text so far.
    pub async fn complete(
        &self,
        http: &agentdesk_http::HttpClient,
        request: &CreateChatCompletionRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
        on_notice: &mut (dyn FnMut(Notice) + Send),
        stop: &tokio_util::sync::CancellationToken,
    ) -> Result<Completion, ProviderError> {
        // The whole call is one entry of the ledger: from the request to the stream's end.
        http.observed_until(
            "llm:chat/completions",
            self.complete_unrecorded(http.reqwest(), request, on_text, on_notice),
            stop,
        )
        .await
        .unwrap_or(Err(ProviderError::Cancelled))
    }

    async fn complete_unrecorded(
        &self,
        http: &reqwest::Client,
        request: &CreateChatCompletionRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
        on_notice: &mut (dyn FnMut(Notice) + Send),
    ) -> Result<Completion, ProviderError> {
        let started = Instant::now();
        let url =
            self.base_url
                .join("chat/completions")
                .map_err(|e| ProviderError::Unreachable {
                    host: self.host(),
                    reason: e.to_string(),
                })?;
        let mut attempt = 0;
        let response = loop {
            let response = self.send(http, &url, request).await?;
            let status = response.status().as_u16();
            if response.status().is_success() {
                break response;
            }
            let retry_after = retry_after(response.headers());
            let body = read_error_body(response).await;
            let retryable = status == 429 || matches!(status, 502..=504);
            let wait = match (status, retry_after) {
                (429, Some(after)) => after,
                (429, None) => Duration::from_secs(2u64.pow(attempt + 1)),
                _ => Duration::from_secs(1),
            };
            if retryable && attempt < self.limits.retries && wait <= self.limits.longest_wait {
                attempt += 1;
                on_notice(Notice::Retrying {
                    after: wait,
                    reason: if status == 429 {
                        "the provider is limiting requests".into()
                    } else {
                        format!("the provider's gateway failed ({status})")
                    },
                });
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(refusal(status, body, retry_after));
        };
        let is_stream = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_stream {
            return self.whole_answer(response, started, on_text).await;
        }
        self.stream(response, started, on_text).await
    }

    /// One attempt: the request with the key in the header the provider reads, answered (headers
    /// only) within the first-token limit.
    async fn send(
        &self,
        http: &reqwest::Client,
        url: &reqwest::Url,
        request: &CreateChatCompletionRequest,
    ) -> Result<reqwest::Response, ProviderError> {
        let mut builder = http
            .post(url.clone())
            .json(request)
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(key) = &self.key {
            builder = match self.key_header {
                KeyHeader::Bearer => builder.bearer_auth(key.expose()),
                KeyHeader::ApiKey => builder.header("api-key", key.expose()),
            };
        }
        match tokio::time::timeout(self.limits.first_token, builder.send()).await {
            Err(_) => Err(ProviderError::TimedOut {
                seconds: self.limits.first_token.as_secs(),
            }),
            Ok(Err(error)) => Err(ProviderError::Unreachable {
                host: self.host(),
                reason: transport_reason(&error),
            }),
            Ok(Ok(response)) => Ok(response),
        }
    }

    /// A service that ignored `stream: true` and answered in one piece.
    async fn whole_answer(
        &self,
        response: reqwest::Response,
        started: Instant,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ProviderError> {
        let body = tokio::time::timeout(self.limits.first_token, response.bytes())
            .await
            .map_err(|_| ProviderError::TimedOut {
                seconds: self.limits.first_token.as_secs(),
            })?
            .map_err(|e| ProviderError::Unreachable {
                host: self.host(),
                reason: transport_reason(&e),
            })?;
        let answer: CreateChatCompletionResponse =
            serde_json::from_slice(&body).map_err(|e| ProviderError::Garbage {
                detail: format!("{e}; it began {:?}", preview(&body)),
            })?;
        let choice = answer.choices.first();
        let text = choice
            .and_then(|c| c.message.content.clone())
            .unwrap_or_default();
        let first_token = started.elapsed();
        if !text.is_empty() {
            on_text(&text);
        }
        Ok(Completion {
            text,
            usage: answer.usage.map(|u| Usage {
                prompt_tokens: u.prompt_tokens,
                completion_tokens: u.completion_tokens,
            }),
            cut: None,
            truncated_by_length: choice.and_then(|c| c.finish_reason) == Some(FinishReason::Length),
            content_filtered: choice.and_then(|c| c.finish_reason)
                == Some(FinishReason::ContentFilter),
            first_token: Some(first_token),
            total: started.elapsed(),
        })
    }

    async fn stream(
        &self,
        mut response: reqwest::Response,
        started: Instant,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ProviderError> {
        let mut completion = Completion {
            text: String::new(),
            usage: None,
            cut: None,
            truncated_by_length: false,
            content_filtered: false,
            first_token: None,
            total: Duration::ZERO,
        };
        let mut events = SseLines::default();
        let mut finished = false;
        let mut done = false;
        while !done {
            let wait = if completion.first_token.is_none() {
                self.limits.first_token.saturating_sub(started.elapsed())
            } else {
                self.limits.between_tokens
            };
            let bytes = match next_chunk(&mut response, wait).await {
                Ok(Some(bytes)) => bytes,
                Ok(None) => break,
                Err(error) => {
                    if completion.text.is_empty() && completion.first_token.is_none() {
                        return Err(error);
                    }
                    completion.cut = Some(match error {
                        ProviderError::TimedOut { seconds } => ProviderError::Cut {
                            reason: format!("the provider went quiet for {seconds} s"),
                        },
                        other => other,
                    });
                    break;
                }
            };
            for data in events.push(&bytes) {
                if data.trim() == "[DONE]" {
                    done = true;
                    break;
                }
                match parse_chunk(&data) {
                    Ok(chunk) => {
                        finished |= completion.take(&chunk, started, on_text);
                    }
                    Err(error) => {
                        if completion.text.is_empty() {
                            return Err(error);
                        }
                        completion.cut = Some(ProviderError::Cut {
                            reason: error.to_string(),
                        });
                        done = true;
                        break;
                    }
                }
            }
        }
        if completion.cut.is_none() && !done && !finished {
            let reason = "the connection closed before the answer was complete".to_string();
            if completion.text.is_empty() {
                return Err(ProviderError::Cut { reason });
            }
            completion.cut = Some(ProviderError::Cut { reason });
        }
        completion.total = started.elapsed();
        Ok(completion)
    }
}

/// The stream's next bytes within `wait` (None at its end).
async fn next_chunk(
    response: &mut reqwest::Response,
    wait: Duration,
) -> Result<Option<bytes::Bytes>, ProviderError> {
    match tokio::time::timeout(wait, response.chunk()).await {
        Err(_) => Err(ProviderError::TimedOut {
            seconds: wait.as_secs().max(1),
        }),
        Ok(Err(error)) => Err(ProviderError::Cut {
            reason: format!("the connection broke ({})", transport_reason(&error)),
        }),
        Ok(Ok(chunk)) => Ok(chunk),
    }
}

/// The error for a provider's final non-success answer.
fn refusal(status: u16, body: String, retry_after: Option<Duration>) -> ProviderError {
    match status {
        429 => ProviderError::RateLimited {
            retry_after: retry_after.map(|d| d.as_secs()),
        },
        401 | 403 => ProviderError::KeyRefused {
            status,
            message: body,
        },
        400..=499 => ProviderError::Refused {
            status,
            message: body,
        },
        _ => ProviderError::Server {
            status,
            message: body,
        },
    }
}

impl Completion {
    /// Adds one streamed chunk (the first choice's text, the usage, how it finished), showing new
    /// text to `on_text`. True when the chunk says the answer is finished.
    fn take(
        &mut self,
        chunk: &CreateChatCompletionStreamResponse,
        started: Instant,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> bool {
        if let Some(usage) = &chunk.usage {
            self.usage = Some(Usage {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
            });
        }
        let mut finished = false;
        for choice in chunk.choices.iter().filter(|c| c.index == 0) {
            if let Some(text) = choice.delta.content.as_deref() {
                if !text.is_empty() {
                    self.first_token.get_or_insert(started.elapsed());
                    self.text.push_str(text);
                    on_text(text);
                }
            }
            match choice.finish_reason {
                Some(FinishReason::Length) => {
                    self.truncated_by_length = true;
                    finished = true;
                }
                Some(FinishReason::ContentFilter) => {
                    self.content_filtered = true;
                    finished = true;
                }
                Some(_) => finished = true,
                None => {}
            }
        }
        finished
    }
}

/// One `data:` payload of the stream: a chunk, or an error the service sent inside the stream
/// (some report a content filter or an overload that way, after a 200).
fn parse_chunk(data: &str) -> Result<CreateChatCompletionStreamResponse, ProviderError> {
    match serde_json::from_str::<CreateChatCompletionStreamResponse>(data) {
        Ok(chunk) => Ok(chunk),
        Err(error) => {
            if let Ok(wrapped) = serde_json::from_str::<ErrorBody>(data) {
                return Err(ProviderError::Refused {
                    status: 200,
                    message: wrapped.error.message,
                });
            }
            Err(ProviderError::Garbage {
                detail: format!("{error}; the piece began {:?}", preview(data.as_bytes())),
            })
        }
    }
}

/// Server-sent events, cut into `data` payloads: pieces may split anywhere, lines end in `\n` or
/// `\r\n`, a payload may span several `data:` lines, `:` lines are comments.
#[derive(Default)]
struct SseLines {
    buffer: Vec<u8>,
    data: Option<String>,
}

impl SseLines {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buffer.extend_from_slice(bytes);
        let mut payloads = Vec::new();
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if let Some(data) = self.data.take() {
                    payloads.push(data);
                }
            } else if let Some(value) = line.strip_prefix("data:") {
                let value = value.strip_prefix(' ').unwrap_or(value);
                match &mut self.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => self.data = Some(value.to_string()),
                }
            }
        }
        payloads
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: String,
}

/// The message of an error answer: the OpenAI `{"error": {"message"}}` when it is one, else the
/// start of the body.
async fn read_error_body(response: reqwest::Response) -> String {
    let bytes = tokio::time::timeout(Duration::from_secs(5), response.bytes())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => body.error.message,
        Err(_) if bytes.is_empty() => "no reason given".into(),
        Err(_) => preview(&bytes),
    }
}

/// Retry-After in seconds (the HTTP-date form is treated as absent: no service here sends it).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

fn transport_reason(error: &reqwest::Error) -> String {
    if error.is_connect() {
        "the connection was refused or the address is unknown".into()
    } else if error.is_timeout() {
        "the connection timed out".into()
    } else {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            reason = format!("{reason}: {inner}");
            source = inner.source();
        }
        reason
    }
}

/// The first 120 characters of a body, for an error message.
fn preview(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_sent_events_split_anywhere() {
        let mut lines = SseLines::default();
        let mut payloads = Vec::new();
        for piece in [
            "da",
            "ta: {\"a\":1}\r",
            "\n\r\n: comment\n\ndata: x\ndata: y\n",
            "\n",
        ] {
            payloads.extend(lines.push(piece.as_bytes()));
        }
        assert_eq!(payloads, ["{\"a\":1}", "x\ny"]);
    }

    #[test]
    fn base_urls_are_checked_in_words() {
        assert!(Provider::new("api.openai.com", "m", None)
            .unwrap_err()
            .contains("not a URL"));
        assert!(Provider::new("ftp://x/v1", "m", None)
            .unwrap_err()
            .contains("https://"));
        assert!(Provider::new("https://x/v1", " ", None)
            .unwrap_err()
            .contains("model"));
        let azure = Provider::new("https://acme.openai.azure.com/openai/v1/", "m", None).unwrap();
        assert_eq!(azure.key_header, KeyHeader::ApiKey);
        assert_eq!(
            azure.base_url.join("chat/completions").unwrap().as_str(),
            "https://acme.openai.azure.com/openai/v1/chat/completions"
        );
    }

    #[test]
    fn retry_after_in_seconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
