//! Reading the systems' answers leniently: ids and codes arrive as numbers or strings depending on
//! the system and the client that documented it (fact sheet A.3), so every read here accepts both.

use serde_json::Value;

/// A field as text: a string as is, a number or boolean written out, anything else empty.
pub fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A field as an integer (a numeric string too).
pub fn int(value: &Value, key: &str) -> Option<i64> {
    match value.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The first of `keys` that holds an array (Sobot's lists come as `items`, some clients say `item`).
pub fn list<'a>(value: &'a Value, keys: &[&str]) -> &'a [Value] {
    keys.iter()
        .find_map(|key| value.get(*key).and_then(Value::as_array))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
