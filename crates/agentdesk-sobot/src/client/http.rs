//! The one HTTP core of the Sobot clients (the agent SDK, the open platform, the tenant API): one
//! connection pool per credential; an answer read into a typed error (HTTP status, body, JSON, the
//! platform's `{retCode|ret_code, retMsg|ret_msg}` envelope); the retry policy (transient failures of
//! calls that are safe to repeat, with backoff and jitter, never a mutation); the single
//! re-authentication when the platform refuses a login or a token; and the API-health observer told
//! of every attempt. Each client adds only what its API says: its paths, its signing, its models.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use agentdesk_domain::mask_pii;
use serde_json::Value;

use super::{backoff_with_jitter, now_millis, ClientError};
use crate::protocol::RetCode;

/// One platform call, for the audit log and API-health figures. `detail` is already PII-masked.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub endpoint: String,
    pub started_at_ms: i64,
    pub duration_ms: f64,
    pub outcome: String,
    pub detail: String,
}

pub type CallObserver = Arc<dyn Fn(CallRecord) + Send + Sync>;

/// Whether a failed call may be made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A mutation: made once (the platform honours no idempotency key).
    Never,
    /// A read: transient failures (network, 5xx, 429) are tried again, up to `READ_ATTEMPTS` in all.
    Transient,
}

/// Attempts of a read in all.
pub const READ_ATTEMPTS: u32 = 3;
const RETRY_BASE: Duration = Duration::from_millis(100);
const RETRY_CAP: Duration = Duration::from_secs(2);

/// A credential the platform may stop accepting (an agent login, a company token): the core asks
/// for it before each attempt, and when the platform refuses it, forgets it once and tries again
/// (the platform refused the call, so repeating it cannot do anything twice).
pub trait Authority {
    type Credential: Clone;
    fn current(&self) -> impl Future<Output = Result<Self::Credential, ClientError>>;
    /// Whether `error` means the platform no longer accepts the credential.
    fn refuses(&self, error: &ClientError) -> bool;
    /// The platform refused `stale`: the next `current` gets a new one (unless another call already
    /// replaced it).
    fn forget(&self, stale: &Self::Credential) -> impl Future<Output = ()>;
}

pub struct HttpCore {
    http: reqwest::Client,
    observer: RwLock<Option<CallObserver>>,
}

impl HttpCore {
    pub fn new(timeout: Duration) -> Result<HttpCore, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(4))
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| ClientError::Config(format!("HTTP client: {e}")))?;
        Ok(HttpCore {
            http,
            observer: RwLock::new(None),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Every call from now on is reported to `observer` (endpoint, duration, outcome).
    pub fn set_observer(&self, observer: CallObserver) {
        if let Ok(mut slot) = self.observer.write() {
            *slot = Some(observer);
        }
    }

    /// Tells the observer of one attempt.
    pub fn observe<T>(
        &self,
        endpoint: &str,
        started: Instant,
        started_at_ms: i64,
        result: &Result<T, ClientError>,
    ) {
        self.observe_outcome(endpoint, started, started_at_ms, result.as_ref().err());
    }

    /// Tells the observer of one attempt that failed with `error`, or succeeded.
    pub fn observe_outcome(
        &self,
        endpoint: &str,
        started: Instant,
        started_at_ms: i64,
        error: Option<&ClientError>,
    ) {
        let observer = self.observer.read().ok().and_then(|slot| slot.clone());
        if let Some(observer) = observer {
            let (outcome, detail) = match error {
                None => ("ok".to_string(), String::new()),
                Some(error) => (error.outcome_label(), error.to_string()),
            };
            observer(CallRecord {
                endpoint: endpoint.to_string(),
                started_at_ms,
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
                outcome,
                detail: mask_pii(&detail).into_owned(),
            });
        }
    }

    /// One attempt, timed and observed.
    pub async fn observed<T>(
        &self,
        endpoint: &str,
        attempt: impl Future<Output = Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        let started = Instant::now();
        let started_at_ms = now_millis();
        let result = attempt.await;
        self.observe(endpoint, started, started_at_ms, &result);
        result
    }

    /// A call without a credential to renew (signed per call), under `retry`.
    pub async fn run<T, F, Fut>(
        &self,
        endpoint: &str,
        retry: Retry,
        mut attempt: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.observed(endpoint, attempt()).await {
                Err(error) if should_retry(retry, &error, tries) => {
                    tokio::time::sleep(backoff_with_jitter(tries, RETRY_BASE, RETRY_CAP)).await;
                }
                result => return result,
            }
        }
    }

    /// A call made with `authority`'s credential: renewed once if the platform refuses it, and
    /// otherwise under `retry`.
    pub async fn run_as<A, T, F, Fut>(
        &self,
        endpoint: &str,
        retry: Retry,
        authority: &A,
        mut attempt: F,
    ) -> Result<T, ClientError>
    where
        A: Authority,
        F: FnMut(A::Credential) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let mut renewed = false;
        let mut tries = 0;
        loop {
            tries += 1;
            let credential = authority.current().await?;
            match self.observed(endpoint, attempt(credential.clone())).await {
                Err(error) if authority.refuses(&error) && !renewed => {
                    renewed = true;
                    authority.forget(&credential).await;
                }
                Err(error) if should_retry(retry, &error, tries) => {
                    tokio::time::sleep(backoff_with_jitter(tries, RETRY_BASE, RETRY_CAP)).await;
                }
                result => return result,
            }
        }
    }
}

