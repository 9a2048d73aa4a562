//! In-app updates through Tauri's updater plugin: a minisign-signed feed, checked a minute after
//! start and every four hours (the app runs all day); a newer version is downloaded, its signature
//! verified against the public key built into this app, and announced to the window ("an update is
//! ready"); it installs when the agent restarts AgentDesk (the button, or the next quit). An update
//! whose signature does not verify is thrown away and the window says so.
//!
//! The feed and the key are build settings: `plugins.updater.endpoints` and `.pubkey` in
//! tauri.conf.json, or `TAURI_CONFIG` when building a release. A build without them never checks;
//! neither does an install whose provisioning file says `[updates] enabled = false`. Debug builds
//! also take `--update-feed URL --update-pubkey KEY` so tests can point one at a feed on loopback.

use std::sync::Mutex;
use std::time::Duration;

use agentdesk_api::{UpdateStatus, UpdatesOff};
use tauri::{AppHandle, Emitter, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

/// The UI event the status goes out as (`UpdateStatus`).
pub const UPDATE_EVENT: &str = "agentdesk://update";
const FIRST_CHECK_AFTER: Duration = Duration::from_secs(60);
const CHECK_EVERY: Duration = Duration::from_secs(4 * 3600);
const FEED_TIMEOUT: Duration = Duration::from_secs(120);

/// Where updates come from: the build's settings, or (debug builds) the command line's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feed {
    pub endpoints: Vec<url::Url>,
    pub pubkey: String,
}

impl Feed {
    fn is_configured(&self) -> bool {
        !self.endpoints.is_empty() && !self.pubkey.trim().is_empty()
    }
}

/// The updater's state: what the window is shown, and the verified update waiting for a restart.
pub struct Updates {
    status: Mutex<UpdateStatus>,
    ready: Mutex<Option<(Update, Vec<u8>)>>,
}

impl Updates {
    pub fn new(status: UpdateStatus) -> Updates {
        Updates {
            status: Mutex::new(status),
            ready: Mutex::new(None),
        }
    }

    pub fn status(&self) -> UpdateStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set<R: Runtime>(&self, app: &AppHandle<R>, status: UpdateStatus) {
        *self.status.lock().unwrap_or_else(|p| p.into_inner()) = status.clone();
        if let Err(error) = app.emit(UPDATE_EVENT, &status) {
            tracing::warn!(%error, "the update status could not reach the window");
        }
    }

    /// Installs the update waiting for a restart, if there is one (on Windows the installer takes
    /// over and this process ends). Returns whether one was installed.
    pub fn install_ready(&self) -> Result<bool, String> {
        let ready = self.ready.lock().unwrap_or_else(|p| p.into_inner()).take();
        match ready {
            None => Ok(false),
            Some((update, bytes)) => update.install(bytes).map(|()| true).map_err(|error| {
                format!(
                    "the update to {} could not be installed ({error}); download it from your IT department or the AgentDesk website",
                    update.version
                )
            }),
        }
    }
}

/// The status an install starts with: off (and why), or waiting for the first check.
pub fn initial_status(feed: &Feed, enabled_by_it: bool) -> UpdateStatus {
    if !enabled_by_it {
        UpdateStatus::Off {
            reason: UpdatesOff::TurnedOffByIt,
        }
    } else if !feed.is_configured() {
        UpdateStatus::Off {
            reason: UpdatesOff::NotConfigured,
        }
    } else {
        UpdateStatus::UpToDate
    }
}

