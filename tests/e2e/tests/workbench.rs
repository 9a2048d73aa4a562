//! The real `agentdesk` window, started in demo mode against a sandbox on 127.0.0.1:0, driven
//! through tauri-driver. Run by `scripts/e2e.sh` inside Xvfb + a D-Bus session with gnome-keyring,
//! dunst and a `dbus-monitor` recording notifications (these tests are `#[ignore]`d in a plain
//! `cargo test`, which has no display). One plain test checks that the app's command list agrees
//! everywhere it is written down.

use std::time::Duration;

use agentdesk_e2e::{app_binary, driver_url, screenshots, WebDriver};
use agentdesk_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

struct Run {
    sandbox: Sandbox,
    app: WebDriver,
    http: reqwest::Client,
    _data: tempfile_dir::Dir,
}

mod tempfile_dir {
    /// A temporary directory removed on drop (no extra dependency for one use).
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(name: &str) -> Dir {
            let path =
                std::env::temp_dir().join(format!("agentdesk-e2e-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Run {
    async fn start(name: &str) -> Run {
        Run::start_with(name, &[]).await
    }

    /// The app with `extra` command-line arguments after the sandbox and data folder.
    async fn start_with(name: &str, extra: &[&str]) -> Run {
        let sandbox = Sandbox::start(
            "127.0.0.1:0".parse().unwrap(),
            SandboxConfig {
                seed: 11,
                ..SandboxConfig::default()
            },
        )
        .await
        .unwrap();
        let data = tempfile_dir::Dir::new(name);
        let args = vec![
            "--sandbox-url".to_string(),
            sandbox.base_url().to_string(),
            "--data-dir".to_string(),
            data.0.display().to_string(),
        ]
        .into_iter()
        .chain(extra.iter().map(|a| a.to_string()))
        .collect::<Vec<_>>();
        let app = WebDriver::launch(&driver_url(), &app_binary(), &args)
            .await
            .unwrap();
        Run {
            sandbox,
            app,
            http: reqwest::Client::new(),
            _data: data,
        }
    }

    async fn visitor(&self, name: &str, text: &str) -> String {
        let response: Value = self
            .http
            .post(format!("{}/__sandbox/visitors", self.sandbox.base_url()))
            .json(&json!({"name": name, "text": text, "phone": "13812345678"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["cid"].as_str().unwrap().to_string()
    }

    async fn open_session(&self, cid: &str) {
        if let Ok(item) = self
            .app
            .wait_for(
                &format!("[data-testid=session-item][data-session-id='{cid}']"),
                WAIT,
            )
            .await
        {
            let _ = self.app.click(&item).await;
        }
    }

    /// What the sandbox (the customer's side) received from the agent in session `cid`.
    async fn agent_messages(&self, cid: &str) -> Result<Vec<Value>, String> {
        sandbox_list(
            &self.http,
            &self.sandbox,
            &format!("agent-messages?cid={cid}"),
            "items",
        )
        .await
    }

    /// What the customer of `cid` received from the agent, once something has (at most `WAIT`).
    async fn agent_messages_arrived(&self, cid: &str) -> Result<Vec<Value>, String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let items = self.agent_messages(cid).await?;
            if !items.is_empty() || tokio::time::Instant::now() > deadline {
                return Ok(items);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits for the element `css` names, brings it into view (the driver does not scroll inside
    /// a scrolled dialog) and clicks it.
    async fn click(&self, css: &str) -> Outcome {
        let element = self.app.wait_for(css, WAIT).await?;
        self.app
            .execute_on(
                &element,
                "arguments[0].scrollIntoView({block: 'center'}); return null;",
            )
            .await?;
        self.app.click(&element).await?;
        Ok(())
    }

    /// The value of the text field with this `data-testid` (an input or textarea: its value, not
    /// its text).
    async fn field_value(&self, testid: &str) -> Result<String, String> {
        let value = self
            .app
            .execute(&format!(
                "return document.querySelector('[data-testid={testid}]')?.value ?? null;"
            ))
            .await?;
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no field {testid}"))
    }

    /// Sets the sandbox's faults (`{}` clears them).
    async fn set_faults(&self, faults: Value) -> Outcome {
        self.http
            .post(format!("{}/__sandbox/faults", self.sandbox.base_url()))
            .json(&faults)
            .send()
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    async fn finish(self) {
        self.app.quit().await;
        self.sandbox.shutdown().await;
    }
}

type Outcome = Result<(), String>;

/// Runs `body` against a fresh app and always closes the window, so one failure cannot leave the
/// driver's only session busy for the next test.
async fn with_app<F>(name: &str, body: F)
where
    F: for<'a> FnOnce(
        &'a Run,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + 'a>>,
{
    with_app_args(name, &[], body).await
}

/// `with_app`, with extra command-line arguments for the app.
async fn with_app_args<F>(name: &str, extra: &[&str], body: F)
where
    F: for<'a> FnOnce(
        &'a Run,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + 'a>>,
{
    let run = Run::start_with(name, extra).await;
    let outcome = body(&run).await;
    if outcome.is_err() {
        let _ = run
            .app
            .screenshot(&screenshots().join(format!("{name}-failure.png")))
            .await;
    }
    run.finish().await;
    if let Err(message) = outcome {
        panic!("{message}");
    }
}

fn check(condition: bool, message: impl Into<String>) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(message.into())
    }
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn a_customer_arrives_the_agent_replies_and_the_platform_receives_it_once() {
    with_app("reply", |run| {
        Box::pin(async move {
            run.app.wait_for("[data-testid=demo-banner]", WAIT).await?;
            run.app
                .wait_for("[data-testid=connection-state].connection-connected", WAIT)
                .await?;
            let cid = run.visitor("王芳", "我的订单什么时候发货？").await;
            run.open_session(&cid).await;
            let first = run
                .app
                .wait_for("[data-testid=message][data-direction=in] .text", WAIT)
                .await?;
            let text = run.app.text(&first).await?;
            check(
                text == "我的订单什么时候发货？",
                format!("customer message shown as {text:?}"),
            )?;

            let composer = run.app.wait_for("[data-testid=composer]", WAIT).await?;
            run.app.type_text(&composer, "您好，今天发货。").await?;
            run.click("[data-testid=send-button]").await?;
            run.app
                .wait_for(
                    "[data-testid=message][data-direction=out][data-status=sent]",
                    WAIT,
                )
                .await?;
            run.app
                .screenshot(&screenshots().join("reply-sent.png"))
                .await?;

            let items = run.agent_messages(&cid).await?;
            check(
                items.len() == 1,
                format!("the sandbox must receive the reply exactly once: {items:?}"),
            )?;
            check(
                items[0]["content"] == "您好，今天发货。",
                format!("received {}", items[0]),
            )?;

            // The new-session notification went over the session bus (dbus-monitor records every Notify).
            let log = std::env::var("AGENTDESK_E2E_DBUS_LOG")
                .map_err(|_| "AGENTDESK_E2E_DBUS_LOG is not set: run scripts/e2e.sh")?;
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let seen = std::fs::read_to_string(&log).unwrap_or_default();
                if seen.contains("member=Notify")
                    && seen.contains("AgentDesk")
                    && seen.contains("王芳")
                {
                    return Ok(());
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(format!(
                        "no Notify call naming the customer on the session bus:\n{seen}"
                    ));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn customer_markup_shows_as_literal_text_and_runs_nothing() {
    with_app("hostile", |run| {
        Box::pin(async move {
            let hostile = r#"<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"#;
            let cid = run.visitor("Mallory", hostile).await;
            run.open_session(&cid).await;
            let message = run.app.wait_for("[data-testid=message][data-direction=in] .text", WAIT).await?;
            let shown = run.app.text(&message).await?;
            check(shown == hostile, format!("shown as {shown:?}"))?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let verdict = run
                .app
                .execute("return [window.__xss === undefined, document.querySelectorAll('.history img, .history script').length];")
                .await?;
            check(verdict == json!([true, 0]), format!("something ran or was created: {verdict}"))?;
            run.app.screenshot(&screenshots().join("hostile-text.png")).await
        })
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn switching_merchant_leaves_nothing_of_the_first_one_listed() {
    with_app("tenant-switch", |run| {
        Box::pin(async move {
            let cid = run.visitor("王芳", "我的快递到哪了？").await;
            run.app
                .wait_for(
                    &format!("[data-testid=session-item][data-session-id='{cid}']"),
                    WAIT,
                )
                .await?;
            let switcher = run
                .app
                .wait_for("[data-testid=tenant-switcher]", WAIT)
                .await?;
            run.app.click(&switcher).await?;
            // The merchants of the union platform, found by name.
            let deadline = std::time::Instant::now() + WAIT;
            let harbor = loop {
                let mut found = None;
                for option in run.app.find_all("[data-testid=tenant-option]").await? {
                    if run.app.text(&option).await?.contains("Harbor Tea") {
                        found = Some(option);
                    }
                }
                if let Some(option) = found {
                    break option;
                }
                check(std::time::Instant::now() < deadline, "no Harbor Tea option")?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            run.app.click(&harbor).await?;
            // Once the switcher names Harbor Tea, the first merchant's session is gone at once, and
            // Harbor Tea's own waiting customers arrive.
            let deadline = std::time::Instant::now() + WAIT;
            loop {
                let label = run
                    .app
                    .text(
                        &run.app
                            .wait_for("[data-testid=tenant-switcher]", WAIT)
                            .await?,
                    )
                    .await?;
                // Read in one script: the list re-renders as Harbor Tea's customers arrive, and an
                // element found in one call can be gone by the next.
                let ids: Vec<Value> = run
                    .app
                    .execute(
                        "return [...document.querySelectorAll('[data-testid=session-item]')].map((e) => e.dataset.sessionId);",
                    )
                    .await?
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if label.contains("Harbor Tea") {
                    check(
                        !ids.iter().any(|id| id.as_str() == Some(cid.as_str())),
                        format!("the first merchant's session {cid} is still listed: {ids:?}"),
                    )?;
                    if ids.len() == 3 {
                        break;
                    }
                }
                check(
                    std::time::Instant::now() < deadline,
                    format!("after the switch: {label:?}, sessions {ids:?}"),
                )?;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let page = run.app.execute("return document.body.innerText;").await?;
            check(
                !page.as_str().unwrap_or_default().contains("王芳"),
                "the first merchant's customer is still on screen",
            )?;
            run.app
                .screenshot(&screenshots().join("tenant-switched.png"))
                .await
        })
    })
    .await;
}

/// Every file under `dir` whose bytes contain `needle`.
/// Every file under `dir`, at any depth.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        })
        .collect()
}

/// A tenant's option in the open switcher, by name.
async fn click_tenant(run: &Run, name: &str) -> Outcome {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        for option in run.app.find_all("[data-testid=tenant-option]").await? {
            if run.app.text(&option).await?.contains(name) {
                return run.app.click(&option).await;
            }
        }
        check(
            std::time::Instant::now() < deadline,
            format!("no {name} option"),
        )?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn secrets_entered_in_the_window_reach_the_keychain_and_no_file() {
    let run = Run::start("secrets").await;
    let info = run.sandbox.info().clone();
    let outcome: Outcome = async {
        let app = &run.app;
        app.wait_for("[data-testid=connection-state].connection-connected", WAIT)
            .await?;
        app.click(&app.wait_for("[data-testid=open-settings]", WAIT).await?)
            .await?;
        app.click(&app.wait_for("[data-testid=account-add]", WAIT).await?)
            .await?;
        let name = app.wait_for("[data-testid=account-name]", WAIT).await?;
        app.type_text(&name, "Sandbox supervisor").await?;
        let sandbox_platform = app
            .wait_for("[data-testid=account-platform] option[value=sandbox]", WAIT)
            .await?;
        app.click(&sandbox_platform).await?;
        let base = app.wait_for("[data-testid=account-base-url]", WAIT).await?;
        app.clear(&base).await?;
        app.type_text(&base, &info.base_url).await?;
        let appid = app.wait_for("[data-testid=account-appid]", WAIT).await?;
        app.type_text(&appid, &info.appid).await?;
        let key = app.wait_for("[data-testid=account-app-key]", WAIT).await?;
        app.type_text(&key, &info.app_key).await?;
        app.click(&app.wait_for("[data-testid=account-save]", WAIT).await?)
            .await?;
        app.click(&app.wait_for("[data-testid=account-test]", WAIT).await?)
            .await?;
        app.wait_for("[data-testid=account-report][data-ok=true]", WAIT)
            .await?;
        let page = app
            .execute("return document.documentElement.outerHTML;")
            .await?;
        check(
            !page.as_str().unwrap_or_default().contains(&info.app_key),
            "the app key is in the page after saving",
        )?;
        app.screenshot(&screenshots().join("account-tested.png"))
            .await?;
        // A merchant switch: the tenant's app key is fetched and used, in memory only.
        app.click(&app.wait_for("[data-testid=close-settings]", WAIT).await?)
            .await?;
        app.click(&app.wait_for("[data-testid=tenant-switcher]", WAIT).await?)
            .await?;
        click_tenant(&run, "Harbor Tea").await?;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let switcher = app.wait_for("[data-testid=tenant-switcher]", WAIT).await?;
            if app.text(&switcher).await?.contains("Harbor Tea") {
                break;
            }
            check(
                std::time::Instant::now() < deadline,
                "the switch did not finish",
            )?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.wait_for("[data-testid=session-item]", WAIT).await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = run
            .app
            .screenshot(&screenshots().join("secrets-failure.png"))
            .await;
    }
    // The app writes whatever it writes on the way out before the directories are searched.
    let data_dir = run._data.0.clone();
    let Run {
        sandbox,
        app,
        _data,
        ..
    } = run;
    app.quit().await;
    sandbox.shutdown().await;
    if let Err(message) = outcome {
        panic!("{message}");
    }

    // The secrets: the account's app key (typed in the window), the union key, and every tenant's
    // app key (the switch used one), from a second sandbox with the same seed.
    let twin = Sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        SandboxConfig {
            seed: 11,
            ..SandboxConfig::default()
        },
    )
    .await
    .unwrap();
    let twin_info = twin.info().clone();
    assert_eq!(twin_info.app_key, info.app_key, "same seed, same keys");
    let keys = agentdesk_sobot::client::UnionClient::new(
        agentdesk_sobot::client::UnionCredentials {
            base_url: twin_info.base_url.clone(),
            union_code: twin_info.union_code.clone(),
            email: twin_info.supervisor_email.clone(),
            union_key: agentdesk_domain::Secret::new(twin_info.union_key.clone()),
        },
        agentdesk_domain::system_clock(),
        agentdesk_sobot::client::CallLedger::new(),
    )
    .unwrap()
    .batch_app_keys()
    .await
    .unwrap();
    twin.shutdown().await;
    let mut secrets = vec![info.app_key.clone(), info.union_key.clone()];
    secrets.extend(keys.iter().map(|k| k.app_key.expose().to_string()));
    assert_eq!(secrets.len(), 6);

    // Where the app keeps things: config (accounts.json), data (databases, web storage), caches,
    // and its log.
    let config =
        std::path::PathBuf::from(std::env::var_os("XDG_CONFIG_HOME").expect("run scripts/e2e.sh"));
    let accounts = std::fs::read_to_string(config.join("dev.agentdesk.workbench/accounts.json"))
        .expect("the account was saved");
    assert!(accounts.contains("Sandbox supervisor"), "{accounts}");
    // Both tenants' databases are under the data directory, encrypted: no file there is plain SQLite.
    let databases: Vec<_> = files_under(&data_dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite3"))
        .collect();
    assert!(
        databases.len() >= 2,
        "the databases of both tenants are under the data directory: {databases:?}"
    );
    let plain = files_containing(&data_dir, b"SQLite format 3");
    assert!(plain.is_empty(), "unencrypted databases: {plain:?}");
    let mut places: Vec<std::path::PathBuf> =
        ["XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"]
            .iter()
            .filter_map(|v| std::env::var_os(v).map(Into::into))
            .collect();
    places.push(data_dir);
    let log = agentdesk_e2e::repo().join("target/e2e/tauri-driver.log");
    for secret in &secrets {
        for place in &places {
            let leaks = files_containing(place, secret.as_bytes());
            assert!(leaks.is_empty(), "a secret was written to {leaks:?}");
        }
        let logged = std::fs::read(&log).unwrap_or_default();
        assert!(
            !logged.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "a secret is in the app's log"
        );
    }
}

/// Opens the Notes tab and answers its text box once the note has loaded.
async fn open_notes(run: &Run) -> Result<agentdesk_e2e::Element, String> {
    let tab = run.app.wait_for("[data-testid=tab-notes]", WAIT).await?;
    run.app.click(&tab).await?;
    run.app
        .wait_for("[data-testid=customer-note]:not([disabled])", WAIT)
        .await
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn opening_a_session_shows_the_customers_orders_and_tracking() {
    with_app("customer-360", |run| {
        Box::pin(async move {
            let cid = run.visitor("王芳", "我的快递到哪了？").await;
            run.open_session(&cid).await;
            run.app
                .wait_for(
                    "[data-testid=customer-panel] [data-testid=order-item]",
                    WAIT,
                )
                .await?;
            let event = run
                .app
                .wait_for(
                    "[data-testid=customer-panel] [data-testid=tracking-event]",
                    WAIT,
                )
                .await?;
            let text = run.app.text(&event).await?;
            check(!text.trim().is_empty(), "an empty tracking event")?;
            let panel = run
                .app
                .wait_for("[data-testid=customer-panel]", WAIT)
                .await?;
            let shown = run.app.text(&panel).await?;
            check(
                shown.contains("138****5678") && !shown.contains("13812345678"),
                format!("the phone must be masked: {shown}"),
            )?;
            run.app
                .screenshot(&screenshots().join("customer-360.png"))
                .await?;

            // One click sends the parcel's tracking to the customer, in the language they write in,
            // through the reply path (once).
            run.click("[data-testid=customer-panel] [data-testid=send-tracking]")
                .await?;
            let sent = run.agent_messages_arrived(&cid).await?;
            check(
                sent.len() == 1
                    && sent[0]["content"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("您的包裹（") && c.contains("最新动态")),
                format!("the tracking must reach the customer once, in Chinese: {sent:?}"),
            )?;

            // The agent's note about the customer: saved by the core as they type, read back from
            // it, and in no file in clear nor in the webview's own storage.
            const NOTE: &str = "只接受下午来电 prefers afternoon calls";
            let box_ = open_notes(run).await?;
            run.app.type_text(&box_, NOTE).await?;
            run.app
                .wait_for("[data-testid=customer-note-status][data-state=idle]", WAIT)
                .await?;
            let stored_in_webview = run
                .app
                .execute(
                    "return Object.keys(localStorage).filter((k) => \
                     (localStorage.getItem(k) || '').includes('afternoon'));",
                )
                .await?;
            check(
                stored_in_webview.as_array().is_some_and(|a| a.is_empty()),
                format!("the note is in the webview's storage: {stored_in_webview}"),
            )?;
            let customer_tab = run.app.wait_for("[data-testid=tab-customer]", WAIT).await?;
            run.app.click(&customer_tab).await?;
            let box_ = open_notes(run).await?;
            let read_back = run
                .app
                .execute_on(&box_, "return arguments[0].value;")
                .await?;
            check(
                read_back.as_str() == Some(NOTE),
                format!("the note read back from the core is {read_back}"),
            )?;
            run.app
                .screenshot(&screenshots().join("customer-notes.png"))
                .await?;
            let in_clear = files_containing(&run._data.0, NOTE.as_bytes());
            check(
                in_clear.is_empty(),
                format!("the note is in clear in {in_clear:?}"),
            )
        })
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn knowledge_suggestions_follow_the_customer_and_anger_is_warned_about() {
    with_app("knowledge-and-mood", |run| {
        Box::pin(async move {
            let cid = run.visitor("王芳", "我买的耳机退款什么时候能到账？").await;
            run.open_session(&cid).await;
            check(
                run.app
                    .find_all("[data-testid=sentiment-warning]")
                    .await?
                    .is_empty(),
                "a calm question raised a warning",
            )?;
            // The Knowledge tab: the platform's articles, synced and indexed on first use.
            let mut knowledge = None;
            for tab in run.app.find_all("[role=tab]").await? {
                if run.app.text(&tab).await?.contains("Knowledge") {
                    knowledge = Some(tab);
                }
            }
            let Some(knowledge) = knowledge else {
                return Err("no Knowledge tab".into());
            };
            run.app.click(&knowledge).await?;
            let first = run
                .app
                .wait_for("[data-testid=kb-suggestion]", WAIT)
                .await?;
            let text = run.app.text(&first).await?;
            check(
                text.contains("耳机退款多久到账"),
                format!("the best suggestion: {text}"),
            )?;
            let marked = run
                .app
                .execute(
                    "return [...document.querySelectorAll('[data-testid=kb-suggestion] mark')].map((m) => m.textContent);",
                )
                .await?;
            check(
                marked.to_string().contains("耳机"),
                format!("matched words are marked: {marked}"),
            )?;
            // The customer loses patience: the conversation warns, with the cues.
            customer_writes(run, &cid, "太慢了！再不处理我就去12315投诉你们！").await?;
            let warning = run
                .app
                .wait_for("[role=alert][data-testid=sentiment-warning]", WAIT)
                .await?;
            let shown = run.app.text(&warning).await?;
            check(shown.contains("12315"), format!("the warning: {shown}"))?;
            // ...and so does its row in the session list.
            run.app
                .wait_for(
                    &format!("[data-testid=session-item][data-session-id='{cid}'] [data-testid=sentiment-warning]"),
                    WAIT,
                )
                .await?;
            run.app
                .screenshot(&screenshots().join("knowledge-and-mood.png"))
                .await?;

            // Another customer, not on screen, turns angry: marked in the list, and the agent is
            // notified once (the notification goes over the session bus).
            let other = run.visitor("李雷", "你好").await;
            run.app
                .wait_for(
                    &format!("[data-testid=session-item][data-session-id='{other}']"),
                    WAIT,
                )
                .await?;
            customer_writes(run, &other, "你们就是骗子，我要找律师起诉你们！").await?;
            run.app
                .wait_for(
                    &format!("[data-testid=session-item][data-session-id='{other}'] [data-testid=sentiment-warning]"),
                    WAIT,
                )
                .await?;
            let log = std::env::var("AGENTDESK_E2E_DBUS_LOG")
                .map_err(|_| "AGENTDESK_E2E_DBUS_LOG is not set: run scripts/e2e.sh")?;
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let seen = std::fs::read_to_string(&log).unwrap_or_default();
                if seen.contains("李雷 情绪激动") || seen.contains("李雷 is getting upset") {
                    return Ok(());
                }
                if tokio::time::Instant::now() > deadline {
                    return Err("no notification about the upset customer on the session bus".into());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    })
    .await;
}

/// Clicks `button` and waits until the draft area has finished (`done`, `partial` or `failed`).
async fn assist_and_wait(run: &Run, button: &str, expected_state: &str) -> Result<String, String> {
    run.click(&format!("[data-testid={button}]:not([disabled])"))
        .await?;
    run.app
        .wait_for(
            &format!("[data-testid=assist-area][data-state={expected_state}]"),
            WAIT,
        )
        .await?;
    run.field_value("assist-text").await
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn the_assistant_drafts_rewrites_translates_and_summarises_and_no_personal_data_leaves() {
    with_app("assistant", |run| {
        Box::pin(async move {
            let cid = run
                .visitor(
                    "李雷",
                    "耳机退款多久到账？我的手机13700001111，邮箱lilei@example.com",
                )
                .await;
            run.open_session(&cid).await;
            run.app
                .wait_for("[data-testid=assistant-status][data-on=true]", WAIT)
                .await?;

            // A draft streams in, grounded in the refund article, with the customer's name back in.
            let draft = assist_and_wait(run, "assist-draft", "done").await?;
            check(
                draft.starts_with("您好，李雷！"),
                format!("the draft: {draft:?}"),
            )?;
            let sources = run
                .app
                .wait_for("[data-testid=assist-sources] cite", WAIT)
                .await?;
            let cited = run.app.text(&sources).await?;
            check(cited.contains("退款"), format!("cited {cited:?}"))?;
            run.app
                .screenshot(&screenshots().join("assistant-draft.png"))
                .await?;
            // Inserted into the reply, never sent by itself.
            run.click("[data-testid=assist-insert]").await?;
            let in_reply = run.field_value("composer").await?;
            check(in_reply == draft, format!("the reply box holds {in_reply}"))?;

            check(
                run.agent_messages(&cid).await?.is_empty(),
                "nothing reaches the customer before the agent sends",
            )?;
            run.click("[data-testid=send-button]").await?;
            run.app
                .wait_for(
                    "[data-testid=message][data-direction=out][data-status=sent]",
                    WAIT,
                )
                .await?;
            let items = run.agent_messages(&cid).await?;
            check(
                items.len() == 1 && items[0]["content"] == draft.as_str(),
                format!("the customer received {items:?}"),
            )?;

            // Rewrite the agent's own reply, more formally: it takes the reply's place.
            let composer = run.app.wait_for("[data-testid=composer]", WAIT).await?;
            run.app.type_text(&composer, "已经发货了").await?;
            let rewritten = assist_and_wait(run, "assist-rewrite-formal", "done").await?;
            check(
                !rewritten.is_empty() && rewritten != "已经发货了",
                format!("rewritten: {rewritten:?}"),
            )?;
            let original = run
                .app
                .wait_for("[data-testid=assist-original]", WAIT)
                .await?;
            check(
                run.app.text(&original).await? == "已经发货了",
                "the original stays beside the rewrite",
            )?;
            run.click("[data-testid=assist-insert]").await?;
            let in_reply = run.field_value("composer").await?;
            check(
                in_reply == rewritten,
                format!("the reply box holds {in_reply}"),
            )?;

            // The agent's reply into the customer's language (Chinese), beside the reply.
            let translated_reply = assist_and_wait(run, "assist-translate-out", "done").await?;
            check(
                !translated_reply.trim().is_empty(),
                "an empty translation of the reply",
            )?;
            let original = run
                .app
                .wait_for("[data-testid=assist-original]", WAIT)
                .await?;
            check(
                run.app.text(&original).await?.trim() == rewritten.trim(),
                "the reply stays beside its translation",
            )?;
            run.click("[data-testid=assist-discard]").await?;

            // The customer's message in the agent's language (English here), beside the original.
            let translated = assist_and_wait(run, "assist-translate-in", "done").await?;
            check(!translated.trim().is_empty(), "an empty translation")?;
            let original = run
                .app
                .wait_for("[data-testid=assist-original]", WAIT)
                .await?;
            let original = run.app.text(&original).await?;
            check(
                original.contains("耳机退款"),
                format!("the original: {original:?}"),
            )?;
            run.click("[data-testid=assist-discard]").await?;

            // The provider cuts the stream: the partial draft is kept, marked, and explained.
            run.set_faults(json!({"llm": {"cut_after_tokens": 4}}))
                .await?;
            let partial = assist_and_wait(run, "assist-draft", "partial").await?;
            check(!partial.is_empty(), "the partial text is kept")?;
            run.app
                .wait_for("[data-testid=assist-partial]", WAIT)
                .await?;
            let problem = run
                .app
                .wait_for("[data-testid=assist-problem]", WAIT)
                .await?;
            let words = run.app.text(&problem).await?;
            check(words.contains("cut off"), format!("the problem: {words:?}"))?;
            run.app
                .screenshot(&screenshots().join("assistant-partial.png"))
                .await?;
            run.set_faults(json!({})).await?;
            run.click("[data-testid=assist-discard]").await?;

            // The summary form filled in for the agent to check.
            run.click("[data-testid=open-summary]").await?;
            run.click("[data-testid=assist-summary]").await?;
            run.app
                .wait_for("[data-testid=assist-summary-filled]", WAIT)
                .await?;
            // The form takes the text as the outcome is rendered: read it until it is there.
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let summary = run.field_value("summary-text").await?;
                if !summary.trim().is_empty() {
                    break;
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(format!("the summary form stayed empty: {summary:?}"));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }

            // None of the customer's personal data reached the provider, in any of the calls.
            let sent = run
                .http
                .get(format!("{}/__sandbox/llm-requests", run.sandbox.base_url()))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .text()
                .await
                .map_err(|e| e.to_string())?;
            check(
                sent.matches("\"path\"").count() >= 6,
                format!("the provider's log: {sent}"),
            )?;
            for personal in ["13700001111", "13812345678", "lilei@example.com", "李雷"] {
                check(
                    !sent.contains(personal),
                    format!("{personal} reached the provider"),
                )?;
            }
            Ok(())
        })
    })
    .await;
}

/// How far the conversation is from its end, in pixels (0 when the newest message is in view at the
/// bottom).
async fn distance_from_end(run: &Run) -> Result<f64, String> {
    let value = run
        .app
        .execute("const h = document.querySelector('.history'); return h.scrollHeight - h.scrollTop - h.clientHeight;")
        .await
        .map_err(|e| e.to_string())?;
    value.as_f64().ok_or_else(|| format!("no history: {value}"))
}

/// Waits until the newest message of the open conversation reads `text`, then says how far the view
/// is from the end once it has settled.
async fn distance_after(run: &Run, text: &str) -> Result<f64, String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    let script = format!(
        "return Array.from(document.querySelectorAll('[data-testid=message] .text')).some((m) => m.textContent === {});",
        serde_json::to_string(text).unwrap()
    );
    loop {
        let shown = run.app.execute(&script).await.map_err(|e| e.to_string())?;
        if shown == Value::Bool(true) {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{text:?} never shown"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    distance_from_end(run).await
}

async fn customer_writes(run: &Run, cid: &str, text: &str) -> Outcome {
    run.http
        .post(format!(
            "{}/__sandbox/visitors/{cid}/messages",
            run.sandbox.base_url()
        ))
        .json(&json!({ "text": text }))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn a_long_conversation_follows_new_messages_unless_the_agent_scrolled_up() {
    with_app("follow", |run| {
        Box::pin(async move {
            run.app
                .wait_for("[data-testid=connection-state].connection-connected", WAIT)
                .await?;
            let first = run.visitor("王芳", "A 0").await;
            let second = run.visitor("李雷", "B 0").await;
            for n in 1..60 {
                customer_writes(run, &first, &format!("A {n}")).await?;
                customer_writes(run, &second, &format!("B {n}")).await?;
            }
            run.open_session(&first).await;
            let opened = distance_after(run, "A 59").await?;
            check(opened < 2.0, format!("opened {opened} px above its end"))?;
            customer_writes(run, &first, "A 60").await?;
            let followed = distance_after(run, "A 60").await?;
            check(
                followed < 2.0,
                format!("a new message left the view {followed} px above the end"),
            )?;

            // The agent reads history: a new message must not pull the view away.
            run.app
                .execute("document.querySelector('.history').scrollTop = 0;")
                .await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            customer_writes(run, &first, "A 61").await?;
            tokio::time::sleep(Duration::from_millis(800)).await;
            let top = run
                .app
                .execute("return document.querySelector('.history').scrollTop;")
                .await?;
            check(
                top.as_f64() == Some(0.0),
                format!("reading history, the view moved to {top}"),
            )?;

            // The next conversation opens at its end, whatever the agent did in this one.
            run.open_session(&second).await;
            let next = distance_after(run, "B 59").await?;
            check(
                next < 2.0,
                format!("the next conversation opened {next} px above its end"),
            )
        })
    })
    .await;
}

/// Waits until the session bus log holds one of `texts` (a desktop notification was sent).
async fn notified(texts: &[&str]) -> Outcome {
    let log = std::env::var("AGENTDESK_E2E_DBUS_LOG")
        .map_err(|_| "AGENTDESK_E2E_DBUS_LOG is not set: run scripts/e2e.sh")?;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let seen = std::fs::read_to_string(&log).unwrap_or_default();
        if texts.iter().any(|t| seen.contains(t)) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "no notification with any of {texts:?} on the session bus"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn the_dashboard_draws_its_charts_and_api_health_raises_and_clears_the_alert() {
    // A 20-second alert window instead of five minutes, so the recovery shows within the test.
    with_app_args(
        "dashboard",
        &["--api-health-window-secs", "20"],
        |run| {
            Box::pin(async move {
                let nav = run.app.wait_for("[data-testid=nav-dashboard]", WAIT).await?;
                run.app.click(&nav).await?;
                run.app.wait_for("[data-testid=dashboard]", WAIT).await?;
                // Every chart drawn on its canvas by ECharts.
                for chart in [
                    "chart-sessions",
                    "chart-outcomes",
                    "chart-first-response",
                    "chart-response-rate",
                    "chart-satisfaction",
                    "chart-status",
                ] {
                    run.app
                        .wait_for(&format!("[data-testid={chart}][data-rendered=true] canvas"), WAIT)
                        .await?;
                }
                let sessions = run.app.wait_for("[data-testid=total-sessions]", WAIT).await?;
                let count: i64 = run.app.text(&sessions).await?.trim().parse().unwrap_or(0);
                check(count > 100, format!("a week of seeded sessions, got {count}"))?;
                let agents = run.app.find_all("[data-testid=dashboard-agent]").await?;
                check(agents.len() >= 5, format!("{} agents listed", agents.len()))?;
                // API health lists the calls the dashboard just made, against the targets.
                let endpoint = run
                    .app
                    .wait_for(
                        "[data-testid=api-health] [data-testid=api-health-endpoint][data-endpoint=human_session]",
                        WAIT,
                    )
                    .await?;
                let row = run.app.text(&endpoint).await?;
                check(row.contains("100%"), format!("a healthy endpoint: {row}"))?;
                run.app
                    .screenshot(&screenshots().join("dashboard.png"))
                    .await?;

                // The sandbox fails 5% of calls: refreshing the figures makes calls until the
                // alert is raised (banner and desktop notification).
                run.set_faults(json!({"error_rate": 0.05, "error_status": 503}))
                    .await?;
                let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
                loop {
                    let raised = run
                        .app
                        .find_all("[data-testid=api-health-alert][data-raised=true]")
                        .await?;
                    if !raised.is_empty() {
                        break;
                    }
                    if tokio::time::Instant::now() > deadline {
                        return Err("no API health alert at 5% failing calls".into());
                    }
                    for button in run.app.find_all(".dashboard-header button").await? {
                        if run.app.text(&button).await?.contains("Refresh") {
                            let _ = run.app.click(&button).await;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                notified(&["接口故障告警", "Platform calls are failing"]).await?;
                let summary = run
                    .app
                    .wait_for("[data-testid=api-health-summary]", WAIT)
                    .await?;
                run.app
                    .screenshot(&screenshots().join("dashboard-api-alert.png"))
                    .await?;
                let _ = summary;

                // The faults stop: once the failures leave the window, the alert clears.
                run.set_faults(json!({})).await?;
                run.app
                    .wait_for(
                        "[data-testid=api-health-alert][data-raised=false]",
                        Duration::from_secs(60),
                    )
                    .await?;
                notified(&["接口已恢复", "Platform calls recovered"]).await
            })
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn the_window_may_call_only_the_apps_own_commands_with_valid_arguments() {
    with_app("ipc-refusals", |run| {
        Box::pin(async move {
            run.app.wait_for("[data-testid=nav-dashboard]", WAIT).await?;
            let results = run
                .app
                .execute(
                    r#"
                    const invoke = window.__TAURI_INTERNALS__.invoke;
                    const attempt = async (cmd, args) => {
                      try { return { ok: await invoke(cmd, args) }; }
                      catch (e) { return { refused: typeof e === 'string' ? e : JSON.stringify(e) }; }
                    };
                    return {
                      appVersion: await attempt('plugin:app|version', {}),
                      windowTitle: await attempt('plugin:window|title', { label: 'main' }),
                      unknown: await attempt('read_any_file', { path: '/etc/passwd' }),
                      wrongType: await attempt('send_text', { sessionId: 'c', text: 42, clientMsgId: 'x' }),
                      badId: await attempt('send_text', { sessionId: 'c', text: 'hi', clientMsgId: '../../etc/passwd' }),
                      granted: await attempt('get_settings', {}),
                    };
                    "#,
                )
                .await?;
            let refused = |key: &str| results[key]["refused"].as_str().unwrap_or_default().to_string();
            // Core plugins the capability does not grant are refused by Tauri's ACL.
            for key in ["appVersion", "windowTitle"] {
                check(
                    refused(key).contains("not allowed"),
                    format!("{key} must be refused by the capability: {}", results[key]),
                )?;
            }
            check(
                !refused("unknown").is_empty(),
                format!("an unknown command must fail: {}", results["unknown"]),
            )?;
            // Arguments are checked: a wrong type by the IPC layer, a bad id by the core.
            check(
                !refused("wrongType").is_empty(),
                format!("a number as text must be refused: {}", results["wrongType"]),
            )?;
            check(
                refused("badId").contains("invalid_input"),
                format!("a path as message id must be refused: {}", results["badId"]),
            )?;
            check(
                results["granted"]["ok"].is_object(),
                format!("an own command works: {}", results["granted"]),
            )
        })
    })
    .await;
}

/// A feed on loopback announcing version 9.9.9, written by the release's own feed script
/// (scripts/update-feed.py) from an artifact signed with `keys` the way Tauri's signer does (the
/// `.sig` file is the minisign signature in base64); `tampered` serves the artifact with one byte
/// changed after signing.
async fn serve_update_feed(keys: &minisign::KeyPair, tampered: bool) -> String {
    use base64::Engine;
    let artifact = b"AgentDesk 9.9.9: the package's bytes".to_vec();
    let signature = minisign::sign(
        Some(&keys.pk),
        &keys.sk,
        std::io::Cursor::new(&artifact),
        Some("version:9.9.9"),
        None,
    )
    .unwrap()
    .to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let release = tempfile_dir::Dir::new(if tampered { "feed-tampered" } else { "feed" });
    let name = "agentdesk_9.9.9_amd64.deb";
    std::fs::write(release.0.join(name), &artifact).unwrap();
    std::fs::write(
        release.0.join(format!("{name}.sig")),
        base64::engine::general_purpose::STANDARD.encode(signature),
    )
    .unwrap();
    let feed = std::process::Command::new("python3")
        .arg(agentdesk_e2e::repo().join("scripts/update-feed.py"))
        .args([
            "--version",
            "9.9.9",
            "--notes",
            "Faster sends",
            "--base-url",
            &base,
        ])
        .arg(release.0.join(name))
        .output()
        .unwrap();
    assert!(
        feed.status.success(),
        "update-feed.py: {}",
        String::from_utf8_lossy(&feed.stderr)
    );
    let feed = String::from_utf8(feed.stdout).unwrap();
    let mut served = artifact.clone();
    if tampered {
        served[0] ^= 0x01;
    }
    let app = axum::Router::new()
        .route(
            "/latest.json",
            axum::routing::get(move || {
                let feed = feed.clone();
                async move { ([("content-type", "application/json")], feed) }
            }),
        )
        .route(
            &format!("/{name}"),
            axum::routing::get(move || {
                let served = served.clone();
                async move { served }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("{base}/latest.json")
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn a_signed_update_is_announced_and_a_tampered_one_is_refused() {
    use base64::Engine;
    let keys = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let pubkey =
        base64::engine::general_purpose::STANDARD.encode(keys.pk.to_box().unwrap().to_string());
    for (tampered, state) in [(false, "ready"), (true, "refused")] {
        let feed = serve_update_feed(&keys, tampered).await;
        let name = format!("update-{state}");
        with_app_args(
            &name,
            &["--update-feed", &feed, "--update-pubkey", &pubkey],
            |run| {
                Box::pin(async move {
                    let banner = run
                        .app
                        .wait_for(
                            &format!("[data-testid=update-banner][data-state={state}]"),
                            WAIT,
                        )
                        .await?;
                    let text = run.app.text(&banner).await?;
                    check(
                        text.contains("9.9.9"),
                        format!("the {state} banner does not name the version: {text:?}"),
                    )?;
                    let other = if state == "ready" { "refused" } else { "ready" };
                    check(
                        run.app
                            .find_all(&format!("[data-testid=update-banner][data-state={other}]"))
                            .await?
                            .is_empty(),
                        format!("a {other} banner shows for a {state} update"),
                    )
                })
            },
        )
        .await;
    }
}

/// A command is written once, in `src-tauri/src/commands.rs`: build.rs derives the handler, the
/// permissions and the capability from it, and the typed client is generated from it (checked by
/// `src-tauri/tests/commands.rs`). What is left to agree is the README: every command documented,
/// nothing documented that is not a command.
#[test]
fn every_command_is_documented_once() {
    use std::collections::BTreeSet;
    let read = |path: &str| std::fs::read_to_string(agentdesk_e2e::repo().join(path)).unwrap();
    let commands: Vec<String> = command_list::read(&read("src-tauri/src/commands.rs"))
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    let readme = read("README.md");
    let from = readme.find("(`ui/src/backend/commands.ts`").unwrap();
    let list = &readme[from..from + readme[from..].find(". Errors arrive").unwrap()];
    let documented: Vec<String> = list
        .split('`')
        .skip(3)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert!(
        commands.len() > 30,
        "the commands were not read: {commands:?}"
    );
    let set = |v: &Vec<String>| v.iter().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        set(&documented).len(),
        documented.len(),
        "the README names a command twice"
    );
    assert_eq!(
        set(&documented),
        set(&commands),
        "the README vs src-tauri/src/commands.rs"
    );
}

#[path = "../../../src-tauri/build/commands.rs"]
mod command_list;

/// A 1×1 PNG: the customer's photo of the damaged parcel.
const PHOTO_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

impl Run {
    async fn held_tickets(&self) -> Result<Vec<Value>, String> {
        sandbox_list(&self.http, &self.sandbox, "tickets", "tickets").await
    }

    /// Chooses `value` in the drop-down with this `data-testid`, as the agent's pick does (the
    /// driver cannot click an option of a native drop-down).
    async fn choose(&self, testid: &str, value: &str) -> Outcome {
        self.app
            .wait_for(&format!("[data-testid={testid}]"), WAIT)
            .await?;
        self.app
            .execute(&format!(
                "const s = document.querySelector('[data-testid={testid}]');
                 Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set.call(s, '{value}');
                 s.dispatchEvent(new Event('change', {{ bubbles: true }}));
                 return s.value;"
            ))
            .await
            .map(drop)
    }

    /// Waits until the text of `css` satisfies `wanted`.
    async fn text_until(&self, css: &str, wanted: impl Fn(&str) -> bool) -> Result<String, String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(element) = self.app.wait_for(css, Duration::from_secs(1)).await {
                let text = self.app.text(&element).await.unwrap_or_default();
                if wanted(&text) {
                    return Ok(text);
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(format!("{css} says {text:?}"));
                }
            } else if tokio::time::Instant::now() > deadline {
                return Err(format!("no {css}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn a_ticket_with_the_customer_s_photo_is_created_once_listed_and_solved_by_a_reply() {
    with_app("ticket", |run| {
        Box::pin(async move {
            run.app
                .wait_for("[data-testid=connection-state].connection-connected", WAIT)
                .await?;
            let cid = run.visitor("王芳", "快递到了但是坏了，我要退款").await;
            run.http
                .post(format!(
                    "{}/__sandbox/visitors/{cid}/messages",
                    run.sandbox.base_url()
                ))
                .json(&json!({"image_base64": PHOTO_PNG}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            run.open_session(&cid).await;
            let deadline = tokio::time::Instant::now() + WAIT;
            while run
                .app
                .find_all("[data-testid=message][data-direction=in]")
                .await?
                .len()
                < 2
            {
                check(tokio::time::Instant::now() < deadline, "the photo did not arrive")?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }

            // Ctrl+Shift+T opens the dialog on the open session.
            run.app
                .execute(
                    "window.dispatchEvent(new KeyboardEvent('keydown', {key: 'T', ctrlKey: true, shiftKey: true})); return null;",
                )
                .await?;
            run.app.wait_for("[data-testid=ticket-dialog]", WAIT).await?;
            run.click("[data-testid=ticket-category-T110]").await?;
            run.app
                .wait_for("[data-testid=ticket-field-F1]", WAIT)
                .await?;
            run.click("[data-testid=ticket-image-0]").await?;
            // The order number is required: named before anything is sent.
            run.click("[data-testid=ticket-submit]").await?;
            run.text_until(".ticket-dialog [role=alert]", |t| t.contains("订单号"))
                .await?;
            check(
                run.held_tickets().await?.is_empty(),
                "nothing may be sent while a required field is empty",
            )?;

            let order = run.app.wait_for("[data-testid=ticket-field-F1]", WAIT).await?;
            run.app.type_text(&order, "8812").await?;
            run.choose("ticket-field-F2", "1").await?;
            run.click("[data-testid=ticket-submit]").await?;
            run.app
                .wait_for("[data-testid=ticket-state][data-state=created]", WAIT)
                .await?;
            let number = run
                .text_until("[data-testid=ticket-number]", |t| t.starts_with("GD"))
                .await?;
            let held = run.held_tickets().await?;
            check(held.len() == 1, format!("one ticket: {held:?}"))?;
            check(
                held[0]["number"] == number.as_str() && held[0]["cid"] == cid.as_str(),
                format!("the ticket of the session: {}", held[0]),
            )?;
            check(
                held[0]["attachments"].as_array().map(Vec::len) == Some(1),
                format!("with the photo: {}", held[0]),
            )?;
            run.app
                .screenshot(&screenshots().join("ticket-created.png"))
                .await?;
            run.click("[data-testid=ticket-close]").await?;

            // In the 360° view with its number; a reply that solves it changes its status.
            run.click(&format!("[data-testid='ticket-{number}']")).await?;
            let reply = run.app.wait_for("[data-testid=ticket-reply]", WAIT).await?;
            run.app.type_text(&reply, "已为您办理退款").await?;
            run.choose("ticket-reply-status", "3").await?;
            // Sobot changes level and assignee only with a reply: both go with this one.
            run.app
                .wait_for("[data-testid=ticket-reply-assignee] option:nth-child(2)", WAIT)
                .await?;
            let agent = run
                .app
                .execute("return document.querySelector('[data-testid=ticket-reply-assignee]').options[1].value;")
                .await?;
            run.choose("ticket-reply-assignee", agent.as_str().unwrap_or_default())
                .await?;
            run.choose("ticket-reply-level", "3").await?;
            run.click("[data-testid=ticket-reply-send]").await?;
            run.app
                .wait_for("[data-testid=ticket-detail-status][data-status='3']", WAIT)
                .await?;
            run.app
                .wait_for(
                    &format!("[data-testid='ticket-status-{number}'][data-status='3']"),
                    WAIT,
                )
                .await?;
            let held = run.held_tickets().await?;
            check(
                held[0]["status"] == "3" && held[0]["replies"].as_array().map(Vec::len) == Some(1),
                format!("solved with the reply: {}", held[0]),
            )?;
            check(
                held[0]["level"] == 3 && held[0]["assignee"].as_str().is_some_and(|a| !a.is_empty()),
                format!("raised and reassigned with the reply: {}", held[0]),
            )?;
            run.app
                .screenshot(&screenshots().join("ticket-solved.png"))
                .await
        })
    })
    .await;
}

impl Run {
    /// The payments the sandbox's Alipay and WeChat Pay hold (`GET /__sandbox/payments`).
    async fn held_payments(&self) -> Result<Vec<Value>, String> {
        sandbox_list(&self.http, &self.sandbox, "payments", "orders").await
    }
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn a_payment_link_is_sent_paid_in_the_sandbox_and_shown_paid() {
    with_app("payment-link", |run| {
        Box::pin(async move {
            let cid = run.visitor("王芳", "耳机延保怎么付款？").await;
            run.open_session(&cid).await;
            run.click("[data-testid=open-payment]").await?;
            let amount = run
                .app
                .wait_for("[data-testid=payment-amount]", WAIT)
                .await?;
            run.app.type_text(&amount, "12.34").await?;
            let subject = run
                .app
                .wait_for("[data-testid=payment-subject]", WAIT)
                .await?;
            run.app.type_text(&subject, "耳机延保一年").await?;
            run.click("[data-testid=payment-submit]").await?;

            // The link reaches the customer once, in the language they write in.
            run.app
                .wait_for("[data-testid=payment-link][data-state=waiting]", WAIT)
                .await?;
            let sent = run.agent_messages_arrived(&cid).await?;
            check(
                sent.len() == 1
                    && sent[0]["content"].as_str().is_some_and(|c| {
                        c.starts_with("请在 30 分钟内支付 ¥12.34（耳机延保一年）：http")
                    }),
                format!("the link must reach the customer once, in Chinese: {sent:?}"),
            )?;
            let held = run.held_payments().await?;
            check(
                held.len() == 1,
                format!("one order at the payment system: {held:?}"),
            )?;
            let number = held[0]["out_trade_no"]
                .as_str()
                .ok_or("an order without its number")?
                .to_string();

            // Paid on the customer's phone (the sandbox's control): the conversation shows it
            // paid and the agent is told on the desktop.
            let paid = run
                .http
                .post(format!(
                    "{}/__sandbox/payments/{number}/pay",
                    run.sandbox.base_url()
                ))
                .json(&json!({}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            check(
                paid.status().is_success(),
                format!("the sandbox refused to pay: {}", paid.status()),
            )?;
            run.app
                .wait_for("[data-testid=payment-link][data-state=paid]", WAIT)
                .await?;
            run.text_until("[data-testid=payment-state]", |t| {
                t == "已付款" || t == "Paid"
            })
            .await?;
            run.app
                .screenshot(&screenshots().join("payment-link-paid.png"))
                .await?;
            notified(&["王芳 已付款", "王芳 paid"]).await
        })
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn a_voice_message_is_shown_with_its_words_and_a_knowledge_suggestion_from_them() {
    with_app("voice-message", |run| {
        Box::pin(async move {
            let cid = run.visitor("王芳", "你好").await;
            run.open_session(&cid).await;
            // The customer asks by voice (Sobot's msgType 2, {duration, url}; 8 kHz WAV).
            let sent: Value = run
                .http
                .post(format!(
                    "{}/__sandbox/visitors/{cid}/messages",
                    run.sandbox.base_url()
                ))
                .json(&json!({"voice": "我买的耳机退款什么时候能到账"}))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            check(sent["url"].is_string(), format!("no voice message: {sent}"))?;
            let words = run
                .text_until("[data-testid=voice-transcript]", |t| {
                    t == "我买的耳机退款什么时候能到账"
                })
                .await?;
            // The Knowledge tab follows the spoken question as if typed.
            let mut knowledge = None;
            for tab in run.app.find_all("[role=tab]").await? {
                if run.app.text(&tab).await?.contains("Knowledge") {
                    knowledge = Some(tab);
                }
            }
            let Some(knowledge) = knowledge else {
                return Err("no Knowledge tab".into());
            };
            run.app.click(&knowledge).await?;
            run.text_until("[data-testid=kb-suggestion]", |t| {
                t.contains("耳机退款多久到账")
            })
            .await?;
            // The audio plays from the app (WAV plays in the webview).
            run.click("[data-testid=voice-play]").await?;
            run.app.wait_for("[data-testid=voice-audio]", WAIT).await?;
            // The webview read the audio (its length known), not refused it (the CSP lets `data:`
            // media in).
            let deadline = tokio::time::Instant::now() + WAIT;
            let loaded = loop {
                let state = run
                    .app
                    .execute(
                        "const a = document.querySelector('[data-testid=voice-audio]'); \
                         return {error: a.error ? a.error.code : null, duration: a.duration || 0};",
                    )
                    .await?;
                if state["duration"].as_f64().unwrap_or(0.0) > 0.0
                    || !state["error"].is_null()
                    || tokio::time::Instant::now() > deadline
                {
                    break state;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            };
            run.app
                .screenshot(&screenshots().join("voice-message.png"))
                .await?;
            check(
                loaded["error"].is_null() && loaded["duration"].as_f64().unwrap_or(0.0) > 1.0,
                format!("the voice message did not load in the webview: {loaded}"),
            )?;
            check(!words.is_empty(), "no words")
        })
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn the_merchants_form_is_sent_and_the_customers_submission_shows_in_the_360_view() {
    with_app("form-submission", |run| {
        Box::pin(async move {
            let cid = run.visitor("王芳", "耳机坏了，我要退货").await;
            run.open_session(&cid).await;
            run.click("[data-testid=customer-panel] [data-testid=send-form]")
                .await?;
            // The form's link reaches the customer once, tagged with this session.
            let sent = run.agent_messages_arrived(&cid).await?;
            let content = sent
                .first()
                .and_then(|m| m["content"].as_str())
                .unwrap_or_default()
                .to_string();
            check(
                sent.len() == 1
                    && content.starts_with("请填写表单（售后申请）：")
                    && content.ends_with(&format!("?x_field_1={cid}")),
                format!("the form link must reach the customer once, tagged: {sent:?}"),
            )?;
            let token = content
                .split("/f/")
                .nth(1)
                .and_then(|rest| rest.split('?').next())
                .ok_or("no form token in the link")?
                .to_string();
            // The customer fills it in (through the link: tagged with the session).
            let submitted = run
                .http
                .post(format!(
                    "{}/__sandbox/forms/{token}/entries",
                    run.sandbox.base_url()
                ))
                .json(&json!({"field_1": "退货", "field_2": "13812345678",
                    "field_3": "左耳没有声音", "x_field_1": cid}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            check(
                submitted.status().is_success(),
                format!("the sandbox refused the submission: {}", submitted.status()),
            )?;
            // Followed while the session is open: it shows with the form's labels, the phone masked.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            let shown = loop {
                let found = run
                    .app
                    .find_all("[data-testid=customer-panel] [data-testid=form-submission]")
                    .await?;
                if let Some(first) = found.first() {
                    break run.app.text(first).await?;
                }
                if tokio::time::Instant::now() > deadline {
                    return Err("the submission never showed in the 360° view".into());
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            };
            run.app
                .screenshot(&screenshots().join("form-submission.png"))
                .await?;
            check(
                shown.contains("问题类型")
                    && shown.contains("退货")
                    && shown.contains("左耳没有声音")
                    && shown.contains("138****5678")
                    && !shown.contains("13812345678"),
                format!("the submission as shown: {shown}"),
            )
        })
    })
    .await;
}

/// The notes the sandbox's order system holds (`GET /__sandbox/service-notes`).
async fn service_notes(http: &reqwest::Client, sandbox: &Sandbox) -> Result<Vec<Value>, String> {
    sandbox_list(http, sandbox, "service-notes", "notes").await
}

/// The list `field` of the sandbox's control `GET /__sandbox/{path}`.
async fn sandbox_list(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    path: &str,
    field: &str,
) -> Result<Vec<Value>, String> {
    let answer: Value = http
        .get(format!("{}/__sandbox/{path}", sandbox.base_url()))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    Ok(answer[field].as_array().cloned().unwrap_or_default())
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run scripts/e2e.sh"]
async fn the_service_summary_is_written_back_once_after_the_app_is_killed_mid_delivery() {
    let sandbox = Sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        SandboxConfig {
            seed: 11,
            ..SandboxConfig::default()
        },
    )
    .await
    .unwrap();
    let data = tempfile_dir::Dir::new("write-back");
    let args = vec![
        "--sandbox-url".to_string(),
        sandbox.base_url().to_string(),
        "--data-dir".to_string(),
        data.0.display().to_string(),
    ];
    let http = reqwest::Client::new();
    let mut app = WebDriver::launch(&driver_url(), &app_binary(), &args)
        .await
        .unwrap();
    let outcome: Outcome = async {
        let visitor: Value = http
            .post(format!("{}/__sandbox/visitors", sandbox.base_url()))
            .json(&json!({"name": "王芳", "text": "耳机左耳没声音", "phone": "13812345678"}))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let cid = visitor["cid"].as_str().ok_or("no cid")?.to_string();
        let item = app
            .wait_for(
                &format!("[data-testid=session-item][data-session-id='{cid}']"),
                WAIT,
            )
            .await?;
        app.click(&item).await?;
        app.wait_for(
            "[data-testid=customer-panel] [data-testid=order-item]",
            WAIT,
        )
        .await?;
        // The order system answers the write-back only after 8 s: it is in flight when the app
        // is killed.
        http.post(format!("{}/__sandbox/faults", sandbox.base_url()))
            .json(&json!({"sources": {"/oms/v1/service-notes/": {"latency_ms": 8000}}}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let open = app.wait_for("[data-testid=open-summary]", WAIT).await?;
        app.click(&open).await?;
        let text = app.wait_for("[data-testid=summary-text]", WAIT).await?;
        app.type_text(&text, "左耳无声，已安排换货").await?;
        let submit = app.wait_for("[data-testid=summary-submit]", WAIT).await?;
        app.click(&submit).await?;
        // The summary is at the platform once its dialog closes; the write-back leaves at once.
        let deadline = tokio::time::Instant::now() + WAIT;
        while !app.find_all("[data-testid=summary-text]").await?.is_empty() {
            if tokio::time::Instant::now() > deadline {
                return Err("the summary was not submitted".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        check(
            service_notes(&http, &sandbox).await?.is_empty(),
            "the note arrived before the kill",
        )?;
        let killed = std::process::Command::new("pkill")
            .args(["-KILL", "-f", &format!("data-dir {}", data.0.display())])
            .status()
            .map_err(|e| format!("pkill: {e}"))?;
        check(killed.success(), "the app was not running to be killed")?;
        Ok(())
    }
    .await;
    app.quit().await;
    if let Err(message) = outcome {
        sandbox.shutdown().await;
        panic!("{message}");
    }

    // Started again on the same data: the write-back that was out is sent again, and the order
    // system holds one note for the service.
    http.post(format!("{}/__sandbox/faults", sandbox.base_url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    app = WebDriver::launch(&driver_url(), &app_binary(), &args)
        .await
        .unwrap();
    let outcome: Outcome = async {
        app.wait_for("[data-testid=session-item]", WAIT).await?;
        let deadline = tokio::time::Instant::now() + WAIT;
        let notes = loop {
            let notes = service_notes(&http, &sandbox).await?;
            if !notes.is_empty() || tokio::time::Instant::now() > deadline {
                break notes;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        // Settled: nothing more arrives.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let settled = service_notes(&http, &sandbox).await?;
        check(
            notes.len() == 1 && settled.len() == 1,
            format!("one note for the service: {settled:?}"),
        )?;
        check(
            settled[0]["note"]["summary"] == "左耳无声，已安排换货"
                && settled[0]["note"]["customer"] == "王芳",
            format!("the note: {settled:?}"),
        )?;
        // The killed try may or may not have reached the system; the resend is the same note.
        let requests = settled[0]["requests"].as_u64().unwrap_or(0);
        check(
            (1..=2).contains(&requests),
            format!("{requests} requests wrote the note"),
        )
    }
    .await;
    if outcome.is_err() {
        let _ = app
            .screenshot(&screenshots().join("write-back-failure.png"))
            .await;
    }
    app.quit().await;
    sandbox.shutdown().await;
    if let Err(message) = outcome {
        panic!("{message}");
    }
}
