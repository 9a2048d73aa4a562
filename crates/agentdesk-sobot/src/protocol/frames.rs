//! Push-channel frames. The SDK's frame kinds are `0 conn_auth, 1 heartbeat, 2 receipt (ack), 3 data`
//! (reference §1b); the byte-level framing is not public, so AgentDesk sends each frame as one JSON
//! text message on a WebSocket: `{"kind":3,"msgId":"…","data":{PushMessageModel}}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::models::PushMessageModel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    Auth = 0,
    Heartbeat = 1,
    Receipt = 2,
    Data = 3,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PushFrame {
    /// Client → server: authenticate with the login's `tempId`.
    Auth { temp_id: String },
    /// Server → client: the auth verdict.
    AuthResult { ret_code: String, ret_msg: String },
    /// Either direction, every 10 s.
    Heartbeat { ts: i64 },
    /// Client → server: acknowledges a data frame.
    Receipt { msg_id: String },
    /// Server → client: one push. `msg_id` identifies the frame (for the receipt).
    Data {
        msg_id: String,
        data: Box<PushMessageModel>,
    },
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawFrame {
    kind: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    temp_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ret_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ret_msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError(pub String);

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FrameError {}

impl PushFrame {
    pub fn encode(&self) -> String {
        let raw = match self {
            PushFrame::Auth { temp_id } => RawFrame {
                kind: FrameKind::Auth as i64,
                temp_id: Some(temp_id.clone()),
                ..RawFrame::default()
            },
            PushFrame::AuthResult { ret_code, ret_msg } => RawFrame {
                kind: FrameKind::Auth as i64,
                ret_code: Some(ret_code.clone()),
                ret_msg: Some(ret_msg.clone()),
                ..RawFrame::default()
            },
            PushFrame::Heartbeat { ts } => RawFrame {
                kind: FrameKind::Heartbeat as i64,
                ts: Some(*ts),
                ..RawFrame::default()
            },
            PushFrame::Receipt { msg_id } => RawFrame {
                kind: FrameKind::Receipt as i64,
                msg_id: Some(msg_id.clone()),
                ..RawFrame::default()
            },
            PushFrame::Data { msg_id, data } => RawFrame {
                kind: FrameKind::Data as i64,
                msg_id: Some(msg_id.clone()),
                data: serde_json::to_value(data).ok(),
                ..RawFrame::default()
            },
        };
        serde_json::to_string(&raw).unwrap_or_default()
    }

    /// Decodes one frame. Malformed input is an error for the caller to log and skip; it never panics.
    pub fn decode(text: &str) -> Result<PushFrame, FrameError> {
        let raw: RawFrame =
            serde_json::from_str(text).map_err(|e| FrameError(format!("not a push frame: {e}")))?;
        match raw.kind {
            0 => match (raw.temp_id, raw.ret_code) {
                (Some(temp_id), _) => Ok(PushFrame::Auth { temp_id }),
                (None, Some(ret_code)) => Ok(PushFrame::AuthResult {
                    ret_code,
                    ret_msg: raw.ret_msg.unwrap_or_default(),
                }),
                (None, None) => Err(FrameError("auth frame without tempId or retCode".into())),
            },
            1 => Ok(PushFrame::Heartbeat {
                ts: raw.ts.unwrap_or(0),
            }),
            2 => raw
                .msg_id
                .map(|msg_id| PushFrame::Receipt { msg_id })
                .ok_or_else(|| FrameError("receipt frame without msgId".into())),
            3 => {
                let msg_id = raw
                    .msg_id
                    .ok_or_else(|| FrameError("data frame without msgId".into()))?;
                let data = raw
                    .data
                    .ok_or_else(|| FrameError("data frame without data".into()))?;
                let data: PushMessageModel = serde_json::from_value(data)
                    .map_err(|e| FrameError(format!("data frame payload: {e}")))?;
                Ok(PushFrame::Data {
                    msg_id,
                    data: Box::new(data),
                })
            }
            other => Err(FrameError(format!("unknown frame kind {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_frames_round_trip() {
        let frame = PushFrame::Data {
            msg_id: "p1".into(),
            data: Box::new(PushMessageModel {
                kind: Some(103),
                cid: Some("c1".into()),
                content: Some("<script>x</script>".into()),
                seq: Some(7),
                ..PushMessageModel::default()
            }),
        };
        assert_eq!(PushFrame::decode(&frame.encode()), Ok(frame));
    }

    #[test]
    fn numeric_strings_and_numbers_both_decode() {
        let frame =
            PushFrame::decode(r#"{"kind":3,"msgId":9,"data":{"type":"103","cid":42,"seq":"3"}}"#);
        // msgId as a number is not accepted at the frame level (it must identify the receipt)...
        assert!(frame.is_err());
        let frame =
            PushFrame::decode(r#"{"kind":3,"msgId":"9","data":{"type":"103","cid":42,"seq":"3"}}"#)
                .unwrap();
        let PushFrame::Data { data, .. } = frame else {
            panic!("not data")
        };
        assert_eq!(data.kind, Some(103));
        assert_eq!(data.cid.as_deref(), Some("42"));
        assert_eq!(data.seq, Some(3));
    }

    #[test]
    fn hostile_frames_are_errors_not_panics() {
        for text in [
            "",
            "null",
            "[]",
            "{",
            r#"{"kind":99}"#,
            r#"{"kind":3,"msgId":"x"}"#,
            r#"{"kind":"3"}"#,
        ] {
            assert!(PushFrame::decode(text).is_err(), "{text}");
        }
    }
}