fn should_retry(retry: Retry, error: &ClientError, tries: u32) -> bool {
    retry == Retry::Transient && error.is_transient() && tries < READ_ATTEMPTS
}

/// An answer's body as JSON: a network failure, an HTTP error status or a body that is not JSON
/// each as their own error, naming `endpoint` (the body kept, shortened, for the log).
pub async fn read_answer(
    endpoint: &str,
    response: reqwest::Response,
) -> Result<(Value, String), ClientError> {
    let body = read_text(endpoint, response).await?;
    let value = serde_json::from_str(&body).map_err(|e| ClientError::Decode {
        endpoint: endpoint.to_string(),
        message: e.to_string(),
        body: truncate(&body),
    })?;
    Ok((value, body))
}

/// The body of a 200 answer (an export file, say); any other status is an `Http` error.
pub async fn read_text(endpoint: &str, response: reqwest::Response) -> Result<String, ClientError> {
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| network(endpoint, &e))?;
    if status != 200 {
        return Err(ClientError::Http {
            endpoint: endpoint.to_string(),
            status,
            body: truncate(&body),
        });
    }
    Ok(body)
}

/// The platform's envelope: `retCode` (or `ret_code`) must be one of `ok` (each API documents its
/// own: `000000` for the agent SDK and the open platform, others for some tenant-API calls);
/// otherwise a `Platform` error with the platform's own message (`retMsg` or `ret_msg`).
pub fn check_envelope(endpoint: &str, body: &Value, ok: &[&str]) -> Result<(), ClientError> {
    let field = |a: &str, b: &str| {
        body.get(a)
            .or_else(|| body.get(b))
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default()
    };
    let code_text = field("retCode", "ret_code");
    if ok.contains(&code_text.as_str()) {
        return Ok(());
    }
    Err(ClientError::Platform {
        endpoint: endpoint.into(),
        code: RetCode::parse(&code_text),
        code_text,
        message: field("retMsg", "ret_msg"),
    })
}

pub fn network(endpoint: &str, error: &reqwest::Error) -> ClientError {
    ClientError::Network {
        endpoint: endpoint.to_string(),
        message: error.to_string(),
    }
}

