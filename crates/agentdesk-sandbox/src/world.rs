//! The sandbox platform's state and the operations on it, independent of HTTP. One `World` behind a
//! std `Mutex`: every operation is short and never awaits while holding it (pushes go into
//! unbounded per-connection channels), so a std mutex is cheaper than tokio's and cannot deadlock
//! across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use agentdesk_sobot::protocol::frames::{Frame, FrameType};
use agentdesk_sobot::protocol::{format_platform_time, push_type, sender_type};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::faults::Faults;
use crate::history::ServedSession;
pub use crate::seed::TenantProfile;
use crate::seed::{self, KbArticle, Language, Script};

/// The simulated platform's own time: the wall clock, as the real platform's servers have it.
pub fn now_ms() -> i64 {
    use agentdesk_domain::Clock as _;
    agentdesk_domain::SystemClock.now().as_i64()
}

/// What the push task of one agent connection is told to do.
#[derive(Debug)]
pub enum PushOut {
    /// One encoded frame.
    Frame(Vec<u8>),
    /// Hold this frame back and send it after the next one (reorder fault).
    FrameOutOfOrder(Vec<u8>),
    /// Raw bytes as they are, framed or not (hostile-input tests).
    Raw(Vec<u8>),
    /// Close the socket (dropped-socket fault, kick, or superseded connection).
    Close,
}

/// One record of a session as the platform stores it; sent to clients as a `ChatMessageModel`
/// (`chat_message_json`) and, on the open platform, as a `get_detail_by_cid` item.
#[derive(Debug, Clone, Default)]
pub struct SandboxRecord {
    pub cid: Option<String>,
    pub msg_id: Option<String>,
    /// 0 visitor, 1 robot, 2 agent.
    pub sender_type: Option<i64>,
    /// The visitor's uid or the agent's id.
    pub sender: Option<String>,
    pub sender_name: Option<String>,
    /// 0 text, 1 image, 3 video (the SDK's send values); others as the display enum.
    pub msg_type: Option<i64>,
    pub content: Option<String>,
    /// Epoch ms; strictly increasing within a session (see docs/PROTOCOL.md).
    pub t: Option<i64>,
    /// A sensitive-word message: stored, never shown to the visitor.
    pub user_no_see: bool,
    pub revoked: bool,
    /// A voice message's length as the visitor SDK sends it (opaque text, business-actions.md §3.3).
    pub voice_duration: Option<String>,
}

impl SandboxRecord {
    /// `message.content` as the agent SDK reads it: text, or for a voice message (`msgType` "2")
    /// the object `{duration, url}` (sobot-agent-protocol.md §1.3).
    pub fn message_content(&self) -> Value {
        let content = self.content.clone().unwrap_or_default();
        match &self.voice_duration {
            Some(duration) if self.msg_type == Some(2) => {
                json!({"duration": duration, "url": content})
            }
            _ => Value::String(content),
        }
    }

    /// The record as the agent SDK's `ChatMessageModel` (fact sheet §1.3): ids and times as text,
    /// the text in `msg` and in `message.content`.
    pub fn chat_message_json(&self) -> Value {
        let t = self.t.unwrap_or_default();
        let content = self.content.clone().unwrap_or_default();
        let msg_type = self.msg_type.unwrap_or(0);
        json!({
            "id": self.msg_id, "cid": self.cid, "sender": self.sender, "senderName": self.sender_name,
            "senderFace": "", "t": t.to_string(), "ts": format_platform_time(t), "msg": content,
            "receiver": "", "receiverName": "", "offlineType": "", "msgId": self.msg_id, "sdkMsg": "",
            "title": "", "action": agentdesk_sobot::protocol::ACTION_CHAT,
            "senderType": self.sender_type.unwrap_or(0), "msgType": msg_type, "status": 0,
            "revokeFlag": i64::from(self.revoked), "userNoSeeFlag": i64::from(self.user_no_see),
            "message": {"msgType": msg_type.to_string(), "content": self.message_content()},
        })
    }
}

