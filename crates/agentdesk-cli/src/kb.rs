//! `agentdesk-cli kb search` and `agentdesk-cli eval kb`: the knowledge suggestions on articles in
//! the shared FAQ format (`{"id", "title", "similar"?, "body"?}` a line), queries on stdin or in a
//! file (`{"query", "answer"}` a line).

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

use agentdesk_insight::eval::{retrieval, RetrievalFigures};
use agentdesk_insight::kb::{fuse, Article, Fusion, KnowledgeIndex, Ranking, DEFAULT_FUSION};
use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::json;

/// How the CLI ranks: the shipped hybrid ranking, or words only.
#[derive(Debug, Clone, Copy)]
pub struct RankingChoice {
    pub lexical_only: bool,
}

impl RankingChoice {
    fn ranking(self) -> Ranking {
        if self.lexical_only {
            Ranking::Lexical
        } else {
            Ranking::Hybrid
        }
    }
}

/// The index over the articles; with the hybrid ranking, the encoder loaded and every question
/// embedded (progress on stderr).
pub fn build(articles: Vec<Article>, choice: RankingChoice) -> anyhow::Result<KnowledgeIndex> {
    let index = KnowledgeIndex::build(articles)?;
    if choice.lexical_only {
        return Ok(index);
    }
    let index = index.with_encoder(std::sync::Arc::new(crate::encoding::load_encoder()?));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let last = std::sync::Mutex::new(Instant::now());
    index.embed_missing(threads, &|done, total| {
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        if done == total || last.elapsed().as_secs() >= 2 {
            eprintln!("embedding the articles' questions: {done}/{total}");
            *last = Instant::now();
        }
        std::ops::ControlFlow::Continue(())
    });
    Ok(index)
}

fn read_articles(kb: &Path) -> anyhow::Result<Vec<Article>> {
    let articles: Vec<Article> = crate::encoding::read_jsonl(kb)?;
    if articles.is_empty() {
        bail!("{} has no articles", kb.display());
    }
    Ok(articles)
}

/// One query a line on stdin → `{"ids": [...]}` a line, best first.
pub fn search(kb: &Path, top: usize, choice: RankingChoice) -> anyhow::Result<i32> {
    let index = build(read_articles(kb)?, choice)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read stdin")?;
        let ids: Vec<String> = index
            .search_ranked(&line, top, choice.ranking())?
            .into_iter()
            .map(|s| s.id)
            .collect();
        writeln!(out, "{}", json!({ "ids": ids }))?;
    }
    Ok(0)
}

#[derive(Deserialize)]
struct LabelledQuery {
    query: String,
    answer: String,
}

/// Recall@1, Recall@5, MRR@10 (and the index's build time and query latency) as one JSON line.
/// `scale_to`, when given, grows the knowledge base to that many articles first (copies of the
/// articles with their own ids and a distinguishing word), for the size benchmark: the recall
/// figures then count a copy of the right article as wrong.
pub fn evaluate(
    kb: &Path,
    queries: &Path,
    scale_to: Option<usize>,
    choice: RankingChoice,
    tune: bool,
) -> anyhow::Result<i32> {
    let mut articles = read_articles(kb)?;
    if let Some(target) = scale_to {
        let originals = articles.clone();
        let mut copy = 0;
        while articles.len() < target {
            copy += 1;
            for original in &originals {
                if articles.len() >= target {
                    break;
                }
                let mut article = original.clone();
                article.id = format!("{}#{copy}", original.id);
                article.title = format!("{} v{copy}", original.title);
                articles.push(article);
            }
        }
    }
    let started = Instant::now();
    let index = build(articles, choice)?;
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    let queries: Vec<LabelledQuery> = crate::encoding::read_jsonl(queries)?;
    if tune {
        return tune_fusion(&index, &queries);
    }
    let mut ranked = Vec::with_capacity(queries.len());
    let mut latencies = Vec::with_capacity(queries.len());
    for q in &queries {
        let started = Instant::now();
        let ids: Vec<String> = index
            .search_ranked(&q.query, 10, choice.ranking())?
            .into_iter()
            .map(|s| s.id)
            .collect();
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        ranked.push(ids);
    }
    let answers: Vec<String> = queries.iter().map(|q| q.answer.clone()).collect();
    let figures = retrieval(&ranked, &answers);
    latencies.sort_by(f64::total_cmp);
    let p = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{}",
        json!({
            "ranking": if choice.lexical_only { "lexical" } else { "hybrid" },
            "articles": index.len(), "queries": figures.queries,
            "recall_at_1": figures.recall_at_1, "recall_at_5": figures.recall_at_5, "mrr_at_10": figures.mrr_at_10,
            "build_ms": build_ms, "query_ms": {"p50": p(0.5), "p99": p(0.99)},
        })
    );
    Ok(0)
}

