//! The reply assistant in the workbench: a supervisor's policy per merchant (on or off, which
//! features, a daily token budget), the provider the account is configured with (the sandbox's in
//! demo mode), and calls that stream into the draft area as events on the bus. Nothing is ever sent
//! to the customer from here: the agent inserts, edits or discards, and says which (for the
//! dashboard). Every call is in the audit log (masked, with its tokens) and counted against the
//! budget.
//!
//! One `Assistant` per workspace: it owns the calls under way, and ends them all when its workspace
//! closes (their records go to the workspace's own database before it closes).

mod calls;
mod policy;
mod request;

use std::sync::{Arc, RwLock};

use agentdesk_domain::mask_pii;
use agentdesk_http::HttpClient;
use agentdesk_llm::{AssistRequest, Notice, Provider};
use agentdesk_store::{AssistantCall, AuditEntry, Write};
use agentdesk_workspace::{
    ApiError, AssistOutcome, AssistantOff, CitedArticle, ErrorCode, ErrorReason, Feature,
    Workspace, WorkspaceMode,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use policy::{AssistantPolicy, AssistantStatus};
pub use request::AssistInput;

use calls::{Call, Calls};
use policy::POLICY_KEY;

/// The account's model provider, shared by every workspace's assistant (`None`: no provider).
pub type ProviderSlot = Arc<RwLock<Option<Provider>>>;

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

pub struct Assistant {
    workspace: Arc<Workspace>,
    knowledge: Arc<agentdesk_knowledge::Knowledge>,
    customers: Arc<agentdesk_customer360::Customers>,
    provider: ProviderSlot,
    http: HttpClient,
    calls: Arc<Calls>,
}

fn off(reason: AssistantOff, message: &str) -> ApiError {
    ApiError::because(
        ErrorCode::InvalidInput,
        ErrorReason::AssistantOff { why: reason },
        message,
    )
}

impl Assistant {
    pub fn new(
        workspace: Arc<Workspace>,
        knowledge: Arc<agentdesk_knowledge::Knowledge>,
        customers: Arc<agentdesk_customer360::Customers>,
        provider: ProviderSlot,
        http: HttpClient,
    ) -> Assistant {
        Assistant {
            workspace,
            knowledge,
            customers,
            provider,
            http,
            calls: Arc::default(),
        }
    }

    /// Ends every call under way (as cancelled, records written to this workspace's database)
    /// before the workspace closes.
    pub async fn close(&self) {
        for call in self.calls.take_all() {
            let (outcome, writes) = self.cancelled(&call);
            if let Err(error) = self.workspace.write(writes).await {
                tracing::warn!(%error, "an assistant call's record was not kept");
            }
            call.publish_done(self.workspace.publisher(), outcome);
        }
    }

    /// Calls under way now.
    pub fn running(&self) -> usize {
        self.calls.count()
    }

    /// The merchant's policy (a demo merchant has the assistant on).
    pub async fn policy(&self) -> Result<AssistantPolicy, ApiError> {
        let stored = self
            .workspace
            .read(|store| store.workspace_setting(POLICY_KEY))
            .await?;
        Ok(stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_else(|| AssistantPolicy {
                enabled: self.workspace.mode() == WorkspaceMode::Demo,
                ..AssistantPolicy::off()
            }))
    }

    /// A supervisor's choice for the merchant on screen.
    pub async fn set_policy(&self, policy: AssistantPolicy) -> Result<(), ApiError> {
        let value = serde_json::to_string(&policy)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        self.workspace
            .write(vec![
                Write::WorkspaceSetting {
                    key: POLICY_KEY.into(),
                    value,
                },
                Write::Audit(AuditEntry {
                    at_ms: self.workspace.now_ms(),
                    actor: "supervisor".into(),
                    endpoint: "assistant:policy".into(),
                    duration_ms: 0.0,
                    outcome: "ok".into(),
                    detail: policy.describe(),
                }),
            ])
            .await?;
        Ok(())
    }

    fn provider(&self) -> Option<Provider> {
        self.provider
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    async fn tokens_today(&self) -> Result<u32, ApiError> {
        let since = policy::day_start_ms(self.workspace.now_ms());
        Ok(self
            .workspace
            .read(move |store| store.assistant_calls_since(since))
            .await?
            .iter()
            .map(|c| c.prompt_tokens.saturating_add(c.completion_tokens))
            .fold(0u32, u32::saturating_add))
    }

    /// Whether the agent can use the assistant now, and why not.
    pub async fn status(&self) -> Result<AssistantStatus, ApiError> {
        let policy = self.policy().await?;
        let provider = self.provider();
        let tokens_today = self.tokens_today().await?;
        let off_reason = policy::off_reason(&policy, provider.is_some(), tokens_today);
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

    /// The provider to use for `feature`, or why the assistant may not run.
    async fn allowed(&self, feature: Feature) -> Result<Provider, ApiError> {
        let status = self.status().await?;
        if let Some(why) = status.off_reason {
            return Err(off(why, policy::off_in_words(why)));
        }
        if !status.policy.allows(feature) {
            return Err(off(
                AssistantOff::TurnedOff,
                "this assistant feature is off for this merchant: a supervisor turns it on",
            ));
        }
        self.provider().ok_or_else(|| {
            off(
                AssistantOff::NoProvider,
                policy::off_in_words(AssistantOff::NoProvider),
            )
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
        self.workspace.ensure_open()?;
        let feature = input.feature();
        let provider = self.allowed(feature).await?;
        let gathered = request::Gathered::for_session(
            &self.workspace,
            &self.knowledge,
            &self.customers,
            session_id,
            &input,
        )
        .await?;
        let (task, subject) = input.task(&gathered.conversation, agent_language)?;
        let prompt = agentdesk_llm::build(&AssistRequest {
            task,
            conversation: &gathered.conversation,
            customer: gathered.customer.as_ref(),
            sources: &gathered.sources,
            subject: subject.as_deref(),
            agent_language: request::language(agent_language),
        });
        Ok(self.launch(session_id, feature, provider, prompt))
    }

    /// Registers the call, then runs it on its own task.
    fn launch(
        &self,
        session_id: &str,
        feature: Feature,
        provider: Provider,
        prompt: agentdesk_llm::Prompt,
    ) -> String {
        let call = Call::new(session_id, feature, self.workspace.now_ms());
        let call_id = call.id.clone();
        // Registered before the task exists: a call that fails at once still finds itself here.
        self.calls.register(call.clone());
        let run = CallRun {
            workspace: self.workspace.clone(),
            calls: self.calls.clone(),
            http: self.http.clone(),
            provider,
            prompt,
            call,
        };
        tokio::spawn(run.run());
        call_id
    }

    /// Stops a call at once: nothing more is shown, what arrived is kept as a partial answer.
    /// Answers whether the call was still running.
    pub fn cancel(&self, call_id: &str) -> bool {
        let Some(call) = self.calls.take(call_id) else {
            return false;
        };
        let (outcome, writes) = self.cancelled(&call);
        self.workspace.write_soon(writes);
        call.publish_done(self.workspace.publisher(), outcome);
        true
    }

    /// Stops `call`: its outcome (cancelled, with what was shown as a partial answer) and records.
    fn cancelled(&self, call: &Call) -> (AssistOutcome, Vec<Write>) {
        let shown = call.stop();
        let total_ms = self
            .workspace
            .now_ms()
            .saturating_sub(call.started_ms)
            .max(0) as u64;
        let outcome = AssistOutcome::failed(
            "cancelled",
            "cancelled by the agent".into(),
            shown,
            total_ms,
        );
        let writes = call_records(call, &self.workspace.actor(), &outcome);
        (outcome, writes)
    }

    /// What the agent did with a draft (the first answer stands).
    pub async fn record_fate(&self, call_id: &str, fate: DraftFate) -> Result<bool, ApiError> {
        let fate = match fate {
            DraftFate::Sent => "sent",
            DraftFate::Edited => "edited",
            DraftFate::Discarded => "discarded",
        };
        let applied = self
            .workspace
            .write(vec![Write::AssistantFate {
                call_id: call_id.to_string(),
                fate: fate.into(),
            }])
            .await?;
        Ok(applied.first().copied().unwrap_or(false))
    }

    /// Calls, tokens, time to the first token and what became of the drafts on this desk, of the
    /// calls made from `from_ms` up to (not including) `to_ms`.
    pub async fn figures(&self, from_ms: i64, to_ms: i64) -> Result<AssistantFigures, ApiError> {
        let mut calls = self
            .workspace
            .read(move |store| store.assistant_calls_since(from_ms))
            .await?;
        calls.retain(|c| c.at_ms < to_ms);
        Ok(figures_of(&calls))
    }
}

fn figures_of(calls: &[AssistantCall]) -> AssistantFigures {
    let mut first_tokens: Vec<u64> = calls.iter().filter_map(|c| c.first_token_ms).collect();
    first_tokens.sort_unstable();
    let count = |fate: &str| {
        calls
            .iter()
            .filter(|c| c.fate.as_deref() == Some(fate))
            .count() as u32
    };
    AssistantFigures {
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
    }
}

/// One call on its own task.
struct CallRun {
    workspace: Arc<Workspace>,
    calls: Arc<Calls>,
    http: HttpClient,
    provider: Provider,
    prompt: agentdesk_llm::Prompt,
    call: Call,
}

impl CallRun {
    async fn run(self) {
        let publisher = self.workspace.publisher().clone();
        let call = &self.call;
        let mut on_text = |text: &str| call.show_text(&publisher, text);
        let mut on_notice = |notice| match notice {
            Notice::Retrying { after, reason } => {
                call.show_wait(&publisher, after.as_secs().max(1) as u32, reason)
            }
        };
        let result = agentdesk_llm::assist(
            &self.provider,
            &self.http,
            &self.prompt,
            &mut on_text,
            &mut on_notice,
            &call.stop,
        )
        .await;
        // A cancel (or the workspace closing) that came first has ended the call already.
        if self.calls.take(&call.id).is_none() {
            return;
        }
        let outcome = self.outcome(result);
        self.workspace
            .write_soon(call_records(call, &self.workspace.actor(), &outcome));
        call.publish_done(&publisher, outcome);
    }

    fn outcome(
        &self,
        result: Result<agentdesk_llm::Outcome, agentdesk_llm::ProviderError>,
    ) -> AssistOutcome {
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(error) => {
                let total_ms = self
                    .workspace
                    .now_ms()
                    .saturating_sub(self.call.started_ms)
                    .max(0) as u64;
                return AssistOutcome::failed(
                    error.kind(),
                    error.to_string(),
                    String::new(),
                    total_ms,
                );
            }
        };
        let (classification, summary) = if self.call.feature == Feature::Summary {
            let (c, s) = agentdesk_llm::parse_summary(&outcome.text);
            (c, Some(s))
        } else {
            (None, None)
        };
        AssistOutcome {
            articles: outcome
                .articles
                .iter()
                .filter_map(|id| {
                    self.prompt
                        .sources
                        .iter()
                        .find(|s| &s.id == id)
                        .map(|s| CitedArticle {
                            id: s.id.clone(),
                            title: s.title.clone(),
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
}

/// The call's row for the budget and the dashboard, and its audit line (no text of the call: its
/// feature, outcome, tokens and times).
fn call_records(call: &Call, actor: &str, outcome: &AssistOutcome) -> Vec<Write> {
    let outcome_word = match (&outcome.problem, outcome.partial) {
        (None, _) => "ok".to_string(),
        (Some(_), true) => "partial".to_string(),
        (Some(problem), false) => problem.clone(),
    };
    vec![
        Write::AssistantCall(AssistantCall {
            call_id: call.id.clone(),
            at_ms: call.started_ms,
            feature: call.feature.name().into(),
            outcome: outcome_word.clone(),
            prompt_tokens: outcome.prompt_tokens,
            completion_tokens: outcome.completion_tokens,
            first_token_ms: outcome.first_token_ms,
            total_ms: outcome.total_ms,
            fate: None,
        }),
        Write::Audit(AuditEntry {
            at_ms: call.started_ms,
            actor: actor.to_string(),
            endpoint: format!("assistant:{}", call.feature.name()),
            duration_ms: outcome.total_ms as f64,
            outcome: outcome_word,
            detail: format!(
                "call {}: {} prompt + {} completion tokens{}",
                call.id,
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
