//! The one place AgentDesk keeps secrets: the operating system's keychain (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows), under the service name `agentdesk`. There is
//! no fallback: when the keychain is missing or locked, the error says how to fix it, and nothing is
//! written anywhere else.

mod name;

use std::time::Duration;

use agentdesk_domain::Secret;

pub use name::{SecretName, PAYMENT_KEY_PARTS, PAYMENT_PROVIDERS, TICKET_SYSTEMS_WITH_KEYS};

/// The keychain service every AgentDesk item is filed under.
pub const SERVICE: &str = "agentdesk";
/// Overrides the service name (see `Keychain::os`).
pub const SERVICE_ENV: &str = "AGENTDESK_KEYCHAIN_SERVICE";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    #[error(
        "The system keychain is not available ({detail}). {}",
        fix::UNAVAILABLE
    )]
    Unavailable { detail: String },
    #[error(
        "The system keychain is locked or refused access ({detail}). {}",
        fix::LOCKED
    )]
    Locked { detail: String },
    #[error("The keychain item \"{item}\" does not hold text. Remove it (or set the secret again) and retry.")]
    NotText { item: String },
    #[error("The keychain refused the item \"{item}\": {detail}")]
    Refused { item: String, detail: String },
}

/// How to fix a keychain problem, in the words of the user's platform.
mod fix {
    #[cfg(target_os = "linux")]
    pub const UNAVAILABLE: &str = "AgentDesk keeps credentials only in a Secret Service keyring: install \
        and start one (GNOME Keyring: `sudo apt install gnome-keyring`, or KWallet), make sure your \
        desktop session has a D-Bus session bus, then restart AgentDesk.";
    #[cfg(target_os = "macos")]
    pub const UNAVAILABLE: &str =
        "AgentDesk keeps credentials only in the macOS Keychain: open Keychain Access, check that the \
         login keychain exists, then restart AgentDesk.";
    #[cfg(target_os = "windows")]
    pub const UNAVAILABLE: &str =
        "AgentDesk keeps credentials only in Windows Credential Manager: \
        check that the Credential Manager service is running, then restart AgentDesk.";
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    pub const UNAVAILABLE: &str = "This platform has no supported keychain.";

    #[cfg(target_os = "linux")]
    pub const LOCKED: &str = "Unlock your login keyring (in \"Passwords and Keys\" / Seahorse, or \
        by signing in again) and retry; accept the keyring's prompt if one appears.";
    #[cfg(target_os = "macos")]
    pub const LOCKED: &str =
        "Unlock the login keychain in Keychain Access and retry; choose Allow when macOS asks.";
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    pub const LOCKED: &str = "Sign in to Windows with your own account and retry.";
}

/// The OS keychain, for one service name (`agentdesk`; tests use their own to stay apart).
/// Every call talks to the keychain: nothing is cached in this process beyond the call.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
    /// How long a call may wait: a locked keyring asks the user to unlock it, and without an
    /// answer (or without any prompter, on a headless session) the call would wait forever.
    timeout: Duration,
}

/// Long enough to type a keyring password into the unlock prompt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(90);

impl Keychain {
    /// AgentDesk's items in the user's keychain: service `agentdesk`, or the service named by
    /// `AGENTDESK_KEYCHAIN_SERVICE` (separate profiles, and tests that must not touch real items).
    pub fn os() -> Keychain {
        match std::env::var(SERVICE_ENV) {
            Ok(service) if !service.trim().is_empty() => Keychain::with_service(service),
            _ => Keychain::with_service(SERVICE),
        }
    }

