//! Round trips through the real OS keychain (gnome-keyring in CI's D-Bus session), under a service
//! name of the test's own so a developer's real items are never touched.

use agentdesk_domain::Secret;
use agentdesk_secrets::{Keychain, KeychainError, SecretName};

fn test_keychain() -> Keychain {
    Keychain::with_service(format!("agentdesk-test-{}", uuid::Uuid::new_v4()))
}

#[tokio::test]
async fn a_secret_round_trips_through_the_os_keychain_and_is_removed() {
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
