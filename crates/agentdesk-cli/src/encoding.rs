//! What the knowledge and sentiment commands share: their data files (one JSON object a line), the
//! sentence encoder's model, and embedding many texts on every core.

use std::io::BufRead as _;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

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

/// The sentence encoder, from the model file set-up made.
pub fn load_encoder() -> anyhow::Result<agentdesk_encoder::Encoder> {
    let path = agentdesk_encoder::find_model(&[]).context(
        "the sentence encoder's model file is missing: run scripts/fetch-model.sh (or set \
         AGENTDESK_ENCODER_MODEL), or pass --lexical-only",
    )?;
    agentdesk_encoder::Encoder::load(&path).with_context(|| {
        format!(
            "cannot load the sentence encoder's model {}: run scripts/fetch-model.sh to make it \
             again, or pass --lexical-only",
            path.display()
        )
    })
}

/// Vectors of the texts, in order, batches spread over every core.
pub fn embed_in_parallel(encoder: &agentdesk_encoder::Encoder, texts: &[&str]) -> Vec<Vec<f32>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let vectors = std::sync::Mutex::new(vec![Vec::new(); texts.len()]);
    encoder.embed_in_batches(texts, threads, &|first, batch| {
        let mut vectors = vectors.lock().unwrap_or_else(|p| p.into_inner());
        for (k, vector) in batch.into_iter().enumerate() {
            vectors[first + k] = vector;
        }
        std::ops::ControlFlow::Continue(())
    });
    vectors.into_inner().unwrap_or_else(|p| p.into_inner())
}
