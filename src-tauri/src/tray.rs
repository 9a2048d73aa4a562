//! The tray icon: the unread count in its tooltip (and title where the platform shows one), and a
//! menu to bring the window back or quit.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

use crate::words::word;

const TRAY_ID: &str = "main";

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let zh = crate::notifications::prefers_chinese(app);
    let show = MenuItem::with_id(
        app,
        "show",
        word(zh, "desktop.trayShow", &[]),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(
        app,
        "quit",
        word(zh, "desktop.trayQuit", &[]),
        true,
        None::<&str>,
    )?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("AgentDesk")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.show();
                    let _ = window.set_focus();
                }
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

pub fn show_unread(app: &AppHandle, count: u32) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let zh = crate::notifications::prefers_chinese(app);
    let tooltip = match count {
        0 => "AgentDesk".to_string(),
        n => word(zh, "desktop.trayUnread", &[("count", &n.to_string())]),
    };
    let _ = tray.set_tooltip(Some(&tooltip));
    let _ = tray.set_title((count > 0).then(|| count.to_string()).as_deref());
}
