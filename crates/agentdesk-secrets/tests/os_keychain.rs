//! Round trips through the real OS keychain (gnome-keyring in CI's D-Bus session), under a service
//! name of the test's own so a developer's real items are never touched.

use agentdesk_domain::Secret;
use agentdesk_secrets::{Keychain, KeychainError, SecretName};

/// The tests share the session's keyring, and one of them locks it: they take turns (under `cargo
/// test`, threads of one process; under nextest, the `keyring-owner` group of .config/nextest.toml
/// runs them one at a time, after every other test).
static KEYRING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn test_keychain() -> Keychain {
    Keychain::with_service(format!("agentdesk-test-{}", uuid::Uuid::new_v4()))
}

#[tokio::test]
async fn a_secret_round_trips_through_the_os_keychain_and_is_removed() {
    let _turn = KEYRING.lock().await;
    let keychain = test_keychain();
    let name = SecretName::PlatformAppKey {
        account: "Shop A".into(),
    };
    assert_eq!(
        keychain
            .load(&name)
            .await
            .unwrap()
            .map(|s| s.expose().to_string()),
        None
    );
    keychain
        .store(&name, &Secret::new("k3y-αβγ-密钥"))
        .await
        .unwrap();
    assert_eq!(
        keychain.load(&name).await.unwrap().unwrap().expose(),
        "k3y-αβγ-密钥"
    );
    // Replacing keeps one item with the new value.
    keychain.store(&name, &Secret::new("second")).await.unwrap();
    assert_eq!(
        keychain.load(&name).await.unwrap().unwrap().expose(),
        "second"
    );
    // Another account's item is separate.
    let other = SecretName::PlatformAppKey {
        account: "Shop B".into(),
    };
    assert!(!keychain.contains(&other).await.unwrap());
    assert!(keychain.remove(&name).await.unwrap());
    assert!(!keychain.remove(&name).await.unwrap());
    assert!(keychain.load(&name).await.unwrap().is_none());
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn without_a_session_bus_the_error_says_how_to_fix_it() {
    // A child process with no D-Bus session: the keychain is unreachable.
    if std::env::var_os("AGENTDESK_KEYCHAIN_PROBE").is_some() {
        let error = test_keychain()
            .store(
                &SecretName::UnionKey {
                    account: "x".into(),
                },
                &Secret::new("never written"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, KeychainError::Unavailable { .. }),
            "{error:?}"
        );
        println!("PROBE-MESSAGE {error}");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new(exe)
        .args([
            "--exact",
            "without_a_session_bus_the_error_says_how_to_fix_it",
            "--nocapture",
        ])
        .env("AGENTDESK_KEYCHAIN_PROBE", "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/agentdesk-test-bus",
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let message = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PROBE-MESSAGE "))
        .expect("the probe ran");
    assert!(message.contains("gnome-keyring"), "{message}");
    assert!(message.contains("restart AgentDesk"), "{message}");
}

/// Locks the Secret Service's default collection (as a screen lock or `Lock` call does).
#[cfg(target_os = "linux")]
fn lock_default_collection() -> bool {
    std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.secrets",
            "--print-reply",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/aliases/default",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Ends the locked session's keyring daemon; the desktop starts it again with the keyring
/// unlocked (scripts/desktop.sh: D-Bus activation unlocks it with the session's password, as a
/// sign-in does). One daemon at a time: a second one started beside it (`--replace`) fought the
/// first over the keyring file.
#[cfg(target_os = "linux")]
fn unlock_default_collection() {
    if let Some(daemon) = secret_service_pid() {
        signal(daemon, "-TERM");
        for _ in 0..100 {
            if secret_service_pid() != Some(daemon) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_locked_keychain_gets_a_message_that_says_to_unlock_it_and_nothing_is_written() {
    let _turn = KEYRING.lock().await;
    assert!(lock_default_collection(), "could not lock the keyring");
    let keychain = test_keychain().with_timeout(std::time::Duration::from_secs(3));
    let name = SecretName::UnionKey {
        account: "locked".into(),
    };
    let error = keychain
        .store(&name, &Secret::new("not while locked"))
        .await
        .unwrap_err();
    unlock_default_collection();
    assert!(matches!(error, KeychainError::Locked { .. }), "{error:?}");
    assert!(error.to_string().contains("Unlock"), "{error}");
    // Nothing was stored while locked.
    let reopened = Keychain::with_service(keychain.service().to_string());
    let mut stored = None;
    for _ in 0..50 {
        match reopened.load(&name).await {
            Ok(value) => {
                stored = Some(value.is_some());
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    assert_eq!(stored, Some(false));
    assert!(
        writable_again(&reopened).await,
        "the keyring stayed locked after the unlock"
    );
}

/// Whether a store works again after the unlock (tests after this one need it). A call in flight
/// while the daemon was being replaced can leave the new one locked: unlock again then.
#[cfg(target_os = "linux")]
async fn writable_again(keychain: &Keychain) -> bool {
    let probe = SecretName::UnionKey {
        account: "unlocked".into(),
    };
    let keychain = keychain
        .clone()
        .with_timeout(std::time::Duration::from_secs(3));
    for _ in 0..5 {
        match keychain.store(&probe, &Secret::new("probe")).await {
            Ok(()) => return keychain.remove(&probe).await.is_ok(),
            Err(KeychainError::Locked { .. }) => unlock_default_collection(),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    false
}

/// The process that owns the Secret Service name on the session bus.
#[cfg(target_os = "linux")]
fn secret_service_pid() -> Option<u32> {
    let output = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .skip_while(|word| *word != "uint32")
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(target_os = "linux")]
fn signal(pid: u32, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill {signal} {pid}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_call_goes_on_when_the_keyring_daemon_dies_in_the_middle_of_it() {
    let _turn = KEYRING.lock().await;
    let keychain = test_keychain().with_timeout(std::time::Duration::from_secs(20));
    let name = SecretName::UnionKey {
        account: "survivor".into(),
    };
    keychain.store(&name, &Secret::new("kept")).await.unwrap();
    let daemon = secret_service_pid().expect("a Secret Service serves the session");
    // The daemon stops answering with the call in flight, then dies, as gnome-keyring's crash does
    // (the bus answers the caller "NoReply: Message recipient disconnected").
    signal(daemon, "-STOP");
    let load = tokio::spawn({
        let keychain = keychain.clone();
        let name = name.clone();
        async move { keychain.load(&name).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    signal(daemon, "-KILL");
    // The desktop starts it again (D-Bus activation here, scripts/desktop.sh; systemd on a desktop);
    // the call waits for it instead of failing.
    assert_eq!(
        load.await.unwrap().unwrap().map(|s| s.expose().to_string()),
        Some("kept".to_string())
    );
    assert_ne!(secret_service_pid(), Some(daemon));
    keychain
        .store(&name, &Secret::new("replaced"))
        .await
        .unwrap();
    assert!(keychain.remove(&name).await.unwrap());
}
