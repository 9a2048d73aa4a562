//! Simulated customers for the demo: they arrive at the configured rate on various channels while an
//! agent is online, ask realistic Chinese and English questions (some angry; some by voice message),
//! show typing, answer the agent, nudge when left waiting, pay the payment links the agent sends
//! them, and finally thank, rate and leave.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::Rng;
use tokio::sync::watch;

use crate::seed::{self, Language};
use crate::world::{SessionPhase, SimulatedVisitor};
use crate::SandboxState;

const TICK: Duration = Duration::from_millis(250);
/// How long a visitor waits for the agent before nudging.
const PATIENCE: Duration = Duration::from_secs(45);
/// The share of a customer's later lines they say by voice message (Chinese customers send voice
/// all day; the first line stays typed, so the queue shows what they came about).
const VOICE_SHARE: f64 = 0.2;
/// How long a customer takes to pay a link the agent sent (every link is paid: a customer asked for
/// it, and the demo shows the whole way to "paid").
const PAYING_TAKES: Duration = Duration::from_secs(6);

pub async fn run(state: Arc<SandboxState>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    // Arrivals owed to each tenant (by position), accumulated per tick at the configured rate.
    let mut arrivals_due: Vec<f64> = Vec::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        let rate = state.config.visitors_per_minute;
        for (index, tenant) in state.tenants().iter().enumerate() {
            if arrivals_due.len() <= index {
                arrivals_due.resize(index + 1, 0.0);
            }
            let mut world = crate::lock(tenant);
            if rate > 0.0 && world.profile.enabled && world.any_agent_online() {
                arrivals_due[index] += rate * TICK.as_secs_f64() / 60.0;
                while arrivals_due[index] >= 1.0 {
                    arrivals_due[index] -= 1.0;
                    arrive(&mut world);
                }
            }
            act(&state, &mut world);
        }
    }
}

/// Customers already waiting when a tenant's agents first sign in (the non-demo tenants' history).
pub(crate) fn seed_waiting_customers(world: &mut crate::world::World, count: usize) {
    for _ in 0..count {
        arrive(world);
    }
}

fn arrive(world: &mut crate::world::World) {
    let language = if world.rng.gen_bool(0.6) {
        Language::Chinese
    } else {
        Language::English
    };
    let name = seed::visitor_name(&mut world.rng, language);
    let phone = seed::phone(&mut world.rng);
    // The order they ask about is their newest in the shop's order book.
    let order_no = crate::shop::order_number(&phone, 0);
    let script = seed::script(&mut world.rng, language, &order_no);
    let source = *seed::CHANNELS.choose(&mut world.rng).unwrap_or(&0);
    let partnerid = world.next_id("sim-");
    // Half the customers have been here before, on another channel, days ago.
    if world.rng.gen_bool(0.5) {
        let visits = world.rng.gen_range(1..=2);
        for visit in 0..visits {
            let channel = *seed::CHANNELS.choose(&mut world.rng).unwrap_or(&1);
            let days_ago = world.rng.gen_range(2..40) + 30 * visit;
            let exchange = seed::past_exchange(&mut world.rng, language);
            world.record_past_session(
                &partnerid,
                &name,
                Some(phone.clone()),
                channel,
                crate::world::now_ms() - days_ago * 86_400_000,
                exchange,
            );
        }
    }
    let first = script.lines.first().cloned().unwrap_or_default();
    let simulated = SimulatedVisitor {
        script,
        next_line: 1,
        waiting_for_agent_since: None,
        act_at: None,
        nudged: false,
        invited_to_rate: false,
        paying: None,
        links_seen: Default::default(),
    };
    let (status, cid, _) = world.connect_visitor(
        &partnerid,
        &name,
        Some(phone),
        source,
        None,
        Some(simulated),
    );
    if status >= 0 {
        let _ = world.visitor_message(&cid, &first, 0);
    }
}

enum Action {
    Say(String),
    /// A line said by voice message.
    SayByVoice(String),
    Pay(String),
    Nudge(String),
    Close {
        line: String,
        score: u8,
    },
    RateNow(u8),
    Typing,
}

