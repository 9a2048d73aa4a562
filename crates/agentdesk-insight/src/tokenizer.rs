//! Words for search, from mixed Chinese and English text: Chinese runs are cut into words (jieba)
//! and also into single characters and overlapping character pairs (so a word the dictionary splits
//! differently still matches); other runs into lower-case words, English ones stemmed ("refunds", "refunded" →
//! "refund"), with the commonest function words left out. The same terms index and query, and each
//! keeps its place in the original text for highlighting.

use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{is_cjk, normalize};

/// The tokenizer's name in the index schema.
pub const NAME: &str = "agentdesk";

/// One search term and where it came from in the text (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// English words too common to tell questions apart.
const STOP_WORDS: [&str; 40] = [
    "a", "an", "the", "i", "me", "my", "you", "your", "is", "are", "was", "be", "been", "am", "do",
    "does", "did", "to", "of", "in", "on", "for", "and", "or", "it", "this", "that", "with", "at",
    "can", "could", "would", "will", "how", "what", "there", "have", "has", "please", "so",
];

/// Chinese characters too common to count alone (particles and pronouns); pairs with them still
/// count.
const STOP_CHARS: [char; 14] = [
    '的', '了', '吗', '呢', '吧', '啊', '我', '你', '是', '在', '么', '嘛', '呀', '哦',
];

/// The words jieba cuts Chinese into (`models/words.zst`, made by the `word_list` example from
/// jieba's own dictionary): the 127,630 words seen at least six times, each with its frequency,
/// without the part-of-speech tags search never reads. jieba's whole dictionary (349,045 words with
/// tags) held 57 MB of the window's memory once the knowledge base was used; this list holds about
/// 12 and finds the articles as well (BENCHMARKS.md, "The window's memory with a smaller word
/// list").
const WORD_LIST: &[u8] = include_bytes!("../models/words.zst");

/// The word list as jieba reads it. An error here is a broken build (the list is part of the
/// program); the tests load it.
fn word_list_jieba() -> Result<Jieba, String> {
    let text = zstd::decode_all(WORD_LIST)
        .map_err(|e| format!("the word list does not decompress: {e}"))?;
    Jieba::with_dict(&mut text.as_slice()).map_err(|e| format!("the word list does not load: {e}"))
}

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        word_list_jieba().unwrap_or_else(|problem| {
            // Search still works on characters and pairs of characters without the words.
            tracing::error!(%problem, "knowledge search goes on without Chinese words");
            Jieba::empty()
        })
    })
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// The search terms of `text`, in order.
pub fn terms(text: &str) -> Vec<Term> {
    // Normalising keeps byte lengths for everything but full-width forms, so offsets are mapped
    // back through a table of character starts.
    let original: Vec<(usize, char)> = text.char_indices().collect();
    let normalized: Vec<char> = original
        .iter()
        .map(|(_, c)| normalize(&c.to_string()).chars().next().unwrap_or(' '))
        .collect();
    let start = |i: usize| original.get(i).map(|(b, _)| *b).unwrap_or(text.len());
    let mut out = Vec::new();
    let mut i = 0;
    while i < normalized.len() {
        let c = normalized[i];
        if is_cjk(c) {
            let run_start = i;
            while i < normalized.len() && is_cjk(normalized[i]) {
                i += 1;
            }
            cjk_terms(&normalized[run_start..i], run_start, &start, &mut out);
        } else if c.is_alphanumeric() {
            let run_start = i;
            while i < normalized.len() && normalized[i].is_alphanumeric() && !is_cjk(normalized[i])
            {
                i += 1;
            }
            let word: String = normalized[run_start..i].iter().collect();
            if !STOP_WORDS.contains(&word.as_str()) {
                let stemmed = if word.is_ascii() {
                    stemmer().stem(&word).into_owned()
                } else {
                    word
                };
                out.push(Term {
                    text: stemmed,
                    from: start(run_start),
                    to: start(i),
                });
            }
        } else {
            i += 1;
        }
    }
    out
}

fn cjk_terms(run: &[char], offset: usize, start: &dyn Fn(usize) -> usize, out: &mut Vec<Term>) {
    let text: String = run.iter().collect();
    // Single characters (marked, and not the commonest particles): Chinese questions about the
    // same thing often share characters where their words differ (还/还款, 用/使用).
    for (k, c) in run.iter().enumerate() {
        if !STOP_CHARS.contains(c) {
            out.push(Term {
                text: format!("{c}\u{2}"),
                from: start(offset + k),
                to: start(offset + k + 1),
            });
        }
    }
    // Words, located by character position within the run.
    let mut position = 0;
    for word in jieba().cut(&text, true) {
        let len = word.chars().count();
        let single_stop = len == 1 && word.chars().next().is_some_and(|c| STOP_CHARS.contains(&c));
        if !single_stop {
            out.push(Term {
                text: word.to_string(),
                from: start(offset + position),
                to: start(offset + position + len),
            });
        }
        position += len;
    }
    // Overlapping pairs, marked so they never collide with a two-character word.
    for k in 0..run.len().saturating_sub(1) {
        out.push(Term {
            text: format!("{}{}\u{1}", run[k], run[k + 1]),
            from: start(offset + k),
            to: start(offset + k + 2),
        });
    }
}

/// The tokenizer tantivy indexes and searches with.
#[derive(Clone, Default)]
pub struct MixedTokenizer {
    _private: Arc<()>,
}

pub struct TermStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for TermStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for MixedTokenizer {
    type TokenStream<'a> = TermStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TermStream {
        let tokens = terms(text)
            .into_iter()
            .enumerate()
            .map(|(position, term)| Token {
                offset_from: term.from,
                offset_to: term.to,
                position,
                text: term.text,
                position_length: 1,
            })
            .collect();
        TermStream { tokens, next: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        terms(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn the_shipped_word_list_loads_with_the_common_words_and_without_the_rare_ones() {
        let jieba = word_list_jieba().unwrap();
        for word in ["还款", "退款", "快递", "发票", "优惠券", "信用卡"] {
            assert!(jieba.has_word(word), "{word}");
        }
        // Seen three times in jieba's dictionary: below the list's floor of six.
        assert!(!jieba.has_word("1号店"));
        let cut = jieba.cut("我的快递怎么还没到", true);
        assert!(cut.contains(&"快递") && cut.contains(&"怎么"), "{cut:?}");
    }

    #[test]
    fn chinese_is_cut_into_words_and_pairs() {
        let t = texts("花呗怎么还款");
        assert!(t.contains(&"还款".to_string()), "{t:?}");
        assert!(t.contains(&"花呗\u{1}".to_string()), "{t:?}");
    }

    #[test]
    fn english_is_stemmed_without_function_words() {
        assert_eq!(texts("Where are my refunds?"), vec!["where", "refund"]);
        assert_eq!(texts("ＲＥＦＵＮＤＥＤ"), vec!["refund"]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "我的快递 parcel";
        for term in terms(text) {
            assert!(text.is_char_boundary(term.from) && text.is_char_boundary(term.to));
            assert!(term.from < term.to);
        }
        let parcel = terms(text)
            .into_iter()
            .find(|t| t.text == "parcel")
            .unwrap();
        assert_eq!(&text[parcel.from..parcel.to], "parcel");
    }
}
