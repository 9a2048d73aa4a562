//! The parsers under test. Each takes raw bytes as they could arrive and answers a short outcome
//! (what it parsed, or which kind of error), used to tell new behaviour from old; a panic, or a
//! broken round trip, is the bug being looked for.

use agentdesk_sobot::client::{
    HumanSatisfaction, HumanSessionTotals, KnowledgeDoc, PastMessage, PastSession, PlatformCustomer,
};
use agentdesk_sobot::protocol::{
    AgentEnvelope, ChatMessageModel, CustomerServiceInfoModel, Frame, FrameDecoder, FrameType,
    OnLineServiceModel, OnlineMsgModel, OpenEnvelope, PushMessageModel, QueueUserModel, RetCode,
    SynChronousModel, TokenItem, UserInfoModel,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub struct Target {
    pub name: &'static str,
    pub parse: fn(&[u8]) -> String,
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "push-frame",
        parse: push_frame,
    },
    Target {
        name: "api-response",
        parse: api_response,
    },
];

pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// An error's kind without its positions and quoted input (so "at line 1 column 7" and "column 9"
/// are the same outcome).
fn error_kind(message: &str) -> String {
    message
        .split(['`', '"'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .take(48)
        .collect()
}

/// Bytes from the push channel's TCP stream: split into frames, each re-encoded to the same bytes,
/// and every data frame's payload decoded as the SDK's `PushMessageModel`.
fn push_frame(input: &[u8]) -> String {
    let mut decoder = FrameDecoder::new(1 << 20);
    decoder.extend(input);
    let mut outcome = String::new();
    loop {
        match decoder.next_frame() {
            Ok(Some(frame)) => {
                let mut again = FrameDecoder::new(1 << 20);
                again.extend(&frame.encode());
                assert_eq!(
                    again.next_frame(),
                    Ok(Some(frame.clone())),
                    "a frame changed in a round trip"
                );
                outcome.push_str(&match frame.kind() {
                    Some(FrameType::Data) => data_outcome(&frame),
                    Some(kind) => format!("{kind:?}"),
                    None => "unknown-type".into(),
                });
                outcome.push(';');
            }
            Ok(None) => return format!("{outcome}rest"),
            Err(error) => return format!("{outcome}error:{}", error_kind(&error.0)),
        }
    }
}

fn data_outcome(frame: &Frame) -> String {
    let Ok(text) = frame.text() else {
        return "data:not-utf8".into();
    };
    match serde_json::from_str::<PushMessageModel>(text) {
        Ok(data) => {
            // Known push types by name, any other number as one outcome.
            let kind = match data.kind {
                Some(kind @ 100..=140) => kind.to_string(),
                Some(_) => "other".into(),
                None => "none".into(),
            };
            format!(
                "data:{kind}:{}:{}",
                data.cid.is_some(),
                data.msg_id.as_ref().is_some_and(|c| !c.is_empty())
            )
        }
        Err(error) => format!("data:error:{}", error_kind(&error.to_string())),
    }
}

fn decodes<T: DeserializeOwned>(text: &str) -> char {
    match serde_json::from_str::<T>(text) {
        Ok(_) => '+',
        Err(_) => '-',
    }
}

fn decodes_value<T: DeserializeOwned>(value: &Value) -> char {
    match serde_json::from_value::<T>(value.clone()) {
        Ok(_) => '+',
        Err(_) => '-',
    }
}

/// A response body from either platform API: each envelope and item type the clients read.
fn api_response(input: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(input) else {
        // The clients read bodies as text first; invalid UTF-8 is refused there.
        return "not-utf8".into();
    };
    let mut outcome: String = [
        decodes::<AgentEnvelope<SynChronousModel>>(text),
        decodes::<AgentEnvelope<Vec<ChatMessageModel>>>(text),
        decodes::<AgentEnvelope<CustomerServiceInfoModel>>(text),
        decodes::<AgentEnvelope<OnlineMsgModel>>(text),
        decodes::<AgentEnvelope<QueueUserModel>>(text),
        decodes::<AgentEnvelope<Vec<OnLineServiceModel>>>(text),
        decodes::<AgentEnvelope<UserInfoModel>>(text),
        decodes::<OpenEnvelope<TokenItem>>(text),
    ]
    .iter()
    .collect();
    match serde_json::from_str::<OpenEnvelope<Value>>(text) {
        Ok(envelope) => {
            outcome.push_str(if RetCode::parse(&envelope.ret_code).is_success() {
                ":ok"
            } else {
                ":refused"
            });
            if let Some(item) = &envelope.item {
                outcome.push(':');
                outcome.push(decodes_value::<HumanSatisfaction>(item));
                outcome.push(decodes_value::<PlatformCustomer>(item));
                outcome.push(decodes_value::<HumanSessionTotals>(item));
            }
            for item in envelope.items.iter().flatten().take(64) {
                outcome.push(':');
                outcome.push(decodes_value::<KnowledgeDoc>(item));
                outcome.push(decodes_value::<PastSession>(item));
                outcome.push(decodes_value::<PastMessage>(item));
            }
        }
        Err(error) => {
            outcome.push_str(":error:");
            outcome.push_str(&error_kind(&error.to_string()));
        }
    }
    outcome
}
