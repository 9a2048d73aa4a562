//! One test per table, on a real SQLite file: idempotent writes, the outbox's ordering rules,
//! PII masking in the audit log, and clear errors for a read-only database.

use agentdesk_domain::{
    Channel, DeliveryStatus, Direction, Message, MessageKind, Session, SessionState,
};
use agentdesk_store::{
    AuditEntry, KbArticle, OutboxAttachment, OutboxItem, OutboxState, Store, StoreError, Visitor,
    Write,
};

fn session(id: &str) -> Session {
    Session {
        id: id.into(),
        visitor_id: format!("u-{id}"),
        visitor_name: "王芳".into(),
        channel: Channel::Wechat,
        state: SessionState::Active,
        started_at_ms: 1,
        rating: None,
    }
}

/// The `n`th customer message of a session, at platform time `n` ms.
fn inbound(session: &str, seq: u64) -> Message {
    Message {
        session_id: session.into(),
        msg_id: Some(format!("m-{session}-{seq}")),
        client_msg_id: None,
        direction: Direction::In,
        kind: MessageKind::Text,
        content: format!("text {seq}"),
        sender_name: "王芳".into(),
        sent_at_ms: seq as i64,
        status: DeliveryStatus::Sent,
        transcript: None,
    }
}

fn outbox_item(session: &str, id: &str, created: i64) -> OutboxItem {
    OutboxItem {
        client_msg_id: id.into(),
        session_id: session.into(),
        visitor_id: format!("u-{session}"),
        kind: MessageKind::Text,
        content: format!("reply {id}"),
        sender_name: "agent".into(),
        state: OutboxState::Pending,
        attempts: 0,
        next_attempt_at_ms: 0,
        last_error: None,
        created_at_ms: created,
        attachment: None,
        attempt_started_at_ms: None,
    }
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("a").join("t.sqlite3")).unwrap();
    (dir, store)
}

#[test]
fn sessions_upsert_end_and_rate() {
    let (_dir, mut store) = open();
    assert_eq!(
        store.apply(&[Write::UpsertSession(session("c1"))]).unwrap(),
        vec![true]
    );
    assert_eq!(
        store.apply(&[Write::UpsertSession(session("c1"))]).unwrap(),
        vec![false],
        "unchanged upsert"
    );
    store
        .apply(&[
            Write::StoreMessage(inbound("c1", 1)),
            Write::StoreMessage(inbound("c1", 2)),
        ])
        .unwrap();
    store
        .apply(&[
            Write::RateSession {
                session_id: "c1".into(),
                score: 5,
            },
            Write::EndSession {
                session_id: "c1".into(),
            },
        ])
        .unwrap();
    let stored = store.session("c1").unwrap().unwrap();
    assert_eq!(
        (stored.rating, stored.state),
        (Some(5), SessionState::Ended)
    );
    assert_eq!(
        store
            .apply(&[Write::EndSession {
                session_id: "c1".into()
            }])
            .unwrap(),
        vec![false]
    );
}

#[test]
fn messages_are_unique_by_msg_id_and_ordered_by_the_platforms_time() {
    let (_dir, mut store) = open();
    let applied = store
        .apply(&[
            Write::StoreMessage(inbound("c1", 2)),
            Write::StoreMessage(inbound("c1", 2)),
            Write::StoreMessage(inbound("c1", 1)),
        ])
        .unwrap();
    assert_eq!(applied, vec![true, false, true]);
    let texts = |store: &Store| {
        store
            .messages("c1", 10)
            .unwrap()
            .into_iter()
            .map(|m| m.content)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        texts(&store),
        vec!["text 1", "text 2"],
        "by time, not arrival"
    );

    // A push gave whole seconds; the records give the exact time, which moves the message.
    assert_eq!(
        store
            .apply(&[
                Write::ConfirmMessageTime {
                    msg_id: "m-c1-1".into(),
                    sent_at_ms: 5,
                },
                Write::ConfirmMessageTime {
                    msg_id: "m-c1-1".into(),
                    sent_at_ms: 5,
                },
            ])
            .unwrap(),
        vec![true, false]
    );
    assert_eq!(texts(&store), vec!["text 2", "text 1"]);
    let in_order = store.texts_in_order().unwrap();
    assert_eq!(
        in_order
            .iter()
            .map(|t| t.content.as_str())
            .collect::<Vec<_>>(),
        vec!["text 2", "text 1"]
    );
    // Where a restarted engine finds each session on the platform's clock.
    store
        .apply(&[Write::StoreMessage(inbound("c2", 7))])
        .unwrap();
    assert_eq!(
        store.latest_confirmed_times().unwrap(),
        std::collections::HashMap::from([("c1".to_string(), 5), ("c2".to_string(), 7)])
    );
}

