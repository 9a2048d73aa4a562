//! `agentdesk-cli bench-customer`: figures for the 360° view against the embedded sandbox: a cached
//! view, a cold fan-out next to its slowest source, and a view while one source hangs. Prints one
//! JSON line; BENCHMARKS.md records the figures.

use std::time::{Duration, Instant};

use agentdesk_api::{CardState, Workbench};
use agentdesk_sandbox::SandboxConfig;
use anyhow::{bail, Context};
use clap::Args;
use serde_json::{json, Value};

#[derive(Args)]
pub struct BenchCustomerArgs {
    /// Customers to measure (each a fresh visitor; the sandbox's agent serves at most 50 at once,
    /// and one more joins for the hung-source measurement).
    #[arg(long, default_value_t = 40)]
    customers: usize,
    /// Latency added to the order system's calls for the cold fan-out measurement (ms).
    #[arg(long, default_value_t = 200)]
    slow_source_ms: u64,
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(index).copied().unwrap_or(0.0)
}

async fn post(url: String, body: Value) -> anyhow::Result<Value> {
    Ok(reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await?
        .json()
        .await?)
}

pub async fn run(args: BenchCustomerArgs) -> anyhow::Result<i32> {
    if !(1..=49).contains(&args.customers) {
        bail!("--customers must be 1–49 (the sandbox's agent serves at most 50 sessions)");
    }
    let dir = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let workbench = Workbench::start_demo(
        dir.path().to_path_buf(),
        agentdesk_api::DemoOptions::embedded(SandboxConfig::default()),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let sandbox = workbench.sandbox_url().to_string();
    let mut sessions = Vec::new();
    for index in 0..args.customers {
        let phone = format!("138{:08}", index);
        let name = format!("Customer {index}");
        sessions.push(open_session(&sandbox, &name, &format!("bench-{index}"), &phone).await?);
    }
    wait_for_sessions(&workbench, &sessions).await?;

    // Cold fan-out with one slow source (the order system): the view should take the slow
    // source's time plus the sequential stages (identity, then the sources, then parcels), and
    // little more.
    post(
        format!("{sandbox}/__sandbox/faults"),
        json!({"sources": {"/oms/v1/orders": {"latency_ms": args.slow_source_ms}}}),
    )
    .await?;
    let (mut cold, mut overhead) = cold_views(&workbench, &sandbox, &sessions).await?;
    post(format!("{sandbox}/__sandbox/faults"), json!({})).await?;

    // The same views from the cache.
    let mut cached = Vec::new();
    for cid in &sessions {
        let started = Instant::now();
        let view = workbench
            .customers()
            .customer_view(cid, false)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        cached.push(started.elapsed().as_secs_f64() * 1000.0);
        if view.orders.value.is_none() || view.history.value.is_none() {
            bail!("a cached view without orders or past sessions");
        }
    }

    // One source hung (3 s): the view comes back after that source's timeout, not the 3 s.
    let fresh_cid = open_session(&sandbox, "Hung", "bench-hung", "13800000000").await?;
    wait_for_sessions(&workbench, std::slice::from_ref(&fresh_cid)).await?;
    post(
        format!("{sandbox}/__sandbox/faults"),
        json!({"sources": {"/qiyu-crm/get_user_info": {"latency_ms": 3000}}}),
    )
    .await?;
    let started = Instant::now();
    let hung = workbench
        .customers()
        .customer_view(&fresh_cid, true)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let hung_ms = started.elapsed().as_secs_f64() * 1000.0;
    post(format!("{sandbox}/__sandbox/faults"), json!({})).await?;
    workbench.shutdown().await;

    let figures = json!({
        "bench": "customer_view",
        "customers": sessions.len(),
        "cached_view_ms": {"p50": percentile(&mut cached, 0.5), "p99": percentile(&mut cached, 0.99), "max": percentile(&mut cached, 1.0)},
        "cold_view_with_slow_source_ms": {"slow_source_ms": args.slow_source_ms, "p50": percentile(&mut cold, 0.5), "p99": percentile(&mut cold, 0.99)},
        "cold_overhead_over_the_slow_source_alone_ms": {"p50": percentile(&mut overhead, 0.5), "p99": percentile(&mut overhead, 0.99)},
        "hung_profile_source": {"view_ms": hung_ms, "timeout_ms": 800, "profile_state": hung.profile.state, "orders_state": hung.orders.state, "record_state": hung.record.state},
    });
    println!("{figures}");
    Ok(0)
}

/// A visitor writes in; the session's id.
async fn open_session(
    sandbox: &str,
    name: &str,
    partnerid: &str,
    phone: &str,
) -> anyhow::Result<String> {
    let visitor = post(
        format!("{sandbox}/__sandbox/visitors"),
        json!({"name": name, "text": "where is my parcel?", "partnerid": partnerid, "phone": phone}),
    )
    .await?;
    Ok(visitor["cid"].as_str().context("no cid")?.to_string())
}

/// Waits (30 s at most) until the workbench holds every one of `sessions`.
async fn wait_for_sessions(workbench: &Workbench, sessions: &[String]) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let held = workbench
            .snapshot()
            .await
            .map(|s| {
                sessions
                    .iter()
                    .all(|cid| s.sessions.iter().any(|x| &x.session.id == cid))
            })
            .unwrap_or(false);
        if held {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the sessions did not arrive");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Each customer's view with nothing cached, and how much longer it took than the slow source
/// on its own, called as the view calls it (customers with three orders need two pages, so two
/// slowed calls).
async fn cold_views(
    workbench: &Workbench,
    sandbox: &str,
    sessions: &[String],
) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let ready: agentdesk_sandbox::ReadyInfo = reqwest::get(format!("{sandbox}/__sandbox/ready"))
        .await?
        .json()
        .await?;
    let orders_alone =
        agentdesk_connectors::rest::config::parse(&agentdesk_api::demo_connector_file(&ready))
            .and_then(|config| {
                agentdesk_connectors::source::Connector::from_config(
                    config,
                    Some(agentdesk_domain::Secret::new(ready.shop.oms_key.clone())),
                    &agentdesk_http::HttpContext::unrecorded(),
                )
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut cold = Vec::new();
    let mut overhead = Vec::new();
    for (index, cid) in sessions.iter().enumerate() {
        let who = agentdesk_connectors::rest::Lookup {
            phone: Some(format!("138{:08}", index)),
            ..Default::default()
        };
        let source_started = Instant::now();
        orders_alone
            .orders(&who)
            .await
            .map_err(|e| anyhow::anyhow!("the order source: {e}"))?;
        let source_ms = source_started.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        let view = workbench
            .customers()
            .customer_view(cid, true)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let view_ms = started.elapsed().as_secs_f64() * 1000.0;
        cold.push(view_ms);
        overhead.push(view_ms - source_ms);
        if view.orders.state != CardState::Fresh {
            bail!("a cold view without fresh orders: {:?}", view.orders);
        }
    }
    Ok((cold, overhead))
}
