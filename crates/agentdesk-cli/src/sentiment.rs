//! `agentdesk-cli sentiment`, `eval sentiment` and `train sentiment`: the sentiment model on text a
//! line (`{"label","score","escalate","cues"}` out), its figures on labelled `LABEL<TAB>TEXT` files,
//! and the training that makes the shipped model file from such files.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use agentdesk_insight::sentiment::{classification, Label, SentimentModel};
use anyhow::{bail, Context};
use serde_json::json;

fn model(path: Option<&Path>) -> anyhow::Result<SentimentModel> {
    Ok(match path {
        Some(path) => SentimentModel::from_bytes(
            &std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
        )?,
        None => SentimentModel::shipped()?,
    })
}

/// A text and whether it is negative.
type Labelled = (String, bool);
/// A training example: text, whether it is negative, its weight.
type Weighted = (String, bool, f32);

/// `LABEL<TAB>TEXT` lines → (text, is negative); neutral counts as not negative.
fn read_labelled(path: &Path) -> anyhow::Result<Vec<Labelled>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut rows = Vec::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let Some((label, text)) = line.split_once('\t') else {
            bail!(
                "{} line {}: expected LABEL<TAB>TEXT",
                path.display(),
                number + 1
            );
        };
        let negative = match label.trim() {
            "negative" => true,
            "neutral" | "positive" => false,
            other => bail!(
                "{} line {}: label {other:?} is not negative, neutral or positive",
                path.display(),
                number + 1
            ),
        };
        rows.push((text.to_string(), negative));
    }
    Ok(rows)
}

/// A FAQ file's questions (titles and similar questions) as neutral examples: customers asking
/// how something works are not angry, and review data alone has few such plain questions.
fn read_questions(path: &Path) -> anyhow::Result<Vec<Labelled>> {
    let articles: Vec<agentdesk_insight::kb::Article> = crate::kb::read_jsonl(path)?;
    Ok(articles
        .into_iter()
        .flat_map(|a| std::iter::once(a.title).chain(a.similar))
        .filter(|q| !q.trim().is_empty())
        .map(|q| (q, false))
        .collect())
}

pub fn judge_stdin(model_path: Option<&Path>) -> anyhow::Result<i32> {
    let model = model(model_path)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let verdict = model.judge(&line.context("cannot read stdin")?);
        writeln!(out, "{}", serde_json::to_string(&verdict)?)?;
    }
    Ok(0)
}

pub fn evaluate(file: &Path, model_path: Option<&Path>) -> anyhow::Result<i32> {
    let model = model(model_path)?;
    let rows = read_labelled(file)?;
    let started = std::time::Instant::now();
    let pairs: Vec<(bool, bool)> = rows
        .iter()
        .map(|(text, negative)| (*negative, model.judge(text).label == Label::Negative))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    let mut figures = serde_json::to_value(classification(&pairs))?;
    figures["messages_per_second"] = json!(rows.len() as f64 / seconds.max(1e-9));
    println!("{figures}");
    Ok(0)
}

/// Trains on every file given: `LABEL<TAB>TEXT` files, and FAQ `.jsonl` files whose questions count
/// as neutral (each file's examples weighted so smaller files are not drowned),
/// reports figures on a held-out tenth of each, then writes the model trained on everything.
pub fn train(files: &[PathBuf], out: &Path, epochs: usize) -> anyhow::Result<i32> {
    if files.is_empty() {
        bail!("name at least one LABEL<TAB>TEXT file");
    }
    let sets: Vec<Vec<Labelled>> = files
        .iter()
        .map(|f| {
            if f.extension().is_some_and(|x| x == "jsonl") {
                read_questions(f)
            } else {
                read_labelled(f)
            }
        })
        .collect::<anyhow::Result<_>>()?;
    let largest = sets.iter().map(Vec::len).max().unwrap_or(1) as f32;
    let weighted = |held_out: bool| -> (Vec<Weighted>, Vec<Vec<Labelled>>) {
        let mut train = Vec::new();
        let mut test = Vec::new();
        for set in &sets {
            // Smaller sets weigh more, up to 5x, so English is not drowned by Chinese.
            let weight = (largest / set.len().max(1) as f32).sqrt().min(5.0);
            let mut kept = Vec::new();
            for (k, (text, negative)) in set.iter().enumerate() {
                if held_out && k % 10 == 0 {
                    kept.push((text.clone(), *negative));
                } else {
                    train.push((text.clone(), *negative, weight));
                }
            }
            test.push(kept);
        }
        (train, test)
    };
    let (train_part, tests) = weighted(true);
    let trial = SentimentModel::train(&train_part, epochs, 2026);
    for (file, test) in files.iter().zip(&tests) {
        let pairs: Vec<(bool, bool)> = test
            .iter()
            .map(|(text, negative)| (*negative, trial.judge(text).label == Label::Negative))
            .collect();
        eprintln!(
            "held-out tenth of {}: {}",
            file.display(),
            json!(classification(&pairs))
        );
    }
    let (everything, _) = weighted(false);
    let model = SentimentModel::train(&everything, epochs, 2026);
    std::fs::write(out, model.to_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {} ({} examples)", out.display(), everything.len());
    Ok(0)
}
