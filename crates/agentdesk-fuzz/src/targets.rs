//! The parsers under test. Each takes raw bytes as they could arrive and answers a short outcome
//! (what it parsed, or which kind of error), used to tell new behaviour from old; a panic, or a
//! broken round trip, is the bug being looked for.

use agentdesk_sobot::client::{
    HourlySessions, HumanSatisfaction, KnowledgeDoc, PastMessage, PastSession, PlatformCustomer,
};
use agentdesk_sobot::protocol::{
    AgentEnvelope, ChatRecord, CustomerServiceInfoModel, OpenEnvelope, PushFrame, ReceptionItem,
    RetCode, SendReceipt, TokenItem, WaitingPage,
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

/// A push frame from the WebSocket: decoded, and a decoded frame must survive encode → decode.
fn push_frame(input: &[u8]) -> String {
    let text = String::from_utf8_lossy(input);
    match PushFrame::decode(&text) {
        Ok(frame) => {
            let again = PushFrame::decode(&frame.encode());
            assert_eq!(
                again.as_ref(),
                Ok(&frame),
                "a frame changed in a round trip"
            );
            match frame {
                PushFrame::Auth { .. } => "auth".into(),
                PushFrame::AuthResult { ret_code, .. } => {
                    format!("auth-result:{}", RetCode::parse(&ret_code).is_success())
                }
                PushFrame::Heartbeat { .. } => "heartbeat".into(),
                PushFrame::Receipt { .. } => "receipt".into(),
                PushFrame::Data { data, .. } => {
                    // Known push types by name, any other number as one outcome.
                    let kind = match data.kind {
                        Some(kind @ 100..=120) => kind.to_string(),
                        Some(_) => "other".into(),
                        None => "none".into(),
                    };
                    format!(
                        "data:{kind}:{}:{}",
                        data.cid.is_some(),
                        data.content.as_ref().is_some_and(|c| !c.is_empty())
                    )
                }
            }
        }
        Err(error) => format!("error:{}", error_kind(&error.0)),
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
        decodes::<AgentEnvelope<Vec<ReceptionItem>>>(text),
        decodes::<AgentEnvelope<Vec<ChatRecord>>>(text),
        decodes::<AgentEnvelope<CustomerServiceInfoModel>>(text),
        decodes::<AgentEnvelope<SendReceipt>>(text),
        decodes::<AgentEnvelope<WaitingPage>>(text),
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
            }
            for item in envelope.items.iter().flatten().take(64) {
                outcome.push(':');
                outcome.push(decodes_value::<KnowledgeDoc>(item));
                outcome.push(decodes_value::<PastSession>(item));
                outcome.push(decodes_value::<PastMessage>(item));
                outcome.push(decodes_value::<HourlySessions>(item));
            }
        }
        Err(error) => {
            outcome.push_str(":error:");
            outcome.push_str(&error_kind(&error.to_string()));
        }
    }
    outcome
}
