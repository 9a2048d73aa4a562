//! What the REST ticket systems (Jira, Zendesk, Qiyu) share: Basic credentials, one recorded call
//! whose answer is JSON or an error in the system's own words, and multipart parts.

use agentdesk_http::HttpClient;
use base64::Engine as _;
use serde_json::Value;

use crate::error::transport;
use crate::json::{list, text};
use crate::{SystemKind, TicketError};

/// `Authorization: Basic base64(user:secret)`.
pub fn basic(user: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}

/// Sends `request`, recorded under `system/endpoint`; a 2xx answer's JSON (`null` for an empty
/// body), or the failure: HTTP errors carry the system's message (Jira's `errorMessages` and
/// `errors`, Zendesk's `error` and `description`), an answer that is not JSON is `Garbled`.
pub async fn call(
    http: &HttpClient,
    system: SystemKind,
    endpoint: &str,
    request: reqwest::RequestBuilder,
) -> Result<Value, TicketError> {
    let attempt = async {
        let response = request
            .send()
            .await
            .map_err(|e| transport(system, endpoint, &e))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| transport(system, endpoint, &e))?;
        let parsed = if body.trim().is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str::<Value>(&body)
        };
        match (status, parsed) {
            (200..=299, Ok(value)) => Ok(value),
            (200..=299, Err(e)) => Err(TicketError::Garbled {
                system,
                endpoint: endpoint.into(),
                message: e.to_string(),
            }),
            (status, parsed) => Err(TicketError::Http {
                system,
                endpoint: endpoint.into(),
                status,
                message: match parsed {
                    Ok(value) => error_words(&value),
                    Err(_) => agentdesk_http::truncate(&body),
                },
            }),
        }
    };
    http.observed(&format!("{system}/{endpoint}"), attempt)
        .await
}

/// A REST error body in words.
fn error_words(value: &Value) -> String {
    let mut words: Vec<String> = list(value, &["errorMessages"])
        .iter()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect();
    if let Some(fields) = value.get("errors").and_then(Value::as_object) {
        words.extend(
            fields.iter().map(|(field, message)| {
                format!("{field}: {}", message.as_str().unwrap_or_default())
            }),
        );
    }
    for key in ["error", "description", "message"] {
        let said = text(value, key);
        if !said.is_empty() {
            words.push(said);
        }
    }
    if words.is_empty() {
        agentdesk_http::truncate(&value.to_string())
    } else {
        words.join("; ")
    }
}

/// A file part for a multipart upload.
pub fn file_part(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes).file_name(name.to_string())
}