#[test]
fn outbox_enqueue_is_idempotent_and_confirmation_completes_the_pending_message() {
    let (_dir, mut store) = open();
    let item = outbox_item("c1", "k1", 10);
    assert_eq!(
        store
            .apply(&[Write::Enqueue(item.clone()), Write::Enqueue(item.clone())])
            .unwrap(),
        vec![true, false]
    );
    assert_eq!(store.outbox_depth().unwrap(), 1);
    let pending = store.message_by_client_id("k1").unwrap().unwrap();
    assert_eq!(
        (pending.status, pending.msg_id),
        (DeliveryStatus::Pending, None)
    );

    // A catch-up stored the platform's copy before the send's answer came: the answer completes
    // the local message and the copy goes, so the window shows it once.
    let mut copy = inbound("c1", 30);
    copy.msg_id = Some("m3".into());
    copy.direction = Direction::Out;
    store.apply(&[Write::StoreMessage(copy)]).unwrap();
    let mut confirmed = item.pending_message();
    confirmed.msg_id = Some("m3".into());
    confirmed.status = DeliveryStatus::Sent;
    assert_eq!(
        store
            .apply(&[Write::StoreMessage(confirmed.clone())])
            .unwrap(),
        vec![true]
    );
    assert_eq!(
        store.apply(&[Write::StoreMessage(confirmed)]).unwrap(),
        vec![false],
        "confirming twice changes nothing"
    );
    let sent = store.message_by_client_id("k1").unwrap().unwrap();
    assert_eq!(
        (sent.status, sent.msg_id.as_deref()),
        (DeliveryStatus::Sent, Some("m3"))
    );
    assert_eq!(store.outbox_depth().unwrap(), 0);
    assert_eq!(
        store.messages("c1", 10).unwrap().len(),
        1,
        "completed in place, not inserted again"
    );
}

#[test]
fn a_postponed_item_holds_back_its_session_but_not_others() {
    let (_dir, mut store) = open();
    store
        .apply(&[
            Write::Enqueue(outbox_item("c1", "a1", 1)),
            Write::Enqueue(outbox_item("c1", "a2", 2)),
            Write::Enqueue(outbox_item("c2", "b1", 3)),
        ])
        .unwrap();
    let due: Vec<String> = store
        .due_outbox(100, 10)
        .unwrap()
        .into_iter()
        .map(|i| i.client_msg_id)
        .collect();
    assert_eq!(due, vec!["a1", "b1"], "one per session, oldest first");
    store
        .apply(&[Write::Postpone {
            client_msg_id: "a1".into(),
            next_attempt_at_ms: 1_000,
            error: "503".into(),
        }])
        .unwrap();
    let due: Vec<String> = store
        .due_outbox(100, 10)
        .unwrap()
        .into_iter()
        .map(|i| i.client_msg_id)
        .collect();
    assert_eq!(due, vec!["b1"], "a2 must not overtake the postponed a1");
    store
        .apply(&[Write::MarkFailed {
            client_msg_id: "a1".into(),
            error: "refused".into(),
        }])
        .unwrap();
    assert_eq!(
        store.message_by_client_id("a1").unwrap().unwrap().status,
        DeliveryStatus::Failed
    );
    let due: Vec<String> = store
        .due_outbox(100, 10)
        .unwrap()
        .into_iter()
        .map(|i| i.client_msg_id)
        .collect();
    assert_eq!(due, vec!["a2", "b1"]);
    assert_eq!(
        store
            .apply(&[Write::Requeue {
                client_msg_id: "a1".into()
            }])
            .unwrap(),
        vec![true]
    );
    assert_eq!(
        store.message_by_client_id("a1").unwrap().unwrap().status,
        DeliveryStatus::Pending
    );
}

