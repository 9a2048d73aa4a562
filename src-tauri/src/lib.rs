//! The Tauri shell: windows, tray, notifications, plugins and the IPC surface. It holds no use-case
//! logic: commands are one-line calls into `agentdesk_api::Workbench`'s services, and the workbench's
//! events are bridged once to the window (`agentdesk://desk`) and the desktop's notifications.

mod allocator;
mod bindings;
mod commands;
mod launch;
pub mod multicall;
mod notifications;
// The compositing choice applies to WebKitGTK only; elsewhere `configure` does nothing.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod rendering;
mod state;
mod tray;
mod updates;
mod words;

use std::sync::Arc;

use tauri::{Emitter, Manager};

use state::AppState;

pub use bindings::{typescript_bindings, typescript_events};

/// Emitted once the workspace is up (or with an `ApiError` if it could not start).
pub const STARTUP_EVENT: &str = "agentdesk://startup";

/// Keeps the audit log to the retention chosen in Settings: at start, then every six hours (the
/// app runs all day), with whatever retention is set by then.
async fn prune_audit_log_daily(state: Arc<AppState>, workbench: Arc<agentdesk_api::Workbench>) {
    loop {
        let days = state.settings().audit_retention_days;
        match workbench.prune_audit_log(days).await {
            Ok(true) => tracing::info!(days, "audit log pruned"),
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "the audit log could not be pruned"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(6 * 3600)).await;
    }
}

/// When the process started its window's work, for the start-up timeline in the debug log.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// One step of the start-up timeline (`AGENTDESK_LOG=debug`), in ms since `run` began: what a
/// slow start spent its time on.
fn startup_step(step: &str) {
    let ms = STARTED
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64;
    tracing::debug!(step, ms, "start-up");
}

pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    allocator::limit_arenas();
    allocator::return_freed_memory();
    rendering::configure();
    agentdesk_http::diagnostics::log_to_stderr();
    notifications::identify_app();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = launch::LaunchOptions::from_args(args.clone().into_iter());
    startup_step("building the window");
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second launch brings the running window forward instead of starting another engine.
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_updater::Builder::new().build())
        // Every `#[tauri::command]` of commands.rs, listed by build.rs.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/handlers.rs")))
        .setup(move |app| {
            startup_step("window created");
            let done = set_up(app, &options, &args);
            startup_step("set up");
            done
        })
        .on_page_load(|_, payload| match payload.event() {
            tauri::webview::PageLoadEvent::Started => startup_step("page load started"),
            tauri::webview::PageLoadEvent::Finished => startup_step("page loaded"),
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Focused(focused) = event {
                if let Some(state) = window.try_state::<Arc<AppState>>() {
                    state.set_focused(*focused);
                }
            }
        })
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(|app, event| {
                // A verified update waiting for a restart installs when AgentDesk quits.
                if let tauri::RunEvent::Exit = event {
                    if let Some(updater) = app.try_state::<Arc<updates::Updates>>() {
                        if let Err(error) = updater.install_ready() {
                            tracing::error!(%error, "the update could not be installed at exit");
                        }
                    }
                }
            })
        });
    if let Err(error) = result {
        eprintln!("AgentDesk could not start its window: {error}. On Linux, check that WebKitGTK 4.1 is installed (bash scripts/setup.sh).");
        std::process::exit(1);
    }
}

/// What happens once the window exists: the app's state and updater, the tray, and the workbench
/// started in the background (the window shows at once and hears `STARTUP_EVENT` when it is up).
fn set_up(
    app: &mut tauri::App,
    options: &launch::LaunchOptions,
    args: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    let config_dir = app.path().app_config_dir()?;
    let data_dir = options
        .data_dir
        .clone()
        .unwrap_or(app.path().app_data_dir()?);
    // The sentence encoder's model ships as a resource (loaded later, off the first render).
    agentdesk_api::set_model_folders(app.path().resource_dir().into_iter().collect());
    let state = Arc::new(AppState::new(&config_dir));
    let updates_enabled_by_it = state.apply_provisioning();
    app.manage(state.clone());
    let feed = updates::feed_from_config(app.handle(), args);
    let updater = Arc::new(updates::Updates::new(updates::initial_status(
        &feed,
        updates_enabled_by_it,
    )));
    app.manage(updater.clone());
    if options.empty_window {
        if let (Some(window), Ok(blank)) = (app.get_webview_window("main"), "about:blank".parse()) {
            window.navigate(blank)?;
        }
        return Ok(());
    }
    tray::create(app.handle())?;
    startup_step("tray created");
    // Tests point a debug build at a feed on loopback and want the answer at once.
    let first_check_after = args
        .iter()
        .any(|a| a == "--update-feed")
        .then_some(std::time::Duration::from_secs(1));
    tauri::async_runtime::spawn(updates::check_periodically(
        app.handle().clone(),
        updater,
        feed,
        first_check_after,
    ));
    tauri::async_runtime::spawn(start_workbench(
        app.handle().clone(),
        state,
        options.clone(),
        data_dir,
    ));
    Ok(())
}

/// Starts the workbench (demo or the active account), tells the window how that went, and then
/// bridges its events to the window and the desktop for as long as it runs.
async fn start_workbench(
    handle: tauri::AppHandle,
    state: Arc<AppState>,
    options: launch::LaunchOptions,
    data_dir: std::path::PathBuf,
) {
    startup_step("workbench starting");
    let active_account = state.settings().active_account;
    match launch::start_workbench(&options, data_dir, &state.accounts, &active_account).await {
        Ok((workbench, warning)) => {
            startup_step("workbench started");
            if let Some(secs) = options.api_health_window_secs {
                workbench.health().set_window_ms(secs as i64 * 1000);
            }
            let workbench = Arc::new(workbench);
            workbench.set_notice_policy(agentdesk_api::NoticePolicy::from(&state.settings()));
            let events = workbench.subscribe();
            *state
                .startup_warning
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = warning.clone();
            state.set_workbench(workbench.clone());
            let _ = handle.emit(
                STARTUP_EVENT,
                serde_json::json!({"ok": true, "warning": warning}),
            );
            tauri::async_runtime::spawn(prune_audit_log_daily(state.clone(), workbench));
            notifications::bridge(handle, state, events).await;
        }
        Err(error) => {
            tracing::error!(%error, "the workspace could not start");
            state.set_startup_error(error.clone());
            let _ = handle.emit(
                STARTUP_EVENT,
                serde_json::json!({"ok": false, "error": error}),
            );
        }
    }
}
