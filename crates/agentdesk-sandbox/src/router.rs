//! The sandbox's routes (each platform path to its handler module) and the fault middleware. The
//! handlers share the request parsing and envelopes of `wire`; nothing imports this module back.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rand::Rng;

use crate::{
    agent_api, asr, control, forms, llm, logistics, open_api, payments, qiyu_crm, shop, statistics,
    tenant_api, ticket_faces, tickets, SandboxState,
};

/// Bodies above this are refused with 413 before parsing (1 MB messages must still fit).
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Every endpoint the sandbox answers. (One line per route: the table is as long as the platforms
/// it imitates, and split up it would no longer show them all in one place.)
pub fn router(state: Arc<SandboxState>) -> Router {
    let platform = Router::new()
        .route("/api/get_token", get(open_api::get_token))
        .route("/api/chat/5/user/{op}", post(open_api::visitor_op))
        .route("/api/5/user/{op}", post(open_api::visitor_op))
        .route("/api/robot/5/{op}", post(open_api::robot_op))
        .route("/api/wb/5/data/{op}", post(statistics::data_op))
        .route("/api/crm/5/user/{op}", get(open_api::customer_center))
        .route("/chat-admin-sdk/new/sdk/v1/{op}", post(agent_api::agent_op))
        .route("/poll/query.do", post(logistics::kuaidi100_query))
        .route("/qiyu-crm/get_token", get(qiyu_crm::get_token))
        .route("/qiyu-crm/get_user_info", post(qiyu_crm::get_user_info))
        .route("/qiyu-crm/get_order", post(qiyu_crm::get_order))
        .route("/std/service", post(logistics::sf_service))
        .route("/oms/v1/oauth/token", post(shop::oms_token))
        .route("/oms/v1/customers", get(shop::oms).post(shop::oms))
        .route("/oms/v1/orders", get(shop::oms).post(shop::oms))
        .route(
            "/oms/v1/service-notes/{id}",
            axum::routing::put(shop::oms_service_note),
        )
        .route("/oms/v1/payments", post(crate::payments::oms_payments))
        .route("/oms/v1/payments/{no}", get(crate::payments::oms_payments))
        .route(
            "/oms/v1/payments/{no}/close",
            post(crate::payments::oms_payments),
        )
        .route(
            "/shopify/admin/api/{version}/graphql.json",
            post(shop::shopify_graphql),
        )
        .route(
            "/salesforce/services/oauth2/token",
            post(shop::salesforce_token),
        )
        .route(
            "/salesforce/services/data/{version}/query",
            get(shop::salesforce_query),
        )
        .route(
            "/salesforce/services/data/{version}/query/{locator}",
            get(shop::salesforce_query),
        )
        .route(
            "/tenantpro/open/getTenantList",
            post(tenant_api::get_tenant_list),
        )
        .route(
            "/tenantpro/open/addTenant.json",
            post(tenant_api::add_tenant),
        )
        .route(
            "/tenantpro/open/updateTenant.json",
            post(tenant_api::update_tenant),
        )
        .route(
            "/tenantpro/open/addServiceInfoConfim.json",
            post(tenant_api::add_agent),
        )
        .route(
            "/tenantpro/open/updateServiceInfoConfim.json",
            post(tenant_api::update_agent),
        )
        .route(
            "/tenantpro/open/deleteServiceInfoConfim",
            post(tenant_api::delete_agent),
        )
        .route(
            "/tenantpro/tenantReport/tenantExportData",
            post(tenant_api::tenant_export_data),
        )
        .route(
            "/tenantpro/getBatchAppKey",
            post(tenant_api::get_batch_app_key),
        )
        .route(
            "/tenantpro/coutomer/getStaffLogInfos",
            get(tenant_api::get_staff_log_infos),
        )
        .route(
            "/chat-third/tenant/5/user/chatIndexPage",
            post(tenant_api::chat_index_page),
        )
        .route(
            "/tenantpro/tenantReport/tenantStaffJobList",
            post(tenant_api::tenant_staff_job_list),
        )
        .merge(ticket_routes())
        .merge(payment_routes())
        .layer(middleware::from_fn_with_state(state.clone(), inject_faults));
    // The model provider has faults of its own (`Faults::llm`), applied by its handler.
    let model_provider = Router::new()
        .route("/v1/models", get(llm::models))
        .route("/v1/chat/completions", post(llm::chat_completions));
    Router::new()
        .merge(platform)
        .merge(model_provider)
        .nest("/__sandbox", control::router())
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Alipay's gateway and WeChat Pay API v3.
fn payment_routes() -> Router<Arc<SandboxState>> {
    Router::new()
        .route(
            "/alipay/gateway.do",
            get(payments::alipay_gateway).post(payments::alipay_gateway),
        )
        .route("/alipay/qr/{code}", get(payments::alipay_qr))
        .route("/nls-meta/", get(asr::create_token))
        .route("/jinshuju/api/v1/forms/{token}", get(forms::form))
        .route(
            "/jinshuju/api/v1/forms/{token}/entries",
            get(forms::entries),
        )
        .route("/nls-gateway/stream/v1/asr", post(asr::recognise))
        .route(
            "/wechatpay/v3/pay/transactions/native",
            post(payments::wechat_native),
        )
        .route(
            "/wechatpay/v3/pay/transactions/out-trade-no/{out_trade_no}",
            get(payments::wechat_query),
        )
        .route(
            "/wechatpay/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            post(payments::wechat_close),
        )
}

/// The ticket systems: Sobot's 工单 API, and the Jira, Zendesk and Qiyu faces.
fn ticket_routes() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/api/ws/5/ticket/upload_file", post(tickets::sobot_upload))
        .route(
            "/api/ws/5/ticket/{op}",
            get(tickets::sobot_op).post(tickets::sobot_op),
        )
        .route("/jira/rest/api/3/issue", post(ticket_faces::jira_create))
        .route("/jira/rest/api/3/issue/{key}", get(ticket_faces::jira_get))
        .route(
            "/jira/rest/api/3/issue/{key}/attachments",
            post(ticket_faces::jira_attach),
        )
        .route(
            "/jira/rest/api/3/issue/{key}/comment",
            post(ticket_faces::jira_comment),
        )
        .route(
            "/jira/rest/api/3/search/jql",
            post(ticket_faces::jira_search),
        )
        .route(
            "/zendesk/api/v2/uploads",
            post(ticket_faces::zendesk_upload),
        )
        .route(
            "/zendesk/api/v2/tickets",
            get(ticket_faces::zendesk_list).post(ticket_faces::zendesk_create),
        )
        .route(
            "/zendesk/api/v2/search.json",
            get(ticket_faces::zendesk_search),
        )
        .route(
            "/zendesk/api/v2/tickets/{id}",
            get(ticket_faces::zendesk_show).put(ticket_faces::zendesk_update),
        )
        .route(
            "/zendesk/api/v2/tickets/{id}/comments",
            get(ticket_faces::zendesk_comments),
        )
        .route("/qiyu/openapi/v2/ticket/{*op}", post(ticket_faces::qiyu_op))
}

/// Latency and HTTP errors on platform calls. Half of the injected errors happen *after* the
/// handler ran (the platform did the work, the answer was lost), which is the case that tests a
/// client's idempotency for real.
async fn inject_faults(
    State(state): State<Arc<SandboxState>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let (latency, error, garbage) = {
        let mut world = state.world();
        let (latency_ms, error_rate, error_status) = world.faults.for_path(&path);
        let garbage = world.faults.garbage_for(&path);
        let error = if error_rate > 0.0 && world.rng.gen_bool(error_rate.min(1.0)) {
            world.counters.injected_errors += 1;
            let status = error_status.unwrap_or(if world.rng.gen_bool(0.2) { 429 } else { 503 });
            let before = match world.faults.errors_after_handler {
                Some(after) => !after,
                None => world.rng.gen_bool(0.5),
            };
            Some((status, before))
        } else {
            None
        };
        (latency_ms, error, garbage)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if garbage {
        return (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1>\u{0}{\"status\":</body></html>",
        )
            .into_response();
    }
    match error {
        Some((status, before)) => {
            if !before {
                let _ = next.run(request).await;
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            (status, "injected fault").into_response()
        }
        None => next.run(request).await,
    }
}
