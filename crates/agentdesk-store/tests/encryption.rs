//! Encryption at rest with SQLCipher: a database opened with a key holds no readable text on disk,
//! cannot be opened without the key or with another one (with an error that says what to do), and a
//! plain database from before encryption is encrypted in place with nothing lost.

use agentdesk_domain::{
    Channel, DeliveryStatus, Direction, Message, MessageKind, Session, SessionState,
};
use agentdesk_store::{Database, DatabaseKey, Store, StoreError, Write};

const SECRET_TEXT: &str = "我的手机号是13812345678，地址在幸福路88号";

fn writes() -> Vec<Write> {
    vec![
        Write::UpsertSession(Session {
            id: "c1".into(),
            visitor_id: "u1".into(),
            visitor_name: "王芳".into(),
            channel: Channel::Web,
            state: SessionState::Active,
            started_at_ms: 1,
            rating: None,
        }),
        Write::StoreMessage(Message {
            session_id: "c1".into(),
            msg_id: Some("m1".into()),
            client_msg_id: None,
            direction: Direction::In,
            kind: MessageKind::Text,
            content: SECRET_TEXT.into(),
            sender_name: "王芳".into(),
            sent_at_ms: 1,
            status: DeliveryStatus::Sent,
            transcript: None,
        }),
    ]
}

/// Every file of the database (the main file, its WAL and shared memory), as bytes.
fn files_on_disk(path: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["sqlite3", "sqlite3-wal", "sqlite3-shm"] {
        if let Ok(bytes) = std::fs::read(path.with_extension(suffix)) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn an_encrypted_database_is_unreadable_without_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenant.sqlite3");
    let key = DatabaseKey::generate();
    let database = Database::encrypted(path.clone(), key.clone());
    {
        let mut store = database.open().unwrap();
        store.apply(&writes()).unwrap();
        assert_eq!(store.messages("c1", 10).unwrap()[0].content, SECRET_TEXT);
        // A second connection (the engine's readers) opens through the same value.
        let reader = database.open_read_only().unwrap();
        assert_eq!(reader.messages("c1", 10).unwrap().len(), 1);
    }
    let disk = files_on_disk(&path);
    assert!(!disk.is_empty());
    assert!(
        !contains(&disk, SECRET_TEXT.as_bytes()),
        "customer text readable on disk"
    );
    assert!(!contains(&disk, "13812345678".as_bytes()));
    assert!(
        !contains(&disk, b"SQLite format 3"),
        "a plain SQLite header"
    );

    // The lost laptop: the file without the keychain.
    let error = match Store::open_read_only(&path) {
        Ok(store) => store.messages("c1", 10).map(|_| ()).unwrap_err(),
        Err(error) => error,
    };
    assert!(
        matches!(error, StoreError::Corrupt(_) | StoreError::Open { .. }),
        "{error:?}"
    );
    // Another key: refused with what to do.
    let error = Database::encrypted(path.clone(), DatabaseKey::generate())
        .open()
        .err()
        .expect("another key must not open it");
    assert!(matches!(error, StoreError::WrongKey(_)), "{error:?}");
    assert!(error.to_string().contains("keychain"));
    // The right key again: everything is there.
    assert_eq!(
        database.open().unwrap().messages("c1", 10).unwrap().len(),
        1
    );
}

#[test]
fn a_plain_database_from_before_is_encrypted_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    {
        let mut plain = Store::open(&path).unwrap();
        plain.apply(&writes()).unwrap();
    }
    assert!(contains(&files_on_disk(&path), SECRET_TEXT.as_bytes()));
    let store = Database::encrypted(path.clone(), DatabaseKey::generate())
        .open()
        .unwrap();
    assert_eq!(store.messages("c1", 10).unwrap()[0].content, SECRET_TEXT);
    store.integrity_check().unwrap();
    drop(store);
    assert!(!contains(&files_on_disk(&path), SECRET_TEXT.as_bytes()));
    assert!(!path.with_extension("sqlite3.encrypting").exists());
}

#[test]
fn keys_round_trip_as_hex_and_never_print() {
    let key = DatabaseKey::generate();
    assert_eq!(DatabaseKey::from_hex(&key.to_hex()), Some(key.clone()));
    assert_ne!(key, DatabaseKey::generate());
    assert_eq!(format!("{key:?}"), "DatabaseKey(…)");
    assert!(DatabaseKey::from_hex("zz").is_none());
    assert!(DatabaseKey::from_hex(&"g".repeat(64)).is_none());
}
