//! Knowledge-base suggestions: the articles indexed twice with tantivy, once per question (the
//! title and every similar question, each its own document) and once per article (all its
//! questions together), both with the mixed Chinese/English tokenizer and BM25. A query's score for
//! an article is its best single question, plus shares of its next two questions and of the whole
//! article: a customer's wording usually matches one phrasing closely, and the rest of the article
//! breaks ties.
//!
//! It learns: a question an agent answered with an article becomes one of the article's questions.
//!
//! With the sentence encoder attached it also matches meaning: every question has a vector, a query's
//! nearest questions score their articles by cosine similarity, and the two rankings are fused
//! (`Fusion`, tuned on the development sets). Customers rarely use the knowledge base's words
//! ("花呗怎么还款" / "如何偿还花呗"), and an English question finds a Chinese article.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use agentdesk_encoder::Encoder;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy};

use crate::semantic::{LanguageMeans, PackedVector, QuestionVectors};
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
    /// Open only between the first document added and the commit: a kept writer holds its document
    /// queue (2.4 MB) and an indexing thread for the rare question the agent's answers teach.
    writer: Mutex<Option<IndexWriter>>,
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
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Side {
            index,
            reader,
            writer: Mutex::new(None),
            text,
            key,
        })
    }

    fn add(&self, key: usize, text: &str) -> Result<(), KbError> {
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let writer = match writer.as_mut() {
            Some(open) => open,
            None => writer.insert(self.index.writer_with_num_threads(1, WRITER_MEMORY)?),
        };
        writer.add_document(doc!(self.key => key as u64, self.text => text))?;
        Ok(())
    }

    /// Commits what was added and closes the writer.
    fn commit(&self) -> Result<(), KbError> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(mut writer) = writer {
            writer.commit()?;
            writer.wait_merging_threads()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Commits and merges everything into one segment: a query then walks one set of posting lists
    /// instead of one per segment (the difference shows in the slowest queries at 50,000 articles).
    fn commit_as_one_segment(&self) -> Result<(), KbError> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(mut writer) = writer {
            writer.commit()?;
            let segments = self.index.searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
            }
            writer.wait_merging_threads()?;
        }
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

/// Which ranking a search uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ranking {
    /// Words and meaning fused (words alone while no vectors are there).
    #[default]
    Hybrid,
    /// Words only (BM25 and the learned questions): the ranking before the encoder, for comparison.
    Lexical,
}

/// How the word score and the meaning score of an article are combined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fusion {
    /// `cosine + weight · lexical / best lexical`: the meaning score as it is, the word score
    /// relative to the query's best.
    Linear { lexical_weight: f32 },
    /// Reciprocal rank fusion: `1/(k + lexical rank) + dense_weight/(k + dense rank)`.
    Reciprocal { k: f32, dense_weight: f32 },
}

/// Tuned on the development sets (`agentdesk-cli eval kb --tune`, BENCHMARKS.md): the best
/// Recall@1 and MRR@10 in both languages together (English peaks near 0.2, Chinese is flat from
/// 0.04 to 0.2, with the questions' crowding taken off as well); reciprocal rank fusion was below
/// it on both.
pub const DEFAULT_FUSION: Fusion = Fusion::Linear {
    lexical_weight: 0.15,
};

/// A query's two scores per article, before fusion.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    /// Article → word score (the combined BM25 described above).
    pub lexical: HashMap<usize, f32>,
    /// Article → best cosine similarity of its questions.
    pub dense: HashMap<usize, f32>,
    /// Article → its question that matched best (by words first, else by meaning).
    best_question: HashMap<usize, usize>,
    query_terms: Vec<String>,
}

/// Candidates taken from the meaning side.
const DENSE_CANDIDATES: usize = 50;

