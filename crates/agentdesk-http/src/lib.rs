//! AgentDesk's one HTTP client for every call it makes to an outside system: the platform's agent
//! SDK, open platform and tenant API, the CRMs, carriers and order systems, the model provider, the
//! images a message links to, a sandbox's ready check. One place decides how such a call is made:
//! - its timeouts (the whole call and the connection), set per system;
//! - the retry policy: only calls that are safe to repeat (reads), only on transient failures, with
//!   exponential backoff and jitter; a mutation is made once, because none of these systems honours
//!   an idempotency key;
//! - the ledger: every attempt is one `CallRecord` (endpoint, start, duration, outcome, masked
//!   detail) for API health and the audit log;
//! - the clock: a record's start comes from the workbench's injected clock, so time-based rules
//!   (the health alert's window) and their tests see one time; a signature's timestamp alone reads
//!   the real time, since the other side checks it against its own clock.
//!
//! A system's client (its paths, signing, envelopes and error type) sits on top and says through
//! `CallFailure` which of its errors are transient and how each is labelled.

pub mod diagnostics;
mod ledger;

use std::future::Future;
use std::time::{Duration, Instant};

use agentdesk_domain::{mask_pii, SharedClock};
use rand::Rng;
use tokio_util::sync::CancellationToken;

pub use ledger::{CallLedger, CallObserver, CallRecord};

/// Attempts of a read in all.
pub const READ_ATTEMPTS: u32 = 3;
const RETRY_BASE: Duration = Duration::from_millis(100);
const RETRY_CAP: Duration = Duration::from_secs(2);

/// Whether a failed call may be made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A mutation: made once.
    Never,
    /// A read: transient failures are tried again, up to `READ_ATTEMPTS` in all.
    Transient,
}

/// What the ledger and the retry policy need to know of a client's error.
pub trait CallFailure: std::fmt::Display {
    /// The outcome's label in the ledger: `network`, `http_503`, `decode`, a platform's code...
    /// (`ok` is never a failure's label). API health counts `network`, `decode`, `config` and
    /// `http_*` as failures of the integration and anything else as a business refusal.
    fn outcome(&self) -> String;
    /// Worth trying again: the network, a 5xx or 429, a platform-side hiccup.
    fn is_transient(&self) -> bool;
}

/// A credential the other side may stop accepting (an agent login, a company token): asked for
/// before each attempt, and when the other side refuses it, forgotten once and the call made again
/// (it refused the call, so repeating it cannot do anything twice).
pub trait Authority {
    type Credential: Clone;
    type Error: CallFailure;
    fn current(&self) -> impl Future<Output = Result<Self::Credential, Self::Error>>;
    /// Whether `error` means the credential is no longer accepted.
    fn refuses(&self, error: &Self::Error) -> bool;
    /// `stale` was refused: the next `current` gets a new one (unless another call replaced it).
    fn forget(&self, stale: &Self::Credential) -> impl Future<Output = ()>;
}

/// How one system is called.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The whole call, from sending to the last byte of the answer (a streamed answer sets none and
    /// keeps its own limits).
    pub timeout: Option<Duration>,
    pub connect_timeout: Duration,
    /// Redirects followed automatically (none where each hop must be checked, as for images).
    pub follow_redirects: bool,
    /// Idle connections kept per host (a busy desk's platform calls reuse them).
    pub idle_per_host: usize,
}

impl HttpSettings {
    /// A call answered within `timeout`.
    pub fn within(timeout: Duration) -> HttpSettings {
        HttpSettings {
            timeout: Some(timeout),
            connect_timeout: timeout.min(Duration::from_secs(4)),
            follow_redirects: true,
            idle_per_host: 8,
        }
    }

    /// A streamed answer: only the connection is limited here.
    pub fn streaming(connect_timeout: Duration) -> HttpSettings {
        HttpSettings {
            timeout: None,
            connect_timeout,
            follow_redirects: true,
            idle_per_host: 4,
        }
    }

    pub fn without_redirects(mut self) -> HttpSettings {
        self.follow_redirects = false;
        self
    }

