//! Filling request templates (`/customers/{external_id}`, `phone:'{phone|search}'`) and reading
//! answers through JSON pointers (`/data/name`, or `"{/amount} {/currency}"` for several).

use std::collections::HashMap;

use serde_json::Value;

/// The values a template may name, e.g. `phone`, `page`, `cursor`.
pub type Vars = HashMap<&'static str, String>;

/// Replaces every `{name}` / `{name|filter}` with its value (empty when it has none). Text in braces
/// that is not a known name (JSON in a GraphQL query, say) stays as it is.
pub fn fill(template: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let (name, filter) = match inner.split_once('|') {
            Some((name, filter)) => (name.trim(), Some(filter.trim())),
            None => (inner.trim(), None),
        };
        if is_name(name) && (vars.contains_key(name) || KNOWN.contains(&name)) {
            let value = vars.get(name).map(String::as_str).unwrap_or("");
            out.push_str(&escape(value, filter));
            rest = &after[close + 1..];
        } else {
            // Not a placeholder: keep the brace and look for one further on.
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Names a template may use even when the value is unknown (they become empty).
const KNOWN: [&str; 33] = [
    "api_version",
    "phone",
    "email",
    "external_id",
    "page",
    "offset",
    "limit",
    "cursor",
    "method",
    "path",
    "query",
    "body",
    "timestamp",
    "nonce",
    // Write-backs.
    "write_back_id",
    "session_id",
    "customer_name",
    "order_id",
    "summary",
    "classification",
    "resolved",
    "agent",
    "ticket_number",
    "ticket_system",
    "at",
    "event",
    "connector",
    // Payment links through the merchant's own service.
    "out_trade_no",
    "amount",
    "amount_fen",
    "expire_minutes",
    "expires_at",
    "subject",
];

/// The placeholder `name` names, as the one static name (for values kept as text and read back).
pub fn placeholder(name: &str) -> Option<&'static str> {
    KNOWN.into_iter().find(|known| *known == name)
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn escape(value: &str, filter: Option<&str>) -> String {
    match filter {
        // Inside a SOQL string literal: backslash and quotes are escaped with a backslash.
        Some("soql") => value
            .chars()
            .flat_map(|c| match c {
                '\\' | '\'' | '"' => vec!['\\', c],
                '\n' => vec!['\\', 'n'],
                '\r' => vec!['\\', 'r'],
                other => vec![other],
            })
            .collect(),
        // Inside a quoted term of a search syntax (Shopify's): quotes and backslashes dropped, so a
        // value can never close the quote and add terms of its own.
        Some("search") => value
            .chars()
            .filter(|c| !matches!(c, '\\' | '\'' | '"'))
            .collect(),
        // A phone as E.164, the form Shopify stores (`+8613812345678`).
        Some("e164") => e164(value),
        // A phone in every form an org may have typed it, as a SOQL `IN (…)` list.
        Some("soql_phones") => {
            let forms: Vec<String> = phone_forms(value)
                .iter()
                .map(|form| format!("'{}'", escape(form, Some("soql"))))
                .collect();
            if forms.is_empty() {
                // Matches nothing, and keeps `IN (…)` valid SOQL.
                "''".to_string()
            } else {
                forms.join(",")
            }
        }
        _ => value.to_string(),
    }
}

/// The digits of a phone and whether it was written with a country code (`+` or `00`).
fn phone_digits(phone: &str) -> (String, bool) {
    let trimmed = phone.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if trimmed.starts_with('+') {
        (digits, true)
    } else if let Some(rest) = digits.strip_prefix("00") {
        (rest.to_string(), true)
    } else {
        (digits, false)
    }
}

/// A Chinese mobile number's 11 digits (`1` and ten more), with or without `86` before them.
fn chinese_mobile(digits: &str, international: bool) -> Option<&str> {
    let national = match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest,
        _ if !international => digits,
        _ => return None,
    };
    (national.len() == 11 && national.starts_with('1')).then_some(national)
}

/// A phone as E.164: `+` and the digits, China's `+86` added to a national mobile number (the
/// platform gives phones as the customer typed them: `13812345678`, `+86 138 1234 5678`).
/// Anything else keeps its digits, with `+` when it had a country code.
pub fn e164(phone: &str) -> String {
    let (digits, international) = phone_digits(phone);
    match chinese_mobile(&digits, international) {
        Some(national) => format!("+86{national}"),
        None if international => format!("+{digits}"),
        None => digits,
    }
}

/// The forms a CRM's users may have typed a phone in: as given, digits only, E.164, and for a
/// Chinese mobile the national number grouped 3-4-4 with spaces or dashes and with `+86 `.
pub fn phone_forms(phone: &str) -> Vec<String> {
    let (digits, international) = phone_digits(phone);
    let mut forms = vec![phone.trim().to_string(), digits.clone(), e164(phone)];
    if let Some(n) = chinese_mobile(&digits, international) {
        let grouped = |sep: &str| format!("{}{sep}{}{sep}{}", &n[..3], &n[3..7], &n[7..]);
        forms.extend([
            n.to_string(),
            format!("86{n}"),
            format!("+86 {n}"),
            grouped(" "),
            grouped("-"),
            format!("+86 {}", grouped(" ")),
            format!("+86-{}", grouped("-")),
        ]);
    }
    // Only what a phone is written with: the form as given goes only when it is one.
    let phone_like = |f: &str| f.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
    let mut seen = std::collections::HashSet::new();
    forms.retain(|f| !f.is_empty() && phone_like(f) && seen.insert(f.clone()));
    forms
}

/// Fills the strings inside a JSON template; a string that is exactly `{name}` for a name without a
/// value becomes `null` (GraphQL's `after` on the first page).
pub fn fill_json(template: &Value, vars: &Vars) -> Value {
    match template {
        Value::String(s) => {
            let trimmed = s.trim();
            if let Some(name) = trimmed
                .strip_prefix('{')
                .and_then(|t| t.strip_suffix('}'))
                .filter(|n| is_name(n))
            {
                if !vars.contains_key(name) && KNOWN.contains(&name) {
                    return Value::Null;
                }
            }
            Value::String(fill(s, vars))
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_json(v, vars)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_json(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The value at a pointer ("" is the value itself); `None` when absent or null.
pub fn at<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    value.pointer(pointer).filter(|v| !v.is_null())
}

/// A value as text: strings as they are, numbers and booleans written out; arrays and objects are
/// not text.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a mapping: a pointer, or a template of `{/pointer}` pieces (absent when every piece is).
pub fn read(value: &Value, mapping: &str) -> Option<String> {
    if !mapping.contains("{/") {
        return at(value, mapping).and_then(text).filter(|s| !s.is_empty());
    }
    let mut out = String::new();
    let mut found = false;
    let mut rest = mapping;
    while let Some(open) = rest.find("{/") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        if let Some(piece) = at(value, &after[..close]).and_then(text) {
            found = true;
            out.push_str(&piece);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    found.then(|| out.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(pairs: &[(&'static str, &str)]) -> Vars {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn placeholders_are_filled_and_other_braces_kept() {
        let v = vars(&[("phone", "13812345678")]);
        assert_eq!(
            fill("query { customers(query: \"phone:{phone}\") { id } }", &v),
            "query { customers(query: \"phone:13812345678\") { id } }"
        );
        assert_eq!(fill("/orders?after={cursor}", &v), "/orders?after=");
    }

    #[test]
    fn soql_and_search_filters_keep_a_value_inside_its_quotes() {
        let v = vars(&[("phone", "1' OR Name != '")]);
        assert_eq!(
            fill("WHERE Phone = '{phone|soql}'", &v),
            "WHERE Phone = '1\\' OR Name != \\''"
        );
        assert_eq!(fill("phone:'{phone|search}'", &v), "phone:'1 OR Name != '");
    }

    #[test]
    fn phones_are_written_the_way_each_system_holds_them() {
        for typed in [
            "13812345678",
            "+86 138 1234 5678",
            "008613812345678",
            "86-138-1234-5678",
        ] {
            assert_eq!(e164(typed), "+8613812345678", "{typed}");
        }
        assert_eq!(e164("+1 (415) 555-0100"), "+14155550100");
        assert_eq!(
            e164("021-6234 5678"),
            "02162345678",
            "a landline keeps its digits"
        );
        let v = vars(&[("phone", "13812345678")]);
        assert_eq!(fill("phone:'{phone|e164}'", &v), "phone:'+8613812345678'");
        let forms = fill("Phone IN ({phone|soql_phones})", &v);
        for form in [
            "'13812345678'",
            "'+8613812345678'",
            "'+86 138 1234 5678'",
            "'138-1234-5678'",
        ] {
            assert!(forms.contains(form), "{form} in {forms}");
        }
        let hostile = vars(&[("phone", "138' OR Name != '")]);
        assert_eq!(
            fill("Phone IN ({phone|soql_phones})", &hostile),
            "Phone IN ('138')"
        );
    }

    #[test]
    fn a_json_template_fills_strings_and_nulls_a_missing_cursor() {
        let template =
            json!({"query": "q", "variables": {"q": "phone:{phone}", "after": "{cursor}"}});
        let first = fill_json(&template, &vars(&[("phone", "138")]));
        assert_eq!(first["variables"]["q"], "phone:138");
        assert_eq!(first["variables"]["after"], Value::Null);
        let second = fill_json(&template, &vars(&[("phone", "138"), ("cursor", "abc")]));
        assert_eq!(second["variables"]["after"], "abc");
    }

    #[test]
    fn mappings_read_pointers_and_templates_of_pointers() {
        let answer =
            json!({"spent": {"amount": 1197.5, "currency": "CNY"}, "tags": ["a"], "vip": true});
        assert_eq!(read(&answer, "/spent/amount").as_deref(), Some("1197.5"));
        assert_eq!(
            read(&answer, "{/spent/amount} {/spent/currency}").as_deref(),
            Some("1197.5 CNY")
        );
        assert_eq!(read(&answer, "/vip").as_deref(), Some("true"));
        assert_eq!(read(&answer, "/missing"), None);
        assert_eq!(read(&answer, "{/missing} {/gone}"), None);
        assert_eq!(read(&answer, "/tags"), None, "an array is not text");
    }
}
