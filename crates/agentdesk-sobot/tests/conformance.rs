//! The client decodes every golden answer of Sobot's agent side (`tests/fixtures/`, written from the
//! SDK's models): the fields the workbench uses come out, as lenient as the SDK's Gson.

use agentdesk_sobot::client::{
    HumanSatisfaction, HumanSessionTotals, KnowledgeDoc, PastMessage, PastSession, PlatformCustomer,
};
use agentdesk_sobot::protocol::{
    message_body, parse_platform_time, AgentEnvelope, ChatMessageModel, CustomerServiceInfoModel,
    OnLineGroupModel, OnLineServiceModel, OnlineMsgModel, OpenEnvelope, PushMessageModel,
    QueueUserModel, RetCode, SynChronousModel, TokenItem, UserInfoModel,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn data<T: DeserializeOwned>(name: &str) -> T {
    let envelope: AgentEnvelope<T> = serde_json::from_str(&fixture(name)).unwrap();
    assert!(RetCode::parse(&envelope.ret_code).is_success(), "{name}");
    envelope.data.expect("data")
}

fn push(name: &str) -> PushMessageModel {
    serde_json::from_str(&fixture(&format!("push/{name}"))).unwrap()
}

#[test]
fn login_gives_the_push_address_and_identity() {
    let login: CustomerServiceInfoModel = data("agent/login.json");
    assert_eq!(login.temp_id, "t8f2c");
    assert_eq!(login.wslink_default, "push.sobot.com:9096");
    assert_eq!(
        (
            login.aid.as_str(),
            login.company_id.as_str(),
            login.puid.as_str()
        ),
        ("a0001", "co9a1", "pu31")
    );
    assert_eq!(login.cus_role_id, Some(1111));
    assert_eq!(login.staff_name, "周宁");
}

#[test]
fn the_reception_list_is_an_object_with_push_models() {
    let reception: SynChronousModel = data("agent/synChronous.json");
    assert_eq!(reception.wait_size, Some(2));
    let item = &reception.user_list[0];
    assert_eq!(item.cid.as_deref(), Some("c20261130a1"));
    assert_eq!(item.uid.as_deref(), Some("u8d1f"));
    assert_eq!(item.is_online, Some(true));
    assert_eq!(
        item.last_msg_time.as_deref().and_then(parse_platform_time),
        parse_platform_time("2026-11-30 20:00:01")
    );
}

#[test]
fn the_queue_has_its_own_model() {
    let queue: QueueUserModel = data("agent/queryWaitUser.json");
    assert_eq!((queue.count_page, queue.wait_size), (Some(1), Some(1)));
    assert_eq!(queue.list[0].uname, "Emma Lee");
    assert_eq!(queue.list[0].group_name, "售后");
    assert_eq!(queue.list[0].state, Some(0));
}

#[test]
fn history_records_carry_senders_times_notices_and_hidden_messages() {
    let records: Vec<ChatMessageModel> = data("agent/queryHistoryRecords.json");
    assert_eq!(records.len(), 5);
    assert_eq!(records[0].t, Some(1_796_040_000_123), "t is ms as text");
    assert_eq!(records[0].sender_type, Some(0));
    assert_eq!(records[1].action, Some(6), "a notice, not a chat message");
    assert_eq!(records[2].sender.as_deref(), Some("a0001"));
    assert_eq!(records[3].user_no_see_flag, Some(1));
    let (kind, content) = message_body(records[4].message.as_ref());
    assert_eq!(kind, Some(1));
    assert_eq!(
        content.as_deref(),
        Some("https://img.sobot.com/chat/p1.jpg")
    );
}

#[test]
fn a_send_answer_has_a_message_id_and_no_time() {
    let sent: OnlineMsgModel = data("agent/send.json");
    assert_eq!(sent.msg_id.as_deref(), Some("m7c1e91"));
    assert_eq!(sent.aid.as_deref(), Some("a0001"));
    let refused: AgentEnvelope<Value> =
        serde_json::from_str(&fixture("agent/send_sensitive.json")).unwrap();
    assert_eq!(RetCode::parse(&refused.ret_code), RetCode::SensitiveWord);
    assert!(!RetCode::parse(&refused.ret_code).is_success());
    let expired: AgentEnvelope<Value> =
        serde_json::from_str(&fixture("agent/login_expired.json")).unwrap();
    assert!(RetCode::parse(&expired.ret_code).needs_reauth());
}

#[test]
fn transfer_targets_and_the_visitor_decode_by_the_sdks_names() {
    let agents: Vec<OnLineServiceModel> = data("agent/getOtherAdmins.json");
    assert_eq!(agents[0].uname, "李雷");
    assert_eq!(agents[0].group_id, vec!["g1"]);
    assert_eq!((agents[0].status, agents[0].count), (Some(1), Some(3)));
    let groups: Vec<OnLineGroupModel> = data("agent/queryTransferGroup.json");
    assert_eq!(groups[0].group_name, "售后");
    assert_eq!(groups[0].online_num, Some(3));
    let user: UserInfoModel = data("agent/getUserInfo.json");
    assert_eq!(
        (
            user.user_id.as_str(),
            user.partner_id.as_str(),
            user.tel.as_str()
        ),
        ("u8d1f", "p-1001", "13812345678")
    );
    let rating: Value = data("agent/reComment.json");
    assert_eq!(rating["status"], "0");
}

#[test]
fn a_token_lifetime_decodes_as_text_or_number() {
    for name in ["agent/token.json", "agent/token_number.json"] {
        let envelope: OpenEnvelope<TokenItem> = serde_json::from_str(&fixture(name)).unwrap();
        let item = envelope.item.unwrap();
        assert_eq!(
            (item.token.as_str(), item.expires_in),
            ("4ac3f1", Some(86_400))
        );
    }
}

#[test]
fn every_push_type_decodes() {
    let message = push("103_new_message.json");
    assert_eq!(message.kind, Some(103));
    assert_eq!(message.msg_id.as_deref(), Some("m7c1e90"));
    assert_eq!(message.ts.as_deref(), Some("2026-11-30 20:00:01"));
    assert_eq!(message_body(message.message.as_ref()).1, message.content);
    let new_user = push("102_new_user.json");
    assert_eq!((new_user.kind, new_user.chat_type), (Some(102), Some(0)));
    let transferred = push("102_transferred_in.json");
    assert_eq!(transferred.chat_type, Some(1));
    assert_eq!(transferred.aname.as_deref(), Some("李雷"));
    assert_eq!(push("108_offline.json").kind, Some(108));
    assert_eq!(push("109_kicked.json").status.as_deref(), Some("2"));
    let queue = push("110_queue.json");
    assert_eq!((queue.count, queue.reduce.as_deref()), (Some(3), Some("0")));
    assert_eq!(push("111_typing.json").kind, Some(111));
    assert_eq!(push("116_rated.json").status.as_deref(), Some("5"));
    assert_eq!(push("118_taken_over.json").tid.as_deref(), Some("a0002"));
}

#[test]
fn pushes_decode_as_leniently_as_gson() {
    let message = push("103_lenient.json");
    assert_eq!(message.kind, Some(103));
    assert_eq!(message.uid.as_deref(), Some("8812"));
    assert_eq!(message.cid.as_deref(), Some("20261130"));
    assert_eq!(message.msg_id.as_deref(), Some("9001"));
    assert_eq!(message.msg_type, Some(1));
    assert_eq!(message.is_online, Some(true));
    assert_eq!(message_body(message.message.as_ref()).0, Some(1));
}

#[test]
fn the_customer_center_and_past_sessions_decode_by_the_documented_names() {
    let record: OpenEnvelope<PlatformCustomer> =
        serde_json::from_str(&fixture("open/get_user_by_partnerid.json")).unwrap();
    let customer = record.item.unwrap();
    assert_eq!(
        (
            customer.id.as_str(),
            customer.nick.as_str(),
            customer.uname.as_str()
        ),
        ("u8d1f", "芳芳", "王芳")
    );
    assert_eq!(customer.tel, "13812345678", "the first of user_tels");
    assert_eq!(customer.email, "wf@example.com", "the first of user_emails");
    assert_eq!((customer.user_level, customer.vip_level.as_str()), (1, "2"));
    let sessions: OpenEnvelope<Vec<PastSession>> =
        serde_json::from_str(&fixture("open/query_cids.json")).unwrap();
    let sessions = sessions.item.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[1].start_date_time, 1_796_039_920_000);
    assert_eq!(
        sessions[0].source, None,
        "the platform does not say the channel"
    );
    let detail: OpenEnvelope<Vec<PastMessage>> =
        serde_json::from_str(&fixture("open/get_detail_by_cid.json")).unwrap();
    let messages = detail.item.unwrap();
    assert_eq!(messages[1].sender_type, 2);
    assert_eq!(messages[1].t, 1_790_000_050_000);
}