pub struct KnowledgeIndex {
    articles: Vec<Article>,
    by_id: HashMap<String, usize>,
    /// Every question: (article number, text). Learned ones are appended.
    questions: Mutex<Vec<(usize, String)>>,
    per_question: Side,
    per_article: Side,
    /// Attached once loaded (the app loads the model lazily, after the window is up).
    encoder: OnceLock<Arc<Encoder>>,
    vectors: RwLock<QuestionVectors>,
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
            encoder: OnceLock::new(),
            vectors: RwLock::new(QuestionVectors::default()),
        })
    }

    /// Attaches the sentence encoder: queries are embedded with it, and questions once their
    /// vectors are added (`add_vectors`).
    pub fn with_encoder(self, encoder: Arc<Encoder>) -> KnowledgeIndex {
        self.attach_encoder(encoder);
        self
    }

    /// Attaches the encoder to an index in use (a second one is ignored).
    pub fn attach_encoder(&self, encoder: Arc<Encoder>) {
        let _ = self.encoder.set(encoder);
    }

    pub fn encoder(&self) -> Option<&Arc<Encoder>> {
        self.encoder.get()
    }

    /// Questions without a vector yet: (question number, text).
    pub fn questions_without_vectors(&self) -> Vec<(usize, String)> {
        let vectors = self.vectors.read().unwrap_or_else(|p| p.into_inner());
        self.questions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .enumerate()
            .filter(|(n, _)| !vectors.has(*n))
            .map(|(n, (_, text))| (n, text.clone()))
            .collect()
    }

    /// Gives each question whose text is in `known` that vector (vectors kept from an earlier run:
    /// only new or changed questions need the encoder). Answers how many it gave.
    pub fn add_known_vectors(&self, known: &HashMap<String, PackedVector>) -> usize {
        let found: Vec<(usize, PackedVector)> = self
            .questions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .enumerate()
            .filter_map(|(n, (_, text))| known.get(text).map(|v| (n, v.clone())))
            .collect();
        self.add_vectors(&found);
        found.len()
    }

    pub fn add_vectors(&self, vectors: &[(usize, PackedVector)]) {
        let mut all = self.vectors.write().unwrap_or_else(|p| p.into_inner());
        for (question, vector) in vectors {
            all.set(*question, vector);
        }
    }

    /// Computes the vectors of the questions that have none, on `threads` threads, `progress(done,
    /// total)` after each batch (which stops the work by answering `Break`), then measures every
    /// question's crowding; answers what it computed (question number, text, vector) for the
    /// caller to keep. Without an encoder it does nothing.
    pub fn embed_missing(
        &self,
        threads: usize,
        progress: &(dyn Fn(usize, usize) -> std::ops::ControlFlow<()> + Sync),
    ) -> Vec<(usize, String, PackedVector)> {
        let Some(encoder) = self.encoder.get() else {
            return Vec::new();
        };
        let missing = self.questions_without_vectors();
        let total = missing.len();
        let texts: Vec<&str> = missing.iter().map(|(_, t)| t.as_str()).collect();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let computed = Mutex::new(Vec::with_capacity(total));
        encoder.embed_in_batches(&texts, threads, &|first, vectors| {
            let packed: Vec<(usize, String, PackedVector)> = missing[first..]
                .iter()
                .zip(vectors)
                .map(|((n, t), v)| (*n, t.clone(), meaning_of(t, &v)))
                .collect();
            self.add_vectors(
                &packed
                    .iter()
                    .map(|(n, _, v)| (*n, v.clone()))
                    .collect::<Vec<_>>(),
            );
            let count = packed.len();
            computed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(packed);
            let finished = done.fetch_add(count, std::sync::atomic::Ordering::Relaxed) + count;
            progress(finished, total)
        });
        // With every vector there (kept or computed), each question's crowding is measured
        // again: new questions change their neighbours' too.
        let crowding = self
            .vectors
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .measure_crowding(threads);
        self.vectors
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .set_crowding(crowding);
        computed.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    /// Questions with a vector.
    pub fn vector_count(&self) -> usize {
        self.vectors
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .count()
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// The `top` best articles for a customer's message, best first (hybrid ranking).
    pub fn search(&self, query: &str, top: usize) -> Result<Vec<Suggestion>, KbError> {
        self.search_ranked(query, top, Ranking::Hybrid)
    }

    pub fn search_ranked(
        &self,
        query: &str,
        top: usize,
        ranking: Ranking,
    ) -> Result<Vec<Suggestion>, KbError> {
        let scores = self.scores(query, ranking)?;
        let ranked = fuse(&scores, DEFAULT_FUSION, top);
        Ok(self.suggestions(&scores, ranked))
    }

    /// Both scores of the articles a query reaches (the meaning side only with `Ranking::Hybrid`
    /// and an encoder).
    pub fn scores(&self, query: &str, ranking: Ranking) -> Result<Scores, KbError> {
        let query_terms: Vec<String> = terms(query).into_iter().map(|t| t.text).collect();
        let query_vector = match (ranking, self.encoder.get()) {
            // An empty message asks nothing (its vector would still be near some question).
            _ if query.trim().is_empty() => None,
            (Ranking::Hybrid, Some(encoder)) if self.vector_count() > 0 => encoder
                .embed(&[query])
                .pop()
                .map(|v| LanguageMeans::shipped().center(query, &v)),
            _ => None,
        };
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
        let (lexical, mut best_question) = by_words(&questions, by_question, by_article);
        let mut dense: HashMap<usize, f32> = HashMap::new();
        if let Some(query_vector) = query_vector {
            let vectors = self.vectors.read().unwrap_or_else(|p| p.into_inner());
            let nearest = nearest_by_meaning(
                &questions,
                self.articles.len(),
                vectors.similarities(&query_vector),
            );
            let mut reached: Vec<usize> = (0..nearest.len())
                .filter(|a| nearest[*a].1 != usize::MAX)
                .collect();
            let by_similarity =
                |a: &usize, b: &usize| nearest[*b].0.total_cmp(&nearest[*a].0).then(a.cmp(b));
            if reached.len() > DENSE_CANDIDATES {
                reached.select_nth_unstable_by(DENSE_CANDIDATES, by_similarity);
                reached.truncate(DENSE_CANDIDATES);
            }
            // The nearest few, and every article the words found keeps its meaning score too.
            for article in reached
                .into_iter()
                .chain(lexical.keys().copied().collect::<Vec<_>>())
            {
                let (similarity, question) = nearest[article];
                if question != usize::MAX {
                    dense.insert(article, similarity);
                    best_question.entry(article).or_insert(question);
                }
            }
        }
        Ok(Scores {
            lexical,
            dense,
            best_question,
            query_terms,
        })
    }

    fn suggestions(&self, scores: &Scores, ranked: Vec<(usize, f32)>) -> Vec<Suggestion> {
        let questions = self.questions.lock().unwrap_or_else(|p| p.into_inner());
        let wanted: HashSet<&str> = scores.query_terms.iter().map(String::as_str).collect();
        ranked
            .into_iter()
            .map(|(number, score)| {
                let article = &self.articles[number];
                let matched_question = scores
                    .best_question
                    .get(&number)
                    .and_then(|q| questions.get(*q))
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
            .collect()
    }

    /// The article's id by its number (for evaluations working on `Scores`).
    pub fn id_of(&self, number: usize) -> Option<&str> {
        self.articles.get(number).map(|a| a.id.as_str())
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
        let question_number = questions.len();
        self.per_question.add(question_number, question)?;
        questions.push((number, question.to_string()));
        drop(questions);
        self.per_question.commit()?;
        if let Some(encoder) = self.encoder.get() {
            if let Some(vector) = encoder.embed(&[question]).pop() {
                self.add_vectors(&[(question_number, meaning_of(question, &vector))]);
                self.vectors
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .measure_crowding_of(question_number);
            }
        }
        Ok(true)
    }

    pub fn article(&self, id: &str) -> Option<&Article> {
        self.by_id.get(id).map(|n| &self.articles[*n])
    }
}

/// A question's vector as the index keeps it: its language's mean taken away, packed.
pub fn meaning_of(text: &str, vector: &[f32]) -> PackedVector {
    PackedVector::pack(&LanguageMeans::shipped().center(text, vector))
}

/// The `top` articles by the fused score, best first (ties by article order).
pub fn fuse(scores: &Scores, fusion: Fusion, top: usize) -> Vec<(usize, f32)> {
    let mut combined: HashMap<usize, f32> = HashMap::new();
    match fusion {
        _ if scores.dense.is_empty() => combined.clone_from(&scores.lexical),
        Fusion::Linear { lexical_weight } => {
            let best = scores.lexical.values().copied().fold(0f32, f32::max);
            let floor = scores.dense.values().copied().fold(f32::INFINITY, f32::min);
            for (article, lexical) in &scores.lexical {
                let relative = if best > 0.0 { lexical / best } else { 0.0 };
                // An article the words found but the meaning side did not reach gets the lowest
                // meaning score seen (an upper bound on what it would have had).
                let dense = scores.dense.get(article).copied().unwrap_or(floor);
                combined.insert(*article, dense + lexical_weight * relative);
            }
            for (article, dense) in &scores.dense {
                combined.entry(*article).or_insert(*dense);
            }
        }
        Fusion::Reciprocal { k, dense_weight } => {
            for (weight, side) in [(1.0, &scores.lexical), (dense_weight, &scores.dense)] {
                let mut ranked: Vec<(&usize, &f32)> = side.iter().collect();
                ranked.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
                for (rank, (article, _)) in ranked.into_iter().enumerate() {
                    *combined.entry(*article).or_insert(0.0) += weight / (k + rank as f32 + 1.0);
                }
            }
        }
    }
    let mut ranked: Vec<(usize, f32)> = combined.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(top);
    ranked
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

/// The word side's score per article: its best question's, plus a share of the next two and of the
/// article's own text; and which question scored best.
fn by_words(
    questions: &[(usize, String)],
    by_question: Vec<(usize, f32)>,
    by_article: Vec<(usize, f32)>,
) -> (HashMap<usize, f32>, HashMap<usize, usize>) {
    // Per article: the best question's score and which question it was.
    let mut best: HashMap<usize, (f32, usize)> = HashMap::new();
    let mut all_scores: HashMap<usize, Vec<f32>> = HashMap::new();
    for (question, score) in by_question {
        let Some((article, _)) = questions.get(question) else {
            continue;
        };
        all_scores.entry(*article).or_default().push(score);
        let entry = best.entry(*article).or_insert((score, question));
        if score > entry.0 {
            *entry = (score, question);
        }
    }
    let mut lexical: HashMap<usize, f32> = best
        .iter()
        .map(|(article, (score, _))| (*article, *score))
        .collect();
    for (article, mut scores) in all_scores {
        scores.sort_by(|a, b| b.total_cmp(a));
        let runners_up: f32 = scores.iter().skip(1).take(2).sum();
        *lexical.entry(article).or_insert(0.0) += RUNNER_UP_WEIGHT * runners_up;
    }
    for (article, score) in by_article {
        *lexical.entry(article).or_insert(0.0) += ARTICLE_WEIGHT * score;
    }
    let best_question = best.into_iter().map(|(a, (_, q))| (a, q)).collect();
    (lexical, best_question)
}

/// Per article its nearest question by meaning: (similarity, question), `usize::MAX` where no
/// question of it has a vector. A flat table: at 50,000 articles a map per query costs more than
/// the scan.
fn nearest_by_meaning(
    questions: &[(usize, String)],
    articles: usize,
    similarities: Vec<(usize, f32)>,
) -> Vec<(f32, usize)> {
    let mut nearest = vec![(f32::NEG_INFINITY, usize::MAX); articles];
    for (question, similarity) in similarities {
        let Some((article, _)) = questions.get(question) else {
            continue;
        };
        if similarity > nearest[*article].0 {
            nearest[*article] = (similarity, question);
        }
    }
    nearest
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
