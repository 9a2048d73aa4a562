//! The bridge from the workbench's event bus to the window and the desktop: every event goes to the
//! window on one channel (`agentdesk://desk`, the tagged `DeskEvent`, whose subscription table in
//! `ui/src/backend/events.ts` is generated from the same type); notices and the API health alert
//! also become desktop notifications through notify-rust, worded from the catalogue in the agent's
//! language. When to notify is the workbench's decision (`Notice`); how to show it, and whether the
//! window is in front, is the shell's.

use std::sync::Arc;

use agentdesk_api::{ApiHealthAlert, DeskEvent, Notice, Subscription};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;
use crate::words::word;

/// The one channel the window hears the workbench on.
pub const DESK_EVENT: &str = "agentdesk://desk";

pub async fn bridge(app: AppHandle, state: Arc<AppState>, mut events: Subscription) {
    while let Some(event) = events.recv().await {
        match &event {
            DeskEvent::Notice { notice, .. } => {
                notify(&app, &state, notice);
                continue;
            }
            DeskEvent::ApiHealth { alert } => notify_health(&app, &state, alert),
            DeskEvent::Resync { skipped, .. } => {
                tracing::warn!(
                    skipped,
                    "events were lost on the way: the window reads again"
                );
            }
            _ => {}
        }
        if let Err(error) = app.emit(DESK_EVENT, &event) {
            tracing::warn!(%error, "could not forward an event to the window");
        }
    }
}

/// Shows the API health alert (raised or cleared) as a desktop notification.
fn notify_health(app: &AppHandle, state: &AppState, alert: &ApiHealthAlert) {
    let zh = prefers_chinese(app);
    let percent = alert.failure_percent.to_string();
    let (title, body) = if alert.raised {
        let endpoint = alert.worst_endpoint.clone().unwrap_or_default();
        (
            word(zh, "desktop.healthRaisedTitle", &[]),
            word(
                zh,
                "desktop.healthRaisedBody",
                &[
                    ("percent", &percent),
                    ("failures", &alert.failures.to_string()),
                    ("calls", &alert.calls.to_string()),
                    ("endpoint", &endpoint),
                ],
            ),
        )
    } else {
        (
            word(zh, "desktop.healthClearedTitle", &[]),
            word(zh, "desktop.healthClearedBody", &[("percent", &percent)]),
        )
    };
    show(title, body, state.settings().notification_sound);
}

/// Shows a notice as a desktop notification in the agent's language. A new message is shown only
/// while the agent is not looking at the window.
fn notify(app: &AppHandle, state: &AppState, notice: &Notice) {
    let zh = prefers_chinese(app);
    let (title, body) = match notice {
        Notice::NewSession { customer, .. } => (
            word(zh, "desktop.newSessionTitle", &[]),
            word(zh, "desktop.newSessionBody", &[("customer", customer)]),
        ),
        Notice::NewMessage {
            customer, preview, ..
        } => {
            if state.is_focused() {
                return;
            }
            (
                word(zh, "desktop.newMessageTitle", &[("customer", customer)]),
                preview.clone(),
            )
        }
        Notice::UpsetCustomer {
            customer,
            percent,
            cues,
            ..
        } => {
            let percent = percent.to_string();
            let cues = cues.join(" · ");
            let body = if cues.is_empty() {
                word(zh, "desktop.upsetBody", &[("percent", &percent)])
            } else {
                word(
                    zh,
                    "desktop.upsetBodyWithCues",
                    &[("percent", &percent), ("cues", &cues)],
                )
            };
            (
                word(zh, "desktop.upsetTitle", &[("customer", customer)]),
                body,
            )
        }
        Notice::PaymentReceived {
            customer,
            amount,
            subject,
            ..
        } => (
            word(zh, "desktop.paidTitle", &[("customer", customer)]),
            word(
                zh,
                "desktop.paidBody",
                &[("amount", amount), ("subject", subject)],
            ),
        ),
    };
    show(title, body, state.settings().notification_sound);
}

/// The message sound by each OS's own name for it: the freedesktop sound theme's on Linux, a system
/// sound on macOS, the instant-message toast sound on Windows.
const MESSAGE_SOUND: &str = if cfg!(target_os = "macos") {
    "Glass"
} else if cfg!(windows) {
    "IM"
} else {
    "message-new-instant"
};

/// Whether the installer registered AgentDesk's toast identity for this user
/// (packaging/windows/agentdesk.nsi, `TOAST_KEY`).
#[cfg(windows)]
fn toast_identity_registered() -> bool {
    windows_registry::CURRENT_USER
        .open(format!(
            r"Software\Classes\AppUserModelId\{}",
            agentdesk_api::APP_IDENTIFIER
        ))
        .is_ok()
}

/// macOS attributes a notification to the app whose bundle identifier it names; without this it
/// would show as coming from another app (or not at all). Called once, before the first one.
pub fn identify_app() {
    #[cfg(target_os = "macos")]
    if let Err(error) = notify_rust::set_application(agentdesk_api::APP_IDENTIFIER) {
        tracing::warn!(%error, "notifications could not be attributed to AgentDesk");
    }
}

fn show(title: String, body: String, sound: bool) {
    // notify-rust talks D-Bus synchronously: keep it off the async runtime.
    tauri::async_runtime::spawn_blocking(move || {
        let mut notification = notify_rust::Notification::new();
        notification
            .appname("AgentDesk")
            .summary(&title)
            .body(&body);
        if sound {
            notification.sound_name(MESSAGE_SOUND);
        }
        // Windows shows a desktop app's toast under the AppUserModelID its installer registered
        // (AgentDesk's name and icon); a copy run from elsewhere keeps notify-rust's default.
        #[cfg(windows)]
        if toast_identity_registered() {
            notification.app_id(agentdesk_api::APP_IDENTIFIER);
        }
        if let Err(error) = notification.show() {
            tracing::warn!(%error, "desktop notification failed (is a notification daemon running?)");
        }
    });
}

/// Notifications and the tray follow the language chosen in Settings, else the OS's.
pub fn prefers_chinese(app: &AppHandle) -> bool {
    let chosen = app
        .try_state::<Arc<AppState>>()
        .map(|state| state.settings().language)
        .unwrap_or_default();
    if !chosen.is_empty() {
        return chosen.starts_with("zh");
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|key| std::env::var(key).ok())
        .find(|value| !value.is_empty())
        .is_some_and(|value| value.starts_with("zh"))
}