pub struct AgentAccount {
    pub id: String,
    pub email: String,
    pub password: String,
    pub name: String,
    pub group_id: String,
    /// 0 offline, 1 online, 2–7 busy with reason.
    pub status: i64,
    pub max_count: usize,
    pub temp_id: Option<String>,
    pub puid: String,
    /// 客服昵称 (the e-commerce platform API's `nick` / `serviceNick`).
    pub nick: String,
    /// 5555 工单客服, 2222 在线管理员, 1111 在线客服, 8888 工单管理员.
    pub role_id: String,
    pub phone: String,
    /// Whether the agent activated their e-mail (editing a non-activated agent is refused).
    pub activated: bool,
    /// Status changes for `getStaffLogInfos`: (ms, source 0 pc / 2 app, 在线 / 忙碌 / 离线).
    pub status_log: Vec<(i64, i64, String)>,
    /// Deleted through the tenant API: kept (indices stay stable) but invisible and unable to sign in.
    pub deleted: bool,
}

impl AgentAccount {
    pub fn new(
        id: String,
        email: String,
        password: String,
        name: String,
        group_id: String,
    ) -> AgentAccount {
        AgentAccount {
            puid: format!("pu{id}"),
            id,
            email,
            password,
            nick: name
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string(),
            name,
            group_id,
            status: 0,
            max_count: 50,
            temp_id: None,
            role_id: "1111".into(),
            phone: String::new(),
            activated: true,
            status_log: Vec::new(),
            deleted: false,
        }
    }

    fn log_status(&mut self, status: i64) {
        let action = match status {
            0 => "离线",
            1 => "在线",
            _ => "忙碌",
        };
        self.status_log.push((now_ms(), 0, action.to_string()));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPhase {
    Queued,
    Active,
    Ended,
}

pub struct SimulatedVisitor {
    pub script: Script,
    pub next_line: usize,
    pub waiting_for_agent_since: Option<Instant>,
    pub act_at: Option<Instant>,
    pub nudged: bool,
    pub invited_to_rate: bool,
    /// A payment link the agent sent that this customer will pay, and when.
    pub paying: Option<(String, Instant)>,
    /// Payment links this customer has been sent (and paid, or is paying).
    pub links_seen: std::collections::HashSet<String>,
}

pub struct SandboxSession {
    pub cid: String,
    pub uid: String,
    pub partnerid: String,
    pub visitor_name: String,
    pub phone: Option<String>,
    pub source: i64,
    pub agent: Option<usize>,
    pub phase: SessionPhase,
    pub started_ms: i64,
    pub records: Vec<SandboxRecord>,
    pub rating: Option<u8>,
    pub summary: Option<serde_json::Value>,
    pub simulated: Option<SimulatedVisitor>,
}

/// Who a session's visitor is, as the platform first hears of them.
pub struct Visitor<'a> {
    pub partnerid: &'a str,
    pub name: &'a str,
    pub phone: Option<String>,
    pub source: i64,
}

impl SandboxSession {
    /// A session with nobody assigned yet, its visitor named, in `phase` from `started_ms`.
    fn new(
        cid: &str,
        uid: String,
        visitor: Visitor<'_>,
        phase: SessionPhase,
        started_ms: i64,
    ) -> SandboxSession {
        SandboxSession {
            cid: cid.to_string(),
            uid,
            partnerid: visitor.partnerid.to_string(),
            visitor_name: visitor.name.to_string(),
            phone: visitor.phone,
            source: visitor.source,
            agent: None,
            phase,
            started_ms,
            records: Vec::new(),
            rating: None,
            summary: None,
            simulated: None,
        }
    }

