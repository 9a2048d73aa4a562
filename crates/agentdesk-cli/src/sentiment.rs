//! `agentdesk-cli sentiment`, `eval sentiment` and `train sentiment`: the sentiment model on text a
//! line (`{"label","score","escalate","cues"}` out), its figures on labelled `LABEL<TAB>TEXT` files,
//! and the training that makes the shipped model file from such files.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use agentdesk_insight::sentiment::{classification, Label, SentimentModel};
use agentdesk_insight::sentiment_head::SentimentHead;
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
    let articles: Vec<agentdesk_insight::kb::Article> = crate::encoding::read_jsonl(path)?;
    Ok(articles
        .into_iter()
        .flat_map(|a| std::iter::once(a.title).chain(a.similar))
        .filter(|q| !q.trim().is_empty())
        .map(|q| (q, false))
        .collect())
}

/// The word model, and with it (unless `lexical_only`) the encoder and the meaning head.
struct Judge {
    words: SentimentModel,
    meaning: Option<(
        agentdesk_insight::sentiment_head::SentimentHead,
        agentdesk_encoder::Encoder,
    )>,
}

impl Judge {
    fn new(model_path: Option<&Path>, lexical_only: bool) -> anyhow::Result<Judge> {
        let meaning = if lexical_only {
            None
        } else {
            Some((
                agentdesk_insight::sentiment_head::SentimentHead::shipped()?,
                crate::encoding::load_encoder()?,
            ))
        };
        Ok(Judge {
            words: model(model_path)?,
            meaning,
        })
    }

    /// Verdicts for the texts (embedded in batches over every core).
    fn judge(&self, texts: &[&str]) -> Vec<agentdesk_insight::sentiment::Verdict> {
        match &self.meaning {
            None => texts.iter().map(|t| self.words.judge(t)).collect(),
            Some((head, encoder)) => texts
                .iter()
                .zip(crate::encoding::embed_in_parallel(encoder, texts))
                .map(|(t, v)| self.words.judge_with(t, Some((head, &v))))
                .collect(),
        }
    }
}

pub fn judge_stdin(model_path: Option<&Path>, lexical_only: bool) -> anyhow::Result<i32> {
    let judge = Judge::new(model_path, lexical_only)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read stdin")?;
        let verdict = judge.judge(&[&line]).remove(0);
        writeln!(out, "{}", serde_json::to_string(&verdict)?)?;
    }
    Ok(0)
}

pub fn evaluate(file: &Path, model_path: Option<&Path>, lexical_only: bool) -> anyhow::Result<i32> {
    let judge = Judge::new(model_path, lexical_only)?;
    let rows = read_labelled(file)?;
    let started = std::time::Instant::now();
    let texts: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    let pairs: Vec<(bool, bool)> = rows
        .iter()
        .zip(judge.judge(&texts))
        .map(|((_, negative), verdict)| (*negative, verdict.label == Label::Negative))
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

/// One domain of labelled text for cross-domain validation.
struct Domain {
    name: String,
    rows: Vec<Labelled>,
    /// Only ever trained on (FAQ questions: all neutral, nothing to test).
    train_only: bool,
}

/// A file's domains: a FAQ's questions are one (train only); a `LABEL<TAB>TEXT` file whose labels
/// come in runs of positives then negatives (the shared Chinese reviews: one category after
/// another) is one domain per such pair of runs; any other file is one domain.
fn domains_of(path: &Path) -> anyhow::Result<Vec<Domain>> {
    let name = path
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    if path.extension().is_some_and(|x| x == "jsonl") {
        return Ok(vec![Domain {
            name,
            rows: read_questions(path)?,
            train_only: true,
        }]);
    }
    let rows = read_labelled(path)?;
    let mut runs: Vec<Vec<Labelled>> = Vec::new();
    for row in rows.iter().cloned() {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|last| last.1 == row.1) => run.push(row),
            _ => runs.push(vec![row]),
        }
    }
    // Long runs only: a shuffled file has short ones, and is one domain.
    if runs.len() >= 4 && runs.iter().all(|r| r.len() >= 50) && runs.len().is_multiple_of(2) {
        Ok(runs
            .chunks(2)
            .enumerate()
            .map(|(k, pair)| Domain {
                name: format!("{name}#{k}"),
                rows: pair.concat(),
                train_only: false,
            })
            .collect())
    } else {
        Ok(vec![Domain {
            name,
            rows,
            train_only: false,
        }])
    }
}

