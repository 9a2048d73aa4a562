//! The agent's replies: queued durably, their outcomes settled (accepted, postponed, refused, or
//! unknown until the records say), and the other commands (retry, end a session).

use std::time::Duration;

use agentdesk_domain::{DeliveryFailure, DeliveryStatus, DomainEvent, MessageKind, SessionState};
use agentdesk_sobot::client::backoff_with_jitter;
use agentdesk_sobot::protocol::{message_body, ChatMessageModel, OnlineMsgModel};
use agentdesk_sobot::{ClientError, SendFailure};
use agentdesk_store::{OutboxAttachment, OutboxItem, OutboxState, Write};
use tokio::sync::oneshot;

use super::catch_up::UNKNOWN_CHECK_AFTER;
use super::{Actor, Batch, Command, Effect, Internal};
use crate::error::EngineError;
use crate::outbox::{OutcomeReport, SendOutcome};

impl Actor {
    pub(super) fn on_command(&mut self, command: Command, batch: &mut Batch) {
        match command {
            Command::Send {
                session_id,
                text,
                client_msg_id,
                attachment,
                reply,
            } => self.enqueue(session_id, text, client_msg_id, attachment, reply, batch),
            Command::Retry {
                client_msg_id,
                reply,
            } => self.requeue_failed(client_msg_id, reply, batch),
            Command::End { session_id, reply } => self.leave(session_id, reply),
        }
    }

    /// A reply into the outbox (durably, with its pending message, in one transaction).
    fn enqueue(
        &mut self,
        session_id: String,
        text: String,
        client_msg_id: String,
        attachment: Option<OutboxAttachment>,
        reply: oneshot::Sender<Result<String, EngineError>>,
        batch: &mut Batch,
    ) {
        let Some(meta) = self.sessions.get(&session_id) else {
            let _ = reply.send(Err(EngineError::UnknownSession(session_id)));
            return;
        };
        if meta.session.state == SessionState::Ended {
            let _ = reply.send(Err(EngineError::InvalidInput(
                "this session has ended; the customer can no longer receive messages in it".into(),
            )));
            return;
        }
        let item = OutboxItem {
            client_msg_id: client_msg_id.clone(),
            session_id: session_id.clone(),
            visitor_id: meta.session.visitor_id.clone(),
            kind: if attachment.is_some() {
                MessageKind::Image
            } else {
                MessageKind::Text
            },
            content: text,
            sender_name: self.agent_name.clone(),
            state: OutboxState::Pending,
            attempts: 0,
            next_attempt_at_ms: 0,
            last_error: None,
            created_at_ms: self.now_ms(),
            attachment,
            attempt_started_at_ms: None,
        };
        self.pending_clients.insert(client_msg_id.clone());
        batch.write(
            Write::Enqueue(item.clone()),
            Some(DomainEvent::MessageStored {
                message: item.pending_message(),
            }),
        );
        batch.effects.push(Effect::ReplySend {
            reply,
            client_msg_id,
        });
        self.wake_outbox.notify_one();
    }

    /// A failed reply back into the outbox, on the agent's word.
    fn requeue_failed(
        &mut self,
        client_msg_id: String,
        reply: oneshot::Sender<Result<(), EngineError>>,
        batch: &mut Batch,
    ) {
        let item = self.store.outbox_item(&client_msg_id);
        let session_id = match item {
            Ok(Some(item)) if item.state == OutboxState::Failed => item.session_id,
            Ok(_) => {
                let _ = reply.send(Err(EngineError::InvalidInput(format!(
                    "no failed message with id {client_msg_id} to retry"
                ))));
                return;
            }
            Err(error) => {
                let _ = reply.send(Err(error.into()));
                return;
            }
        };
        self.pending_clients.insert(client_msg_id.clone());
        batch.write(
            Write::Requeue {
                client_msg_id: client_msg_id.clone(),
            },
            Some(DomainEvent::MessageStatusChanged {
                session_id,
                client_msg_id,
                status: DeliveryStatus::Pending,
                msg_id: None,
                error: None,
                failure: None,
            }),
        );
        batch.effects.push(Effect::ReplyUnit(reply));
        self.wake_outbox.notify_one();
    }

    /// Ends the session on the platform; it ends here once the platform has answered.
    fn leave(&mut self, session_id: String, reply: oneshot::Sender<Result<(), EngineError>>) {
        let Some(meta) = self.sessions.get(&session_id) else {
            let _ = reply.send(Err(EngineError::UnknownSession(session_id)));
            return;
        };
        let visitor_id = meta.session.visitor_id.clone();
        let client = self.client.clone();
        let tx = self.internal_tx.clone();
        tokio::spawn(async move {
            let result = client.leave(&session_id, &visitor_id).await;
            let _ = tx
                .send(Internal::Left {
                    session_id,
                    result,
                    reply,
                })
                .await;
        });
    }

