//! A mutation fuzzer for the parsers that read what the network sends: push frames and the
//! platforms' API responses. It runs on stable Rust (cargo-fuzz needs a nightly toolchain, which CI
//! machines here cannot install): seeds from `fuzz/corpus/<target>/`, mutated byte-wise and
//! JSON-aware with a seeded RNG; an input that makes a parser panic is a failure, written to disk
//! to be replayed. Inputs that lead a parser to an outcome not seen before join the corpus (a
//! coarse stand-in for coverage feedback).

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub mod targets;

pub use targets::{Target, TARGETS};

/// What a run found.
#[derive(Debug, Default)]
pub struct RunReport {
    pub target: String,
    pub executions: u64,
    pub corpus: usize,
    /// Distinct outcomes seen (parsed shapes and error kinds).
    pub outcomes: usize,
    /// Inputs that made the parser panic, as written to the crash folder.
    pub crashes: Vec<PathBuf>,
}

/// How long or how many inputs.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    Executions(u64),
    Time(Duration),
}

/// The seeds of a target: every file in `corpus_dir` (none is fine: the fuzzer starts from `{}`).
pub fn load_corpus(corpus_dir: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let mut seeds = Vec::new();
    if corpus_dir.is_dir() {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            seeds.push(std::fs::read(path)?);
        }
    }
    if seeds.is_empty() {
        seeds.push(b"{}".to_vec());
    }
    Ok(seeds)
}

/// Runs `target` from `seeds` within `budget`; panicking inputs go to `crash_dir`.
pub fn run(
    target: &Target,
    seeds: Vec<Vec<u8>>,
    budget: Budget,
    seed: u64,
    crash_dir: &Path,
) -> std::io::Result<RunReport> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut corpus = seeds;
    let mut outcomes: HashSet<String> = HashSet::new();
    let mut report = RunReport {
        target: target.name.to_string(),
        ..RunReport::default()
    };
    let started = Instant::now();
    // Seeds first, unmutated; then mutations of the corpus as it grows.
    let mut pending: Vec<Vec<u8>> = corpus.clone();
    let silence = PanicSilencer::install();
    loop {
        let done = match budget {
            Budget::Executions(n) => report.executions >= n,
            Budget::Time(limit) => started.elapsed() >= limit,
        };
        if done {
            break;
        }
        let input = match pending.pop() {
            Some(input) => input,
            None => {
                let base = &corpus[rng.gen_range(0..corpus.len())];
                let other = &corpus[rng.gen_range(0..corpus.len())];
                mutate(&mut rng, base, other)
            }
        };
        report.executions += 1;
        match catch_unwind(AssertUnwindSafe(|| (target.parse)(&input))) {
            Ok(outcome) => {
                if outcomes.insert(outcome) && corpus.len() < 4096 {
                    corpus.push(input);
                }
            }
            Err(_) => {
                std::fs::create_dir_all(crash_dir)?;
                let path = crash_dir.join(format!("{}-{:016x}", target.name, fingerprint(&input)));
                std::fs::write(&path, &input)?;
                report.crashes.push(path);
                if report.crashes.len() >= 10 {
                    break;
                }
            }
        }
    }
    drop(silence);
    report.corpus = corpus.len();
    report.outcomes = outcomes.len();
    Ok(report)
}

/// Replays one input (a crash file) against `target`: the outcome, or the panic's message.
pub fn replay(target: &Target, input: &[u8]) -> Result<String, String> {
    catch_unwind(AssertUnwindSafe(|| (target.parse)(input))).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".into())
    })
}

fn fingerprint(bytes: &[u8]) -> u64 {
    // FNV-1a: stable across runs and platforms, unlike the standard hasher.
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Values that break parsers: wrong types, extremes, hostile text.
const INTERESTING: &[&str] = &[
    "null",
    "true",
    "0",
    "-1",
    "1e309",
    "-9223372036854775809",
    "18446744073709551616",
    "1.5",
    "\"\"",
    "\"0\"",
    "\"-1\"",
    "\"abc\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\u202e<script>\"",
    "\"\\u200b\"",
    "[]",
    "{}",
    "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]",
    "\"javascript:alert(1)\"",
    "\"data:text/html,<b>x</b>\"",
    "\"<img src=x onerror=alert(1)>\"",
    "\"13812345678\"",
];

/// One mutation of `base` (sometimes spliced with `other`).
pub fn mutate(rng: &mut ChaCha8Rng, base: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    let rounds = rng.gen_range(1..=4);
    for _ in 0..rounds {
        match rng.gen_range(0..9) {
            // Flip a bit.
            0 if !out.is_empty() => {
                let i = rng.gen_range(0..out.len());
                out[i] ^= 1 << rng.gen_range(0..8);
            }
            // Replace a byte, often with a JSON structural character.
            1 if !out.is_empty() => {
                let i = rng.gen_range(0..out.len());
                out[i] = *b"{}[]\":,\\0-e.".get(rng.gen_range(0..13)).unwrap_or(&b'x');
            }
            // Delete a run.
            2 if !out.is_empty() => {
                let i = rng.gen_range(0..out.len());
                let n = rng.gen_range(1..=(out.len() - i).min(16));
                out.drain(i..i + n);
            }
            // Duplicate a run (grows strings and nesting).
            3 if !out.is_empty() => {
                let i = rng.gen_range(0..out.len());
                let n = rng.gen_range(1..=(out.len() - i).min(64));
                let run: Vec<u8> = out[i..i + n].to_vec();
                out.splice(i..i, run);
            }
            // Splice in part of another input.
            4 if !other.is_empty() => {
                let from = rng.gen_range(0..other.len());
                let to = rng.gen_range(from..=other.len());
                let at = rng.gen_range(0..=out.len());
                out.splice(at..at, other[from..to].iter().copied());
            }
            // Replace a JSON value with an interesting one.
            5 | 6 => replace_value(rng, &mut out),
            // Truncate.
            7 if out.len() > 1 => {
                let keep = rng.gen_range(0..out.len());
                out.truncate(keep);
            }
            // Random bytes, including invalid UTF-8.
            _ => {
                let at = rng.gen_range(0..=out.len());
                let n = rng.gen_range(1..8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
                out.splice(at..at, bytes);
            }
        }
    }
    out
}

/// Swaps the value after a random `:` (up to the next `,` or `}`) for an interesting one.
fn replace_value(rng: &mut ChaCha8Rng, out: &mut Vec<u8>) {
    let colons: Vec<usize> = out
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b':')
        .map(|(i, _)| i)
        .collect();
    if colons.is_empty() {
        return;
    }
    let start = colons[rng.gen_range(0..colons.len())] + 1;
    let end = out[start..]
        .iter()
        .position(|b| *b == b',' || *b == b'}')
        .map_or(out.len(), |p| start + p);
    let value = INTERESTING[rng.gen_range(0..INTERESTING.len())];
    out.splice(start..end, value.bytes());
}

/// Keeps expected panics (caught and recorded) from printing a backtrace per input.
type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

struct PanicSilencer {
    previous: Option<PanicHook>,
}

impl PanicSilencer {
    fn install() -> PanicSilencer {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        PanicSilencer {
            previous: Some(previous),
        }
    }
}

impl Drop for PanicSilencer {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            std::panic::set_hook(previous);
        }
    }
}