    pub fn idle_per_host(mut self, connections: usize) -> HttpSettings {
        self.idle_per_host = connections;
        self
    }
}

/// The HTTP client could not be set up (the TLS back end failed to initialise).
#[derive(Debug, Clone)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the HTTP client could not start: {}", self.0)
    }
}

impl std::error::Error for SetupError {}

/// How a workbench calls the outside world: its clock and its ledger, from which each system's
/// client is made with that system's settings.
#[derive(Clone)]
pub struct HttpContext {
    pub clock: SharedClock,
    pub ledger: CallLedger,
}

impl HttpContext {
    pub fn new(clock: SharedClock, ledger: CallLedger) -> HttpContext {
        HttpContext { clock, ledger }
    }

    /// Calls nobody records, on the system clock (tools that run outside a workbench, such as a
    /// connection check in Settings before any workbench exists).
    pub fn unrecorded() -> HttpContext {
        HttpContext::new(agentdesk_domain::system_clock(), CallLedger::new())
    }

    /// A client for one system.
    pub fn client(&self, settings: HttpSettings) -> Result<HttpClient, SetupError> {
        HttpClient::new(settings, self.clock.clone(), self.ledger.clone())
    }
}

/// One system's client: its connection pool, the ledger and the clock. Cheap to clone (the pool is
/// shared).
#[derive(Clone)]
pub struct HttpClient {
    http: reqwest::Client,
    clock: SharedClock,
    ledger: CallLedger,
}

impl HttpClient {
    pub fn new(
        settings: HttpSettings,
        clock: SharedClock,
        ledger: CallLedger,
    ) -> Result<HttpClient, SetupError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .pool_max_idle_per_host(settings.idle_per_host);
        if let Some(timeout) = settings.timeout {
            builder = builder.timeout(timeout);
        }
        if !settings.follow_redirects {
            builder = builder.redirect(reqwest::redirect::Policy::none());
        }
        let http = builder.build().map_err(|e| SetupError(e.to_string()))?;
        Ok(HttpClient {
            http,
            clock,
            ledger,
        })
    }

    /// Requests are built on this (the call itself goes through `observed`, `run` or `run_as`).
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.http
    }

    /// The workbench's time now, in milliseconds: what AgentDesk decides by (a call's record, a
    /// retry's schedule).
    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_i64()
    }

    /// The real time now, in milliseconds, for a request's signature: the other side checks it
    /// against its own clock, so it is never the workbench's (which tests set to a fixed day).
    pub fn signing_time_ms(&self) -> i64 {
        use agentdesk_domain::Clock as _;
        agentdesk_domain::SystemClock.now().as_i64()
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn ledger(&self) -> &CallLedger {
        &self.ledger
    }

    /// Records one attempt that started at `started` (`started_at_ms` on the workbench's clock).
    pub fn record(
        &self,
        endpoint: &str,
        started: Instant,
        started_at_ms: i64,
        failure: Option<&dyn CallFailure>,
    ) {
        let (outcome, detail) = match failure {
            None => ("ok".to_string(), String::new()),
            Some(failure) => (
                failure.outcome(),
                mask_pii(&failure.to_string()).into_owned(),
            ),
        };
        self.ledger.record(&CallRecord {
            endpoint: endpoint.to_string(),
            started_at_ms,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            outcome,
            detail,
        });
    }

    /// One attempt, timed and recorded. An attempt its caller gives up on (a view's per-source
    /// timeout drops it) is recorded too, as `abandoned`: the other side did not answer in time.
    pub async fn observed<T, E: CallFailure>(
        &self,
        endpoint: &str,
        attempt: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let mut pending = PendingCall::start(self, endpoint);
        let result = attempt.await;
        pending.finish(result.as_ref().err().map(|e| e as &dyn CallFailure));
        result
    }

    /// As `observed`, for a call the agent may stop: `None` when `stop` came first (recorded as
    /// `cancelled`, which says nothing about the other side's health).
    pub async fn observed_until<T, E: CallFailure>(
        &self,
        endpoint: &str,
        attempt: impl Future<Output = Result<T, E>>,
        stop: &CancellationToken,
    ) -> Option<Result<T, E>> {
        let mut pending = PendingCall::start(self, endpoint);
        tokio::select! {
            result = attempt => {
                pending.finish(result.as_ref().err().map(|e| e as &dyn CallFailure));
                Some(result)
            }
            _ = stop.cancelled() => {
                pending.finish_as("cancelled", "stopped by the agent");
                None
            }
        }
    }

    /// A call under `retry`, each attempt recorded.
    pub async fn run<T, E, F, Fut>(
        &self,
        endpoint: &str,
        retry: Retry,
        mut attempt: F,
    ) -> Result<T, E>
    where
        E: CallFailure,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
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

    /// A call made with `authority`'s credential: renewed once if it is refused, and otherwise under
    /// `retry`.
    pub async fn run_as<A, T, F, Fut>(
        &self,
        endpoint: &str,
        retry: Retry,
        authority: &A,
        mut attempt: F,
    ) -> Result<T, A::Error>
    where
        A: Authority,
        F: FnMut(A::Credential) -> Fut,
        Fut: Future<Output = Result<T, A::Error>>,
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

/// An attempt under way: recorded when it finishes, or as abandoned when dropped before that.
struct PendingCall<'a> {
    client: &'a HttpClient,
    endpoint: &'a str,
    started: Instant,
    started_at_ms: i64,
    recorded: bool,
}

