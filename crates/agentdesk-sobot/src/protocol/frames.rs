//! Push-channel framing, byte for byte as Sobot's agent SDK writes and reads it (fact sheet §2.2–2.4):
//! a 32-bit big-endian length `L = 2 + N`, a version byte (`1`), a type byte (0 auth, 1 heartbeat,
//! 2 receipt, 3 data), then `N` bytes of UTF-8 payload. The same code serves the client and the
//! sandbox; the test suite checks both against an independent implementation of its own.

use serde_json::json;

/// The version byte the SDK writes (`Const.version`). Readers do not validate it.
pub const FRAME_VERSION: u8 = 1;
/// Bytes before the payload: length (4), version (1), type (1).
pub const HEADER_BYTES: usize = 6;
/// The heartbeat payload, in both directions (the SDK sends `ping`; the server's answer is not
/// documented, `pong` is the likely one, see docs/PROTOCOL.md).
pub const PING: &str = "ping";
pub const PONG: &str = "pong";
/// `type` of a receipt payload (`{"msgId": …, "type": 301}`).
pub const RECEIPT_TYPE: i64 = 301;
/// `t` of the auth payload: `Const.user_type_customer`, what the agent SDK sends.
pub const AUTH_USER_TYPE: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    Auth = 0,
    Heartbeat = 1,
    Receipt = 2,
    Data = 3,
}

impl FrameType {
    pub fn from_byte(byte: u8) -> Option<FrameType> {
        match byte {
            0 => Some(FrameType::Auth),
            1 => Some(FrameType::Heartbeat),
            2 => Some(FrameType::Receipt),
            3 => Some(FrameType::Data),
            _ => None,
        }
    }
}

/// One complete frame. The payload is kept as bytes: whether it is valid UTF-8 JSON is the reader's
/// business, after the frame boundary is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The raw type byte (an unknown type is skipped by readers, not a framing error).
    pub type_byte: u8,
    pub payload: Vec<u8>,
}

impl Frame {
    pub fn new(kind: FrameType, payload: impl Into<Vec<u8>>) -> Frame {
        Frame {
            type_byte: kind as u8,
            payload: payload.into(),
        }
    }

    pub fn kind(&self) -> Option<FrameType> {
        FrameType::from_byte(self.type_byte)
    }

    pub fn text(&self) -> Result<&str, FrameError> {
        std::str::from_utf8(&self.payload).map_err(|_| FrameError("payload is not UTF-8".into()))
    }

    /// The bytes on the wire. Written with one write, as the SDK's reader expects the header whole.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(HEADER_BYTES + self.payload.len());
        bytes.extend_from_slice(&((self.payload.len() + 2) as u32).to_be_bytes());
        bytes.push(FRAME_VERSION);
        bytes.push(self.type_byte);
        bytes.extend_from_slice(&self.payload);
        bytes
    }
}

/// The auth payload the SDK sends right after connecting: `{u: aid, s: companyId, puid, msgId: aid +
/// epoch ms, t: 2}`. The temp-id is not part of it.
pub fn auth_payload(aid: &str, company_id: &str, puid: &str, now_ms: i64) -> String {
    json!({"u": aid, "s": company_id, "puid": puid, "msgId": format!("{aid}{now_ms}"), "t": AUTH_USER_TYPE})
        .to_string()
}

/// The receipt for a data frame's `msgId`.
pub fn receipt_payload(msg_id: &str) -> String {
    json!({"msgId": msg_id, "type": RECEIPT_TYPE}).to_string()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError(pub String);

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FrameError {}

/// Reassembles frames from a byte stream read in arbitrary pieces.
pub struct FrameDecoder {
    buffer: Vec<u8>,
    max_payload: usize,
}

impl FrameDecoder {
    pub fn new(max_payload: usize) -> FrameDecoder {
        FrameDecoder {
            buffer: Vec::new(),
            max_payload,
        }
    }

    pub fn extend(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete frame, if the buffer holds one. A length that cannot be a frame (below 2,
    /// or a payload over the limit) is an error: the stream has lost its frame boundaries, and the
    /// only safe thing is to drop the connection.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.buffer.len() < 4 {
            return Ok(None);
        }
        let length = i32::from_be_bytes([
            self.buffer[0],
            self.buffer[1],
            self.buffer[2],
            self.buffer[3],
        ]);
        if length < 2 {
            return Err(FrameError(format!("frame length {length} is below 2")));
        }
        let payload_len = length as usize - 2;
        if payload_len > self.max_payload {
            return Err(FrameError(format!(
                "frame of {payload_len} bytes exceeds the {}-byte limit",
                self.max_payload
            )));
        }
        if self.buffer.len() < HEADER_BYTES + payload_len {
            return Ok(None);
        }
        let type_byte = self.buffer[5];
        let payload = self.buffer[HEADER_BYTES..HEADER_BYTES + payload_len].to_vec();
        self.buffer.drain(..HEADER_BYTES + payload_len);
        Ok(Some(Frame { type_byte, payload }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fact_sheets_heartbeat_example_is_what_we_write() {
        assert_eq!(
            Frame::new(FrameType::Heartbeat, PING).encode(),
            vec![0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x70, 0x69, 0x6E, 0x67]
        );
    }

    #[test]
    fn frames_survive_any_split_of_the_stream() {
        let frames = vec![
            Frame::new(FrameType::Data, r#"{"type":103,"content":"你好"}"#),
            Frame::new(FrameType::Heartbeat, PONG),
            Frame::new(FrameType::Receipt, receipt_payload("m1")),
            Frame::new(FrameType::Auth, ""),
        ];
        let wire: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
        for piece in [1, 2, 5, 6, 7, 13, wire.len()] {
            let mut decoder = FrameDecoder::new(1024);
            let mut decoded = Vec::new();
            for chunk in wire.chunks(piece) {
                decoder.extend(chunk);
                while let Some(frame) = decoder.next_frame().unwrap() {
                    decoded.push(frame);
                }
            }
            assert_eq!(decoded, frames, "pieces of {piece} bytes");
        }
    }

    #[test]
    fn impossible_lengths_are_errors_not_panics_or_hangs() {
        for wire in [
            vec![0, 0, 0, 1, 1, 3],
            vec![0xff, 0xff, 0xff, 0xff, 1, 3],
            vec![0, 0, 0x10, 0, 1, 3],
        ] {
            let mut decoder = FrameDecoder::new(1024);
            decoder.extend(&wire);
            assert!(decoder.next_frame().is_err(), "{wire:?}");
        }
    }

    #[test]
    fn auth_and_receipt_payloads_carry_the_sdk_fields() {
        let auth: serde_json::Value =
            serde_json::from_str(&auth_payload("a1", "co", "pu1", 1700000000000)).unwrap();
        assert_eq!(
            auth,
            json!({"u":"a1","s":"co","puid":"pu1","msgId":"a11700000000000","t":2})
        );
        let receipt: serde_json::Value = serde_json::from_str(&receipt_payload("x9")).unwrap();
        assert_eq!(receipt, json!({"msgId":"x9","type":301}));
    }
}