#[test]
fn visitors_keep_the_latest_sighting() {
    let (_dir, mut store) = open();
    let visitor = Visitor {
        id: "u1".into(),
        name: "Emma".into(),
        channel: Channel::App,
        last_seen_ms: 5,
    };
    assert_eq!(
        store
            .apply(&[Write::UpsertVisitor(visitor.clone())])
            .unwrap(),
        vec![true]
    );
    let older = Visitor {
        last_seen_ms: 1,
        ..visitor
    };
    assert_eq!(
        store.apply(&[Write::UpsertVisitor(older)]).unwrap(),
        vec![true]
    );
}

fn refund_article() -> KbArticle {
    KbArticle {
        docid: "d1".into(),
        question: "退款多久到账？".into(),
        answer_text: "1–5 个工作日".into(),
        category: "退款".into(),
        similar_questions: vec!["钱什么时候退回来".into()],
        language: "zh".into(),
        updated_at_ms: 10,
    }
}

#[test]
fn kb_articles_update_only_when_newer() {
    let (_dir, mut store) = open();
    let article = refund_article();
    assert_eq!(
        store
            .upsert_articles(std::slice::from_ref(&article))
            .unwrap(),
        1
    );
    let stale = KbArticle {
        answer_text: "old".into(),
        updated_at_ms: 5,
        ..article.clone()
    };
    assert_eq!(store.upsert_articles(&[stale]).unwrap(), 0);
    assert_eq!(store.articles().unwrap(), vec![article]);
}

#[test]
fn learned_questions_are_kept_once_and_survive_a_newer_article() {
    let (dir, mut store) = open();
    let article = KbArticle {
        similar_questions: vec![],
        ..refund_article()
    };
    store
        .upsert_articles(std::slice::from_ref(&article))
        .unwrap();
    assert!(store.learn_question("d1", "钱啥时候回来", 100).unwrap());
    assert!(!store.learn_question("d1", "钱啥时候回来", 200).unwrap());
    assert!(store.learn_question("d1", "退款到哪了", 150).unwrap());
    // The platform changes the article: what the agents taught stays.
    store
        .upsert_articles(&[KbArticle {
            answer_text: "新的答案".into(),
            updated_at_ms: 20,
            ..article
        }])
        .unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("a").join("t.sqlite3")).unwrap();
    assert_eq!(
        store.learned_questions().unwrap(),
        vec![
            ("d1".to_string(), "钱啥时候回来".to_string()),
            ("d1".to_string(), "退款到哪了".to_string()),
        ]
    );
}

#[test]
fn the_audit_log_masks_personal_data_and_prunes_by_age() {
    let (_dir, mut store) = open();
    let entry = |at: i64| AuditEntry {
        at_ms: at,
        actor: "agent1@example.com".into(),
        endpoint: "send".into(),
        duration_ms: 3.5,
        outcome: "200003".into(),
        detail: "customer 13812345678 said 110101199003071234".into(),
    };
    store
        .apply(&[Write::Audit(entry(1)), Write::Audit(entry(100))])
        .unwrap();
    let entries = store.audit_entries(10).unwrap();
    assert_eq!(entries.len(), 2);
    assert!(
        entries[0].detail.contains("138****5678") && !entries[0].detail.contains("13812345678")
    );
    assert!(!entries[0].detail.contains("199003071234"));
    assert!(!entries[0].actor.contains("agent1@"));
    assert_eq!(store.prune_audit(50).unwrap(), 1);
}

