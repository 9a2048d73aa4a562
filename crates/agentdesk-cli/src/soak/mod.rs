//! `agentdesk-cli soak`: drives the real engine against the sandbox with visitors writing and the
//! agent answering, optionally under chaos (5xx/429 bursts, latency spikes, dropped sockets,
//! duplicated and reordered pushes, expired and superseded tokens) and SIGKILL, then counts from the
//! sandbox's and the database's own records, not from the engine's opinion of itself.

pub mod child;

use child::ChildReport;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use agentdesk_api::{demo_sandbox, Workspace};
use agentdesk_domain::Direction;
use agentdesk_engine::LatencyHistogram;
use agentdesk_sandbox::{ReadyInfo, SandboxConfig};
use agentdesk_store::{Database, QueuedText, Store};
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::process::Child;

use crate::responder::REPLY_MARKER;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FaultMode {
    None,
    Chaos,
}

#[derive(Args)]
pub struct SoakArgs {
    /// An external sandbox (default: start one in-process).
    #[arg(long)]
    sandbox_url: Option<String>,
    #[arg(long, value_enum, default_value = "none")]
    faults: FaultMode,
    /// Concurrent visitor sessions.
    #[arg(long, default_value_t = 50)]
    sessions: usize,
    /// How long visitors write.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Run the engine as a child process and SIGKILL it this often (seconds).
    #[arg(long)]
    kill_every: Option<f64>,
    /// Total visitor messages per second.
    #[arg(long, default_value_t = 2000.0)]
    rate: f64,
    /// Every k-th visitor message asks for a reply.
    #[arg(long, default_value_t = 10)]
    reply_every: u64,
    /// Keep the engine's database here (default: a temporary directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// How long to wait for everything to arrive after the load ends.
    #[arg(long, default_value_t = 60.0)]
    drain_seconds: f64,
    /// Make the platform answer the agent's sends in one session this many milliseconds late (the
    /// sandbox's `slow_sessions` fault); `reply_p99_ms` then shows whether the other sessions' replies
    /// waited for it.
    #[arg(long)]
    slow_session_ms: Option<u64>,
}

/// Talks to the sandbox's `/__sandbox/` controls.
#[derive(Clone)]
struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self
            .http
            .post(format!("{}/__sandbox{path}", self.base))
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("sandbox {path}: HTTP {status}: {value}");
        }
        Ok(value)
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(format!("{}/__sandbox{path}", self.base))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }
}

/// An agent message as the platform stored it (`/__sandbox/agent-messages`, in storing order).
#[derive(Deserialize)]
struct AgentMessage {
    cid: String,
    content: String,
    /// When the platform stored it (epoch ms).
    t: i64,
    /// Stored but hidden from the customer (a sensitive word).
    #[serde(rename = "userNoSee", default)]
    user_no_see: bool,
}

enum EngineRun {
    InProcess(std::sync::Arc<Workspace>),
    Child {
        child: Child,
        /// Its latest report (none before its first).
        reports: tokio::sync::watch::Receiver<Option<ChildReport>>,
    },
}

impl EngineRun {
    /// Takes note of the engine's reports so far: `settled_since_mark` only trusts a later one.
    fn mark(&mut self) {
        if let EngineRun::Child { reports, .. } = self {
            reports.mark_unchanged();
        }
    }

    /// Whether the engine, in a report made after the last `mark`, has connected and has no
    /// catch-up due or running: nothing it knew of then can still move a stored message.
    fn settled_since_mark(&mut self) -> bool {
        match self {
            EngineRun::InProcess(workspace) => ChildReport::of(&workspace.engine().stats()).settled,
            EngineRun::Child { reports, .. } => {
                reports.has_changed().unwrap_or(false)
                    && reports
                        .borrow_and_update()
                        .as_ref()
                        .is_some_and(|report| report.settled)
            }
        }
    }
}