impl<'a> PendingCall<'a> {
    fn start(client: &'a HttpClient, endpoint: &'a str) -> PendingCall<'a> {
        PendingCall {
            client,
            endpoint,
            started: Instant::now(),
            started_at_ms: client.now_ms(),
            recorded: false,
        }
    }

    fn finish(&mut self, failure: Option<&dyn CallFailure>) {
        self.recorded = true;
        self.client
            .record(self.endpoint, self.started, self.started_at_ms, failure);
    }

    fn finish_as(&mut self, outcome: &str, detail: &str) {
        self.recorded = true;
        self.client.ledger.record(&CallRecord {
            endpoint: self.endpoint.to_string(),
            started_at_ms: self.started_at_ms,
            duration_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            outcome: outcome.to_string(),
            detail: detail.to_string(),
        });
    }
}

impl Drop for PendingCall<'_> {
    fn drop(&mut self) {
        if !self.recorded {
            self.finish_as("abandoned", "no answer before the caller stopped waiting");
        }
    }
}

fn should_retry(retry: Retry, error: &impl CallFailure, tries: u32) -> bool {
    retry == Retry::Transient && error.is_transient() && tries < READ_ATTEMPTS
}

/// Exponential backoff with full jitter: attempt 1 waits up to `base`, doubling up to `cap`.
/// Jitter spreads the retries of many agent PCs after an outage.
pub fn backoff_with_jitter(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
    let ceiling = exp.min(cap);
    let half = ceiling / 2;
    half + ceiling.mul_f64(rand::thread_rng().gen_range(0.0..0.5))
}

/// A transport failure in words, naming the host but not the URL's path or query (a signature or a
/// token may sit there).
pub fn transport_reason(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "no answer in time"
    } else if error.is_connect() {
        "the connection could not be made"
    } else if error.is_body() || error.is_decode() {
        "the answer broke off"
    } else {
        "the request failed"
    };
    let host = error
        .url()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    let mut cause = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    match (host.is_empty(), cause.is_empty()) {
        (false, false) => format!("{kind} ({host}: {cause})"),
        (false, true) => format!("{kind} ({host})"),
        (true, false) => format!("{kind} ({cause})"),
        (true, true) => kind.to_string(),
    }
}

