//! One open-platform token per credential, shared by everything in the process.
//!
//! Sobot issues a *new* token on every `get_token` call and the new one supersedes the old
//! (reference §1.2), so two components fetching independently would keep invalidating each other.
//! Fetches are therefore single-flight: the async mutex is held across the fetch on purpose, so
//! concurrent callers wait for the one request in flight and then share its token.

use std::time::{Duration, Instant};

use agentdesk_domain::Secret;
use tokio::sync::Mutex;

use agentdesk_http::{Authority, HttpClient};

use super::http::{check_envelope, network, read_answer, truncate};
use super::ClientError;
use crate::protocol::{sign::open_platform_sign, OpenEnvelope, RetCode, TokenItem};

/// Refresh this long before the platform's expiry, so no call goes out with a token about to lapse.
const REFRESH_AHEAD: Duration = Duration::from_secs(300);

pub struct TokenCache {
    http: HttpClient,
    token_url: String,
    appid: String,
    app_key: Secret,
    current: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    token: Secret,
    refresh_at: Instant,
}

impl TokenCache {
    pub fn new(http: HttpClient, base_url: &str, appid: &str, app_key: Secret) -> TokenCache {
        TokenCache {
            http,
            token_url: format!("{}/api/get_token", base_url.trim_end_matches('/')),
            appid: appid.to_string(),
            app_key,
            current: Mutex::new(None),
        }
    }

    /// A valid token: the cached one, or a freshly fetched one when none is cached or it is due.
    pub async fn token(&self) -> Result<Secret, ClientError> {
        let mut current = self.current.lock().await;
        if let Some(cached) = current.as_ref() {
            if Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *current = Some(fresh);
        Ok(token)
    }

    /// The platform said `seen` is no longer valid (900002). Drops it unless another caller has
    /// already replaced it, so a burst of failures triggers one re-fetch, not one each.
    pub async fn invalidate(&self, seen: &Secret) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|cached| &cached.token == seen) {
            *current = None;
        }
    }

    async fn fetch(&self) -> Result<CachedToken, ClientError> {
        let endpoint = "get_token";
        let create_time = (self.http.signing_time_ms() / 1000).to_string();
        let sign = open_platform_sign(&self.appid, &create_time, self.app_key.expose());
        let response = self
            .http
            .reqwest()
            .get(&self.token_url)
            .query(&[
                ("appid", self.appid.as_str()),
                ("create_time", &create_time),
                ("sign", &sign),
            ])
            .send()
            .await
            .map_err(|e| network(endpoint, &e))?;
        let (body, text) = read_answer(endpoint, response).await?;
        check_envelope(endpoint, &body, &[RetCode::SUCCESS])?;
        let envelope: OpenEnvelope<TokenItem> =
            serde_json::from_value(body).map_err(|e| ClientError::Decode {
                endpoint: endpoint.into(),
                message: e.to_string(),
                body: truncate(&text),
            })?;
        let item = envelope.item.ok_or_else(|| ClientError::Decode {
            endpoint: endpoint.into(),
            message: "success without item".into(),
            body: String::new(),
        })?;
        let lifetime = Duration::from_secs(
            item.expires_in
                .and_then(|s| u64::try_from(s).ok())
                .unwrap_or(86_400),
        );
        // Refresh ahead of expiry, but never sooner than half the lifetime (short sandbox tokens).
        let refresh_in = lifetime.saturating_sub(REFRESH_AHEAD).max(lifetime / 2);
        Ok(CachedToken {
            token: Secret::new(item.token),
            refresh_at: Instant::now() + refresh_in,
        })
    }
}

/// The company token is the open platform's credential: renewed once when the platform says it is
/// invalid or missing.
impl Authority for TokenCache {
    type Credential = Secret;
    type Error = ClientError;

    async fn current(&self) -> Result<Secret, ClientError> {
        self.token().await
    }

    fn refuses(&self, error: &ClientError) -> bool {
        matches!(
            error,
            ClientError::Platform {
                code: RetCode::TokenInvalid | RetCode::TokenMissing,
                ..
            }
        )
    }

    async fn forget(&self, stale: &Secret) {
        self.invalidate(stale).await;
    }
}