    /// The time of a new record: now, or just after the session's last record if the clock has not
    /// moved on, so records of one session never share a millisecond.
    pub fn next_t(&self) -> i64 {
        let last = self.records.last().and_then(|r| r.t).unwrap_or(0);
        now_ms().max(last + 1)
    }
}

/// One message the agent side sent, as the platform stored it, in the order it was stored.
#[derive(Debug, Clone, Serialize)]
pub struct AgentSentRecord {
    pub cid: String,
    #[serde(rename = "msgId")]
    pub msg_id: String,
    pub content: String,
    /// Hidden from the visitor (a sensitive word): never reached the customer.
    #[serde(rename = "userNoSee")]
    pub user_no_see: bool,
    #[serde(rename = "msgType")]
    pub msg_type: i64,
    pub agent_email: String,
    pub t: i64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counters {
    pub tokens_issued: u64,
    pub logins: u64,
    pub push_connections: u64,
    pub visitor_messages: u64,
    pub agent_messages: u64,
    /// Agent sends refused for a sensitive word (`200032`).
    pub sensitive_refused: u64,
    /// `queryHistoryRecords` calls (the client's catch-ups and send checks).
    pub history_queries: u64,
    pub pushes_sent: u64,
    pub pushes_duplicated: u64,
    pub pushes_reordered: u64,
    pub sockets_dropped: u64,
    pub receipts: u64,
    pub injected_errors: u64,
    pub load_messages: u64,
    pub load_running: bool,
}

/// The union platform's super-administrator: signs in to every tenant as its 在线管理员.
pub const SUPERVISOR_EMAIL: &str = "supervisor@sandbox.agentdesk.test";

fn supervisor_agent(rng: &mut ChaCha8Rng, index: usize) -> AgentAccount {
    let mut agent = AgentAccount::new(
        format!("a{:04}", index + 1),
        SUPERVISOR_EMAIL.into(),
        format!("pw-{}", seed::hex_token(rng, 12)),
        "主管 Supervisor".into(),
        seed::GROUPS[0].0.to_string(),
    );
    agent.role_id = "2222".into();
    agent
}

pub struct IssuedToken {
    pub appid: String,
    pub expires_at: Instant,
}

pub struct World {
    pub rng: ChaCha8Rng,
    pub profile: TenantProfile,
    pub appid: String,
    pub app_key: String,
    pub company_id: String,
    pub union_code: String,
    pub union_key: String,
    pub supervisor_email: String,
    pub token_lifetime: Duration,
    pub tokens: HashMap<String, IssuedToken>,
    pub current_token: HashMap<String, String>,
    pub agents: Vec<AgentAccount>,
    pub logins: HashMap<String, usize>,
    pub sessions: HashMap<String, SandboxSession>,
    pub session_order: Vec<String>,
    pub active_by_partner: HashMap<String, String>,
    pub uid_by_partner: HashMap<String, String>,
    pub queue: VecDeque<String>,
    pub agent_log: Vec<AgentSentRecord>,
    pub push_links: HashMap<usize, (u64, mpsc::UnboundedSender<PushOut>)>,
    pub faults: Faults,
    pub kb: Vec<KbArticle>,
    pub files: HashMap<String, (String, Vec<u8>)>,
    pub counters: Counters,
    /// Sessions served before the sandbox started (see `history`).
    pub history: Vec<crate::history::ServedSession>,
    next_id: u64,
    /// Part of every id this tenant makes (empty for the demo tenant), so ids never collide across
    /// tenants, as the platform's globally unique ids do not.
    id_tag: String,
}

#[derive(Debug)]
pub enum OpError {
    /// A Sobot-style business error: (code, message).
    Code(&'static str, String),
}

impl World {
    /// The demo tenant, with the seeded agents and the supervisor as its online administrator.
    pub fn new(mut rng: ChaCha8Rng, token_lifetime: Duration) -> World {
        let mut agents: Vec<AgentAccount> = seed::agents(&mut rng)
            .into_iter()
            .map(|a| AgentAccount::new(a.id, a.email, a.password, a.name, a.group_id))
            .collect();
        agents.push(supervisor_agent(&mut rng, agents.len()));
        World::with_profile(rng, token_lifetime, seed::home_tenant(), agents)
    }

    /// Another tenant of the union platform: its own appid, app key, agents and customers.
    pub fn tenant(
        mut rng: ChaCha8Rng,
        token_lifetime: Duration,
        profile: TenantProfile,
        agents: &[(&str, &str)],
    ) -> World {
        let domain = format!("{}.sandbox.agentdesk.test", profile.customer_code);
        let mut accounts: Vec<AgentAccount> = agents
            .iter()
            .enumerate()
            .map(|(index, (name, local))| {
                AgentAccount::new(
                    format!("a{:04}", index + 1),
                    format!("{local}@{domain}"),
                    format!("pw-{}", seed::hex_token(&mut rng, 12)),
                    name.to_string(),
                    seed::GROUPS[index % seed::GROUPS.len()].0.to_string(),
                )
            })
            .collect();
        accounts.push(supervisor_agent(&mut rng, accounts.len()));
        let mut world = World::with_profile(rng, token_lifetime, profile, accounts);
        world.id_tag = format!("{}-", &world.company_id[1..7]);
        world
    }