/// Up to `per_class` negatives and as many others of a domain, spread over it (every k-th).
fn sample(rows: &[Labelled], per_class: usize) -> (Vec<Labelled>, Vec<Labelled>) {
    let mut picked = Vec::new();
    let mut rest = Vec::new();
    for negative in [true, false] {
        let class: Vec<&Labelled> = rows.iter().filter(|r| r.1 == negative).collect();
        let step = (class.len() / per_class.max(1)).max(1);
        for (k, row) in class.into_iter().enumerate() {
            if k % step == 0
                && picked
                    .iter()
                    .filter(|r: &&Labelled| r.1 == negative)
                    .count()
                    < per_class
            {
                picked.push(row.clone());
            } else {
                rest.push(row.clone());
            }
        }
    }
    (picked, rest)
}

/// Trains the sentiment head (`SentimentHead`): embeds a sample of every domain, and for each domain
/// that can be tested, trains on the others and prints its negative F1 for the word model alone,
/// the encoder alone and both stacked (one JSON line each); then writes the head trained on every
/// domain. The word model's log-odds for the head's examples come from a word model trained without
/// them, so the head learns how far to trust it on text it has not seen.
pub fn train_head(files: &[PathBuf], out: &Path, per_class: usize) -> anyhow::Result<i32> {
    let encoder = crate::encoding::load_encoder()?;
    let mut domains = Vec::new();
    for file in files {
        domains.extend(domains_of(file)?);
    }
    if domains.iter().all(|d| d.train_only) {
        bail!("name at least one LABEL<TAB>TEXT file");
    }
    // (sample, rest) per domain; the sample is embedded.
    let parts: Vec<(Vec<Labelled>, Vec<Labelled>)> = domains
        .iter()
        .map(|d| {
            if d.train_only {
                let step = (d.rows.len() / per_class.max(1)).max(1);
                let picked: Vec<Labelled> = d
                    .rows
                    .iter()
                    .step_by(step)
                    .take(per_class)
                    .cloned()
                    .collect();
                (picked, Vec::new())
            } else {
                sample(&d.rows, per_class)
            }
        })
        .collect();
    let total: usize = parts.iter().map(|p| p.0.len()).sum();
    eprintln!("embedding {total} examples from {} domains…", domains.len());
    let started = std::time::Instant::now();
    let vectors: Vec<Vec<Vec<f32>>> = parts
        .iter()
        .map(|(picked, _)| {
            let texts: Vec<&str> = picked.iter().map(|(t, _)| t.as_str()).collect();
            crate::encoding::embed_in_parallel(&encoder, &texts)
        })
        .collect();
    eprintln!("embedded in {:.0} s", started.elapsed().as_secs_f64());
    let training = HeadTraining { parts, vectors };
    let mut report = Vec::new();
    for (held, domain) in domains.iter().enumerate() {
        if domain.train_only {
            continue;
        }
        let line = training.held_out(held, &domain.name, domains.len());
        println!("{line}");
        report.push(line);
    }
    // Ship the combination that travels better: the stacked head, or the plain mean of the two
    // models' log-odds (which cannot over-trust the word model on words it never saw).
    let mean_of = |key: &str| {
        report.iter().filter_map(|l| l[key].as_f64()).sum::<f64>() / report.len().max(1) as f64
    };
    let (stacked_mean, averaged_mean) = (mean_of("stacked"), mean_of("mean"));
    println!(
        "{}",
        json!({"held_out": "mean over domains", "words": mean_of("words"), "encoder": mean_of("encoder"), "stacked": stacked_mean, "mean": averaged_mean})
    );
    let all: Vec<usize> = (0..domains.len()).collect();
    let (_, stacked, meaning_only) = training.fit(&all);
    let head = if averaged_mean >= stacked_mean {
        average(&meaning_only)
    } else {
        stacked
    };
    std::fs::write(out, head.to_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "wrote {} (word model weight {:.2})",
        out.display(),
        head.lexical_weight
    );
    Ok(0)
}

