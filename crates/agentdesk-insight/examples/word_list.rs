//! Makes `models/words.zst`, the word list the search tokenizer cuts Chinese text with, from
//! jieba's dictionary (jieba-rs's `src/data/dict.txt`: "word frequency tag" lines, MIT licensed
//! like jieba): the words seen at least `MIN_FREQUENCY` times, each with its frequency, without
//! the part-of-speech tags search never reads, zstd-compressed.
//!
//! ```sh
//! cargo run -p agentdesk-insight --example word_list -- \
//!     ~/.cargo/registry/src/*/jieba-rs-0.7.4/src/data/dict.txt \
//!     crates/agentdesk-insight/models/words.zst
//! ```
//!
//! Why six: the words seen fewer times (221,415 of 349,045, most at 3 or 4: names, rare idioms) did
//! not change which articles the Chinese development set finds (Recall@5 0.378 with and without
//! them, Recall@1 0.158 → 0.160), and they cost the window 45 MB once loaded; words jieba does not
//! know are still cut by its HMM, and every run of characters is also indexed by its characters and
//! their pairs.

use std::io::Write;

const MIN_FREQUENCY: u64 = 6;
/// zstd's highest ordinary level: the list is compressed once, when it is made.
const LEVEL: i32 = 19;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dictionary, out] = args.as_slice() else {
        eprintln!("usage: word_list JIEBA_DICT_TXT OUT.zst");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(dictionary).unwrap_or_else(|e| {
        eprintln!("{dictionary} could not be read: {e}");
        std::process::exit(1);
    });
    let mut list = String::new();
    let (mut kept, mut all) = (0, 0);
    for (number, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let (Some(word), Some(frequency)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Ok(frequency) = frequency.parse::<u64>() else {
            eprintln!(
                "{dictionary}:{}: the frequency {frequency:?} is not a number",
                number + 1
            );
            std::process::exit(1);
        };
        all += 1;
        if frequency >= MIN_FREQUENCY {
            kept += 1;
            list.push_str(&format!("{word} {frequency}\n"));
        }
    }
    let compressed = zstd::encode_all(list.as_bytes(), LEVEL).unwrap_or_else(|e| {
        eprintln!("the list could not be compressed: {e}");
        std::process::exit(1);
    });
    let written = std::fs::File::create(out).and_then(|mut file| file.write_all(&compressed));
    if let Err(e) = written {
        eprintln!("{out} could not be written: {e}");
        std::process::exit(1);
    }
    println!(
        "{kept} of {all} words, {} bytes ({} compressed) → {out}",
        list.len(),
        compressed.len()
    );
}