#[test]
fn reopening_keeps_data_and_integrity_checks_pass() {
    let dir = tempfile::tempdir().unwrap();
    let path = Store::database_path(dir.path(), "acct/../x", "tenant 1");
    assert!(
        path.starts_with(dir.path().join("accounts")),
        "account names cannot escape the data directory: {path:?}"
    );
    assert_eq!(
        path.parent().unwrap().parent().unwrap(),
        dir.path().join("accounts")
    );
    // Different names never share a file, whatever their script.
    let a = Store::database_path(dir.path(), "客服一", "t");
    let b = Store::database_path(dir.path(), "客服二", "t");
    assert_ne!(a, b);
    assert_ne!(
        Store::database_path(dir.path(), "Union HQ", "t"),
        Store::database_path(dir.path(), "Union_HQ", "t")
    );
    {
        let mut store = Store::open(&path).unwrap();
        store
            .apply(&[
                Write::UpsertSession(session("c1")),
                Write::StoreMessage(inbound("c1", 1)),
            ])
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.messages("c1", 10).unwrap().len(), 1);
    store.integrity_check().unwrap();
}

#[test]
fn a_read_only_database_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite3");
    Store::open(&path).unwrap();
    let mut reader = Store::open_read_only(&path).unwrap();
    let error = reader
        .apply(&[Write::UpsertSession(session("c1"))])
        .unwrap_err();
    assert!(matches!(error, StoreError::ReadOnly(_)), "{error:?}");
    assert!(error.to_string().contains("read-only"));
}

#[test]
fn a_full_disk_refuses_the_batch_whole_and_keeps_what_was_saved() {
    let (_dir, mut store) = open();
    store
        .apply(&[
            Write::UpsertSession(session("c1")),
            Write::StoreMessage(inbound("c1", 1)),
        ])
        .unwrap();
    store.limit_growth(2).unwrap();
    // Big messages until the "disk" is full.
    let mut seq = 2;
    let error = loop {
        let mut message = inbound("c1", seq);
        message.content = "满".repeat(20_000);
        match store.apply(&[Write::StoreMessage(message)]) {
            Ok(_) => seq += 1,
            Err(error) => break error,
        }
        assert!(seq < 1_000, "the size limit never applied");
    };
    assert!(matches!(error, StoreError::DiskFull), "{error:?}");
    assert!(error.to_string().contains("Free some disk space"));
    // Nothing half-written: the refused message is absent, everything before it is there.
    let stored = store.messages("c1", 10_000).unwrap();
    assert_eq!(stored.len() as u64, seq - 1);
    assert_eq!(stored[0].content, "text 1");
    store.integrity_check().unwrap();
    // Space again: writing resumes.
    store.limit_growth(10_000).unwrap();
    store
        .apply(&[Write::StoreMessage(inbound("c1", seq))])
        .unwrap();
    assert_eq!(store.messages("c1", 10_000).unwrap().len() as u64, seq);
}

#[test]
fn an_image_waits_in_the_outbox_with_its_bytes() {
    let (_dir, mut store) = open();
    let mut item = outbox_item("c1", "img1", 5);
    item.kind = MessageKind::Image;
    item.content = "photo.png".into();
    item.attachment = Some(OutboxAttachment {
        file_name: "photo.png".into(),
        mime: "image/png".into(),
        bytes: vec![0x89, b'P', b'N', b'G'],
    });
    store.apply(&[Write::Enqueue(item.clone())]).unwrap();
    let due = store.due_outbox(100, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].kind, &due[0].attachment),
        (MessageKind::Image, &item.attachment)
    );
    assert_eq!(
        store.message_by_client_id("img1").unwrap().unwrap().kind,
        MessageKind::Image
    );
}

