//! Each session's mood as its customer writes: judged from the session's last customer messages
//! (the newest counts most; an escalation cue such as 投诉, 12315 or "lawyer" always warns), by the
//! sentiment model and, once the sentence encoder is loaded, its meaning head as a second opinion.
//!
//! The `MoodJudge` follows the engine's events on its own (not on the event forwarder, whose job is
//! to be fast), sends the window only changes of what it shows, and tells the agent once when a
//! customer crosses the warning threshold, not on every angry line after that. If it falls behind
//! the engine it judges every open session again, so no warning is left stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use agentdesk_domain::{mask_pii, Direction, DomainEvent, SessionState};
use agentdesk_insight::sentiment::{is_calm_question, Label};
use agentdesk_store::{ReadPool, StoreError};
use agentdesk_workspace::{ApiError, DeskEvent, Notice, SessionMood, Workspace};
use tokio::sync::broadcast;

use crate::models::{loaded_encoder, sentiment_head, sentiment_model};

/// The customer messages that make a session's mood, newest first, and their weights.
const RISK_WEIGHTS: [f32; 3] = [0.6, 0.25, 0.15];
/// Messages whose meaning is remembered at most (about 1.5 KB each).
const MEANINGS_KEPT: usize = 2_048;

/// Messages' encoder vectors, kept by text: a session's mood is judged from its last three customer
/// messages each time one arrives, so each message is embedded once. Per workspace: it holds the
/// tenant's customers' words.
#[derive(Clone, Default)]
pub(crate) struct Meanings {
    seen: Arc<Mutex<HashMap<String, Vec<f32>>>>,
}

impl Meanings {
    /// The vectors of `lines` (those not seen yet computed in one batch), or none while the encoder
    /// is not loaded (the mood then comes from the words alone).
    fn of(&self, lines: &[String]) -> Option<Vec<Vec<f32>>> {
        let encoder = loaded_encoder()?;
        let missing: Vec<&str> = {
            let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            lines
                .iter()
                .filter(|l| !seen.contains_key(l.as_str()))
                .map(String::as_str)
                .collect()
        };
        let computed = if missing.is_empty() {
            Vec::new()
        } else {
            encoder.embed(&missing)
        };
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() + computed.len() > MEANINGS_KEPT {
            seen.clear();
        }
        for (text, vector) in missing.iter().zip(computed) {
            seen.insert(text.to_string(), vector);
        }
        lines.iter().map(|l| seen.get(l).cloned()).collect()
    }
}

/// A session's mood from its last customer messages, read on this (blocking) thread.
pub(crate) fn judge(
    reads: &ReadPool,
    meanings: &Meanings,
    session_id: &str,
    threshold: f32,
) -> Result<SessionMood, ApiError> {
    let model = sentiment_model()?;
    let lines = customer_lines(reads, session_id, RISK_WEIGHTS.len())?;
    let vectors = meanings.of(&lines);
    let verdicts: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(k, line)| match (&vectors, sentiment_head()) {
            (Some(vectors), Some(head)) => model.judge_with(line, Some((head, &vectors[k]))),
            _ => model.judge(line),
        })
        .collect();
    let weight_total: f32 = RISK_WEIGHTS.iter().take(verdicts.len()).sum();
    // Each message's p(negative), a calm question counting as neutral at most.
    let risk = if verdicts.is_empty() {
        0.0
    } else {
        verdicts
            .iter()
            .zip(&lines)
            .zip(RISK_WEIGHTS)
            .map(|((v, line), w)| {
                let p = (1.0 - v.score) / 2.0;
                w * if is_calm_question(line) {
                    p.min(0.5)
                } else {
                    p
                }
            })
            .sum::<f32>()
            / weight_total
    };
    // The cues of the messages that escalate.
    let mut cues: Vec<String> = Vec::new();
    for cue in verdicts
        .iter()
        .filter(|v| v.escalate)
        .flat_map(|v| v.cues.iter())
    {
        let cue = mask_pii(cue).into_owned();
        if !cues.contains(&cue) {
            cues.push(cue);
        }
    }
    let label = match verdicts.first().map(|v| v.label) {
        Some(Label::Negative) => "negative",
        Some(Label::Positive) => "positive",
        _ => "neutral",
    };
    Ok(SessionMood {
        session_id: session_id.to_string(),
        risk,
        label: label.into(),
        warn: risk >= threshold || verdicts.first().is_some_and(|v| v.escalate),
        cues,
    })
}

/// What the customer said in the session's newest `count` messages with words (texts, and voice
/// messages read as text), newest first.
pub(crate) fn customer_lines(
    reads: &ReadPool,
    session_id: &str,
    count: usize,
) -> Result<Vec<String>, StoreError> {
    let messages = reads.read_here(|store| store.messages(session_id, 50))?;
    Ok(messages
        .iter()
        .rev()
        .filter(|m| m.direction == Direction::In)
        .filter_map(|m| m.said())
        .take(count)
        .map(str::to_string)
        .collect())
}

/// What the window shows of a session's mood: whether it warns, and when it does, the risk in whole
/// percent and the cues.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    warn: bool,
    percent: u8,
    cues: Vec<String>,
}

impl Shown {
    fn of(mood: &SessionMood) -> Shown {
        if mood.warn {
            Shown {
                warn: true,
                percent: (mood.risk * 100.0).round() as u8,
                cues: mood.cues.clone(),
            }
        } else {
            // A calm session shows nothing, whatever its exact risk.
            Shown {
                warn: false,
                percent: 0,
                cues: Vec::new(),
            }
        }
    }
}

/// What one judgement changed in the window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MoodChange {
    pub mood: SessionMood,
    /// The session was calm before and is warned about now.
    pub crossed: bool,
}

