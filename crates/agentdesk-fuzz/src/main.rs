//! `agentdesk-fuzz [TARGET|all] [--seconds S | --executions N] [--seed N] [--corpus DIR] [--crashes DIR]`
//! fuzzes the platform parsers from the committed corpus (`fuzz/corpus/<target>/`) and exits non-zero
//! when an input made one panic (the input is saved under `--crashes`, default `target/fuzz/crashes`).
//! `agentdesk-fuzz replay TARGET FILE` runs one saved input again.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use agentdesk_fuzz::{load_corpus, replay, run, targets, Budget, TARGETS};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "agentdesk-fuzz",
    about = "Fuzz AgentDesk's push-frame and API-response parsers"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// A target (push-frame, api-response) or "all".
    #[arg(default_value = "all")]
    target: String,
    /// Run each target this long.
    #[arg(long, conflicts_with = "executions")]
    seconds: Option<f64>,
    /// Run each target for this many inputs (default 100,000).
    #[arg(long)]
    executions: Option<u64>,
    /// Seed of the mutations (a run with the same seed and corpus tries the same inputs).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder holding one folder of seed inputs per target.
    #[arg(long, default_value = "fuzz/corpus")]
    corpus: PathBuf,
    /// Where inputs that made a parser panic are written.
    #[arg(long, default_value = "target/fuzz/crashes")]
    crashes: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Runs one saved input against a target.
    Replay { target: String, file: PathBuf },
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::Replay { target, file }) = &args.command {
        return replay_file(target, file);
    }
    let chosen: Vec<_> = if args.target == "all" {
        TARGETS.iter().collect()
    } else {
        match targets::target(&args.target) {
            Some(target) => vec![target],
            None => {
                eprintln!(
                    "error: no target {:?}; targets: push-frame, api-response, all",
                    args.target
                );
                return ExitCode::from(2);
            }
        }
    };
    let budget = match (args.seconds, args.executions) {
        (Some(seconds), _) if seconds.is_finite() && seconds > 0.0 => {
            Budget::Time(Duration::from_secs_f64(seconds))
        }
        (Some(_), _) => {
            eprintln!("error: --seconds must be a positive number");
            return ExitCode::from(2);
        }
        (None, Some(n)) => Budget::Executions(n),
        (None, None) => Budget::Executions(100_000),
    };
    let mut crashed = false;
    for target in chosen {
        let seeds = match load_corpus(&args.corpus.join(target.name)) {
            Ok(seeds) => seeds,
            Err(error) => {
                eprintln!("error: cannot read the corpus of {}: {error}", target.name);
                return ExitCode::from(2);
            }
        };
        match run(target, seeds, budget, args.seed, &args.crashes) {
            Ok(report) => {
                println!(
                    "{}",
                    serde_json::json!({
                        "target": report.target,
                        "executions": report.executions,
                        "corpus": report.corpus,
                        "outcomes": report.outcomes,
                        "crashes": report.crashes.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                    })
                );
                crashed |= !report.crashes.is_empty();
            }
            Err(error) => {
                eprintln!("error: cannot write a crash file: {error}");
                return ExitCode::from(2);
            }
        }
    }
    if crashed {
        eprintln!("a parser panicked: replay with `agentdesk-fuzz replay TARGET FILE`");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `replay TARGET FILE`: runs one saved input and says whether the target panicked.
fn replay_file(target: &str, file: &std::path::Path) -> ExitCode {
    let Some(target) = targets::target(target) else {
        eprintln!("error: no target {target:?}; targets: push-frame, api-response");
        return ExitCode::from(2);
    };
    let input = match std::fs::read(file) {
        Ok(input) => input,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", file.display());
            return ExitCode::from(2);
        }
    };
    match replay(target, &input) {
        Ok(outcome) => {
            println!("no panic: {outcome}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            println!("panic: {message}");
            ExitCode::FAILURE
        }
    }
}
