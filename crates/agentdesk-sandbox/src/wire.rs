//! What every handler shares: request parsing (JSON or form bodies, query strings, lenient
//! parameters), the two response envelopes (open platform and agent SDK), and the platform's time
//! format. It imports no handler, so the handlers and the router depend on it and not on each other.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// Parameters from a JSON object or a form-encoded body (the platform's docs use both).
pub fn params(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, String> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if body.is_empty() {
        return Ok(Map::new());
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("request body must be a JSON object".into()),
        Err(e) => Err(format!("request body is not valid JSON: {e}")),
    }
}

pub fn query_map(query: Option<&str>) -> HashMap<String, String> {
    query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

pub fn str_param(params: &Map<String, Value>, key: &str) -> Option<String> {
    match params.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn int_param(params: &Map<String, Value>, key: &str) -> Option<i64> {
    match params.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Open-platform envelope.
pub fn open_ok(item: Value) -> Response {
    Json(json!({"ret_code": "000000", "ret_msg": "操作成功", "item": item})).into_response()
}

pub fn open_err(code: &str, message: &str) -> Response {
    Json(json!({"ret_code": code, "ret_msg": message})).into_response()
}

/// Agent SDK envelope.
pub fn agent_ok(data: Value) -> Response {
    Json(json!({"retCode": "000000", "retMsg": "操作成功", "data": data})).into_response()
}

pub fn agent_err(code: &str, message: &str) -> Response {
    Json(json!({"retCode": code, "retMsg": message})).into_response()
}

pub fn bad_request(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": message.into()})),
    )
        .into_response()
}

/// Formats milliseconds as the platform's `yyyy-MM-dd HH:mm:ss` in China time.
pub fn china_time(ms: i64) -> String {
    use chrono::{FixedOffset, TimeZone};
    let Some(offset) = FixedOffset::east_opt(8 * 3600) else {
        return String::new();
    };
    offset
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}
