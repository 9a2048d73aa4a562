//! The sentiment model's second opinion from meaning: a logistic regression over the sentence
//! encoder's vector of a message, stacked with the word model's log-odds. The word model knows
//! the training domains' words (差评, 破屏); the encoder's vector carries tone that travels to
//! domains whose words it never saw (a complaint about a delivery rider, a tweet at an airline).
//! Trained by `agentdesk-cli train sentiment-head` with leave-one-domain-out figures, shipped as a
//! small file.

use agentdesk_encoder::DIMENSIONS;

use crate::model_file::{model_file, read_model_file, sigmoid, ModelError};

/// The file starts with this, then the bias, the word model's weight, and the 384 vector weights,
/// shifts and scales, as little-endian f32.
const MAGIC: &[u8; 8] = b"ADMOOD02";

/// p(negative) = sigmoid(bias + lexical_weight · logit(word model) + Σ weights · (v - shift) · scale).
/// The vector is standardised per dimension first (e5's vectors all lean one way, and their values
/// are small: unstandardised, the regression barely moves).
#[derive(Debug, Clone, PartialEq)]
pub struct SentimentHead {
    pub bias: f32,
    /// Weight of the word model's log-odds.
    pub lexical_weight: f32,
    pub weights: Vec<f32>,
    pub shift: Vec<f32>,
    pub scale: Vec<f32>,
}

/// The log-odds of a probability, kept finite.
pub fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

impl SentimentHead {
    /// The head shipped with AgentDesk (`models/sentiment-head.bin`).
    pub fn shipped() -> Result<SentimentHead, ModelError> {
        SentimentHead::from_bytes(include_bytes!("../models/sentiment-head.bin"))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SentimentHead, ModelError> {
        let floats = read_model_file(bytes, MAGIC, 2 + 3 * DIMENSIONS)?;
        let d = DIMENSIONS;
        Ok(SentimentHead {
            bias: floats[0],
            lexical_weight: floats[1],
            weights: floats[2..2 + d].to_vec(),
            shift: floats[2 + d..2 + 2 * d].to_vec(),
            scale: floats[2 + 2 * d..].to_vec(),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        model_file(
            MAGIC,
            [self.bias, self.lexical_weight]
                .iter()
                .chain(&self.weights)
                .chain(&self.shift)
                .chain(&self.scale),
        )
    }

    /// p(negative) from the word model's p(negative) and the message's encoder vector.
    pub fn negative_probability(&self, lexical: f32, vector: &[f32]) -> f32 {
        sigmoid(self.bias + self.lexical_weight * logit(lexical) + self.vector_score(vector))
    }

    fn vector_score(&self, vector: &[f32]) -> f32 {
        self.weights
            .iter()
            .zip(vector)
            .zip(self.shift.iter().zip(&self.scale))
            .map(|((w, v), (shift, scale))| w * (v - shift) * scale)
            .sum()
    }

    /// Trains by full-batch gradient descent with momentum and L2 on (word model p, vector,
    /// is negative, weight) examples, the vectors standardised by the examples' own mean and spread.
    /// Deterministic (no sampling).
    pub fn train(examples: &[(f32, &[f32], bool, f32)], l2: f32, steps: usize) -> SentimentHead {
        let total_weight: f32 = examples.iter().map(|e| e.3).sum::<f32>().max(1e-6);
        let mut shift = vec![0f32; DIMENSIONS];
        for (_, v, _, w) in examples {
            for (s, x) in shift.iter_mut().zip(v.iter()) {
                *s += x * w / total_weight;
            }
        }
        let mut spread = vec![0f32; DIMENSIONS];
        for (_, v, _, w) in examples {
            for ((s, x), m) in spread.iter_mut().zip(v.iter()).zip(&shift) {
                *s += (x - m) * (x - m) * w / total_weight;
            }
        }
        let scale: Vec<f32> = spread.iter().map(|s| 1.0 / s.sqrt().max(1e-6)).collect();
        let standardised: Vec<Vec<f32>> = examples
            .iter()
            .map(|(_, v, _, _)| {
                v.iter()
                    .zip(shift.iter().zip(&scale))
                    .map(|(x, (m, s))| (x - m) * s)
                    .collect()
            })
            .collect();
        let mut parameters = vec![0f32; DIMENSIONS + 2];
        let mut velocity = vec![0f32; DIMENSIONS + 2];
        let (rate, momentum) = (0.1f32, 0.9f32);
        for _ in 0..steps {
            let mut gradient = vec![0f32; DIMENSIONS + 2];
            for ((lexical, _, negative, weight), x) in examples.iter().zip(&standardised) {
                let z = logit(*lexical);
                let score = parameters[0]
                    + parameters[1] * z
                    + parameters[2..]
                        .iter()
                        .zip(x)
                        .map(|(w, x)| w * x)
                        .sum::<f32>();
                let error =
                    (sigmoid(score) - if *negative { 1.0 } else { 0.0 }) * weight / total_weight;
                gradient[0] += error;
                gradient[1] += error * z;
                for (g, x) in gradient[2..].iter_mut().zip(x) {
                    *g += error * x;
                }
            }
            for (g, w) in gradient[2..].iter_mut().zip(&parameters[2..]) {
                *g += l2 * w;
            }
            for ((p, v), g) in parameters
                .iter_mut()
                .zip(velocity.iter_mut())
                .zip(&gradient)
            {
                *v = momentum * *v - rate * g;
                *p += *v;
            }
        }
        SentimentHead {
            bias: parameters[0],
            lexical_weight: parameters[1],
            weights: parameters[2..].to_vec(),
            shift,
            scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_direction_and_round_trips_through_bytes() {
        // Negative examples lean along dimension 0, others along dimension 1; the word model is
        // unsure (0.5) throughout, so only the vector can tell.
        let mut vectors = Vec::new();
        for k in 0..40 {
            let mut v = vec![0f32; DIMENSIONS];
            v[k % 2] = 1.0;
            v[2 + k % 7] = 0.3;
            vectors.push((v, k % 2 == 0));
        }
        let examples: Vec<(f32, &[f32], bool, f32)> = vectors
            .iter()
            .map(|(v, n)| (0.5, v.as_slice(), *n, 1.0))
            .collect();
        let head = SentimentHead::train(&examples, 1e-4, 300);
        for (v, negative) in &vectors {
            let p = head.negative_probability(0.5, v);
            assert_eq!(p > 0.5, *negative, "{p}");
        }
        assert_eq!(SentimentHead::from_bytes(&head.to_bytes()).unwrap(), head);
        assert!(SentimentHead::from_bytes(b"ADMOOD01").is_err());
    }
}