/// Keeps a body short enough for a log line or an error's details.
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
    use std::sync::{Arc, Mutex};

    #[derive(Debug)]
    struct Failure(&'static str, bool);

    impl std::fmt::Display for Failure {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "failed: call 13812345678")
        }
    }

    impl CallFailure for Failure {
        fn outcome(&self) -> String {
            self.0.to_string()
        }
        fn is_transient(&self) -> bool {
            self.1
        }
    }

    const FIXED: agentdesk_domain::Millis = agentdesk_domain::Millis(1_583_056_800_000);

    fn recording() -> (HttpClient, Arc<Mutex<Vec<CallRecord>>>) {
        let ledger = CallLedger::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        ledger.observe(Arc::new(move |record: &CallRecord| {
            sink.lock().unwrap().push(record.clone())
        }));
        let clock = agentdesk_domain::ManualClock::at(FIXED);
        let client =
            HttpClient::new(HttpSettings::within(Duration::from_secs(1)), clock, ledger).unwrap();
        (client, seen)
    }

    fn outcomes(seen: &Mutex<Vec<CallRecord>>) -> Vec<String> {
        seen.lock()
            .unwrap()
            .iter()
            .map(|r| r.outcome.clone())
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_is_tried_again_on_transient_failures_and_each_attempt_is_recorded() {
        let (client, seen) = recording();
        let tries = AtomicU32::new(0);
        let result = client
            .run("x", Retry::Transient, || async {
                match tries.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(Failure("http_503", true)),
                    _ => Ok(7),
                }
            })
            .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(outcomes(&seen), vec!["http_503", "http_503", "ok"]);
        let records = seen.lock().unwrap();
        assert!(
            records.iter().all(|r| r.started_at_ms == FIXED.as_i64()),
            "the injected clock"
        );
        assert_eq!(records[0].detail, "failed: call 138****5678", "masked");
    }

    #[tokio::test(start_paused = true)]
    async fn a_mutation_is_made_once_and_a_read_gives_up_after_its_attempts() {
        let (client, seen) = recording();
        let result: Result<(), _> = client
            .run("x", Retry::Never, || async {
                Err(Failure("network", true))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(seen.lock().unwrap().len(), 1);
        let result: Result<(), _> = client
            .run("x", Retry::Transient, || async {
                Err(Failure("network", true))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(seen.lock().unwrap().len(), 1 + READ_ATTEMPTS as usize);
        // A failure that is not transient is not tried again.
        client
            .run("x", Retry::Transient, || async {
                Err::<(), _>(Failure("decode", false))
            })
            .await
            .unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 2 + READ_ATTEMPTS as usize);
    }

    /// A credential numbered by how often it was renewed.
    struct Counter {
        issued: AtomicU32,
        forgotten: Mutex<Vec<u32>>,
    }

    impl Authority for Counter {
        type Credential = u32;
        type Error = Failure;
        async fn current(&self) -> Result<u32, Failure> {
            Ok(self.issued.load(Ordering::SeqCst))
        }
        fn refuses(&self, error: &Failure) -> bool {
            error.0 == "900002"
        }
        async fn forget(&self, stale: &u32) {
            self.forgotten.lock().unwrap().push(*stale);
            self.issued.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_credential_is_renewed_once_and_the_call_made_again() {
        let (client, _) = recording();
        let authority = Counter {
            issued: AtomicU32::new(0),
            forgotten: Mutex::new(Vec::new()),
        };
        let result = client
            .run_as("x", Retry::Never, &authority, |credential| async move {
                if credential == 0 {
                    Err(Failure("900002", true))
                } else {
                    Ok(credential)
                }
            })
            .await;
        assert_eq!(result.unwrap(), 1);
        assert_eq!(*authority.forgotten.lock().unwrap(), vec![0]);
        // Refused again with the new one: given up, not renewed in a loop.
        let result: Result<u32, _> = client
            .run_as("x", Retry::Transient, &authority, |_| async {
                Err(Failure("900002", true))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(authority.forgotten.lock().unwrap().len(), 2);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(5);
        for _ in 0..100 {
            let first = backoff_with_jitter(1, base, cap);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let late = backoff_with_jitter(30, base, cap);
            assert!(late >= Duration::from_millis(2500) && late <= cap);
        }
    }
}
