//! The outbox sender: takes due items from the store and sends each once (one at a time per
//! session, so each session's replies keep their order; many sessions at once, each independent of
//! the others, so one slow conversation never holds back another's replies). Before a request
//! leaves, its attempt is on disk (so a crash mid-send is known to be ambiguous); every outcome goes
//! to the engine actor, and the sender waits for its commit before looking at the outbox again, so
//! this process never has two attempts of one item out. What happens after a failure is the actor's
//! decision: Sobot honours no client message id, so a send is never simply repeated here.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use agentdesk_sobot::client::{OutgoingAttachment, OutgoingMessage};
use agentdesk_sobot::protocol::OnlineMsgModel;
use agentdesk_sobot::{AgentClient, SendFailure};
use agentdesk_store::{OutboxItem, ReadPool};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinSet;

use agentdesk_domain::SharedClock;

/// Sends in flight at once (across sessions).
const CONCURRENCY: usize = 32;

pub enum SendOutcome {
    /// About to send: record the attempt; `committed` fires only once it is on disk.
    Attempt {
        client_msg_id: String,
        session_id: String,
        /// The text (a file's name for an attachment), to tell its copy in the records.
        content: String,
        at_ms: i64,
    },
    Accepted {
        item: OutboxItem,
        receipt: OnlineMsgModel,
    },
    Failed {
        item: OutboxItem,
        failure: SendFailure,
    },
}

pub struct OutcomeReport {
    pub outcome: SendOutcome,
    pub committed: oneshot::Sender<()>,
}

/// Reports `outcome` and waits for its commit; false if it was not committed.
async fn report(outcomes: &mpsc::Sender<OutcomeReport>, outcome: SendOutcome) -> bool {
    let (committed, done) = oneshot::channel();
    if outcomes
        .send(OutcomeReport { outcome, committed })
        .await
        .is_err()
    {
        return false;
    }
    done.await.is_ok()
}

async fn send_once(
    client: Arc<AgentClient>,
    clock: SharedClock,
    outcomes: mpsc::Sender<OutcomeReport>,
    item: OutboxItem,
) {
    let attempt = SendOutcome::Attempt {
        client_msg_id: item.client_msg_id.clone(),
        session_id: item.session_id.clone(),
        content: item.content.clone(),
        at_ms: clock.now().as_i64(),
    };
    if !report(&outcomes, attempt).await {
        // The attempt is not on disk (or the item changed meanwhile): do not send.
        return;
    }
    let message = match &item.attachment {
        Some(attachment) => OutgoingMessage::Attachment(OutgoingAttachment {
            file_name: attachment.file_name.clone(),
            mime: attachment.mime.clone(),
            bytes: attachment.bytes.clone(),
        }),
        None => OutgoingMessage::Text(item.content.clone()),
    };
    let outcome = match client
        .send(&item.session_id, &item.visitor_id, &message)
        .await
    {
        Ok(receipt) => SendOutcome::Accepted { item, receipt },
        Err(failure) => SendOutcome::Failed { item, failure },
    };
    report(&outcomes, outcome).await;
}

pub async fn run(
    client: Arc<AgentClient>,
    clock: SharedClock,
    reads: ReadPool,
    wake: Arc<Notify>,
    outcomes: mpsc::Sender<OutcomeReport>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    // Sessions with a send out. A session leaves this set only here, when its task has been joined
    // (its outcome committed), and never between reading the outbox and filtering it: a row read
    // while its session was in flight is dropped, so no item is ever sent on a stale reading.
    let mut busy_sessions: HashSet<String> = HashSet::new();
    let mut in_flight: JoinSet<()> = JoinSet::new();
    let mut task_sessions: HashMap<tokio::task::Id, String> = HashMap::new();
    loop {
        if in_flight.len() < CONCURRENCY {
            let now_ms = clock.now().as_i64();
            let due = reads
                .read(move |store| store.due_outbox(now_ms, 1024))
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot read the outbox");
                    Vec::new()
                });
            // `due_outbox` gives at most one item per session (its oldest); keep that invariant
            // even if the query changes, and leave sessions that have a send out alone.
            for item in due {
                if in_flight.len() >= CONCURRENCY {
                    break;
                }
                if !busy_sessions.insert(item.session_id.clone()) {
                    continue;
                }
                let session_id = item.session_id.clone();
                let task = in_flight.spawn(send_once(
                    client.clone(),
                    clock.clone(),
                    outcomes.clone(),
                    item,
                ));
                task_sessions.insert(task.id(), session_id);
            }
        }
        // Each send is independent: the next look at the outbox comes as soon as any one of them
        // is done (or new work is queued), never after a whole wave.
        tokio::select! {
            Some(done) = in_flight.join_next_with_id(), if !in_flight.is_empty() => {
                // Every send that is done by now, so a burst of answers costs one look at the outbox.
                let mut finished = Some(done);
                while let Some(done) = finished {
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(error) => {
                            tracing::error!(%error, "an outbox send ended unexpectedly");
                            error.id()
                        }
                    };
                    if let Some(session_id) = task_sessions.remove(&id) {
                        busy_sessions.remove(&session_id);
                    }
                    finished = in_flight.try_join_next_with_id();
                }
            }
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
