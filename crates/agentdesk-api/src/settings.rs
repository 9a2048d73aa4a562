//! User settings that the Rust side needs (notifications); the UI keeps its own (language, theme)
//! too, but mirrors the language here so notifications speak it. Stored as JSON in the config
//! directory, written atomically (temp file + rename) so a crash never leaves half a file. Never
//! holds a secret: those live in the OS keychain.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode, ErrorReason};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    pub notify_new_session: bool,
    pub notify_new_message: bool,
    pub notification_sound: bool,
    /// `zh-CN` or `en`; empty follows the OS.
    pub language: String,
    /// The account the workbench signs in with at start; empty runs demo mode.
    pub active_account: String,
    /// The risk (percent) from which a session is warned about (an escalation cue always warns).
    pub mood_warning_percent: u8,
    /// A desktop notification when a customer crosses that threshold.
    pub notify_upset_customer: bool,
    /// Days the audit log (every platform and connector call, every reveal of masked data) is kept.
    pub audit_retention_days: u16,
}

/// The range Settings accepts for `mood_warning_percent`: below it calm customers would be flagged,
/// above it only the cues would ever warn.
pub const MOOD_WARNING_PERCENT: std::ops::RangeInclusive<u8> = 50..=95;

/// The range Settings accepts for `audit_retention_days`: at least a week (an incident is looked
/// into days later), at most ten years.
pub const AUDIT_RETENTION_DAYS: std::ops::RangeInclusive<u16> = 7..=3650;

impl Settings {
    /// The warning threshold as the risk scale (0..1) uses it.
    pub fn mood_threshold(&self) -> f32 {
        f32::from(self.mood_warning_percent) / 100.0
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            notify_new_session: true,
            notify_new_message: true,
            notification_sound: true,
            language: String::new(),
            active_account: String::new(),
            mood_warning_percent: (crate::DEFAULT_RISK_THRESHOLD * 100.0).round() as u8,
            notify_upset_customer: true,
            audit_retention_days: 90,
        }
    }
}

pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub fn new(config_dir: &Path) -> SettingsFile {
        SettingsFile {
            path: config_dir.join("settings.json"),
        }
    }

    /// Where the settings are kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved settings, or the defaults when there are none. A damaged file is set aside (not
    /// deleted) and the defaults are used, so the app always starts.
    pub fn load(&self) -> Settings {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(%error, path = %self.path.display(), "settings file unreadable; using defaults");
                let _ = std::fs::rename(&self.path, self.path.with_extension("json.damaged"));
                Settings::default()
            }),
            Err(_) => Settings::default(),
        }
    }

    pub fn save(&self, settings: &Settings) -> Result<(), ApiError> {
        if !settings.language.is_empty() && !["zh-CN", "en"].contains(&settings.language.as_str()) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("unsupported language {:?}", settings.language),
            ));
        }
        if !MOOD_WARNING_PERCENT.contains(&settings.mood_warning_percent) {
            return Err(ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::MoodThresholdRange {
                    min: u32::from(*MOOD_WARNING_PERCENT.start()),
                    max: u32::from(*MOOD_WARNING_PERCENT.end()),
                },
                format!(
                    "the warning threshold must be between {}% and {}%, not {}%",
                    MOOD_WARNING_PERCENT.start(),
                    MOOD_WARNING_PERCENT.end(),
                    settings.mood_warning_percent
                ),
            ));
        }
        if !AUDIT_RETENTION_DAYS.contains(&settings.audit_retention_days) {
            return Err(ApiError::because(
                ErrorCode::InvalidInput,
                ErrorReason::AuditRetentionRange {
                    min: u32::from(*AUDIT_RETENTION_DAYS.start()),
                    max: u32::from(*AUDIT_RETENTION_DAYS.end()),
                },
                format!(
                    "the audit log must be kept between {} and {} days, not {}",
                    AUDIT_RETENTION_DAYS.start(),
                    AUDIT_RETENTION_DAYS.end(),
                    settings.audit_retention_days
                ),
            ));
        }
        let storage = |e: std::io::Error| {
            ApiError::new(
                ErrorCode::Storage,
                format!("cannot save settings to {}: {e}", self.path.display()),
            )
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(storage)?;
        }
        let temp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(settings).unwrap_or_default();
        std::fs::write(&temp, bytes).map_err(storage)?;
        std::fs::rename(&temp, &self.path).map_err(storage)
    }
}

impl From<&Settings> for agentdesk_workspace::NoticePolicy {
    fn from(settings: &Settings) -> Self {
        agentdesk_workspace::NoticePolicy {
            new_session: settings.notify_new_session,
            new_message: settings.notify_new_message,
            upset_customer: settings.notify_upset_customer,
            mood_threshold: settings.mood_threshold(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_survive_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        assert_eq!(file.load(), Settings::default());
        let custom = Settings {
            notify_new_message: false,
            language: "en".into(),
            ..Settings::default()
        };
        file.save(&custom).unwrap();
        assert_eq!(file.load(), custom);
        std::fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        assert_eq!(file.load(), Settings::default());
        assert!(
            dir.path().join("settings.json.damaged").exists(),
            "the damaged file is kept for inspection"
        );
        assert!(file
            .save(&Settings {
                language: "fr".into(),
                ..Settings::default()
            })
            .is_err());
    }

    #[test]
    fn the_warning_threshold_is_kept_within_its_range_and_older_files_get_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        assert_eq!(Settings::default().mood_warning_percent, 75);
        for refused in [0, 49, 96, 100] {
            let error = file
                .save(&Settings {
                    mood_warning_percent: refused,
                    ..Settings::default()
                })
                .unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidInput);
            assert!(error.message.contains("between 50% and 95%"), "{error:?}");
        }
        let stricter = Settings {
            mood_warning_percent: 60,
            notify_upset_customer: false,
            ..Settings::default()
        };
        file.save(&stricter).unwrap();
        assert_eq!(file.load(), stricter);
        assert!((file.load().mood_threshold() - 0.6).abs() < 1e-6);
        // A file written before these settings existed.
        std::fs::write(dir.path().join("settings.json"), br#"{"language":"en"}"#).unwrap();
        let old = file.load();
        assert_eq!(old.mood_warning_percent, 75);
        assert!(old.notify_upset_customer);
        assert_eq!(old.audit_retention_days, 90);
    }

    #[test]
    fn the_audit_retention_is_kept_within_its_range() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        for refused in [0, 6, 3651] {
            let error = file
                .save(&Settings {
                    audit_retention_days: refused,
                    ..Settings::default()
                })
                .unwrap_err();
            assert!(
                error.message.contains("between 7 and 3650 days"),
                "{error:?}"
            );
        }
        let year = Settings {
            audit_retention_days: 365,
            ..Settings::default()
        };
        file.save(&year).unwrap();
        assert_eq!(file.load(), year);
    }
}