/// The feed this build uses: tauri.conf.json's `plugins.updater`, or in debug builds the
/// `--update-feed` / `--update-pubkey` arguments.
pub fn feed_from_config<R: Runtime>(app: &AppHandle<R>, args: &[String]) -> Feed {
    let config = app.config().plugins.0.get("updater");
    let mut feed = Feed {
        endpoints: config
            .and_then(|c| c.get("endpoints"))
            .and_then(|e| e.as_array())
            .map(|urls| {
                urls.iter()
                    .filter_map(|u| u.as_str().and_then(|u| u.parse().ok()))
                    .collect()
            })
            .unwrap_or_default(),
        pubkey: config
            .and_then(|c| c.get("pubkey"))
            .and_then(|k| k.as_str())
            .unwrap_or_default()
            .to_string(),
    };
    if cfg!(debug_assertions) {
        let value_of = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .and_then(|i| args.get(i + 1))
                .cloned()
        };
        if let Some(url) = value_of("--update-feed").and_then(|u| u.parse().ok()) {
            feed.endpoints = vec![url];
        }
        if let Some(key) = value_of("--update-pubkey") {
            feed.pubkey = key;
        }
    }
    feed
}

/// One check: the feed read, a newer version downloaded and verified. Never installs.
pub async fn check_once<R: Runtime>(
    app: &AppHandle<R>,
    feed: &Feed,
) -> (UpdateStatus, Option<(Update, Vec<u8>)>) {
    let failed = |error: &dyn std::fmt::Display| UpdateStatus::CheckFailed {
        reason: format!(
            "the update feed could not be read ({error}); AgentDesk checks again later"
        ),
    };
    let updater = match app
        .updater_builder()
        .endpoints(feed.endpoints.clone())
        .map(|builder| builder.pubkey(feed.pubkey.clone()).timeout(FEED_TIMEOUT))
        .and_then(|builder| builder.build())
    {
        Ok(updater) => updater,
        Err(error) => return (failed(&error), None),
    };
    let update = match updater.check().await {
        Ok(Some(update)) => update,
        Ok(None) => return (UpdateStatus::UpToDate, None),
        Err(error) => return (failed(&error), None),
    };
    match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => (
            UpdateStatus::Ready {
                version: update.version.clone(),
                notes: update.body.clone(),
            },
            Some((update, bytes)),
        ),
        Err(
            error @ (tauri_plugin_updater::Error::Minisign(_)
            | tauri_plugin_updater::Error::Base64(_)
            | tauri_plugin_updater::Error::SignatureUtf8(_)),
        ) => {
            tracing::error!(%error, version = %update.version, "an update failed its signature check and was discarded");
            (
                UpdateStatus::Refused {
                    version: update.version.clone(),
                    reason: format!(
                        "its signature does not match the key this AgentDesk trusts ({error}); it was discarded. Tell your IT department"
                    ),
                },
                None,
            )
        }
        Err(error) => (failed(&error), None),
    }
}

/// Checks a minute after start and every four hours until an update is ready (or refused).
pub async fn check_periodically<R: Runtime>(
    app: AppHandle<R>,
    updates: std::sync::Arc<Updates>,
    feed: Feed,
    first_check_after: Option<Duration>,
) {
    if !feed.is_configured() || matches!(updates.status(), UpdateStatus::Off { .. }) {
        return;
    }
    tokio::time::sleep(first_check_after.unwrap_or(FIRST_CHECK_AFTER)).await;
    loop {
        let (status, ready) = check_once(&app, &feed).await;
        let done = matches!(status, UpdateStatus::Ready { .. });
        *updates.ready.lock().unwrap_or_else(|p| p.into_inner()) = ready;
        updates.set(&app, status);
        if done {
            return;
        }
        tokio::time::sleep(CHECK_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_are_off_when_it_turns_them_off_or_the_build_has_no_feed() {
        let feed = Feed {
            endpoints: vec!["https://updates.example/latest.json".parse().unwrap()],
            pubkey: "a-key".into(),
        };
        assert_eq!(initial_status(&feed, true), UpdateStatus::UpToDate);
        assert_eq!(
            initial_status(&feed, false),
            UpdateStatus::Off {
                reason: UpdatesOff::TurnedOffByIt
            }
        );
        for unconfigured in [
            Feed::default(),
            Feed {
                pubkey: " ".into(),
                ..feed.clone()
            },
        ] {
            assert_eq!(
                initial_status(&unconfigured, true),
                UpdateStatus::Off {
                    reason: UpdatesOff::NotConfigured
                }
            );
        }
    }
}
