//! Knowledge suggestions and moods for the conversation on screen. The platform's knowledge base is
//! synced into the tenant's database (incrementally, by update time) and indexed locally on first
//! use, so suggestions keep working offline; each customer message gets the best five articles, with
//! the words that matched, and an article the agent answers with learns the customer's wording.
//! Each session's mood is judged as its customer writes (`mood`).
//!
//! One `Knowledge` service per workspace: it owns the tenant's index and its understanding, and the
//! mood judge that follows the workspace's engine.

mod models;
mod mood;
mod understanding;

use std::sync::{Arc, RwLock};

use agentdesk_domain::mask_pii;
use agentdesk_insight::kb::{Article, KnowledgeIndex};
use agentdesk_store::{KbArticle, Write};
use agentdesk_workspace::{ApiError, ErrorCode, SessionMood, Workspace};
use serde::Serialize;
use ts_rs::TS;

pub use models::set_model_folders;

/// Suggestions shown per customer message.
pub const SUGGESTIONS: usize = 5;
/// Safety stop for a platform whose `page_count` never ends.
const MAX_PAGES: u32 = 2_000;

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

/// Knowledge-base suggestions for the customer's question, learning from the answers used, and each
/// session's mood.
pub struct Knowledge {
    workspace: Arc<Workspace>,
    /// The tenant's index, built on first use; dropped when a sync changes articles.
    index: RwLock<Option<Arc<KnowledgeIndex>>>,
    /// One build at a time.
    building: tokio::sync::Mutex<()>,
    meanings: mood::Meanings,
    mood_judge: tokio::task::JoinHandle<()>,
}

impl Knowledge {
    /// The service of `workspace`, its mood judge following the engine from now on.
    pub fn start(workspace: Arc<Workspace>) -> Knowledge {
        let meanings = mood::Meanings::default();
        Knowledge {
            mood_judge: mood::MoodJudge::spawn(workspace.clone(), meanings.clone()),
            workspace,
            index: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
            meanings,
        }
    }

    /// Stops the mood judge (the understanding stops with the workspace).
    pub fn close(&self) {
        self.mood_judge.abort();
    }

    /// Brings the tenant's copy of the knowledge base up to date: every entry the first time, then
    /// those changed since the day of the newest one stored (the platform filters by day, so that
    /// day's entries come again and change nothing). Pages until the platform's `page_count`.
    /// Answers how many entries changed.
    pub async fn sync_knowledge(&self) -> Result<usize, ApiError> {
        self.workspace.ensure_open()?;
        let newest = self
            .workspace
            .read(|store| store.articles())
            .await?
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
        let client = self.workspace.client();
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
            .workspace
            .write(changed.into_iter().map(Write::UpsertArticle).collect())
            .await?
            .into_iter()
            .filter(|changed| *changed)
            .count();
        if count > 0 {
            // The next suggestion rebuilds the index from the database.
            *self.index.write().unwrap_or_else(|p| p.into_inner()) = None;
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
            None => match self.newest_question(session_id).await? {
                Some(line) => line,
                None => return Ok(Vec::new()),
            },
        };
        let index = self.index().await?;
        let found = tokio::task::spawn_blocking(move || index.search(&query, SUGGESTIONS))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Storage, format!("the search stopped: {e}")))?
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
    /// becomes one of the article's questions here, so the next customer asking it that way gets the
    /// article first.
    pub async fn learn_from_answer(
        &self,
        session_id: &str,
        article_id: &str,
    ) -> Result<bool, ApiError> {
        let Some(question) = self.newest_question(session_id).await? else {
            return Ok(false);
        };
        // A phone or card number in the wording is not knowledge, and must not sit in the index.
        let question = mask_pii(&question).into_owned();
        let index = self.index().await?;
        let learned = index
            .learn(article_id, &question)
            .map_err(|e| ApiError::new(ErrorCode::NotFound, e.to_string()))?;
        // Kept in the tenant's database, so a restart or the next sync keeps it.
        self.workspace
            .write(vec![Write::LearnQuestion {
                docid: article_id.to_string(),
                question,
                learned_at_ms: self.workspace.now_ms(),
            }])
            .await?;
        Ok(learned)
    }

    /// The session's mood from its last customer messages.
    pub async fn session_mood(
        &self,
        session_id: &str,
        threshold: f32,
    ) -> Result<SessionMood, ApiError> {
        let reads = self.workspace.reads().clone();
        let meanings = self.meanings.clone();
        let session_id = session_id.to_string();
        tokio::task::spawn_blocking(move || mood::judge(&reads, &meanings, &session_id, threshold))
            .await
            .map_err(|e| ApiError::new(ErrorCode::NotReady, format!("judging stopped: {e}")))?
    }

    /// The session's newest text from the customer.
    async fn newest_question(&self, session_id: &str) -> Result<Option<String>, ApiError> {
        let reads = self.workspace.reads().clone();
        let session_id = session_id.to_string();
        let lines =
            tokio::task::spawn_blocking(move || mood::customer_lines(&reads, &session_id, 1))
                .await
                .map_err(|e| {
                    ApiError::new(ErrorCode::NotReady, format!("the read stopped: {e}"))
                })??;
        Ok(lines.into_iter().next())
    }

    /// The workspace's index: built from the tenant's database on first use (after a sync when the
    /// database has no articles yet), then understood in the background.
    async fn index(&self) -> Result<Arc<KnowledgeIndex>, ApiError> {
        if let Some(index) = self.built() {
            return Ok(index);
        }
        let _one_build = self.building.lock().await;
        if let Some(index) = self.built() {
            return Ok(index);
        }
        if self
            .workspace
            .read(|store| store.articles())
            .await?
            .is_empty()
        {
            self.sync_knowledge().await?;
        }
        let articles = self.workspace.read(articles_with_learned_questions).await?;
        let index = Arc::new(
            tokio::task::spawn_blocking(move || KnowledgeIndex::build(articles))
                .await
                .map_err(|e| ApiError::new(ErrorCode::Storage, format!("indexing stopped: {e}")))?
                .map_err(|e| ApiError::new(ErrorCode::Storage, e.to_string()))?,
        );
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = Some(index.clone());
        understanding::understand_in_background(self.workspace.clone(), index.clone());
        Ok(index)
    }

    fn built(&self) -> Option<Arc<KnowledgeIndex>> {
        self.index.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The tenant's articles, each with what the agents taught it among its questions.
fn articles_with_learned_questions(
    store: &agentdesk_store::Store,
) -> Result<Vec<Article>, agentdesk_store::StoreError> {
    let mut learned: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for (docid, question) in store.learned_questions()? {
        learned.entry(docid).or_default().push(question);
    }
    Ok(store
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
        .collect())
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

/// "zh" for a text with Chinese characters, else "en" (the platform does not say an entry's language).
fn language_of(text: &str) -> String {
    if text.chars().any(agentdesk_insight::text::is_cjk) {
        "zh"
    } else {
        "en"
    }
    .to_string()
}