pub async fn run(args: SoakArgs) -> anyhow::Result<i32> {
    if args.sessions == 0 || args.seconds <= 0.0 || args.rate <= 0.0 {
        bail!("--sessions, --seconds and --rate must be positive");
    }
    if args.kill_every.is_some_and(|k| k < 0.2) {
        bail!("--kill-every must be at least 0.2 seconds");
    }
    let sandbox = demo_sandbox(
        args.sandbox_url.clone(),
        SandboxConfig {
            seed: args.seed,
            ..SandboxConfig::default()
        },
    )
    .await?;
    let info = sandbox.info.clone();
    let control = Control {
        http: reqwest::Client::new(),
        base: info.base_url.clone(),
    };
    let temp = tempfile::tempdir()?;
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    let database_path = Store::database_path(&data_dir, "soak", "sandbox");
    // The database is encrypted as the app's is (a key for this run, registered here for the final
    // checks and handed to each engine process on its stdin).
    let database_key = agentdesk_store::DatabaseKey::generate();
    let database = Database::encrypted(database_path.clone(), database_key.clone());
    let engines = Engines {
        current: start_engine(&args, &info, &data_dir, &database_key).await?,
        merged: LatencyHistogram::default(),
        kills: 0,
    };
    wait_connected(&control).await?;

    let load = start_load(&control, &args, &info).await?;
    let chaos = (args.faults == FaultMode::Chaos)
        .then(|| tokio::spawn(chaos(control.clone(), load.steady_faults.clone())));
    let mut engines =
        run_while_loading(&control, engines, &args, &info, &data_dir, &database_key).await?;
    if let Some(chaos) = chaos {
        chaos.abort();
        control.post("/faults", load.steady_faults.clone()).await?;
    }

    let drained = drain(
        &control,
        &database,
        &mut engines.current,
        &args,
        load.started,
    )
    .await?;
    stop(engines.current, &mut engines.merged).await;
    let counted = count(&control, &database, &load, &drained).await?;
    let mut figures = counted.figures(&args, &load, &drained, &engines.merged);
    // SQLCipher leaves no plain SQLite header on disk.
    figures["encrypted_on_disk"] = json!(std::fs::read(&database_path)
        .map(|bytes| !bytes.starts_with(b"SQLite format 3"))
        .unwrap_or(false));
    if args.kill_every.is_some() {
        figures["kills"] = json!(engines.kills);
    }
    let sandbox_stats = control.get("/stats").await?;
    figures["sandbox"] = json!({
        "pushes_duplicated": sandbox_stats["pushes_duplicated"], "pushes_reordered": sandbox_stats["pushes_reordered"],
        "sockets_dropped": sandbox_stats["sockets_dropped"], "injected_errors": sandbox_stats["injected_errors"],
        "tokens_issued": sandbox_stats["tokens_issued"], "logins": sandbox_stats["logins"],
        "history_queries": sandbox_stats["history_queries"],
    });
    // How often the engine read a session's records per customer message: a real platform may
    // throttle a desk that reads often (issue 28: at most 0.2 at 500 sessions writing twice a second).
    let visitor_messages = sandbox_stats["visitor_messages"].as_u64().unwrap_or(0);
    let history_reads = sandbox_stats["history_queries"].as_u64().unwrap_or(0);
    figures["history_reads_per_message"] = json!(if visitor_messages == 0 {
        0.0
    } else {
        (history_reads as f64 / visitor_messages as f64 * 1000.0).round() / 1000.0
    });
    println!("{figures}");
    sandbox.shutdown().await;
    Ok(if counted.clean() { 0 } else { 1 })
}

/// Waits for the load to end, killing and restarting the engine on `--kill-every`'s schedule.
async fn run_while_loading(
    control: &Control,
    mut engines: Engines,
    args: &SoakArgs,
    info: &ReadyInfo,
    data_dir: &Path,
    database_key: &agentdesk_store::DatabaseKey,
) -> anyhow::Result<Engines> {
    let mut next_kill = args
        .kill_every
        .map(|k| Instant::now() + Duration::from_secs_f64(k));
    while control.get("/stats").await?["load_running"]
        .as_bool()
        .unwrap_or(false)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Some(at) = next_kill.filter(|at| Instant::now() >= *at) {
            engines.current = restart(
                engines.current,
                &mut engines.merged,
                args,
                info,
                data_dir,
                database_key,
            )
            .await?;
            engines.kills += 1;
            next_kill = Some(at + Duration::from_secs_f64(args.kill_every.unwrap_or(1.0)));
        }
    }
    Ok(engines)
}

/// The engine of the run (restarted after each kill) and what its runs measured together.
struct Engines {
    current: EngineRun,
    merged: LatencyHistogram,
    kills: u64,
}