/// Every method side by side on the labelled queries, one JSON line each: words only, meaning only,
/// and the fusions over a grid of their parameter (for choosing `DEFAULT_FUSION` on development
/// sets only).
fn tune_fusion(index: &KnowledgeIndex, queries: &[LabelledQuery]) -> anyhow::Result<i32> {
    let scores = queries
        .iter()
        .map(|q| index.scores(&q.query, Ranking::Hybrid))
        .collect::<Result<Vec<_>, _>>()?;
    let answers: Vec<String> = queries.iter().map(|q| q.answer.clone()).collect();
    let figures =
        |rank: &dyn Fn(&agentdesk_insight::kb::Scores) -> Vec<(usize, f32)>| -> RetrievalFigures {
            let ranked: Vec<Vec<String>> = scores
                .iter()
                .map(|s| {
                    rank(s)
                        .into_iter()
                        .filter_map(|(n, _)| index.id_of(n).map(str::to_string))
                        .collect()
                })
                .collect();
            retrieval(&ranked, &answers)
        };
    let print = |method: String, f: RetrievalFigures| {
        println!(
            "{}",
            json!({"method": method, "recall_at_1": f.recall_at_1, "recall_at_5": f.recall_at_5, "mrr_at_10": f.mrr_at_10})
        );
    };
    let top = |side: &std::collections::HashMap<usize, f32>| {
        let mut ranked: Vec<(usize, f32)> = side.iter().map(|(a, s)| (*a, *s)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(10);
        ranked
    };
    print("lexical".into(), figures(&|s| top(&s.lexical)));
    print("dense".into(), figures(&|s| top(&s.dense)));
    for weight in [0.02f32, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3] {
        let fusion = Fusion::Linear {
            lexical_weight: weight,
        };
        print(format!("{fusion:?}"), figures(&|s| fuse(s, fusion, 10)));
    }
    for k in [10f32, 30.0, 60.0] {
        for dense_weight in [0.5f32, 1.0, 2.0] {
            let fusion = Fusion::Reciprocal { k, dense_weight };
            print(format!("{fusion:?}"), figures(&|s| fuse(s, fusion, 10)));
        }
    }
    print(
        format!("shipped {DEFAULT_FUSION:?}"),
        figures(&|s| fuse(s, DEFAULT_FUSION, 10)),
    );
    Ok(0)
}

/// Writes the mean encoder vector of Chinese and of English text (see `LanguageMeans`).
pub fn language_means(zh: &Path, en: &Path, out: &Path) -> anyhow::Result<i32> {
    let encoder = crate::encoding::load_encoder()?;
    let mean_of = |path: &Path, limit: usize| -> anyhow::Result<Vec<f32>> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let texts: Vec<&str> = text
            .lines()
            .step_by(7)
            .filter_map(|line| line.split('\t').nth(1))
            .take(limit)
            .collect();
        if texts.is_empty() {
            bail!("{} has no LABEL<TAB>TEXT lines", path.display());
        }
        let mut mean = vec![0f32; agentdesk_encoder::DIMENSIONS];
        for vector in crate::encoding::embed_in_parallel(&encoder, &texts) {
            for (m, v) in mean.iter_mut().zip(vector) {
                *m += v / texts.len() as f32;
            }
        }
        Ok(mean.into_iter().map(|m| (m * 1e6).round() / 1e6).collect())
    };
    let means = agentdesk_insight::semantic::LanguageMeans {
        about: format!(
            "Mean e5 vectors (query: prefix) of every 7th text of {} (600 at most) and {} (400 at \
             most). Made by agentdesk-cli train language-means.",
            zh.file_name().unwrap_or_default().to_string_lossy(),
            en.file_name().unwrap_or_default().to_string_lossy()
        ),
        zh: mean_of(zh, 600)?,
        en: mean_of(en, 400)?,
    };
    std::fs::write(out, serde_json::to_string(&means)? + "\n")
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(0)
}
