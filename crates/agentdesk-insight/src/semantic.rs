//! The meaning side of the knowledge search: one sentence vector per question (title, similar
//! questions, learned questions), stored as bytes with a scale (a quarter of the floats' memory, and
//! the scan over 50,000 articles' questions stays a few milliseconds), and the nearest questions to a
//! query's vector, corrected for how crowded each question's neighbourhood is.

use agentdesk_encoder::DIMENSIONS;
use serde::{Deserialize, Serialize};

/// The mean vector of each language's text. e5's vectors carry the language strongly: any two
/// Chinese texts are nearer than a Chinese and an English text with the same meaning. Taking the
/// text's language mean away (and normalising again) leaves the meaning, so a Chinese question
/// finds an English article, and paraphrases in one language also stand further apart from
/// unrelated questions (0.86 against 0.64 where both were 0.9 before).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LanguageMeans {
    pub about: String,
    pub zh: Vec<f32>,
    pub en: Vec<f32>,
}

impl LanguageMeans {
    /// The means shipped with AgentDesk (`models/language-means.json`, made by `agentdesk-cli train
    /// language-means`).
    pub fn shipped() -> &'static LanguageMeans {
        static SHIPPED: std::sync::OnceLock<LanguageMeans> = std::sync::OnceLock::new();
        SHIPPED.get_or_init(|| {
            let means: LanguageMeans =
                serde_json::from_str(include_str!("../models/language-means.json"))
                    .unwrap_or_else(|e| panic!("models/language-means.json is damaged: {e}"));
            assert!(means.zh.len() == DIMENSIONS && means.en.len() == DIMENSIONS);
            means
        })
    }

    /// `vector` (of `text`) less its language's mean, unit length again. A text mixing the two
    /// languages takes both means by its share of Chinese characters and English words.
    pub fn center(&self, text: &str, vector: &[f32]) -> Vec<f32> {
        let chinese = text.chars().filter(|c| crate::text::is_cjk(*c)).count() as f32;
        let english = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .count() as f32;
        let share = if chinese + english > 0.0 {
            chinese / (chinese + english)
        } else {
            0.5
        };
        let mut centered: Vec<f32> = vector
            .iter()
            .zip(self.zh.iter().zip(&self.en))
            .map(|(v, (zh, en))| v - share * zh - (1.0 - share) * en)
            .collect();
        let norm = centered.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
        centered.iter_mut().for_each(|x| *x /= norm);
        centered
    }
}

/// A vector as signed bytes and one scale: `v ≈ values · scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedVector {
    pub values: Vec<i8>,
    pub scale: f32,
}

impl PackedVector {
    pub fn pack(v: &[f32]) -> PackedVector {
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        PackedVector {
            values: v
                .iter()
                .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8)
                .collect(),
            scale,
        }
    }

    /// The bytes the database keeps: the scale (little-endian f32), then the values.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.values.len());
        out.extend_from_slice(&self.scale.to_le_bytes());
        out.extend(self.values.iter().map(|v| *v as u8));
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<PackedVector> {
        if bytes.len() != 4 + DIMENSIONS {
            return None;
        }
        Some(PackedVector {
            scale: f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            values: bytes[4..].iter().map(|b| *b as i8).collect(),
        })
    }
}

/// How many of a question's nearest neighbours measure its crowding.
const NEIGHBOURS: usize = 5;
/// The questions a crowding is measured against, at most: every question of a knowledge base up to
/// this size (0.7 s for 5,000 on one core), an even sample of a larger one, so the measurement
/// grows linearly (24 s for 50,000, in the background after minutes of embedding). On the
/// development sets a sample of a third ranked within noise of all of them (BENCHMARKS.md).
const REFERENCE_QUESTIONS: usize = 8192;
/// How much of a question's crowding is taken from its similarity: a half is cross-domain
/// similarity local scaling as published (Conneau et al. 2018, `2·cos − r`, halved), and the best
/// weight on both development sets.
const CROWDING_WEIGHT: f32 = 0.5;

