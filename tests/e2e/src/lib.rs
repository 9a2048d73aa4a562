//! A minimal W3C WebDriver client over HTTP (sessions, elements, script, screenshots): enough to
//! drive the real app through tauri-driver, with no browser or driver downloads.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub type Result<T> = std::result::Result<T, String>;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The build of the app under test: debug (what CI builds) unless `AGENTDESK_E2E_PROFILE=release`
/// (what users run; the benchmarks report both). Honours `CARGO_TARGET_DIR`. `AGENTDESK_E2E_APP`
/// names an app anywhere instead (the installed package's `/usr/bin/agentdesk`).
pub fn app_binary() -> PathBuf {
    if let Some(app) = std::env::var_os("AGENTDESK_E2E_APP") {
        return PathBuf::from(app);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("target"));
    let profile = std::env::var("AGENTDESK_E2E_PROFILE").unwrap_or_else(|_| "debug".into());
    let path = target.join(&profile).join("agentdesk");
    path.canonicalize().unwrap_or_else(|_| {
        panic!(
            "no app at {}: run cargo build -p agentdesk{}",
            path.display(),
            if profile == "release" {
                " --release"
            } else {
                ""
            }
        )
    })
}

/// Where screenshots go.
pub fn screenshots() -> PathBuf {
    repo().join("target/e2e")
}

/// tauri-driver's address (`TAURI_DRIVER_URL`, default port 4444).
pub fn driver_url() -> String {
    std::env::var("TAURI_DRIVER_URL").unwrap_or_else(|_| "http://127.0.0.1:4444".into())
}

pub struct WebDriver {
    http: reqwest::Client,
    base: String,
    session: String,
}

#[derive(Clone, Debug)]
pub struct Element(String);

impl WebDriver {
    /// Starts the app through tauri-driver at `driver_url` (e.g. `http://127.0.0.1:4444`).
    pub async fn launch(
        driver_url: &str,
        application: &Path,
        args: &[String],
    ) -> Result<WebDriver> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "wry",
                "tauri:options": {"application": application.display().to_string(), "args": args}
            }}
        });
        // A machine busy building (CI runs the tests beside other work) can keep tauri-driver from
        // answering the first request in time: one more try before failing.
        let mut attempts = 0;
        let response: Value = loop {
            attempts += 1;
            let answer = http
                .post(format!("{driver_url}/session"))
                .json(&capabilities)
                .send()
                .await;
            match answer {
                Ok(answer) => break answer.json().await.map_err(|e| e.to_string())?,
                Err(e) if attempts < 2 => {
                    eprintln!("tauri-driver did not answer ({e}); trying once more");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => {
                    return Err(format!(
                        "tauri-driver at {driver_url} is not answering: {e}"
                    ))
                }
            }
        };
        let session = response["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session: {response}"))?
            .to_string();
        Ok(WebDriver {
            http,
            base: driver_url.to_string(),
            session,
        })
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        if let Some(error) = response["value"]["error"].as_str() {
            return Err(format!("{error}: {}", response["value"]["message"]));
        }
        Ok(response["value"].clone())
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let value = self
            .command(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i[ELEMENT_KEY].as_str().map(|s| Element(s.to_string())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits (up to `timeout`) for at least one element matching `css`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(first) = self.find_all(css).await?.into_iter().next() {
                return Ok(first);
            }
            if tokio::time::Instant::now() > deadline {
                return Err(format!("no element matches {css} after {timeout:?}"));
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn text(&self, element: &Element) -> Result<String> {
        Ok(self
            .command(
                reqwest::Method::GET,
                &format!("/element/{}/text", element.0),
                None,
            )
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    pub async fn click(&self, element: &Element) -> Result<()> {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await
        .map(drop)
    }

    pub async fn type_text(&self, element: &Element, text: &str) -> Result<()> {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            Some(json!({"text": text})),
        )
        .await
        .map(drop)
    }

    /// Empties an input (before typing a whole new value).
    pub async fn clear(&self, element: &Element) -> Result<()> {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.0),
            Some(json!({})),
        )
        .await
        .map(drop)
    }

    /// Runs `script` in the page (a function body; a returned Promise is awaited).
    pub async fn execute(&self, script: &str) -> Result<Value> {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs `script` with `element` as `arguments[0]`.
    pub async fn execute_on(&self, element: &Element, script: &str) -> Result<Value> {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": [{ELEMENT_KEY: element.0}]})),
        )
        .await
    }

    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        // The frame after a DOM change can lag; give the compositor a moment.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let value = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    pub async fn quit(self) {
        let _ = self.command(reqwest::Method::DELETE, "", None).await;
    }
}