/// What the window shows of each session, to send only changes (a busy queue of calm customers sends
/// nothing) and to tell a crossing from a session that stays upset.
#[derive(Debug, Default)]
pub(crate) struct ShownMoods {
    shown: HashMap<String, Shown>,
}

impl ShownMoods {
    pub(crate) fn forget(&mut self, session_id: &str) {
        self.shown.remove(session_id);
    }

    /// A session's new mood: what it changed in the window (nothing when it would show the same).
    pub(crate) fn judged(&mut self, mood: SessionMood) -> Option<MoodChange> {
        let shown = Shown::of(&mood);
        // Never judged before counts as calm: that is what the window assumes.
        let before = self
            .shown
            .insert(mood.session_id.clone(), shown.clone())
            .unwrap_or_else(|| Shown::of(&SessionMood::calm(&mood.session_id)));
        (before != shown).then_some(MoodChange {
            crossed: shown.warn && !before.warn,
            mood,
        })
    }
}

/// Follows one workspace's engine and judges each session whose customer wrote.
pub(crate) struct MoodJudge {
    workspace: Arc<Workspace>,
    meanings: Meanings,
    shown: ShownMoods,
    /// Customers' names by session, for notices.
    customers: HashMap<String, String>,
}

impl MoodJudge {
    /// Starts judging; stops with the workspace.
    pub(crate) fn spawn(
        workspace: Arc<Workspace>,
        meanings: Meanings,
    ) -> tokio::task::JoinHandle<()> {
        let events = workspace.engine().subscribe();
        let judge = MoodJudge {
            workspace,
            meanings,
            shown: ShownMoods::default(),
            customers: HashMap::new(),
        };
        tokio::spawn(judge.run(events))
    }

    async fn run(mut self, mut events: broadcast::Receiver<DomainEvent>) {
        let closed = self.workspace.closed().clone();
        loop {
            let next = tokio::select! {
                _ = closed.cancelled() => return,
                next = events.recv() => next,
            };
            match next {
                Ok(DomainEvent::MessageStored { message })
                    if message.direction == Direction::In =>
                {
                    self.customers
                        .entry(message.session_id.clone())
                        .or_insert(message.sender_name);
                    self.judge_and_tell(vec![message.session_id]).await;
                }
                // A voice message read as text counts as the customer's words from now on.
                Ok(DomainEvent::MessageTranscribed { session_id, .. }) => {
                    self.judge_and_tell(vec![session_id]).await;
                }
                Ok(DomainEvent::SessionOpened { session }) => {
                    self.customers.insert(session.id, session.visitor_name);
                }
                Ok(DomainEvent::SessionEnded { session_id }) => {
                    self.shown.forget(&session_id);
                    self.customers.remove(&session_id);
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(
                        skipped,
                        "the mood judge fell behind: judging every open session again"
                    );
                    self.judge_every_open_session().await;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    async fn judge_every_open_session(&mut self) {
        let open: Vec<String> = match self.workspace.engine().sessions().await {
            Ok(sessions) => sessions
                .into_iter()
                .filter(|s| s.state != SessionState::Ended)
                .map(|s| s.id)
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "could not list the sessions to judge");
                return;
            }
        };
        self.judge_and_tell(open).await;
    }

    /// Judges the sessions on a blocking thread (it reads their messages and may run the encoder),
    /// then publishes what changed.
    async fn judge_and_tell(&mut self, sessions: Vec<String>) {
        let policy = self.workspace.publisher().policy();
        let reads = self.workspace.reads().clone();
        let meanings = self.meanings.clone();
        let judged = tokio::task::spawn_blocking(move || {
            sessions
                .into_iter()
                .map(|id| judge(&reads, &meanings, &id, policy.mood_threshold))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        for mood in judged {
            let mood = match mood {
                Ok(mood) => mood,
                Err(error) => {
                    tracing::warn!(%error, "could not judge a session's mood");
                    continue;
                }
            };
            let Some(change) = self.shown.judged(mood) else {
                continue;
            };
            let publisher = self.workspace.publisher();
            let mood = change.mood;
            if change.crossed && policy.upset_customer {
                let notice = Notice::UpsetCustomer {
                    customer: self
                        .customers
                        .get(&mood.session_id)
                        .cloned()
                        .unwrap_or_default(),
                    session_id: mood.session_id.clone(),
                    percent: (mood.risk * 100.0).round().clamp(0.0, 100.0) as u8,
                    // Masked already (a cue can be a number the customer typed).
                    cues: mood.cues.clone(),
                };
                publisher.publish(|workspace| DeskEvent::Mood { workspace, mood });
                publisher.publish(|workspace| DeskEvent::Notice { workspace, notice });
            } else {
                publisher.publish(|workspace| DeskEvent::Mood { workspace, mood });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mood(session: &str, risk: f32, warn: bool) -> SessionMood {
        SessionMood {
            session_id: session.into(),
            risk,
            label: "negative".into(),
            cues: Vec::new(),
            warn,
        }
    }

    #[test]
    fn only_changes_of_what_the_window_shows_are_sent_and_a_crossing_is_told_once() {
        let mut shown = ShownMoods::default();
        assert_eq!(shown.judged(mood("a", 0.2, false)), None, "calm stays calm");
        let crossed = shown.judged(mood("a", 0.9, true)).unwrap();
        assert!(crossed.crossed);
        let angrier = shown.judged(mood("a", 0.95, true)).unwrap();
        assert!(!angrier.crossed, "still upset is not a new crossing");
        assert_eq!(shown.judged(mood("a", 0.95, true)), None);
        assert!(!shown.judged(mood("a", 0.1, false)).unwrap().crossed);
        shown.forget("a");
        assert!(shown.judged(mood("a", 0.9, true)).unwrap().crossed);
    }
}
