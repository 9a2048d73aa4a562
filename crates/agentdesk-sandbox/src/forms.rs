//! Jinshuju (金数据) API v1 on loopback (business-actions.md §4): HTTP Basic with the sandbox's API
//! key and secret, a form's structure (`fields` as single-key objects), its entries 50 a page
//! oldest first with `next` the following serial number, and the errors' statuses (401, 404 for a
//! form that is gone). Submissions come from `POST /__sandbox/forms/{token}/entries`, as a
//! customer filling the tagged link would make them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::{lock, world::now_ms, SandboxState};

pub const API_KEY: &str = "sandbox-jinshuju-key";
pub const API_SECRET: &str = "sandbox-jinshuju-secret";
/// The seeded after-sales form.
pub const FORM_TOKEN: &str = "sbxAfterSales";
const PAGE: usize = 50;

pub(crate) struct FormBook {
    /// Forms by token: their fields and entries (serial number → entry).
    forms: BTreeMap<String, (Value, BTreeMap<i64, Value>)>,
}

impl Default for FormBook {
    fn default() -> FormBook {
        let fields = json!([
            {"field_1": {"label": "问题类型", "type": "single_choice", "choices": [{"name": "退货"}, {"name": "换货"}, {"name": "维修"}]}},
            {"field_2": {"label": "手机", "type": "mobile"}},
            {"field_3": {"label": "详细描述", "type": "paragraph_text"}},
            {"field_4": {"label": "收货地址", "type": "address"}},
        ]);
        let mut forms = BTreeMap::new();
        forms.insert(
            FORM_TOKEN.to_string(),
            (
                json!({"name": "售后申请", "description": "退换货与维修", "fields": fields}),
                BTreeMap::new(),
            ),
        );
        FormBook { forms }
    }
}

fn authorised(headers: &HeaderMap) -> bool {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{API_KEY}:{API_SECRET}"));
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Basic {expected}"))
}

fn refusal(status: StatusCode, description: &str) -> Response {
    (status, Json(json!({"error_description": description}))).into_response()
}

/// `GET /jinshuju/api/v1/forms/{token}`.
pub(crate) async fn form(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if !authorised(&headers) {
        return refusal(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    match lock(&state.forms).forms.get(&token) {
        Some((form, _)) => Json(form.clone()).into_response(),
        None => refusal(StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// `GET /jinshuju/api/v1/forms/{token}/entries[?next=N]`.
pub(crate) async fn entries(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if !authorised(&headers) {
        return refusal(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let book = lock(&state.forms);
    let Some((_, entries)) = book.forms.get(&token) else {
        return refusal(StatusCode::NOT_FOUND, "Not Found");
    };
    let from: i64 = query.get("next").and_then(|n| n.parse().ok()).unwrap_or(0);
    let page: Vec<&Value> = entries.range(from..).map(|(_, e)| e).take(PAGE).collect();
    let next = entries.range(from..).nth(PAGE).map(|(serial, _)| *serial);
    Json(json!({"total": entries.len(), "count": page.len(), "data": page, "next": next}))
        .into_response()
}

/// `POST /__sandbox/forms/{token}/entries {"field_N": …, "x_field_1"?}` → the entry.
pub(crate) async fn submit(
    State(state): State<Arc<SandboxState>>,
    Path(token): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let mut book = lock(&state.forms);
    let Some((_, entries)) = book.forms.get_mut(&token) else {
        return refusal(StatusCode::NOT_FOUND, "no such form");
    };
    let serial = entries.keys().next_back().copied().unwrap_or(0) + 1;
    let created = chrono::DateTime::from_timestamp_millis(now_ms())
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let mut entry = json!({"serial_number": serial, "token": format!("e{serial:06}"),
        "created_at": created, "updated_at": created, "creator_name": null,
        "info_platform": "Mobile", "info_remote_ip": "127.0.0.1"});
    if let Value::Object(fields) = body {
        for (key, value) in fields {
            if key.starts_with("field_") || key == "x_field_1" {
                entry[key] = value;
            }
        }
    }
    entries.insert(serial, entry.clone());
    Json(entry).into_response()
}

/// `DELETE /__sandbox/forms/{token}`: the merchant deleted the form.
pub(crate) async fn remove(
    State(state): State<Arc<SandboxState>>,
    Path(token): Path<String>,
) -> Response {
    let removed = lock(&state.forms).forms.remove(&token).is_some();
    Json(json!({"removed": removed})).into_response()
}