    /// Items under another service name (tests, so they never touch a user's real items).
    pub fn with_service(service: impl Into<String>) -> Keychain {
        Keychain {
            service: service.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The same keychain with another wait limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Keychain {
        self.timeout = timeout;
        self
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// Stores or replaces a secret.
    pub async fn store(&self, name: &SecretName, secret: &Secret) -> Result<(), KeychainError> {
        let (service, item, value) = (
            self.service.clone(),
            name.keychain_account(),
            Secret::new(secret.expose()),
        );
        blocking(self.timeout, move || {
            entry(&service, &item)?
                .set_password(value.expose())
                .map_err(|e| classify(e, &item))
        })
        .await
    }

    /// The secret, or `None` when it was never set. For the core's own use at the point of use:
    /// nothing that reaches the UI calls this.
    pub async fn load(&self, name: &SecretName) -> Result<Option<Secret>, KeychainError> {
        let (service, item) = (self.service.clone(), name.keychain_account());
        blocking(self.timeout, move || {
            match entry(&service, &item)?.get_password() {
                Ok(value) => Ok(Some(Secret::new(value))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(classify(e, &item)),
            }
        })
        .await
    }

    /// Whether a secret is set, without reading it out.
    pub async fn contains(&self, name: &SecretName) -> Result<bool, KeychainError> {
        Ok(self.load(name).await?.is_some())
    }

    /// Removes a secret; `false` when there was none.
    pub async fn remove(&self, name: &SecretName) -> Result<bool, KeychainError> {
        let (service, item) = (self.service.clone(), name.keychain_account());
        blocking(self.timeout, move || {
            match entry(&service, &item)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(classify(e, &item)),
            }
        })
        .await
    }
}

/// Keychain calls block on D-Bus / system services: keep them off the async workers, and stop
/// waiting after `timeout` (the blocked call is abandoned on its thread; nothing was written).
async fn blocking<T: Send + 'static>(
    timeout: Duration,
    call: impl Fn() -> Result<T, KeychainError> + Send + 'static,
) -> Result<T, KeychainError> {
    // A thread of its own rather than the runtime's blocking pool: an abandoned call must not
    // hold up the runtime's shutdown (quitting the app, ending a test).
    let (done, answer) = tokio::sync::oneshot::channel();
    let deadline = std::time::Instant::now() + timeout;
    std::thread::spawn(move || {
        let _ = done.send(again_while_the_service_restarts(deadline, call));
    });
    match tokio::time::timeout(timeout, answer).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(KeychainError::Unavailable {
            detail: "the keychain call stopped without an answer".into(),
        }),
        Err(_) => Err(KeychainError::Locked {
            detail: format!(
                "no answer within {} s; it is waiting to be unlocked",
                timeout.as_secs()
            ),
        }),
    }
}

/// Runs `call`, and runs it again while the keychain service went away mid-call, until `deadline`.
/// gnome-keyring can die in the middle of a call (an upstream bug when clients come and go quickly:
/// "Message recipient disconnected from message bus without replying"); the desktop restarts it
/// (systemd, or D-Bus activation), so a short wait and a fresh connection finish the call. Every
/// call here may be repeated safely: a store replaces, a load reads, a remove of a removed item is
/// "there was none".
fn again_while_the_service_restarts<T>(
    deadline: std::time::Instant,
    call: impl Fn() -> Result<T, KeychainError>,
) -> Result<T, KeychainError> {
    let mut pause = Duration::from_millis(100);
    loop {
        match call() {
            Err(KeychainError::Unavailable { detail })
                if service_went_away(&detail) && std::time::Instant::now() + pause < deadline =>
            {
                tracing::warn!(%detail, "the keychain service went away mid-call; trying again");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
            }
            result => return result,
        }
    }
}

/// Whether a D-Bus failure says the service vanished (crashed or restarting), or that an item it
/// had just listed was gone when read (a restarted daemon reloading its keyring file renumbers the
/// items: the whole call, search and read, is made again).
fn service_went_away(detail: &str) -> bool {
    [
        "NoReply",
        "disconnected",
        "Disconnected",
        "Object does not exist",
    ]
    .iter()
    .any(|sign| detail.contains(sign))
}

fn entry(service: &str, item: &str) -> Result<keyring::Entry, KeychainError> {
    keyring::Entry::new(service, item).map_err(|e| classify(e, item))
}

fn classify(error: keyring::Error, item: &str) -> KeychainError {
    match error {
        keyring::Error::NoStorageAccess(e) => KeychainError::Locked {
            detail: e.to_string(),
        },
        keyring::Error::PlatformFailure(e) => {
            let detail = e.to_string();
            // The Secret Service reports a locked collection or a dismissed prompt as a platform
            // failure; say "locked" for those, "unavailable" for a missing service or bus.
            if detail.to_lowercase().contains("lock") || detail.to_lowercase().contains("dismiss") {
                KeychainError::Locked { detail }
            } else {
                KeychainError::Unavailable { detail }
            }
        }
        keyring::Error::BadEncoding(_) => KeychainError::NotText {
            item: item.to_string(),
        },
        other => KeychainError::Refused {
            item: item.to_string(),
            detail: other.to_string(),
        },
    }
}
