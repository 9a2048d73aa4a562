//! The reply assistant in the workbench: a supervisor's policy per merchant (on or off, which
//! features, a daily token budget), the provider the app is configured with (the sandbox's in demo
//! mode), and calls that stream into the draft area as events on the bus. Nothing is ever sent to
//! the customer from here: the agent inserts, edits or discards, and says which (for the
//! dashboard). Every call is in the audit log (masked, with its tokens) and counted against the
//! budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use agentdesk_assist::{
    AssistRequest, CustomerFacts, Language, Line, Notice, OrderFact, Provider, Source, Style, Task,
};
use agentdesk_domain::{mask_pii, Direction, MessageKind};
use agentdesk_store::{AssistantCall, AuditEntry, Write};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::bus::DeskEvent;
use crate::{ApiError, ErrorCode, ErrorReason, Workbench};

/// Where the policy is kept in the merchant's database.
const POLICY_KEY: &str = "assistant.policy";
/// Messages of the conversation given to the assistant (the prompt keeps the newest that fit).
const CONVERSATION_MESSAGES: usize = 200;
/// The platform's day starts at midnight in China (UTC+8), as the dashboard's does.
const DAY_OFFSET_MS: i64 = 8 * 3600 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// The sandbox provider's key in demo mode (not a secret: the sandbox takes any key).
#[cfg(feature = "demo")]
const DEMO_KEY: &str = "sk-agentdesk-demo";

/// What a supervisor allows for one merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AssistantPolicy {
    pub enabled: bool,
    pub draft: bool,
    pub summary: bool,
    pub translate: bool,
    pub rewrite: bool,
    /// A draft starts by itself for each new customer question.
    pub draft_on_new_question: bool,
    /// Tokens (prompt and answer) the merchant's agents on this desk may use a day; 0 = no limit.
    pub daily_token_budget: u32,
}

impl AssistantPolicy {
    /// Off until a supervisor turns it on (a merchant decides whether its customers' conversations
    /// go to a model provider at all).
    pub fn off() -> AssistantPolicy {
        AssistantPolicy {
            enabled: false,
            draft: true,
            summary: true,
            translate: true,
            rewrite: true,
            draft_on_new_question: false,
            daily_token_budget: 200_000,
        }
    }

    fn allows(&self, feature: Feature) -> bool {
        match feature {
            Feature::Draft => self.draft,
            Feature::Summary => self.summary,
            Feature::Translate => self.translate,
            Feature::Rewrite => self.rewrite,
        }
    }
}

/// Why the assistant is off for the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AssistantOff {
    /// A supervisor has not turned it on for this merchant.
    TurnedOff,
    /// No model provider is configured (Settings → Assistant).
    NoProvider,
    /// Today's token budget is used up.
    BudgetSpent,
}

/// Whether the assistant is on, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistantStatus {
    pub on: bool,
    pub off_reason: Option<AssistantOff>,
    pub policy: AssistantPolicy,
    /// The provider's host and model (never its key).
    pub provider: Option<String>,
    pub model: Option<String>,
    pub tokens_today: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Draft,
    Summary,
    Translate,
    Rewrite,
}

impl Feature {
    fn name(self) -> &'static str {
        match self {
            Feature::Draft => "draft",
            Feature::Summary => "summary",
            Feature::Translate => "translate",
            Feature::Rewrite => "rewrite",
        }
    }
}

/// What the agent asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum AssistInput {
    Draft,
    Summary,
    /// `text` (default: the customer's last message) into `to` (`zh`, `en`, or `customer`: the
    /// language of the customer's last message).
    Translate {
        text: Option<String>,
        to: String,
    },
    /// The agent's reply; `style` is shorter, warmer or formal.
    Rewrite {
        text: String,
        style: String,
    },
}

impl AssistInput {
    fn feature(&self) -> Feature {
        match self {
            AssistInput::Draft => Feature::Draft,
            AssistInput::Summary => Feature::Summary,
            AssistInput::Translate { .. } => Feature::Translate,
            AssistInput::Rewrite { .. } => Feature::Rewrite,
        }
    }
}

