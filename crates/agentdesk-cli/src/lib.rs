//! `agentdesk-cli`: AgentDesk from the command line. `account` provisions accounts into the OS
//! keychain; `demo` runs the engine headless against the
//! embedded sandbox; `soak` proves the engine loses, duplicates and reorders nothing under load,
//! faults and SIGKILL. A library so that the installed app's one program runs it too (multi-call:
//! `agentdesk --as agentdesk-cli`, or a link named `agentdesk-cli`); `src/main.rs` is the program of
//! its own that development and the tests use.

mod account;
mod asr;
mod assist;
mod bench_assist;
mod bench_customer;
mod connector;
mod demo;
mod encoding;
mod kb;
mod pay;
mod provision;
mod responder;
mod sentiment;
mod soak;
mod ticket;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "agentdesk-cli",
    version,
    about = "AgentDesk (坐席工作台) from the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Platform accounts in the OS keychain: add, list, test, remove.
    Account(account::AccountArgs),
    /// The merchant's CRM and order-system connectors (files + keychain): add, set-key, list, test,
    /// remove.
    Connector(connector::ConnectorArgs),
    /// IT's provisioning file (accounts without secrets, connectors, settings, updates on/off):
    /// check or apply.
    Provision(provision::ProvisionArgs),
    /// The reply assistant against an OpenAI-compatible provider (key from AGENTDESK_LLM_API_KEY):
    /// the answer streams to stderr, one JSON line to stdout; exit 2 when the provider fails.
    Assist {
        #[command(subcommand)]
        command: assist::AssistCommand,
    },
    /// Knowledge suggestions over a FAQ file: one query a line on stdin, one JSON line out.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Sentiment of one text a line on stdin: {"label","score","escalate","cues"} a line.
    Sentiment {
        /// A model file instead of the shipped one.
        #[arg(long)]
        model: Option<std::path::PathBuf>,
        /// The word model alone, without the sentence encoder's second opinion.
        #[arg(long)]
        lexical_only: bool,
    },
    /// Make a model file from labelled text (LABEL<TAB>TEXT files).
    Train {
        #[command(subcommand)]
        command: TrainCommand,
    },
    /// Quality figures: knowledge suggestions (Recall@1, Recall@5, MRR@10); sentiment (accuracy,
    /// negative precision, recall, F1).
    Eval {
        #[command(subcommand)]
        command: EvalCommand,
    },
    /// Measure the 360° customer view against the embedded sandbox; prints one JSON line.
    BenchCustomer(bench_customer::BenchCustomerArgs),
    /// Measure the reply assistant's prompt (20 articles, 200 messages): size, build and restore
    /// time; prints one JSON line.
    BenchAssist(bench_assist::BenchAssistArgs),
    /// Run the engine headless against the sandbox with simulated customers, printing events.
    Demo(demo::DemoArgs),
    /// Tickets in Sobot 工单, Jira, Zendesk or Qiyu: create (exactly once), list, show. JSON out.
    Ticket(Box<ticket::TicketArgs>),
    /// Payment links with Alipay or WeChat Pay: create (exactly once per order number), status.
    /// Keys on stdin; JSON out.
    Pay(pay::PayArgs),
    /// A voice message read as text by Aliyun NLS: {"text","duration_ms"}. AccessKey id and
    /// secret on stdin.
    Asr(asr::AsrArgs),
    /// Drive the real engine against the sandbox under load (and faults, and kills); print figures.
    Soak(soak::SoakArgs),
    /// Internal: one engine process for `soak --kill-every` (credentials as one JSON line on stdin).
    #[command(hide = true)]
    SoakEngine(soak::child::ChildArgs),
}

#[derive(Subcommand)]
enum KbCommand {
    /// `{"ids": [...]}` a line for each query line on stdin, best first.
    Search {
        /// Articles, one JSON object a line: {"id", "title", "similar"?, "body"?}.
        #[arg(long)]
        kb: std::path::PathBuf,
        #[arg(long, default_value_t = 5)]
        top: usize,
        /// Rank by words only (BM25 and learned questions), without the sentence encoder.
        #[arg(long)]
        lexical_only: bool,
    },
}

#[derive(Subcommand)]
enum TrainCommand {
    /// The sentiment model's encoder head (stacked on the word model), with leave-one-domain-out
    /// figures; FAQ .jsonl files give neutral questions.
    SentimentHead {
        files: Vec<std::path::PathBuf>,
        #[arg(
            long,
            default_value = "crates/agentdesk-insight/models/sentiment-head.bin"
        )]
        out: std::path::PathBuf,
        /// Examples of each class taken from each domain.
        #[arg(long, default_value_t = 300)]
        per_class: usize,
    },
    /// The sentence encoder's mean vector of Chinese and of English text (taken away from every
    /// vector so that meaning, not language, decides the knowledge search): every 7th text of each
    /// LABEL<TAB>TEXT file, up to 600 Chinese and 400 English.
    LanguageMeans {
        #[arg(long)]
        zh: std::path::PathBuf,
        #[arg(long)]
        en: std::path::PathBuf,
        #[arg(
            long,
            default_value = "crates/agentdesk-insight/models/language-means.json"
        )]
        out: std::path::PathBuf,
    },
    /// Train the sentiment model; prints figures on a held-out tenth of each file.
    Sentiment {
        /// LABEL<TAB>TEXT files (e.g. ../shared/data/sentiment/*.tsv), and FAQ .jsonl files whose
        /// questions count as neutral (../shared/data/kb/*_faq.jsonl).
        files: Vec<std::path::PathBuf>,
        #[arg(long, default_value = "crates/agentdesk-insight/models/sentiment.bin")]
        out: std::path::PathBuf,
        #[arg(long, default_value_t = 6)]
        epochs: usize,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Accuracy and the negative class's precision, recall and F1 on a LABEL<TAB>TEXT file.
    Sentiment {
        file: std::path::PathBuf,
        #[arg(long)]
        model: Option<std::path::PathBuf>,
        /// The word model alone, without the sentence encoder's second opinion.
        #[arg(long)]
        lexical_only: bool,
    },
    /// Recall@1, Recall@5 and MRR@10 of the suggestions for labelled queries ({"query", "answer"}).
    Kb {
        faq: std::path::PathBuf,
        queries: std::path::PathBuf,
        /// Grow the knowledge base to this many articles (copies) to measure build time and
        /// query latency at size.
        #[arg(long)]
        scale_to: Option<usize>,
        /// Rank by words only (BM25 and learned questions), without the sentence encoder.
        #[arg(long)]
        lexical_only: bool,
        /// Print every ranking method and fusion setting side by side instead.
        #[arg(long, conflicts_with = "lexical_only")]
        tune: bool,
    },
}

