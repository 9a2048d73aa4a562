//! `agentdesk-cli assist draft|summary|translate|rewrite`: the reply assistant on files, against
//! any OpenAI-compatible provider. The answer streams to stderr; stdout gets one JSON line
//! (`{"text","articles","prompt_tokens","completion_tokens","first_token_ms","total_ms",...}`) with
//! the customer's personal data restored. Exit 0 with an answer, 2 when the provider refused,
//! could not be reached or broke off (the JSON then says why and holds any partial text), 1 for a
//! mistake in the input.

use std::io::Write;
use std::path::{Path, PathBuf};

use agentdesk_domain::Secret;
use agentdesk_insight::kb::{Article, Ranking};
use agentdesk_llm::{
    AssistRequest, CustomerFacts, Direction, Language, Line, Notice, Provider, Source, Style, Task,
};
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::json;

#[derive(Subcommand)]
pub enum AssistCommand {
    /// A reply to the customer's latest message, grounded in the knowledge base and the customer's
    /// orders, in the customer's language.
    Draft(AssistArgs),
    /// The service summary (会话小结): category and summary, in `--to` or the customer's language.
    Summary(AssistArgs),
    /// The last message in `--to` (default: the other of Chinese and English).
    Translate(AssistArgs),
    /// The agent's last reply rewritten: shorter, warmer or more formal.
    Rewrite {
        #[command(flatten)]
        args: AssistArgs,
        #[arg(long, value_enum, default_value = "shorter")]
        style: StyleArg,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum StyleArg {
    Shorter,
    Warmer,
    Formal,
}

#[derive(Args)]
pub struct AssistArgs {
    /// The provider's OpenAI-compatible base URL (…/v1); the key comes from AGENTDESK_LLM_API_KEY.
    #[arg(long)]
    base_url: String,
    #[arg(long)]
    model: String,
    /// `{"messages":[{"direction":"in|out","text":"..."}]}`.
    #[arg(long)]
    conversation: PathBuf,
    /// Knowledge articles in the shared FAQ format, searched for the customer's question.
    #[arg(long)]
    kb: Option<PathBuf>,
    /// What the 360° view holds: `{"name","phone","orders":[{"id","status","waybill"}]}`.
    #[arg(long)]
    customer: Option<PathBuf>,
    /// The answer's language: zh or en.
    #[arg(long)]
    to: Option<String>,
    /// Rank the knowledge articles by words only.
    #[arg(long)]
    lexical_only: bool,
}

#[derive(Deserialize)]
struct ConversationFile {
    messages: Vec<Line>,
}

/// Articles given to the assistant.
const SOURCES: usize = 5;
/// Above this many questions the CLI ranks by words: embedding them all for one call would take
/// longer than the answer (the app keeps its vectors in the workspace's database).
const MEANING_UP_TO_QUESTIONS: usize = 2_000;

pub async fn run(command: AssistCommand) -> anyhow::Result<i32> {
    let (args, task_of): (AssistArgs, Box<dyn Fn(Language) -> Task>) = match command {
        AssistCommand::Draft(args) => (args, Box::new(|_| Task::Draft)),
        AssistCommand::Summary(args) => (args, Box::new(|_| Task::Summary)),
        AssistCommand::Translate(args) => (args, Box::new(|to| Task::Translate { to })),
        AssistCommand::Rewrite { args, style } => {
            let style = match style {
                StyleArg::Shorter => Style::Shorter,
                StyleArg::Warmer => Style::Warmer,
                StyleArg::Formal => Style::Formal,
            };
            (args, Box::new(move |_| Task::Rewrite { style }))
        }
    };
    let key = std::env::var("AGENTDESK_LLM_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
        .map(Secret::new);
    let provider = Provider::new(&args.base_url, &args.model, key).map_err(anyhow::Error::msg)?;
    let (task, prompt) = build_prompt(&args, task_of.as_ref())?;
    let http = agentdesk_http::HttpContext::unrecorded()
        .client(agentdesk_http::HttpSettings::streaming(
            provider.limits.connect,
        ))
        .context("cannot start the HTTP client")?;
    let stderr = std::io::stderr();
    let result = agentdesk_llm::assist(
        &provider,
        &http,
        &prompt,
        &mut |text| {
            let mut err = stderr.lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        },
        &mut |notice| match notice {
            Notice::Retrying { after, reason } => {
                eprintln!("\n{reason}: trying again in {:.1} s", after.as_secs_f32())
            }
        },
        // The command runs to the answer's end (Ctrl-C ends the process).
        &tokio_util::sync::CancellationToken::new(),
    )
    .await;
    eprintln!();
    print_result(result, task)
}

/// The task the command asks for and its prompt: the conversation file, the customer's facts, the
/// knowledge articles for the question (drafts and summaries) and the reply to rewrite.
fn build_prompt(
    args: &AssistArgs,
    task_of: &dyn Fn(Language) -> Task,
) -> anyhow::Result<(Task, agentdesk_llm::Prompt)> {
    let conversation: ConversationFile = read_json(&args.conversation)?;
    if conversation.messages.is_empty() {
        bail!(
            "{} has no messages: the assistant needs at least one",
            args.conversation.display()
        );
    }
    let customer: Option<CustomerFacts> = args.customer.as_deref().map(read_json).transpose()?;
    let to = args
        .to
        .as_deref()
        .map(|code| {
            Language::parse(code)
                .with_context(|| format!("--to {code:?}: the assistant speaks zh or en"))
        })
        .transpose()?;
    let last = conversation
        .messages
        .last()
        .map(|l| l.text.as_str())
        .unwrap_or("");
    let customer_language = conversation
        .messages
        .iter()
        .rev()
        .find(|l| l.direction == Direction::In)
        .map(|l| Language::of(&l.text))
        .unwrap_or(Language::of(last));
    let task = task_of(to.unwrap_or(match Language::of(last) {
        Language::Chinese => Language::English,
        Language::English => Language::Chinese,
    }));
    let sources = match (&args.kb, task) {
        (Some(kb), Task::Draft | Task::Summary) => {
            let question = customer_question(&conversation.messages);
            find_sources(kb, &question, args.lexical_only)?
        }
        _ => Vec::new(),
    };
    let subject = match task {
        Task::Rewrite { .. } => Some(
            conversation
                .messages
                .iter()
                .rev()
                .find(|l| l.direction == Direction::Out)
                .map(|l| l.text.clone())
                .context("the conversation has no agent reply to rewrite")?,
        ),
        _ => None,
    };
    let prompt = agentdesk_llm::build(&AssistRequest {
        task,
        conversation: &conversation.messages,
        customer: customer.as_ref(),
        sources: &sources,
        subject: subject.as_deref(),
        agent_language: to.unwrap_or(customer_language),
    });
    Ok((task, prompt))
}

/// Prints the outcome as one JSON line on stdout; the exit code says whether an answer came whole.
fn print_result(
    result: Result<agentdesk_llm::Outcome, agentdesk_llm::ProviderError>,
    task: Task,
) -> anyhow::Result<i32> {
    let mut stdout = std::io::stdout().lock();
    match result {
        Ok(outcome) => {
            let mut line = json!({
                "text": outcome.text,
                "articles": outcome.articles,
                "prompt_tokens": outcome.prompt_tokens,
                "completion_tokens": outcome.completion_tokens,
                "first_token_ms": outcome.first_token_ms,
                "total_ms": outcome.total_ms,
                "usage_estimated": outcome.usage_estimated,
                "partial": outcome.partial.is_some(),
                "truncated": outcome.truncated,
            });
            if let Task::Summary = task {
                let (category, summary) = agentdesk_llm::parse_summary(&outcome.text);
                line["classification"] = json!(category);
                line["summary"] = json!(summary);
            }
            if let Some(error) = &outcome.partial {
                line["error"] = json!(error.to_string());
                line["kind"] = json!(error.kind());
                eprintln!("error: {error}");
            }
            writeln!(stdout, "{line}")?;
            Ok(if outcome.partial.is_some() { 2 } else { 0 })
        }
        Err(error) => {
            eprintln!("error: {error}");
            writeln!(
                stdout,
                "{}",
                json!({"text": "", "articles": [], "error": error.to_string(), "kind": error.kind(),
                       "partial": false})
            )?;
            Ok(2)
        }
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not the expected JSON", path.display()))
}

/// What the customer is asking: their last message, with the one before when it is short ("还有
/// 这个呢").
fn customer_question(messages: &[Line]) -> String {
    let asked: Vec<&str> = messages
        .iter()
        .rev()
        .filter(|l| l.direction == Direction::In)
        .take(2)
        .map(|l| l.text.as_str())
        .collect();
    match asked.as_slice() {
        [last, before, ..] if last.chars().count() < 8 => format!("{before} {last}"),
        [last, ..] => last.to_string(),
        [] => String::new(),
    }
}

fn find_sources(kb: &Path, question: &str, lexical_only: bool) -> anyhow::Result<Vec<Source>> {
    let articles: Vec<Article> = crate::encoding::read_jsonl(kb)?;
    if articles.is_empty() {
        bail!("{} has no articles", kb.display());
    }
    let questions: usize = articles.iter().map(|a| 1 + a.similar.len()).sum();
    let by_words = lexical_only || questions > MEANING_UP_TO_QUESTIONS;
    if by_words && !lexical_only {
        eprintln!(
            "{questions} questions in {}: ranking them by words (meaning up to {MEANING_UP_TO_QUESTIONS})",
            kb.display()
        );
    }
    let index = crate::kb::build(
        articles,
        crate::kb::RankingChoice {
            lexical_only: by_words,
        },
    )?;
    let ranking = if by_words {
        Ranking::Lexical
    } else {
        Ranking::Hybrid
    };
    Ok(index
        .search_ranked(question, SOURCES, ranking)?
        .into_iter()
        .map(|s| Source {
            id: s.id,
            title: s.title,
            answer: s.answer,
        })
        .collect())
}