/// An article the answer cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CitedArticle {
    pub id: String,
    pub title: String,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistOutcome {
    pub text: String,
    pub articles: Vec<CitedArticle>,
    /// The answer stopped early (`problem` and `error` say why); `text` is what arrived.
    pub partial: bool,
    /// The failure's kind (unreachable, timed_out, rate_limited, key_refused, refused, server,
    /// garbage, cut, cancelled), for the window's words.
    pub problem: Option<String>,
    /// The failure in English words, as details.
    pub error: Option<String>,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    #[ts(type = "number | null")]
    pub first_token_ms: Option<u64>,
    #[ts(type = "number")]
    pub total_ms: u64,
    /// A summary's category and text, read from the answer.
    pub classification: Option<String>,
    pub summary: Option<String>,
}

/// One step of a call, for the draft area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssistStep {
    /// Text to append (personal data already restored).
    Text { text: String },
    /// The provider asked to wait: the call goes on after `seconds`.
    Waiting { seconds: u32, reason: String },
    /// The call ended (completely, partially, or not at all).
    Done { outcome: AssistOutcome },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistEvent {
    pub call_id: String,
    pub session_id: String,
    pub feature: Feature,
    pub step: AssistStep,
}

/// What the agent did with a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DraftFate {
    /// Sent as the assistant wrote it.
    Sent,
    /// Sent after the agent changed it.
    Edited,
    Discarded,
}

/// The assistant's figures for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AssistantFigures {
    pub calls: u32,
    pub failed: u32,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// Median time to the first token, of the calls that had one.
    #[ts(type = "number | null")]
    pub median_first_token_ms: Option<u64>,
    pub drafts_sent: u32,
    pub drafts_edited: u32,
    pub drafts_discarded: u32,
}

/// The workbench's assistant state: the configured provider and the calls under way.
pub(crate) struct AssistantDesk {
    provider: std::sync::RwLock<Option<Provider>>,
    http: reqwest::Client,
    running: Mutex<HashMap<String, RunningCall>>,
}

struct RunningCall {
    task: tokio::task::AbortHandle,
    session_id: String,
    feature: Feature,
    started_ms: i64,
    shown: Arc<Mutex<String>>,
}

impl AssistantDesk {
    pub(crate) fn new(provider: Option<Provider>) -> AssistantDesk {
        AssistantDesk {
            provider: std::sync::RwLock::new(provider),
            http: reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// The sandbox's provider, for demo mode.
    #[cfg(feature = "demo")]
    pub(crate) fn demo_provider(sandbox_url: &str) -> Option<Provider> {
        Provider::new(
            &format!("{}/v1", sandbox_url.trim_end_matches('/')),
            agentdesk_sandbox::llm::MODEL,
            Some(agentdesk_domain::Secret::new(DEMO_KEY)),
        )
        .ok()
    }
}

/// The reply assistant's use cases.
pub struct Assistant<'a> {
    host: &'a Workbench,
}

impl Workbench {
    /// See [`Assistant`].
    pub fn assistant(&self) -> Assistant<'_> {
        Assistant { host: self }
    }
}

fn off(reason: AssistantOff, message: &str) -> ApiError {
    ApiError::because(
        ErrorCode::InvalidInput,
        ErrorReason::AssistantOff { why: reason },
        message,
    )
}

