//! The hybrid knowledge search with the shipped sentence encoder: meaning finds what words miss,
//! across Chinese and English, and `Ranking::Lexical` keeps the words-only ranking.

use std::sync::Arc;

use agentdesk_encoder::{find_model, Encoder};
use agentdesk_insight::kb::{Article, KnowledgeIndex, Ranking};

fn article(id: &str, title: &str) -> Article {
    Article {
        id: id.into(),
        title: title.into(),
        answer: format!("answer of {id}"),
        ..Article::default()
    }
}

fn index() -> KnowledgeIndex {
    let encoder = Encoder::load(&find_model(&[]).expect(
        "the encoder's model file is missing: run scripts/fetch-model.sh (scripts/setup.sh does)",
    ))
    .unwrap();
    let index = KnowledgeIndex::build(vec![
        article("repay", "花呗怎么还款"),
        article("close", "如何关闭花呗"),
        article("limit", "如何提升借呗额度"),
        article("parcel", "快递一直没有送到怎么办"),
        article("card", "How do I cancel my card?"),
    ])
    .unwrap()
    .with_encoder(Arc::new(encoder));
    let progress = std::sync::Mutex::new(Vec::new());
    let computed = index.embed_missing(2, &|done, total| {
        progress.lock().unwrap().push((done, total));
        std::ops::ControlFlow::Continue(())
    });
    assert_eq!(computed.len(), 5);
    assert_eq!(progress.lock().unwrap().last(), Some(&(5, 5)));
    index
}

fn top(index: &KnowledgeIndex, query: &str, ranking: Ranking) -> Vec<String> {
    index
        .search_ranked(query, 3, ranking)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect()
}

#[test]
fn meaning_finds_the_paraphrase_the_words_miss() {
    let index = index();
    // "如何偿还花呗" shares 如何 and 花呗 with "如何关闭花呗" and only 花呗 with the right article.
    assert_eq!(top(&index, "如何偿还花呗", Ranking::Lexical)[0], "close");
    assert_eq!(top(&index, "如何偿还花呗", Ranking::Hybrid)[0], "repay");
}

#[test]
fn an_english_question_finds_the_chinese_article_and_back() {
    let index = index();
    assert_eq!(
        top(&index, "my package still hasn't arrived", Ranking::Hybrid)[0],
        "parcel"
    );
    assert!(top(&index, "my package still hasn't arrived", Ranking::Lexical).is_empty());
    assert_eq!(top(&index, "取消银行卡", Ranking::Hybrid)[0], "card");
}

#[test]
fn kept_vectors_are_reused_and_a_learned_question_gets_its_own() {
    let first = index();
    let kept: std::collections::HashMap<String, _> = first
        .embed_missing(1, &|_, _| std::ops::ControlFlow::Continue(()))
        .into_iter()
        .map(|(_, text, v)| (text, v))
        .collect();
    assert!(kept.is_empty(), "nothing left to compute");
    let fresh = KnowledgeIndex::build(vec![
        article("repay", "花呗怎么还款"),
        article("new", "新的问题"),
    ])
    .unwrap()
    .with_encoder(first.encoder().unwrap().clone());
    let mut known = std::collections::HashMap::new();
    known.insert(
        "花呗怎么还款".to_string(),
        agentdesk_insight::kb::meaning_of(
            "花呗怎么还款",
            &first.encoder().unwrap().embed(&["花呗怎么还款"])[0],
        ),
    );
    assert_eq!(fresh.add_known_vectors(&known), 1);
    let computed = fresh.embed_missing(1, &|_, _| std::ops::ControlFlow::Continue(()));
    assert_eq!(
        computed
            .iter()
            .map(|(_, t, _)| t.as_str())
            .collect::<Vec<_>>(),
        ["新的问题"]
    );
    assert!(fresh.learn("repay", "花呗的钱怎么还").unwrap());
    assert_eq!(
        fresh.vector_count(),
        3,
        "the learned question was embedded at once"
    );
}

#[test]
fn the_meaning_head_gives_the_sentiment_a_second_opinion() {
    use agentdesk_insight::sentiment::{Label, SentimentModel};
    use agentdesk_insight::sentiment_head::SentimentHead;
    let encoder = Encoder::load(&find_model(&[]).unwrap()).unwrap();
    let words = SentimentModel::shipped().unwrap();
    let head = SentimentHead::shipped().expect("the shipped head loads");
    let text = "thanks, the agent solved it quickly";
    let vector = encoder.embed(&[text]).pop().unwrap();
    // The words alone are unsure of this thank-you; with its meaning it is plainly positive.
    assert_eq!(words.judge(text).label, Label::Neutral);
    let both = words.judge_with(text, Some((&head, &vector)));
    assert_eq!(both.label, Label::Positive, "{both:?}");
    let angry = "外卖送了两个小时，饭菜全凉了，骑手态度还很差";
    let vector = encoder.embed(&[angry]).pop().unwrap();
    assert_eq!(
        words.judge_with(angry, Some((&head, &vector))).label,
        Label::Negative
    );
}