/// The head's training material: per domain its embedded sample and the rest (word model only),
/// and the sample's vectors.
struct HeadTraining {
    parts: Vec<(Vec<Labelled>, Vec<Labelled>)>,
    vectors: Vec<Vec<Vec<f32>>>,
}

impl HeadTraining {
    /// A small domain's examples count for more, up to five times, so no domain is drowned out.
    fn weight_of(&self, k: usize) -> f32 {
        let largest = self.parts.iter().map(|p| p.0.len()).max().unwrap_or(1) as f32;
        (largest / self.parts[k].0.len().max(1) as f32)
            .sqrt()
            .min(5.0)
    }

    /// The word model, the stacked head and the meaning-only head, trained on the domains `train`.
    fn fit(&self, train: &[usize]) -> (SentimentModel, SentimentHead, SentimentHead) {
        let mut lexical_rows: Vec<Weighted> = Vec::new();
        for &k in train {
            for (text, negative) in &self.parts[k].1 {
                lexical_rows.push((text.clone(), *negative, self.weight_of(k)));
            }
        }
        let held_apart = SentimentModel::train(&lexical_rows, 6, 2026);
        let mut examples: Vec<(f32, &[f32], bool, f32)> = Vec::new();
        for &k in train {
            for ((text, negative), vector) in self.parts[k].0.iter().zip(&self.vectors[k]) {
                examples.push((
                    held_apart.negative_probability(text),
                    vector,
                    *negative,
                    self.weight_of(k),
                ));
            }
        }
        let head = SentimentHead::train(&examples, 1e-3, 400);
        let unsure: Vec<(f32, &[f32], bool, f32)> = examples
            .iter()
            .map(|(_, v, n, w)| (0.5, *v, *n, *w))
            .collect();
        let meaning_only = SentimentHead::train(&unsure, 1e-3, 400);
        // The word model shipped beside the head is trained on everything.
        for &k in train {
            for (text, negative) in &self.parts[k].0 {
                lexical_rows.push((text.clone(), *negative, self.weight_of(k)));
            }
        }
        (
            SentimentModel::train(&lexical_rows, 6, 2026),
            head,
            meaning_only,
        )
    }

    /// Trains on every domain but `held` and reports the negative F1 on it: words alone, the
    /// encoder alone, stacked, and the mean of the two.
    fn held_out(&self, held: usize, name: &str, domains: usize) -> serde_json::Value {
        let f1 = |pairs: Vec<(bool, bool)>| classification(&pairs).negative_f1;
        let train: Vec<usize> = (0..domains).filter(|k| *k != held).collect();
        let (lexical, head, meaning_only) = self.fit(&train);
        let averaged = average(&meaning_only);
        let tests: Vec<(&Labelled, &Vec<f32>)> =
            self.parts[held].0.iter().zip(&self.vectors[held]).collect();
        let judged = |negative: &dyn Fn(&str, &[f32]) -> f32| {
            f1(tests
                .iter()
                .map(|((t, n), v)| (*n, negative(t, v) >= 0.6))
                .collect())
        };
        let words = judged(&|t, _| lexical.negative_probability(t));
        let encoder_only = judged(&|_, v| meaning_only.negative_probability(0.5, v));
        let stacked = judged(&|t, v| head.negative_probability(lexical.negative_probability(t), v));
        let mean =
            judged(&|t, v| averaged.negative_probability(lexical.negative_probability(t), v));
        json!({"held_out": name, "examples": tests.len(), "words": words, "encoder": encoder_only, "stacked": stacked, "mean": mean})
    }
}

/// The mean of the word model's and the meaning head's log-odds, as a head.
fn average(
    meaning_only: &agentdesk_insight::sentiment_head::SentimentHead,
) -> agentdesk_insight::sentiment_head::SentimentHead {
    agentdesk_insight::sentiment_head::SentimentHead {
        bias: meaning_only.bias / 2.0,
        lexical_weight: 0.5,
        weights: meaning_only.weights.iter().map(|w| w / 2.0).collect(),
        shift: meaning_only.shift.clone(),
        scale: meaning_only.scale.clone(),
    }
}