impl Assistant<'_> {
    /// Uses `provider` from now on (`None`: no provider, the assistant is off).
    pub fn configure(&self, provider: Option<Provider>) {
        *self
            .host
            .assistant_desk()
            .provider
            .write()
            .unwrap_or_else(|p| p.into_inner()) = provider;
    }

    /// The merchant's policy (a demo merchant has the assistant on).
    pub fn policy(&self) -> Result<AssistantPolicy, ApiError> {
        let stored = self
            .host
            .database()
            .open_read_only()?
            .workspace_setting(POLICY_KEY)?;
        Ok(stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_else(|| {
                if self.host.mode() == crate::WorkspaceMode::Demo {
                    AssistantPolicy {
                        enabled: true,
                        ..AssistantPolicy::off()
                    }
                } else {
                    AssistantPolicy::off()
                }
            }))
    }

    /// A supervisor's choice for the merchant on screen.
    pub async fn set_policy(&self, policy: AssistantPolicy) -> Result<(), ApiError> {
        let value = serde_json::to_string(&policy)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        self.host
            .engine()
            .write(vec![
                Write::WorkspaceSetting {
                    key: POLICY_KEY.into(),
                    value,
                },
                Write::Audit(AuditEntry {
                    at_ms: self.host.now_ms(),
                    actor: "supervisor".into(),
                    endpoint: "assistant:policy".into(),
                    duration_ms: 0.0,
                    outcome: "ok".into(),
                    detail: format!(
                        "enabled={} draft={} summary={} translate={} rewrite={} auto={} budget={}",
                        policy.enabled,
                        policy.draft,
                        policy.summary,
                        policy.translate,
                        policy.rewrite,
                        policy.draft_on_new_question,
                        policy.daily_token_budget
                    ),
                }),
            ])
            .await?;
        Ok(())
    }

    fn provider(&self) -> Option<Provider> {
        self.host
            .assistant_desk()
            .provider
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn day_start_ms(&self) -> i64 {
        let now = self.host.now_ms();
        (now + DAY_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - DAY_OFFSET_MS
    }

    fn tokens_today(&self) -> Result<u32, ApiError> {
        Ok(self
            .host
            .database()
            .open_read_only()?
            .assistant_calls_since(self.day_start_ms())?
            .iter()
            .map(|c| c.prompt_tokens.saturating_add(c.completion_tokens))
            .fold(0u32, u32::saturating_add))
    }

    /// Whether the agent can use the assistant now, and why not.
    pub fn status(&self) -> Result<AssistantStatus, ApiError> {
        let policy = self.policy()?;
        let provider = self.provider();
        let tokens_today = self.tokens_today()?;
        let off_reason = if !policy.enabled {
            Some(AssistantOff::TurnedOff)
        } else if provider.is_none() {
            Some(AssistantOff::NoProvider)
        } else if policy.daily_token_budget > 0 && tokens_today >= policy.daily_token_budget {
            Some(AssistantOff::BudgetSpent)
        } else {
            None
        };
        Ok(AssistantStatus {
            on: off_reason.is_none(),
            off_reason,
            provider: provider
                .as_ref()
                .and_then(|p| p.base_url.host_str().map(str::to_string)),
            model: provider.map(|p| p.model),
            policy,
            tokens_today,
        })
    }

    /// Starts a call for the session; its text arrives as `DeskEvent::Assist` events. Answers the
    /// call's id (to cancel it, and to say what became of a draft).
    pub async fn start(
        &self,
        session_id: &str,
        input: AssistInput,
        agent_language: &str,
    ) -> Result<String, ApiError> {
        let status = self.status()?;
        let feature = input.feature();
        match status.off_reason {
            Some(AssistantOff::TurnedOff) => {
                return Err(off(
                    AssistantOff::TurnedOff,
                    "the assistant is off for this merchant: a supervisor turns it on under Supervisor → Merchants",
                ))
            }
            Some(AssistantOff::NoProvider) => {
                return Err(off(
                    AssistantOff::NoProvider,
                    "no model provider is set up: choose one in Settings → Assistant",
                ))
            }
            Some(AssistantOff::BudgetSpent) => {
                return Err(off(
                    AssistantOff::BudgetSpent,
                    "today's token budget for the assistant is used up: it is available again tomorrow, or a supervisor raises the budget",
                ))
            }
            None => {}
        }
        if !status.policy.allows(feature) {
            return Err(off(
                AssistantOff::TurnedOff,
                "this assistant feature is off for this merchant: a supervisor turns it on",
            ));
        }
        let provider = self.provider().ok_or_else(|| {
            off(
                AssistantOff::NoProvider,
                "no model provider is set up: choose one in Settings → Assistant",
            )
        })?;
        let conversation: Vec<Line> = self
            .host
            .engine()
            .messages(session_id, CONVERSATION_MESSAGES)?
            .into_iter()
            .filter(|m| m.kind == MessageKind::Text && !m.content.trim().is_empty())
            .map(|m| Line {
                direction: match m.direction {
                    Direction::In => agentdesk_assist::Direction::In,
                    Direction::Out => agentdesk_assist::Direction::Out,
                },
                text: m.content,
            })
            .collect();
        if conversation.is_empty() && !matches!(input, AssistInput::Rewrite { .. }) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the conversation has no text yet: the assistant starts once the customer has written",
            ));
        }
        let customer = self.customer_facts(session_id).await;
        let sources: Vec<Source> = match feature {
            Feature::Draft | Feature::Summary => self
                .host
                .knowledge()
                .knowledge_suggestions(session_id, None)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|s| Source {
                    id: s.id,
                    title: s.title,
                    answer: s.answer,
                })
                .collect(),
            _ => Vec::new(),
        };
        let agent_language = Language::parse(agent_language).unwrap_or(Language::Chinese);
        let (task, subject) = match &input {
            AssistInput::Draft => (Task::Draft, None),
            AssistInput::Summary => (Task::Summary, None),
            AssistInput::Translate { text, to } => {
                // "customer": the language of the customer's last message (the agent's reply
                // on its way out); the window does not have to guess it.
                let customer_language = || {
                    conversation
                        .iter()
                        .rev()
                        .find(|l| l.direction == agentdesk_assist::Direction::In)
                        .map(|l| Language::of(&l.text))
                };
                let to = match to.as_str() {
                    "customer" => customer_language().unwrap_or(agent_language),
                    code => Language::parse(code).ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::InvalidInput,
                            format!("cannot translate into {to:?}: choose zh, en or customer"),
                        )
                    })?,
                };
                let text = text.clone().or_else(|| {
                    conversation
                        .iter()
                        .rev()
                        .find(|l| l.direction == agentdesk_assist::Direction::In)
                        .map(|l| l.text.clone())
                });
                (Task::Translate { to }, text)
            }
            AssistInput::Rewrite { text, style } => {
                let style = match style.as_str() {
                    "shorter" => Style::Shorter,
                    "warmer" => Style::Warmer,
                    "formal" => Style::Formal,
                    other => {
                        return Err(ApiError::new(
                            ErrorCode::InvalidInput,
                            format!("no rewrite style {other:?}: shorter, warmer or formal"),
                        ))
                    }
                };
                if text.trim().is_empty() {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        "write a reply first: the assistant rewrites what is in the composer",
                    ));
                }
                (Task::Rewrite { style }, Some(text.clone()))
            }
        };
        let prompt = agentdesk_assist::build(&AssistRequest {
            task,
            conversation: &conversation,
            customer: customer.as_ref(),
            sources: &sources,
            subject: subject.as_deref(),
            agent_language,
        });
        let call_id = uuid::Uuid::new_v4().to_string();
        let shown = Arc::new(Mutex::new(String::new()));
        let desk = self.host.assistant_desk_arc();
        let bus = self.host.bus.clone();
        let engine = self.host.engine();
        let clock = self.host.clock();
        let started_ms = self.host.now_ms();
        let actor = mask_pii(&self.host.client().credentials().email).into_owned();
        let event = {
            let call_id = call_id.clone();
            let session_id = session_id.to_string();
            move |step: AssistStep| {
                DeskEvent::Assist(AssistEvent {
                    call_id: call_id.clone(),
                    session_id: session_id.clone(),
                    feature,
                    step,
                })
            }
        };
        let task = {
            let call_id = call_id.clone();
            let shown = shown.clone();
            let desk = desk.clone();
            tokio::spawn(async move {
                let result = agentdesk_assist::assist(
                    &provider,
                    &desk.http,
                    &prompt,
                    &mut |text| {
                        shown
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push_str(text);
                        bus.publish(event(AssistStep::Text {
                            text: text.to_string(),
                        }));
                    },
                    &mut |notice| match notice {
                        Notice::Retrying { after, reason } => {
                            bus.publish(event(AssistStep::Waiting {
                                seconds: after.as_secs().max(1) as u32,
                                reason,
                            }))
                        }
                    },
                )
                .await;
                desk.running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&call_id);
                let outcome = match result {
                    Ok(outcome) => {
                        let (classification, summary) = if feature == Feature::Summary {
                            let (c, s) = agentdesk_assist::parse_summary(&outcome.text);
                            (c, Some(s))
                        } else {
                            (None, None)
                        };
                        AssistOutcome {
                            articles: outcome
                                .articles
                                .iter()
                                .filter_map(|id| {
                                    prompt.sources.iter().find(|s| &s.id == id).map(|s| {
                                        CitedArticle {
                                            id: s.id.clone(),
                                            title: s.title.clone(),
                                        }
                                    })
                                })
                                .collect(),
                            partial: outcome.partial.is_some(),
                            problem: outcome.partial.as_ref().map(|e| e.kind().to_string()),
                            error: outcome.partial.as_ref().map(ToString::to_string),
                            text: outcome.text,
                            prompt_tokens: outcome.prompt_tokens,
                            completion_tokens: outcome.completion_tokens,
                            first_token_ms: outcome.first_token_ms,
                            total_ms: outcome.total_ms,
                            classification,
                            summary,
                        }
                    }
                    Err(error) => AssistOutcome {
                        text: String::new(),
                        articles: Vec::new(),
                        partial: false,
                        problem: Some(error.kind().to_string()),
                        error: Some(error.to_string()),
                        prompt_tokens: 0,
                        completion_tokens: 0,
                        first_token_ms: None,
                        total_ms: clock.now().as_i64().saturating_sub(started_ms).max(0) as u64,
                        classification: None,
                        summary: None,
                    },
                };
                engine.write_soon(call_records(
                    &call_id, feature, started_ms, &actor, &outcome,
                ));
                bus.publish(event(AssistStep::Done { outcome }));
            })
        };
        desk.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                call_id.clone(),
                RunningCall {
                    task: task.abort_handle(),
                    session_id: session_id.to_string(),
                    feature,
                    started_ms,
                    shown,
                },
            );
        Ok(call_id)
    }

    /// Stops a call at once: nothing more is shown, what arrived is kept as a partial answer.
    /// Answers whether the call was still running.
    pub fn cancel(&self, call_id: &str) -> bool {
        let desk = self.host.assistant_desk();
        let Some(call) = desk
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(call_id)
        else {
            return false;
        };
        call.task.abort();
        let text = call.shown.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let outcome = AssistOutcome {
            partial: !text.is_empty(),
            text,
            articles: Vec::new(),
            problem: Some("cancelled".into()),
            error: Some("cancelled by the agent".into()),
            prompt_tokens: 0,
            completion_tokens: 0,
            first_token_ms: None,
            total_ms: self.host.now_ms().saturating_sub(call.started_ms).max(0) as u64,
            classification: None,
            summary: None,
        };
        let actor = mask_pii(&self.host.client().credentials().email).into_owned();
        self.host.engine().write_soon(call_records(
            call_id,
            call.feature,
            call.started_ms,
            &actor,
            &outcome,
        ));
        self.host.bus.publish(DeskEvent::Assist(AssistEvent {
            call_id: call_id.to_string(),
            session_id: call.session_id,
            feature: call.feature,
            step: AssistStep::Done { outcome },
        }));
        true
    }

    /// What the agent did with a draft (the first answer stands).
    pub async fn record_fate(&self, call_id: &str, fate: DraftFate) -> Result<bool, ApiError> {
        let fate = match fate {
            DraftFate::Sent => "sent",
            DraftFate::Edited => "edited",
            DraftFate::Discarded => "discarded",
        };
        let applied = self
            .host
            .engine()
            .write(vec![Write::AssistantFate {
                call_id: call_id.to_string(),
                fate: fate.into(),
            }])
            .await?;
        Ok(applied.first().copied().unwrap_or(false))
    }

    /// Calls, tokens, time to the first token and what became of the drafts on this desk, of the
    /// calls made from `from_ms` up to (not including) `to_ms`.
    pub fn figures(&self, from_ms: i64, to_ms: i64) -> Result<AssistantFigures, ApiError> {
        let mut calls = self
            .host
            .database()
            .open_read_only()?
            .assistant_calls_since(from_ms)?;
        calls.retain(|c| c.at_ms < to_ms);
        let mut first_tokens: Vec<u64> = calls.iter().filter_map(|c| c.first_token_ms).collect();
        first_tokens.sort_unstable();
        let count = |fate: &str| {
            calls
                .iter()
                .filter(|c| c.fate.as_deref() == Some(fate))
                .count() as u32
        };
        Ok(AssistantFigures {
            calls: calls.len() as u32,
            failed: calls.iter().filter(|c| c.outcome != "ok").count() as u32,
            prompt_tokens: calls
                .iter()
                .map(|c| c.prompt_tokens)
                .fold(0, u32::saturating_add),
            completion_tokens: calls
                .iter()
                .map(|c| c.completion_tokens)
                .fold(0, u32::saturating_add),
            median_first_token_ms: first_tokens.get(first_tokens.len() / 2).copied(),
            drafts_sent: count("sent"),
            drafts_edited: count("edited"),
            drafts_discarded: count("discarded"),
        })
    }

    /// The customer's facts from the 360° view's cache (no source is asked: the draft must not
    /// wait on a slow CRM); `None` when nothing is known yet.
    async fn customer_facts(&self, session_id: &str) -> Option<CustomerFacts> {
        let view = self
            .host
            .customers()
            .customer_view(session_id, false)
            .await
            .ok()?;
        let orders = view
            .orders
            .value
            .unwrap_or_default()
            .into_iter()
            .map(|order| {
                let shipment = order.shipment.and_then(|card| card.value);
                OrderFact {
                    id: order.id,
                    status: order.status,
                    waybill: shipment.as_ref().map(|s| s.waybill.clone()),
                    last_scan: shipment.as_ref().and_then(|s| {
                        s.events.first().map(|e| match &e.place {
                            Some(place) => format!("{} {} {}", e.at, place, e.text),
                            None => format!("{} {}", e.at, e.text),
                        })
                    }),
                }
            })
            .collect();
        Some(CustomerFacts {
            name: Some(view.name).filter(|n| !n.trim().is_empty()),
            // The view holds the phone masked; the detectors find the number wherever it is typed.
            phone: None,
            email: view.email,
            address: None,
            orders,
        })
    }
}

