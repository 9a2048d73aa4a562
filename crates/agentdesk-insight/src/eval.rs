//! Retrieval and classification figures: Recall@k and MRR@10 for knowledge suggestions; accuracy
//! and the negative class's precision, recall and F1 for sentiment.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RetrievalFigures {
    pub queries: usize,
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    pub mrr_at_10: f64,
}

/// `ranked[i]` is the ids returned for query i, best first; `answers[i]` the right one.
pub fn retrieval(ranked: &[Vec<String>], answers: &[String]) -> RetrievalFigures {
    let n = ranked.len().min(answers.len());
    if n == 0 {
        return RetrievalFigures::default();
    }
    let (mut r1, mut r5, mut mrr) = (0.0, 0.0, 0.0);
    for (ids, answer) in ranked.iter().zip(answers) {
        if let Some(rank) = ids.iter().position(|id| id == answer) {
            if rank == 0 {
                r1 += 1.0;
            }
            if rank < 5 {
                r5 += 1.0;
            }
            if rank < 10 {
                mrr += 1.0 / (rank as f64 + 1.0);
            }
        }
    }
    let n_f = n as f64;
    RetrievalFigures {
        queries: n,
        recall_at_1: r1 / n_f,
        recall_at_5: r5 / n_f,
        mrr_at_10: mrr / n_f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_and_mrr_count_ranks() {
        let ranked = vec![
            vec!["a".to_string(), "b".into()],
            vec!["x".into(), "y".into(), "c".into()],
            vec!["z".into()],
        ];
        let answers = vec!["a".to_string(), "c".into(), "q".into()];
        let f = retrieval(&ranked, &answers);
        assert!((f.recall_at_1 - 1.0 / 3.0).abs() < 1e-9);
        assert!((f.recall_at_5 - 2.0 / 3.0).abs() < 1e-9);
        assert!((f.mrr_at_10 - (1.0 + 1.0 / 3.0) / 3.0).abs() < 1e-9);
    }
}
