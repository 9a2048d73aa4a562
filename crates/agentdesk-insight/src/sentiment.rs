//! Sentiment of customer messages, Chinese and English, locally: a logistic-regression model over
//! hashed n-gram features (Chinese character 1–3-grams; English words and word pairs, with negation
//! carried to the words after "not"/"never"/"n't", and character 3-grams), trained by
//! `agentdesk-cli train sentiment` from labelled text and shipped as a small file; plus the
//! escalation cues that matter in customer service (投诉, 12315, lawyer, chargeback, ...), found
//! whatever the model says.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;

pub use crate::model_file::ModelError;
use crate::model_file::{model_file, read_model_file, sigmoid};
use crate::text::{is_cjk, normalize};

/// Feature space: 2^19 weights (2 MiB as f32).
pub const FEATURE_BITS: u32 = 19;
const FEATURES: usize = 1 << FEATURE_BITS;
/// The model file starts with this, then the bias and the weights as little-endian f32.
const MAGIC: &[u8; 8] = b"ADSENT01";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Negative,
    Neutral,
    Positive,
}

/// The verdict for one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub label: Label,
    /// -1 (surely negative) to 1 (surely positive).
    pub score: f32,
    /// Escalation cues found (投诉, "lawyer", ...), as written in the message.
    pub cues: Vec<String>,
    /// A cue was found, or the message is strongly negative.
    pub escalate: bool,
}

/// Words and phrases that signal a complaint on its way up, whatever the tone.
const CUES: [&str; 30] = [
    "投诉",
    "12315",
    "曝光",
    "律师",
    "起诉",
    "举报",
    "消协",
    "工商",
    "媒体",
    "记者",
    "法院",
    "差评",
    "退款",
    "骗子",
    "欺诈",
    "维权",
    "lawyer",
    "attorney",
    "chargeback",
    "sue",
    "lawsuit",
    "cancel my account",
    "close my account",
    "complaint",
    "report you",
    "scam",
    "fraud",
    "refund",
    "bbb",
    "social media",
];

/// p(negative) from which a message is negative, and up to which it is positive.
const NEGATIVE_FROM: f32 = 0.6;
const POSITIVE_UP_TO: f32 = 0.4;

/// Words that turn the following words around (English).
const NEGATORS: [&str; 8] = [
    "not", "no", "never", "dont", "cant", "wont", "isnt", "didnt",
];

/// FNV-1a of the namespace and the n-gram: a hash fixed forever, since the shipped model's weights
/// are addressed by it (std's hasher may change between Rust releases).
fn bucket(namespace: u8, gram: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in std::iter::once(namespace).chain(gram.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash as usize) & (FEATURES - 1)
}

/// The hashed features of a message (with repeats: a repeated n-gram counts again).
pub fn features(text: &str) -> Vec<usize> {
    let text = normalize(text);
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    // Chinese: character 1–3-grams within each run of ideographs (and punctuation like ！？ that
    // carries tone).
    let mut i = 0;
    while i < chars.len() {
        if is_cjk(chars[i]) {
            let start = i;
            while i < chars.len() && (is_cjk(chars[i]) || "！？!?".contains(chars[i])) {
                i += 1;
            }
            let run = &chars[start..i];
            for n in 1..=3 {
                for gram in run.windows(n) {
                    out.push(bucket(n as u8, &gram.iter().collect::<String>()));
                }
            }
        } else {
            i += 1;
        }
    }
    // English: words with negation scope, word pairs, character 3-grams of words.
    let mut words: Vec<String> = Vec::new();
    let mut negated = false;
    for raw in text.split(|c: char| c.is_whitespace() || ",.;:!?()\"".contains(c) || is_cjk(c)) {
        let word: String = raw.chars().filter(|c| c.is_alphanumeric()).collect();
        let ends_clause = raw.ends_with([',', '.', ';', '!', '?']);
        if word.is_empty() || !word.is_ascii() {
            negated = negated && !ends_clause;
            continue;
        }
        let marked = if negated {
            format!("not_{word}")
        } else {
            word.clone()
        };
        words.push(marked);
        if NEGATORS.contains(&word.as_str()) || word.ends_with("nt") && word.len() > 3 {
            negated = true;
        }
        if ends_clause {
            negated = false;
        }
    }
    if text.contains('!') || text.contains('！') {
        out.push(bucket(9, "!"));
    }
    for w in &words {
        out.push(bucket(4, w));
        let padded: Vec<char> = format!("<{w}>").chars().collect();
        for gram in padded.windows(3) {
            out.push(bucket(5, &gram.iter().collect::<String>()));
        }
    }
    for pair in words.windows(2) {
        out.push(bucket(6, &format!("{} {}", pair[0], pair[1])));
    }
    out
}

