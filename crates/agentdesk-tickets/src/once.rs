//! Tickets created exactly once. None of the four systems honours an idempotency key, so:
//! 1. the attempt is recorded (state `Sending`, with the real time) before the request leaves;
//! 2. its outcome is recorded when the answer comes: `Created` with the ticket, `Refused` with the
//!    reason (nothing was created; the draft is kept), or `Unknown` (no answer, a 5xx, a garbled
//!    answer: the system may have stored it);
//! 3. an attempt found `Sending` (the process died mid-call) or `Unknown` is looked up in the system
//!    before anything is sent again, and sent again only when the lookup proves it did not land.
//!
//! How each system's lookup proves it is in docs/PROTOCOL.md ("Tickets, exactly once").

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{CreatedTicket, SystemKind, TicketDraft, TicketError, TicketSystem};

/// Jira finds issues by label through its search index, which trails a create by seconds: a
/// lookup that finds nothing proves the issue absent only this long after the attempt.
pub const JIRA_INDEX_LAG: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptState {
    /// Recorded, never sent.
    Drafted,
    /// The request is (or was, when the process died) on its way.
    Sending,
    Created,
    /// The system said no; nothing was created.
    Refused,
    /// No answer said what happened.
    Unknown,
}

/// One ticket the agent submitted, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketAttempt {
    pub attempt_id: String,
    pub system: SystemKind,
    /// The system's address: the same attempt id never goes to another system or site.
    pub target: String,
    pub draft: TicketDraft,
    pub state: AttemptState,
    /// When it was last sent (real time, ms: compared with the system's own creation times).
    pub sent_at_ms: Option<i64>,
    pub ticket: Option<CreatedTicket>,
    /// Why it was refused, or why its outcome is unknown.
    pub error: Option<String>,
    /// The steps after creation are done (Jira's attachments).
    pub completed: bool,
}

/// Where attempts are recorded (the tenant's database in the app, a journal file for the CLI). A
/// save returns only once the record is durable.
pub trait TicketJournal: Send + Sync {
    fn load(&self, attempt_id: &str) -> Result<Option<TicketAttempt>, String>;
    fn save(&self, attempt: &TicketAttempt) -> Result<(), String>;
}

fn real_now_ms() -> i64 {
    // The systems' creation times are on their clocks: compared with the real time, never the
    // workbench's injected one.
    use agentdesk_domain::Clock as _;
    agentdesk_domain::SystemClock.now().as_i64()
}

fn record(journal: &dyn TicketJournal, attempt: &TicketAttempt) -> Result<(), TicketError> {
    journal.save(attempt).map_err(|e| {
        TicketError::Invalid(format!(
            "the ticket could not be recorded on this computer before sending ({e}); nothing was sent. Free some disk space and try again"
        ))
    })
}

/// Creates the ticket of `attempt_id` once, whatever happened to earlier tries of it: a ticket
/// already created is returned as it is, one that may have landed is looked up first.
pub async fn create_once(
    journal: &dyn TicketJournal,
    system: &TicketSystem,
    target: &str,
    attempt_id: &str,
    draft: &TicketDraft,
) -> Result<CreatedTicket, TicketError> {
    let mut attempt = match journal.load(attempt_id).map_err(TicketError::Invalid)? {
        Some(known) => known,
        None => TicketAttempt {
            attempt_id: attempt_id.to_string(),
            system: system.kind(),
            target: target.to_string(),
            draft: draft.clone(),
            state: AttemptState::Drafted,
            sent_at_ms: None,
            ticket: None,
            error: None,
            completed: false,
        },
    };
    if attempt.system != system.kind() || attempt.target != target {
        return Err(TicketError::Invalid(format!(
            "attempt {attempt_id} belongs to {} at {}, not {} at {target}",
            attempt.system,
            attempt.target,
            system.kind()
        )));
    }
    match attempt.state {
        AttemptState::Created => return finish(journal, system, attempt).await,
        AttemptState::Sending | AttemptState::Unknown => {
            if let Some(ticket) = landed(system, &attempt).await? {
                attempt.state = AttemptState::Created;
                attempt.ticket = Some(ticket);
                record(journal, &attempt)?;
                return finish(journal, system, attempt).await;
            }
        }
        AttemptState::Drafted | AttemptState::Refused => {}
    }
    send(journal, system, attempt, draft).await
}

/// Whether an attempt that may have been sent landed. An error here leaves it unknown: nothing is
/// sent while the system cannot say.
async fn landed(
    system: &TicketSystem,
    attempt: &TicketAttempt,
) -> Result<Option<CreatedTicket>, TicketError> {
    let sent_at = attempt.sent_at_ms.unwrap_or_else(real_now_ms);
    let found = system
        .find_attempt(&attempt.draft, &attempt.attempt_id, sent_at)
        .await?;
    if found.is_none()
        && system.kind() == SystemKind::Jira
        && real_now_ms() - sent_at < JIRA_INDEX_LAG.as_millis() as i64
    {
        return Err(TicketError::NoAnswer {
            system: SystemKind::Jira,
            endpoint: "search/jql".into(),
            message: format!(
                "Jira's search may not show an issue created in the last {} s; checking again before sending",
                JIRA_INDEX_LAG.as_secs()
            ),
        });
    }
    Ok(found)
}