/// The configuration directory a command works on: `--config-dir` / `AGENTDESK_CONFIG_DIR`, else the
/// app's own (so the CLI and the app share accounts, connectors and settings).
pub fn config_dir(chosen: Option<std::path::PathBuf>) -> anyhow::Result<std::path::PathBuf> {
    use anyhow::Context;
    match chosen {
        Some(dir) => Ok(dir),
        None => agentdesk_api::default_config_dir().context(
            "cannot tell where the configuration directory is: pass --config-dir or set AGENTDESK_CONFIG_DIR",
        ),
    }
}

/// How this process runs the CLI again as a child (the soak's engine processes): the program and
/// the arguments that come before the subcommand. Set once by `main_with`.
static OWN_INVOCATION: std::sync::OnceLock<(std::path::PathBuf, Vec<std::ffi::OsString>)> =
    std::sync::OnceLock::new();

/// The command that starts this CLI again in a child process.
pub(crate) fn own_command() -> anyhow::Result<tokio::process::Command> {
    use anyhow::Context;
    let (program, leading) = match OWN_INVOCATION.get() {
        Some(found) => found.clone(),
        None => (
            std::env::current_exe().context("cannot find agentdesk-cli's own path")?,
            Vec::new(),
        ),
    };
    let mut command = tokio::process::Command::new(program);
    command.args(leading);
    Ok(command)
}

/// Runs the CLI on `args` (the first is the program's name, as clap expects) and exits the
/// process with the command's code. `leading`: the arguments that make `current_exe` the CLI again
/// (none for the program of its own; `--as agentdesk-cli` inside the app's program).
pub fn main_with(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    leading: Vec<std::ffi::OsString>,
) -> ! {
    if let Ok(program) = std::env::current_exe() {
        let _ = OWN_INVOCATION.set((program, leading));
    }
    agentdesk_http::diagnostics::log_to_stderr();
    let cli = Cli::parse_from(args);
    let result = agentdesk_http::diagnostics::block_on_program(run(cli.command));
    match result {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::exit(1);
        }
    }
}

/// Runs one command; its exit code. (One arm per subcommand: the table is as long as the CLI.)
async fn run(command: Command) -> anyhow::Result<i32> {
    match command {
        Command::Account(args) => account::run(args).await,
        Command::Connector(args) => connector::run(args).await,
        Command::Provision(args) => provision::run(args).await,
        Command::Ticket(args) => ticket::run(*args).await,
        Command::Pay(args) => pay::run(args).await,
        Command::Asr(args) => asr::run(args).await,
        Command::Assist { command } => assist::run(command).await,
        Command::Kb {
            command:
                KbCommand::Search {
                    kb,
                    top,
                    lexical_only,
                },
        } => kb::search(&kb, top, kb::RankingChoice { lexical_only }),
        Command::Eval {
            command:
                EvalCommand::Kb {
                    faq,
                    queries,
                    scale_to,
                    lexical_only,
                    tune,
                },
        } => kb::evaluate(
            &faq,
            &queries,
            scale_to,
            kb::RankingChoice { lexical_only },
            tune,
        ),
        Command::Eval {
            command:
                EvalCommand::Sentiment {
                    file,
                    model,
                    lexical_only,
                },
        } => sentiment::evaluate(&file, model.as_deref(), lexical_only),
        Command::Sentiment {
            model,
            lexical_only,
        } => sentiment::judge_stdin(model.as_deref(), lexical_only),
        Command::Train {
            command: TrainCommand::Sentiment { files, out, epochs },
        } => sentiment::train(&files, &out, epochs),
        Command::Train {
            command:
                TrainCommand::SentimentHead {
                    files,
                    out,
                    per_class,
                },
        } => sentiment::train_head(&files, &out, per_class),
        Command::Train {
            command: TrainCommand::LanguageMeans { zh, en, out },
        } => kb::language_means(&zh, &en, &out),
        Command::BenchCustomer(args) => bench_customer::run(args).await,
        Command::BenchAssist(args) => bench_assist::run(args),
        Command::Demo(args) => demo::run(args).await,
        Command::Soak(args) => soak::run(args).await,
        Command::SoakEngine(args) => soak::child::run(args).await,
    }
}