#[test]
fn customer_cache_keeps_the_newest_answer_per_source_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.sqlite3")).unwrap();
    assert_eq!(store.cached_answer("qiyu", "buyer-1").unwrap(), None);
    store
        .cache_answer("qiyu", "buyer-1", r#"{"name":"王芳"}"#, 2_000)
        .unwrap();
    // A late, older answer does not replace a newer one.
    store
        .cache_answer("qiyu", "buyer-1", r#"{"name":"old"}"#, 1_000)
        .unwrap();
    let cached = store.cached_answer("qiyu", "buyer-1").unwrap().unwrap();
    assert_eq!(
        (cached.body.as_str(), cached.fetched_at_ms),
        (r#"{"name":"王芳"}"#, 2_000)
    );
    store
        .cache_answer("kuaidi100", "buyer-1", "{}", 500)
        .unwrap();
    assert_eq!(store.prune_cache(1_000).unwrap(), 1);
    assert!(store
        .cached_answer("kuaidi100", "buyer-1")
        .unwrap()
        .is_none());
    assert!(store.cached_answer("qiyu", "buyer-1").unwrap().is_some());
}

#[test]
fn customer_notes_are_kept_replaced_and_removed_when_emptied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.sqlite3");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.customer_note("v-1").unwrap(), None);
    store
        .put_customer_note("v-1", "常客，喜欢电话回访", 1_000)
        .unwrap();
    store
        .put_customer_note("v-1", "常客；改为短信", 2_000)
        .unwrap();
    store.put_customer_note("v-2", "VIP", 1_500).unwrap();
    drop(store);
    // The note outlives a restart, and each customer keeps their own.
    let store = Store::open(&path).unwrap();
    let note = store.customer_note("v-1").unwrap().unwrap();
    assert_eq!(
        (note.body.as_str(), note.updated_at_ms),
        ("常客；改为短信", 2_000)
    );
    store.put_customer_note("v-1", "", 3_000).unwrap();
    assert_eq!(store.customer_note("v-1").unwrap(), None);
    assert_eq!(store.customer_note("v-2").unwrap().unwrap().body, "VIP");
}

#[test]
fn an_attempt_holds_its_session_until_it_is_settled() {
    let (_dir, mut store) = open();
    store
        .apply(&[
            Write::Enqueue(outbox_item("c1", "a1", 1)),
            Write::Enqueue(outbox_item("c1", "a2", 2)),
        ])
        .unwrap();
    let due = |store: &Store| -> Vec<String> {
        store
            .due_outbox(10, 10)
            .unwrap()
            .into_iter()
            .map(|i| i.client_msg_id)
            .collect()
    };
    assert_eq!(due(&store), vec!["a1"]);
    // The attempt is on disk before the request leaves: nothing of the session is due meanwhile,
    // and after a crash the item is unresolved (to be looked for in the session's records).
    store
        .apply(&[Write::OutboxAttempt {
            client_msg_id: "a1".into(),
            at_ms: 5,
        }])
        .unwrap();
    assert!(due(&store).is_empty());
    let unresolved = store.unresolved_outbox().unwrap();
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unresolved[0].attempt_started_at_ms, Some(5));
    // Not in the records: sent again, and the next item still waits behind it.
    assert_eq!(
        store
            .apply(&[Write::Requeue {
                client_msg_id: "a1".into()
            }])
            .unwrap(),
        vec![true]
    );
    assert_eq!(due(&store), vec!["a1"]);
    // An unanswered attempt: unknown, still holding the session, shown as such.
    store
        .apply(&[
            Write::OutboxAttempt {
                client_msg_id: "a1".into(),
                at_ms: 6,
            },
            Write::OutboxUnknown {
                client_msg_id: "a1".into(),
                error: "timed out".into(),
            },
        ])
        .unwrap();
    assert!(due(&store).is_empty());
    assert_eq!(
        store.message_by_client_id("a1").unwrap().unwrap().status,
        DeliveryStatus::Unknown
    );
    assert_eq!(store.outbox_depth().unwrap(), 2, "unknown still counts");
    // Found in the records: sent; the next item is due.
    store
        .apply(&[Write::OutboxAccepted {
            client_msg_id: "a1".into(),
        }])
        .unwrap();
    assert_eq!(due(&store), vec!["a2"]);
}