/// Question forms in Chinese and English.
const QUESTION_MARKS: [&str; 14] = [
    "?",
    "？",
    "怎么",
    "如何",
    "吗",
    "请问",
    "什么时候",
    "多久",
    "在哪",
    "能不能",
    "可不可以",
    "是否",
    "为什么",
    "哪里",
];
const QUESTION_STARTS: [&str; 12] = [
    "how", "what", "when", "where", "which", "can", "could", "do", "does", "is", "are", "why",
];
/// Words of feeling that keep a question's own tone (anger, disappointment, urgency).
const FEELINGS: [&str; 34] = [
    "差",
    "烂",
    "垃圾",
    "慢死",
    "太慢",
    "气死",
    "坑",
    "骗",
    "失望",
    "恶心",
    "无语",
    "什么玩意",
    "太过分",
    "受不了",
    "!",
    "！",
    "到底",
    "还不",
    "怎么还",
    "凭什么",
    "terrible",
    "worst",
    "awful",
    "ridiculous",
    "angry",
    "disappointed",
    "unacceptable",
    "useless",
    "still",
    "never",
    "again",
    "horrible",
    "scam",
    "joke",
];

/// Cues that are everyday requests as often as threats: they escalate only with a negative tone.
const SOFT_CUES: [&str; 6] = ["退款", "refund", "差评", "complaint", "scam", "fraud"];

/// A plain question without a word of feeling ("请问怎么开发票", "Where is my parcel?"): whatever its
/// topic, not a sign of anger. Review data (what the model learns from) ties topics like 发票 or 退货
/// to complaints, so the warnings use this to keep calm customers from raising anything; the
/// classifier's own label is left as it is.
pub fn is_calm_question(text: &str) -> bool {
    let lower = normalize(text);
    is_question(&lower) && !has_feeling(&lower)
}

fn is_question(lower: &str) -> bool {
    QUESTION_MARKS.iter().any(|m| lower.contains(m))
        || lower
            .split_whitespace()
            .next()
            .is_some_and(|first| QUESTION_STARTS.contains(&first))
}

fn has_feeling(lower: &str) -> bool {
    FEELINGS.iter().any(|w| lower.contains(w))
}

/// A trained model: `p(negative) = sigmoid(bias + Σ weights[feature])` with feature values
/// scaled by 1/√(number of features).
pub struct SentimentModel {
    bias: f32,
    weights: Vec<f32>,
}

