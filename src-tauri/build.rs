//! Generates the Tauri context and one permission per app command (`allow-<command>`), so the
//! capability file can grant exactly the app's own commands and nothing else.

const COMMANDS: &[&str] = &[
    "snapshot",
    "tenants",
    "switch_tenant",
    "messages",
    "send_text",
    "send_image",
    "fetch_image",
    "invite_rating",
    "transfer_targets",
    "transfer",
    "submit_summary",
    "retry_send",
    "end_session",
    "set_agent_status",
    "get_settings",
    "save_settings",
    "set_unread_total",
    "accounts",
    "save_account",
    "remove_account",
    "knowledge_suggestions",
    "learn_from_answer",
    "session_mood",
    "connectors",
    "set_connector_key",
    "test_account",
    "merchants",
    "add_merchant",
    "update_merchant",
    "merchant_agents",
    "add_agent",
    "update_agent",
    "delete_agent",
    "status_log",
    "startup_warning",
    "customer_view",
    "reveal_customer_field",
    "customer_note",
    "save_customer_note",
    "dashboard",
    "export_dashboard",
    "api_health",
    "update_status",
    "restart_to_update",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        // build.rs has no better channel than a panic; the message says what failed.
        panic!("tauri-build failed: {error:#}");
    }
}
