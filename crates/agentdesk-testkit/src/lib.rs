//! What AgentDesk's tests share, so each test says only what it checks: a sandbox platform on
//! loopback (a real server, as every test uses), its `/__sandbox/` controls (visitors who write,
//! faults, what the platform stored), and bounded waits. A wait's bound only turns a hang into a
//! failure that says what never happened; nothing here asserts speed.

use std::future::Future;
use std::time::{Duration, Instant};

use agentdesk_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

/// A client for one outside system as the tests make it: on the system clock, recorded nowhere.
pub fn http(timeout: Duration) -> agentdesk_http::HttpClient {
    agentdesk_http::HttpContext::unrecorded()
        .client(agentdesk_http::HttpSettings::within(timeout))
        .expect("an HTTP client")
}

/// What a platform client needs besides its credentials, as the tests give it: the system clock and
/// a ledger nobody reads.
pub fn clock_and_ledger() -> (agentdesk_domain::SharedClock, agentdesk_http::CallLedger) {
    (
        agentdesk_domain::system_clock(),
        agentdesk_http::CallLedger::new(),
    )
}

/// How long a wait lasts before it fails.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);

/// A sandbox on 127.0.0.1 (a free port), seeded with `seed` (the default config's otherwise).
pub async fn sandbox(seed: Option<u64>) -> Sandbox {
    let mut config = SandboxConfig::default();
    if let Some(seed) = seed {
        config.seed = seed;
    }
    Sandbox::start("127.0.0.1:0".parse().expect("a loopback address"), config)
        .await
        .expect("the sandbox starts on loopback")
}

/// The sandbox's test controls (`/__sandbox/…`) at `base`.
#[derive(Clone)]
pub struct Controls {
    http: reqwest::Client,
    base: String,
}

impl Controls {
    pub fn new(base: &str) -> Controls {
        Controls {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// POSTs `body` to `/__sandbox{path}`; the answer's JSON. A refusal fails the test, saying why.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/__sandbox{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }

    /// GETs `/__sandbox{path}`; the answer's JSON.
    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/__sandbox{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: not JSON: {e}"))
    }

    /// A new customer named `name` who writes `text` (to `agent_email`'s queue if given); their
    /// session's id.
    pub async fn visitor(&self, name: &str, text: &str, agent_email: Option<&str>) -> String {
        let mut body = json!({"name": name, "text": text});
        if let Some(email) = agent_email {
            body["agent_email"] = json!(email);
        }
        let answer = self.post("/visitors", body).await;
        answer["cid"]
            .as_str()
            .unwrap_or_else(|| panic!("no cid in {answer}"))
            .to_string()
    }

    /// The customer of session `cid` writes `text`.
    pub async fn say(&self, cid: &str, text: &str) {
        self.post(
            &format!("/visitors/{cid}/messages"),
            json!({ "text": text }),
        )
        .await;
    }

    /// The customer of session `cid` sends a voice message saying `words` (`seconds` long, else a
    /// quarter second a character); answers the audio's address on the platform.
    pub async fn say_by_voice(&self, cid: &str, words: &str, seconds: Option<f64>) -> String {
        let mut body = json!({ "voice": words });
        if let Some(seconds) = seconds {
            body["seconds"] = json!(seconds);
        }
        let answer = self.post(&format!("/visitors/{cid}/messages"), body).await;
        answer["url"]
            .as_str()
            .unwrap_or_else(|| panic!("no url in {answer}"))
            .to_string()
    }

    /// What the platform stored of the agents' messages in `cid`, in storing order.
    pub async fn agent_messages(&self, cid: &str) -> Vec<Value> {
        self.get(&format!("/agent-messages?cid={cid}")).await["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Every ticket the sandbox's ticket systems hold (`GET /__sandbox/tickets`), in filing order.
    pub async fn tickets(&self) -> Vec<Value> {
        self.get("/tickets").await["tickets"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Replaces the sandbox's faults (`{}` clears them).
    pub async fn faults(&self, faults: Value) {
        self.post("/faults", faults).await;
    }
}

/// Waits until `check` answers true; fails naming `what` after `WAIT_LIMIT`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT_LIMIT;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until `check` finds something, and gives it; fails naming `what` after `WAIT_LIMIT`.
pub async fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until `check` finds something, and gives it (as `wait_for`, for checks that await).
pub async fn wait_for_async<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// POSTs `body` as JSON to any `url`; the answer's JSON (null if it has none).
pub async fn post_json(url: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .json()
        .await
        .unwrap_or(Value::Null)
}

/// A generated file committed to the repository (TypeScript bindings, the command client) must be
/// what the generator makes now; with `UPDATE_BINDINGS` set, it is written instead. `regenerate` is
/// the command that does so, for the failure message.
pub fn assert_committed(path: &std::path::Path, generated: &str, regenerate: &str) {
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(path, generated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date; run: {regenerate}",
        path.display()
    );
}
