//! Round trips through the real OS keychain (gnome-keyring in CI's D-Bus session), under a service
//! name of the test's own so a developer's real items are never touched.

use agentdesk_domain::Secret;
use agentdesk_secrets::{Keychain, KeychainError, SecretName};

/// The tests share the session's keyring, and one of them locks it: they take turns.
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

#[cfg(target_os = "linux")]
fn unlock_default_collection() {
    // gnome-keyring's own unlock, with the session's keyring password (scripts/desktop-session.sh).
    let mut child = std::process::Command::new("gnome-keyring-daemon")
        .args([
            "--unlock",
            "--replace",
            "--daemonize",
            "--components=secrets",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"agentdesk-e2e")
        .unwrap();
    child.wait().unwrap();
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
}
