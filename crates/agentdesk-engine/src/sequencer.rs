//! Per-session ordering and de-duplication by the platform's sequence number, as pure logic.
//!
//! A record is released only when every lower sequence number of its session has been released, so
//! the store and the event stream see each session's messages exactly once and in order, however
//! the push channel duplicates or reorders them. A record past a hole is held until the hole is
//! filled (by a later push, or by the sync the engine starts when the hole persists).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use agentdesk_domain::Message;

/// A platform-confirmed message on its way to the store.
#[derive(Debug, Clone)]
pub struct Record {
    pub message: Message,
    /// When its push frame was read (None for records from a sync or a send receipt).
    pub received_at: Option<Instant>,
}

#[derive(Debug)]
pub enum Offer {
    /// Already released (or already held): drop it.
    Duplicate,
    /// These records are now in order, lowest first (the offered one and any it unblocked).
    Ready(Vec<Record>),
    /// Held: records before it are missing.
    Held,
}

#[derive(Default)]
struct SessionSeq {
    released: u64,
    held: BTreeMap<u64, Record>,
}

#[derive(Default)]
pub struct Sequencer {
    sessions: HashMap<String, SessionSeq>,
}

impl Sequencer {
    /// Starts a session's count at what the store already has.
    pub fn resume(&mut self, session_id: &str, released: u64) {
        let entry = self.sessions.entry(session_id.to_string()).or_default();
        entry.released = entry.released.max(released);
    }

    pub fn released(&self, session_id: &str) -> u64 {
        self.sessions.get(session_id).map_or(0, |s| s.released)
    }

    pub fn has_hole(&self, session_id: &str) -> bool {
        self.sessions
            .get(session_id)
            .is_some_and(|s| !s.held.is_empty())
    }

    pub fn sessions_with_holes(&self) -> impl Iterator<Item = &str> {
        self.sessions
            .iter()
            .filter(|(_, s)| !s.held.is_empty())
            .map(|(id, _)| id.as_str())
    }

    pub fn offer(&mut self, record: Record) -> Offer {
        let Some(seq) = record.message.seq else {
            // Without a sequence number there is nothing to order by; the store's unique message
            // id still de-duplicates it.
            return Offer::Ready(vec![record]);
        };
        let session = self
            .sessions
            .entry(record.message.session_id.clone())
            .or_default();
        if seq <= session.released || session.held.contains_key(&seq) {
            return Offer::Duplicate;
        }
        if seq != session.released + 1 {
            session.held.insert(seq, record);
            return Offer::Held;
        }
        session.released = seq;
        let mut ready = vec![record];
        while let Some(next) = session.held.remove(&(session.released + 1)) {
            session.released += 1;
            ready.push(next);
        }
        Offer::Ready(ready)
    }

    /// Forgets what was released after a failed commit, so the records can be offered again.
    pub fn rewind(&mut self, session_id: &str, released: u64) {
        if let Some(session) = self.sessions.get_mut(session_id) {
            session.released = released;
            session.held.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentdesk_domain::{DeliveryStatus, Direction, MessageKind};

    fn record(session: &str, seq: u64) -> Record {
        Record {
            message: Message {
                session_id: session.into(),
                seq: Some(seq),
                msg_id: Some(format!("{session}-{seq}")),
                client_msg_id: None,
                direction: Direction::In,
                kind: MessageKind::Text,
                content: format!("#{seq}"),
                sender_name: "v".into(),
                sent_at_ms: 0,
                status: DeliveryStatus::Sent,
            },
            received_at: None,
        }
    }

    fn seqs(offer: Offer) -> Vec<u64> {
        match offer {
            Offer::Ready(records) => records.iter().filter_map(|r| r.message.seq).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn in_order_records_are_released_at_once() {
        let mut s = Sequencer::default();
        assert_eq!(seqs(s.offer(record("a", 1))), vec![1]);
        assert_eq!(seqs(s.offer(record("a", 2))), vec![2]);
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut s = Sequencer::default();
        s.offer(record("a", 1));
        assert!(matches!(s.offer(record("a", 1)), Offer::Duplicate));
        s.offer(record("a", 3));
        assert!(matches!(s.offer(record("a", 3)), Offer::Duplicate));
    }

    #[test]
    fn a_hole_holds_later_records_until_filled() {
        let mut s = Sequencer::default();
        s.offer(record("a", 1));
        assert!(matches!(s.offer(record("a", 4)), Offer::Held));
        assert!(matches!(s.offer(record("a", 3)), Offer::Held));
        assert!(s.has_hole("a"));
        assert_eq!(seqs(s.offer(record("a", 2))), vec![2, 3, 4]);
        assert!(!s.has_hole("a"));
    }

    #[test]
    fn sessions_are_independent_and_resume_from_the_store() {
        let mut s = Sequencer::default();
        s.resume("b", 10);
        assert!(matches!(s.offer(record("b", 10)), Offer::Duplicate));
        assert_eq!(seqs(s.offer(record("b", 11))), vec![11]);
        assert_eq!(seqs(s.offer(record("c", 1))), vec![1]);
    }

    #[test]
    fn any_permutation_with_duplicates_releases_each_seq_once_in_order() {
        // A deterministic shuffle of 1..=50 with every third record duplicated.
        let mut order: Vec<u64> = (1..=50).collect();
        let mut state = 12345u64;
        for i in (1..order.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            order.swap(i, (state >> 33) as usize % (i + 1));
        }
        let with_duplicates: Vec<u64> = order
            .iter()
            .flat_map(|&n| if n % 3 == 0 { vec![n, n] } else { vec![n] })
            .collect();
        let mut s = Sequencer::default();
        let released: Vec<u64> = with_duplicates
            .into_iter()
            .flat_map(|n| seqs(s.offer(record("a", n))))
            .collect();
        assert_eq!(released, (1..=50).collect::<Vec<_>>());
    }
}
