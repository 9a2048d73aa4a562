//! Knowledge-base suggestions: the articles indexed twice with tantivy, once per question (the
//! title and every similar question, each its own document) and once per article (all its
//! questions together), both with the mixed Chinese/English tokenizer and BM25. A query's score for
//! an article is its best single question, plus shares of its next two questions and of the whole
//! article: a customer's wording usually matches one phrasing closely, and the rest of the article
//! breaks ties.
//!
//! It learns: a question an agent answered with an article becomes one of the article's questions.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy};

use crate::tokenizer::{terms, MixedTokenizer, NAME};

/// One article, in the shared FAQ format (`{"id", "title", "similar"?, "body"?}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub similar: Vec<String>,
    /// The answer (the shared format calls it `body`).
    #[serde(default, alias = "body")]
    pub answer: String,
}

/// One suggestion: the article, its score, and the question of it that matched best with the
/// matched words' byte ranges (for highlighting).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub id: String,
    pub title: String,
    pub answer: String,
    pub score: f32,
    pub matched_question: String,
    pub highlights: Vec<(usize, usize)>,
}

#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("no article {0:?} in the knowledge base")]
    UnknownArticle(String),
    #[error("the search of the knowledge base stopped unexpectedly")]
    SearchStopped,
}

/// How much of the whole-article score counts beside the best question's, and how much the second
/// and third best questions do (several phrasings agreeing is evidence too). Tuned on the English
/// development set (BANKING77: Recall@1 0.610 → 0.659); they change nothing where articles have one
/// question.
const ARTICLE_WEIGHT: f32 = 1.5;
const RUNNER_UP_WEIGHT: f32 = 0.6;
/// Candidates read from each index before scores are combined.
const CANDIDATES: usize = 50;
/// The writer's memory budget (tantivy's minimum is 15 MB per thread).
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

struct Side {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    text: Field,
    /// Fast field: for the question index, the question's number; for the article index, the
    /// article's.
    key: Field,
}

impl Side {
    fn new() -> Result<Side, KbError> {
        let mut schema = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(NAME)
            .set_index_option(IndexRecordOption::WithFreqs);
        let text = schema.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(indexing),
        );
        let key = schema.add_u64_field("key", FAST | INDEXED);
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(NAME, MixedTokenizer::default());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Side {
            index,
            reader,
            writer: Mutex::new(writer),
            text,
            key,
        })
    }

    fn add(&self, key: usize, text: &str) -> Result<(), KbError> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        writer.add_document(doc!(self.key => key as u64, self.text => text))?;
        Ok(())
    }

    fn commit(&self) -> Result<(), KbError> {
        self.writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Commits and merges everything into one segment: a query then walks one set of posting lists
    /// instead of one per segment (the difference shows in the slowest queries at 50,000 articles).
    fn commit_as_one_segment(&self) -> Result<(), KbError> {
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        writer.commit()?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// (key, BM25 score) of the best documents for the query terms.
    fn search(&self, query_terms: &[String], limit: usize) -> Result<Vec<(usize, f32)>, KbError> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = query_terms
            .iter()
            .map(|t| {
                let term = tantivy::Term::from_field_text(self.text, t);
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                )
            })
            .collect();
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit))?;
        // One key column per segment, opened once per search.
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.fast_fields().u64("key"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(top
            .into_iter()
            .filter_map(|(score, address)| {
                columns
                    .get(address.segment_ord as usize)?
                    .first(address.doc_id)
                    .map(|key| (key as usize, score))
            })
            .collect())
    }
}

pub struct KnowledgeIndex {
    articles: Vec<Article>,
    by_id: HashMap<String, usize>,
    /// Every question: (article number, text). Learned ones are appended.
    questions: Mutex<Vec<(usize, String)>>,
    per_question: Side,
    per_article: Side,
}

