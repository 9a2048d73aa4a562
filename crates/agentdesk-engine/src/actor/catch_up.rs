//! Catching up from the platform: the reception list after a (re)connect and every so often, and
//! each session's records (`queryHistoryRecords`) when a push cannot be placed, a send's outcome is
//! unknown, or anything else left a gap.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use agentdesk_domain::{
    DeliveryFailure, DeliveryStatus, Direction, DomainEvent, Message, MessageKind, SessionState,
};
use agentdesk_sobot::client::backoff_with_jitter;
use agentdesk_sobot::protocol::{
    message_body, parse_platform_time, sender_type, ChatMessageModel, RetCode, SynChronousModel,
    ACTION_CHAT,
};
use agentdesk_sobot::ClientError;
use agentdesk_store::{OutboxItem, Write};

use super::sends::same_message;
use super::{Actor, Batch, CatchUpDue, Effect, Internal};
use crate::error::EngineError;

/// A push that may have been reordered (older than what the session holds, or without a time) has
/// the session caught up once it has been quiet this long...
pub(super) const CATCH_UP_QUIET: Duration = Duration::from_millis(500);
/// ...or at the latest this long after the first such push.
const CATCH_UP_MAX_WAIT: Duration = Duration::from_secs(3);
/// A push in the same second as the session's newest message is stored just after it (pushes on one
/// connection come in the platform's order; `ts` has whole seconds only): the records give it its
/// exact millisecond, and its exact place should two pushes of one second have come the wrong way
/// round. They are read this long after the first such push, whatever comes meanwhile: a customer
/// writing twice a second then costs one read per 5 s instead of one a second (issue 28: ≤ 0.2
/// reads per message at 500 sessions; a real platform may throttle a desk that reads more), and a
/// same-second swap shows for 5 s at most.
pub const EXACT_TIMES_AFTER: Duration = Duration::from_secs(5);
/// Catch-ups in flight at once.
const CATCH_UP_CONCURRENCY: usize = 4;
/// How long after an unanswered send its session's records are read to look for it.
pub(super) const UNKNOWN_CHECK_AFTER: Duration = Duration::from_secs(2);
/// Clock difference tolerated between this PC (when a send started) and the platform (a record's
/// `t`) when looking for a send in the records.
const MATCH_SKEW_MS: i64 = 60_000;

