//! The bridge from the engine's domain events to the UI (`agentdesk://event`), and desktop
//! notifications through notify-rust: a new session assigned, and a new message while the window is
//! not focused, with the customer's name and a preview whose personal data is masked; each customer
//! message's effect on its session's mood (`agentdesk://mood`), with a notification when a customer
//! crosses the warning threshold; and the API health alert, raised and cleared
//! (`agentdesk://api-health`), with a notification each time.

use std::sync::Arc;

use agentdesk_api::{
    ApiHealthAlert, MoodChange, MoodWatch, ResyncEvent, Workbench, WorkbenchEvent,
};
use agentdesk_domain::{mask_pii, Direction, DomainEvent};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::state::AppState;

const PREVIEW_CHARS: usize = 60;

pub async fn bridge(
    app: AppHandle,
    state: Arc<AppState>,
    workbench: Arc<Workbench>,
    mut events: broadcast::Receiver<WorkbenchEvent>,
) {
    let mut moods = MoodWatch::new();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(RecvError::Lagged(skipped)) => {
                // The window re-reads what it shows on this signal instead of missing events silently.
                tracing::warn!(skipped, "the UI fell behind the event stream");
                let resync = ResyncEvent {
                    workspace: workbench.workspace_generation(),
                    skipped,
                };
                if let Err(error) = app.emit(crate::RESYNC_EVENT, &resync) {
                    tracing::warn!(%error, "could not tell the window to read its lists again");
                }
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        // A previous tenant's events still in flight after a switch go nowhere.
        if event.workspace != workbench.workspace_generation() {
            continue;
        }
        if let Err(error) = app.emit(crate::DOMAIN_EVENT, &event) {
            tracing::warn!(%error, "could not forward an event to the window");
        }
        notify_if_wanted(&app, &state, &event.event);
        let settings = state.settings();
        match moods.observe(
            &workbench,
            event.workspace,
            &event.event,
            settings.mood_threshold(),
        ) {
            Ok(Some(change)) => {
                if let Err(error) = app.emit(crate::MOOD_EVENT, &change.event) {
                    tracing::warn!(%error, "could not forward a session's mood to the window");
                }
                if change.crossed && settings.notify_upset_customer {
                    notify_upset_customer(&app, &state, &change);
                }
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not judge a session's mood"),
        }
    }
}

/// Forwards each API health alert to the window and as a desktop notification, until the workbench
/// is gone.
pub async fn health_alerts(
    app: AppHandle,
    state: Arc<AppState>,
    mut alerts: broadcast::Receiver<ApiHealthAlert>,
) {
    loop {
        let alert = match alerts.recv().await {
            Ok(alert) => alert,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        if let Err(error) = app.emit(crate::API_HEALTH_EVENT, &alert) {
            tracing::warn!(%error, "could not forward the API health alert to the window");
        }
        let endpoint = alert.worst_endpoint.clone().unwrap_or_default();
        let (title, body) = match (prefers_chinese(&app), alert.raised) {
            (true, true) => (
                "接口故障告警".to_string(),
                format!(
                    "近 5 分钟 {}% 的调用失败（{}/{}），最多的是 {endpoint}",
                    alert.failure_percent, alert.failures, alert.calls
                ),
            ),
            (true, false) => (
                "接口已恢复".to_string(),
                format!("近 5 分钟失败率 {}%", alert.failure_percent),
            ),
            (false, true) => (
                "Platform calls are failing".to_string(),
                format!(
                    "{}% of calls failed in the last 5 minutes ({}/{}), most of them {endpoint}",
                    alert.failure_percent, alert.failures, alert.calls
                ),
            ),
            (false, false) => (
                "Platform calls recovered".to_string(),
                format!("{}% failed in the last 5 minutes", alert.failure_percent),
            ),
        };
        show(title, body, state.settings().notification_sound);
    }
}

/// A customer has just crossed the warning threshold: who, how upset, and the words that did it.
fn notify_upset_customer(app: &AppHandle, state: &AppState, change: &MoodChange) {
    let mood = &change.event.mood;
    let name = visitor_name(state, &mood.session_id).unwrap_or_default();
    let percent = (mood.risk * 100.0).round();
    // Cues are masked already (a cue can be a number the customer typed).
    let cues = mood.cues.join(" · ");
    let (title, body) = if prefers_chinese(app) {
        (
            format!("{name} 情绪激动"),
            if cues.is_empty() {
                format!("投诉风险 {percent}%")
            } else {
                format!("投诉风险 {percent}%：{cues}")
            },
        )
    } else {
        (
            format!("{name} is getting upset"),
            if cues.is_empty() {
                format!("Complaint risk {percent}%")
            } else {
                format!("Complaint risk {percent}%: {cues}")
            },
        )
    };
    show(title, body, state.settings().notification_sound);
}

fn notify_if_wanted(app: &AppHandle, state: &AppState, event: &DomainEvent) {
    let settings = state.settings();
    let zh = prefers_chinese(app);
    match event {
        DomainEvent::SessionOpened { session } => {
            state
                .visitor_names
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(session.id.clone(), session.visitor_name.clone());
            if settings.notify_new_session {
                let title = if zh {
                    "新会话接入"
                } else {
                    "New customer"
                };
                let body = if zh {
                    format!("{} 正在等待您的回复", session.visitor_name)
                } else {
                    format!("{} is waiting for your reply", session.visitor_name)
                };
                show(title.to_string(), body, settings.notification_sound);
            }
        }
        DomainEvent::MessageStored { message }
            if message.direction == Direction::In
                && settings.notify_new_message
                && !state.is_focused() =>
        {
            let name = visitor_name(state, &message.session_id)
                .unwrap_or_else(|| message.sender_name.clone());
            let preview: String = mask_pii(&message.content)
                .chars()
                .take(PREVIEW_CHARS)
                .collect();
            let title = if zh {
                format!("{name} 发来新消息")
            } else {
                format!("New message from {name}")
            };
            show(title, preview, settings.notification_sound);
        }
        _ => {}
    }
}

/// The customer's name of a session announced since start.
fn visitor_name(state: &AppState, session_id: &str) -> Option<String> {
    state
        .visitor_names
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(session_id)
        .cloned()
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
