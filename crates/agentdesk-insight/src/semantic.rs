//! The meaning side of the knowledge search: one sentence vector per question (title, similar
//! questions, learned questions), stored as bytes with a scale (a quarter of the floats' memory, and
//! the scan over 50,000 articles' questions stays a few milliseconds), and the nearest questions to a
//! query's vector.

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

/// The question vectors, in question order; a question whose vector is not computed yet has none.
#[derive(Default)]
pub struct QuestionVectors {
    values: Vec<i8>,
    scales: Vec<f32>,
    /// Whether question i has a vector (its bytes are zero otherwise).
    present: Vec<bool>,
}

impl QuestionVectors {
    pub fn set(&mut self, question: usize, vector: &PackedVector) {
        if self.present.len() <= question {
            self.present.resize(question + 1, false);
            self.scales.resize(question + 1, 0.0);
            self.values.resize((question + 1) * DIMENSIONS, 0);
        }
        self.values[question * DIMENSIONS..(question + 1) * DIMENSIONS]
            .copy_from_slice(&vector.values);
        self.scales[question] = vector.scale;
        self.present[question] = true;
    }

    pub fn has(&self, question: usize) -> bool {
        self.present.get(question).copied().unwrap_or(false)
    }

    pub fn count(&self) -> usize {
        self.present.iter().filter(|p| **p).count()
    }

    /// Cosine similarity of every question that has a vector with the query (a unit vector).
    pub fn similarities(&self, query: &[f32]) -> Vec<(usize, f32)> {
        let packed = PackedVector::pack(query);
        let mut out = Vec::with_capacity(self.present.len());
        for (question, ((row, scale), present)) in self
            .values
            .chunks_exact(DIMENSIONS)
            .zip(&self.scales)
            .zip(&self.present)
            .enumerate()
        {
            if *present {
                out.push((
                    question,
                    dot(row, &packed.values) as f32 * scale * packed.scale,
                ));
            }
        }
        out
    }
}

/// The integer dot product of two byte vectors (vectorised by the compiler: 384 products in
/// 16-bit lanes summed in 32-bit ones).
fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.chunks_exact(32)
        .zip(b.chunks_exact(32))
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| i32::from(i16::from(*x) * i16::from(*y)))
                .sum::<i32>()
        })
        .sum()
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
}
