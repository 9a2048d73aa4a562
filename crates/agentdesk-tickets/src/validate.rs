//! A draft checked before anything is sent: what the agent must fix is named, in the order of the
//! form, and nothing leaves until it is right.

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
    let invalid = |reason: String| Err(TicketError::Invalid(reason));
    if draft.title.trim().is_empty() {
        return invalid("the ticket needs a title".into());
    }
    if draft.content.trim().is_empty() {
        return invalid("the ticket needs a description".into());
    }
    if let (Some(dictionary), Some(type_id)) = (dictionary, draft.type_id.as_deref()) {
        match dictionary.category(type_id) {
            None => {
                return invalid(format!(
                    "the category {type_id} does not exist; choose another"
                ))
            }
            Some(c) if !c.leaf => {
                return invalid(format!(
                    "the category \"{}\" has subcategories; choose one of them",
                    c.name
                ))
            }
            Some(_) => {}
        }
    }
    if system == SystemKind::Sobot && draft.type_id.as_deref().unwrap_or("").is_empty() {
        return invalid("choose a ticket category".into());
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
                return invalid(format!("\"{}\" is required", field.name));
            }
            continue;
        }
        check_value(field, value)?;
    }
    check_attachments(system, draft)
}

fn check_value(field: &TemplateField, value: &str) -> Result<(), TicketError> {
    let known = |v: &str| field.options.iter().any(|o| o.value == v);
    let wrong = |what: &str| {
        Err(TicketError::Invalid(format!(
            "\"{}\": {value:?} is not {what}",
            field.name
        )))
    };
    match field.kind {
        FieldKind::Dropdown | FieldKind::Radio if !field.options.is_empty() && !known(value) => {
            wrong("one of its options")
        }
        FieldKind::Checkbox
            if !field.options.is_empty() && !value.split(',').all(|v| known(v.trim())) =>
        {
            wrong("among its options")
        }
        FieldKind::Number if value.parse::<f64>().is_err() => wrong("a number"),
        FieldKind::Date if chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() => {
            wrong("a date (yyyy-MM-dd)")
        }
        FieldKind::Time if chrono::NaiveTime::parse_from_str(value, "%H:%M:%S").is_err() => {
            wrong("a time (HH:mm:ss)")
        }
        FieldKind::DateTime
            if chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S").is_err() =>
        {
            wrong("a date and time (yyyy-MM-dd HH:mm:ss)")
        }
        _ => Ok(()),
    }
}

fn check_attachments(system: SystemKind, draft: &TicketDraft) -> Result<(), TicketError> {
    let limits = system.attachment_limits();
    if draft.attachments.len() > limits.count {
        return Err(TicketError::Invalid(format!(
            "{system} takes at most {} attachments; remove {}",
            limits.count,
            draft.attachments.len() - limits.count
        )));
    }
    let mut total = 0;
    for file in &draft.attachments {
        let size = std::fs::metadata(&file.path)
            .map_err(|e| {
                TicketError::Invalid(format!(
                    "the attachment {:?} cannot be read ({e}): attach it again",
                    file.name
                ))
            })?
            .len();
        if size > limits.per_file {
            return Err(TicketError::Invalid(format!(
                "the attachment {:?} is {} MB; {system} takes at most {} MB per file",
                file.name,
                size.div_ceil(1024 * 1024),
                limits.per_file / (1024 * 1024)
            )));
        }
        total += size;
    }
    if total > limits.total {
        return Err(TicketError::Invalid(format!(
            "the attachments are {} MB together; {system} takes at most {} MB",
            total.div_ceil(1024 * 1024),
            limits.total / (1024 * 1024)
        )));
    }
    Ok(())
}