    pub(super) fn fail_send(
        &mut self,
        item: &OutboxItem,
        reason: String,
        failure: DeliveryFailure,
        batch: &mut Batch,
    ) {
        self.stat(|s| s.sends_failed += 1);
        self.pending_clients.remove(&item.client_msg_id);
        batch.write(
            Write::MarkFailed {
                client_msg_id: item.client_msg_id.clone(),
                error: reason.clone(),
            },
            Some(DomainEvent::MessageStatusChanged {
                session_id: item.session_id.clone(),
                client_msg_id: item.client_msg_id.clone(),
                status: DeliveryStatus::Failed,
                msg_id: None,
                error: Some(reason),
                failure: Some(failure),
            }),
        );
    }

    pub(super) fn on_outcome(&mut self, report: OutcomeReport, batch: &mut Batch) {
        match report.outcome {
            SendOutcome::Attempt {
                client_msg_id,
                session_id,
                content,
                at_ms,
            } => {
                self.in_flight
                    .insert(client_msg_id.clone(), (session_id, content));
                batch.attempts.push(client_msg_id.clone());
                let index = batch.write(
                    Write::OutboxAttempt {
                        client_msg_id,
                        at_ms,
                    },
                    None,
                );
                batch.effects.push(Effect::AttemptRecorded {
                    index,
                    go: report.committed,
                });
                return;
            }
            SendOutcome::Accepted { item, receipt } => {
                self.in_flight.remove(&item.client_msg_id);
                self.on_accepted(item, receipt, batch);
            }
            SendOutcome::Failed { item, failure } => {
                self.in_flight.remove(&item.client_msg_id);
                match failure {
                    SendFailure::NotSent(error) => {
                        self.stat(|s| s.sends_postponed += 1);
                        let delay = backoff_with_jitter(
                            item.attempts + 1,
                            Duration::from_millis(250),
                            Duration::from_secs(30),
                        );
                        batch.write(
                            Write::Postpone {
                                client_msg_id: item.client_msg_id,
                                next_attempt_at_ms: self.now_ms() + delay.as_millis() as i64,
                                error: error.to_string(),
                            },
                            None,
                        );
                    }
                    SendFailure::Refused(error) => {
                        let failure = DeliveryFailure::from_platform_code(
                            error.platform_code().unwrap_or_default(),
                        );
                        let reason = match failure {
                            DeliveryFailure::SensitiveWord => "the platform refused it for a sensitive word (200032): the customer did not see it. Edit it and send again.".to_string(),
                            _ => error.to_string(),
                        };
                        self.fail_send(&item, reason, failure, batch);
                    }
                    SendFailure::Unknown(error) => self.send_unknown(item, error, batch),
                }
            }
        }
        batch.effects.push(Effect::Committed(report.committed));
    }

    pub(super) fn on_accepted(
        &mut self,
        item: OutboxItem,
        receipt: OnlineMsgModel,
        batch: &mut Batch,
    ) {
        let Some(msg_id) = receipt.msg_id.filter(|id| !id.is_empty()) else {
            // Accepted without an id to recognise it by: settle it from the records.
            let error = ClientError::Decode {
                endpoint: "send".into(),
                message: "accepted without a msgId".into(),
                body: String::new(),
            };
            self.send_unknown(item, error, batch);
            return;
        };
        self.stat(|s| s.sends_accepted += 1);
        batch.write(
            Write::OutboxAccepted {
                client_msg_id: item.client_msg_id.clone(),
            },
            None,
        );
        // The answer has no time: this PC's clock until a catch-up gives the platform's.
        let at = self.now_ms();
        if let Some(meta) = self.sessions.get_mut(&item.session_id) {
            meta.latest_ms = meta.latest_ms.max(at);
        }
        let mut message = item.pending_message();
        message.msg_id = Some(msg_id);
        message.status = DeliveryStatus::Sent;
        message.sent_at_ms = at;
        self.write_message(message, None, batch);
    }

    pub(super) fn send_unknown(&mut self, item: OutboxItem, error: ClientError, batch: &mut Batch) {
        self.stat(|s| s.sends_unknown += 1);
        batch.write(
            Write::OutboxUnknown {
                client_msg_id: item.client_msg_id.clone(),
                error: error.to_string(),
            },
            Some(DomainEvent::MessageStatusChanged {
                session_id: item.session_id.clone(),
                client_msg_id: item.client_msg_id.clone(),
                status: DeliveryStatus::Unknown,
                msg_id: None,
                error: Some(error.to_string()),
                failure: None,
            }),
        );
        self.schedule_catch_up(item.session_id, UNKNOWN_CHECK_AFTER);
    }
}

/// Whether a record is the outbox item: the same text, or for a file the same kind of message.
pub(super) fn same_message(record: &ChatMessageModel, item: &OutboxItem) -> bool {
    let (body_type, body_content) = message_body(record.message.as_ref());
    let msg_type = record.msg_type.or(body_type).unwrap_or(0);
    match item.attachment {
        Some(_) => MessageKind::from_sobot_msg_type(msg_type) == item.kind,
        None => {
            msg_type == 0
                && body_content
                    .as_deref()
                    .or(record.msg.as_deref())
                    .is_some_and(|text| text == item.content)
        }
    }
}