/// The question vectors, in question order; a question whose vector is not computed yet has none.
///
/// Some questions are near everything (short, generic ones: "花呗怎么用"); by cosine alone they
/// come first for many queries they do not answer. Each question's *crowding*, the mean
/// similarity of its nearest questions, is taken off its similarity (hubness reduction): on the
/// development sets Chinese Recall@1 of the meaning side rose from 0.182 to 0.194 and Recall@5 from
/// 0.440 to 0.468 (fused with the words: 0.188 → 0.198 and 0.465 → 0.479), English a little
/// (BENCHMARKS.md).
#[derive(Default)]
pub struct QuestionVectors {
    values: Vec<i8>,
    scales: Vec<f32>,
    /// Whether question i has a vector (its bytes are zero otherwise).
    present: Vec<bool>,
    /// Question i's crowding; questions added since the last measurement have the mean.
    crowding: Vec<f32>,
    mean_crowding: f32,
}

impl QuestionVectors {
    pub fn set(&mut self, question: usize, vector: &PackedVector) {
        if self.present.len() <= question {
            self.present.resize(question + 1, false);
            self.scales.resize(question + 1, 0.0);
            self.values.resize((question + 1) * DIMENSIONS, 0);
            self.crowding.resize(question + 1, self.mean_crowding);
        }
        self.values[question * DIMENSIONS..(question + 1) * DIMENSIONS]
            .copy_from_slice(&vector.values);
        self.scales[question] = vector.scale;
        self.present[question] = true;
        self.crowding[question] = self.mean_crowding;
    }

    fn row(&self, question: usize) -> &[i8] {
        &self.values[question * DIMENSIONS..(question + 1) * DIMENSIONS]
    }

    /// The questions crowding is measured against: evenly spread over all that have a vector.
    fn reference(&self) -> Vec<usize> {
        let all: Vec<usize> = (0..self.present.len())
            .filter(|q| self.present[*q])
            .collect();
        let step = all.len().div_ceil(REFERENCE_QUESTIONS).max(1);
        all.into_iter().step_by(step).collect()
    }

    /// Mean similarity of `question`'s nearest questions in `reference` (itself left out).
    fn crowding_of(&self, question: usize, reference: &[usize]) -> f32 {
        let row = self.row(question);
        let mut nearest = [f32::NEG_INFINITY; NEIGHBOURS];
        for other in reference.iter().filter(|o| **o != question) {
            let similarity =
                dot(row, self.row(*other)) as f32 * self.scales[question] * self.scales[*other];
            // `nearest` is kept sorted, smallest first.
            if similarity > nearest[0] {
                nearest[0] = similarity;
                nearest.sort_by(f32::total_cmp);
            }
        }
        let found: Vec<f32> = nearest.into_iter().filter(|s| s.is_finite()).collect();
        if found.is_empty() {
            0.0
        } else {
            found.iter().sum::<f32>() / found.len() as f32
        }
    }

    /// Measures every question's crowding on `threads` threads (run when the vectors are all
    /// there: seconds for 50,000 questions on one core, so it only reads: queries go on meanwhile
    /// and `set_crowding` takes the result).
    pub fn measure_crowding(&self, threads: usize) -> Vec<(usize, f32)> {
        let reference = self.reference();
        let questions: Vec<usize> = (0..self.present.len())
            .filter(|q| self.present[*q])
            .collect();
        let chunk = questions.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            let this = self;
            let reference = &reference;
            let workers: Vec<_> = questions
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|q| (*q, this.crowding_of(*q, reference)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_default())
                .collect()
        })
    }

    /// Takes the crowding `measure_crowding` found (questions it did not see get the mean).
    pub fn set_crowding(&mut self, measured: Vec<(usize, f32)>) {
        if measured.is_empty() {
            return;
        }
        self.mean_crowding = measured.iter().map(|(_, c)| c).sum::<f32>() / measured.len() as f32;
        self.crowding = vec![self.mean_crowding; self.present.len()];
        for (question, crowding) in measured {
            if question < self.crowding.len() {
                self.crowding[question] = crowding;
            }
        }
    }

    /// Measures one question's crowding (a question learned from an agent, against the others).
    pub fn measure_crowding_of(&mut self, question: usize) {
        if self.has(question) {
            let reference = self.reference();
            self.crowding[question] = self.crowding_of(question, &reference);
        }
    }

    pub fn has(&self, question: usize) -> bool {
        self.present.get(question).copied().unwrap_or(false)
    }

    pub fn count(&self) -> usize {
        self.present.iter().filter(|p| **p).count()
    }

    /// How near every question that has a vector is to the query (a unit vector): cosine
    /// similarity less the question's weighted crowding.
    pub fn similarities(&self, query: &[f32]) -> Vec<(usize, f32)> {
        let packed = PackedVector::pack(query);
        let mut out = Vec::with_capacity(self.present.len());
        for (question, (((row, scale), present), crowding)) in self
            .values
            .chunks_exact(DIMENSIONS)
            .zip(&self.scales)
            .zip(&self.present)
            .zip(&self.crowding)
            .enumerate()
        {
            if *present {
                out.push((
                    question,
                    dot(row, &packed.values) as f32 * scale * packed.scale
                        - CROWDING_WEIGHT * crowding,
                ));
            }
        }
        out
    }
}

