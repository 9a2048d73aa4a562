//! The shell's words (notifications, the tray) from the one catalogue of user-facing strings the
//! window uses too (`ui/src/i18n/*.json`, compiled in): `{{name}}` placeholders filled here.

use std::sync::OnceLock;

use serde_json::Value;

const ENGLISH: &str = include_str!("../../ui/src/i18n/en.json");
const CHINESE: &str = include_str!("../../ui/src/i18n/zh-CN.json");

fn catalogue(chinese: bool) -> &'static Value {
    static EN: OnceLock<Value> = OnceLock::new();
    static ZH: OnceLock<Value> = OnceLock::new();
    let (cell, text) = if chinese {
        (&ZH, CHINESE)
    } else {
        (&EN, ENGLISH)
    };
    // The catalogues are checked by the UI's tests and by `every_word_the_shell_uses_exists` below.
    cell.get_or_init(|| serde_json::from_str(text).unwrap_or(Value::Null))
}

/// The string at `key` (dotted, e.g. `desktop.trayQuit`) in the agent's language, placeholders
/// filled from `params`; the key itself if the catalogue has no such string.
pub fn word(chinese: bool, key: &str, params: &[(&str, &str)]) -> String {
    let found = key
        .split('.')
        .try_fold(catalogue(chinese), |node, part| node.get(part))
        .and_then(Value::as_str);
    let Some(template) = found else {
        tracing::error!(key, "a string is missing from the catalogue");
        return key.to_string();
    };
    params
        .iter()
        .fold(template.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{{{name}}}}}"), value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key this shell asks for, in both languages.
    const USED: &[&str] = &[
        "desktop.newSessionTitle",
        "desktop.newSessionBody",
        "desktop.newMessageTitle",
        "desktop.upsetTitle",
        "desktop.upsetBody",
        "desktop.upsetBodyWithCues",
        "desktop.healthRaisedTitle",
        "desktop.healthRaisedBody",
        "desktop.healthClearedTitle",
        "desktop.healthClearedBody",
        "desktop.trayShow",
        "desktop.trayQuit",
        "desktop.trayUnread",
    ];

    #[test]
    fn every_word_the_shell_uses_exists() {
        for chinese in [false, true] {
            for key in USED {
                assert_ne!(word(chinese, key, &[]), *key, "{key} (chinese: {chinese})");
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            word(true, "desktop.newSessionBody", &[("customer", "王芳")]),
            "王芳 正在等待您的回复"
        );
        assert_eq!(
            word(false, "desktop.trayUnread", &[("count", "3")]),
            "AgentDesk · 3 unread"
        );
        assert_eq!(word(false, "desktop.noSuchWord", &[]), "desktop.noSuchWord");
    }
}
