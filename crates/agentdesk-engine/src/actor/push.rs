//! What each push does: a new session, a customer's message placed by the platform's time, a
//! session ended, typing, a rating, the connection's changes.

use std::time::{Duration, Instant};

use agentdesk_domain::{
    Channel, ConnectionState, DeliveryStatus, Direction, DomainEvent, Message, MessageKind,
    Session, SessionState,
};
use agentdesk_sobot::protocol::{message_body, parse_platform_time, push_type, PushMessageModel};
use agentdesk_sobot::PushInput;
use agentdesk_store::{Visitor, Write};

use super::catch_up::{CATCH_UP_QUIET, EXACT_TIMES_AFTER};
use super::{Actor, Batch, Effect, SessionMeta};

impl Actor {
    pub(super) fn on_push(&mut self, input: PushInput, batch: &mut Batch) {
        match input {
            PushInput::Connected => {
                // Whatever was pushed while the link was down is gone: catch every session up.
                // (Asked for before the connect is counted: a reader of the figures never sees
                // this connect with nothing pending.)
                self.request_reception(true, Duration::ZERO);
                self.stat(|s| s.connects += 1);
                batch.emit(DomainEvent::ConnectionChanged {
                    state: ConnectionState::Connected,
                });
            }
            PushInput::Disconnected {
                attempt, retry_in, ..
            } => {
                self.stat(|s| s.disconnects += 1);
                let state = ConnectionState::Reconnecting {
                    attempt,
                    retry_in_ms: retry_in.as_millis() as u64,
                };
                batch.emit(DomainEvent::ConnectionChanged { state });
            }
            PushInput::Kicked { reason } => {
                let reason = match reason {
                    1 => "logged out",
                    3 => "signed out by an administrator",
                    _ => "this account signed in elsewhere",
                };
                batch.emit(DomainEvent::ConnectionChanged {
                    state: ConnectionState::Offline {
                        reason: reason.into(),
                    },
                });
            }
            PushInput::Malformed { error } => {
                self.stat(|s| s.malformed_frames += 1);
                tracing::warn!(%error, "skipped a malformed push frame");
            }
            PushInput::Frame { data, received_at } => {
                self.stat(|s| s.pushes_received += 1);
                self.on_frame(*data, received_at, batch);
            }
        }
    }

    pub(super) fn on_frame(
        &mut self,
        data: PushMessageModel,
        received_at: Instant,
        batch: &mut Batch,
    ) {
        let Some(kind) = data.kind else {
            tracing::warn!("skipped a push without a type");
            return;
        };
        let cid = data.cid.clone().unwrap_or_default();
        let uid = data.uid.as_deref().or(data.user_id.as_deref());
        let pushed_at = data.ts.as_deref().and_then(parse_platform_time);
        match kind {
            push_type::NEW_USER if !cid.is_empty() => {
                self.ensure_session(
                    &cid,
                    uid,
                    data.uname.as_deref(),
                    data.usource,
                    pushed_at,
                    batch,
                );
                // A new session may already have messages (a transferred one has a whole history).
                self.schedule_catch_up(cid, Duration::ZERO);
            }
            push_type::NEW_MESSAGE if !cid.is_empty() => {
                self.ensure_session(&cid, uid, data.uname.as_deref(), data.usource, None, batch);
                self.on_visitor_message(&cid, &data, pushed_at, received_at, batch);
            }
            push_type::USER_OFFLINE if !cid.is_empty() => self.end_locally(&cid, batch),
            push_type::TAKEN_OVER if !cid.is_empty() => {
                // Another agent took the visitor over (抢接): the reception list says whether the
                // session is still this agent's.
                self.request_reception(false, Duration::ZERO);
            }
            push_type::QUEUE => batch.emit(DomainEvent::QueueChanged {
                waiting: data.count.unwrap_or(0).max(0) as u64,
            }),
            push_type::TYPING if !cid.is_empty() => {
                batch.emit(DomainEvent::VisitorTyping { session_id: cid })
            }
            push_type::EVALUATION if !cid.is_empty() => {
                let score = data
                    .status
                    .as_deref()
                    .and_then(|s| s.trim().parse::<u8>().ok())
                    .unwrap_or(0)
                    .min(5);
                if score > 0 {
                    if let Some(meta) = self.sessions.get_mut(&cid) {
                        meta.session.rating = Some(score);
                    }
                    batch.write(
                        Write::RateSession {
                            session_id: cid.clone(),
                            score,
                        },
                        Some(DomainEvent::SessionRated {
                            session_id: cid,
                            score,
                        }),
                    );
                }
            }
            push_type::KICKED => {} // The push actor reports it as `Kicked` and stops.
            other => tracing::debug!(code = other, "ignored push type"),
        }
    }