/// The call's row for the budget and the dashboard, and its audit line (no text of the call: its
/// feature, outcome, tokens and times).
fn call_records(
    call_id: &str,
    feature: Feature,
    started_ms: i64,
    actor: &str,
    outcome: &AssistOutcome,
) -> Vec<Write> {
    let outcome_word = match (&outcome.problem, outcome.partial) {
        (None, _) => "ok".to_string(),
        (Some(_), true) => "partial".to_string(),
        (Some(problem), false) => problem.clone(),
    };
    vec![
        Write::AssistantCall(AssistantCall {
            call_id: call_id.to_string(),
            at_ms: started_ms,
            feature: feature.name().into(),
            outcome: outcome_word.clone(),
            prompt_tokens: outcome.prompt_tokens,
            completion_tokens: outcome.completion_tokens,
            first_token_ms: outcome.first_token_ms,
            total_ms: outcome.total_ms,
            fate: None,
        }),
        Write::Audit(AuditEntry {
            at_ms: started_ms,
            actor: actor.to_string(),
            endpoint: format!("assistant:{}", feature.name()),
            duration_ms: outcome.total_ms as f64,
            outcome: outcome_word,
            detail: format!(
                "call {call_id}: {} prompt + {} completion tokens{}",
                outcome.prompt_tokens,
                outcome.completion_tokens,
                outcome
                    .error
                    .as_ref()
                    .map(|e| format!("; {}", mask_pii(e)))
                    .unwrap_or_default()
            ),
        }),
    ]
}
