//! Load generation for soak runs and benchmarks: `POST /__sandbox/load` opens N sessions on one agent
//! and has their visitors write at a fixed total rate for a fixed time. Every message text is unique
//! (`load <cid> #<n>`), and every k-th asks for a reply (`[reply]`), so a soak can count exactly what
//! was pushed, stored and answered.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::wire::bad_request;
use crate::SandboxState;

pub const REPLY_MARKER: &str = "[reply]";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadPlan {
    pub agent_email: Option<String>,
    pub sessions: usize,
    pub messages_per_second: f64,
    pub seconds: f64,
    #[serde(default)]
    pub reply_every: u64,
}

pub async fn start(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let plan: LoadPlan = match serde_json::from_slice(&body) {
        Ok(plan) => plan,
        Err(e) => return bad_request(format!("invalid JSON body: {e}")),
    };
    if plan.sessions == 0
        || plan.sessions > 100_000
        || plan.messages_per_second <= 0.0
        || plan.seconds <= 0.0
    {
        return bad_request("sessions must be 1–100000, messages_per_second and seconds positive");
    }
    let cids = {
        let mut world = state.world();
        if world.counters.load_running {
            return bad_request("a load run is already in progress");
        }
        let index = match &plan.agent_email {
            Some(email) => match world
                .agents
                .iter()
                .position(|a| a.email.eq_ignore_ascii_case(email))
            {
                Some(index) => index,
                None => return bad_request(format!("no agent with e-mail {email}")),
            },
            None => 0,
        };
        world.agents[index].max_count = world.agents[index].max_count.max(plan.sessions + 50);
        let mut cids = Vec::with_capacity(plan.sessions);
        for n in 0..plan.sessions {
            let partnerid = world.next_id("load-");
            let (_, cid, _) = world.connect_visitor(
                &partnerid,
                &format!("Load visitor {n}"),
                None,
                0,
                Some(index),
                None,
            );
            cids.push(cid);
        }
        world.counters.load_running = true;
        cids
    };
    let planned = (plan.messages_per_second * plan.seconds).round() as u64;
    tokio::spawn(generate(state, cids.clone(), plan));
    Json(json!({"sessions": cids, "planned_messages": planned})).into_response()
}

async fn generate(state: Arc<SandboxState>, cids: Vec<String>, plan: LoadPlan) {
    let started = Instant::now();
    let total = (plan.messages_per_second * plan.seconds).round() as u64;
    let mut sent: u64 = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while sent < total {
        tick.tick().await;
        let due = ((started.elapsed().as_secs_f64() * plan.messages_per_second) as u64).min(total);
        let mut world = state.world();
        while sent < due {
            let cid = &cids[(sent as usize) % cids.len()];
            let wants_reply = plan.reply_every > 0 && sent.is_multiple_of(plan.reply_every);
            let text = format!(
                "load {cid} #{sent}{}",
                if wants_reply {
                    format!(" {REPLY_MARKER}")
                } else {
                    String::new()
                }
            );
            if world.visitor_message(cid, &text, 0).is_ok() {
                world.counters.load_messages += 1;
            }
            sent += 1;
        }
    }
    state.world().counters.load_running = false;
}
