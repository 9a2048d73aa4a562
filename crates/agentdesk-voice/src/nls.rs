//! Aliyun NLS one-sentence recognition (business-actions.md §3): the token from `CreateToken` (POP
//! RPC, HMAC-SHA1 over the sorted, percent-encoded query; §3.2), cached until shortly before its
//! `ExpireTime` and fetched once for all callers; the audio POSTed raw to `/stream/v1/asr` with
//! `X-NLS-Token` (§3.1). A token the gateway refuses is forgotten and fetched again once.

use std::time::Duration;

use agentdesk_domain::Secret;
use agentdesk_http::{Authority, CallFailure, HttpClient, Retry};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;

use crate::audio::{prepare, PreparedAudio};
use crate::VoiceError;

/// A token this close to its expiry is renewed first.
const RENEW_BEFORE: Duration = Duration::from_secs(300);
/// NLS's success status (§3.1).
const SUCCESS: i64 = 20_000_000;

#[derive(Debug, Clone)]
pub struct NlsSettings {
    /// `https://nls-gateway-cn-shanghai.aliyuncs.com/stream/v1/asr`.
    pub recognition_url: String,
    /// `https://nls-meta.cn-shanghai.aliyuncs.com/`.
    pub token_url: String,
    pub appkey: String,
    pub access_key_id: String,
    pub access_key_secret: Secret,
    /// `cn-shanghai` unless the account is elsewhere.
    pub region: String,
}

/// A recognised voice message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transcript {
    pub text: String,
    pub duration_ms: u64,
}

#[derive(Debug, Clone)]
struct Token {
    id: String,
    /// Unix seconds, on Aliyun's clock (compared with the real time).
    expires_at: i64,
}

pub struct Nls {
    http: HttpClient,
    settings: NlsSettings,
    token: tokio::sync::Mutex<Option<Token>>,
}

