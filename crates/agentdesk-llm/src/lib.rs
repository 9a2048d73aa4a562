//! Asking a language model for the reply assistant (drafts, summaries, translations and
//! rewrites) from what the desk already holds (knowledge articles, the customer's orders and
//! parcels, the conversation), through any OpenAI-compatible provider, with the customer's personal data replaced by
//! placeholders before anything leaves the machine and put back in the answer locally.
//!
//! `prompt` builds what is asked, `placeholders` keeps personal data on the desk, `provider`
//! talks to the service; `assist` ties them together for one call.

pub mod placeholders;
pub mod prompt;
pub mod provider;

use std::time::Duration;

use serde::Serialize;

pub use placeholders::{Kind, Redactor, StreamingRestorer};
pub use prompt::{
    build, estimate_tokens, parse_summary, AssistRequest, CustomerFacts, Direction, Language, Line,
    OrderFact, Prompt, Source, Style, Task,
};
pub use provider::{Completion, Notice, Preset, Provider, ProviderError, Usage, PRESETS};

/// One call's result, personal data restored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub text: String,
    /// Ids of the articles the answer cites, in order of first citation.
    pub articles: Vec<String>,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// The provider reported no usage; the counts are this crate's estimate.
    pub usage_estimated: bool,
    /// From sending the request to the first token (`None` when none came).
    pub first_token_ms: Option<u64>,
    pub total_ms: u64,
    /// The answer stopped early (the stream was cut); `text` is what arrived.
    #[serde(skip)]
    pub partial: Option<ProviderError>,
    /// The provider stopped at the length limit.
    pub truncated: bool,
    /// The provider's content filter stopped the answer.
    pub filtered: bool,
}

/// Runs `prompt` against `provider`, showing the restored text to `on_text` as it streams (what
/// `on_text` receives, joined, is `Outcome::text` before tidying the gaps citations leave). `stop`
/// ends the call at once (`ProviderError::Cancelled`).
pub async fn assist(
    provider: &Provider,
    http: &agentdesk_http::HttpClient,
    prompt: &Prompt,
    on_text: &mut (dyn FnMut(&str) + Send),
    on_notice: &mut (dyn FnMut(Notice) + Send),
    stop: &tokio_util::sync::CancellationToken,
) -> Result<Outcome, ProviderError> {
    let request = provider.request(prompt);
    let mut restorer = StreamingRestorer::new(&prompt.redactor, prompt.sources.len());
    let mut shown = String::new();
    let completion = provider
        .complete(
            http,
            &request,
            &mut |piece| {
                let ready = restorer.push(piece);
                if !ready.is_empty() {
                    shown.push_str(&ready);
                    on_text(&ready);
                }
            },
            on_notice,
            stop,
        )
        .await?;
    let rest = restorer.finish();
    if !rest.is_empty() {
        shown.push_str(&rest);
        on_text(&rest);
    }
    let articles = restorer
        .cited()
        .iter()
        .filter_map(|n| prompt.sources.get(n - 1).map(|s| s.id.clone()))
        .collect();
    let (prompt_tokens, completion_tokens, usage_estimated) = match completion.usage {
        Some(usage) => (usage.prompt_tokens, usage.completion_tokens, false),
        None => (
            prompt.estimated_tokens(),
            estimate_tokens(&completion.text),
            true,
        ),
    };
    Ok(Outcome {
        text: tidy(&shown),
        articles,
        prompt_tokens,
        completion_tokens,
        usage_estimated,
        first_token_ms: completion.first_token.map(millis),
        total_ms: millis(completion.total),
        partial: completion.cut,
        truncated: completion.truncated_by_length,
        filtered: completion.content_filtered,
    })
}

/// The text without the spaces a removed citation mark leaves before punctuation ("已发货 [1]。").
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (k, c) in chars.iter().enumerate() {
        let next = chars.get(k + 1).copied();
        let before_punctuation = next.is_some_and(|n| "。，！？；：,.!?;:）)".contains(n));
        if *c == ' ' && (before_punctuation || next == Some(' ')) {
            continue;
        }
        out.push(*c);
    }
    out.trim().to_string()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_closes_the_gaps_citations_leave() {
        assert_eq!(tidy("已发货 。 谢谢  您"), "已发货。 谢谢 您");
        assert_eq!(tidy(" refund in 3 days . "), "refund in 3 days.");
    }
}