pub fn truncate(body: &str) -> String {
    const LIMIT: usize = 2048;
    if body.len() <= LIMIT {
        return body.to_string();
    }
    let mut end = LIMIT;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &body[..end], body.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Mutex;

    fn core_recording() -> (HttpCore, Arc<Mutex<Vec<String>>>) {
        let core = HttpCore::new(Duration::from_secs(1)).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        core.set_observer(Arc::new(move |record| {
            sink.lock().unwrap().push(record.outcome);
        }));
        (core, seen)
    }

    fn unavailable() -> ClientError {
        ClientError::Http {
            endpoint: "x".into(),
            status: 503,
            body: String::new(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_is_tried_again_on_transient_failures_and_each_attempt_is_observed() {
        let (core, seen) = core_recording();
        let tries = AtomicU32::new(0);
        let result = core
            .run("x", Retry::Transient, || async {
                match tries.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(unavailable()),
                    _ => Ok(7),
                }
            })
            .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(*seen.lock().unwrap(), vec!["http_503", "http_503", "ok"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_mutation_is_made_once_and_a_read_gives_up_after_its_attempts() {
        let (core, seen) = core_recording();
        let result: Result<(), _> = core
            .run("x", Retry::Never, || async { Err(unavailable()) })
            .await;
        assert!(result.is_err());
        assert_eq!(seen.lock().unwrap().len(), 1);
        let result: Result<(), _> = core
            .run("x", Retry::Transient, || async { Err(unavailable()) })
            .await;
        assert!(result.is_err());
        assert_eq!(seen.lock().unwrap().len(), 1 + READ_ATTEMPTS as usize);
        // A refusal that is not transient is not tried again.
        let decode = || async {
            Err::<(), _>(ClientError::Decode {
                endpoint: "x".into(),
                message: "bad".into(),
                body: String::new(),
            })
        };
        core.run("x", Retry::Transient, decode).await.unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 2 + READ_ATTEMPTS as usize);
    }

    /// A credential numbered by how often it was renewed.
    struct Counter {
        issued: AtomicU32,
        forgotten: Mutex<Vec<u32>>,
    }

    impl Authority for Counter {
        type Credential = u32;
        async fn current(&self) -> Result<u32, ClientError> {
            Ok(self.issued.load(Ordering::SeqCst))
        }
        fn refuses(&self, error: &ClientError) -> bool {
            matches!(error, ClientError::Platform { code, .. } if code.needs_reauth())
        }
        async fn forget(&self, stale: &u32) {
            self.forgotten.lock().unwrap().push(*stale);
            self.issued.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn expired() -> ClientError {
        ClientError::Platform {
            endpoint: "x".into(),
            code: RetCode::parse("900002"),
            code_text: "900002".into(),
            message: "expired".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_credential_is_renewed_once_and_the_call_made_again() {
        let (core, _) = core_recording();
        let authority = Counter {
            issued: AtomicU32::new(0),
            forgotten: Mutex::new(Vec::new()),
        };
        let result = core
            .run_as("x", Retry::Never, &authority, |credential| async move {
                if credential == 0 {
                    Err(expired())
                } else {
                    Ok(credential)
                }
            })
            .await;
        assert_eq!(result.unwrap(), 1);
        assert_eq!(*authority.forgotten.lock().unwrap(), vec![0]);
        // Refused again with the new one: given up, not renewed in a loop.
        let result: Result<u32, _> = core
            .run_as("x", Retry::Transient, &authority, |_| async {
                Err(expired())
            })
            .await;
        assert!(result.is_err());
        assert_eq!(authority.forgotten.lock().unwrap().len(), 2);
    }

    #[test]
    fn envelopes_in_both_spellings_and_extra_success_codes() {
        let ok = serde_json::json!({"retCode": "000000", "data": {}});
        assert!(check_envelope("x", &ok, &[RetCode::SUCCESS]).is_ok());
        let refused = serde_json::json!({"ret_code": "200002", "ret_msg": "会话不存在"});
        let error = check_envelope("x", &refused, &[RetCode::SUCCESS]).unwrap_err();
        assert!(error.to_string().contains("会话不存在"), "{error}");
        let other_ok = serde_json::json!({"retCode": "1", "retMsg": "ok"});
        assert!(check_envelope("x", &other_ok, &["1"]).is_ok());
        assert!(
            check_envelope("x", &ok, &["1"]).is_err(),
            "only the API's own success codes"
        );
    }
}