impl KnowledgeIndex {
    /// Indexes the articles (later ones with an id already seen replace nothing: the first wins).
    pub fn build(articles: Vec<Article>) -> Result<KnowledgeIndex, KbError> {
        let per_question = Side::new()?;
        let per_article = Side::new()?;
        let mut by_id = HashMap::with_capacity(articles.len());
        let mut kept = Vec::with_capacity(articles.len());
        let mut questions = Vec::new();
        for article in articles {
            if by_id.contains_key(&article.id) {
                continue;
            }
            let number = kept.len();
            by_id.insert(article.id.clone(), number);
            let mut all = String::new();
            for question in std::iter::once(&article.title).chain(&article.similar) {
                if question.trim().is_empty() {
                    continue;
                }
                per_question.add(questions.len(), question)?;
                questions.push((number, question.clone()));
                all.push_str(question);
                all.push('\n');
            }
            per_article.add(number, &all)?;
            kept.push(article);
        }
        per_question.commit_as_one_segment()?;
        per_article.commit_as_one_segment()?;
        Ok(KnowledgeIndex {
            articles: kept,
            by_id,
            questions: Mutex::new(questions),
            per_question,
            per_article,
        })
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// The `top` best articles for a customer's message, best first.
    pub fn search(&self, query: &str, top: usize) -> Result<Vec<Suggestion>, KbError> {
        let query_terms: Vec<String> = terms(query).into_iter().map(|t| t.text).collect();
        // The two indexes are searched at the same time: a query's latency is the slower of the two
        // rather than their sum (a customer message arrives on a multi-core desktop, not a server
        // busy with other queries).
        let (by_question, by_article) = std::thread::scope(|scope| {
            let by_article = scope.spawn(|| self.per_article.search(&query_terms, CANDIDATES));
            let by_question = self.per_question.search(&query_terms, CANDIDATES);
            (by_question, by_article.join())
        });
        let by_question = by_question?;
        let by_article = by_article.map_err(|_| KbError::SearchStopped)??;
        let questions = self.questions.lock().unwrap_or_else(|p| p.into_inner());
        // Per article: the best question's score and which question it was.
        let mut best: HashMap<usize, (f32, usize)> = HashMap::new();
        let mut all_scores: HashMap<usize, Vec<f32>> = HashMap::new();
        for (question, score) in &by_question {
            if let Some((article, _)) = questions.get(*question) {
                all_scores.entry(*article).or_default().push(*score);
            }
        }
        for (question, score) in by_question {
            let Some((article, _)) = questions.get(question) else {
                continue;
            };
            let entry = best.entry(*article).or_insert((score, question));
            if score > entry.0 {
                *entry = (score, question);
            }
        }
        let mut combined: HashMap<usize, f32> = best
            .iter()
            .map(|(article, (score, _))| (*article, *score))
            .collect();
        for (article, mut scores) in all_scores {
            scores.sort_by(|a, b| b.total_cmp(a));
            let runners_up: f32 = scores.iter().skip(1).take(2).sum();
            *combined.entry(article).or_insert(0.0) += RUNNER_UP_WEIGHT * runners_up;
        }
        for (article, score) in by_article {
            *combined.entry(article).or_insert(0.0) += ARTICLE_WEIGHT * score;
        }
        let mut ranked: Vec<(usize, f32)> = combined.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(top);
        let wanted: HashSet<&str> = query_terms.iter().map(String::as_str).collect();
        Ok(ranked
            .into_iter()
            .map(|(number, score)| {
                let article = &self.articles[number];
                let matched_question = best
                    .get(&number)
                    .and_then(|(_, q)| questions.get(*q))
                    .map(|(_, text)| text.clone())
                    .unwrap_or_else(|| article.title.clone());
                let highlights = highlight(&matched_question, &wanted);
                Suggestion {
                    id: article.id.clone(),
                    title: article.title.clone(),
                    answer: article.answer.clone(),
                    score,
                    matched_question,
                    highlights,
                }
            })
            .collect())
    }

    /// Makes `question` one of the article's questions (an agent answered it with this article).
    /// Answers false when the article already has exactly this question.
    pub fn learn(&self, id: &str, question: &str) -> Result<bool, KbError> {
        let number = *self
            .by_id
            .get(id)
            .ok_or_else(|| KbError::UnknownArticle(id.to_string()))?;
        let question = question.trim();
        let mut questions = self.questions.lock().unwrap_or_else(|p| p.into_inner());
        if question.is_empty()
            || questions
                .iter()
                .any(|(article, text)| *article == number && text == question)
        {
            return Ok(false);
        }
        self.per_question.add(questions.len(), question)?;
        questions.push((number, question.to_string()));
        drop(questions);
        self.per_question.commit()?;
        Ok(true)
    }

    pub fn article(&self, id: &str) -> Option<&Article> {
        self.by_id.get(id).map(|n| &self.articles[*n])
    }

    /// For tests and the index's size figures: the number of indexed questions.
    pub fn question_count(&self) -> usize {
        self.questions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }
}

/// Byte ranges of `text` whose terms are among `wanted`, merged where they overlap.
fn highlight(text: &str, wanted: &HashSet<&str>) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = terms(text)
        .into_iter()
        .filter(|t| wanted.contains(t.text.as_str()))
        .map(|t| (t.from, t.to))
        .collect();
    ranges.sort();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: &str, title: &str, similar: &[&str]) -> Article {
        Article {
            id: id.into(),
            title: title.into(),
            similar: similar.iter().map(|s| s.to_string()).collect(),
            answer: format!("answer of {id}"),
        }
    }

    fn sample() -> KnowledgeIndex {
        KnowledgeIndex::build(vec![
            article(
                "refund",
                "Refund not showing up",
                &["I can't find my refund"],
            ),
            article("card", "Card arrival", &["When will my new card arrive?"]),
            article("huabei", "花呗怎么还款", &["花呗还款方式有哪些"]),
            article("jiebei", "借呗额度怎么提升", &[]),
        ])
        .unwrap()
    }

    #[test]
    fn the_best_article_comes_first_in_both_languages() {
        let index = sample();
        assert_eq!(
            index.search("where is my refund?", 5).unwrap()[0].id,
            "refund"
        );
        assert_eq!(index.search("我的花呗要怎么还", 5).unwrap()[0].id, "huabei");
        assert_eq!(
            index.search("借呗的额度能提高吗", 5).unwrap()[0].id,
            "jiebei"
        );
        assert!(index.search("", 5).unwrap().is_empty());
    }

    #[test]
    fn matched_words_are_highlighted_in_the_matched_question() {
        let index = sample();
        let best = &index.search("when does my new card arrive", 1).unwrap()[0];
        assert_eq!(best.id, "card");
        assert_eq!(best.matched_question, "When will my new card arrive?");
        let marked: Vec<&str> = best
            .highlights
            .iter()
            .map(|(a, b)| &best.matched_question[*a..*b])
            .collect();
        assert_eq!(marked, vec!["When", "new", "card", "arrive"]);
        // Chinese: the matched words and characters, merged into runs.
        let best = &index.search("花呗还款", 1).unwrap()[0];
        let marked: Vec<&str> = best
            .highlights
            .iter()
            .map(|(a, b)| &best.matched_question[*a..*b])
            .collect();
        assert!(marked.iter().any(|m| m.contains("还款")), "{marked:?}");
    }

    #[test]
    fn a_question_answered_with_an_article_finds_it_later() {
        let index = sample();
        let question = "my money from the shop never came back";
        assert_ne!(
            index
                .search(question, 1)
                .unwrap()
                .first()
                .map(|s| s.id.as_str()),
            Some("refund")
        );
        assert!(index.learn("refund", question).unwrap());
        assert!(!index.learn("refund", question).unwrap(), "learned once");
        assert_eq!(index.search(question, 1).unwrap()[0].id, "refund");
        assert!(matches!(
            index.learn("nope", "x"),
            Err(KbError::UnknownArticle(_))
        ));
    }
}
