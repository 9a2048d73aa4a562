//! The UI's TypeScript types are generated from Rust and committed; this fails when they drift.

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/backend/bindings.ts");
    let generated = agentdesk_api::typescript_bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/backend/bindings.ts is out of date; run: UPDATE_BINDINGS=1 cargo test -p agentdesk-api --test bindings"
    );
}