/// The load the sandbox was asked for.
struct Load {
    started: Instant,
    planned: u64,
    /// The session whose replies the platform answers late, and by how much (ms).
    slow_session: Option<(String, u64)>,
    /// The faults that hold for the whole run (the slow session), under any chaos.
    steady_faults: Value,
}

/// Starts the visitors writing, and the slow session's fault if one was asked for (the first load
/// session, from its first reply on).
async fn start_load(control: &Control, args: &SoakArgs, info: &ReadyInfo) -> anyhow::Result<Load> {
    let agent = info.agents.first().context("the sandbox has no agents")?;
    let started = Instant::now();
    let load = control
        .post(
            "/load",
            json!({"agent_email": agent.email, "sessions": args.sessions, "messages_per_second": args.rate,
                   "seconds": args.seconds, "reply_every": args.reply_every}),
        )
        .await?;
    let slow_session = match args.slow_session_ms {
        Some(ms) => Some((
            load["sessions"][0]
                .as_str()
                .context("the sandbox's load started no session")?
                .to_string(),
            ms,
        )),
        None => None,
    };
    let steady_faults = match &slow_session {
        Some((cid, ms)) => json!({"slow_sessions": {cid.clone(): ms}}),
        None => json!({}),
    };
    if slow_session.is_some() {
        control.post("/faults", steady_faults.clone()).await?;
    }
    Ok(Load {
        started,
        planned: load["planned_messages"].as_u64().unwrap_or(0),
        slow_session,
        steady_faults,
    })
}

/// What the load pushed and when the engine had stored it all.
struct Drained {
    pushed: u64,
    expected_replies: u64,
    /// Seconds from the load's start until every pushed message was stored (else until the drain ended).
    elapsed_s: f64,
}