    fn with_profile(
        mut rng: ChaCha8Rng,
        token_lifetime: Duration,
        profile: TenantProfile,
        agents: Vec<AgentAccount>,
    ) -> World {
        let appid = format!("sbx{}", seed::hex_token(&mut rng, 9));
        let app_key = seed::hex_token(&mut rng, 32);
        let company_id = format!("c{}", seed::hex_token(&mut rng, 15));
        let union_code = format!("uc{}", seed::hex_token(&mut rng, 10));
        let union_key = seed::hex_token(&mut rng, 32);
        World {
            rng,
            profile,
            appid,
            app_key,
            company_id,
            union_code,
            union_key,
            supervisor_email: SUPERVISOR_EMAIL.into(),
            token_lifetime,
            tokens: HashMap::new(),
            current_token: HashMap::new(),
            agents,
            logins: HashMap::new(),
            sessions: HashMap::new(),
            session_order: Vec::new(),
            active_by_partner: HashMap::new(),
            uid_by_partner: HashMap::new(),
            queue: VecDeque::new(),
            agent_log: Vec::new(),
            push_links: HashMap::new(),
            faults: Faults::default(),
            kb: seed::knowledge_base(1_767_225_600_000),
            files: HashMap::new(),
            counters: Counters::default(),
            history: Vec::new(),
            next_id: 0,
            id_tag: String::new(),
        }
    }

    /// More agents with generated names (`agentN@sandbox.agentdesk.test`), in the seed's groups.
    pub fn add_generated_agents(&mut self, count: usize) {
        for _ in 0..count {
            let number = self.agents.len() + 1;
            let name = seed::visitor_name(&mut self.rng, seed::Language::Chinese);
            let password = format!("pw-{}", seed::hex_token(&mut self.rng, 12));
            let group = seed::GROUPS[number % seed::GROUPS.len()].0.to_string();
            self.agents.push(AgentAccount::new(
                format!("a{number:04}"),
                format!("agent{number}@sandbox.agentdesk.test"),
                password,
                format!("{name} Agent {number}"),
                group,
            ));
        }
    }

    /// `days` of served sessions for every agent but the supervisor, and a week of status changes.
    pub fn seed_history(&mut self, rng: &mut ChaCha8Rng, days: u32, now_ms: i64) {
        let serving: Vec<usize> = self
            .agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.email != self.supervisor_email)
            .map(|(index, _)| index)
            .collect();
        self.history = crate::history::seed_sessions(rng, &serving, days, now_ms);
        for index in serving {
            let mut log = crate::history::seed_status_log(rng, days, now_ms);
            log.append(&mut self.agents[index].status_log);
            self.agents[index].status_log = log;
        }
    }

    pub fn next_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}{:08}", self.id_tag, self.next_id)
    }

    // ---- tokens ----

