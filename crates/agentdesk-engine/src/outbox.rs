//! The outbox sender: takes due items from the store, sends them (one at a time per session, so
//! each session's replies keep their order; many sessions at once), and reports every outcome to
//! the engine actor, waiting for its commit before looking at the outbox again so an item is never
//! sent twice by this process. Across processes, the client message id makes a repeat harmless.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_sobot::client::OutgoingAttachment;
use agentdesk_sobot::protocol::SendReceipt;
use agentdesk_sobot::{AgentClient, ClientError};
use agentdesk_store::{OutboxItem, Store};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinSet;

use crate::now_ms;

/// Sends in flight at once (across sessions).
const CONCURRENCY: usize = 32;

pub enum SendOutcome {
    Accepted {
        item: OutboxItem,
        receipt: SendReceipt,
    },
    Failed {
        item: OutboxItem,
        error: ClientError,
    },
}

pub struct OutcomeReport {
    pub outcome: SendOutcome,
    pub committed: oneshot::Sender<()>,
}

pub async fn run(
    client: Arc<AgentClient>,
    reader: Arc<Mutex<Store>>,
    wake: Arc<Notify>,
    outcomes: mpsc::Sender<OutcomeReport>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let due = {
            let store = reader.lock().unwrap_or_else(|p| p.into_inner());
            store.due_outbox(now_ms(), 1024).unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot read the outbox");
                Vec::new()
            })
        };
        // `due_outbox` gives at most one item per session (its oldest); keep that invariant even
        // if the query changes.
        let mut seen = HashSet::new();
        let wave: Vec<OutboxItem> = due
            .into_iter()
            .filter(|item| seen.insert(item.session_id.clone()))
            .collect();
        if wave.is_empty() {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = shutdown.changed() => return,
            }
            continue;
        }
        let mut in_flight = JoinSet::new();
        for item in wave {
            while in_flight.len() >= CONCURRENCY {
                in_flight.join_next().await;
            }
            let client = client.clone();
            let outcomes = outcomes.clone();
            in_flight.spawn(async move {
                let result = match &item.attachment {
                    Some(attachment) => {
                        let file = OutgoingAttachment {
                            file_name: attachment.file_name.clone(),
                            mime: attachment.mime.clone(),
                            bytes: attachment.bytes.clone(),
                        };
                        client
                            .send_attachment(
                                &item.session_id,
                                &item.visitor_id,
                                file,
                                &item.client_msg_id,
                            )
                            .await
                    }
                    None => {
                        client
                            .send_text(
                                &item.session_id,
                                &item.visitor_id,
                                &item.content,
                                &item.client_msg_id,
                            )
                            .await
                    }
                };
                let outcome = match result {
                    Ok(receipt) => SendOutcome::Accepted { item, receipt },
                    Err(error) => SendOutcome::Failed { item, error },
                };
                let (committed, done) = oneshot::channel();
                if outcomes
                    .send(OutcomeReport { outcome, committed })
                    .await
                    .is_ok()
                {
                    let _ = done.await;
                }
            });
        }
        tokio::select! {
            _ = async { while in_flight.join_next().await.is_some() {} } => {}
            _ = shutdown.changed() => return,
        }
    }
}
