//! Proving who is asking, for each kind of `[auth]`: a header with the secret, a token fetched by
//! OAuth2 client credentials (cached until it runs out, fetched again once when refused), or a
//! signature over the request.

use std::time::{Duration, Instant};

use agentdesk_domain::Secret;
use base64::Engine;
use hmac::{Hmac, Mac};
use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::config::{
    AuthConfig, SignatureAlgorithm, SignatureConfig, SignatureEncoding, TimestampUnit,
};
use super::template::{fill, Vars};
use super::RestError;

/// A request about to go out, as the signer sees and amends it.
pub struct Outgoing {
    pub method: reqwest::Method,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

pub struct Authenticator {
    source_name: String,
    config: AuthConfig,
    secret: Option<Secret>,
    token_url: Option<url::Url>,
    oauth_token: Mutex<Option<(Secret, Instant)>>,
}

/// Renew an OAuth2 token this long before the system says it runs out.
const RENEW_AHEAD: Duration = Duration::from_secs(60);
/// When the token answer has no `expires_in`.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

impl Authenticator {
    pub fn new(
        source_name: &str,
        config: AuthConfig,
        secret: Option<Secret>,
        base_url: &url::Url,
    ) -> Result<Authenticator, RestError> {
        if !matches!(config, AuthConfig::None) && secret.is_none() {
            return Err(RestError::MissingKey {
                source_name: source_name.to_string(),
            });
        }
        let token_url = match &config {
            // A full URL, or a path appended to base_url like the requests' paths.
            AuthConfig::Oauth2ClientCredentials { token_url, .. } => Some(
                if token_url.starts_with("http://") || token_url.starts_with("https://") {
                    url::Url::parse(token_url)
                } else {
                    url::Url::parse(&format!(
                        "{}{token_url}",
                        base_url.as_str().trim_end_matches('/')
                    ))
                }
                .map_err(|e| {
                    RestError::Config(format!("auth.token_url {token_url:?} is not a URL: {e}"))
                })?,
            ),
            _ => None,
        };
        Ok(Authenticator {
            source_name: source_name.to_string(),
            config,
            secret,
            token_url,
            oauth_token: Mutex::new(None),
        })
    }

    fn secret(&self) -> &str {
        self.secret.as_ref().map(Secret::expose).unwrap_or("")
    }

    /// Adds what proves the request. `http` is for fetching an OAuth2 token.
    pub async fn apply(
        &self,
        http: &agentdesk_http::HttpClient,
        request: &mut Outgoing,
    ) -> Result<(), RestError> {
        match &self.config {
            AuthConfig::None => {}
            AuthConfig::Bearer => request
                .headers
                .push(("Authorization".into(), format!("Bearer {}", self.secret()))),
            AuthConfig::Basic { username } => {
                let pair = format!("{username}:{}", self.secret());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                request
                    .headers
                    .push(("Authorization".into(), format!("Basic {encoded}")));
            }
            AuthConfig::ApiKeyHeader { header } => request
                .headers
                .push((header.clone(), self.secret().to_string())),
            AuthConfig::Oauth2ClientCredentials { .. } => {
                let token = self.oauth_token(http).await?;
                request
                    .headers
                    .push(("Authorization".into(), format!("Bearer {}", token.expose())));
            }
            AuthConfig::Signature(signature) => self.sign(signature, request),
        }
        Ok(())
    }

    /// The system refused the request's credentials: an OAuth2 token is dropped so the next
    /// attempt fetches a new one. Answers whether another attempt can help.
    pub async fn refused(&self) -> bool {
        if matches!(self.config, AuthConfig::Oauth2ClientCredentials { .. }) {
            *self.oauth_token.lock().await = None;
            return true;
        }
        false
    }