impl Actor {
    /// Asks for the reception list. `full`: catch up every live session (after a (re)connect);
    /// otherwise only sessions whose last message is newer than what is stored.
    pub(super) fn request_reception(&mut self, full: bool, after: Duration) {
        self.receptions_in_flight += 1;
        self.publish_catch_ups_pending();
        let client = self.client.clone();
        let tx = self.internal_tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let requested_at = Instant::now();
            let result = client.synchronous().await;
            let _ = tx
                .send(Internal::Reception {
                    requested_at,
                    full,
                    result,
                })
                .await;
        });
    }

    /// Has `cid` read from the platform's records after `delay`. A later request may push an earlier
    /// one back (the session is not quiet yet), but never past the deadline of any request so far:
    /// `CATCH_UP_MAX_WAIT` after it, or `delay` when that is longer. So an urgent request after a
    /// patient one (a reorder after a same-second push) is still served within its own deadline.
    pub(super) fn schedule_catch_up(&mut self, cid: String, delay: Duration) {
        let now = Instant::now();
        let deadline = now + delay.max(CATCH_UP_MAX_WAIT);
        let due = self.catch_up_due.entry(cid).or_insert(CatchUpDue {
            at: now + delay,
            deadline,
        });
        due.deadline = due.deadline.min(deadline);
        due.at = due.at.max(now + delay).min(due.deadline);
        self.publish_catch_ups_pending();
    }

    pub(super) fn start_due_catch_ups(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .catch_up_due
            .iter()
            .filter(|(id, due)| due.at <= now && !self.catching_up.contains(*id))
            .map(|(id, _)| id.clone())
            .take(CATCH_UP_CONCURRENCY.saturating_sub(self.catching_up.len()))
            .collect();
        for session_id in due {
            self.catch_up_due.remove(&session_id);
            let Some(uid) = self
                .sessions
                .get(&session_id)
                .map(|m| m.session.visitor_id.clone())
            else {
                continue;
            };
            self.catching_up.insert(session_id.clone());
            self.stat(|s| s.catch_ups += 1);
            let client = self.client.clone();
            let tx = self.internal_tx.clone();
            tokio::spawn(async move {
                let result = async {
                    let aid = client.login().await?.aid;
                    let records = client.query_history_records(&session_id, &uid).await?;
                    Ok((records, aid))
                }
                .await;
                let _ = tx.send(Internal::CaughtUp { session_id, result }).await;
            });
        }
        self.publish_catch_ups_pending();
    }

    /// Publishes how many catch-ups and reception lists are due or running. Called when one is
    /// added (so the figure never shows 0 while one is due) and after each commit, when finished
    /// ones have their results on disk (so it never shows 0 before they do).
    pub(super) fn publish_catch_ups_pending(&self) {
        let pending = self.catch_up_due.len() + self.catching_up.len() + self.receptions_in_flight;
        self.stat(|s| s.catch_ups_pending = pending as u64);
    }

    pub(super) fn on_internal(&mut self, internal: Internal, batch: &mut Batch) {
        match internal {
            Internal::Reception {
                requested_at,
                full,
                result,
            } => {
                self.receptions_in_flight = self.receptions_in_flight.saturating_sub(1);
                match result {
                    Ok(reception) => self.reconcile(requested_at, full, reception, batch),
                    Err(error) => {
                        tracing::warn!(%error, "reception list failed; retrying");
                        self.request_reception(
                            full,
                            backoff_with_jitter(
                                2,
                                Duration::from_millis(500),
                                Duration::from_secs(5),
                            ),
                        );
                    }
                }
            }
            Internal::CaughtUp { session_id, result } => {
                self.catching_up.remove(&session_id);
                match result {
                    Ok((records, aid)) => self.on_records(&session_id, &records, &aid, batch),
                    Err(ClientError::Platform { code, message, .. })
                        if !code.needs_reauth() && code != RetCode::Unknown =>
                    {
                        // Not this agent's session (any more): nothing to catch up.
                        tracing::info!(session = %session_id, %message, "no records for this session");
                    }
                    Err(error) => {
                        tracing::warn!(%error, session = %session_id, "catch-up failed; retrying");
                        self.schedule_catch_up(session_id, Duration::from_secs(1));
                    }
                }
            }
            Internal::Left {
                session_id,
                result,
                reply,
            } => match result {
                Ok(()) => {
                    self.end_locally(&session_id, batch);
                    batch.effects.push(Effect::ReplyUnit(reply));
                }
                Err(error) => {
                    let _ = reply.send(Err(EngineError::Platform(error)));
                }
            },
        }
    }

    /// Brings the local session list in line with the platform's reception list, and schedules the
    /// catch-ups it calls for.
    pub(super) fn reconcile(
        &mut self,
        requested_at: Instant,
        full: bool,
        reception: SynChronousModel,
        batch: &mut Batch,
    ) {
        if let Some(waiting) = reception.wait_size {
            batch.emit(DomainEvent::QueueChanged {
                waiting: waiting.max(0) as u64,
            });
        }
        let mut listed = HashSet::new();
        for item in reception.user_list {
            let Some(cid) = item.cid.clone().filter(|c| !c.is_empty()) else {
                continue;
            };
            listed.insert(cid.clone());
            let started = item
                .accept_time_order
                .as_deref()
                .or(item.ts.as_deref())
                .and_then(parse_platform_time);
            let uid = item.uid.as_deref().or(item.user_id.as_deref());
            self.ensure_session(
                &cid,
                uid,
                item.uname.as_deref(),
                item.usource,
                started,
                batch,
            );
            let last_at = item.last_msg_time.as_deref().and_then(parse_platform_time);
            let known = self.sessions.get(&cid).map_or(0, |m| m.latest_ms);
            if full || last_at.is_some_and(|at| at / 1000 > known / 1000) {
                self.schedule_catch_up(cid, Duration::ZERO);
            }
        }
        // Sessions that ended while we were away. A session opened after the request may simply be
        // missing from a list computed before it existed, so it is left alone.
        let ended: Vec<String> = self
            .sessions
            .iter()
            .filter(|(id, meta)| {
                meta.session.state == SessionState::Active
                    && !listed.contains(*id)
                    && meta.opened_at < requested_at
            })
            .map(|(id, _)| id.clone())
            .collect();
        for cid in ended {
            self.end_locally(&cid, batch);
        }
        // Sends that may have been stored without an answer are settled in their session's records,
        // whether or not the session is still live.
        let unresolved = self.store.unresolved_outbox().unwrap_or_default();
        for item in unresolved {
            if !self.in_flight.contains_key(&item.client_msg_id) {
                self.schedule_catch_up(item.session_id, Duration::ZERO);
            }
        }
    }

    /// One session's records: first settle our sends whose outcome is unknown (found → sent, found
    /// hidden for a sensitive word → not delivered, absent → send again), then store what is missing
    /// and give what is stored the platform's exact times.
    pub(super) fn on_records(
        &mut self,
        session_id: &str,
        records: &[ChatMessageModel],
        aid: &str,
        batch: &mut Batch,
    ) {
        // What is stored of the session, with the time it is stored at (a record already held at
        // its exact time costs nothing), including what this batch is about to store.
        let mut stored: HashMap<String, i64> = self
            .store
            .messages(session_id, usize::MAX >> 1)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.msg_id.map(|id| (id, m.sent_at_ms)))
            .collect();
        batch.overlay_stored(session_id, &mut stored);
        let records = SessionRecords {
            session_id,
            aid,
            chat: records
                .iter()
                .filter(|r| r.action.is_none_or(|a| a == ACTION_CHAT))
                .filter(|r| r.msg_id.as_deref().is_some_and(|id| !id.is_empty()))
                .collect(),
            stored,
        };
        let claimed = self.settle_unknown_sends(&records, batch);
        self.store_missing_records(&records, &claimed, batch);
    }

    /// Our sends of the session whose outcome is unknown, looked for in its records. Answers the
    /// records that turned out to be those sends.
    fn settle_unknown_sends(
        &mut self,
        records: &SessionRecords,
        batch: &mut Batch,
    ) -> HashSet<String> {
        let unresolved: Vec<OutboxItem> = self
            .store
            .unresolved_outbox()
            .unwrap_or_default()
            .into_iter()
            .filter(|item| item.session_id == records.session_id)
            .filter(|item| !self.in_flight.contains_key(&item.client_msg_id))
            .collect();
        let mut claimed: HashSet<String> = HashSet::new();
        for item in unresolved {
            let started = item.attempt_started_at_ms.unwrap_or(item.created_at_ms);
            let found = records.chat.iter().find(|r| {
                let id = r.msg_id.as_deref().unwrap_or_default();
                records.ours(r)
                    && !claimed.contains(id)
                    && !records.stored.contains_key(id)
                    && r.t.is_none_or(|t| t >= started - MATCH_SKEW_MS)
                    && same_message(r, &item)
            });
            match found {
                Some(record) if record.user_no_see_flag == Some(1) => {
                    claimed.insert(record.msg_id.clone().unwrap_or_default());
                    self.stat(|s| s.sends_found_in_history += 1);
                    self.fail_send(
                        &item,
                        "the platform refused it for a sensitive word (200032): the customer did not see it. Edit it and send again.".into(),
                        DeliveryFailure::SensitiveWord,
                        batch,
                    );
                }
                Some(record) => {
                    let msg_id = record.msg_id.clone().unwrap_or_default();
                    claimed.insert(msg_id.clone());
                    self.stat(|s| s.sends_found_in_history += 1);
                    batch.write(
                        Write::OutboxAccepted {
                            client_msg_id: item.client_msg_id.clone(),
                        },
                        None,
                    );
                    let mut message = item.pending_message();
                    message.msg_id = Some(msg_id);
                    message.status = DeliveryStatus::Sent;
                    message.sent_at_ms = record.t.unwrap_or(message.sent_at_ms);
                    self.write_message(message, None, batch);
                }
                None if self.now_ms() >= started + UNKNOWN_CHECK_AFTER.as_millis() as i64 => {
                    // Not stored: sending it again cannot show it twice.
                    self.stat(|s| s.sends_resent_after_check += 1);
                    self.pending_clients.insert(item.client_msg_id.clone());
                    batch.write(
                        Write::Requeue {
                            client_msg_id: item.client_msg_id.clone(),
                        },
                        Some(DomainEvent::MessageStatusChanged {
                            session_id: item.session_id.clone(),
                            client_msg_id: item.client_msg_id.clone(),
                            status: DeliveryStatus::Pending,
                            msg_id: None,
                            error: None,
                            failure: None,
                        }),
                    );
                    self.wake_outbox.notify_one();
                }
                None => self.schedule_catch_up(records.session_id.to_string(), UNKNOWN_CHECK_AFTER),
            }
        }
        claimed
    }

    /// Stores the records not stored yet (except `claimed` ones, our sends just settled), and gives
    /// stored messages the platform's exact times.
    fn store_missing_records(
        &mut self,
        records: &SessionRecords,
        claimed: &HashSet<String>,
        batch: &mut Batch,
    ) {
        let session_id = records.session_id;
        // Our sends in flight right now: their answer confirms them; a copy from here would show
        // them twice until then.
        let in_flight_texts: Vec<String> = self
            .in_flight
            .values()
            .filter(|(session, _)| session == session_id)
            .map(|(_, text)| text.clone())
            .collect();
        let mut changed_times = Vec::new();
        let mut latest = 0;
        for record in &records.chat {
            let msg_id = record.msg_id.clone().unwrap_or_default();
            if claimed.contains(&msg_id) || record.user_no_see_flag == Some(1) {
                continue;
            }
            let (body_type, body_content) = message_body(record.message.as_ref());
            let content = body_content
                .or_else(|| record.msg.clone())
                .unwrap_or_default();
            if records.ours(record)
                && !records.stored.contains_key(&msg_id)
                && in_flight_texts.contains(&content)
            {
                continue;
            }
            let sent_at_ms = record
                .t
                .or_else(|| record.ts.as_deref().and_then(parse_platform_time))
                .unwrap_or_else(|| self.now_ms());
            latest = latest.max(sent_at_ms);
            if let Some(stored_at) = records.stored.get(&msg_id) {
                if *stored_at != sent_at_ms {
                    changed_times.push(batch.writes.len());
                    batch
                        .writes
                        .push(Write::ConfirmMessageTime { msg_id, sent_at_ms });
                }
                continue;
            }
            let direction = if record.sender_type == Some(sender_type::AGENT) {
                Direction::Out
            } else {
                Direction::In
            };
            let message = Message {
                session_id: session_id.to_string(),
                msg_id: Some(msg_id),
                client_msg_id: None,
                direction,
                kind: MessageKind::from_sobot_msg_type(record.msg_type.or(body_type).unwrap_or(0)),
                content,
                sender_name: record.sender_name.clone().unwrap_or_default(),
                sent_at_ms,
                status: DeliveryStatus::Sent,
                transcript: None,
            };
            self.write_message(message, None, batch);
        }
        // Messages that came after this read was made (stored, not in the records) in the second of
        // the records' newest were placed just after what was the newest then; with the exact times
        // now stored they could sort before it. They stay after it, in the order they came, until
        // their own exact-time read.
        let in_records: HashSet<&str> = records
            .chat
            .iter()
            .filter_map(|record| record.msg_id.as_deref())
            .collect();
        let mut overtaken: Vec<(&String, i64)> = records
            .stored
            .iter()
            .filter(|(id, at)| {
                !in_records.contains(id.as_str()) && **at <= latest && **at / 1000 == latest / 1000
            })
            .map(|(id, at)| (id, *at))
            .collect();
        overtaken.sort_by_key(|(_, at)| *at);
        for (id, _) in overtaken {
            latest += 1;
            changed_times.push(batch.writes.len());
            batch.writes.push(Write::ConfirmMessageTime {
                msg_id: id.clone(),
                sent_at_ms: latest,
            });
        }
        if let Some(meta) = self.sessions.get_mut(session_id) {
            meta.latest_ms = meta.latest_ms.max(latest);
        }
        if !changed_times.is_empty() {
            batch.effects.push(Effect::AfterAnyWrite {
                indices: changed_times,
                event: DomainEvent::SessionCaughtUp {
                    session_id: session_id.to_string(),
                },
            });
        }
    }
}

/// One session's chat records as the platform gave them, and what of them is stored already.
struct SessionRecords<'a> {
    session_id: &'a str,
    /// This agent's id on the platform, which marks its own messages (empty: any agent's).
    aid: &'a str,
    chat: Vec<&'a ChatMessageModel>,
    /// Stored messages by platform id, with the time each is stored at.
    stored: HashMap<String, i64>,
}

impl SessionRecords<'_> {
    /// Whether `record` is a message this agent sent.
    fn ours(&self, record: &ChatMessageModel) -> bool {
        record.sender_type == Some(sender_type::AGENT)
            && (self.aid.is_empty() || record.sender.as_deref() == Some(self.aid))
    }
}