/// Waits until everything pushed is stored, every question answered on the platform, the outbox
/// empty and the engine settled (its catch-ups may still move messages to the platform's exact
/// times), or `--drain-seconds` passed.
async fn drain(
    control: &Control,
    database: &Database,
    engine: &mut EngineRun,
    args: &SoakArgs,
    load_started: Instant,
) -> anyhow::Result<Drained> {
    let pushed = control.get("/stats").await?["load_messages"]
        .as_u64()
        .unwrap_or(0);
    let expected_replies = if args.reply_every == 0 {
        0
    } else {
        pushed.div_ceil(args.reply_every)
    };
    let deadline = Instant::now() + Duration::from_secs_f64(args.drain_seconds);
    let mut all_stored_at = None;
    let mut complete_seen = false;
    loop {
        let stored = count_inbound(database).unwrap_or(0);
        if stored >= pushed && all_stored_at.is_none() {
            all_stored_at = Some(load_started.elapsed());
        }
        let replies = control.get("/stats").await?["agent_messages"]
            .as_u64()
            .unwrap_or(0);
        let depth = database
            .open_read_only()
            .and_then(|s| s.outbox_depth())
            .unwrap_or(u64::MAX);
        let complete = stored >= pushed && replies >= expected_replies && depth == 0;
        // The engine must say it is settled in a report made after all this was seen.
        let mut settled = false;
        if complete && complete_seen {
            settled = engine.settled_since_mark();
            if settled {
                break;
            }
        } else {
            engine.mark();
        }
        complete_seen = complete;
        if Instant::now() > deadline {
            eprintln!("soak: drain timed out: stored {stored}/{pushed}, replies {replies}/{expected_replies}, outbox {depth}, engine settled: {settled}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Drained {
        pushed,
        expected_replies,
        elapsed_s: all_stored_at
            .unwrap_or_else(|| load_started.elapsed())
            .as_secs_f64(),
    })
}

/// What the database and the platform hold at the end, counted from their own records.
struct Counted {
    integrity: String,
    stored: u64,
    sent: u64,
    platform_received: u64,
    shown_twice: u64,
    lost: u64,
    order: OrderReport,
    platform_out_of_order: u64,
    reply_times: LatencyHistogram,
    /// The slow session's replies, when there was one.
    slow_times: Option<LatencyHistogram>,
}

impl Counted {
    fn duplicated(&self) -> u64 {
        self.order.duplicated_texts + self.shown_twice
    }

    fn out_of_order(&self) -> u64 {
        self.order.out_of_order + self.platform_out_of_order
    }

    fn clean(&self) -> bool {
        self.lost == 0
            && self.duplicated() == 0
            && self.out_of_order() == 0
            && self.integrity == "ok"
    }

    fn figures(
        &self,
        args: &SoakArgs,
        load: &Load,
        drained: &Drained,
        merged: &LatencyHistogram,
    ) -> Value {
        let mut figures = json!({
            "pushed": drained.pushed,
            "planned": load.planned,
            "stored": self.stored,
            "sent": self.sent,
            "platform_received": self.platform_received,
            "shown_twice_to_customers": self.shown_twice,
            "lost": self.lost,
            "duplicated": self.duplicated(),
            "out_of_order": self.out_of_order(),
            "out_of_order_detail": {"stored": self.order.out_of_order, "replies": self.platform_out_of_order},
            "msgs_per_s": (self.stored as f64 / drained.elapsed_s.max(0.001)).round(),
            "p99_ms": (merged.quantile_ms(0.99) * 100.0).round() / 100.0,
            "p50_ms": (merged.quantile_ms(0.5) * 100.0).round() / 100.0,
            "latency_samples": merged.count(),
            // A reply from queued on this machine to stored by the platform, the slow session left out.
            "reply_p99_ms": quantile(&self.reply_times, 0.99),
            "reply_p50_ms": quantile(&self.reply_times, 0.5),
            "reply_samples": self.reply_times.count(),
            "integrity": self.integrity,
            "faults": if args.faults == FaultMode::Chaos { "chaos" } else { "none" },
            "sessions": args.sessions,
            "rate": args.rate,
        });
        if let (Some((cid, ms)), Some(slow_times)) = (&load.slow_session, &self.slow_times) {
            figures["slow_session"] = json!({"cid": cid, "delay_ms": ms,
                "replies": slow_times.count(), "reply_p50_ms": quantile(slow_times, 0.5)});
        }
        figures
    }
}

/// Counts losses, duplicates and order from the database and the platform's stored replies.
async fn count(
    control: &Control,
    database: &Database,
    load: &Load,
    drained: &Drained,
) -> anyhow::Result<Counted> {
    let store = database.open_read_only()?;
    let integrity = match store.integrity_check() {
        Ok(()) => "ok".to_string(),
        Err(error) => error.to_string(),
    };
    let order = order_report(&store.texts_in_order()?);
    let inbound_texts: HashSet<String> = store.message_texts(Direction::In)?.into_iter().collect();
    let stored = inbound_texts.len() as u64;
    let sent = store.message_texts(Direction::Out)?.len() as u64;
    let platform: Vec<AgentMessage> =
        serde_json::from_value(control.get("/agent-messages").await?["items"].take())?;
    // What the customers saw: the stored replies not hidden from them. A text twice in a session is
    // a reply shown twice.
    let seen: Vec<&AgentMessage> = platform.iter().filter(|m| !m.user_no_see).collect();
    let platform_texts: HashSet<&str> = seen.iter().map(|m| m.content.as_str()).collect();
    let shown_twice = seen.len() as u64 - platform_texts.len() as u64;
    let queued = store.queued_texts()?;
    let slow_cid = load.slow_session.as_ref().map(|(cid, _)| cid.as_str());
    // Every stored question must have its answer on the platform, and the platform must hold as
    // many answers as questions were generated.
    let unanswered = inbound_texts
        .iter()
        .filter(|t| {
            t.contains(REPLY_MARKER)
                && !platform_texts.contains(crate::responder::reply_text(t).as_str())
        })
        .count() as u64;
    let lost = drained.pushed.saturating_sub(stored)
        + drained
            .expected_replies
            .saturating_sub(platform_texts.len() as u64)
            .max(unanswered);
    let slow_times = slow_cid.map(|cid| {
        let slow: Vec<&AgentMessage> = seen.iter().copied().filter(|m| m.cid == cid).collect();
        reply_latencies(&slow, &queued, None)
    });
    Ok(Counted {
        integrity,
        stored,
        sent,
        platform_received: seen.len() as u64,
        shown_twice,
        lost,
        order,
        platform_out_of_order: reply_order_violations(&seen, &queued),
        reply_times: reply_latencies(&seen, &queued, slow_cid),
        slow_times,
    })
}

/// The chaos schedule on top of the steady faults: a latency spike, then superseded and expired
/// tokens, then a 5xx/429 burst, round and round.
async fn chaos(control: Control, base: Value) {
    let mut steady = json!({"error_rate": 0.02, "duplicate_push_rate": 0.02, "reorder_push_rate": 0.02, "drop_socket_rate": 0.0005});
    if let (Some(steady), Some(base)) = (steady.as_object_mut(), base.as_object()) {
        steady.extend(base.clone());
    }
    let _ = control.post("/faults", steady.clone()).await;
    let mut round = 0u64;
    loop {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let mut faults = steady.clone();
        match round % 4 {
            0 => faults["latency_ms"] = json!(250),
            1 => faults["expire_tokens"] = json!(true),
            2 => faults["error_rate"] = json!(0.3),
            _ => {}
        }
        let _ = control.post("/faults", faults).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = control.post("/faults", steady.clone()).await;
        round += 1;
    }
}

/// The load number `#n` in a generated text.
fn load_number(text: &str) -> Option<u64> {
    text.split('#')
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Times a number in `numbers` (one session's, in order) is lower than one before it.
fn descents(numbers: &[u64]) -> u64 {
    let mut highest = None;
    let mut count = 0;
    for &n in numbers {
        if highest.is_some_and(|h| n < h) {
            count += 1;
        }
        highest = highest.max(Some(n));
    }
    count
}

/// Replies reach the customer in the order the agent wrote them: within a session, the platform's
/// storing order must follow the order they were queued in (the outbox's).
fn reply_order_violations(platform: &[&AgentMessage], queued: &[QueuedText]) -> u64 {
    let position: HashMap<(&str, &str), u64> = queued
        .iter()
        .enumerate()
        .map(|(i, q)| ((q.session_id.as_str(), q.content.as_str()), i as u64))
        .collect();
    let mut by_session: HashMap<&str, Vec<u64>> = HashMap::new();
    for message in platform {
        if let Some(at) = position.get(&(message.cid.as_str(), message.content.as_str())) {
            by_session
                .entry(message.cid.as_str())
                .or_default()
                .push(*at);
        }
    }
    by_session.values().map(|order| descents(order)).sum()
}

/// The `q` quantile of `times` in whole ms, or None without samples (null in the JSON).
fn quantile(times: &LatencyHistogram, q: f64) -> Option<f64> {
    (times.count() > 0).then(|| times.quantile_ms(q).round())
}

/// How long each reply took from queued (this machine's outbox) to stored (the platform's record),
/// leaving out the session `except`.
fn reply_latencies(
    platform: &[&AgentMessage],
    queued: &[QueuedText],
    except: Option<&str>,
) -> LatencyHistogram {
    let queued_at: HashMap<(&str, &str), i64> = queued
        .iter()
        .map(|q| ((q.session_id.as_str(), q.content.as_str()), q.queued_at_ms))
        .collect();
    let mut times = LatencyHistogram::default();
    for m in platform.iter().filter(|m| except != Some(m.cid.as_str())) {
        if let Some(at) = queued_at.get(&(m.cid.as_str(), m.content.as_str())) {
            times.record_us((m.t - at).max(0) as u64 * 1000);
        }
    }
    times
}

struct OrderReport {
    /// Customer messages shown after a later one of the same customer.
    out_of_order: u64,
    /// Customer texts stored more than once in a session (every generated text is unique).
    duplicated_texts: u64,
}

/// Order and duplication of the stored customer messages, in the order the window shows them.
fn order_report(in_order: &[agentdesk_store::OrderedText]) -> OrderReport {
    let mut numbers: HashMap<&str, Vec<u64>> = HashMap::new();
    let mut texts: HashSet<(&str, &str)> = HashSet::new();
    let mut duplicated_texts = 0;
    for message in in_order.iter().filter(|m| m.direction == Direction::In) {
        if !texts.insert((message.session_id.as_str(), message.content.as_str())) {
            duplicated_texts += 1;
        }
        if let Some(number) = load_number(&message.content) {
            numbers
                .entry(message.session_id.as_str())
                .or_default()
                .push(number);
        }
    }
    OrderReport {
        out_of_order: numbers.values().map(|n| descents(n)).sum(),
        duplicated_texts,
    }
}

fn count_inbound(database: &Database) -> Result<u64, agentdesk_store::StoreError> {
    database.open_read_only()?.count_messages(Direction::In)
}

async fn wait_connected(control: &Control) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = control.get("/stats").await?;
        if stats["agents_online"].as_u64().unwrap_or(0) > 0
            && stats["push_connections"].as_u64().unwrap_or(0) > 0
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the engine did not connect to the sandbox within 20 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The soak's workspace on the sandbox: its own database (`accounts/soak/sandbox.sqlite3`), no
/// workbench around it (nobody listens to its bus).
pub(crate) async fn soak_workspace(
    data_dir: std::path::PathBuf,
    credentials: agentdesk_sobot::AgentCredentials,
    database_key: agentdesk_store::DatabaseKey,
) -> anyhow::Result<std::sync::Arc<Workspace>> {
    let bus = agentdesk_api::Bus::new();
    bus.show(1);
    Ok(Workspace::open(agentdesk_api::WorkspaceOptions {
        data_dir,
        account: "soak".into(),
        database_id: "sandbox".into(),
        tenant_id: "sandbox".into(),
        tenant_name: "Sandbox".into(),
        credentials,
        agent_name: "Soak agent".into(),
        mode: agentdesk_api::WorkspaceMode::Demo,
        database_key: Some(database_key),
        clock: agentdesk_domain::system_clock(),
        ledger: agentdesk_http::CallLedger::new(),
        publisher: bus.publisher(1),
        on_connection: None,
    })
    .await?)
}

async fn start_engine(
    args: &SoakArgs,
    info: &ReadyInfo,
    data_dir: &Path,
    database_key: &agentdesk_store::DatabaseKey,
) -> anyhow::Result<EngineRun> {
    let agent = info.agents.first().context("the sandbox has no agents")?;
    if args.kill_every.is_none() {
        let workspace = soak_workspace(
            data_dir.to_path_buf(),
            agentdesk_sobot::AgentCredentials {
                base_url: info.base_url.clone(),
                appid: info.appid.clone(),
                app_key: agentdesk_domain::Secret::new(info.app_key.clone()),
                email: agent.email.clone(),
                password: Some(agentdesk_domain::Secret::new(agent.password.clone())),
            },
            database_key.clone(),
        )
        .await?;
        let engine = workspace.engine().clone();
        let database = workspace.database().clone();
        tokio::spawn(async move { crate::responder::run(engine, &database).await });
        return Ok(EngineRun::InProcess(workspace));
    }
    let mut child = crate::own_command()?
        .arg("soak-engine")
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the engine process")?;
    let credentials = child::ChildCredentials {
        base_url: info.base_url.clone(),
        appid: info.appid.clone(),
        app_key: info.app_key.clone(),
        email: agent.email.clone(),
        password: agent.password.clone(),
        database_key: database_key.to_hex(),
    };
    let mut stdin = child.stdin.take().context("engine stdin")?;
    stdin
        .write_all(format!("{}\n", serde_json::to_string(&credentials)?).as_bytes())
        .await?;
    drop(stdin);
    let stdout = child.stdout.take().context("engine stdout")?;
    let (tx, reports) = tokio::sync::watch::channel(None);
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(report) = serde_json::from_str::<ChildReport>(&line) {
                let _ = tx.send(Some(report));
            }
        }
    });
    Ok(EngineRun::Child { child, reports })
}

async fn stop(engine: EngineRun, merged: &mut LatencyHistogram) {
    match engine {
        EngineRun::InProcess(workspace) => {
            merged.merge(&workspace.engine().stats().push_to_event);
            workspace.close().await;
        }
        EngineRun::Child { mut child, reports } => {
            // SIGKILL: the engine gets no chance to flush or say goodbye.
            let _ = child.start_kill();
            let _ = child.wait().await;
            if let Some(report) = reports.borrow().as_ref() {
                merged.merge(&report.push_to_event);
            }
        }
    }
}

async fn restart(
    engine: EngineRun,
    merged: &mut LatencyHistogram,
    args: &SoakArgs,
    info: &ReadyInfo,
    data_dir: &Path,
    database_key: &agentdesk_store::DatabaseKey,
) -> anyhow::Result<EngineRun> {
    stop(engine, merged).await;
    start_engine(args, info, data_dir, database_key).await
}