impl Nls {
    pub fn new(http: HttpClient, settings: NlsSettings) -> Result<Nls, VoiceError> {
        for (url, what) in [
            (&settings.recognition_url, "the recognition address"),
            (&settings.token_url, "the token address"),
        ] {
            if url::Url::parse(url).is_err() {
                return Err(VoiceError::Invalid(format!("{what} {url:?} is not a URL")));
            }
        }
        for (value, what) in [
            (&settings.appkey, "the project's appkey"),
            (&settings.access_key_id, "the AccessKey id"),
            (
                &settings.access_key_secret.expose().to_string(),
                "the AccessKey secret",
            ),
        ] {
            if value.trim().is_empty() {
                return Err(VoiceError::Invalid(format!(
                    "speech recognition needs {what}"
                )));
            }
        }
        Ok(Nls {
            http,
            settings,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// Reads `audio` and recognises it. Audio NLS cannot take is refused before anything is sent.
    pub async fn transcribe(&self, audio: &[u8]) -> Result<Transcript, VoiceError> {
        let prepared = prepare(audio)?;
        let text = self
            .http
            .run_as("asr", Retry::Transient, self, |token: String| {
                self.recognise(token, &prepared)
            })
            .await?;
        Ok(Transcript {
            text,
            duration_ms: prepared.duration.as_millis() as u64,
        })
    }

    async fn recognise(&self, token: String, audio: &PreparedAudio) -> Result<String, VoiceError> {
        let mut url = url::Url::parse(&self.settings.recognition_url)
            .map_err(|_| VoiceError::Invalid("the recognition address is not a URL".into()))?;
        url.query_pairs_mut()
            .append_pair("appkey", &self.settings.appkey)
            .append_pair("format", audio.format.nls_name())
            .append_pair("sample_rate", &audio.sample_rate.to_string())
            .append_pair("enable_punctuation_prediction", "true")
            .append_pair("enable_inverse_text_normalization", "true");
        let response = self
            .http
            .reqwest()
            .post(url)
            .header("X-NLS-Token", token)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(audio.bytes.clone())
            .send()
            .await
            .map_err(|e| VoiceError::transport("asr", &e))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| VoiceError::transport("asr", &e))?;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let nls_status = answer["status"].as_i64();
        match nls_status {
            Some(SUCCESS) if status.is_success() => Ok(answer["result"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_string()),
            Some(code) => Err(VoiceError::Refused {
                endpoint: "asr".into(),
                code: code.to_string(),
                words: nls_words(code, answer["message"].as_str().unwrap_or_default()),
                token_refused: status.as_u16() == 403 || (40_000_001..=40_000_002).contains(&code),
            }),
            None if status.is_server_error() || status.as_u16() == 429 => Err(VoiceError::Http {
                endpoint: "asr".into(),
                status: status.as_u16(),
                message: agentdesk_http::truncate(&text),
            }),
            None => Err(VoiceError::Garbled {
                endpoint: "asr".into(),
                message: format!("HTTP {status}: {}", agentdesk_http::truncate(&text)),
            }),
        }
    }

    /// A new token from `CreateToken`.
    async fn create_token(&self) -> Result<Token, VoiceError> {
        self.http
            .run("CreateToken", Retry::Transient, || async {
                let url = self.signed_token_url(
                    self.http.signing_time_ms(),
                    &uuid::Uuid::new_v4().to_string(),
                );
                let response = self
                    .http
                    .reqwest()
                    .get(url)
                    .send()
                    .await
                    .map_err(|e| VoiceError::transport("CreateToken", &e))?;
                let status = response.status();
                let text = response
                    .text()
                    .await
                    .map_err(|e| VoiceError::transport("CreateToken", &e))?;
                let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if let (Some(id), Some(expires_at)) = (
                    answer["Token"]["Id"].as_str(),
                    answer["Token"]["ExpireTime"].as_i64(),
                ) {
                    return Ok(Token {
                        id: id.to_string(),
                        expires_at,
                    });
                }
                let code = answer["Code"].as_str().unwrap_or_default();
                if status.is_server_error() || (code.is_empty() && status.as_u16() == 429) {
                    return Err(VoiceError::Http {
                        endpoint: "CreateToken".into(),
                        status: status.as_u16(),
                        message: agentdesk_http::truncate(&text),
                    });
                }
                if code.is_empty() && answer["ErrMsg"].as_str().is_none() {
                    return Err(VoiceError::Garbled {
                        endpoint: "CreateToken".into(),
                        message: format!("HTTP {status}: {}", agentdesk_http::truncate(&text)),
                    });
                }
                let message = answer["Message"]
                    .as_str()
                    .or(answer["ErrMsg"].as_str())
                    .unwrap_or_default();
                Err(VoiceError::Refused {
                    endpoint: "CreateToken".into(),
                    code: code.to_string(),
                    words: pop_words(code, message),
                    token_refused: false,
                })
            })
            .await
    }

    /// The signed `CreateToken` address (§3.2): sorted, percent-encoded query; StringToSign
    /// `GET&%2F&` + the encoded query; HMAC-SHA1 with `secret + "&"`.
    pub fn signed_token_url(&self, now_ms: i64, nonce: &str) -> String {
        let timestamp = chrono::DateTime::from_timestamp_millis(now_ms)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let params = [
            ("AccessKeyId", self.settings.access_key_id.trim()),
            ("Action", "CreateToken"),
            ("Format", "JSON"),
            ("RegionId", self.settings.region.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce),
            ("SignatureVersion", "1.0"),
            ("Timestamp", &timestamp),
            ("Version", "2019-02-28"),
        ];
        let query = canonical_query(&params);
        let signature = pop_signature("GET", &query, self.settings.access_key_secret.expose());
        let base = self.settings.token_url.trim_end_matches('/');
        format!("{base}/?{query}&Signature={}", percent_encode(&signature))
    }
}

impl Authority for Nls {
    type Credential = String;
    type Error = VoiceError;

    async fn current(&self) -> Result<String, VoiceError> {
        // Held across the fetch: one CreateToken for all the calls that found none.
        let mut slot = self.token.lock().await;
        let now = self.http.signing_time_ms() / 1000;
        if let Some(token) = slot.as_ref() {
            if token.expires_at - RENEW_BEFORE.as_secs() as i64 > now {
                return Ok(token.id.clone());
            }
        }
        let token = self.create_token().await?;
        *slot = Some(token.clone());
        Ok(token.id)
    }

    fn refuses(&self, error: &VoiceError) -> bool {
        matches!(
            error,
            VoiceError::Refused {
                token_refused: true,
                ..
            }
        )
    }

    async fn forget(&self, stale: &String) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| &t.id == stale) {
            *slot = None;
        }
    }
}

/// `k=v&…` sorted by key, keys and values percent-encoded.
pub fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// base64(HMAC-SHA1(secret + "&", METHOD & %2F & encode(query))).
pub fn pop_signature(method: &str, canonical_query: &str, secret: &str) -> String {
    let string_to_sign = format!("{method}&%2F&{}", percent_encode(canonical_query));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// POP's percent-encoding: UTF-8, every byte but `A-Z a-z 0-9 - _ . ~` as `%XX` (so a space is
/// `%20`, `*` is `%2A`, `~` stays).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// NLS's statuses an agent meets, in words.
fn nls_words(code: i64, message: &str) -> String {
    let words = match code {
        40_000_001 | 40_000_002 => "the speech service refused its token",
        40_020_105 => {
            "the speech service does not know this project's appkey: check the appkey in Settings"
        }
        40_000_004 | 40_000_005 => "the speech service found the audio too long or too large",
        40_000_000 | 40_000_003 => "the speech service could not read the audio",
        _ => "",
    };
    match (words.is_empty(), message.is_empty()) {
        (true, _) => message.to_string(),
        (false, true) => words.to_string(),
        (false, false) => format!("{words} ({message})"),
    }
}

/// POP's codes an administrator meets, in words.
fn pop_words(code: &str, message: &str) -> String {
    let words = match code {
        "SignatureDoesNotMatch" | "IncompleteSignature" => {
            "Aliyun refused the AccessKey secret: the secret in the keychain does not belong to this AccessKey id"
        }
        "InvalidAccessKeyId.NotFound" | "InvalidAccessKeyId" => {
            "Aliyun does not know this AccessKey id"
        }
        "InvalidAccessKeyId.Inactive" => "this AccessKey is disabled in the Aliyun console",
        "InvalidTimeStamp.Expired" => "this computer's clock is off by more than 15 minutes; set the clock",
        "Forbidden.RAM" | "Forbidden" => {
            "this AccessKey may not create speech tokens (RAM permission nls:CreateToken)"
        }
        _ => "",
    };
    match (words.is_empty(), message.is_empty()) {
        (true, _) => message.to_string(),
        (false, true) => words.to_string(),
        (false, false) => format!("{words} ({message})"),
    }
}

impl CallFailure for VoiceError {
    fn outcome(&self) -> String {
        match self {
            VoiceError::Unreachable { .. } => "network".into(),
            VoiceError::Http { status, .. } => format!("http_{status}"),
            VoiceError::Garbled { .. } => "decode".into(),
            VoiceError::Refused { code, .. } => code.clone(),
            VoiceError::Audio(_) | VoiceError::Invalid(_) => "invalid".into(),
        }
    }

    fn is_transient(&self) -> bool {
        matches!(self, VoiceError::Unreachable { .. })
            || matches!(self, VoiceError::Http { status, .. } if *status >= 500 || *status == 429)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_aliyun_s_own_worked_example() {
        // Aliyun's RPC signature documentation (ECS 签名机制): AccessKeySecret "testsecret",
        // DescribeRegions of 2016-02-23 → Signature "OLeaidS1JvxuMvnyHOwuJ+uX5qY=".
        let query = canonical_query(&[
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]);
        assert_eq!(
            query,
            "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26"
        );
        assert_eq!(
            pop_signature("GET", &query, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn percent_encoding_is_pop_s() {
        assert_eq!(percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9");
    }
}
