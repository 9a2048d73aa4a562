//! A value that must never be printed, logged or serialized: app keys, passwords, tokens.
//!
//! `Debug` and `Display` print `<redacted>`, and there is deliberately no `Serialize` impl, so a
//! secret cannot end up in a log line, a JSON response to the webview or a crash report by accident.
//! Reading the value requires the explicit, greppable `expose()`.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call only at the point of use (signing a request, a keychain write).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("app-key-123");
        assert!(!format!("{secret:?}").contains("app-key-123"));
        assert!(!format!("{secret}").contains("app-key-123"));
        assert_eq!(secret.expose(), "app-key-123");
    }
}
