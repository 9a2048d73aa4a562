//! Jinshuju (金数据) forms, API v1 (business-actions.md §4): a form's link tagged with the session
//! (`?x_field_1=<cid>`, §4.4), and the customer's submissions read back with the form's field labels:
//! matched by that tag, else by a phone field equal to the customer's phone, newest first. HTTP Basic
//! with the API key and secret (§4.1); entries 50 a page, followed by `next` (§4.2; a number or a
//! string, both read); errors in words (401 key, 402 plan, 404 form gone, 429 rate).

use agentdesk_domain::Secret;
use agentdesk_http::{CallFailure, HttpClient, Retry};
use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

/// Pages of entries read at most for one customer (50 each): a form with more submissions than
/// this shows the newest only (invented bound: entries come oldest first, §4.2).
pub const MAX_PAGES: usize = 20;

#[derive(Debug, Clone)]
pub struct JinshujuSettings {
    /// `https://jinshuju.net`.
    pub base_url: String,
    pub api_key: String,
    pub api_secret: Secret,
}

/// One submission as the 360° view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormSubmission {
    pub serial_number: i64,
    /// UTC ISO-8601, as Jinshuju gives it.
    pub created_at: String,
    /// (label, value) in the form's field order.
    pub fields: Vec<(String, String)>,
    /// Matched by the session's tag (else by phone).
    pub tagged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("Jinshuju could not be reached: {0}. Check the network and try again.")]
    Unreachable(String),
    #[error("Jinshuju refused the API key and secret (HTTP 401): check them in Settings")]
    BadKey,
    #[error(
        "Jinshuju's plan for this account has expired (HTTP 402): the API needs an enterprise plan"
    )]
    PlanExpired,
    #[error("the form {0} no longer exists at Jinshuju, or this key may not read it (HTTP 404): check the form in Settings")]
    FormGone(String),
    #[error("Jinshuju is limiting requests (HTTP 429): the submissions are read again shortly")]
    RateLimited,
    #[error("Jinshuju answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("Jinshuju's answer is not its API's ({0})")]
    Garbled(String),
    #[error("{0}")]
    Invalid(String),
}

impl CallFailure for FormError {
    fn outcome(&self) -> String {
        match self {
            FormError::Unreachable(_) => "network".into(),
            FormError::BadKey => "http_401".into(),
            FormError::PlanExpired => "http_402".into(),
            FormError::FormGone(_) => "http_404".into(),
            FormError::RateLimited => "http_429".into(),
            FormError::Http { status, .. } => format!("http_{status}"),
            FormError::Garbled(_) => "decode".into(),
            FormError::Invalid(_) => "config".into(),
        }
    }

    fn is_transient(&self) -> bool {
        matches!(self, FormError::Unreachable(_) | FormError::RateLimited)
            || matches!(self, FormError::Http { status, .. } if *status >= 500)
    }
}

pub struct Jinshuju {
    http: HttpClient,
    settings: JinshujuSettings,
}

/// A form token as Jinshuju writes them: letters and digits.
fn check_token(form: &str) -> Result<(), FormError> {
    if form.is_empty() || !form.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(FormError::Invalid(format!(
            "{form:?} is not a Jinshuju form token (the letters after /f/ in the form's address)"
        )));
    }
    Ok(())
}

impl Jinshuju {
    pub fn new(http: HttpClient, settings: JinshujuSettings) -> Result<Jinshuju, FormError> {
        if url::Url::parse(&settings.base_url).is_err() {
            return Err(FormError::Invalid(format!(
                "Jinshuju's address {:?} is not a URL",
                settings.base_url
            )));
        }
        if settings.api_key.trim().is_empty() || settings.api_secret.expose().trim().is_empty() {
            return Err(FormError::Invalid(
                "Jinshuju needs the API key and secret".into(),
            ));
        }
        Ok(Jinshuju { http, settings })
    }

    /// The form's public address tagged with the session (§4.4 扩展属性).
    pub fn tagged_link(&self, form: &str, cid: &str) -> Result<String, FormError> {
        check_token(form)?;
        let tag: String = url::form_urlencoded::byte_serialize(cid.as_bytes()).collect();
        Ok(format!(
            "{}/f/{form}?x_field_1={tag}",
            self.settings.base_url.trim_end_matches('/')
        ))
    }

