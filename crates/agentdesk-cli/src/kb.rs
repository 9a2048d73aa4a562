//! `agentdesk-cli kb search` and `agentdesk-cli eval kb`: the knowledge suggestions on articles in
//! the shared FAQ format (`{"id", "title", "similar"?, "body"?}` a line), queries on stdin or in a
//! file (`{"query", "answer"}` a line).

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

use agentdesk_insight::eval::retrieval;
use agentdesk_insight::kb::{Article, KnowledgeIndex};
use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::json;

/// Reads a JSON-lines file, naming the line of any mistake.
pub fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Vec<T>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut items = Vec::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        items.push(serde_json::from_str(&line).with_context(|| {
            format!(
                "{} line {}: not the expected JSON",
                path.display(),
                number + 1
            )
        })?);
    }
    Ok(items)
}

fn build(kb: &Path) -> anyhow::Result<KnowledgeIndex> {
    let articles: Vec<Article> = read_jsonl(kb)?;
    if articles.is_empty() {
        bail!("{} has no articles", kb.display());
    }
    Ok(KnowledgeIndex::build(articles)?)
}

/// One query a line on stdin → `{"ids": [...]}` a line, best first.
pub fn search(kb: &Path, top: usize) -> anyhow::Result<i32> {
    let index = build(kb)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read stdin")?;
        let ids: Vec<String> = index
            .search(&line, top)?
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
pub fn evaluate(kb: &Path, queries: &Path, scale_to: Option<usize>) -> anyhow::Result<i32> {
    let mut articles: Vec<Article> = read_jsonl(kb)?;
    if articles.is_empty() {
        bail!("{} has no articles", kb.display());
    }
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
    let index = KnowledgeIndex::build(articles)?;
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    let queries: Vec<LabelledQuery> = read_jsonl(queries)?;
    let mut ranked = Vec::with_capacity(queries.len());
    let mut latencies = Vec::with_capacity(queries.len());
    for q in &queries {
        let started = Instant::now();
        let ids: Vec<String> = index
            .search(&q.query, 10)?
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
            "articles": index.len(), "queries": figures.queries,
            "recall_at_1": figures.recall_at_1, "recall_at_5": figures.recall_at_5, "mrr_at_10": figures.mrr_at_10,
            "build_ms": build_ms, "query_ms": {"p50": p(0.5), "p99": p(0.99)},
        })
    );
    Ok(0)
}
