//! What the shell keeps between commands: the workbench once it has started, settings and whether
//! the window is in front.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_api::{
    AccountBook, ApiError, ErrorCode, Provisioning, Settings, SettingsFile, Workbench,
};
use agentdesk_secrets::Keychain;
use tokio::sync::watch;

pub struct AppState {
    workbench: watch::Sender<Option<Arc<Workbench>>>,
    startup_error: Mutex<Option<ApiError>>,
    /// Why the chosen account did not start (demo mode ran instead), for the window to show.
    pub startup_warning: Mutex<Option<ApiError>>,
    pub settings_file: SettingsFile,
    pub settings: Mutex<Settings>,
    focused: AtomicBool,
    /// Platform accounts: `accounts.json` in the config directory, secrets in the OS keychain.
    pub accounts: AccountBook,
}

impl AppState {
    pub fn new(config_dir: &Path) -> AppState {
        let settings_file = SettingsFile::new(config_dir);
        let settings = settings_file.load();
        AppState {
            workbench: watch::channel(None).0,
            startup_error: Mutex::new(None),
            startup_warning: Mutex::new(None),
            settings_file,
            settings: Mutex::new(settings),
            focused: AtomicBool::new(true),
            accounts: AccountBook::new(config_dir, Keychain::os()),
        }
    }

    /// Applies IT's provisioning file (`AGENTDESK_PROVISIONING`, beside the program, or the
    /// system-wide one) before anything reads the settings, and returns whether it allows in-app
    /// updates. A broken file is logged, changes nothing and leaves updates on.
    pub fn apply_provisioning(&self) -> bool {
        let Some(path) = Provisioning::locate_for_this_program() else {
            return true;
        };
        let provisioning = match Provisioning::load(&path) {
            Ok(provisioning) => provisioning,
            Err(error) => {
                tracing::error!(%error, "the provisioning file was not applied");
                return true;
            }
        };
        match tauri::async_runtime::block_on(
            provisioning.apply(&self.accounts, &self.settings_file),
        ) {
            Ok(report) => {
                tracing::info!(path = %path.display(), ?report, "provisioning applied");
                *self.settings.lock().unwrap_or_else(|p| p.into_inner()) =
                    self.settings_file.load();
            }
            Err(error) => tracing::error!(%error, "the provisioning file could not be applied"),
        }
        provisioning.updates.is_none_or(|policy| policy.enabled)
    }

    pub fn set_workbench(&self, workbench: Arc<Workbench>) {
        self.workbench.send_replace(Some(workbench));
    }

    pub fn set_startup_error(&self, error: ApiError) {
        *self.startup_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(error);
    }

    /// The workbench, waiting for it to finish starting (commands sent during start-up simply
    /// resolve a little later instead of failing).
    pub async fn workbench(&self) -> Result<Arc<Workbench>, ApiError> {
        let mut ready = self.workbench.subscribe();
        let found = tokio::time::timeout(Duration::from_secs(30), async {
            ready
                .wait_for(|w| w.is_some())
                .await
                .ok()
                .and_then(|w| w.clone())
        })
        .await;
        match found {
            Ok(Some(workbench)) => Ok(workbench),
            _ => Err(self
                .startup_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or_else(not_ready)),
        }
    }

    /// The workbench if it has started (for settings that apply to it at once).
    pub fn started_workbench(&self) -> Option<Arc<Workbench>> {
        self.workbench.borrow().clone()
    }

    pub fn set_focused(&self, focused: bool) {
        self.focused.store(focused, Ordering::Relaxed);
    }

    pub fn is_focused(&self) -> bool {
        self.focused.load(Ordering::Relaxed)
    }

    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn not_ready() -> ApiError {
    ApiError::because(
        ErrorCode::NotReady,
        agentdesk_api::ErrorReason::StillStarting,
        "AgentDesk is still starting; try again in a moment.",
    )
}