    /// The customer's submissions to `form`, newest first: those tagged with `cid`, else (when
    /// none is) those whose phone or mobile field is `phone`.
    pub async fn submissions(
        &self,
        form: &str,
        cid: &str,
        phone: Option<&str>,
    ) -> Result<Vec<FormSubmission>, FormError> {
        check_token(form)?;
        let structure = self.get(&format!("/api/v1/forms/{form}"), form).await?;
        let fields = field_labels(&structure);
        let phone_fields: Vec<&str> = fields
            .iter()
            .filter(|f| matches!(f.kind.as_str(), "mobile" | "phone"))
            .map(|f| f.key.as_str())
            .collect();
        let mut entries = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let path = match &next {
                Some(cursor) => format!(
                    "/api/v1/forms/{form}/entries?next={}",
                    url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect::<String>()
                ),
                None => format!("/api/v1/forms/{form}/entries"),
            };
            let page = self.get(&path, form).await?;
            let data = page["data"]
                .as_array()
                .ok_or_else(|| FormError::Garbled("entries without data".into()))?;
            entries.extend(data.iter().cloned());
            next = match &page["next"] {
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            };
            if next.is_none() || data.is_empty() {
                break;
            }
        }
        let digits = |text: &str| -> String { text.chars().filter(char::is_ascii_digit).collect() };
        let wanted_phone = phone.map(|p| {
            let d = digits(p);
            d.strip_prefix("86")
                .filter(|n| n.len() == 11)
                .map(str::to_string)
                .unwrap_or(d)
        });
        let tagged: Vec<&Value> = entries
            .iter()
            .filter(|e| e["x_field_1"].as_str() == Some(cid))
            .collect();
        let (chosen, by_tag) = if !tagged.is_empty() {
            (tagged, true)
        } else {
            let by_phone = entries
                .iter()
                .filter(|e| {
                    wanted_phone.as_deref().is_some_and(|wanted| {
                        !wanted.is_empty()
                            && phone_fields.iter().any(|key| {
                                e[*key].as_str().is_some_and(|v| {
                                    let d = digits(v);
                                    d == wanted || d.strip_prefix("86") == Some(wanted)
                                })
                            })
                    })
                })
                .collect();
            (by_phone, false)
        };
        let mut submissions: Vec<FormSubmission> = chosen
            .into_iter()
            .map(|entry| FormSubmission {
                serial_number: entry["serial_number"].as_i64().unwrap_or_default(),
                created_at: entry["created_at"].as_str().unwrap_or_default().to_string(),
                fields: fields
                    .iter()
                    .filter_map(|f| Some((f.label.clone(), value_text(&entry[&f.key])?)))
                    .collect(),
                tagged: by_tag,
            })
            .collect();
        submissions.sort_by_key(|s| std::cmp::Reverse(s.serial_number));
        Ok(submissions)
    }

    async fn get(&self, path: &str, form: &str) -> Result<Value, FormError> {
        let url = format!("{}{path}", self.settings.base_url.trim_end_matches('/'));
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.settings.api_key.trim(),
            self.settings.api_secret.expose().trim()
        ));
        let endpoint = if path.contains("/entries") {
            "jinshuju:entries"
        } else {
            "jinshuju:form"
        };
        self.http
            .run(endpoint, Retry::Transient, || async {
                let response = self
                    .http
                    .reqwest()
                    .get(&url)
                    .header("Authorization", format!("Basic {credentials}"))
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json")
                    .send()
                    .await
                    .map_err(|e| FormError::Unreachable(agentdesk_http::transport_reason(&e)))?;
                let status = response.status().as_u16();
                let text = response
                    .text()
                    .await
                    .map_err(|e| FormError::Unreachable(agentdesk_http::transport_reason(&e)))?;
                let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                match status {
                    200..=299 => {
                        if answer.is_object() {
                            Ok(answer)
                        } else {
                            Err(FormError::Garbled(agentdesk_http::truncate(&text)))
                        }
                    }
                    401 => Err(FormError::BadKey),
                    402 => Err(FormError::PlanExpired),
                    404 => Err(FormError::FormGone(form.to_string())),
                    429 => Err(FormError::RateLimited),
                    _ => Err(FormError::Http {
                        status,
                        message: answer["error_description"]
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| agentdesk_http::truncate(&text)),
                    }),
                }
            })
            .await
    }
}

/// A form field: its key in entries (`field_N`, or its renamed api code), label and type.
struct FieldLabel {
    key: String,
    label: String,
    kind: String,
}

/// `fields` is an array of single-key objects (§4.3); a renamed api code replaces `field_N` in
/// the entries.
fn field_labels(form: &Value) -> Vec<FieldLabel> {
    form["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|field| {
                    let (key, spec) = field.as_object()?.iter().next()?;
                    Some(FieldLabel {
                        key: spec["api_code_alias"]
                            .as_str()
                            .filter(|a| !a.is_empty())
                            .unwrap_or(key)
                            .to_string(),
                        label: spec["label"].as_str().unwrap_or(key).to_string(),
                        kind: spec["type"].as_str().unwrap_or_default().to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An entry's value as text, whatever the field type (§4.2): strings as they are, numbers written
/// out, choices joined, an address's parts in order, a voice answer's transcript.
fn value_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Value::Object(o) => o.get("name").and_then(value_text),
                other => value_text(other),
            })
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(o) => {
            if let Some(text) = o.get("audio_text").and_then(value_text) {
                text
            } else {
                [
                    "province", "city", "district", "street", "level_1", "level_2",
                ]
                .iter()
                .filter_map(|k| o.get(*k).and_then(value_text))
                .collect::<Vec<_>>()
                .join(" ")
            }
        }
    };
    (!text.trim().is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_of_every_kind_read_as_text() {
        assert_eq!(value_text(&json!("退货")).as_deref(), Some("退货"));
        assert_eq!(value_text(&json!(3)).as_deref(), Some("3"));
        assert_eq!(value_text(&json!(["A", "B"])).as_deref(), Some("A、B"));
        assert_eq!(
            value_text(&json!({"province": "广东省", "city": "深圳市", "district": "南山区", "street": "科技园"})).as_deref(),
            Some("广东省 深圳市 南山区 科技园")
        );
        assert_eq!(
            value_text(&json!({"url": "u", "audio_text": "你好"})).as_deref(),
            Some("你好")
        );
        assert_eq!(
            value_text(&json!([{"name": "耳机", "number": 1}])).as_deref(),
            Some("耳机")
        );
        assert_eq!(value_text(&json!("")), None);
    }

    #[test]
    fn labels_follow_renamed_api_codes() {
        let form = json!({"fields": [
            {"field_1": {"label": "问题类型", "type": "single_choice"}},
            {"field_2": {"label": "手机", "type": "mobile", "api_code_alias": "phone"}},
        ]});
        let labels = field_labels(&form);
        assert_eq!(labels[0].key, "field_1");
        assert_eq!(
            (labels[1].key.as_str(), labels[1].label.as_str()),
            ("phone", "手机")
        );
    }
}
