//! A draft checked before anything is sent: what the agent must fix is named, in the order of the
//! form, and nothing leaves until it is right.

use agentdesk_workspace::DraftProblem;

use crate::model::*;
use crate::TicketError;

/// Checks `draft` for `system`, against the category tree and the category's template when the
/// system has them (Sobot).
pub fn validate_draft(
    system: SystemKind,
    draft: &TicketDraft,
    dictionary: Option<&Dictionary>,
    template: &[TemplateField],
) -> Result<(), TicketError> {
    let invalid = |problem: DraftProblem| Err(TicketError::Draft(problem));
    if draft.title.trim().is_empty() {
        return invalid(DraftProblem::NoTitle);
    }
    if draft.content.trim().is_empty() {
        return invalid(DraftProblem::NoContent);
    }
    if let (Some(dictionary), Some(type_id)) = (dictionary, draft.type_id.as_deref()) {
        match dictionary.category(type_id) {
            None => {
                return invalid(DraftProblem::UnknownCategory {
                    id: type_id.to_string(),
                })
            }
            Some(c) if !c.leaf => {
                return invalid(DraftProblem::NotALeaf {
                    name: c.name.clone(),
                })
            }
            Some(_) => {}
        }
    }
    if system == SystemKind::Sobot && draft.type_id.as_deref().unwrap_or("").is_empty() {
        return invalid(DraftProblem::NoCategory);
    }
    for field in template {
        let value = draft
            .fields
            .iter()
            .find(|f| f.id == field.id)
            .map(|f| f.value.trim())
            .unwrap_or("");
        if value.is_empty() {
            if field.required {
                return invalid(DraftProblem::FieldRequired {
                    field: field.name.clone(),
                });
            }
            continue;
        }
        check_value(field, value)?;
    }
    check_attachments(system, draft)
}

fn check_value(field: &TemplateField, value: &str) -> Result<(), TicketError> {
    let known = |v: &str| field.options.iter().any(|o| o.value == v);
    let (field_name, value_text) = (field.name.clone(), value.to_string());
    let wrong = |problem: fn(String, String) -> DraftProblem| {
        Err(TicketError::Draft(problem(
            field_name.clone(),
            value_text.clone(),
        )))
    };
    match field.kind {
        FieldKind::Dropdown | FieldKind::Radio if !field.options.is_empty() && !known(value) => {
            wrong(|field, value| DraftProblem::NotAnOption { field, value })
        }
        FieldKind::Checkbox
            if !field.options.is_empty() && !value.split(',').all(|v| known(v.trim())) =>
        {
            wrong(|field, value| DraftProblem::NotAnOption { field, value })
        }
        FieldKind::Number if value.parse::<f64>().is_err() => {
            wrong(|field, value| DraftProblem::NotANumber { field, value })
        }
        FieldKind::Date if chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() => {
            wrong(|field, value| DraftProblem::NotADate { field, value })
        }
        FieldKind::Time if chrono::NaiveTime::parse_from_str(value, "%H:%M:%S").is_err() => {
            wrong(|field, value| DraftProblem::NotATime { field, value })
        }
        FieldKind::DateTime
            if chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S").is_err() =>
        {
            wrong(|field, value| DraftProblem::NotADateTime { field, value })
        }
        _ => Ok(()),
    }
}

fn check_attachments(system: SystemKind, draft: &TicketDraft) -> Result<(), TicketError> {
    let limits = system.attachment_limits();
    const MB: u64 = 1024 * 1024;
    if draft.attachments.len() > limits.count {
        return Err(TicketError::Draft(DraftProblem::TooManyAttachments {
            system: system.to_string(),
            max: limits.count as u32,
        }));
    }
    let mut total = 0;
    for file in &draft.attachments {
        let size = std::fs::metadata(&file.path)
            .map_err(|_| {
                TicketError::Draft(DraftProblem::AttachmentUnreadable {
                    name: file.name.clone(),
                })
            })?
            .len();
        if size > limits.per_file {
            return Err(TicketError::Draft(DraftProblem::AttachmentTooLarge {
                name: file.name.clone(),
                system: system.to_string(),
                max_mb: (limits.per_file / MB) as u32,
            }));
        }
        total += size;
    }
    if total > limits.total {
        return Err(TicketError::Draft(DraftProblem::AttachmentsTooLarge {
            system: system.to_string(),
            max_mb: (limits.total / MB) as u32,
        }));
    }
    Ok(())
}