/// The integer dot product of two byte vectors. Written for the compiler to vectorise on the
/// baseline x86-64 and ARM instruction sets: 32 independent 32-bit sums, one per lane (a scan of
/// 50,000 questions takes 1.5 ms on one core, near the memory's speed; summing each chunk into one
/// value took 3.4 ms).
fn dot(a: &[i8], b: &[i8]) -> i32 {
    let mut lanes = [0i32; 32];
    for (a, b) in a.chunks_exact(32).zip(b.chunks_exact(32)) {
        for ((lane, x), y) in lanes.iter_mut().zip(a).zip(b) {
            *lane += i32::from(*x) * i32::from(*y);
        }
    }
    lanes.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(seed: u32) -> Vec<f32> {
        let v: Vec<f32> = (0..DIMENSIONS as u32)
            .map(|i| ((i * 7919 + seed * 104_729) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    #[test]
    fn packed_vectors_keep_the_similarity_and_round_trip_as_bytes() {
        let (a, b) = (unit(1), unit(2));
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let mut vectors = QuestionVectors::default();
        let packed = PackedVector::pack(&b);
        vectors.set(3, &PackedVector::from_bytes(&packed.to_bytes()).unwrap());
        assert!(!vectors.has(0) && vectors.has(3));
        let found = vectors.similarities(&a);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 3);
        assert!(
            (found[0].1 - exact).abs() < 0.01,
            "{} vs {exact}",
            found[0].1
        );
        let itself = vectors.similarities(&b)[0].1;
        assert!((itself - 1.0).abs() < 0.01, "{itself}");
    }

    fn normalised(parts: &[(usize, f32)]) -> Vec<f32> {
        let mut v = vec![0f32; DIMENSIONS];
        for (axis, value) in parts {
            v[*axis] = *value;
        }
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    fn nearest(vectors: &QuestionVectors, query: &[f32]) -> usize {
        let found = vectors.similarities(query);
        found
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(q, _)| *q)
            .unwrap()
    }

    #[test]
    fn a_question_near_everything_gives_way_to_the_specific_one() {
        // 0: a generic question between three topics and a fourth thing (axes 0-3); 1-4: one
        // topic each; 5: a specific question of the fourth thing with a detail (axis 4).
        let mut vectors = QuestionVectors::default();
        let questions = [
            normalised(&[(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)]),
            normalised(&[(1, 1.0)]),
            normalised(&[(2, 1.0)]),
            normalised(&[(3, 1.0)]),
            normalised(&[(6, 1.0)]),
            normalised(&[(0, 1.0), (4, 1.0)]),
        ];
        for (n, q) in questions.iter().enumerate() {
            vectors.set(n, &PackedVector::pack(q));
        }
        // About the fourth thing, with a little of the topics and of the detail: by cosine alone
        // the generic question is nearest (0.83 against 0.74).
        let query = normalised(&[(0, 1.0), (1, 0.3), (2, 0.3), (3, 0.3), (4, 0.2)]);
        assert_eq!(nearest(&vectors, &query), 0);
        let measured = vectors.measure_crowding(2);
        assert_eq!(measured.len(), 6);
        vectors.set_crowding(measured);
        assert_eq!(nearest(&vectors, &query), 5);
        // One question measured alone gets what the whole measurement gave it.
        let whole = vectors.crowding[5];
        vectors.crowding[5] = 0.0;
        vectors.measure_crowding_of(5);
        assert!((vectors.crowding[5] - whole).abs() < 1e-6);
        assert!(vectors.crowding[0] > vectors.crowding[5]);
    }
}