    /// Single-flight: the lock is held across the fetch, so concurrent requests share one token.
    async fn oauth_token(&self, http: &agentdesk_http::HttpClient) -> Result<Secret, RestError> {
        let mut slot = self.oauth_token.lock().await;
        if let Some((token, renew_at)) = slot.as_ref() {
            if Instant::now() < *renew_at {
                return Ok(token.clone());
            }
        }
        let AuthConfig::Oauth2ClientCredentials {
            client_id, scope, ..
        } = &self.config
        else {
            return Err(RestError::Config("no OAuth2 settings".into()));
        };
        let Some(token_url) = &self.token_url else {
            return Err(RestError::Config("no auth.token_url".into()));
        };
        let mut form = vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", client_id.clone()),
            ("client_secret", self.secret().to_string()),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope.clone()));
        }
        let request = http.reqwest().post(token_url.clone()).form(&form);
        let endpoint = format!("{}:token", self.source_name);
        let (status, body) = http
            .observed(&endpoint, async {
                let response = request.send().await.map_err(|e| RestError::Network {
                    source_name: self.source_name.clone(),
                    message: agentdesk_http::transport_reason(&e),
                })?;
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                Ok::<_, RestError>((status, body))
            })
            .await?;
        if !(200..300).contains(&status) && !matches!(status, 400 | 401 | 403) {
            return Err(RestError::Http {
                source_name: self.source_name.clone(),
                status,
                body: format!("token endpoint {token_url}: {}", super::excerpt(&body)),
            });
        }
        if !(200..300).contains(&status) {
            return Err(RestError::Auth {
                source_name: self.source_name.clone(),
                status,
                message: format!(
                    "the token endpoint refused client {client_id:?}: {}",
                    super::excerpt(&body)
                ),
            });
        }
        let answer: Value = serde_json::from_str(&body).map_err(|e| RestError::Decode {
            source_name: self.source_name.clone(),
            message: format!("token answer is not JSON: {e}"),
        })?;
        let token = answer["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| RestError::Decode {
                source_name: self.source_name.clone(),
                message: "token answer has no access_token".into(),
            })?;
        let lifetime = answer["expires_in"]
            .as_u64()
            .or_else(|| answer["expires_in"].as_str().and_then(|s| s.parse().ok()))
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TOKEN_LIFETIME);
        let renew_at = Instant::now() + lifetime.saturating_sub(RENEW_AHEAD).max(lifetime / 2);
        let token = Secret::new(token.to_string());
        *slot = Some((token.clone(), renew_at));
        Ok(token)
    }

    fn sign(&self, config: &SignatureConfig, request: &mut Outgoing) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let timestamp = match config.timestamp {
            TimestampUnit::UnixSeconds => now.as_secs().to_string(),
            TimestampUnit::UnixMillis => now.as_millis().to_string(),
        };
        let mut vars: Vars = Vars::new();
        vars.insert("method", request.method.as_str().to_string());
        vars.insert("path", request.url.path().to_string());
        vars.insert("query", request.url.query().unwrap_or("").to_string());
        vars.insert("body", request.body.clone().unwrap_or_default());
        vars.insert("timestamp", timestamp);
        vars.insert("nonce", uuid::Uuid::new_v4().simple().to_string());
        let digest: Vec<u8> = match config.algorithm {
            SignatureAlgorithm::HmacSha1 | SignatureAlgorithm::HmacSha256 => {
                let message = fill(&config.message, &vars);
                hmac_digest(
                    config.algorithm,
                    self.secret().as_bytes(),
                    message.as_bytes(),
                )
            }
            plain => {
                vars.insert("secret", self.secret().to_string());
                let message = fill(&config.message, &vars);
                vars.remove("secret");
                match plain {
                    SignatureAlgorithm::Md5 => Md5::digest(message.as_bytes()).to_vec(),
                    SignatureAlgorithm::Sha1 => Sha1::digest(message.as_bytes()).to_vec(),
                    _ => Sha256::digest(message.as_bytes()).to_vec(),
                }
            }
        };
        let signature = match config.encoding {
            SignatureEncoding::Hex => hex::encode(&digest),
            SignatureEncoding::HexUpper => hex::encode_upper(&digest),
            SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.encode(&digest),
        };
        vars.insert("signature", signature);
        for (name, value) in &config.headers {
            request.headers.push((name.clone(), fill(value, &vars)));
        }
        if !config.query.is_empty() {
            let mut pairs = request.url.query_pairs_mut();
            for (name, value) in &config.query {
                pairs.append_pair(name, &fill(value, &vars));
            }
        }
    }
}

fn hmac_digest(algorithm: SignatureAlgorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    match algorithm {
        SignatureAlgorithm::HmacSha1 => {
            let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        _ => {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// The signature as the sandbox checks it: lets tests compute the expected value independently of
/// the configuration path.
pub fn hmac_sha256_hex(key: &str, message: &str) -> String {
    hex::encode(hmac_digest(
        SignatureAlgorithm::HmacSha256,
        key.as_bytes(),
        message.as_bytes(),
    ))
}