    /// Issues a new token for `appid`; the previous one stops working at once, as on the platform.
    pub fn issue_token(&mut self, appid: &str) -> String {
        let token = format!(
            "{}{}",
            seed::hex_token(&mut self.rng, 32),
            self.next_id("t")
        );
        if let Some(old) = self.current_token.insert(appid.to_string(), token.clone()) {
            self.tokens.remove(&old);
        }
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                appid: appid.to_string(),
                expires_at: Instant::now() + self.token_lifetime,
            },
        );
        self.counters.tokens_issued += 1;
        token
    }

    /// `Ok(appid)` or the Sobot code: `900001` missing, `900002` expired or superseded.
    pub fn check_token(&self, token: Option<&str>) -> Result<String, (&'static str, &'static str)> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(("900001", "token为空"))?;
        match self.tokens.get(token) {
            Some(issued) if issued.expires_at > Instant::now() => Ok(issued.appid.clone()),
            _ => Err(("900002", "token已失效，请重新获取")),
        }
    }

    /// Fault: every token and every agent login stops working now.
    pub fn expire_all_credentials(&mut self) {
        self.tokens.clear();
        self.current_token.clear();
        self.logins.clear();
        for agent in &mut self.agents {
            agent.temp_id = None;
        }
    }

    // ---- agents ----

    pub fn agent_by_temp_id(&self, temp_id: Option<&str>) -> Option<usize> {
        temp_id.and_then(|t| self.logins.get(t).copied())
    }

    pub fn login(&mut self, index: usize, status: i64) -> String {
        let temp_id = format!("tmp{}", seed::hex_token(&mut self.rng, 24));
        if let Some(old) = self.agents[index].temp_id.replace(temp_id.clone()) {
            self.logins.remove(&old);
        }
        self.logins.insert(temp_id.clone(), index);
        self.agents[index].status = if status == -1 { 1 } else { status };
        let logged = self.agents[index].status;
        self.agents[index].log_status(logged);
        self.counters.logins += 1;
        if self.agents[index].status == 1 {
            self.drain_queue();
        }
        temp_id
    }

    pub fn set_status(&mut self, index: usize, status: i64) {
        if self.agents[index].status != status {
            self.agents[index].log_status(status);
        }
        self.agents[index].status = status;
        if status == 1 {
            self.drain_queue();
        }
    }

    pub fn logout(&mut self, index: usize) {
        if let Some(temp_id) = self.agents[index].temp_id.take() {
            self.logins.remove(&temp_id);
        }
        if self.agents[index].status != 0 {
            self.agents[index].log_status(0);
        }
        self.agents[index].status = 0;
        if let Some((_, link)) = self.push_links.remove(&index) {
            let _ = link.send(PushOut::Close);
        }
    }

    /// Deletes an agent (tenant API): signed out, hidden, unable to sign in again.
    pub fn remove_agent(&mut self, index: usize) {
        self.logout(index);
        self.agents[index].deleted = true;
    }

    /// The agents that exist (not deleted), with their indices.
    pub fn staff(&self) -> impl Iterator<Item = (usize, &AgentAccount)> {
        self.agents.iter().enumerate().filter(|(_, a)| !a.deleted)
    }

    fn active_count(&self, index: usize) -> usize {
        self.sessions
            .values()
            .filter(|s| s.agent == Some(index) && s.phase == SessionPhase::Active)
            .count()
    }

    /// The least-loaded online agent with room, optionally within a group.
    fn pick_agent(&self, group: Option<&str>, except: Option<usize>) -> Option<usize> {
        (0..self.agents.len())
            .filter(|&i| Some(i) != except)
            .filter(|&i| self.agents[i].status == 1 && self.agents[i].temp_id.is_some())
            .filter(|&i| group.is_none_or(|g| self.agents[i].group_id == g))
            .filter(|&i| self.active_count(i) < self.agents[i].max_count)
            .min_by_key(|&i| self.active_count(i))
    }

    pub fn any_agent_online(&self) -> bool {
        self.agents
            .iter()
            .any(|a| a.status == 1 && a.temp_id.is_some())
    }

    // ---- sessions ----

    /// Opens a session for a visitor and assigns it (or queues it). Returns (status, cid, queue position).
    #[allow(clippy::too_many_arguments)]
    pub fn connect_visitor(
        &mut self,
        partnerid: &str,
        name: &str,
        phone: Option<String>,
        source: i64,
        forced_agent: Option<usize>,
        simulated: Option<SimulatedVisitor>,
    ) -> (i64, String, usize) {
        if let Some(cid) = self.active_by_partner.get(partnerid) {
            return (-1, cid.clone(), 0);
        }
        let uid = self.uid_for(partnerid);
        let cid = self.next_id("cid");
        let visitor = Visitor {
            partnerid,
            name,
            phone,
            source,
        };
        let session = SandboxSession {
            simulated,
            ..SandboxSession::new(&cid, uid, visitor, SessionPhase::Queued, now_ms())
        };
        self.sessions.insert(cid.clone(), session);
        self.session_order.push(cid.clone());
        self.active_by_partner
            .insert(partnerid.to_string(), cid.clone());
        let agent = forced_agent.or_else(|| self.pick_agent(None, None));
        match agent {
            Some(index) => {
                self.assign(&cid, index);
                (1, cid, 0)
            }
            None => {
                self.queue.push_back(cid.clone());
                let position = self.queue.len();
                self.broadcast_queue();
                (0, cid, position)
            }
        }
    }

    fn assign(&mut self, cid: &str, index: usize) {
        let Some(session) = self.sessions.get_mut(cid) else {
            return;
        };
        let transferred_from = session.agent.filter(|from| *from != index);
        session.agent = Some(index);
        session.phase = SessionPhase::Active;
        let mut model = json!({
            "type": push_type::NEW_USER, "uid": session.uid, "uname": session.visitor_name,
            "cid": cid, "usource": session.source, "ts": format_platform_time(now_ms()),
            "isOnline": true, "face": "", "chatType": 0,
        });
        if let Some(from) = transferred_from {
            model["chatType"] = json!(1);
            model["aname"] = json!(self.agents[from].name);
        }
        self.push(index, model);
    }

    fn drain_queue(&mut self) {
        let mut changed = false;
        while let Some(cid) = self.queue.front().cloned() {
            match self.pick_agent(None, None) {
                Some(index) => {
                    self.queue.pop_front();
                    self.assign(&cid, index);
                    changed = true;
                }
                None => break,
            }
        }
        if changed {
            self.broadcast_queue();
        }
    }

    fn broadcast_queue(&mut self) {
        let waiting = self.queue.len() as i64;
        let online: Vec<usize> = (0..self.agents.len())
            .filter(|&i| self.agents[i].temp_id.is_some())
            .collect();
        for index in online {
            let model = json!({"type": push_type::QUEUE, "count": waiting, "reduce": "0"});
            self.push(index, model);
        }
    }

    /// Appends a visitor message and pushes it (103) to the session's agent.
    /// The visitor id of a partner id, given on first sight and kept.
    fn uid_for(&mut self, partnerid: &str) -> String {
        if let Some(uid) = self.uid_by_partner.get(partnerid) {
            return uid.clone();
        }
        let uid = self.next_id("u");
        self.uid_by_partner
            .insert(partnerid.to_string(), uid.clone());
        uid
    }

    /// A session the customer had before (ended, with its question and the agent's answer), so a
    /// returning customer has history on other channels. It is never assigned or pushed.
    pub fn record_past_session(
        &mut self,
        partnerid: &str,
        name: &str,
        phone: Option<String>,
        source: i64,
        started_ms: i64,
        exchange: (&str, &str),
    ) {
        let uid = self.uid_for(partnerid);
        let cid = self.next_id("cid");
        let (agent_id, agent_name) = self
            .agents
            .first()
            .map(|a| (a.id.clone(), a.name.clone()))
            .unwrap_or_default();
        let lines = [
            (
                sender_type::VISITOR,
                uid.clone(),
                name.to_string(),
                exchange.0,
                started_ms,
            ),
            (
                sender_type::AGENT,
                agent_id,
                agent_name,
                exchange.1,
                started_ms + 45_000,
            ),
        ];
        let records = lines
            .into_iter()
            .enumerate()
            .map(
                |(i, (sender_kind, sender, sender_name, text, t))| SandboxRecord {
                    cid: Some(cid.clone()),
                    msg_id: Some(format!("{cid}-m{i}")),
                    sender_type: Some(sender_kind),
                    sender: Some(sender),
                    sender_name: Some(sender_name),
                    msg_type: Some(0),
                    content: Some(text.to_string()),
                    t: Some(t),
                    ..SandboxRecord::default()
                },
            )
            .collect();
        let visitor = Visitor {
            partnerid,
            name,
            phone,
            source,
        };
        self.sessions.insert(
            cid.clone(),
            SandboxSession {
                records,
                ..SandboxSession::new(&cid, uid, visitor, SessionPhase::Ended, started_ms)
            },
        );
        self.session_order.push(cid);
    }

    pub fn visitor_message(
        &mut self,
        cid: &str,
        text: &str,
        msg_type: i64,
    ) -> Result<SandboxRecord, OpError> {
        self.visitor_says(cid, text, msg_type, None)
    }

    /// A voice message from the visitor: the audio at `url`, `duration` as their SDK writes it.
    pub fn visitor_voice(
        &mut self,
        cid: &str,
        url: &str,
        duration: &str,
    ) -> Result<SandboxRecord, OpError> {
        self.visitor_says(cid, url, 2, Some(duration.to_string()))
    }

    fn visitor_says(
        &mut self,
        cid: &str,
        text: &str,
        msg_type: i64,
        voice_duration: Option<String>,
    ) -> Result<SandboxRecord, OpError> {
        let msg_id = self.next_id("m");
        let session = self
            .sessions
            .get_mut(cid)
            .ok_or_else(|| OpError::Code("200002", format!("会话不存在: {cid}")))?;
        if session.phase == SessionPhase::Ended {
            return Err(OpError::Code("200003", "会话已结束".into()));
        }
        let record = SandboxRecord {
            cid: Some(cid.to_string()),
            msg_id: Some(msg_id),
            sender_type: Some(sender_type::VISITOR),
            sender: Some(session.uid.clone()),
            sender_name: Some(session.visitor_name.clone()),
            msg_type: Some(msg_type),
            content: Some(text.to_string()),
            t: Some(session.next_t()),
            voice_duration,
            ..SandboxRecord::default()
        };
        session.records.push(record.clone());
        if let Some(sim) = session.simulated.as_mut() {
            sim.waiting_for_agent_since = Some(Instant::now());
        }
        self.counters.visitor_messages += 1;
        if let Some(index) = session
            .agent
            .filter(|_| session.phase == SessionPhase::Active)
        {
            let content = record.content.clone().unwrap_or_default();
            let model = json!({
                "type": push_type::NEW_MESSAGE, "uid": session.uid, "uname": session.visitor_name,
                "cid": cid, "msgId": record.msg_id, "face": "", "content": content,
                "msgType": msg_type, "usource": session.source,
                "ts": format_platform_time(record.t.unwrap_or_default()),
                "message": {"msgType": msg_type.to_string(), "content": record.message_content()},
            });
            self.push(index, model);
        }
        Ok(record)
    }

    /// The agent sends to a session it serves; answers the send's `OnlineMsgModel`. A text with a
    /// sensitive word is stored hidden from the visitor and refused with `200032`, as the SDK shows.
    pub fn agent_send(
        &mut self,
        index: usize,
        cid: &str,
        content: &str,
        msg_type: i64,
    ) -> Result<Value, OpError> {
        let msg_id = self.next_id("m");
        let agent_id = self.agents[index].id.clone();
        let agent_name = self.agents[index].name.clone();
        let agent_email = self.agents[index].email.clone();
        let session = self
            .sessions
            .get_mut(cid)
            .ok_or_else(|| OpError::Code("200002", format!("会话不存在: {cid}")))?;
        if session.agent != Some(index) {
            return Err(OpError::Code("200004", "该会话不属于当前客服".into()));
        }
        if session.phase != SessionPhase::Active {
            return Err(OpError::Code("200003", "会话已结束".into()));
        }
        let user_no_see =
            msg_type == 0 && seed::SENSITIVE_WORDS.iter().any(|w| content.contains(w));
        let t = session.next_t();
        session.records.push(SandboxRecord {
            cid: Some(cid.to_string()),
            msg_id: Some(msg_id.clone()),
            sender_type: Some(sender_type::AGENT),
            sender: Some(agent_id.clone()),
            sender_name: Some(agent_name.clone()),
            msg_type: Some(msg_type),
            content: Some(content.to_string()),
            t: Some(t),
            user_no_see,
            revoked: false,
            voice_duration: None,
        });
        if let (false, Some(sim)) = (user_no_see, session.simulated.as_mut()) {
            sim.waiting_for_agent_since = None;
        }
        self.agent_log.push(AgentSentRecord {
            cid: cid.to_string(),
            msg_id: msg_id.clone(),
            content: content.to_string(),
            user_no_see,
            msg_type,
            agent_email,
            t,
        });
        if user_no_see {
            self.counters.sensitive_refused += 1;
            return Err(OpError::Code("200032", "消息包含敏感词，客户不可见".into()));
        }
        self.counters.agent_messages += 1;
        let (file_url, file_name) = if msg_type == 0 {
            (String::new(), String::new())
        } else {
            let name = content.rsplit('/').next().unwrap_or_default().to_string();
            (content.to_string(), name)
        };
        Ok(json!({
            "msgId": msg_id, "status": "2", "ustatus": "1", "aid": agent_id, "aname": agent_name,
            "fileUrl": file_url, "fileName": file_name, "snapshot": "",
        }))
    }

    /// The visitor or the agent ends the session. `notify_agent` pushes 108 (visitor offline).
    pub fn end_session(&mut self, cid: &str, notify_agent: bool) -> Result<(), OpError> {
        let session = self
            .sessions
            .get_mut(cid)
            .ok_or_else(|| OpError::Code("200002", format!("会话不存在: {cid}")))?;
        if session.phase == SessionPhase::Ended {
            return Ok(());
        }
        let was_queued = session.phase == SessionPhase::Queued;
        session.phase = SessionPhase::Ended;
        let partnerid = session.partnerid.clone();
        let model = json!({
            "type": push_type::USER_OFFLINE, "uid": session.uid, "uname": session.visitor_name,
            "cid": cid, "ts": format_platform_time(now_ms()), "isOnline": false,
        });
        let agent = session.agent;
        self.active_by_partner.remove(&partnerid);
        if was_queued {
            self.queue.retain(|queued| queued != cid);
            self.broadcast_queue();
        }
        if let (true, Some(index)) = (notify_agent, agent) {
            self.push(index, model);
        }
        self.drain_queue();
        Ok(())
    }

    pub fn rate(&mut self, cid: &str, score: u8) -> Result<(), OpError> {
        let session = self
            .sessions
            .get_mut(cid)
            .ok_or_else(|| OpError::Code("200002", format!("会话不存在: {cid}")))?;
        session.rating = Some(score);
        let model = json!({
            "type": push_type::EVALUATION, "uid": session.uid, "cid": cid,
            "status": score.to_string(), "ts": format_platform_time(now_ms()),
        });
        if let Some(index) = session.agent {
            self.push(index, model);
        }
        Ok(())
    }

    pub fn typing(&mut self, cid: &str) {
        let Some(session) = self.sessions.get(cid) else {
            return;
        };
        if let Some(index) = session.agent {
            let model = json!({
                "type": push_type::TYPING, "uid": session.uid, "cid": cid,
                "ts": format_platform_time(now_ms()),
            });
            self.push(index, model);
        }
    }

    /// Moves a session to another agent (or, with a group, to someone in that group or the queue).
    pub fn transfer(
        &mut self,
        cid: &str,
        from: usize,
        to: Option<usize>,
        group: Option<&str>,
    ) -> Result<(), OpError> {
        let session = self
            .sessions
            .get(cid)
            .ok_or_else(|| OpError::Code("200002", format!("会话不存在: {cid}")))?;
        if session.agent != Some(from) || session.phase != SessionPhase::Active {
            return Err(OpError::Code("200004", "该会话不属于当前客服".into()));
        }
        let target = match to {
            Some(index) => {
                if self.agents[index].status != 1 || self.agents[index].temp_id.is_none() {
                    return Err(OpError::Code("200006", "目标客服不在线".into()));
                }
                Some(index)
            }
            None => self.pick_agent(group, Some(from)),
        };
        // How the old agent learns of a transfer is not documented (the SDK acts on the 200 answer
        // itself): nothing is pushed to it; its reception list no longer holds the session.
        match target {
            Some(index) => self.assign(cid, index),
            None => {
                if let Some(session) = self.sessions.get_mut(cid) {
                    session.agent = None;
                    session.phase = SessionPhase::Queued;
                }
                self.queue.push_back(cid.to_string());
                self.broadcast_queue();
            }
        }
        Ok(())
    }

    // ---- push ----

    /// Sends one data frame to an agent's live connection: the bare `PushMessageModel` JSON, with a
    /// `msgId` (the message's own for 103, a fresh one otherwise), applying the push faults. With no
    /// live connection the push is lost: nothing says the platform keeps it, so the client catches
    /// up from the session's history.
    pub fn push(&mut self, index: usize, mut model: Value) {
        let Some((_, link)) = self.push_links.get(&index) else {
            return;
        };
        let link = link.clone();
        if model.get("msgId").is_none_or(Value::is_null) {
            model["msgId"] = json!(self.next_id("p"));
        }
        let frame = Frame::new(FrameType::Data, model.to_string()).encode();
        self.counters.pushes_sent += 1;
        let faults = self.faults.clone();
        if faults.duplicate_push_rate > 0.0
            && self.rng.gen_bool(faults.duplicate_push_rate.min(1.0))
        {
            self.counters.pushes_duplicated += 1;
            let _ = link.send(PushOut::Frame(frame.clone()));
        }
        if faults.reorder_push_rate > 0.0 && self.rng.gen_bool(faults.reorder_push_rate.min(1.0)) {
            self.counters.pushes_reordered += 1;
            let _ = link.send(PushOut::FrameOutOfOrder(frame));
        } else {
            let _ = link.send(PushOut::Frame(frame));
        }
        if faults.drop_socket_rate > 0.0 && self.rng.gen_bool(faults.drop_socket_rate.min(1.0)) {
            self.counters.sockets_dropped += 1;
            let _ = link.send(PushOut::Close);
            self.push_links.remove(&index);
        }
    }

    pub fn language_of(name: &str) -> Language {
        if name.chars().any(|c| c.is_ascii_alphabetic()) {
            Language::English
        } else {
            Language::Chinese
        }
    }
}

impl World {
    /// Every session the tenant's agents served: the seeded past and the live sessions (those taken by
    /// an agent), in one shape.
    pub fn served_sessions(&self) -> impl Iterator<Item = ServedSession> + '_ {
        let live = self.sessions.values().filter_map(|session| {
            let agent = session.agent?;
            let first_reply = session
                .records
                .iter()
                .find(|r| r.sender_type == Some(sender_type::AGENT))
                .and_then(|r| r.t);
            Some(ServedSession {
                agent,
                started_ms: session.started_ms,
                waited_ms: 0,
                first_response_ms: first_reply.map(|at| (at - session.started_ms).max(0)),
                ended: session.phase == SessionPhase::Ended,
                invited: session
                    .simulated
                    .as_ref()
                    .is_some_and(|visitor| visitor.invited_to_rate)
                    || session.rating.is_some(),
                rating: session.rating,
                solved: session.rating.map(|stars| stars >= 3),
            })
        });
        self.history.iter().cloned().chain(live)
    }
}