async fn send(
    journal: &dyn TicketJournal,
    system: &TicketSystem,
    mut attempt: TicketAttempt,
    draft: &TicketDraft,
) -> Result<CreatedTicket, TicketError> {
    attempt.draft = draft.clone();
    attempt.state = AttemptState::Sending;
    attempt.sent_at_ms = Some(real_now_ms());
    attempt.error = None;
    record(journal, &attempt)?;
    match system.send(draft, &attempt.attempt_id).await {
        Ok(ticket) => {
            attempt.state = AttemptState::Created;
            attempt.ticket = Some(ticket);
            record(journal, &attempt)?;
            finish(journal, system, attempt).await
        }
        Err(error) if error.outcome_unknown() => {
            attempt.state = AttemptState::Unknown;
            attempt.error = Some(error.to_string());
            record(journal, &attempt)?;
            // The answer may have been lost after the system stored the ticket: look once now.
            match landed(system, &attempt).await {
                Ok(Some(ticket)) => {
                    attempt.state = AttemptState::Created;
                    attempt.ticket = Some(ticket);
                    record(journal, &attempt)?;
                    finish(journal, system, attempt).await
                }
                _ => Err(error),
            }
        }
        Err(error) => {
            attempt.state = AttemptState::Refused;
            attempt.error = Some(error.to_string());
            record(journal, &attempt)?;
            Err(error)
        }
    }
}

/// The steps after creation (repeatable), then the ticket.
async fn finish(
    journal: &dyn TicketJournal,
    system: &TicketSystem,
    mut attempt: TicketAttempt,
) -> Result<CreatedTicket, TicketError> {
    let Some(ticket) = attempt.ticket.clone() else {
        return Err(TicketError::Invalid(format!(
            "attempt {} is recorded as created without its ticket",
            attempt.attempt_id
        )));
    };
    if !attempt.completed {
        system.complete(&ticket, &attempt.draft).await?;
        attempt.completed = true;
        record(journal, &attempt)?;
    }
    Ok(ticket)
}

/// The journal in a workspace's database (the app's tenant database, or the CLI's journal file),
/// through one connection of its own, opened on first use (every open runs the key check and the
/// migrations) and opened again after a failure. Each save commits before it returns: a record
/// that is on disk when `save` returns is what makes a crash harmless.
pub struct DatabaseJournal {
    connection: agentdesk_store::JournalConnection,
}

impl DatabaseJournal {
    pub fn new(database: agentdesk_store::Database) -> DatabaseJournal {
        DatabaseJournal {
            connection: agentdesk_store::JournalConnection::new(database),
        }
    }

    fn with_store<T>(
        &self,
        work: impl FnOnce(&agentdesk_store::Store) -> Result<T, agentdesk_store::StoreError>,
    ) -> Result<T, String> {
        self.connection.with_store(work)
    }

    /// Closes the journal's connection (the next call opens it again): a closed workspace leaves no
    /// connection of its own behind on the database.
    pub fn release(&self) {
        self.connection.release();
    }

    /// Attempts not yet settled (sending, unknown, or created with steps left), oldest first.
    pub fn unfinished(&self) -> Result<Vec<TicketAttempt>, String> {
        let bodies = self.with_store(|store| store.ticket_attempts_except(&["refused", "done"]))?;
        Ok(bodies
            .iter()
            .filter_map(|body| serde_json::from_str(body).ok())
            .collect())
    }
}

impl TicketJournal for DatabaseJournal {
    fn load(&self, attempt_id: &str) -> Result<Option<TicketAttempt>, String> {
        match self.with_store(|store| store.ticket_attempt(attempt_id))? {
            None => Ok(None),
            Some(body) => serde_json::from_str(&body)
                .map(Some)
                .map_err(|e| format!("the record of attempt {attempt_id} is damaged: {e}")),
        }
    }

    fn save(&self, attempt: &TicketAttempt) -> Result<(), String> {
        let body = serde_json::to_string(attempt).map_err(|e| e.to_string())?;
        // "done" once nothing is left to do, so unfinished ones are found by state alone.
        let state = match attempt.state {
            AttemptState::Created if attempt.completed => "done",
            AttemptState::Drafted => "drafted",
            AttemptState::Sending => "sending",
            AttemptState::Created => "created",
            AttemptState::Refused => "refused",
            AttemptState::Unknown => "unknown",
        };
        self.with_store(|store| {
            store.put_ticket_attempt(&attempt.attempt_id, state, &body, real_now_ms())
        })
    }
}
