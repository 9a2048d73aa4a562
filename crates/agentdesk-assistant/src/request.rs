//! What one call asks: the task the agent chose (a draft, a summary, a translation, a rewrite) and
//! what the desk holds for it, gathered from the workspace: the conversation's text, the customer's
//! facts from the 360° view's cache (no source is asked: a draft must not wait on a slow CRM), and
//! the knowledge articles for the question at hand.

use agentdesk_domain::Direction;
use agentdesk_llm::{CustomerFacts, Language, Line, OrderFact, Source, Style, Task};
use agentdesk_workspace::{ApiError, ErrorCode, Feature, Workspace};
use serde::Deserialize;
use ts_rs::TS;

/// Messages of the conversation given to the assistant (the prompt keeps the newest that fit).
const CONVERSATION_MESSAGES: usize = 200;

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
    pub fn feature(&self) -> Feature {
        match self {
            AssistInput::Draft => Feature::Draft,
            AssistInput::Summary => Feature::Summary,
            AssistInput::Translate { .. } => Feature::Translate,
            AssistInput::Rewrite { .. } => Feature::Rewrite,
        }
    }

    /// The task for the provider, and the text it works on (a translation's or a rewrite's).
    pub(crate) fn task(
        &self,
        conversation: &[Line],
        agent_language: &str,
    ) -> Result<(Task, Option<String>), ApiError> {
        let invalid = |message: String| ApiError::new(ErrorCode::InvalidInput, message);
        let customer_said = || {
            conversation
                .iter()
                .rev()
                .find(|l| l.direction == agentdesk_llm::Direction::In)
        };
        Ok(match self {
            AssistInput::Draft => (Task::Draft, None),
            AssistInput::Summary => (Task::Summary, None),
            AssistInput::Translate { text, to } => {
                // "customer": the language of the customer's last message (the agent's reply on its
                // way out); the window does not have to guess it.
                let to = match to.as_str() {
                    "customer" => customer_said()
                        .map(|l| Language::of(&l.text))
                        .unwrap_or_else(|| language(agent_language)),
                    code => Language::parse(code).ok_or_else(|| {
                        invalid(format!(
                            "cannot translate into {to:?}: choose zh, en or customer"
                        ))
                    })?,
                };
                let text = text
                    .clone()
                    .or_else(|| customer_said().map(|l| l.text.clone()));
                (Task::Translate { to }, text)
            }
            AssistInput::Rewrite { text, style } => {
                let style = match style.as_str() {
                    "shorter" => Style::Shorter,
                    "warmer" => Style::Warmer,
                    "formal" => Style::Formal,
                    other => {
                        return Err(invalid(format!(
                            "no rewrite style {other:?}: shorter, warmer or formal"
                        )))
                    }
                };
                if text.trim().is_empty() {
                    return Err(invalid(
                        "write a reply first: the assistant rewrites what is in the composer"
                            .into(),
                    ));
                }
                (Task::Rewrite { style }, Some(text.clone()))
            }
        })
    }
}

/// The agent's language (Chinese unless it says otherwise).
pub(crate) fn language(code: &str) -> Language {
    Language::parse(code).unwrap_or(Language::Chinese)
}

/// What the desk holds for one call.
pub(crate) struct Gathered {
    pub conversation: Vec<Line>,
    pub customer: Option<CustomerFacts>,
    pub sources: Vec<Source>,
}

impl Gathered {
    pub(crate) async fn for_session(
        workspace: &Workspace,
        knowledge: &agentdesk_knowledge::Knowledge,
        customers: &agentdesk_customer360::Customers,
        session_id: &str,
        input: &AssistInput,
    ) -> Result<Gathered, ApiError> {
        let conversation = conversation(workspace, session_id).await?;
        if conversation.is_empty() && !matches!(input, AssistInput::Rewrite { .. }) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the conversation has no text yet: the assistant starts once the customer has written",
            ));
        }
        let sources = match input.feature() {
            Feature::Draft | Feature::Summary => knowledge
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
        Ok(Gathered {
            conversation,
            customer: customer_facts(customers, session_id).await,
            sources,
        })
    }
}

/// The session's messages with words (texts, and voice messages read as text), oldest first.
async fn conversation(workspace: &Workspace, session_id: &str) -> Result<Vec<Line>, ApiError> {
    let id = session_id.to_string();
    let messages = workspace
        .read(move |store| store.messages(&id, CONVERSATION_MESSAGES))
        .await?;
    Ok(messages
        .iter()
        .filter_map(|m| {
            Some(Line {
                direction: match m.direction {
                    Direction::In => agentdesk_llm::Direction::In,
                    Direction::Out => agentdesk_llm::Direction::Out,
                },
                text: m.said()?.to_string(),
            })
        })
        .collect())
}

/// The customer's name, e-mail and orders (each with its parcel's last scan) from the cached 360°
/// view; `None` when nothing is known yet. The assistant hides the personal parts itself.
async fn customer_facts(
    customers: &agentdesk_customer360::Customers,
    session_id: &str,
) -> Option<CustomerFacts> {
    let view = customers.customer_view(session_id, false).await.ok()?;
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
