//! The agent's notes about a customer: per workspace (merchant), in its encrypted database, so a
//! note is as private as the conversation it is about and never sits in the webview's storage.

use agentdesk_domain::limits::MAX_NOTE_CHARS;
use agentdesk_store::Write;
use agentdesk_workspace::{ApiError, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

use crate::Customers;

/// What the agent has written about the session's customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CustomerNoteView {
    /// Empty when there is no note yet.
    pub text: String,
    #[ts(type = "number | null")]
    pub updated_at_ms: Option<i64>,
}

impl Customers {
    /// The note about the customer of `session_id`.
    pub async fn customer_note(&self, session_id: &str) -> Result<CustomerNoteView, ApiError> {
        let visitor_id = self.workspace.session(session_id).await?.visitor_id;
        let note = self
            .workspace
            .read(move |store| store.customer_note(&visitor_id))
            .await?;
        Ok(match note {
            Some(note) => CustomerNoteView {
                text: note.body,
                updated_at_ms: Some(note.updated_at_ms),
            },
            None => CustomerNoteView {
                text: String::new(),
                updated_at_ms: None,
            },
        })
    }

    /// Replaces the note about the customer of `session_id` (blank removes it); answers what is kept.
    pub async fn save_customer_note(
        &self,
        session_id: &str,
        text: &str,
    ) -> Result<CustomerNoteView, ApiError> {
        let chars = text.chars().count();
        if chars > MAX_NOTE_CHARS {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "the note is {chars} characters long; notes keep at most {MAX_NOTE_CHARS}. \
                     Shorten it and it will be saved"
                ),
            ));
        }
        let visitor_id = self.workspace.session(session_id).await?.visitor_id;
        // Whitespace alone is no note: it would only show an empty-looking note as "saved".
        let text = if text.trim().is_empty() { "" } else { text };
        let updated_at_ms = self.workspace.now_ms();
        self.workspace
            .write(vec![Write::CustomerNote {
                visitor_id,
                body: text.to_string(),
                updated_at_ms,
            }])
            .await?;
        Ok(CustomerNoteView {
            text: text.to_string(),
            updated_at_ms: (!text.is_empty()).then_some(updated_at_ms),
        })
    }
}
