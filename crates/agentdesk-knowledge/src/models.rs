//! The models the knowledge base and the mood use, loaded once for the process: the sentence
//! encoder (from the folders the app ships resources in, on first use, never at start), the
//! sentiment model and its meaning head (shipped inside the program).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use agentdesk_encoder::Encoder;
use agentdesk_insight::sentiment::SentimentModel;
use agentdesk_insight::sentiment_head::SentimentHead;
use agentdesk_workspace::{ApiError, ErrorCode};

/// Folders the app ships resources in, where the encoder's model file is looked for (set once by
/// the shell at start).
static MODEL_FOLDERS: OnceLock<Vec<PathBuf>> = OnceLock::new();

/// The encoder once loaded (or why it cannot be).
static ENCODER: OnceLock<Result<Arc<Encoder>, String>> = OnceLock::new();

/// Where the host's packaged resources are (the shell's resource folder).
pub fn set_model_folders(folders: Vec<PathBuf>) {
    let _ = MODEL_FOLDERS.set(folders);
}

/// The encoder, loaded on first use (after the window is up) and kept for the process.
pub(crate) fn encoder() -> Result<Arc<Encoder>, String> {
    ENCODER.get_or_init(load_encoder).clone()
}

/// The encoder if something loaded it already (the mood never loads it for itself: it is loaded
/// with the knowledge base).
pub(crate) fn loaded_encoder() -> Option<Arc<Encoder>> {
    ENCODER.get()?.as_ref().ok().cloned()
}

fn load_encoder() -> Result<Arc<Encoder>, String> {
    let folders: Vec<PathBuf> = MODEL_FOLDERS
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
    let encoder = Encoder::load(&path).map_err(|e| {
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
}

pub(crate) fn sentiment_model() -> Result<&'static SentimentModel, ApiError> {
    static MODEL: OnceLock<Option<SentimentModel>> = OnceLock::new();
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

pub(crate) fn sentiment_head() -> Option<&'static SentimentHead> {
    static HEAD: OnceLock<Option<SentimentHead>> = OnceLock::new();
    HEAD.get_or_init(|| SentimentHead::shipped().ok()).as_ref()
}