fn act(state: &SandboxState, world: &mut crate::world::World) {
    let now = Instant::now();
    let mut actions = Vec::new();
    for (cid, session) in world.sessions.iter_mut() {
        if session.phase != SessionPhase::Active {
            continue;
        }
        let Some(sim) = session.simulated.as_mut() else {
            continue;
        };
        // A payment link from the agent: paid a few seconds later.
        match &sim.paying {
            Some((number, at)) if now >= *at => {
                actions.push((cid.clone(), Action::Pay(number.clone())));
                sim.paying = None;
                continue;
            }
            Some(_) => {}
            None => {
                let sent: Vec<(bool, &str, i64)> = session
                    .records
                    .iter()
                    .filter(|r| {
                        r.sender_type == Some(agentdesk_sobot::protocol::sender_type::AGENT)
                    })
                    .map(|r| {
                        (
                            r.msg_type == Some(1),
                            r.content.as_deref().unwrap_or_default(),
                            r.t.unwrap_or_default(),
                        )
                    })
                    .collect();
                if let Some(number) = crate::payments::offered_order(state, &sent, &sim.links_seen)
                {
                    sim.links_seen.insert(number.clone());
                    sim.paying = Some((number, now + PAYING_TAKES));
                }
            }
        }
        if sim.invited_to_rate && session.rating.is_none() {
            sim.invited_to_rate = false;
            let score = if sim.script.angry { 2 } else { 5 };
            actions.push((cid.clone(), Action::RateNow(score)));
            continue;
        }
        match (sim.waiting_for_agent_since, sim.act_at) {
            // The agent answered: think, show typing, then reply.
            (None, None) => {
                sim.act_at = Some(now + Duration::from_millis(1500 + (cid.len() as u64 % 7) * 400));
                actions.push((cid.clone(), Action::Typing));
            }
            (None, Some(at)) if now >= at => {
                sim.act_at = None;
                let language = sim.script.language;
                if sim.next_line < sim.script.lines.len() {
                    let line = sim.script.lines[sim.next_line].clone();
                    sim.next_line += 1;
                    if world.rng.gen_bool(VOICE_SHARE) {
                        actions.push((cid.clone(), Action::SayByVoice(line)));
                    } else {
                        actions.push((cid.clone(), Action::Say(line)));
                    }
                } else {
                    let score = if sim.script.angry { 2 } else { 5 };
                    actions.push((
                        cid.clone(),
                        Action::Close {
                            line: seed::closing_line(language, sim.script.angry).into(),
                            score,
                        },
                    ));
                }
            }
            (Some(since), _) if !sim.nudged && now.duration_since(since) > PATIENCE => {
                sim.nudged = true;
                sim.script.angry = sim.script.angry || sim.script.lines.len() > 2;
                actions.push((
                    cid.clone(),
                    Action::Nudge(
                        seed::impatient_line(sim.script.language, sim.script.angry).into(),
                    ),
                ));
            }
            _ => {}
        }
    }
    for (cid, action) in actions {
        match action {
            Action::Say(line) | Action::Nudge(line) => {
                let _ = world.visitor_message(&cid, &line, 0);
            }
            Action::SayByVoice(line) => {
                let audio = crate::asr::record_speech(state, &line, None);
                let seconds = (audio.len().saturating_sub(44) as f64 / 16000.0).round() as u64;
                let id = world.next_id("f");
                world.files.insert(id.clone(), ("audio/wav".into(), audio));
                let url = format!("/__sandbox/files/{id}/voice.wav");
                let _ = world.visitor_voice(&cid, &url, &format!("{seconds}\""));
            }
            Action::Pay(number) => {
                if crate::payments::pay_now(state, &number) {
                    let language = world
                        .sessions
                        .get(&cid)
                        .and_then(|s| s.simulated.as_ref())
                        .map(|sim| sim.script.language);
                    if let Some(language) = language {
                        let _ = world.visitor_message(&cid, seed::paid_line(language), 0);
                    }
                }
            }
            Action::Typing => world.typing(&cid),
            Action::RateNow(score) => {
                let _ = world.rate(&cid, score);
            }
            Action::Close { line, score } => {
                let _ = world.visitor_message(&cid, &line, 0);
                let _ = world.rate(&cid, score);
                let _ = world.end_session(&cid, true);
            }
        }
    }
}