#[test]
fn human_session_is_one_object_of_text_totals() {
    let answer: OpenEnvelope<HumanSessionTotals> =
        serde_json::from_str(&fixture("open/human_session.json")).unwrap();
    let totals = answer.item.unwrap();
    assert_eq!(
        (
            totals.consult_session,
            totals.valid_reception_session,
            totals.not_reception_session
        ),
        (120, 110, 10)
    );
    assert_eq!((totals.transfer_session, totals.solved_session), (3, 80));
    assert_eq!(totals.avg_session_duration, 312.0);
}

#[test]
fn satisfaction_and_the_knowledge_base_decode_as_documented() {
    let answer: OpenEnvelope<HumanSatisfaction> =
        serde_json::from_str(&fixture("open/human_satisfaction.json")).unwrap();
    let satisfaction = answer.item.unwrap();
    assert_eq!(
        (satisfaction.total_times, satisfaction.effect_session_count),
        (60, 118)
    );
    assert_eq!(satisfaction.comment_rate, 50.85);
    assert_eq!(satisfaction.score5, 0, "not documented: absent");
    let page: OpenEnvelope<KnowledgeDoc> =
        serde_json::from_str(&fixture("open/search_doc_list.json")).unwrap();
    assert_eq!(page.rest["page_count"], "6");
    let doc = &page.items.unwrap()[0];
    assert_eq!(doc.question_title, "耳机退款多久到账？");
    assert_eq!(
        Some(doc.update_time),
        agentdesk_sobot::protocol::parse_platform_time("2026-11-01 10:00:00")
    );
}