    /// A visitor message pushed (103). Its `ts` has whole seconds only: a message its time places
    /// after everything the session holds is stored at that time; one in the same second as the
    /// newest is stored just after it (pushes on one connection arrive in the platform's order) and
    /// gets its exact time from the records within `EXACT_TIMES_AFTER`; an older one (a reorder) or
    /// one without a time has the session caught up soon, for anything the reorder hid.
    pub(super) fn on_visitor_message(
        &mut self,
        cid: &str,
        data: &PushMessageModel,
        pushed_at: Option<i64>,
        received_at: Instant,
        batch: &mut Batch,
    ) {
        let (body_type, body_content) = message_body(data.message.as_ref());
        let Some(msg_id) = data.msg_id.clone().filter(|id| !id.is_empty()) else {
            // Nothing to de-duplicate it by: take it from the session's records instead.
            self.schedule_catch_up(cid.to_string(), CATCH_UP_QUIET);
            return;
        };
        let latest = self.sessions.get(cid).map_or(0, |m| m.latest_ms);
        let (sent_at_ms, catch_up_after) = match pushed_at {
            Some(at) if latest == 0 || at / 1000 > latest / 1000 => (at, None),
            Some(at) if at / 1000 == latest / 1000 => (latest + 1, Some(EXACT_TIMES_AFTER)),
            Some(at) => (at, Some(CATCH_UP_QUIET)),
            None => (latest.max(self.now_ms()), Some(CATCH_UP_QUIET)),
        };
        if let Some(after) = catch_up_after {
            self.schedule_catch_up(cid.to_string(), after);
        }
        if let Some(meta) = self.sessions.get_mut(cid) {
            meta.latest_ms = meta.latest_ms.max(sent_at_ms);
        }
        let message = Message {
            session_id: cid.to_string(),
            msg_id: Some(msg_id),
            client_msg_id: None,
            direction: Direction::In,
            kind: MessageKind::from_sobot_msg_type(data.msg_type.or(body_type).unwrap_or(0)),
            content: data.content.clone().or(body_content).unwrap_or_default(),
            sender_name: data.uname.clone().unwrap_or_default(),
            sent_at_ms,
            status: DeliveryStatus::Sent,
            transcript: None,
        };
        self.write_message(message, Some(received_at), batch);
    }

    pub(super) fn ensure_session(
        &mut self,
        cid: &str,
        uid: Option<&str>,
        uname: Option<&str>,
        source: Option<i64>,
        started_at_ms: Option<i64>,
        batch: &mut Batch,
    ) {
        if let Some(meta) = self.sessions.get(cid) {
            if meta.session.state == SessionState::Active {
                return;
            }
        }
        let previous = self.sessions.get(cid).map(|m| m.session.clone());
        let latest_ms = self.sessions.get(cid).map_or(0, |m| m.latest_ms);
        let session = Session {
            id: cid.to_string(),
            visitor_id: uid
                .map(str::to_string)
                .or_else(|| previous.as_ref().map(|p| p.visitor_id.clone()))
                .unwrap_or_default(),
            visitor_name: uname
                .map(str::to_string)
                .or_else(|| previous.as_ref().map(|p| p.visitor_name.clone()))
                .unwrap_or_default(),
            channel: source
                .map(Channel::from_sobot_source)
                .or(previous.as_ref().map(|p| p.channel))
                .unwrap_or(Channel::Other),
            state: SessionState::Active,
            started_at_ms: previous
                .as_ref()
                .map(|p| p.started_at_ms)
                .or(started_at_ms)
                .unwrap_or_else(|| self.now_ms()),
            rating: previous.as_ref().and_then(|p| p.rating),
        };
        if !session.visitor_id.is_empty() {
            batch.write(
                Write::UpsertVisitor(Visitor {
                    id: session.visitor_id.clone(),
                    name: session.visitor_name.clone(),
                    channel: session.channel,
                    last_seen_ms: session.started_at_ms,
                }),
                None,
            );
        }
        batch.write(
            Write::UpsertSession(session.clone()),
            Some(DomainEvent::SessionOpened {
                session: session.clone(),
            }),
        );
        self.sessions.insert(
            cid.to_string(),
            SessionMeta {
                session,
                opened_at: Instant::now(),
                latest_ms,
            },
        );
    }

    pub(super) fn end_locally(&mut self, cid: &str, batch: &mut Batch) {
        if let Some(meta) = self.sessions.get_mut(cid) {
            meta.session.state = SessionState::Ended;
        }
        self.catch_up_due.remove(cid);
        batch.write(
            Write::EndSession {
                session_id: cid.to_string(),
            },
            Some(DomainEvent::SessionEnded {
                session_id: cid.to_string(),
            }),
        );
    }

    /// Writes a message the platform confirmed: our own send becomes `Sent`, anything else is
    /// announced as new. A message already stored (same msg id) changes nothing and says nothing.
    pub(super) fn write_message(
        &mut self,
        message: Message,
        received_at: Option<Instant>,
        batch: &mut Batch,
    ) {
        let ours = message
            .client_msg_id
            .as_ref()
            .is_some_and(|id| self.pending_clients.remove(id));
        let event = if ours {
            DomainEvent::MessageStatusChanged {
                session_id: message.session_id.clone(),
                client_msg_id: message.client_msg_id.clone().unwrap_or_default(),
                status: DeliveryStatus::Sent,
                msg_id: message.msg_id.clone(),
                error: None,
                failure: None,
            }
        } else {
            DomainEvent::MessageStored {
                message: message.clone(),
            }
        };
        let inbound = message.direction == Direction::In;
        batch.writes.push(Write::StoreMessage(message));
        batch.effects.push(Effect::AfterWrite {
            index: batch.writes.len() - 1,
            event: Some(event),
            received_at,
            stored_message: inbound,
        });
    }
}
