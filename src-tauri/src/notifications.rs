//! The bridge from the workbench's event bus to the window and the desktop: domain events
//! (`agentdesk://event`), moods (`agentdesk://mood`), the API health alert (`agentdesk://api-health`)
//! and resyncs (`agentdesk://resync`) go to the window; the bus's notices become desktop
//! notifications through notify-rust, worded from the catalogue in the agent's language. When to
//! notify is the workbench's decision (`Notice`); how to show it, and whether the window is in
//! front, is the shell's.

use std::sync::Arc;

use agentdesk_api::{DeskEvent, DeskEvents, Notice};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;
use crate::words::word;

pub async fn bridge(app: AppHandle, state: Arc<AppState>, mut events: DeskEvents) {
    while let Some(event) = events.recv().await {
        let sent = match &event {
            DeskEvent::Domain(event) => app.emit(crate::DOMAIN_EVENT, event),
            DeskEvent::Mood(mood) => app.emit(crate::MOOD_EVENT, mood),
            DeskEvent::Health(alert) => app.emit(crate::API_HEALTH_EVENT, alert),
            DeskEvent::Resync(resync) => {
                tracing::warn!(
                    skipped = resync.skipped,
                    "the window fell behind the event stream"
                );
                app.emit(crate::RESYNC_EVENT, resync)
            }
            DeskEvent::Indexing(progress) => app.emit(crate::INDEXING_EVENT, progress),
            DeskEvent::Assist(step) => app.emit(crate::ASSIST_EVENT, step),
            DeskEvent::Notice(notice) => {
                notify(&app, &state, notice);
                Ok(())
            }
        };
        if let Err(error) = sent {
            tracing::warn!(%error, "could not forward an event to the window");
        }
    }
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
        Notice::ApiHealth(alert) => {
            let percent = alert.failure_percent.to_string();
            if alert.raised {
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
            }
        }
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