impl SentimentModel {
    /// The model shipped with AgentDesk (`models/sentiment.bin`, made by `agentdesk-cli train
    /// sentiment` from the shared labelled data).
    pub fn shipped() -> Result<SentimentModel, ModelError> {
        SentimentModel::from_bytes(include_bytes!("../models/sentiment.bin"))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SentimentModel, ModelError> {
        let floats = read_model_file(bytes, MAGIC, 1 + FEATURES)?;
        Ok(SentimentModel {
            bias: floats[0],
            weights: floats[1..].to_vec(),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        model_file(MAGIC, std::iter::once(&self.bias).chain(&self.weights))
    }

    /// The probability that the message is negative.
    pub fn negative_probability(&self, text: &str) -> f32 {
        let features = features(text);
        if features.is_empty() {
            return sigmoid(self.bias);
        }
        let scale = 1.0 / (features.len() as f32).sqrt();
        let sum: f32 = features.iter().map(|f| self.weights[*f]).sum();
        sigmoid(self.bias + sum * scale)
    }

    /// The verdict from the words alone.
    pub fn judge(&self, text: &str) -> Verdict {
        self.judge_with(text, None)
    }

    /// The verdict with the meaning head's second opinion when the message's encoder vector is at
    /// hand (`sentiment_head`), else from the words alone.
    pub fn judge_with(
        &self,
        text: &str,
        meaning: Option<(&crate::sentiment_head::SentimentHead, &[f32])>,
    ) -> Verdict {
        let lower = normalize(text);
        let words = self.negative_probability(text);
        let p = match meaning {
            Some((head, vector)) => head.negative_probability(words, vector),
            None => words,
        };
        let calm = is_calm_question(text);
        // English cues match whole words ("sue" is not in "issue"); Chinese ones and 12315 as they
        // are written.
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let cues: Vec<String> = CUES
            .iter()
            .filter(|cue| {
                if cue.chars().any(|c| c.is_ascii_alphabetic()) {
                    let phrase: Vec<&str> = cue.split(' ').collect();
                    words.windows(phrase.len()).any(|w| w == phrase.as_slice())
                } else {
                    lower.contains(*cue)
                }
            })
            .map(|cue| cue.to_string())
            .collect();
        // A band around the middle is neutral: a plain question ("where is my parcel?") is neither.
        let label = if p >= NEGATIVE_FROM {
            Label::Negative
        } else if p <= POSITIVE_UP_TO {
            Label::Positive
        } else {
            Label::Neutral
        };
        // A strong cue escalates whatever the tone; a soft one (退款, refund) or a very negative
        // tone only when the message is not a calm question.
        let strong = cues.iter().any(|c| !SOFT_CUES.contains(&c.as_str()));
        let escalate = strong || (!calm && (p >= 0.9 || (!cues.is_empty() && p >= NEGATIVE_FROM)));
        Verdict {
            label,
            score: 1.0 - 2.0 * p,
            escalate,
            cues,
        }
    }

    /// Trains on (text, is_negative, weight) examples: AdaGrad over shuffled epochs with L2,
    /// deterministic for a given seed.
    pub fn train(examples: &[(String, bool, f32)], epochs: usize, seed: u64) -> SentimentModel {
        let encoded: Vec<(Vec<usize>, f32, f32)> = examples
            .iter()
            .map(|(text, negative, weight)| {
                (features(text), if *negative { 1.0 } else { 0.0 }, *weight)
            })
            .collect();
        let mut weights = vec![0.0f32; FEATURES];
        let mut squares = vec![1e-6f32; FEATURES];
        let (mut bias, mut bias_square) = (0.0f32, 1e-6f32);
        let rate = 0.2f32;
        let l2 = 1e-6f32;
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..epochs {
            order.shuffle(&mut rng);
            for &k in &order {
                let (features, target, weight) = &encoded[k];
                if features.is_empty() {
                    continue;
                }
                let scale = 1.0 / (features.len() as f32).sqrt();
                let sum: f32 = features.iter().map(|f| weights[*f]).sum();
                let p = sigmoid(bias + sum * scale);
                let gradient = (p - target) * weight;
                for &f in features {
                    let g = gradient * scale + l2 * weights[f];
                    squares[f] += g * g;
                    weights[f] -= rate * g / squares[f].sqrt();
                }
                bias_square += gradient * gradient;
                bias -= rate * gradient / bias_square.sqrt();
            }
        }
        SentimentModel { bias, weights }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClassificationFigures {
    pub examples: usize,
    pub accuracy: f64,
    pub negative_precision: f64,
    pub negative_recall: f64,
    pub negative_f1: f64,
}

/// Figures for (is_negative truth, is_negative predicted) pairs.
pub fn classification(pairs: &[(bool, bool)]) -> ClassificationFigures {
    let n = pairs.len();
    let correct = pairs.iter().filter(|(t, p)| t == p).count();
    let tp = pairs.iter().filter(|(t, p)| *t && *p).count() as f64;
    let fp = pairs.iter().filter(|(t, p)| !*t && *p).count() as f64;
    let fn_ = pairs.iter().filter(|(t, p)| *t && !*p).count() as f64;
    let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let recall = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    ClassificationFigures {
        examples: n,
        accuracy: if n > 0 {
            correct as f64 / n as f64
        } else {
            0.0
        },
        negative_precision: precision,
        negative_recall: recall,
        negative_f1: f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> SentimentModel {
        let examples: Vec<(String, bool, f32)> = [
            ("太差了，物流慢，客服态度恶劣", true),
            ("质量很差，再也不买了", true),
            ("非常好，物流很快，很满意", false),
            ("东西不错，下次还来", false),
            ("terrible service, very slow and rude", true),
            ("this is not good at all", true),
            ("great product, fast delivery, thanks", false),
            ("works well, very happy", false),
        ]
        .iter()
        .map(|(t, n)| (t.to_string(), *n, 1.0))
        .collect();
        SentimentModel::train(&examples, 30, 7)
    }

    #[test]
    fn a_tiny_model_learns_both_languages_and_round_trips_through_bytes() {
        let model = tiny();
        assert_eq!(model.judge("客服态度太差了").label, Label::Negative);
        assert_eq!(model.judge("very slow and rude").label, Label::Negative);
        assert!(model.judge("很满意，谢谢").score > 0.0);
        let copy = SentimentModel::from_bytes(&model.to_bytes()).unwrap();
        assert_eq!(
            copy.negative_probability("太差"),
            model.negative_probability("太差")
        );
        assert!(SentimentModel::from_bytes(b"nonsense").is_err());
    }

    #[test]
    fn the_shipped_model_loads_and_tells_angry_from_calm() {
        let model = SentimentModel::shipped().unwrap();
        assert_eq!(
            model.judge("你们的客服太差了，太慢了，气死我了").label,
            Label::Negative
        );
        assert_eq!(
            model.judge("收到了，质量很好，很满意").label,
            Label::Positive
        );
        assert_eq!(
            model.judge("This is the worst service ever").label,
            Label::Negative
        );
        assert_eq!(
            model.judge("Great, thanks for the quick help!").label,
            Label::Positive
        );
        assert!(
            !model.judge("我的快递到哪了？").escalate,
            "a calm question raises nothing"
        );
    }

    #[test]
    fn cues_escalate_whatever_the_tone() {
        let model = tiny();
        let verdict = model.judge("麻烦尽快处理，不然我去12315投诉");
        assert!(verdict.escalate);
        assert_eq!(verdict.cues, vec!["投诉", "12315"]);
        let verdict = model.judge("I will call my LAWYER and file a chargeback");
        assert_eq!(verdict.cues, vec!["lawyer", "chargeback"]);
        assert!(!model.judge("thanks, that's all").escalate);
        assert!(model.judge("I have an issue with my order").cues.is_empty());
        assert_eq!(model.judge("I will sue you").cues, vec!["sue"]);
        assert_eq!(
            model.judge("Please cancel my account now").cues,
            vec!["cancel my account"]
        );
    }

    #[test]
    fn negation_reaches_the_following_words() {
        let plain = features("good");
        let negated = features("not good");
        assert!(!negated.contains(&plain[0]));
    }

    #[test]
    fn figures_count_the_negative_class() {
        let f = classification(&[(true, true), (true, false), (false, true), (false, false)]);
        assert_eq!(
            (f.accuracy, f.negative_precision, f.negative_recall),
            (0.5, 0.5, 0.5)
        );
    }
}
